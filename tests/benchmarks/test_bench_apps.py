"""Application benchmarks of issue 14 (pytest-benchmark; skipped in the normal run).

    OPENBLAS_NUM_THREADS=1 pytest tests/benchmarks/test_bench_apps.py --benchmark-only

Groups: one per problem of tests/benchmarks/apps.py (forward / s2sgrad gradient /
hand-written gradient). `report_apps.py` prints the same as a table with ratios.
"""

from tests.benchmarks.apps import PROBLEMS
from tests.benchmarks.three_ways import three_ways

problem, test_forward, test_grad_s2sgrad, test_grad_hand = three_ways(PROBLEMS)
