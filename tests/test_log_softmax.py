"""The log of a softmax differentiated as log-softmax (compiler/log_softmax.py).

`np.log(e / np.sum(e, axis, keepdims=True))` with `e = np.exp(x)` becomes
`log_of_softmax(x, p, axis)`: the same value, the derivative `g - p * sum(g)` in x.
Each program as users write it (a softmax helper, in a loop, with the max shift or
without, p read elsewhere too, axis 0 / -1); the gradient against central finite
differences, specialised against generic code, and second derivatives (grad of
grad, Hessian-vector products) through the helper's own rules.
"""

import copy

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

RNG = np.random.default_rng(11)
SCALE = 0.5


def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def cross_entropy(W, X):
    p = softmax(X @ W)
    return -np.sum(Y_ONE_HOT * np.log(p)) / X.shape[0]


def in_a_loop(W, U, xs, ys):
    h = np.zeros((xs.shape[1], U.shape[0]))
    loss = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ W + h @ U)
        p = softmax(h @ W.T)
        loss = loss - np.sum(ys[t] * np.log(p))
    return loss


def unshifted_axis0(W, X):
    e = np.exp(SCALE * (X @ W))
    p = e / np.sum(e, axis=0, keepdims=True)
    return np.sum(np.log(p) ** 2)


def entropy(W, X):
    p = softmax(X @ W)  # p read by the log and by the product
    return -np.sum(p * np.log(p))


def last_axis(W, X):
    z = X @ W
    e = np.exp(z)
    s = np.sum(e, axis=-1, keepdims=True)
    return np.sum(np.log(e / s)[:, 0]) + np.sum(s)


_W, _X = RNG.standard_normal((4, 3)) * 0.7, RNG.standard_normal((5, 4))
Y_ONE_HOT = np.eye(3)[RNG.integers(0, 3, 5)]
_XS, _YS = RNG.standard_normal((3, 2, 3)), np.eye(3)[RNG.integers(0, 3, (3, 2))]
ROWS = {
    "cross entropy": (cross_entropy, (_W, _X), 0),
    "in a loop": (in_a_loop, (RNG.standard_normal((3, 4)) * 0.5, RNG.standard_normal((4, 4)) * 0.3, _XS, _YS), (0, 1)),
    "no shift, axis 0": (unshifted_axis0, (_W, _X), 0),
    "entropy": (entropy, (_W, _X), 0),
    "last axis": (last_axis, (_W, _X), 0),
}


def _leaves(g):
    return list(g) if isinstance(g, tuple) else [g]


@pytest.mark.parametrize("row", sorted(ROWS))
def test_gradient(row):
    f, args, wrt = ROWS[row]
    df = sg.grad(f, wrt=wrt)
    got = df(*copy.deepcopy(args))
    assert "log_of_softmax(" in sg.source(sg.value_and_grad(f, wrt=wrt), *args)
    for g, i in zip(_leaves(got), wrt if isinstance(wrt, tuple) else (wrt,)):
        assert_close(g, numeric_grad(f, list(args), i), rtol=1e-6, atol=1e-8)
    values, kinds = df._bind(list(copy.deepcopy(args)), {})
    generic = df._shape(df._derived(kinds).function(*values), values)
    for a, b in zip(_leaves(got), _leaves(generic)):
        assert_close(a, b, rtol=1e-12, atol=1e-14)


def test_value_is_the_users():
    vg = sg.value_and_grad(cross_entropy)
    value, _ = vg(_W, _X)
    assert value == cross_entropy(_W, _X)  # np.log(p), as the user's code computes it


def test_shift_stays_constant_and_no_chain_rule_through_the_quotient():
    source = sg.source(sg.grad(cross_entropy), _W, _X)
    assert "extremum_mask" not in source  # the max shift: zero derivative (invariance.py)
    assert "np.sum(e" not in source.split("# reverse sweep")[1]


@pytest.mark.parametrize("row", ["cross entropy", "entropy", "no shift, axis 0"])
def test_second_derivatives(row):
    f, args, _ = ROWS[row]
    v = RNG.standard_normal(args[0].shape)

    def directional(W, X):
        return np.sum(sg.grad(f)(W, X) * v)

    expected = numeric_grad(directional, list(args), 0, eps=1e-5)
    assert_close(sg.grad(directional)(*args), expected, rtol=1e-5, atol=1e-7)  # reverse over reverse
    assert_close(sg.hvp(f)(*args, v), expected, rtol=1e-5, atol=1e-7)  # forward over reverse
