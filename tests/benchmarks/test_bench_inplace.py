"""In-place update benchmark (pytest-benchmark): a loop that fills ``u[i]``.

    u = np.zeros(n); u[0] = x
    for i in range(1, n):
        u[i] = a * u[i - 1] + np.sin(x * i)

and the gradient of ``sum(u**2) / n`` with respect to ``a`` and ``x``, at
n = 10^4 and n = 10^5 steps. The gradient's cost should grow linearly with n
(each iteration saves and restores one element, not the whole array), so the
gradient time at 10^5 should be about 10x the time at 10^4.

Skipped in the normal test run (pyproject adds ``--benchmark-skip``); run with

    python -m pytest tests/benchmarks/test_bench_inplace.py --benchmark-only

``report_inplace.py`` prints the same timings as a Markdown table.
"""

import numpy as np
import pytest

import s2sgrad as sg

SIZES = (10_000, 100_000)
A, X = 0.9, 0.3
WRT = (0, 1)


def recurrence(a, x, n):
    """A linear recurrence with a forcing term, written into a preallocated array."""
    u = np.zeros(n)
    u[0] = x
    for i in range(1, n):
        u[i] = a * u[i - 1] + np.sin(x * i)
    return np.sum(u**2) / n


def recurrence_grad_hand(a, x, n):
    """Hand-written adjoint of ``recurrence`` (reference for correctness and speed)."""
    u = np.zeros(n)
    u[0] = x
    for i in range(1, n):
        u[i] = a * u[i - 1] + np.sin(x * i)
    du = 2.0 * u / n
    da = 0.0
    dx = 0.0
    for i in range(n - 1, 0, -1):
        g = du[i]
        da += g * u[i - 1]
        dx += g * np.cos(x * i) * i
        du[i - 1] += g * a
    dx += du[0]
    return da, dx


def make_grad():
    df = sg.grad(recurrence, wrt=WRT)
    df(A, X, 10)  # the first call transforms and compiles: keep it out of the timing
    return df


@pytest.fixture(scope="module")
def grad_fn():
    return make_grad()


def test_gradient_is_right(grad_fn):
    """Not a benchmark: the timed gradient agrees with the hand-written one."""
    n = 1000
    np.testing.assert_allclose(grad_fn(A, X, n), recurrence_grad_hand(A, X, n), rtol=1e-10)


@pytest.mark.parametrize("n", SIZES)
def test_forward(benchmark, n):
    benchmark.group = f"inplace n={n}"
    benchmark(recurrence, A, X, n)


@pytest.mark.parametrize("n", SIZES)
def test_grad_s2sgrad(benchmark, grad_fn, n):
    benchmark.group = f"inplace n={n}"
    benchmark(grad_fn, A, X, n)


@pytest.mark.parametrize("n", SIZES)
def test_grad_hand(benchmark, n):
    benchmark.group = f"inplace n={n}"
    benchmark(recurrence_grad_hand, A, X, n)
