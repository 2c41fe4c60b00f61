"""Every script in examples/ runs to completion (exit code 0).

Each example is run as its own process with the interpreter running the tests,
from the repository root, exactly as a user would run it
(``python examples/NAME.py``). The examples assert their own results (gradient
checks against finite differences, loss reductions), so exit code 0 means they
worked. New examples are picked up automatically.

This is an ordinary test: it is part of the default ``pytest`` run and of CI.
"""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
TIMEOUT = 120  # seconds per example


def test_examples_found():
    assert EXAMPLES, "no scripts found in examples/"


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script):
    rel = script.relative_to(ROOT)
    try:
        proc = subprocess.run([sys.executable, str(rel)], cwd=ROOT, capture_output=True,
                              text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{rel} did not finish within {TIMEOUT} s")
    assert proc.returncode == 0, (
        f"{rel} exited with code {proc.returncode}\n"
        f"--- stdout (last 3000 chars) ---\n{proc.stdout[-3000:]}\n"
        f"--- stderr (last 3000 chars) ---\n{proc.stderr[-3000:]}")
