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

