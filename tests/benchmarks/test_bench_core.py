"""Core performance benchmarks (pytest-benchmark).

Skipped in the normal test run (pyproject adds ``--benchmark-skip``); run with

    OPENBLAS_NUM_THREADS=1 pytest tests/benchmarks --benchmark-only

(single-threaded BLAS keeps the numbers steady; ``report.py`` sets it itself).

Groups: one per problem (forward / s2sgrad gradient / hand-written gradient)
and ``transform`` for the compile time of a 30-line function and of each
program of the golden corpus (``tests/golden_programs.py``).
"""

import pytest

from tests.benchmarks import models
from tests.benchmarks.models import PROBLEMS
from tests.benchmarks.three_ways import three_ways
from tests.benchmarks.models import fresh_transform_setup, transform_once
from tests.golden_programs import CASES as GOLDEN

NAMES = sorted(PROBLEMS)


problem, test_forward, test_grad_s2sgrad, test_grad_hand = three_ways(PROBLEMS)


def test_transform_thirty_lines(benchmark):
    """Transform + compile + first call of the gradient of a fresh copy of a
    30-line function; the derivative's own run time on these tiny inputs is
    a few tens of microseconds."""
    benchmark.group = "transform"
    args = models.make_thirty_lines_inputs()
    transform_once(models.thirty_lines, args)  # warm imports / rule tables
    benchmark.pedantic(
        transform_once, setup=fresh_transform_setup(models.thirty_lines, args), rounds=30, iterations=1, warmup_rounds=1
    )


@pytest.mark.parametrize("label", sorted(GOLDEN))
def test_transform_golden(benchmark, label):
    """Transform + compile + first call of the gradient of a fresh copy of one
    golden program: the pinned programs cover loops, a while loop, branches and
    an inlined helper, so a pass that grows with the code shows up here too."""
    benchmark.group = "transform"
    fn, wrt, args = GOLDEN[label]
    transform_once(fn, args, wrt)
    benchmark.pedantic(
        transform_once, setup=fresh_transform_setup(fn, args, wrt), rounds=30, iterations=1, warmup_rounds=1
    )
