"""One batched product after a reversed loop for a weight every step adds to
(compiler/batch_products.py, issue 14).

Where a step's operands have at most `ROWS` rows, the reverse sweep stores them
into `(T, B, n)` buffers and adds `P_steps.reshape(-1, m).T @ Q_steps.reshape(-1, n)`
once after the loop. Each program, written as users write them, is checked
against central finite differences and against the per-step gradient (the pass
switched off); the near misses keep the per-step form and stay right.
"""

from typing import NamedTuple

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad.compiler import batch_products
from tests.numeric import assert_close, numeric_grad

HIDDEN = 6  # module constants, as a user's script has them
VOCAB = 5
TEMPERATURE = 1.5
BATCHED = "one product per weight after the loop"


class Params(NamedTuple):
    Wx: np.ndarray
    Wh: np.ndarray
    b: np.ndarray
    Wo: np.ndarray


class GRUParams(NamedTuple):
    Wz: np.ndarray
    Uz: np.ndarray
    Wr: np.ndarray
    Ur: np.ndarray
    Wc: np.ndarray
    Uc: np.ndarray
    Wo: np.ndarray


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


class CharRNN:
    """A tanh RNN language model with a softmax read-out at every step."""

    def loss(self, p, xs, ys):
        h = np.zeros((xs.shape[1], HIDDEN))
        total = 0.0
        for t in range(xs.shape[0]):
            h = np.tanh(xs[t] @ p.Wx + h @ p.Wh + p.b)
            prob = softmax(h @ p.Wo / TEMPERATURE)
            total = total - np.sum(ys[t] * np.log(prob))
        return total / (xs.shape[0] * xs.shape[1])


class TemperedRNN:
    """The same, with the temperature an attribute: the code is not keyed on the
    attribute's dtype, so it may not assume float64 (compiler/dtypes.py)."""

    def __init__(self, temperature):
        self.temperature = temperature

    def loss(self, p, xs, ys):
        h = np.zeros((xs.shape[1], HIDDEN))
        total = 0.0
        for t in range(xs.shape[0]):
            h = np.tanh(xs[t] @ p.Wx + h @ p.Wh + p.b)
            prob = softmax(h @ p.Wo / self.temperature)
            total = total - np.sum(ys[t] * np.log(prob))
        return total / (xs.shape[0] * xs.shape[1])


class CharGRU:
    def loss(self, p, xs, ys):
        h = np.zeros((xs.shape[1], HIDDEN))
        total = 0.0
        for t in range(xs.shape[0]):
            x = xs[t]
            z = sigmoid(x @ p.Wz + h @ p.Uz)
            r = sigmoid(x @ p.Wr + h @ p.Ur)
            c = np.tanh(x @ p.Wc + (r * h) @ p.Uc)
            h = (1.0 - z) * h + z * c
            prob = softmax(h @ p.Wo / TEMPERATURE)
            total = total - np.sum(ys[t] * np.log(prob))
        return total / (xs.shape[0] * xs.shape[1])


def _weights(rng, *shapes):
    return [rng.standard_normal(s) / np.sqrt(s[0]) for s in shapes]


def rnn_inputs(steps=5, batch=2, seed=0):
    rng = np.random.default_rng(seed)
    p = Params(*_weights(rng, (VOCAB, HIDDEN), (HIDDEN, HIDDEN)), 0.1 * rng.standard_normal(HIDDEN),
               *_weights(rng, (HIDDEN, VOCAB)))
    tokens = rng.integers(0, VOCAB, size=(steps + 1, batch))
    onehot = np.eye(VOCAB)[tokens]
    return p, onehot[:-1], onehot[1:]


def gru_inputs(steps=4, batch=3, seed=1):
    rng = np.random.default_rng(seed)
    shapes = [(VOCAB, HIDDEN), (HIDDEN, HIDDEN)] * 3 + [(HIDDEN, VOCAB)]
    p = GRUParams(*_weights(rng, *shapes))
    tokens = rng.integers(0, VOCAB, size=(steps + 1, batch))
    onehot = np.eye(VOCAB)[tokens]
    return p, onehot[:-1], onehot[1:]


