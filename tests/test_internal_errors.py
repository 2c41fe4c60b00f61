"""No raw exceptions: an internal failure while a derivative is made (a bug in s2sgrad,
not a refusal) is an S2SGradError naming the function and the user's line, with the
original exception as its __cause__; an exception raised while generated code runs
names the user's line in a note, for forward-sweep lines too (they carry no
`# line N:` comment). tests/conftest.py fails any other test in which an internal
failure happens, so the corpora, the rule tables and the fuzzer's slice check that it
never does."""

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad import api
from s2sgrad.compiler.forward import Forward
from s2sgrad.compiler.reverse import Reverse
from s2sgrad.compiler.ssa import _Builder


def model(x, n):
    y = np.sin(x) * 2.0
    z = y[n] * x[0]  # the line the tests break at
    return z + np.sum(y)


BROKEN_LINE = model.__code__.co_firstlineno + 2


def _broken(original):
    def run(self, stmt, *args):
        if getattr(getattr(stmt, "loc", None), "lineno", None) == BROKEN_LINE:
            raise ValueError("deliberately broken")
        return original(self, stmt, *args)

    return run


MAKERS = {
    "grad": lambda: sg.grad(model)(np.ones(3), 1),
    "value_and_grad": lambda: sg.value_and_grad(model)(np.ones(3), 1),
    "vjp": lambda: sg.vjp(model)(np.ones(3), 1),
    "jvp": lambda: sg.jvp(model, (np.ones(3), 1), (np.ones(3), 0)),
    "hvp": lambda: sg.hvp(model)(np.ones(3), 1, np.ones(3)),
}


# (hvp is forward mode over the generated gradient: its reverse sweep breaks first)
BREAKS = {"reverse": {"grad", "value_and_grad", "vjp", "hvp"}, "forward": {"jvp"}}


@pytest.mark.internal_error
@pytest.mark.parametrize("stage", ["reverse", "forward"])
@pytest.mark.parametrize("maker", list(MAKERS))
def test_an_internal_failure_names_the_function_and_line(monkeypatch, stage, maker):
    monkeypatch.setattr(api, "_cache", api._Cache())  # make every derivative again
    if stage == "reverse":
        monkeypatch.setattr(Reverse, "eqn", _broken(Reverse.eqn))
    else:
        monkeypatch.setattr(Forward, "eqn", _broken(Forward.eqn))
    if maker not in BREAKS[stage]:
        MAKERS[maker]()  # the other sweep is not broken: no error
        return
    with pytest.raises(sg.S2SGradError, match="internal error in s2sgrad") as info:
        MAKERS[maker]()
    error = info.value
    assert "model" in str(error) and "ValueError: deliberately broken" in str(error)
    assert isinstance(error.__cause__, ValueError)
    assert error.loc.lineno == BROKEN_LINE and error.loc.filename == __file__


@pytest.mark.internal_error
def test_an_internal_failure_while_building_the_graph(monkeypatch):
    original = _Builder.expr

    def expr(self, node, env, *args, **kwargs):
        if getattr(node, "lineno", None) == BROKEN_LINE:
            raise KeyError("deliberately broken")
        return original(self, node, env, *args, **kwargs)

    monkeypatch.setattr(api, "_cache", api._Cache())
    monkeypatch.setattr(_Builder, "expr", expr)
    with pytest.raises(sg.S2SGradError, match=r"KeyError") as info:
        sg.grad(model)(np.ones(3), 1)
    assert info.value.loc.lineno == BROKEN_LINE
    assert isinstance(info.value.__cause__, KeyError)


@pytest.mark.parametrize("maker", list(MAKERS))
def test_run_time_errors_name_the_users_line(maker):
    """`y[n]` out of bounds fails in the forward sweep of every derivative."""
    run = {k: (lambda m=m: m()) for k, m in MAKERS.items()}[maker]
    bad = {
        "grad": lambda: sg.grad(model)(np.ones(3), 7),
        "value_and_grad": lambda: sg.value_and_grad(model)(np.ones(3), 7),
        "vjp": lambda: sg.vjp(model)(np.ones(3), 7),
        "jvp": lambda: sg.jvp(model, (np.ones(3), 7), (np.ones(3), 0)),
        "hvp": lambda: sg.hvp(model)(np.ones(3), 7, np.ones(3)),
    }[maker]
    run()  # in bounds: fine
    with pytest.raises(IndexError) as info:
        bad()
    notes = getattr(info.value, "__notes__", [])
    assert any(f"test_internal_errors.py:{BROKEN_LINE}: z = y[n] * x[0]" in n for n in notes), notes
