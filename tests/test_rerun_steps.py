"""The steps a checkpointed loop's reverse runs again make only what it reads
(compiler/rerun_steps.py): a loss the loop sums is left out of `step_taped` and of
the re-run steps, and out of `steps` too where nothing after the loop reads it.

Programs as users write them: module constants, helpers called with keywords, a
helper returning a tuple in an RK4 step, a log-sum-exp in the loop, a `while` loop
until a time is reached. Each checkpointed derivative is checked against the stored
one and against central differences."""

import math

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

DT = 0.05
T_END = 0.6
X_OBS = 0.3
HIDDEN = 5


def cell(h, x, W, U):
    return np.tanh(W @ h + U * x)


def rnn_loss(W, U, xs):
    """A tanh RNN over a sequence; the loss sums a log-sum-exp of each state."""
    h = np.zeros(HIDDEN)
    J = 0.0
    for t in sg.checkpointed(range(len(xs)), snapshots=3):
        h = cell(h=h, x=xs[t], W=W, U=U)
        J = J + np.log(np.sum(np.exp(h)))
    return J


def rhs(x, v, k):
    return v, -k * x - 0.1 * v


def rk4_cost(k, x0):
    """RK4 on Python floats through a helper returning a tuple; the cost sums squared
    misfits to an observation."""
    x, v = x0, 0.0
    cost = 0.0
    for _ in sg.checkpointed(range(12), snapshots=3):
        k1x, k1v = rhs(x, v, k=k)
        k2x, k2v = rhs(x + DT / 2 * k1x, v + DT / 2 * k1v, k=k)
        k3x, k3v = rhs(x + DT / 2 * k2x, v + DT / 2 * k2v, k=k)
        k4x, k4v = rhs(x + DT * k3x, v + DT * k3v, k=k)
        x = x + DT / 6 * (k1x + 2 * k2x + 2 * k3x + k4x)
        v = v + DT / 6 * (k1v + 2 * k2v + 2 * k3v + k4v)
        cost += (x - X_OBS) ** 2 * DT
    return cost


def pendulum_energy(theta0, damping):
    """A `while` loop until a time is reached; the energy is summed along the way."""
    theta, omega, t = theta0, 0.0, 0.0
    energy = 0.0
    while sg.checkpointed(t < T_END, snapshots=3):
        omega = omega - DT * (math.sin(theta) + damping * omega)
        theta = theta + DT * omega
        energy = energy + 0.5 * omega**2 + (1 - math.cos(theta))
        t = t + DT
    return energy


def fed_back(W, U, xs):
    """The sum feeds the state: the reverse reads it, and nothing may be left out."""
    h = np.zeros(HIDDEN)
    J = 0.0
    for t in sg.checkpointed(range(len(xs)), snapshots=3):
        h = np.tanh(W @ h + U * xs[t] + 0.01 * J)
        J = J + np.sum(h * h)
    return J


def _rnn_args():
    rng = np.random.default_rng(3)
    return (0.4 * rng.standard_normal((HIDDEN, HIDDEN)), rng.standard_normal(HIDDEN), rng.standard_normal(9))


# name -> (function, arguments, wrt, the statement's text that sums the loss)
ROWS = {
    "rnn_log_sum_exp": (rnn_loss, _rnn_args, (0, 1), "np.log(np.sum(np.exp("),
    "rk4_floats": (rk4_cost, lambda: (2.0, 1.0), (0, 1), "- X_OBS) ** 2"),
    "while_energy": (pendulum_energy, lambda: (0.8, 0.3), (0, 1), "math.cos(theta"),
}


def _functions(source):
    """name -> text of each local function in a generated source (up to the next one)."""
    return {part.split("(", 1)[0]: part for part in source.split("\n    def ")[1:]}


def _check_derivatives(fn, args, wrt, got):
    stored = sg.grad(fn, wrt=wrt)(*args)
    for g, s in zip(got, stored):
        np.testing.assert_allclose(g, s, rtol=1e-12, atol=1e-14)
    for k, g in zip(wrt, got):
        assert_close(g, numeric_grad(fn, args, k), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("row", ROWS)
def test_grad_leaves_the_sum_out_of_every_step(row):
    fn, args_of, wrt, summed = ROWS[row]
    args = args_of()
    df = sg.grad(fn, wrt=wrt)
    got = df(*args)
    _check_derivatives(fn, args, wrt, got)
    source = sg.source(df, *args)
    steps = _functions(source)
    assert summed not in steps["steps"] and summed not in steps["step_taped"], source
    if row == "while_energy":  # (the first sweep hands on `t`, which its condition reads; the re-runs need not)
        assert "t + DT" in steps["steps"] and "t + DT" not in steps["rerun_steps"], source
    else:
        assert "rerun_steps" not in source, source


@pytest.mark.parametrize("row", ROWS)
def test_value_and_grad_keeps_the_sum_for_the_first_sweep(row):
    fn, args_of, wrt, summed = ROWS[row]
    args = args_of()
    dv = sg.value_and_grad(fn, wrt=wrt)
    value, got = dv(*args)
    assert value == pytest.approx(fn(*args), rel=1e-13)
    _check_derivatives(fn, args, wrt, got)
    steps = _functions(sg.source(dv, *args))
    assert summed in steps["steps"]
    assert summed not in steps["rerun_steps"] and summed not in steps["step_taped"]
    assert "schedule.reverse(rerun_steps, step_taped" in sg.source(dv, *args)


def test_a_sum_the_state_reads_is_kept():
    args = _rnn_args()
    for make in (sg.grad, sg.value_and_grad):
        df = make(fed_back, wrt=(0, 1))
        got = df(*args)
        _check_derivatives(fed_back, args, (0, 1), got[1] if make is sg.value_and_grad else got)
        source = sg.source(df, *args)
        assert "rerun_steps" not in source
        assert "np.sum(h" in _functions(source)["step_taped"], source


def test_pullback_called_twice_gives_the_same_adjoints():
    """vjp: the backward reverses the loop from the states the forward stored; the sum
    left out of the re-runs changes nothing when it runs again."""
    args = _rnn_args()
    value, back = sg.vjp(rnn_loss, wrt=(0, 1))(*args)
    first = back(1.0)
    second = back(1.0)
    assert value == pytest.approx(rnn_loss(*args), rel=1e-13)
    for a, b, s in zip(first, second, sg.grad(rnn_loss, wrt=(0, 1))(*args)):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, s, rtol=1e-12)
