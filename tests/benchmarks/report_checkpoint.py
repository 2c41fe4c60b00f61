"""Measure checkpointed gradients (peak memory and time) and print Markdown tables.

    python tests/benchmarks/report_checkpoint.py [--steps 10000] [--repeat 3] [--models heat,lorenz96]

For the 1-D heat equation (N = 1000 points, in-place slice update) and Lorenz-96
(40 variables, RK4 through helpers with np.roll), each over ``--steps`` steps,
and for the stored gradient and k = 10, 30, 100 snapshots:

* peak memory: tracemalloc's peak during one gradient call, above what was live
  before it (a separate, traced call), with CPython's small-tuple free lists
  filled beforehand (``peak_memory(..., fill_freelists=True)``: otherwise the
  tuples the reverse sweep frees in bursts stay allocated on those lists and are
  counted, up to ~90 KiB per tuple length whatever k and n); the raw peak is
  printed beside it. Nothing the checkpointed gradient holds grows with n (the
  schedule keeps a ``range`` and at most k states; ``test_bench_checkpoint``
  checks that the peak at 8x the steps is the same), and tracing slows
  Lorenz-96 down about 6x, so its checkpointed rows are traced at
  ``--lorenz-memory-steps`` (default 2000; 0 traces at the full length, about 8
  minutes on a 2-CPU machine); the stored row and the forward are traced at the
  full length;
* k x state: k times the bytes of one snapshot of the loop state (the arrays
  with their headers); the forward-only peak is the same measure for a plain
  call of the function;
* time: best of ``--repeat`` untraced calls (Lorenz-96 uses
  ``--repeat-lorenz``, default 1, because one checkpointed call takes seconds);
* forward steps: the schedule's ``forward_steps`` after the call (the schedule is
  a local of the generated function; ``recorded_schedules`` catches it when its
  ``forward`` runs) against ``s2sgrad.schedule.predicted_steps(n, k)``.

The two claims checked, with the tests stated before measuring:

* memory: peak <= 2 x (k x state + forward-only peak);
* time: the overhead is the recomputation: with P forward steps instead of the
  stored gradient's n, the predicted time is t_stored + (P - n) x t_step, where
  t_step is the time of one step as the schedule runs it (its first sweep, timed
  inside the same call, divided by n: the generated step, helpers inlined, with
  the tape entry built and dropped); the claim holds when every measured time is
  within 30% of that.

BLAS is single-threaded unless OPENBLAS_NUM_THREADS etc. are set. About 3-4
minutes on a small machine, most of it Lorenz-96.
"""

import argparse
import os
import platform
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

from s2sgrad.runtime.schedule import predicted_steps  # noqa: E402
from tests.benchmarks.report import _loadavg, fmt_time  # noqa: E402
from tests.benchmarks.test_bench_checkpoint import (  # noqa: E402
    MODELS,
    N_STEPS,
    SNAPSHOTS,
    make_grad,
    peak_memory,
    recorded_schedules,
    state_bytes,
)

DESCRIPTION = {
    "heat": "1-D heat equation, N = 1000 points, `u[1:-1] = u[1:-1] + r*(u[2:] - 2*u[1:-1] + u[:-2])`, "
    "gradient w.r.t. (u0, r)",
    "lorenz96": "Lorenz-96, 40 variables, RK4 with helper functions and np.roll, loss dt * sum |x_t|^2, "
    "gradient w.r.t. (x0, F)",
}
MEMORY_FACTOR = 2.0
TIME_TOLERANCE = 0.3


def fmt_bytes(b):
    if b >= 1 << 20:
        return f"{b / (1 << 20):.1f} MiB"
    if b >= 1 << 10:
        return f"{b / (1 << 10):.0f} KiB"
    return f"{b} B"


def best_of(fn, args, repeat):
    """Best time of fn(*args), the forward steps of its schedule and the time of one
    step in its first sweep (from the best call)."""
    best, steps, step_time = float("inf"), None, None
    for _ in range(repeat):
        with recorded_schedules() as plans:
            t0 = time.perf_counter()
            fn(*args)
            t = time.perf_counter() - t0
        if t < best:
            best = t
            if plans:
                steps = sum(p.forward_steps for p in plans)
                step_time = sum(p.sweep_seconds for p in plans) / sum(len(p.indices) for p in plans)
    return best, steps, step_time


def measure(model, n, repeat, log, memory_steps=0):
    fn, args_of, state_of = MODELS[model]
    args = args_of(n)
    mem_n = min(n, memory_steps) if memory_steps else n
    S = state_bytes(state_of(args))
    log(f"{model}: forward")
    t_fwd, _, _ = best_of(fn, args, repeat)
    F = peak_memory(fn, *args, fill_freelists=True)
    rows = []
    for k in SNAPSHOTS:
        log(f"{model}: {'stored' if k is None else f'k={k}'}")
        df = make_grad(model, k)
        t, steps, step_time = best_of(df, args, repeat)
        traced = args if k is None else args_of(mem_n)
        peak = peak_memory(df, *traced, fill_freelists=True)
        raw = peak_memory(df, *traced)
        rows.append(
            dict(
                k=k,
                t=t,
                steps=steps,
                step_time=step_time,
                peak=peak,
                raw=raw,
                predicted=predicted_steps(n, k) if k else None,
            )
        )
    return dict(model=model, n=n, S=S, F=F, t_fwd=t_fwd, rows=rows, mem_n=mem_n)


