"""The reverse sweep puts back an overwritten part of an array only where it later
reads the old values: a recurrence that reads each element out as a number
(`u[i] = a * u[i - 1] + ...`) and reads the finished array only after the loop
saves and restores nothing; a loop that reads a slice it overwrites later, or an
array made before a later write, still saves and restores. Each program: the
gradient against central differences (specialised and generic code), then the
text of the specialised gradient."""

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

DT = 0.1


def recurrence(a, x, n):
    u = np.zeros(n)
    u[0] = x
    for i in range(1, n):
        u[i] = a * u[i - 1] + np.sin(x * i)
    return np.sum(u**2) / n


def grid_recurrence(a, x):
    g = np.zeros((3, 4))
    g[0, 0] = x
    for i in range(1, 3):
        for j in range(4):
            g[i, j] = a * g[i - 1, j] + np.cos(x * j)
    return np.sum(g**2)


def smoothing_reads_old_row(u0, r):
    # reads a slice (a view) and then overwrites it, but only sums and differences of it
    # and a product of r with a new array: the sweep reads no old value of u
    u = u0.copy()
    for _ in range(3):
        mid = u[1:-1]
        u[1:-1] = mid + r * (u[2:] - 2 * mid + u[:-2])
    return np.sum(u**3)


def damping_reads_old_row(u0, r):
    # the product mid * (...) reads the old row in the sweep: its part is saved
    u = u0.copy()
    for _ in range(3):
        mid = u[1:-1]
        u[1:-1] = mid * (1.0 + r * (u[2:] - 2 * mid + u[:-2]))
    return np.sum(u**3)


def reads_before_later_write(x, k):
    u = np.tanh(x)
    s = np.sum(u * u)  # u read here (its adjoint needs the values before the write)
    u[0] = k * s
    return s * np.sum(u)


def element_loop_with_view(x, a):
    u = x * 1.0
    row = u[:2]
    total = 0.0
    for i in range(1, 4):
        u[i] = a * u[i - 1] + DT
        total = total + np.sum(row ** 2)
    return total + np.sum(u)


CASES = [
    ("recurrence", recurrence, (0.9, 0.3, 40), (0, 1), False),
    ("grid_recurrence", grid_recurrence, (0.8, 0.4), (0, 1), False),
    ("smoothing_reads_old_row", smoothing_reads_old_row, (np.array([0.1, 0.5, -0.3, 0.8, 0.2]), 0.2), (0, 1), False),
    ("damping_reads_old_row", damping_reads_old_row, (np.array([0.1, 0.5, -0.3, 0.8, 0.2]), 0.2), (0, 1), True),
    ("reads_before_later_write", reads_before_later_write, (np.array([0.3, -0.4, 0.9]), 0.7), (0, 1), True),
]


def _numeric(f, args, i):
    return numeric_grad(lambda *a: f(*[v.copy() if isinstance(v, np.ndarray) else v for v in a]), list(args), i)


@pytest.mark.parametrize("name, f, args, wrt, restores", CASES, ids=[c[0] for c in CASES])
def test_restores_only_what_the_sweep_reads(name, f, args, wrt, restores):
    df = sg.grad(f, wrt=wrt)
    got = df(*args)
    for g, i in zip(got, wrt):
        assert_close(g, _numeric(f, args, i))
    generic = sg.grad(f, wrt=wrt, specialise=False) if _has_specialise_option() else None
    if generic is not None:
        for g, h in zip(generic(*args), got):
            assert_close(g, h, rtol=1e-12, atol=1e-12)
    source = sg.source(df, *args)
    assert ("saved_part" in source) == restores, source


def test_a_view_read_after_element_writes_is_refused():
    """`row` is a view of u read on every lap after u[i] is written; `row ** 2` looked
    loop-invariant and was computed once before the loop (silently wrong, value and
    gradient, on the old code). Now it stays in the loop, and the write is refused."""
    args = (np.array([0.3, -0.2, 0.5, 0.1]), 0.8)
    with pytest.raises(sg.S2SGradError, match=r"test_restores.py:\d+: this assignment into 'u' also changes row"):
        sg.grad(element_loop_with_view, wrt=(0, 1))(*args)


def _has_specialise_option():
    import inspect

    return "specialise" in inspect.signature(sg.grad).parameters
