"""Values nothing reads but their own updates (`compiler/dead_sums.py`): a gradient
that does not return the loss does not compute it. A loop that carries the loss beside
its state hands both on in one statement (`h, loss = (h_2, loss_1)`); only the loss's
part of it goes. Runtime helpers without effects (`log_of_softmax`) may go with it;
anything else that might have an effect stays."""

import re

import gast
import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad.compiler.cleanup import drop_dead_temporaries, drop_empty_range_loops
from s2sgrad.compiler.dead_sums import drop_dead_sums
from tests.numeric import assert_close, numeric_grad


def _dropped(source, temps, functions=()):
    body = gast.parse(source).body
    drop_dead_sums(body, set(temps), {"np", "math"}, set(functions))
    drop_dead_temporaries(body, set(temps))  # (what runs next in compiler/tidy.py)
    return gast.unparse(gast.Module(body, [])).strip()


ROWS = [
    # source, names that may go, pure helpers, what is left
    (
        "loss = 0.0\nfor t in range(3):\n    loss_1 = loss - np.sum(y * np.log(p))\n    h, loss = (h_2, loss_1)\nr = h",
        {"loss", "loss_1", "h"},
        (),
        "for t in range(3):\n    h = h_2\nr = h",
    ),
    (
        "s = 0.0\nfor t in range(3):\n    s_1 = s + log_of_softmax(z, p, axis=1)\n    a, b, s = (b, a, s_1)\nr = a + b",
        {"s", "s_1", "a", "b"},
        {"log_of_softmax"},
        "for t in range(3):\n    a, b = (b, a)\nr = a + b",
    ),
    # an unread item of a tuple binding reads a dropped value: it goes too
    (
        "d = 0.0\nfor t in range(3):\n    d_1 = d + 1.0\n    h, d = (h_2, d_1)\nr, r_dot = (h, d)\nuse(r)",
        {"d", "d_1", "h", "r", "r_dot"},
        (),
        "for t in range(3):\n    h = h_2\nr = h\nuse(r)",
    ),
    # a call that might have an effect keeps the sum
    (
        "s = 0.0\nfor t in range(3):\n    s_1 = s + draw(z)\n    h, s = (h_2, s_1)\nr = h",
        {"s", "s_1", "h"},
        {"log_of_softmax"},
        "s = 0.0\nfor t in range(3):\n    s_1 = s + draw(z)\n    h, s = (h_2, s_1)\nr = h",
    ),
    # read after the loop: kept
    (
        "s = 0.0\nfor t in range(3):\n    s_1 = s + np.sum(z)\n    h, s = (h_2, s_1)\nr = h + s",
        {"s", "s_1", "h"},
        (),
        "s = 0.0\nfor t in range(3):\n    s_1 = s + np.sum(z)\n    h, s = (h_2, s_1)\nr = h + s",
    ),
]


@pytest.mark.parametrize("source, temps, functions, expected", ROWS)
def test_drop_dead_sums(source, temps, functions, expected):
    assert _dropped(source, temps, functions) == expected


def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


STEPS = 4


def rnn_step(h, x, W, U):
    return np.tanh(x @ W + h @ U)


def char_model_loss(W, U, V, xs, ys):
    """A character model as users write it: a helper called with keywords, a module
    constant for the steps, a softmax cross-entropy summed at every step."""
    h = np.zeros((xs.shape[1], U.shape[0]))
    total = 0.0
    for t in range(STEPS):
        h = rnn_step(h, xs[t], W=W, U=U)
        p = softmax(h @ V)
        total = total - np.sum(ys[t] * np.log(p))
    return total / STEPS


def _inputs(seed=3):
    rng = np.random.default_rng(seed)
    W, U, V = rng.normal(size=(5, 6)) * 0.4, rng.normal(size=(6, 6)) * 0.3, rng.normal(size=(6, 5)) * 0.5
    xs = np.eye(5)[rng.integers(0, 5, size=(STEPS, 3))]
    ys = np.eye(5)[rng.integers(0, 5, size=(STEPS, 3))]
    return W, U, V, xs, ys


def test_a_gradient_does_not_compute_the_loss_it_does_not_return():
    args = _inputs()
    df = sg.grad(char_model_loss, wrt=(0, 1, 2))
    code = "\n".join(line for line in sg.source(df, *args).splitlines() if not line.strip().startswith("#"))
    assert "log_of_softmax" not in code and "np.log(" not in code and not re.search(r"\btotal\b", code), code
    for k, g in enumerate(df(*args)):
        assert_close(g, numeric_grad(char_model_loss, list(args), k), rtol=1e-6)


def test_value_and_grad_keeps_the_loss():
    args = _inputs(4)
    value, grads = sg.value_and_grad(char_model_loss, wrt=(0, 1, 2))(*args)
    assert value == pytest.approx(char_model_loss(*args), rel=1e-12)
    for k, g in enumerate(grads):
        assert_close(g, numeric_grad(char_model_loss, list(args), k), rtol=1e-6)


EMPTY_LOOP_ROWS = [
    ("for i in range(n - 1, -1, -1):\n    pass\nfor i in range(n):\n    use(i)", "for i in range(n):\n    use(i)"),
    # the index read after the loop (its last value), or a range with a call in it: kept
    ("for i in range(n):\n    pass\nuse(i)", "for i in range(n):\n    pass\nuse(i)"),
    ("for i in range(f(n)):\n    pass", "for i in range(f(n)):\n    pass"),
]


@pytest.mark.parametrize("source, expected", EMPTY_LOOP_ROWS)
def test_empty_range_loops(source, expected):
    body = gast.parse(source).body
    drop_empty_range_loops(body)
    assert gast.unparse(gast.Module(body, [])).strip() == expected


DECAY = 0.5


def halving_sums(x):
    """Two loops over one array, the second a decaying sum the gradient reads only backwards."""
    s = 0.0
    for i in range(0, x.shape[0], 2):
        s = s + x[i] * (i + 1)
    for i in range(x.shape[0] - 1, -1, -1):
        s = s * DECAY + x[i]
    return s


def test_a_forward_loop_left_with_nothing_to_do_goes():
    x = np.array([0.3, -1.2, 0.8, 2.0, -0.4])
    df = sg.grad(halving_sums)
    code = sg.source(df, x)
    assert not any(line.strip() == "pass" for line in code.splitlines()), code
    assert_close(df(x), numeric_grad(halving_sums, [x], 0), rtol=1e-7)
