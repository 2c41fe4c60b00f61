"""Lists and tuples joined with + and repeated with * (found by the fuzzer, families F4 and F13).

On lists, `+` joins and `*` repeats: `np.stack([v] * 3)` has three rows that are
each `v`, and `np.array([a, b] + [0.5] * (n - 2))` is one list. Each row is
checked in reverse mode, forward mode and second order against finite differences.
"""
import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

def repeated_rows(v):
    return np.sum(np.sin(np.stack([v] * 3)[0])) + np.sum(np.stack([v] * 2) ** 2)


def repeated_left(v):
    rows = 2 * [v, v ** 2]
    return np.sum(rows[3] * rows[0])


def joined_literal(v):
    s = np.array([-0.1, v[0]] + [0.5])
    return np.mean(s ** 2) + np.sum(v)


def padded_to_n(v):
    s = np.array([v[1], np.sum(v)] + [0.5] * (3 - 2))
    return np.sum(np.sin(s) * v)


def joined_tuples(v):
    t = (v[0], v[1]) + (v[0] * v[2],)
    return t[0] * t[1] + t[2] ** 2


def repeated_in_loop(v):
    total = 0.0
    for i in range(2):
        rows = [v * i, v] * 2
        total = total + np.sum(np.stack(rows) ** 2)
    return total


def written_after_join(v):
    a = np.array([v[0], v[1]] + [v[2]] * 2)
    a[1] *= 3.0
    return np.sum(a ** 2)


ROWS = [repeated_rows, repeated_left, joined_literal, padded_to_n, joined_tuples, repeated_in_loop, written_after_join]
V = np.array([0.3, -0.7, 0.45])


@pytest.mark.parametrize("f", ROWS, ids=lambda f: f.__name__)
def test_gradient(f):
    assert_close(sg.grad(f)(V.copy()), numeric_grad(f, (V.copy(),), 0), rtol=1e-6)


@pytest.mark.parametrize("f", ROWS, ids=lambda f: f.__name__)
def test_forward(f):
    t = np.array([0.2, 1.0, -0.5])
    _, tangent = sg.jvp(f, (V.copy(),), (t,))
    assert_close(tangent, np.dot(numeric_grad(f, (V.copy(),), 0), t), rtol=1e-6)


@pytest.mark.parametrize("f", ROWS, ids=lambda f: f.__name__)
def test_hvp(f):
    t = np.array([0.2, 1.0, -0.5])
    g = sg.grad(f)
    expected = (g(V + 1e-5 * t) - g(V - 1e-5 * t)) / 2e-5
    assert_close(sg.hvp(f)(V.copy(), t), expected, rtol=1e-5, atol=1e-7)


def test_source_is_one_literal():
    assert "[v, v, v]" in sg.grad(repeated_rows).source