@pytest.fixture
def per_step(monkeypatch):
    """The gradient the pass is off for: `per_step(make)` runs `make()` with ROWS = 0
    and a fresh cache (and clears the cache again after, for the tests that follow)."""

    def run(make):
        monkeypatch.setattr(batch_products, "ROWS", 0)
        sg.api._cache.clear()
        try:
            return make()
        finally:
            monkeypatch.undo()
            sg.api._cache.clear()

    return run


def _check_leaves(loss, p, rest, grad):
    """Each leaf of the gradient against central finite differences."""
    for i, leaf in enumerate(p):
        def f(x, i=i):
            return loss(p._replace(**{p._fields[i]: x}), *rest)

        assert_close(getattr(grad, p._fields[i]), numeric_grad(f, [leaf], 0), rtol=1e-6, atol=1e-9)


def _same(a, b):
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("batch", [1, 2, 8])
def test_rnn_method_with_softmax_in_the_loop_is_batched_and_right(batch, per_step):
    model = CharRNN()
    p, xs, ys = rnn_inputs(batch=batch)
    text = sg.source(sg.grad(model.loss), p, xs, ys)
    assert BATCHED in text, text
    assert "step = steps\n    for h, " in text and "step -= 1" in text, text
    assert "_steps.reshape(-1, 6).T @ " in text and "np.sum(" in text, text
    got = sg.grad(model.loss)(p, xs, ys)
    _check_leaves(model.loss, p, (xs, ys), got)
    before = per_step(lambda: (sg.source(sg.grad(model.loss), p, xs, ys), sg.grad(model.loss)(p, xs, ys)))
    assert BATCHED not in before[0], before[0]
    _same(got, before[1])


@pytest.mark.parametrize("batch", [1, 3])
def test_gru_method_is_batched_and_right(batch, per_step):
    model = CharGRU()
    p, xs, ys = gru_inputs(batch=batch)
    text = sg.source(sg.grad(model.loss), p, xs, ys)
    assert BATCHED in text, text
    assert text.count("_steps.reshape(") == 2 * 7, text  # seven weights, one product each
    got = sg.grad(model.loss)(p, xs, ys)
    _check_leaves(model.loss, p, (xs, ys), got)
    _same(got, per_step(lambda: sg.grad(model.loss)(p, xs, ys)))


def test_the_benchmark_rnn_at_one_row_is_batched(per_step):
    from tests.benchmarks import models

    args = models.make_rnn_inputs(steps=6, batch=1, n_in=3, n_hidden=4, n_out=2)
    df = sg.grad(models.rnn_loss, wrt=(0, 1, 2, 3))
    text = sg.source(df, *args)
    assert "dWh += h_steps.reshape(-1, 4).T @ dt_11_steps.reshape(-1, 4)" in text, text
    got = df(*args)
    for i in range(4):
        assert_close(got[i], numeric_grad(models.rnn_loss, args, i))
    _same(got, models.rnn_grad_hand(*args))
    _same(got, per_step(lambda: sg.grad(models.rnn_loss, wrt=(0, 1, 2, 3))(*args)))


