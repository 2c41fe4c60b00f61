"""A softmax's max shift (and a log-softmax's) is a constant to the reverse sweep (compiler/invariance.py):
gradients stay right (finite differences), the mask of the maximum is gone where the
pattern is exact, and kept where the maximum is read elsewhere."""

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

RNG = np.random.default_rng(3)
Z = RNG.normal(size=(4, 5))
Y = np.eye(5)[RNG.integers(0, 5, size=4)]


def softmax_ce(z, y):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(y * np.log(p))


def softmax_helper(z):
    return np.sum(_softmax(z) @ np.arange(5.0) * np.arange(4.0))


def _softmax(v):
    e = np.exp(v - np.max(v, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_in_loop(z, y):
    total = 0.0
    h = z
    for _ in range(3):
        p = _softmax(h)
        total = total - np.sum(y * np.log(p))
        h = np.tanh(h + p)
    return total


def max_also_returned(z):
    m = np.max(z, axis=1, keepdims=True)
    e = np.exp(z - m)
    p = e / np.sum(e, axis=1, keepdims=True)
    return np.sum(p * p) + np.sum(m)  # m read elsewhere: its derivative counts


def sum_over_other_axis(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return np.sum(e / np.sum(e, axis=0, keepdims=True) * np.arange(5.0))  # not shift-invariant


def exp_read_elsewhere(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return np.sum(p**2) + np.sum(e)  # e itself depends on the shift


def log_softmax_written_out(z, y):
    shifted = z - z.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(np.sum(y * logp, axis=1))


def log_softmax_np_max(z):
    d = z - np.max(z, axis=-1, keepdims=True)
    logp = d - np.log(np.sum(np.exp(d), axis=-1, keepdims=True))
    return np.sum(logp * np.arange(5.0))


def log_softmax_shift_read_elsewhere(z):
    d = z - np.max(z, axis=1, keepdims=True)
    logp = d - np.log(np.sum(np.exp(d), axis=1, keepdims=True))
    return np.sum(logp**2) + np.sum(d)  # d itself depends on the shift


def log_of_sum_over_other_axis(z):
    d = z - np.max(z, axis=1, keepdims=True)
    return np.sum((d - np.log(np.sum(np.exp(d), axis=0, keepdims=True))) ** 2)  # not shift-invariant


ROWS = [
    (softmax_ce, (Z, Y), False),
    (log_softmax_written_out, (Z, Y), False),
    (log_softmax_np_max, (Z,), False),
    (log_softmax_shift_read_elsewhere, (Z,), True),
    (log_of_sum_over_other_axis, (Z,), True),
    (softmax_helper, (Z,), False),
    (softmax_in_loop, (Z, Y), False),
    (max_also_returned, (Z,), True),
    (sum_over_other_axis, (Z,), True),
    (exp_read_elsewhere, (Z,), True),
]


@pytest.mark.parametrize("f, args, mask", ROWS, ids=[r[0].__name__ for r in ROWS])
def test_gradient_and_mask(f, args, mask):
    df = sg.grad(f)
    got = df(*args)
    assert_close(got, numeric_grad(f, args, 0), rtol=1e-6, atol=1e-8)
    assert ("extremum_mask" in df.source) == mask, df.source


def test_specialised_softmax_code_has_no_broadcast_helpers():
    df = sg.grad(softmax_ce)
    source = df.source_for(Z, Y)
    assert "broadcast_to" not in source and "extremum_mask" not in source, source
