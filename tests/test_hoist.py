"""Loop-invariant code motion (compiler/hoist.py): what a loop body computes the
same on every trip moves before the loop, so it is computed once and never taped.

Each program is written the way a simulation is: module constants, a helper
returning a tuple, `-k * OMEGA ** 2` inside the step. The tests check the
derivative in every mode against central differences, that the forward sweep's
tape holds only values that change from trip to trip, and that what must not
move (a power that can raise) stays in the loop.
"""

import ast

import numpy as np
import pytest

import s2sgrad as sg
from tests.all_modes import MODES

DT = 0.05
OMEGA = 2.0
STEPS = 20


def rhs(x, v, k=1.0):
    return v, -k * OMEGA**2 * x


def rk2_oscillator(k):
    x, v = 1.0, 0.0
    for _ in range(STEPS):
        k1x, k1v = rhs(x, v, k=k)
        k2x, k2v = rhs(x + 0.5 * DT * k1x, v + 0.5 * DT * k1v, k=k)
        x, v = x + DT * k2x, v + DT * k2v
    return x * x + v


def decay_with_exp(k, x):
    for _ in range(STEPS):
        x = x * np.exp(-k * DT) + DT * np.sin(x)
    return np.sum(x**2)


def cubed_rate(k, x):
    for _ in range(STEPS):
        x = x - DT * k**3 * x
    return np.sum(x)


def negative_power(k, x):
    """`k ** -1` raises ZeroDivisionError on a Python zero: it stays in the loop."""
    for _ in range(3):
        x = x + k**-1 * DT
    return x * x


PROGRAMS = [
    (rk2_oscillator, [0.7], {"x", "v"}),
    (decay_with_exp, [0.3, np.array([0.2, 0.5, 1.1])], {"x"}),
    (cubed_rate, [0.4, np.array([0.2, 0.5, 1.1])], {"x"}),
]


def taped_names(source):
    """The names a generated function appends to its loop tapes."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "append":
            for arg in node.args:
                names |= {n.id for n in ast.walk(arg) if isinstance(n, ast.Name)}
    return names


def loop_body_source(source):
    tree = ast.parse(source)
    return "\n".join(ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.For))


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("f, args", [pytest.param(f, a, id=f.__name__) for f, a, _ in PROGRAMS])
def test_hoisted_programs_are_right(f, args, mode):
    MODES[mode](f, args)


@pytest.mark.parametrize("f, args, state", [pytest.param(*row, id=row[0].__name__) for row in PROGRAMS])
def test_the_tape_holds_only_what_changes(f, args, state):
    source = sg.grad(f, wrt=0).source_for(*args)
    taped = taped_names(source)
    # The loop state and the values computed from it; nothing made of k, DT and OMEGA alone.
    assert taped, source
    assert len(taped) <= 2 * len(state), source
    assert "OMEGA ** 2" not in loop_body_source(source).split("reversed(tape)")[0], source


def test_rk2_computes_the_constant_factor_once():
    source = sg.grad(rk2_oscillator).source_for(0.7)
    forward = source.split("reverse sweep")[0]
    assert forward.count("OMEGA ** 2") == 1, source
    assert forward.index("OMEGA ** 2") < forward.index("for "), source


def test_a_power_that_can_raise_stays_in_the_loop():
    source = sg.grad(negative_power, wrt=0).source_for(0.5, 1.0)
    assert "k ** -1" in loop_body_source(source) or "k ** (-1)" in loop_body_source(source), source
    for mode in MODES:
        MODES[mode](negative_power, [0.5, 1.0])
