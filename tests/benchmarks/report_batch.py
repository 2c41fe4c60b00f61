"""Batched weight products after a reversed loop (compiler/batch_products.py): the
generated gradient with the pass on and off.

    python tests/benchmarks/report_batch.py [--repeat 15] [--past-the-rule]

For the RNN and GRU benchmarks at small batches and a single sequence of vectors,
the specialised source is made twice, with ``batch_products.ROWS`` at 8 (the rule)
and at 0 (the pass off), and each source is run as its own function. With
``--past-the-rule`` the batches are 8, 16 and 32 and ``ROWS`` is 64: what the rule
leaves. CPU times (``time.process_time``), the two interleaved within each repeat,
the best of ``--repeat``; BLAS single-threaded unless the environment says otherwise.
"""

import argparse
import os
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

import s2sgrad as sg  # noqa: E402
from s2sgrad import api  # noqa: E402
from s2sgrad.compiler import batch_products  # noqa: E402
from tests.benchmarks import apps, models  # noqa: E402
from tests.benchmarks.report import _loadavg  # noqa: E402


def rnn_vectors(Wx, Wh, b, xs):
    """One sequence of column vectors: the sweep adds `np.outer(dt, h)` per step."""
    h = np.zeros(Wh.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(Wx @ xs[t] + Wh @ h + b)
    return np.sum(h**2)


def vector_inputs(steps=50, n_in=16, hidden=64, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((hidden, n_in)) / 4,
        rng.standard_normal((hidden, hidden)) / 8,
        rng.standard_normal(hidden),
        rng.standard_normal((steps, n_in)),
    )


def workload(kind, size):
    if kind == "rnn":
        return f"RNN benchmark, B = {size}", models.rnn_loss, (0, 1, 2, 3), models.make_rnn_inputs(batch=size)
    if kind == "gru":
        return f"GRU benchmark, B = {size}", apps.gru_lm, tuple(range(7)), apps.make_gru_inputs(batch=size)
    steps, hidden, n_in = size
    label = f"one sequence of vectors, T = {steps}, H = {hidden}, input {n_in}"
    return label, rnn_vectors, (0, 1, 2), vector_inputs(steps, n_in, hidden)


def generated(f, wrt, args, rows):
    """The specialised gradient's source with `ROWS = rows`, as its own function."""
    kept = batch_products.ROWS
    batch_products.ROWS = rows
    api._cache.clear()
    try:
        source = sg.source(sg.grad(f, wrt=wrt), *args)
    finally:
        batch_products.ROWS = kept
        api._cache.clear()
    space = dict(f.__globals__)
    exec(compile(source, f"<{f.__name__} ROWS={rows}>", "exec"), space)
    return space[f.__name__ + "_grad"], "one product per weight" in source


def best_of(functions, args, repeat, calls=40):
    best = [float("inf")] * len(functions)
    for _ in range(repeat):
        for i, d in enumerate(functions):
            start = time.process_time()
            for _ in range(calls):
                d(*args)
            best[i] = min(best[i], (time.process_time() - start) / calls)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--past-the-rule", action="store_true")
    options = parser.parse_args()
    if options.past_the_rule:
        rows, cases = 64, [("rnn", b) for b in (8, 16, 32)] + [("gru", b) for b in (8, 16, 32)]
    else:
        rows = batch_products.ROWS
        cases = [("rnn", b) for b in (1, 4, 8)] + [("gru", b) for b in (1, 4, 8)]
        cases += [("vec", (50, 64, 16)), ("vec", (200, 128, 32))]
    print(f"load average {_loadavg()}, ROWS = {rows}\n")
    print("| workload | per-step, ms | batched, ms | ratio |")
    print("|---|---:|---:|---:|")
    for kind, size in cases:
        label, f, wrt, args = workload(kind, size)
        (per_step, _), (batched, changed) = generated(f, wrt, args, 0), generated(f, wrt, args, rows)
        assert changed, label
        for a, b in zip(per_step(*args), batched(*args)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
        old, new = best_of([per_step, batched], args, options.repeat)
        print(f"| {label} | {old * 1e3:.3f} | {new * 1e3:.3f} | {new / old:.2f} |", flush=True)


if __name__ == "__main__":
    main()
