"""The source that ``jit=True`` compiles, run by Python: the same numbers as the interpreted derivative.

The Numba rewrite (compiler/numba_lowering.py: index loops, the compiled helpers; and
compiler/numba_tapes.py: nested tapes flattened into one list with segment bounds) is
checked here without compiling: each program of the control-flow and simulation corpora
runs its rewritten source in plain Python, which must give bit for bit what the
interpreted derivative gives (same operations, same order). A few nested-loop programs
are then compiled by Numba and checked against central differences.
"""

import math

import numpy as np
import pytest

import s2sgrad as sg
from tests import test_control_flow as cf
from tests import test_corpus_simulation as sim
from tests.numeric import assert_close, numeric_grad

pytest.importorskip("numba")

from s2sgrad.api import _for_code  # noqa: E402
from s2sgrad.compiler import numba_lowering  # noqa: E402

DT = 0.01
TOL = 1e-12
WEIGHTS = (0.5, 0.3, 0.2)


def _programs():
    seen = set()
    for case in cf.CASES:
        if case.fn.__name__ not in seen:
            seen.add(case.fn.__name__)
            yield pytest.param(case.fn, case.args, case.wrts[0], id=f"cf-{case.fn.__name__}")
    for name, (fn, args, wrts, _) in sim.CASES.items():
        yield pytest.param(fn, args, wrts[0], id=f"sim-{name}")


def _flat(x):
    if isinstance(x, dict):
        return [y for v in x.values() for y in _flat(v)]
    if isinstance(x, (tuple, list)):
        return [y for v in x for y in _flat(v)]
    return [np.asarray(x)]


def _rewritten(df, args):
    """The last derivative's interpreted output and that of its rewritten source run by Python."""
    derived = df._last
    wrt = df.wrt
    functions = numba_lowering.define(numba_lowering.rewrite(derived.source), df.target.function)
    values = _for_code(tuple(df._values(tuple(args), {})), wrt)
    if isinstance(derived.function, tuple):  # (a vjp: forward, then backward)
        value, saved = derived.function[0](*values)
        again_value, again_saved = functions[0](*values)
        return (value, derived.function[1](saved, 1.0)), (again_value, functions[1](again_saved, 1.0))
    return derived.function(*values), functions[0](*values)


@pytest.mark.parametrize("fn, args, wrt", list(_programs()))
def test_the_rewritten_source_computes_the_same(fn, args, wrt):
    df = sg.grad(fn, wrt=wrt)
    try:
        df(*args)
    except sg.S2SGradError:
        pytest.skip("refused by the interpreted mode too")
    expected, got = _rewritten(df, args)
    for a, b in zip(_flat(expected), _flat(got), strict=True):
        np.testing.assert_array_equal(a, b)


def relax(k, y0, n):
    """Implicit Euler on dy/dt = -k y^3, each step a Newton `while` loop (a tape per step)."""
    y = y0
    total = 0.0
    for _ in range(n):
        y_old = y
        r = DT * k * y**3
        while abs(r) > TOL:
            y = y - r / (1.0 + 3.0 * DT * k * y * y)
            r = y - y_old + DT * k * y**3
        total = total + y
    return total


def smooth_rows(u, rate, sweeps):
    """Three loops deep: sweeps of passes of an element loop; a pass may stop early."""
    for _ in range(sweeps):
        for w in WEIGHTS:
            prev = u[0]
            for i in range(1, u.shape[0]):
                cur = u[i]
                u[i] = cur + rate * w * np.tanh(prev - cur)
                prev = cur
                if abs(prev) > 50.0:
                    break
    return np.sum(u * u)


def test_nested_tapes_are_one_list_with_bounds():
    df = sg.grad(relax, wrt=(0, 1), jit=True)
    got = df(5.0, 1.5, 40)
    source = df.source
    assert "tape_lo = len(tape)" in source and "tape.append((t_4, t_6, t_7, t_9, y_1, y_2))" in source
    assert "tape_1_2[tape_1_n] = len(tape)" in source  # (the outer tape: arrays, see below)
    assert "for tape_k in range(tape_hi - 1, tape_lo - 1, -1):" in source
    inside = source[source.index("for _ in range(n):") :]
    assert "tape = []" not in inside  # made once, before the outer loop
    assert_close(got, sg.grad(relax, wrt=(0, 1))(5.0, 1.5, 40), rtol=1e-13, atol=0)
    assert_close(got[0], numeric_grad(relax, (5.0, 1.5, 40), 0), rtol=1e-6)


def test_three_loops_deep_with_an_early_exit():
    u = np.linspace(-1.0, 1.0, 12) ** 3
    df = sg.grad(smooth_rows, wrt=(0, 1), jit=True)
    du, drate = df(u.copy(), 0.4, 3)
    assert df.source.count(" = len(") >= 2 and "_hi - 1" in df.source
    expected = sg.grad(smooth_rows, wrt=(0, 1))(u.copy(), 0.4, 3)
    assert_close(du, expected[0], rtol=1e-13, atol=1e-15)
    assert_close(drate, expected[1], rtol=1e-13)
    assert_close(drate, numeric_grad(lambda r: smooth_rows(u.copy(), r, 3), (0.4,), 0), rtol=1e-6)


