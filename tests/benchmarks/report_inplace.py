"""Time the in-place benchmark (a loop filling ``u[i]``) and print a Markdown table.

    python tests/benchmarks/report_inplace.py [--repeat 5] [--min-time 0.2]

For n = 10^4 and 10^5 steps: the forward time, the s2sgrad gradient time, the
hand-written adjoint's time, gradient / forward, and the ratio of gradient
times between n = 10^5 and n = 10^4 (linear growth gives about 10). Every time
is the best of ``--repeat`` repeats; the forward, s2sgrad and hand-written
timings are interleaved within each repeat. The gradient is built and called
once before timing (the first call transforms and compiles).
"""

import argparse
import os
import platform
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

from tests.benchmarks.report import _loadavg, best_times, fmt_time  # noqa: E402
from tests.benchmarks.test_bench_inplace import (  # noqa: E402
    A,
    SIZES,
    X,
    make_grad,
    recurrence,
    recurrence_grad_hand,
)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.2)
    opts = ap.parse_args(argv)

    df = make_grad()
    np.testing.assert_allclose(df(A, X, 1000), recurrence_grad_hand(A, X, 1000), rtol=1e-10)

    rows = {}
    for n in SIZES:
        rows[n] = best_times(
            [lambda: recurrence(A, X, n), lambda: df(A, X, n), lambda: recurrence_grad_hand(A, X, n)],
            opts.repeat,
            opts.min_time,
        )

    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {' '.join(_loadavg())}; best of {opts.repeat} repeats."
    )
    print()
    print("`u[i] = a * u[i - 1] + np.sin(x * i)` for i in 1..n, loss `sum(u**2) / n`, gradient wrt (a, x).")
    print()
    print("| N | forward | s2sgrad grad | hand grad | s2sgrad grad / forward | s2sgrad / hand |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, (t_fwd, t_sg, t_hand) in rows.items():
        print(
            f"| {n:,} | {fmt_time(t_fwd)} | {fmt_time(t_sg)} | {fmt_time(t_hand)} "
            f"| {t_sg / t_fwd:.2f} | {t_sg / t_hand:.2f} |"
        )
    small, large = SIZES
    growth = rows[large][1] / rows[small][1]
    print()
    print(f"Gradient time N={large:,} / N={small:,}: **{growth:.2f}** (linear growth gives {large // small}).")


if __name__ == "__main__":
    main()
