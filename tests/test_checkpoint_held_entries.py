"""Checkpointed loops that hold a tape entry instead of re-running a step.

Where the binomial recursion's left part is a single step, the schedule runs that
step taped at once and holds its entry while the steps after it are reversed
(one run fewer), if the entry, counted in whole states by the bytes of its arrays,
leaves the steps after it enough states that they run no more often. Checked on
loops written as users write them (module constants, a helper returning a tuple
called with keywords in an RK4 step, an in-place slice update, an inner loop):

* the gradient equals the stored one (rtol 1e-12) and central differences;
* at most k states are held, entries counted by their size (``peak_snapshots``),
  and the traced peak memory does not grow with n and stays within twice k
  states plus the function's own peak;
* the forward steps are what ``predicted_steps`` gives for the entry size the
  schedule measured, and fewer than without held entries where one pays;
* the schedule itself, on array states whose entries change size from step to
  step: every step reversed once, last first, from the right state, and the
  held entries never take the count past k.
"""

import weakref

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad.runtime.schedule import checkpoints, predicted_steps
from tests.benchmarks.test_bench_checkpoint import peak_memory, recorded_schedules
from tests.numeric import numeric_grad

DT = 0.05
OMEGA = 1.3
R = 0.2
POINTS = 200


def rnn(W, h0, n):
    """A tanh recurrence that rebinds its state; the entry is the state and its input."""
    h = h0
    J = 0.0
    for t in range(n):
        h = np.tanh(W @ h + 0.01 * t)
        J = J + np.mean(h * h)
    return J


def heat(u0, r, n):
    """An explicit heat equation that updates its state in place."""
    u = u0.copy()
    J = 0.0
    for t in range(n):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
        J = J + np.sum(u * u)
    return J


def rhs(q, p):
    return p, -(OMEGA**2) * np.sin(q)


def pendulums(q0, p0, n):
    """RK4 through a helper that returns a tuple, called with keywords."""
    q, p = q0, p0
    for t in range(n):
        a1, b1 = rhs(q=q, p=p)
        a2, b2 = rhs(q=q + DT / 2 * a1, p=p + DT / 2 * b1)
        a3, b3 = rhs(q=q + DT / 2 * a2, p=p + DT / 2 * b2)
        a4, b4 = rhs(q=q + DT * a3, p=p + DT * b3)
        q = q + DT / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
        p = p + DT / 6 * (b1 + 2 * b2 + 2 * b3 + b4)
    return np.sum(q * q) + np.sum(p)


def rows(u0, W, n):
    """A step with an inner loop over the rows of W."""
    u = u0
    for t in range(n):
        for j in range(W.shape[0]):
            u = u + DT * np.tanh(W[j] * u)
    return np.sum(np.sin(u))


def _rnn_args(n):
    rng = np.random.default_rng(0)
    return (0.4 * rng.standard_normal((POINTS, POINTS)) / np.sqrt(POINTS), rng.standard_normal(POINTS), n)


def _heat_args(n):
    s = np.linspace(0.0, 1.0, POINTS)
    return (np.sin(np.pi * s) + 0.3 * np.sin(7 * np.pi * s), R, n)


def _pendulum_args(n):
    rng = np.random.default_rng(1)
    return (rng.standard_normal(POINTS), rng.standard_normal(POINTS), n)


def _rows_args(n):
    rng = np.random.default_rng(2)
    return (rng.standard_normal(POINTS), 0.5 * rng.standard_normal((3, POINTS)), n)


# name -> (function, arguments(n), wrt, the loop state's bytes)
LOOPS = {
    "rnn": (rnn, _rnn_args, (0, 1), POINTS * 8),
    "heat": (heat, _heat_args, (0, 1), POINTS * 8),
    "pendulums": (pendulums, _pendulum_args, (0, 1), 2 * POINTS * 8),
    "rows": (rows, _rows_args, (0, 1), POINTS * 8),
}


def _run(name, k, n):
    fn, args_of, wrt, _ = LOOPS[name]
    with recorded_schedules() as plans:
        got = sg.grad(fn, wrt=wrt, checkpoints=k)(*args_of(n))
    (plan,) = plans
    return got, plan


