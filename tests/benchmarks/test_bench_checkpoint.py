"""Checkpointing benchmark: memory and time of the gradient of two long time loops,
stored in full and checkpointed with k = 10, 30 and 100 snapshots.

* ``heat``: a 1-D heat equation on N = 1000 points, explicit Euler, written as an
  in-place slice update ``u[1:-1] = u[1:-1] + r*(u[2:] - 2*u[1:-1] + u[:-2])``;
  the loss is ``sum(u**2 * u0)`` at the end; gradient w.r.t. ``u0`` and ``r``.
* ``lorenz96``: Lorenz-96 with 40 variables and forcing 8, RK4 through helper
  functions (``l96`` with ``np.roll``, ``rk4_step``), the loss ``dt * sum_t |x_t|^2``
  along the trajectory; gradient w.r.t. ``x0`` and ``F``.

Both run 10^4 steps. The stored gradient keeps one tape entry per step (for
the heat equation the 998 overwritten values of every step); the checkpointed
one keeps k snapshots of the loop state and re-runs steps on the binomial
schedule of ``s2sgrad.schedule`` (``predicted_steps(n, k)`` forward steps).

Skipped in the normal test run (pyproject adds ``--benchmark-skip``); run with

    python -m pytest tests/benchmarks/test_bench_checkpoint.py --benchmark-only

``report_checkpoint.py`` measures peak memory (tracemalloc) and time and prints
Markdown tables. The tests without ``benchmark`` run in the normal suite: the
checkpointed gradients equal the stored ones, the step counts equal the
prediction, and checkpointing cuts the heat gradient's peak memory.
"""

import gc
import sys
import time
import tracemalloc
from contextlib import contextmanager

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad.runtime.schedule import checkpoints, predicted_steps

N_STEPS = 10_000
SNAPSHOTS = (None, 10, 30, 100)  # None: the stored (tape) gradient
WRT = (0, 1)

HEAT_POINTS = 1000
HEAT_R = 0.25
L96_VARS = 40
L96_FORCING = 8.0
L96_DT = 0.01


# ---------------------------------------------------------------------------
# the two models
# ---------------------------------------------------------------------------


def heat(u0, r, n):
    """n explicit Euler steps of u_t = u_xx with fixed ends, in place."""
    u = u0.copy()
    for t in range(n):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.sum(u * u * u0)


def l96(x, F):
    """Lorenz-96 tendency dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F (cyclic)."""
    return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + F


def rk4_step(x, dt, F):
    k1 = l96(x, F)
    k2 = l96(x + 0.5 * dt * k1, F)
    k3 = l96(x + 0.5 * dt * k2, F)
    k4 = l96(x + dt * k3, F)
    return x + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def lorenz96(x0, F, dt, n):
    """n RK4 steps of Lorenz-96; the loss is dt * sum over the steps of |x|^2."""
    x = x0
    J = 0.0
    for t in range(n):
        x = rk4_step(x, dt, F)
        J = J + np.sum(x * x)
    return J * dt


def heat_args(n=N_STEPS):
    s = np.linspace(0.0, 1.0, HEAT_POINTS)
    return (np.sin(np.pi * s) + 0.3 * np.sin(7 * np.pi * s), HEAT_R, n)


def lorenz_args(n=N_STEPS):
    x0 = L96_FORCING + 0.5 * np.random.default_rng(0).standard_normal(L96_VARS)
    return (x0, L96_FORCING, L96_DT, n)


# name -> (function, arguments(n), the loop state: what one snapshot copies)
MODELS = {
    "heat": (heat, heat_args, lambda args: (args[0],)),
    "lorenz96": (lorenz96, lorenz_args, lambda args: (args[0], 0.0)),
}


def state_bytes(state):
    """Bytes of one snapshot of the loop state (arrays with their headers, floats)."""
    return sum(sys.getsizeof(np.array(v).copy() if isinstance(v, np.ndarray) else v) for v in state)


# ---------------------------------------------------------------------------
# measuring
# ---------------------------------------------------------------------------


def make_grad(model, k):
    """The gradient with k snapshots (None: stored), compiled and called once."""
    fn, args_of, _ = MODELS[model]
    df = sg.grad(fn, wrt=WRT, checkpoints=k)
    df(*args_of(3))
    return df


@contextmanager
def recorded_schedules():
    """Collects the schedule objects the generated code makes (a local of the
    generated function) so that their ``forward_steps`` can be read after the call, and
    times each one's first forward sweep (``sweep_seconds``)."""
    plans = []
    forward = checkpoints.forward

    def recording(plan, step, state):
        plans.append(plan)
        t0 = time.perf_counter()
        try:
            return forward(plan, step, state)
        finally:
            plan.sweep_seconds = time.perf_counter() - t0  # the first sweep: n steps

    checkpoints.forward = recording
    try:
        yield plans
    finally:
        checkpoints.forward = forward


def forward_steps(df, args):
    """Runs df(*args) and returns the forward steps its schedules ran (None if no schedule)."""
    with recorded_schedules() as plans:
        df(*args)
    return sum(p.forward_steps for p in plans) if plans else None


def _fill_tuple_freelists():
    """Fill CPython's free lists of small tuples (up to 2000 kept per length) and of
    lists with blocks allocated before tracing starts.

    The interpreter keeps freed tuples of up to 20 items for reuse. A traced call
    that frees a burst of small tuples (the reverse sweep frees thousands of
    argument and shape tuples) leaves them on those lists, still allocated, and
    tracemalloc counts them: up to ~90 KiB per tuple length, whatever the program.
    Filled beforehand, the lists hand out untraced blocks and the bursts are freed
    for real, so the peak is the program's own. The same for lists (80 kept): the
    77 left there (4 KiB) made a heat equation's 480 steps look 11% above its 60."""
    burst = [tuple(range(j, j + size)) for size in range(1, 21) for j in range(2000)]
    burst += [[j] for j in range(100)]
    del burst


