"""Time the benchmark problems without pytest and print a Markdown table.

    python tests/benchmarks/report.py [--repeat 9] [--min-time 0.1]

Every time is the best of ``--repeat`` repeats of ``timeit``; each repeat
runs the call enough times to last at least ``--min-time`` seconds, and the
forward, s2sgrad and hand-written timings of a problem are interleaved. The
s2sgrad gradient is built once and called once before timing (the first call
transforms and compiles). BLAS runs single-threaded unless
OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS are set. The
transform time is the time to build and make the first call of the gradient
of a fresh copy of a 30-line function (best of at least 10).
"""

import argparse
import os
import platform
import sys
import timeit

# Single-threaded BLAS unless the caller says otherwise: the matrices here are
# small, and multi-threaded OpenBLAS on a small or busy machine makes the
# timings swing by 2-4x from run to run. Must be set before NumPy loads.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

import s2sgrad as sg  # noqa: E402
from tests.benchmarks import models  # noqa: E402

TARGETS = {
    "grad_over_forward": {"simulate": 4.0},
    "s2sgrad_over_hand": {"mlp": 1.3, "rnn": 1.3},
    "transform_ms": 50.0,
}


def calibrate(fn, min_time):
    """How many calls of ``fn`` last at least ``min_time`` seconds."""
    timer = timeit.Timer(fn)
    number = 1
    while True:
        t = timer.timeit(number)
        if t >= min_time:
            return number
        number = max(number * 2, int(number * min_time / max(t, 1e-9) * 1.1))


def best_times(fns, repeat, min_time, clock=timeit.default_timer):
    """Best seconds per call of each ``fn()`` in ``fns``.

    The candidates are timed in turn within each repeat (interleaved), so a
    slow period of a busy machine hits all of them rather than one. ``clock``:
    ``time.process_time`` counts the CPU time of this process only (steadier
    on a machine other jobs share).
    """
    timers = [timeit.Timer(fn, timer=clock) for fn in fns]
    numbers = [calibrate(fn, min_time) for fn in fns]
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, (timer, number) in enumerate(zip(timers, numbers)):
            best[i] = min(best[i], timer.timeit(number) / number)
    return best


def best_time(fn, repeat, min_time):
    return best_times([fn], repeat, min_time)[0]


def best_single(fn, setup, repeat):
    """Best seconds of ``fn(*setup())`` where every call needs fresh setup."""
    times = []
    for _ in range(repeat):
        args = setup()
        t0 = timeit.default_timer()
        fn(*args)
        times.append(timeit.default_timer() - t0)
    return min(times)


def _loadavg():
    try:
        return [f"{x:.2f}" for x in os.getloadavg()]
    except (AttributeError, OSError):
        return ["n/a"]


def fmt_time(s):
    if s >= 1.0:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} µs"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--min-time", type=float, default=0.1)
    opts = ap.parse_args(argv)

    rows = []
    for name in ("simulate", "mlp", "rnn"):
        p = models.PROBLEMS[name]
        args = p["inputs"]()
        f, hand = p["forward"], p["hand"]
        df = sg.grad(f, wrt=p["wrt"])
        df(*args)  # compile outside the timing
        t_fwd, t_sg, t_hand = best_times(
            [lambda: f(*args), lambda: df(*args), lambda: hand(*args)], opts.repeat, opts.min_time
        )
        rows.append((name, p["label"], t_fwd, t_sg, t_hand))

    args30 = models.make_thirty_lines_inputs()
    models.transform_once(models.thirty_lines, args30)  # warm imports
    setup = models.fresh_transform_setup(models.thirty_lines, args30)
    t_transform = best_single(models.transform_once, lambda: setup()[0], max(opts.repeat, 10))
    df30 = sg.grad(models.thirty_lines, wrt=models.THIRTY_LINES_WRT)
    df30(*args30)
    t_call30 = best_time(lambda: df30(*args30), opts.repeat, opts.min_time / 4)

    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
        f"load average {' '.join(_loadavg())}; best of {opts.repeat} repeats."
    )
    print()
    print(
        "| problem | forward | s2sgrad grad | hand grad | s2sgrad grad / forward "
        "| hand grad / forward | s2sgrad / hand |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, label, t_fwd, t_sg, t_hand in rows:
        print(
            f"| {label} | {fmt_time(t_fwd)} | {fmt_time(t_sg)} | {fmt_time(t_hand)} "
            f"| {t_sg / t_fwd:.2f} | {t_hand / t_fwd:.2f} | {t_sg / t_hand:.2f} |"
        )
    print()
    print(
        f"Transforming a 30-line function (`thirty_lines`, fresh copy, gradient wrt 2 args, "
        f"first call included): **{t_transform * 1e3:.1f} ms** "
        f"(the compiled gradient then runs in {fmt_time(t_call30)})."
    )
    print()
    print("Targets (not asserted):")
    by_name = {r[0]: r for r in rows}
    for name, target in TARGETS["grad_over_forward"].items():
        _, label, t_fwd, t_sg, _ = by_name[name]
        ratio = t_sg / t_fwd
        print(
            f"- {label}: s2sgrad grad / forward {ratio:.2f} (target <= {target}) "
            f"{'met' if ratio <= target else 'MISSED'}"
        )
    for name, target in TARGETS["s2sgrad_over_hand"].items():
        _, label, _, t_sg, t_hand = by_name[name]
        ratio = t_sg / t_hand
        print(f"- {label}: s2sgrad / hand {ratio:.2f} (target <= {target}) {'met' if ratio <= target else 'MISSED'}")
    ms = t_transform * 1e3
    print(
        f"- transform of a 30-line function: {ms:.1f} ms (target < {TARGETS['transform_ms']:.0f} ms) "
        f"{'met' if ms < TARGETS['transform_ms'] else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