def report(m):
    n, S, F, t_fwd = m["n"], m["S"], m["F"], m["t_fwd"]
    stored = m["rows"][0]
    print(f"### {m['model']}: {n:,} steps")
    print()
    print(DESCRIPTION[m["model"]] + ".")
    print(f"State (one snapshot): {fmt_bytes(S)}. Forward only: peak {fmt_bytes(F)}, time {fmt_time(t_fwd)}.")
    if m["mem_n"] != n:
        print(
            f"Checkpointed peaks: traced at {m['mem_n']:,} steps (nothing they hold grows with n; "
            f"`--lorenz-memory-steps 0` traces at {n:,})."
        )
    print()
    print(
        "| k | peak memory | raw peak | k x state | forward-only peak | peak / (k x state + fwd) | time "
        "| time / stored | predicted time / stored | forward steps (measured) | predicted_steps(n, k) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    mem_ok, time_ok = True, True
    for r in m["rows"]:
        k = r["k"]
        if k is None:
            print(
                f"| stored | {fmt_bytes(r['peak'])} | {fmt_bytes(r['raw'])} | - | {fmt_bytes(F)} | - | {fmt_time(r['t'])} | 1.00 | 1.00 "
                f"| {n:,} (taped) | - |"
            )
            continue
        bound = k * S + F
        ratio = r["peak"] / bound
        mem_ok &= ratio <= MEMORY_FACTOR
        t_pred = stored["t"] + (r["steps"] - n) * r["step_time"]
        time_ok &= abs(r["t"] / t_pred - 1) <= TIME_TOLERANCE
        print(
            f"| {k} | {fmt_bytes(r['peak'])} | {fmt_bytes(r['raw'])} | {fmt_bytes(k * S)} | {fmt_bytes(F)} | {ratio:.1f} "
            f"| {fmt_time(r['t'])} | {r['t'] / stored['t']:.2f} | {t_pred / stored['t']:.2f} "
            f"| {r['steps']:,} | {r['predicted']:,} |"
        )
    print()
    steps_ok = all(r["steps"] == r["predicted"] for r in m["rows"] if r["k"])
    print(f"- forward steps measured = predicted: **{'yes' if steps_ok else 'NO'}**")
    print(
        f"- memory claim (peak <= {MEMORY_FACTOR:g} x (k x state + forward-only peak)): "
        f"**{'holds' if mem_ok else 'does not hold'}**; with the raw peaks the ratios are "
        + ", ".join(f"k={r['k']}: {r['raw'] / (r['k'] * S + F):.1f}" for r in m["rows"] if r["k"])
        + "."
    )
    print(
        f"- time claim (within {TIME_TOLERANCE:.0%} of t_stored + (P - n) x t_step): "
        f"**{'holds' if time_ok else 'does not hold'}**. t_step (one step of the first sweep): "
        + ", ".join(f"k={r['k']}: {fmt_time(r['step_time'])}" for r in m["rows"] if r["k"])
        + f"; the original function: {fmt_time(t_fwd / n)} per step. Measured cost of one extra step "
        "(t - t_stored) / (P - n) / t_step: "
        + ", ".join(
            f"k={r['k']}: {(r['t'] - stored['t']) / (r['steps'] - n) / r['step_time']:.2f}" for r in m["rows"] if r["k"]
        )
        + "."
    )
    print()
    return mem_ok, time_ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=N_STEPS)
    ap.add_argument("--repeat", type=int, default=3, help="timed calls per row for the heat equation")
    ap.add_argument("--repeat-lorenz", type=int, default=1, help="timed calls per row for Lorenz-96")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument(
        "--lorenz-memory-steps",
        type=int,
        default=2000,
        help="steps of the traced checkpointed Lorenz-96 calls (0: all --steps)",
    )
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    opts = ap.parse_args(argv)

    start = time.perf_counter()

    def log(msg):
        if not opts.quiet:
            print(f"[{time.perf_counter() - start:6.1f} s] {msg}", file=sys.stderr, flush=True)

    results = []
    for model in opts.models.split(","):
        repeat = opts.repeat_lorenz if model == "lorenz96" else opts.repeat
        memory_steps = opts.lorenz_memory_steps if model == "lorenz96" else 0
        results.append(measure(model, opts.steps, repeat, log, memory_steps))

    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {' '.join(_loadavg())}; times are the best of "
        f"{opts.repeat} calls (Lorenz-96: {opts.repeat_lorenz}); peak memory is tracemalloc's, one traced call."
    )
    print()
    for m in results:
        report(m)
    print(f"Report took {time.perf_counter() - start:.0f} s.")


if __name__ == "__main__":
    main()