def peak_memory(fn, *args, fill_freelists=False):
    """Peak bytes traced by tracemalloc during fn(*args), above what was live before;
    `fill_freelists`: without CPython's small-tuple free lists (see above)."""
    gc.collect()  # a full collection also empties the free lists
    if fill_freelists:
        _fill_tuple_freelists()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn(*args)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


# ---------------------------------------------------------------------------
# tests in the normal run
# ---------------------------------------------------------------------------


def _same(a, b):
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12 * float(np.max(np.abs(y))))


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("k", [1, 3, 10])
def test_checkpointed_gradient_is_the_stored_one(model, k):
    fn, args_of, _ = MODELS[model]
    args = args_of(200)
    _same(sg.grad(fn, wrt=WRT, checkpoints=k)(*args), sg.grad(fn, wrt=WRT)(*args))


@pytest.mark.parametrize("model", MODELS)
def test_gradient_against_finite_differences(model):
    fn, args_of, _ = MODELS[model]
    args = list(args_of(40))
    g0, g1 = sg.grad(fn, wrt=WRT, checkpoints=3)(*args)
    eps = 1e-6
    for i in (0, 5, 17):
        e = np.zeros_like(args[0])
        e[i] = eps
        fd = (fn(args[0] + e, *args[1:]) - fn(args[0] - e, *args[1:])) / (2 * eps)
        np.testing.assert_allclose(g0[i], fd, rtol=1e-6, atol=1e-9)
    fd = (fn(args[0], args[1] + eps, *args[2:]) - fn(args[0], args[1] - eps, *args[2:])) / (2 * eps)
    np.testing.assert_allclose(g1, fd, rtol=1e-6)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("k", [10, 30])
def test_forward_steps_are_predicted(model, k):
    """The count predicted for the size of the loop's tape entries (in states), which
    the schedule measures where it may hold one: 1 for the heat equation (the stencil:
    its sweep reads no old value of u, so no overwritten part is saved), 8 for
    Lorenz-96's RK4 stages (held at a few splits at k = 10; 13 states, never held there,
    while its tape kept `shape_of`s, before the shapes analysis followed np.roll). The heat equation's entry holds
    nothing of the state after its step, so the steps after it write that state in
    place and hold entries of their own (a chain, as where nothing writes in place)."""
    n = 500
    df = make_grad(model, k)
    with recorded_schedules() as plans:
        df(*MODELS[model][1](n))
    (plan,) = plans
    never_held = predicted_steps(n, k, entry_states=n)
    predicted = predicted_steps(
        n, k, entry_states=plan.entry_states, copies=plan.copies, entry_shares=plan.entry_shares
    )
    assert plan.forward_steps == predicted <= never_held
    if k == 10:
        assert plan.entry_states == {"heat": 1, "lorenz96": 8}[model]
        assert plan.forward_steps < never_held
    if model == "heat":
        assert plan.copies and not plan.entry_shares
        assert plan.forward_steps < predicted_steps(n, k, entry_states=1, entry_shares=True)
    assert forward_steps(make_grad(model, None), MODELS[model][1](n)) is None
    assert forward_steps(make_grad(model, None), MODELS[model][1](n)) is None


@pytest.mark.parametrize("model", MODELS)
def test_checkpointed_peak_does_not_grow_with_n(model):
    """k snapshots, not n tape entries: 8x the steps, the same peak (within 10%), and
    within the claimed 2 x (k x state + the forward's own peak). (A call at the long
    size first: the schedule's memo of splits is the process's, not the call's. From
    120 steps on, some re-run segments are several steps long, and `steps` then holds
    one step's temporaries more while it runs the next: Lorenz-96's 36, 15 KiB.)"""
    fn, args_of, state_of = MODELS[model]
    df = make_grad(model, 10)
    df(*args_of(960))
    short, long = (peak_memory(df, *args_of(n), fill_freelists=True) for n in (120, 960))
    assert abs(long / short - 1) < 0.1, (short, long)
    forward = peak_memory(fn, *args_of(960), fill_freelists=True)
    assert long <= 2 * (10 * state_bytes(state_of(args_of(1))) + forward), (long, forward)


def test_checkpointing_cuts_peak_memory():
    """Heat equation, 2000 steps: the stored tape holds ~2000 x 8 kB, 10 snapshots ~11 x 8 kB."""
    args = heat_args(2000)
    stored = peak_memory(make_grad("heat", None), *args)
    checkpointed = peak_memory(make_grad("heat", 10), *args)
    assert stored > 2000 * 998 * 8  # the tape of overwritten values
    assert checkpointed < stored / 20, (checkpointed, stored)


# ---------------------------------------------------------------------------
# benchmarks (--benchmark-only)
# ---------------------------------------------------------------------------

ROUNDS = {"heat": 3, "lorenz96": 1}


@pytest.mark.parametrize("model", MODELS)
def test_forward(benchmark, model):
    fn, args_of, _ = MODELS[model]
    benchmark.group = f"checkpoint {model} n={N_STEPS}"
    benchmark.pedantic(fn, args_of(), rounds=ROUNDS[model], iterations=1)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("k", SNAPSHOTS, ids=lambda k: "stored" if k is None else f"k{k}")
def test_grad(benchmark, model, k):
    df = make_grad(model, k)
    benchmark.group = f"checkpoint {model} n={N_STEPS}"
    benchmark.extra_info["predicted_steps"] = predicted_steps(N_STEPS, k) if k else N_STEPS
    benchmark.pedantic(df, MODELS[model][1](), rounds=ROUNDS[model], iterations=1)