@pytest.mark.parametrize("name", LOOPS)
@pytest.mark.parametrize("k", [2, 3, 10, 30])
def test_gradient_is_the_stored_one_and_the_bound_holds(name, k):
    fn, args_of, wrt, _ = LOOPS[name]
    n = 120
    got, plan = _run(name, k, n)
    stored = sg.grad(fn, wrt=wrt)(*args_of(n))
    for a, b in zip(got, stored):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    assert plan.peak_snapshots <= k
    measured = dict(entry_states=plan.entry_states, copies=plan.copies, entry_shares=plan.entry_shares)
    assert plan.forward_steps == predicted_steps(n, k, **measured)
    assert plan.forward_steps <= predicted_steps(n, k, entry_states=n)  # (n: never held)


@pytest.mark.parametrize("name", LOOPS)
def test_gradient_against_central_differences(name):
    fn, args_of, wrt, _ = LOOPS[name]
    args = args_of(25)
    got = sg.grad(fn, wrt=wrt, checkpoints=3)(*args)
    for g, argnum in zip(got, wrt):
        np.testing.assert_allclose(g, numeric_grad(fn, args, argnum), rtol=1e-5, atol=1e-7)


def test_entries_are_held_where_they_pay():
    """The RNN's entry holds nothing but the states before and after its step (h and
    tanh's result): one state beyond the state after it, that is, the state at lo it
    takes the place of. Held, it saves a run at every single-step split (11%, 14% and
    31% of the steps at k = 10, 30 and 100); an RK4 step's entry is two states, held
    only where the steps after it do not run more for it."""
    for k, fewer in ((10, 0.9), (30, 0.9), (100, 0.7)):
        _, plan = _run("rnn", k, 1000)
        assert plan.entry_states == 1
        assert not plan.copies and plan.forward_steps == predicted_steps(1000, k, entry_states=1, copies=False)
        assert plan.forward_steps < fewer * predicted_steps(1000, k, entry_states=1000)
    _, plan = _run("pendulums", 10, 500)  # (q, and sin q of three stages)
    assert plan.entry_states == 2
    assert plan.forward_steps == predicted_steps(500, 10, entry_states=2, copies=False)


