"""Checkpointed loops, step by step: what one re-run step costs against one step of
the original function, and the gradient's time for k = 10, 30 and 100 snapshots
beside the stored gradient (issue 14, item 6).

Three loops written as users write them:

* ``heat``: the 1-D heat equation of ``test_bench_checkpoint`` (N = 1000 points, an
  in-place slice update of the carried array ``u``: the schedule must copy it);
* ``lorenz96``: Lorenz-96 (40 variables), RK4 through helpers with ``np.roll``
  (``x`` is rebound every step, never written in place);
* ``rnn``: a tanh RNN, ``h = np.tanh(h @ W + xs[t] @ U + b)`` with a batch of 16
  and 64 hidden units, the loss ``sum_t mean(h_t^2)`` (``h`` rebound).

A re-run step is one the schedule runs again from a stored state
(``checkpoints._advance``: the copy of the state, then ``step`` for each step of
the segment); ``rerun_seconds`` times them inside a gradient call (the time of an
empty segment, what timing one costs, taken off).
``report_rerun.py`` prints the tables (CPU time, interleaved, best of N). Run the
pytest-benchmark rows with

    python -m pytest tests/benchmarks/test_bench_rerun.py --benchmark-only

The tests without ``benchmark`` run in the normal suite: each checkpointed
gradient equals the stored one.
"""

import time
from contextlib import contextmanager

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad.runtime.schedule import checkpoints
from tests.benchmarks.test_bench_checkpoint import heat, heat_args, lorenz96, lorenz_args

SNAPSHOTS = (None, 10, 30, 100)  # None: the stored gradient

RNN_BATCH, RNN_IN, RNN_HIDDEN = 16, 8, 64
RNN_SCALE = 0.5


def rnn(W, U, b, xs, n):
    """n steps of a tanh RNN over the inputs xs[t]; the loss sums mean(h^2) over time."""
    h = np.zeros((RNN_BATCH, RNN_HIDDEN))
    J = 0.0
    for t in range(n):
        h = np.tanh(h @ W + xs[t] @ U + b)
        J = J + np.mean(h * h)
    return J


def rnn_args(n):
    rng = np.random.default_rng(1)
    W = RNN_SCALE * rng.standard_normal((RNN_HIDDEN, RNN_HIDDEN)) / np.sqrt(RNN_HIDDEN)
    U = rng.standard_normal((RNN_IN, RNN_HIDDEN)) / np.sqrt(RNN_IN)
    b = 0.1 * rng.standard_normal(RNN_HIDDEN)
    xs = rng.standard_normal((n, RNN_BATCH, RNN_IN))
    return (W, U, b, xs, n)


# name -> (function, arguments(n), wrt, steps in the measured runs)
MODELS = {
    "heat": (heat, heat_args, (0, 1), 3000),
    "lorenz96": (lorenz96, lorenz_args, (0, 1), 1000),
    "rnn": (rnn, rnn_args, (0, 1, 2), 2000),
}


def make_grad(model, k):
    fn, args_of, wrt, _ = MODELS[model]
    df = sg.grad(fn, wrt=wrt, checkpoints=k)
    df(*args_of(3))
    return df


@contextmanager
def rerun_seconds():
    """Times the schedule's re-runs (`_advance`) inside the block: yields a dict whose
    "seconds" and "steps" add up every re-run segment, the copy of its start state
    included. The clock is the thread's CPU time (the machine may be shared, and wall
    time counts the waits); what reading it costs per segment (a segment can be one
    step) is measured first and taken off."""
    total = {"seconds": 0.0, "steps": 0}
    advance = checkpoints._advance
    clock = time.thread_time

    def timed(plan, lo, hi, state):
        t0 = clock()
        try:
            return advance(plan, lo, hi, state)
        finally:
            total["seconds"] += clock() - t0 - overhead
            total["steps"] += hi - lo

    overhead, plan = 0.0, checkpoints(range(0), 1)
    plan._step, plan._steps = None, lambda indices: ()  # (an empty segment)
    runs = []
    for _ in range(5):
        before = total["seconds"]
        for _ in range(2000):
            timed(plan, 0, 0, ())
        runs.append((total["seconds"] - before) / 2000)
    overhead = min(runs)
    total["seconds"], total["steps"] = 0.0, 0
    checkpoints._advance = timed
    try:
        yield total
    finally:
        checkpoints._advance = advance


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("k", [2, 7])
def test_checkpointed_gradient_is_the_stored_one(model, k):
    fn, args_of, wrt, _ = MODELS[model]
    args = args_of(60)
    for x, y in zip(sg.grad(fn, wrt=wrt, checkpoints=k)(*args), sg.grad(fn, wrt=wrt)(*args)):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("model", MODELS)
def test_forward(benchmark, model):
    fn, args_of, _, n = MODELS[model]
    benchmark.group = f"rerun {model} n={n}"
    benchmark.pedantic(fn, args_of(n), rounds=3, iterations=1)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("k", SNAPSHOTS, ids=lambda k: "stored" if k is None else f"k{k}")
def test_grad(benchmark, model, k):
    _, args_of, _, n = MODELS[model]
    df = make_grad(model, k)
    benchmark.group = f"rerun {model} n={n}"
    benchmark.pedantic(df, args_of(n), rounds=3, iterations=1)
