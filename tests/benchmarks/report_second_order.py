"""Time Hessian-vector products and Jacobians and print Markdown tables.

    python tests/benchmarks/report_second_order.py [--repeat 9] [--min-time 0.1]

1. ``sg.hvp`` on the MLP of ``models.py`` (784-256-10, batch 256, float64)
   against ``sg.grad`` with the same ``wrt``, for ``W1`` alone and for all
   four parameters; target hvp / grad <= 4.
2. ``sg.jacobian(f, wrt=0, mode=...)`` for a map R^1000 -> R^3 and a map
   R^3 -> R^1000 (``wide`` and ``tall`` in ``test_bench_second_order.py``),
   forward, reverse and auto mode, with the time of one call of ``f``.

Every time is the best of ``--repeat`` repeats of ``timeit`` (each repeat runs
the call enough times to last at least ``--min-time`` seconds); the
candidates of one row are interleaved within each repeat. Every derivative is
built and called once before timing (the first call transforms and compiles).
BLAS runs single-threaded unless OPENBLAS_NUM_THREADS / OMP_NUM_THREADS /
MKL_NUM_THREADS are set.
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

from tests.benchmarks import models  # noqa: E402
from tests.benchmarks.report import _loadavg, best_times, fmt_time  # noqa: E402
from tests.benchmarks.test_bench_second_order import (  # noqa: E402
    HVP_WRT,
    JACOBIAN_MAPS,
    make_hvp_case,
    make_jacobians,
)

HVP_TARGET = 4.0
HVP_LABELS = {"W1": "`W1` (784x256)", "all": "`(W1, b1, W2, b2)`"}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--min-time", type=float, default=0.1)
    opts = ap.parse_args(argv)

    hvp_rows = []
    for which in ("W1", "all"):
        args, v, df, hv = make_hvp_case(HVP_WRT[which])
        t_fwd, t_grad, t_hvp = best_times(
            [lambda: models.mlp_loss(*args), lambda: df(*args), lambda: hv(*args, v)], opts.repeat, opts.min_time
        )
        hvp_rows.append((which, t_fwd, t_grad, t_hvp))

    jac_rows = []
    for name in ("wide", "tall"):
        label, f, _, cheaper = JACOBIAN_MAPS[name]
        args, jacs = make_jacobians(name)
        n_in, n_out = np.size(args[0]), np.size(f(*args))
        t_f, t_fw, t_rev, t_auto = best_times(
            [
                lambda: f(*args),
                lambda: jacs["forward"](*args),
                lambda: jacs["reverse"](*args),
                lambda: jacs["auto"](*args),
            ],
            opts.repeat,
            opts.min_time,
        )
        jac_rows.append((name, label, n_in, n_out, cheaper, t_f, t_fw, t_rev, t_auto))

    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
        f"load average {' '.join(_loadavg())}; best of {opts.repeat} repeats."
    )
    print()
    print("Hessian-vector product on the MLP (784-256-10, batch 256, float64):")
    print()
    print("| wrt | forward | grad | hvp | hvp / grad | hvp / forward |")
    print("|---|---:|---:|---:|---:|---:|")
    for which, t_fwd, t_grad, t_hvp in hvp_rows:
        print(
            f"| {HVP_LABELS[which]} | {fmt_time(t_fwd)} | {fmt_time(t_grad)} | {fmt_time(t_hvp)} "
            f"| {t_hvp / t_grad:.2f} | {t_hvp / t_fwd:.2f} |"
        )
    print()
    print("Jacobians, `sg.jacobian(f, wrt=0, mode=...)`:")
    print()
    print("| map | f | forward mode | reverse mode | auto | slower / faster mode | per JVP | per VJP | auto uses |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, label, n_in, n_out, cheaper, t_f, t_fw, t_rev, t_auto in jac_rows:
        slow_fast = max(t_fw, t_rev) / min(t_fw, t_rev)
        print(
            f"| {label.replace('jacobian ', 'R^').replace('->', ' -> R^')} | {fmt_time(t_f)} "
            f"| {fmt_time(t_fw)} | {fmt_time(t_rev)} | {fmt_time(t_auto)} | {slow_fast:.0f} "
            f"| {fmt_time(t_fw / n_in)} | {fmt_time(t_rev / n_out)} | {cheaper} |"
        )
    print()
    print(
        "Per JVP = forward-mode time / number of inputs; per VJP = reverse-mode time / "
        "number of outputs. `auto uses` is the mode s2sgrad.api picks (forward when there are "
        "fewer inputs than outputs), checked by test_auto_mode_chooses_the_cheaper_mode."
    )
    print()
    print("Targets (not asserted):")
    for which, _, t_grad, t_hvp in hvp_rows:
        ratio = t_hvp / t_grad
        print(
            f"- hvp / grad, MLP wrt {HVP_LABELS[which]}: {ratio:.2f} (target <= {HVP_TARGET}) "
            f"{'met' if ratio <= HVP_TARGET else 'MISSED'}"
        )
    for name, label, _, _, cheaper, _, t_fw, t_rev, t_auto in jac_rows:
        faster = "forward" if t_fw < t_rev else "reverse"
        print(
            f"- {label}: auto uses {cheaper} mode, the faster one measured is {faster} "
            f"({'met' if faster == cheaper else 'MISSED'}); auto / {faster} "
            f"{t_auto / min(t_fw, t_rev):.2f}"
        )


if __name__ == "__main__":
    main()