def test_an_in_place_step_whose_entry_holds_none_of_its_result():
    """The heat equation writes u in place, and its entry keeps the stencil and the
    overwritten part (J's sum reads u after the step: the entry holds that state, so
    the steps after it must leave it alone). Without J, the entry (the stencil) holds
    nothing of the state after its step: the steps after it may write that state in
    place and hold entries of their own, and run fewer steps for it."""
    _, plan = _run("heat", 10, 480)
    assert plan.copies and plan.entry_shares and plan.entry_states == 2

    def heat_end(u0, r, n):
        u = u0.copy()
        for t in range(n):
            u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
        return np.sum(u * u * u0)

    args = _heat_args(480)
    for k in (3, 10, 30):
        with recorded_schedules() as plans:
            got = sg.grad(heat_end, wrt=(0, 1), checkpoints=k)(*args)
        (plan,) = plans
        for a, b in zip(got, sg.grad(heat_end, wrt=(0, 1))(*args)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
        assert plan.copies and not plan.entry_shares and plan.entry_states == 1
        assert plan.peak_snapshots <= k
        assert plan.forward_steps == predicted_steps(480, k, entry_states=1, entry_shares=False)
        if k > 3:  # (with 3 states an entry leaves the steps after it too few to hold more)
            assert plan.forward_steps < predicted_steps(480, k, entry_states=1, entry_shares=True)


@pytest.mark.parametrize("name", LOOPS)
def test_peak_memory_does_not_grow_with_n(name):
    """k = 10 states: 8x the steps, the same traced peak (within 10%), and within twice
    k states, the function's own peak and the gradient's arrays (the RNN's dW is 125
    states, and the sweep adds an outer product to it)."""
    fn, args_of, wrt, nbytes = LOOPS[name]
    df = sg.grad(fn, wrt=wrt, checkpoints=10)
    df(*args_of(480))  # (the schedule's memo of splits is the process's, not the call's)
    short, long = (peak_memory(df, *args_of(n), fill_freelists=True) for n in (60, 480))
    assert abs(long / short - 1) < 0.1, (short, long)
    forward = peak_memory(fn, *args_of(480), fill_freelists=True)
    gradient = sum(np.asarray(args_of(1)[i]).nbytes for i in wrt)
    assert long <= 2 * (10 * nbytes + forward + 2 * gradient), (long, forward, gradient)


# -- the schedule alone, entries of changing size -------------------------------------


def _array_run(n, k, entry_size):
    """The schedule on a state of 800 floats counting the steps; step i's entry holds
    entry_size(i) floats beyond it. Checks every step starts from the right state and
    the reverse visits each once, last first; returns the schedule and its peak of
    entry and state floats held at a step's reverse."""
    plan = checkpoints(range(n), k)
    order, held = [], {"peak": 0, "live": {}}

    def steps(indices, x):
        for i in indices:
            assert x[0] == i, "a step ran from the wrong state"
            x = x + 1.0
        return (x,)

    def taped(i, x):
        assert x[0] == i, "a taped step ran from the wrong state"
        item = (i, np.full(entry_size(i), float(i)))
        held["live"][id(item[1])] = item[1].size  # (while the entry lives)
        weakref.finalize(item[1], held["live"].pop, id(item[1]))
        return (x + 1.0,), item

    def back(i, item, total):
        assert item[0] == i and np.all(item[1] == i)
        states = sum(np.size(s[0]) for s in plan.saved.values())
        held["peak"] = max(held["peak"], states + sum(held["live"].values()))
        order.append(i)
        return (total + i,)

    assert plan.forward(steps, (np.zeros(800),))[0][0] == n
    assert plan.reverse(steps, taped, back, (0,)) == (n * (n - 1) // 2,)
    assert order == list(range(n - 1, -1, -1))
    return plan, held["peak"]


@pytest.mark.parametrize("k", [2, 3, 5, 10, 30])
@pytest.mark.parametrize("sizes", ["none", "small", "state", "large", "changing"])
def test_held_entries_stay_within_k_states(k, sizes):
    entry_size = {
        "none": lambda i: 0,
        "small": lambda i: 300,
        "state": lambda i: 800,
        "large": lambda i: 6000,
        "changing": lambda i: 6000 if i % 7 == 3 else 200,
    }[sizes]
    for n in (1, 2, 9, 40, 200):
        plan, peak = _array_run(n, k, entry_size)
        assert plan.peak_snapshots <= k
        # the states held and the entries whose steps are not reversed yet, within k states
        # and the one entry being reversed
        assert peak <= 800 * k + max(entry_size(i) for i in range(n)), (n, peak)
        assert plan.forward_steps <= predicted_steps(n, k, entry_states=n)


@pytest.mark.parametrize("k", [2, 3, 5, 10, 30])
@pytest.mark.parametrize("holds", ["own array", "the state after", "a view of it", "changing"])
def test_in_place_steps_and_entries_that_hold_the_state_after_them(k, holds):
    """Steps that write their state in place (the schedule copies the states it holds),
    with entries of about one state that hold an array of their own, the state after
    their step (as the heat equation's does where a sum reads u), a view of it, or one
    or the other by step: every step runs from the right state, and an entry that holds
    the state after its step finds it as the step left it when it is reversed (the steps
    after it did not write it). Entries that hold none of it chain, and run fewer steps."""
    holding = {
        "own array": lambda i: False,
        "the state after": lambda i: True,
        "a view of it": lambda i: True,
        "changing": lambda i: i % 3 == 0,
    }[holds]
    for n in (1, 2, 9, 40, 200):
        plan = checkpoints(range(n), k)

        def steps(indices, x):
            for i in indices:
                assert x[0] == i, "a step ran from the wrong state"
                x += 1.0
            return (x,)

        def taped(i, x):
            assert x[0] == i, "a taped step ran from the wrong state"
            x += 1.0
            if not holding(i):
                return (x,), (i, np.full(700, float(i)))
            return (x,), (i, x[1:] if holds == "a view of it" else x)

        def back(i, item, total):
            assert item[0] == i
            assert np.all(item[1] == i + (1.0 if holding(i) else 0.0)), "the state an entry holds was written"
            return (total + i,)

        assert plan.forward(steps, (np.zeros(800),))[0][0] == n
        assert plan.reverse(steps, taped, back, (0,)) == (n * (n - 1) // 2,)
        assert plan.peak_snapshots <= k
        assert plan.forward_steps <= predicted_steps(n, k, entry_states=n)
        if holds != "changing":
            shares = holds != "own array"
            assert plan.forward_steps == predicted_steps(n, k, entry_states=1, entry_shares=shares)
        if holds == "own array" and n == 200 and k >= 5:  # (chains: 617 steps, not 653, at k = 10)
            assert plan.forward_steps < predicted_steps(n, k, entry_states=1, entry_shares=True)
