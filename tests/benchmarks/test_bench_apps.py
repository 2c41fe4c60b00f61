"""Application benchmarks of issue 14 (pytest-benchmark; skipped in the normal run).

    OPENBLAS_NUM_THREADS=1 pytest tests/benchmarks/test_bench_apps.py --benchmark-only

Groups: one per problem of tests/benchmarks/apps.py (forward / s2sgrad gradient /
hand-written gradient). `report_apps.py` prints the same as a table with ratios.
"""

import pytest

import s2sgrad as sg
from tests.benchmarks.apps import PROBLEMS


@pytest.fixture(scope="module", params=sorted(PROBLEMS))
def problem(request):
    p = PROBLEMS[request.param]
    args = p["inputs"]()
    df = sg.grad(p["forward"], wrt=p["wrt"])
    df(*args)  # the first call transforms and compiles: keep it out of the timing
    return request.param, p, args, df


def test_forward(benchmark, problem):
    name, p, args, _ = problem
    benchmark.group = name
    benchmark(p["forward"], *args)


def test_grad_s2sgrad(benchmark, problem):
    name, p, args, df = problem
    benchmark.group = name
    benchmark(df, *args)


def test_grad_hand(benchmark, problem):
    name, p, args, _ = problem
    benchmark.group = name
    benchmark(p["hand"], *args)