def rnn_vectors(Wx, Wh, b, xs):
    """One sequence, column vectors (`W @ h`): the sweep adds `np.outer(dt, h)`."""
    h = np.zeros(Wh.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(Wx @ xs[t] + Wh @ h + b)
    return np.sum(h**2)


def test_a_single_sequence_of_vectors_is_batched(per_step):
    rng = np.random.default_rng(5)
    args = (rng.standard_normal((4, 3)) / 2, rng.standard_normal((4, 4)) / 2, rng.standard_normal(4),
            rng.standard_normal((6, 3)))
    df = sg.grad(rnn_vectors, wrt=(0, 1, 2))
    text = sg.source(df, *args)
    assert "dWh += dt_8_steps.T @ h_steps" in text and "db += np.sum(dt_8_steps, axis=0)" in text, text
    got = df(*args)
    for i in range(3):
        assert_close(got[i], numeric_grad(rnn_vectors, args, i))
    _same(got, per_step(lambda: sg.grad(rnn_vectors, wrt=(0, 1, 2))(*args)))


def test_jit_compiles_the_batched_loop():
    """jit=True rewrites the reversed loop's header as it does any (the slots count
    down inside the body), and Numba compiles the buffers."""
    pytest.importorskip("numba")
    from tests.benchmarks import models

    args = models.make_rnn_inputs(steps=4, batch=1, n_in=3, n_hidden=4, n_out=2)
    df = sg.grad(models.rnn_loss, wrt=(0, 1, 2, 3), jit=True)
    got = df(*args)
    assert BATCHED in df._specialised(df._values(args, {})).source
    _same(got, models.rnn_grad_hand(*args))


def test_a_loop_of_no_steps_gives_zeros():
    """The trip count is the tape's length: the code specialised for `steps` (an int)
    runs 0 steps as well as 3."""
    p, xs, ys = rnn_inputs(steps=3, batch=2)

    def loss(p, xs, steps):
        h = np.ones((xs.shape[1], HIDDEN))
        for t in range(steps):
            h = np.tanh(xs[t] @ p.Wx + h @ p.Wh + p.b)
        return np.sum(h @ p.Wo)

    df = sg.grad(loss)
    assert BATCHED in sg.source(df, p, xs, 3)
    _check_leaves(loss, p, (xs, 3), df(p, xs, 3))
    got = df(p, xs, 0)
    assert not np.any(got.Wx) and not np.any(got.Wh) and not np.any(got.b), got
    assert_close(got.Wo, np.ones((xs.shape[1], HIDDEN)).T @ np.ones((xs.shape[1], VOCAB)))


# ---------------------------------------------------------------------------
# near misses: the per-step form stays, and the gradient is right
# ---------------------------------------------------------------------------


def rnn_plain(Wx, Wh, b, xs):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return np.sum(h**2)


def rnn_decaying(Wx, Wh, b, xs):
    """The weight changes every step: its adjoint is read inside the reversed loop."""
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        Wh = 0.9 * Wh
    return np.sum(h**2)


def rnn_break(Wx, Wh, b, xs):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        if np.sum(h) > 100.0:
            break
    return np.sum(h**2)


def rnn_while(Wx, Wh, b, xs):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    t = 0
    while t < xs.shape[0]:
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        t += 1
    return np.sum(h**2)


def rnn_sequences(Wx, Wh, b, xss):
    """The time loop inside a loop over sequences."""
    total = 0.0
    for s in range(xss.shape[0]):
        h = np.zeros((xss.shape[2], Wh.shape[0]))
        for t in range(xss.shape[1]):
            h = np.tanh(xss[s, t] @ Wx + h @ Wh + b)
        total = total + np.sum(h**2)
    return total


def _plain_inputs(batch=2, steps=5, n_in=3, hidden=4, seed=2):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((n_in, hidden)) / 2,
        rng.standard_normal((hidden, hidden)) / 2,
        0.1 * rng.standard_normal(hidden),
        rng.standard_normal((steps, batch, n_in)),
    )


def _check_plain(f, args, wrt=(0, 1, 2), **options):
    df = sg.grad(f, wrt=wrt, **options)
    text = sg.source(df, *args)
    got = df(*args)
    for k, i in enumerate(wrt):
        assert_close(got[k], numeric_grad(f, args, i))
    return text


def test_the_plain_rnn_is_batched():
    """(The near misses below differ from it in one thing each.)"""
    assert BATCHED in _check_plain(rnn_plain, _plain_inputs())


def test_more_rows_than_rows_keep_the_per_step_products():
    text = _check_plain(rnn_plain, _plain_inputs(batch=batch_products.ROWS + 1))
    assert BATCHED not in text and "dWh += h.T @ " in text, text


@pytest.mark.parametrize("f", [rnn_break, rnn_while])
def test_near_misses_keep_the_per_step_products(f):
    text = _check_plain(f, _plain_inputs())
    assert BATCHED not in text, text


def test_an_adjoint_read_in_the_loop_keeps_its_per_step_products():
    """dWh is scaled every step (`dWh = dWh * 0.9`): its products stay in the loop;
    dWx's and db's, which nothing else reads, are batched."""
    text = _check_plain(rnn_decaying, _plain_inputs())
    assert "dWh += h.T @ dt_11" in text and "dWh += h_steps" not in text, text
    assert "dWx += t_7_steps.reshape(-1, 3).T @ dt_11_steps.reshape(-1, 4)" in text, text


