"""What a re-run step of a checkpointed loop costs, and the gradient's time by k.

    python tests/benchmarks/report_rerun.py [--repeat 5] [--models heat,lorenz96,rnn] [--steps-scale 1.0]

For each model of ``test_bench_rerun.py``: the original function's time per step,
the time per re-run step (``rerun_seconds``: the schedule's ``_advance``, the copy of
the state included, in the thread's CPU time less what reading that clock costs) at
k = 10, 30 and 100, and the gradient's time, stored and checkpointed. The other
times are CPU times (``time.process_time``) of this process, the
configurations interleaved within each repeat, and the best of ``--repeat``: the
machine these ran on is shared. BLAS is single-threaded unless the environment says
otherwise.
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

from s2sgrad.runtime.schedule import checkpoints  # noqa: E402
from tests.benchmarks.report import _loadavg, fmt_time  # noqa: E402
from tests.benchmarks.test_bench_rerun import MODELS, SNAPSHOTS, make_grad, rerun_seconds  # noqa: E402


def loop_of(df, args):
    """The generated loop a schedule runs (`steps`) and the state it starts from."""
    caught = {}
    forward = checkpoints.forward

    def catch(plan, steps, state, *more):
        caught.update(steps=steps, state=state)
        return forward(plan, steps, state, *more)

    checkpoints.forward = catch
    try:
        df(*args)
    finally:
        checkpoints.forward = forward
    return caught["steps"], caught["state"]


def measure(model, repeat, scale):
    fn, args_of, _, n = MODELS[model]
    n = max(10, int(n * scale))
    args = args_of(n)
    grads = {k: make_grad(model, k) for k in SNAPSHOTS}
    steps, start = loop_of(grads[10], args)
    best = {"forward": float("inf"), "loop": float("inf")} | {k: float("inf") for k in SNAPSHOTS}
    rerun = {k: float("inf") for k in SNAPSHOTS if k}
    for _ in range(repeat):
        t0 = time.process_time()
        fn(*args)
        best["forward"] = min(best["forward"], time.process_time() - t0)
        state = tuple(x.copy() if isinstance(x, np.ndarray) else x for x in start)
        t0 = time.process_time()
        steps(range(n), *state)  # the generated loop, all n steps in one segment
        best["loop"] = min(best["loop"], time.process_time() - t0)
        for k, df in grads.items():
            with rerun_seconds() as spent:
                t0 = time.process_time()
                df(*args)
                t = time.process_time() - t0
            best[k] = min(best[k], t)
            if k:
                rerun[k] = min(rerun[k], spent["seconds"] / max(1, spent["steps"]))
    return n, best, rerun


def report(model, n, best, rerun):
    step = best["forward"] / n
    print(f"### {model}: {n:,} steps; the original function {fmt_time(best['forward'])}, {fmt_time(step)} per step")
    print()
    print("| | stored | k = 10 | k = 30 | k = 100 |")
    print("|---|---:|---:|---:|---:|")
    print("| gradient | " + " | ".join(fmt_time(best[k]) for k in SNAPSHOTS) + " |")
    print("| gradient / stored | " + " | ".join(f"{best[k] / best[None]:.2f}" for k in SNAPSHOTS) + " |")
    print("| re-run step | - | " + " | ".join(fmt_time(rerun[k]) for k in SNAPSHOTS if k) + " |")
    print("| re-run step / original step | - | " + " | ".join(f"{rerun[k] / step:.2f}" for k in SNAPSHOTS if k) + " |")
    print()
    print(
        f"The generated loop `steps` over all {n:,} steps in one segment: {best['loop'] / best['forward']:.2f} x the original."
    )
    print()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--steps-scale", type=float, default=1.0, help="scale the models' step counts")
    opts = ap.parse_args(argv)
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, {os.cpu_count()} CPUs, load average "
        f"{' '.join(_loadavg())}; gradients in CPU time, best of {opts.repeat}, configurations interleaved."
    )
    print()
    for model in opts.models.split(","):
        report(model, *measure(model, opts.repeat, opts.steps_scale))


if __name__ == "__main__":
    main()