def test_a_vjp_carries_the_flat_tape_to_its_backward():
    df = sg.vjp(relax, wrt=(0, 1))
    value, pullback = df(5.0, 1.5, 30)
    source = numba_lowering.rewrite(df.source)
    assert "(tape_1, tape)) " in source.replace("\n", " ") or "(tape_1, tape) = saved" in source
    expected, got = _rewritten(df, (5.0, 1.5, 30))
    assert got == expected


def coast(v0, drag, n):
    """A loop over a range left early: its tape holds fewer items than the range."""
    x, v = 0.0, v0
    for _ in range(n):
        v = v - DT * drag * v * abs(v)
        x = x + DT * v
        if v < 0.5:
            break
    return x


def test_a_range_loop_keeps_its_tape_in_arrays():
    df = sg.grad(coast, wrt=(0, 1), jit=True)
    for args in [(3.0, 2.0, 400), (3.0, 2.0, 0), (3.0, 0.1, 50)]:  # left early, no pass, all passes
        got = df(*args)
        assert_close(got, sg.grad(coast, wrt=(0, 1))(*args), rtol=1e-13, atol=0)
    assert_close(df(3.0, 2.0, 400)[1], numeric_grad(coast, (3.0, 2.0, 400), 1), rtol=1e-6)
    source = df.source
    assert "tape_size = len(range(n))" in source and "tape_n += 1" in source
    assert "tape_0 = tape_slot(tape_size, " in source and "tape = []" not in source
    (dispatcher,) = [df._last.function.compiled]
    (signature,) = dispatcher.nopython_signatures
    types = dispatcher.overloads[signature.args].type_annotation.typemap
    assert str(types["tape_0"]) == "array(float64, 1d, C)"  # (a number's slot: an array)


def discounted(x, rate):
    """A sum started at the int 0: its tape item is an int on the first pass, a float after."""
    total = 0
    for i in range(x.shape[0]):
        total = total * rate + math.sin(x[i])
    return total


def test_a_tape_item_that_changes_type_keeps_a_list():
    x = np.array([0.3, -1.2, 0.8, 2.0])
    df = sg.grad(discounted, wrt=(0, 1), jit=True)
    got = df(x, 0.9)
    expected = sg.grad(discounted, wrt=(0, 1))(x, 0.9)
    assert_close(got[0], expected[0], rtol=1e-13, atol=0)
    assert_close(got[1], expected[1], rtol=1e-13, atol=0)
    assert_close(got[1], numeric_grad(discounted, (x, 0.9), 1), rtol=1e-6)
    assert "tape_slot" not in df.source and "reversed(" not in df.source  # (what Numba compiled)
    (dispatcher,) = [df._last.function.compiled]
    assert "".join(__import__("linecache").getlines(dispatcher.py_func.__code__.co_filename)) == df.source


def bounce(h0, restitution, n):
    """A branch in a loop whose arms keep different values for the reverse sweep."""
    h, v = h0, 0.0
    for _ in range(n):
        v = v - 9.81 * DT
        h = h + DT * v
        if h < 0.0:
            h = -h * restitution
            v = -v * restitution
    return h + 0.1 * v * v


def test_a_branch_keeps_each_arm_on_a_list_of_its_own():
    df = sg.grad(bounce, wrt=(0, 1), jit=True)
    got = df(1.0, 0.8, 300)
    source = df.source
    assert "branch_then.append((" in source and "= branch_then.pop()" in source and "branch = (" not in source
    assert_close(got, sg.grad(bounce, wrt=(0, 1))(1.0, 0.8, 300), rtol=1e-13, atol=0)
    assert_close(got[1], numeric_grad(bounce, (1.0, 0.8, 300), 1), rtol=1e-6)


def test_numpy_calls_in_the_form_numba_takes():
    source = (
        "def f(g, a, b):\n"
        "    t = np.concatenate([a, np.zeros(1)])[1:] + np.roll(g, -1, None)\n"
        "    return np.stack([a, b], 0) * np.roll(g, 2, 0) + t\n"
    )
    rewritten = numba_lowering.rewrite(source)
    assert "np.concatenate((a, np.zeros(1)))[1:] + np.roll(g, -1)" in rewritten
    assert "np.stack((a, b), 0) * np.roll(g, 2, 0) + t" in rewritten  # (an axis stays: Numba refuses it, said)
    scope = {"np": np}
    exec(rewritten, scope)
    args = (np.arange(3.0), np.ones(3), np.full(3, 2.0))
    exec(source, expected := {"np": np})
    np.testing.assert_array_equal(scope["f"](*args), expected["f"](*args))
