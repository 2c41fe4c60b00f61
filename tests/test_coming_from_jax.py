"""The s2sgrad programs of docs/coming-from-jax.md and docs/extending.md run as written."""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _programs(page, after="**s2sgrad**"):
    text = (DOCS / page).read_text()
    parts = text.split(after) if after else [""] + text.split("\n# ")
    return [re.search(r"```python\n(.*?)```", p, re.S).group(1) for p in parts[1:]]


PROGRAMS = [("coming-from-jax.md", i, code) for i, code in enumerate(_programs("coming-from-jax.md"))]


def test_the_page_has_its_five_programs():
    assert len(PROGRAMS) == 5


@pytest.mark.parametrize("page, index, code", PROGRAMS, ids=[f"{p}:{i + 1}" for p, i, _ in PROGRAMS])
def test_program_runs(page, index, code, tmp_path):
    path = tmp_path / f"program{index}.py"  # a file, so that its lambdas and defs have source
    path.write_text(code)
    exec(compile(code, str(path), "exec"), {"__name__": f"program{index}"})


@pytest.fixture
def restore_rules():
    """The example registers a rule: put the rule tables back afterwards (rules are global)."""
    import copy

    import s2sgrad as sg
    from s2sgrad import rules

    rules.load_optional(everything=True)
    names = ("RULES", "NONDIFF", "JVPS", "LINEAR", "SCALAR_FUNCS", "REDUCTIONS", "ALWAYS_SCALAR")
    tables = {name: getattr(rules, name) for name in names if hasattr(rules, name)}
    saved = {name: copy.copy(table) for name, table in tables.items()}
    yield
    for name, table in tables.items():
        table.clear()
        table.update(saved[name])
    sg.api._cache.clear()


def test_extending_example(tmp_path, restore_rules):
    code = re.search(r"```python\n(.*?)```", (DOCS / "extending.md").read_text(), re.S).group(1)
    code += "\nimport math\nassert abs(sg.grad(softplus)(0.3) - 1 / (1 + math.exp(-0.3))) < 1e-12\n"
    path = tmp_path / "extending_example.py"
    path.write_text(code)
    exec(compile(code, str(path), "exec"), {"__name__": "extending_example"})
