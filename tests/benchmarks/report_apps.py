"""Application benchmarks (tests/benchmarks/apps.py) and the core ones, side by side.

    python tests/benchmarks/report_apps.py [--repeat 7] [--min-time 0.05]

For each problem: forward, s2sgrad gradient and hand-written gradient, timed in
turn within each repeat (best of the repeats), then gradient / forward and
s2sgrad / hand-written; the time of one re-specialisation (a new argument
shape: one transformation); the call overhead of the gradient of a tiny
function; and the distribution of gradient / forward over the examples and
corpus programs (``--corpus``).
"""

import argparse
import os
import platform
import statistics
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

import s2sgrad as sg  # noqa: E402
from tests.benchmarks import apps, models  # noqa: E402
from tests.benchmarks.report import best_times, fmt_time  # noqa: E402


def problems():
    for name in ("simulate", "mlp", "rnn"):
        yield name, models.PROBLEMS[name]
    yield from apps.PROBLEMS.items()


CLOCK = [time.perf_counter]  # (--cpu: time.process_time)


def table(repeat, min_time):
    print("| problem | forward | s2sgrad grad | hand grad | grad / forward | hand / forward | s2sgrad / hand |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, p in problems():
        args = p["inputs"]()
        f, hand, df = p["forward"], p["hand"], sg.grad(p["forward"], wrt=p["wrt"])
        df(*args)
        t_f, t_g, t_h = best_times(
            [lambda: f(*args), lambda: df(*args), lambda: hand(*args)], repeat, min_time, CLOCK[0]
        )
        print(
            f"| {p['label']} | {fmt_time(t_f)} | {fmt_time(t_g)} | {fmt_time(t_h)} "
            f"| {t_g / t_f:.2f} | {t_h / t_f:.2f} | {t_g / t_h:.2f} |"
        )


def respecialisation(repeat):
    """Seconds for the first call on a new shape (one transformation) of the RNN gradient."""
    df = sg.grad(models.rnn_loss, wrt=models.RNN_WRT)
    best = float("inf")
    for k in range(repeat):
        args = models.make_rnn_inputs(steps=5, batch=3 + k, n_in=4, n_hidden=6, n_out=2)
        start = time.perf_counter()
        df(*args)
        best = min(best, time.perf_counter() - start)
    return best


def tiny(x):
    return x * x


def call_overhead(repeat):
    """(derivative call, the generated function called directly) in seconds, f(x) = x * x."""
    df = sg.grad(tiny)
    df(1.5)
    raw = df._last.function
    return best_times([lambda: df(1.5), lambda: raw(1.5)], repeat, 0.05)


def corpus_ratios(repeat):
    """gradient / forward for every example and corpus program (best of `repeat`)."""
    from tests import test_corpus_classic, test_corpus_ml, test_corpus_simulation

    rows = [(f, a, w) for f, a, w in test_corpus_classic.GRADS + test_corpus_ml.GRADS]
    rows += [(fn, args, tuple(w)) for fn, args, w, _ in test_corpus_simulation.CASES.values()]
    ratios = []
    for f, args, wrt in rows:
        try:
            df = sg.grad(f, wrt=wrt)
            df(*args)
            t_f, t_g = best_times([lambda: f(*args), lambda: df(*args)], repeat, 0.005, CLOCK[0])
        except Exception:  # (a row that needs its arguments copied per call: left out)
            continue
        ratios.append(t_g / t_f)
    return ratios


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--min-time", type=float, default=0.05)
    ap.add_argument("--corpus", action="store_true")
    ap.add_argument("--cpu", action="store_true", help="CPU time of this process (a shared, busy machine)")
    ap.add_argument("--corpus-only", action="store_true")
    opts = ap.parse_args(argv)
    if opts.cpu:
        CLOCK[0] = time.process_time
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, {os.cpu_count()} CPUs, "
        f"load average {load}; best of {opts.repeat} interleaved repeats" + (", CPU time." if opts.cpu else ".")
    )
    print()
    if not opts.corpus_only:
        table(opts.repeat, opts.min_time)
        print()
        print(f"Re-specialisation of the RNN gradient on a new shape: {respecialisation(opts.repeat) * 1e3:.1f} ms")
        t_call, t_raw = call_overhead(opts.repeat)
        print(f"Gradient of x * x: {fmt_time(t_call)} per call, the generated function alone {fmt_time(t_raw)}")
    if opts.corpus or opts.corpus_only:
        ratios = sorted(corpus_ratios(3))
        q = statistics.quantiles(ratios, n=4)
        print(
            f"gradient / forward over {len(ratios)} corpus programs: median {statistics.median(ratios):.2f}, "
            f"quartiles {q[0]:.2f} / {q[2]:.2f}, min {ratios[0]:.2f}, max {ratios[-1]:.2f}"
        )
        deciles = statistics.quantiles(ratios, n=10)
        print("deciles: " + " ".join(f"{d:.2f}" for d in deciles))
        print(f"at most 4: {sum(r <= 4 for r in ratios)} of {len(ratios)}; at most 2: {sum(r <= 2 for r in ratios)}")


if __name__ == "__main__":
    main()
