"""Compile time: how long `sg.grad(f)` takes to turn a function into its
derivative, for the 30-line benchmark function and the golden corpus.

    OPENBLAS_NUM_THREADS=1 python tests/benchmarks/report_transform.py [--repeat 20]

Every transform is of a fresh copy of the function (so s2sgrad's cache misses)
and includes the first call, as in ``test_bench_core.py``. Times are the best
and the median of the repeats, as wall-clock time and as the process's CPU
time (which a busy machine disturbs less). The stage table wraps the pipeline
stages with CPU timers and averages over the repeats, with the garbage
collector off: a collection lands in whichever stage happens to allocate when
one is due (mostly `to_source`), and its cost grows with everything the
process holds, including every derivative built so far.
"""

import argparse
import gc
import os
import platform
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import s2sgrad as sg  # noqa: E402
from s2sgrad.compiler import analysis, pipeline as transform, reverse  # noqa: E402
from tests.benchmarks import models  # noqa: E402
from tests.golden_programs import CASES  # noqa: E402


def timed(f, args, wrt):
    """(wall, cpu) seconds of one transform + first call of a fresh copy of `f`."""
    g = models.fresh_copy(f)
    wall, cpu = time.perf_counter(), time.process_time()
    sg.grad(g, wrt=wrt)(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def summary(runs):
    walls, cpus = sorted(r[0] for r in runs), sorted(r[1] for r in runs)
    mid = len(runs) // 2
    return f"{walls[0] * 1e3:.1f} ms | {walls[mid] * 1e3:.1f} ms | {cpus[0] * 1e3:.1f} ms | {cpus[mid] * 1e3:.1f} ms"


STAGES = [  # (object, attribute, label)
    (transform, "build_graph", "parse, lower, SSA build and prune (`build_graph`)"),
    (reverse.Reverse, "block", "reverse sweep (`Reverse.block`)"),
    (transform, "tidy", "clean-up passes (`tidy`)"),
    (transform, "to_source", "AST to source (`to_source`)"),
    (analysis, "activity", "activity and kind analyses"),
    (analysis, "kinds", "activity and kind analyses"),
    (transform, "compile_function", "Python's `compile` (`compile_function`)"),
]


def stage_shares(repeat, args):
    """CPU time per stage, summed over `repeat` transforms of thirty_lines."""
    spent = {}
    originals = []
    for owner, attr, label in STAGES:
        original = getattr(owner, attr)
        originals.append((owner, attr, original))
        setattr(owner, attr, _timer(original, label, spent))
    gc.disable()
    try:
        total = sum(timed(models.thirty_lines, args, models.THIRTY_LINES_WRT)[1] for _ in range(repeat))
    finally:
        gc.enable()
        for owner, attr, original in originals:
            setattr(owner, attr, original)
    spent["the rest: naming, imports, the API layer, the first call"] = total - sum(spent.values())
    return total, spent


def _timer(f, label, spent):
    depth = [0]  # Reverse.block is recursive: time the outermost call only

    def timed_stage(*a, **k):
        depth[0] += 1
        start = time.process_time()
        try:
            return f(*a, **k)
        finally:
            depth[0] -= 1
            if not depth[0]:
                spent[label] = spent.get(label, 0.0) + time.process_time() - start

    return timed_stage


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    opts = ap.parse_args(argv)
    args30 = models.make_thirty_lines_inputs()
    timed(models.thirty_lines, args30, models.THIRTY_LINES_WRT)  # warm imports and rule tables
    rows = [
        ("`thirty_lines`", [timed(models.thirty_lines, args30, models.THIRTY_LINES_WRT) for _ in range(opts.repeat)])
    ]
    corpus = [(0.0, 0.0)] * opts.repeat
    for label in sorted(CASES):
        fn, wrt, args = CASES[label]
        timed(fn, args, wrt)
        runs = [timed(fn, args, wrt) for _ in range(opts.repeat)]
        rows.append((f"golden `{label}`", runs))
        corpus = [(a[0] + b[0], a[1] + b[1]) for a, b in zip(corpus, runs)]
    rows.append(("golden corpus, all four", corpus))

    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {load}; {opts.repeat} fresh transforms each, first call included."
    )
    print()
    print("| function | best (wall) | median (wall) | best (CPU) | median (CPU) |")
    print("|---|---:|---:|---:|---:|")
    for label, runs in rows:
        print(f"| {label} | {summary(runs)} |")
    print()
    total, spent = stage_shares(opts.repeat, args30)
    print(
        f"Stages of `thirty_lines` (CPU time, garbage collector off, mean of {opts.repeat}: "
        f"{total / opts.repeat * 1e3:.1f} ms):"
    )
    print()
    print("| stage | share | mean |")
    print("|---|---:|---:|")
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"| {label} | {seconds / total * 100:.0f}% | {seconds / opts.repeat * 1e3:.1f} ms |")


if __name__ == "__main__":
    main()
