"""Numbers that are Python floats on one pass and NumPy floats on the next: the
specialised code knows them for numbers (shape ()), so its reverse sweep is plain
arithmetic with no shape bookkeeping.

A math function gives a Python number whatever it is given (rules/table.py), so
`math.sin(theta)` is a number even where `theta` became an `np.float64` by picking
up an array's entry (`omega + DT * math.sin(theta) * p[1]`). Programs as users write
them: module constants, a carried Python float, a tuple-returning helper called with
a keyword, a NamedTuple of floats, a sum loop over a module-level list."""

import math
from typing import NamedTuple

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

DT = 0.05
ANGLES = [0.1, 0.5, 0.9]
LENGTH = 1.5


def tip(angle, length=1.0):
    return length * math.cos(angle), length * math.sin(angle)


def swing(p, theta):
    """A pendulum driven by an array's entries: omega starts as a Python float and
    becomes a NumPy one on the first pass."""
    omega = 0.0
    total = 0.0
    for _ in range(8):
        omega = omega + DT * math.sin(theta) * p[1] - DT * p[0] * omega
        theta = theta + DT * omega
        x, y = tip(theta, length=LENGTH)
        total = total + x * x + 0.5 * y
    for a in ANGLES:
        total = total + math.cos(a * theta)
    return total


def kepler(params, M):
    """Newton's iteration for Kepler's equation, the eccentricity read out of an array."""
    e = params[0]
    E = M
    for _ in range(6):
        E = E - (E - e * math.sin(E) - M) / (1.0 - e * math.cos(E))
    return E * params[1]


class Spring(NamedTuple):
    k: float
    c: float


def damped(s, x0):
    """A spring's parameters in a NamedTuple of floats, its state an array's entry."""
    x, v = x0[0], 0.0
    energy = 0.0
    for _ in range(10):
        a = -s.k * x - s.c * v
        v = v + DT * a
        x = x + DT * v
        energy = energy + 0.5 * v * v + 0.5 * s.k * math.exp(-x * x)
    return energy


ROWS = {
    "swing": (swing, (np.array([0.3, 1.2]), 0.4), (0, 1)),
    "kepler": (kepler, (np.array([0.3, 2.0]), 1.1), (0, 1)),
    "damped": (damped, (Spring(2.0, 0.3), np.array([0.7])), (0, 1)),
}

_BOOKKEEPING = ("unbroadcast(", "unreduce(", "reduce_count(", "shape_of(", "grad_seed(")


def _numeric(f, args, k):
    if isinstance(args[k], Spring):  # (a NamedTuple of floats: its fields one by one)
        return Spring(
            *(numeric_grad(lambda v: f(*args[:k], Spring(*v), *args[k + 1 :]), [np.array(args[k])], 0))
        )
    return numeric_grad(f, args, k)


@pytest.mark.parametrize("row", ROWS)
def test_gradient_is_right_and_plain_arithmetic(row):
    f, args, wrt = ROWS[row]
    df = sg.grad(f, wrt=wrt)
    got = df(*args)
    for k, g in zip(wrt, got):
        assert_close(np.array(g, dtype=float), np.array(_numeric(f, args, k), dtype=float), rtol=1e-6, atol=1e-8)
    source = sg.source(df, *args)
    for helper in _BOOKKEEPING:
        assert helper not in source, source


def test_a_sum_loop_over_a_module_list_of_numbers_needs_no_tape():
    """`total = total + math.cos(a * theta)` over ANGLES, where total became a NumPy float:
    the loop's reverse runs inside it (sum_loops.py), with no tape."""
    source = sg.source(sg.grad(swing, wrt=(0, 1)), *ROWS["swing"][1])
    loop = source.split("for a in ANGLES:", 1)[1].split("\n    # reverse sweep", 1)[0]
    assert ".append(" not in loop and source.count("reversed(") == 1, source



class Cell:
    """A model object the module makes; its methods read a number from `self`."""

    def __init__(self, leak):
        self.leak = leak

    def step(self, h, x, W):
        z = np.tanh(W @ h + x)
        return (1.0 - self.leak) * h + self.leak * z


CELL = Cell(0.3)


def leaky(W, xs):
    h = np.zeros(3)
    for t in range(len(xs)):
        h = CELL.step(h, xs[t], W=W)
    return np.sum(h * h) + abs(h[0] - 0.1) + float(h[1])


def _leaky_args():
    rng = np.random.default_rng(2)
    return (0.5 * rng.standard_normal((3, 3)), rng.standard_normal((6, 3)))


def test_a_number_in_a_module_objects_attribute_is_a_number(monkeypatch):
    """`self.leak` of a module-level Cell is a float: plain arithmetic in the specialised
    code; abs() and float() of numbers are numbers too. The code assumes only that the
    attribute holds a float: a new value reuses it, a new type makes new code."""
    W, xs = _leaky_args()
    df = sg.grad(leaky)
    assert_close(df(W, xs), numeric_grad(leaky, (W, xs), 0))
    source = sg.source(df, W, xs)
    for helper in _BOOKKEEPING:
        assert helper not in source, source
    made = df._specialised(df._values((W, xs), {}))
    monkeypatch.setattr(CELL, "leak", 0.45)  # (another float: the same code, the new value)
    assert df._specialised(df._values((W, xs), {})) is made
    assert_close(df(W, xs), numeric_grad(leaky, (W, xs), 0))
    monkeypatch.setattr(CELL, "leak", np.array([0.2, 0.3, 0.4]))  # (an array: other code)
    assert df._specialised(df._values((W, xs), {})) is not made
    assert_close(df(W, xs), numeric_grad(leaky, (W, xs), 0))


def cell_loss(params, xs):
    """A checkpointed loop over a module-level Cell's method, its loss summed."""
    h = np.zeros(params["W"].shape[0])
    loss = 0.0
    for t in sg.checkpointed(range(len(xs)), snapshots=3):
        h = CELL.step(h, xs[t], W=params["W"])
        loss = loss + np.log(np.sum(np.exp(h))) - h[0]
    return loss


def test_a_model_objects_number_leaves_the_code_plain_numpy():
    """`self.leak` brings a float (its type assumed): the code may take every float for a
    float64 (compiler/dtypes.py), so its zeros are `np.zeros(shape)`, not `zeros_like`;
    the summed loss is left out of the re-runs (`rerun_steps`)."""
    W, xs = _leaky_args()
    params = {"W": W}
    dv = sg.value_and_grad(cell_loss)
    value, got = dv(params, xs)
    assert value == pytest.approx(cell_loss(params, xs), rel=1e-13)
    assert_close(got["W"], numeric_grad(lambda w, x: cell_loss({"W": w}, x), (W, xs), 0))
    source = sg.source(dv, params, xs)
    for helper in _BOOKKEEPING + ("zeros_like(",):
        assert helper not in source, source
    assert "schedule.reverse(rerun_steps" in source, source