def test_a_loop_inside_a_loop_keeps_the_per_step_products():
    Wx, Wh, b, _ = _plain_inputs()
    xss = np.random.default_rng(3).standard_normal((2, 4, 2, 3))
    text = _check_plain(rnn_sequences, (Wx, Wh, b, xss))
    assert BATCHED not in text, text


def test_a_method_reading_an_attribute_keeps_the_per_step_products():
    model = TemperedRNN(TEMPERATURE)
    p, xs, ys = rnn_inputs(batch=1)
    text = sg.source(sg.grad(model.loss), p, xs, ys)
    assert BATCHED not in text, text
    _check_leaves(model.loss, p, (xs, ys), sg.grad(model.loss)(p, xs, ys))
    _same(sg.grad(model.loss)(p, xs, ys), sg.grad(CharRNN().loss)(p, xs, ys))


def test_a_checkpointed_loop_keeps_the_per_step_products():
    text = _check_plain(rnn_plain, _plain_inputs(steps=9), checkpoints=3)
    assert BATCHED not in text and "schedule.reverse" in text, text


def test_float32_arguments_keep_the_per_step_products():
    args = tuple(a.astype(np.float32) for a in _plain_inputs())
    text = sg.source(sg.grad(rnn_plain, wrt=(0, 1, 2)), *args)
    assert BATCHED not in text, text


def test_hvp_of_a_batched_gradient_is_right():
    """Second order: the gradient differentiated again is the functional flavour
    (no `+=`), so nothing is batched there; the product is right."""
    args = _plain_inputs()
    v = np.random.default_rng(4).standard_normal(args[1].shape)
    got = sg.hvp(rnn_plain, wrt=1)(*args, v)
    dWh = sg.grad(rnn_plain, wrt=1)

    def along(s):
        return np.sum(dWh(args[0], args[1] + s * v, *args[2:]) * v)

    expected = numeric_grad(lambda s: along(s), [0.0], 0)
    assert_close(np.sum(got * v), expected, rtol=1e-5)


# ---------------------------------------------------------------------------
# the pass on generated code written out: an operand changed between two sites
# ---------------------------------------------------------------------------

ALIASED = """
def f(xs, ys):
    tape = []
    for t in range(xs.shape[0]):
        tape.append((xs[t], ys[t]))
    dW1 = np.zeros((3, 4))
    dW2 = np.zeros((3, 4))
    for x, y in reversed(tape):
        dh = y * 2.0
        g = dh[:, :]
        dW1 += x.T @ g
        dh += y
        dW2 += x.T @ g
    return dW1, dW2
"""


def _rewritten(source, shapes, adjoints):
    import gast

    from s2sgrad.compiler.codegen import to_source

    tree = gast.parse(source)
    batch_products.batch_products(tree.body[0].body, shapes.get, "np", adjoints)
    return to_source(tree.body)


def _run(source):
    space = {"np": np}
    exec(source, space)
    rng = np.random.default_rng(6)
    return space["f"](rng.standard_normal((5, 2, 3)), rng.standard_normal((5, 2, 4)))


def test_an_operand_a_write_may_change_between_two_sites_is_stored_twice():
    """`g` views `dh`, which `dh += y` changes between the two sums: the second sum
    reads the changed values, so `g` gets a slot at each site."""
    shapes = {"x": (2, 3), "y": (2, 4), "g": (2, 4), "dh": (2, 4), "dW1": (3, 4), "dW2": (3, 4)}
    text = _rewritten(ALIASED, shapes, {"g", "dh", "dW1", "dW2"})
    assert "g_steps[step] = g" in text and "g_steps2[step] = g" in text, text
    assert "x_steps2" not in text, text  # (a tape entry: its one slot serves both)
    _same(_run(text), _run(ALIASED))


def test_an_operand_made_afresh_is_stored_once():
    source = ALIASED.replace("g = dh[:, :]", "g = dh * 1.0")
    shapes = {"x": (2, 3), "y": (2, 4), "g": (2, 4), "dh": (2, 4), "dW1": (3, 4), "dW2": (3, 4)}
    text = _rewritten(source, shapes, {"g", "dh", "dW1", "dW2"})
    assert "g_steps2" not in text and BATCHED in text, text
    _same(_run(text), _run(source))
