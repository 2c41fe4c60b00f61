"""The linter and the formatter, as part of the test suite (configured in
pyproject.toml): ruff's checks on every Python file, its formatter on the package."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _ruff(*args):
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_check_passes():
    done = _ruff("check", "s2sgrad", "tests", "examples", "docs")
    assert done.returncode == 0, done.stdout + done.stderr


def test_package_is_formatted():
    done = _ruff("format", "--check", "s2sgrad")
    assert done.returncode == 0, "run `ruff format s2sgrad`:\n" + done.stdout + done.stderr
