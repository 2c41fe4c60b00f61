"""Time the Dask examples of docs/engines.md; print Markdown.

    python tests/benchmarks/report_dask.py [--gradients 200] [--size 4000000]

- a parameter sweep: `--gradients` gradients of the 1000-step RK4 spring
  (tests/benchmarks/jit_programs.py), serially in this process and with
  `client.map` on a LocalCluster of two worker processes (one thread each),
  interpreted and with jit=True (each worker compiles once: a warm-up map runs
  first, so the times are steady state);
- a gradient over a chunked array: the periodic heat equation on a Dask array of
  `--size` elements in four chunks: building the lazy gradient, computing it, and
  the same gradient on the NumPy array.
"""

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

import s2sgrad as sg  # noqa: E402
from tests.benchmarks.jit_programs import heat_roll, rk4_spring  # noqa: E402


def sweep(count):
    from dask.distributed import Client, LocalCluster

    ks = np.linspace(0.5, 4.0, count)
    rows = []
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        ) as cluster,
        Client(cluster) as client,
    ):
        for jit in (False, True):
            df = sg.grad(rk4_spring, wrt=(0, 1), jit=jit)
            df(1.0, 0.3, 0.5, 1000)
            start = time.perf_counter()
            serial = [df(k, 0.3, 0.5, 1000) for k in ks]
            t_serial = time.perf_counter() - start
            client.gather(client.map(df, ks[:8] + 1e-3, c=0.3, x0=0.5, n=1000))  # each worker generates (compiles)
            start = time.perf_counter()
            mapped = client.gather(client.map(df, ks, c=0.3, x0=0.5, n=1000))
            t_cluster = time.perf_counter() - start
            np.testing.assert_allclose(np.array(mapped), np.array(serial), rtol=1e-12)
            rows.append((jit, t_serial, t_cluster))
    return rows


def chunked(size):
    import dask.array as da

    u0 = da.random.random(size, chunks=size // 4)
    df = sg.grad(heat_roll, wrt=(0, 1))
    start = time.perf_counter()
    du, dkappa = df(u0, 0.1, 5)
    t_build = time.perf_counter() - start
    start = time.perf_counter()
    du, dkappa = da.compute(du, dkappa)
    t_compute = time.perf_counter() - start
    u = u0.compute()
    start = time.perf_counter()
    expected = df(u, 0.1, 5)
    t_numpy = time.perf_counter() - start
    np.testing.assert_allclose(du, expected[0], rtol=1e-12)
    return t_build, t_compute, t_numpy


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gradients", type=int, default=200)
    parser.add_argument("--size", type=int, default=4_000_000)
    options = parser.parse_args()
    print(f"| sweep of {options.gradients} gradients | serial | LocalCluster, 2 workers |\n|---|---|---|")
    for jit, t_serial, t_cluster in sweep(options.gradients):
        print(f"| {'jit=True' if jit else 'interpreted'} | {t_serial:.2f} s | {t_cluster:.2f} s |")
    t_build, t_compute, t_numpy = chunked(options.size)
    print(f"\n| heat gradient, {options.size} elements | time |\n|---|---|")
    print(f"| Dask: build the lazy gradient | {t_build:.2f} s |\n| Dask: compute it | {t_compute:.2f} s |")
    print(f"| NumPy, whole array | {t_numpy:.2f} s |")


if __name__ == "__main__":
    main()
