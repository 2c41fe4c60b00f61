"""Each loop body is reversed once, however deep the nest: the outer adjoints a body
adds to are found while it is reversed, not by a dry run first (which made three
nested loops reverse their bodies 2 + 4 + 8 = 14 times). Gradients are checked
against central differences, the counts against the number of loop statements."""

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad.compiler import reverse_control
from tests.numeric import assert_close, numeric_grad

DT = 0.01
DECAY = 0.9


def relax(s, *, rate):
    return s + rate * np.tanh(s)


def one_level(x, k, n):
    s = 0.0
    for i in range(n):
        s = relax(s, rate=DT) + k * x[i % 3]
    return s


def two_levels(x, k, n):
    s = 0.0
    for i in range(n):
        for j in range(3):
            s = s + np.sin(k * x[j] + DT * s)
    return s


def three_levels(x, k, n):
    s = 0.0
    for i in range(n):
        for j in range(3):
            for q in range(2):
                s = s + np.sin(k * x[j] + DT * s)
    return s


def four_levels(x, k, n):
    s = 0.0
    for i in range(n):
        for j in range(2):
            for q in range(2):
                t = 0
                while t < 2:
                    s = DECAY * s + k * np.cos(x[j] * s)
                    t += 1
    return s


def siblings_and_branches(x, k, n):
    """Two loops side by side in a loop, one behind a branch: 4 loop statements."""
    h = x.copy()
    acc = 0.0
    for i in range(n):
        for j in range(3):
            h[j] = np.tanh(k * h[j] + DT)
        if i % 2 == 0:
            for j in range(3):
                acc = acc + h[j] * k
        w = 1.0
        while w < 4.0:
            acc = acc * DECAY + w * np.sum(h)
            w = w * 2
    return acc


CASES = [
    (one_level, 1),
    (two_levels, 2),
    (three_levels, 3),
    (four_levels, 4),
    (siblings_and_branches, 4),
]


def per_sweep(calls):
    """How many times each sweep (one compile) reversed a loop body, and how many loops."""
    sweeps = {}
    for sweep, loop in calls:
        sweeps.setdefault(id(sweep), []).append(id(loop))
    return [(len(loops), len(set(loops))) for loops in sweeps.values()]


@pytest.fixture
def reversals(monkeypatch):
    calls = []
    body = reverse_control.ControlFlowAdjoints.reverse_body

    def counted(self, s, *args):
        calls.append((self, s))  # (a call may compile the generic and a specialised form)
        return body(self, s, *args)

    monkeypatch.setattr(reverse_control.ControlFlowAdjoints, "reverse_body", counted)
    return calls


@pytest.mark.parametrize("f, loops", CASES, ids=[f.__name__ for f, _ in CASES])
def test_each_loop_body_reversed_once(reversals, f, loops):
    args = (np.array([0.3, -0.2, 0.5]), 0.7, 3)
    df = sg.grad(f, wrt=(0, 1))
    gx, gk = df(*args)
    assert reversals and per_sweep(reversals) == [(loops, loops)] * len(per_sweep(reversals))
    assert_close(gx, numeric_grad(f, args, 0))
    assert_close(gk, numeric_grad(f, args, 1))


def test_checkpointed_nest_reversed_once(reversals):
    df = sg.grad(three_levels, wrt=(0, 1), checkpoints=2)
    args = (np.array([0.3, -0.2, 0.5]), 0.7, 5)
    gx, gk = df(*args)
    assert reversals and per_sweep(reversals) == [(3, 3)] * len(per_sweep(reversals))
    assert_close(gx, numeric_grad(three_levels, args, 0))
    assert_close(gk, numeric_grad(three_levels, args, 1))
