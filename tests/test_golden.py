"""Golden tests: the generated source of a few representative programs, pinned.

A change to code generation shows up here as a readable diff. After checking
the new output by eye, refresh the files with:

    S2SGRAD_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""
import os
from pathlib import Path

import pytest

import s2sgrad as sg
from tests.golden_programs import CASES
from tests.numeric import assert_close, numeric_grad

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("label", sorted(CASES))
def test_generated_source_is_pinned(label):
    fn, wrt, args = CASES[label]
    df = sg.grad(fn, wrt=wrt)
    df(*args)
    path = GOLDEN / f"{label}.py.txt"
    if os.environ.get("S2SGRAD_UPDATE_GOLDEN"):
        path.write_text(df.source)
    assert df.source == path.read_text()


@pytest.mark.parametrize("label", sorted(CASES))
def test_pinned_programs_are_right(label):
    fn, wrt, args = CASES[label]
    got = sg.grad(fn, wrt=wrt)(*args)
    for k, i in enumerate(wrt if isinstance(wrt, tuple) else (wrt,)):
        value = got[k] if isinstance(wrt, tuple) else got
        assert_close(value, numeric_grad(fn, args, i), rtol=1e-6)
