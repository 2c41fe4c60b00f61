"""Benchmark problems for s2sgrad.

Each problem has three parts:

* the forward function, written the way a user writes plain NumPy code
  (module level, loops, branches, ``np`` calls, no classes); this is what
  ``s2sgrad.grad`` differentiates;
* a hand-written gradient, written the way a careful person writes it by hand
  (forward sweep keeping what the reverse sweep needs, then the reverse sweep);
* an input builder with a fixed seed.

All sizes come from the shapes of the input arrays (or the ``n`` argument), so
the test suite can run the same functions on small inputs.

Problems
--------
``simulate``  scalar damped oscillator with a clipped force, ``n`` Python-loop
              steps, gradient with respect to ``(k, c)``.
``mlp``       784-256-10 ReLU MLP, softmax cross-entropy, batch 256, float64,
              gradient with respect to ``(W1, b1, W2, b2)``.
``rnn``       tanh RNN, 50 steps, batch 32, input 16, hidden 64, output 10.
              The loss is the mean squared error of the read-out ``h @ Wy`` at
              the LAST step only against ``ys`` (shape ``(batch, n_out)``).
              Gradient with respect to ``(Wx, Wh, b, Wy)``.
"""

import numpy as np


# ---------------------------------------------------------------------------
# 1. Scalar loop: damped oscillator with a clipped force
# ---------------------------------------------------------------------------


def simulate(k, c, x0, n):
    x, v = x0, 0.0
    for _ in range(n):
        a = -k * x - c * v
        if abs(a) > 10.0:  # data-dependent branch
            a = 10.0 * np.sign(a)
        v = v + 0.01 * a
        x = x + 0.01 * v
    return (x - 1.0) ** 2


def simulate_grad_hand(k, c, x0, n):
    """Gradient of ``simulate`` with respect to ``(k, c)``; returns ``(dk, dc)``.

    The forward sweep is the same arithmetic as ``simulate`` and records the
    state at the start of every step and whether the force was clipped (a
    clipped force is constant, so it passes no gradient back).
    """
    xs = [0.0] * n
    vs = [0.0] * n
    clipped = [False] * n
    x, v = x0, 0.0
    for i in range(n):
        xs[i] = x
        vs[i] = v
        a = -k * x - c * v
        if abs(a) > 10.0:
            a = 10.0 * np.sign(a)
            clipped[i] = True
        v = v + 0.01 * a
        x = x + 0.01 * v

    gx = 2.0 * (x - 1.0)
    gv = 0.0
    gk = 0.0
    gc = 0.0
    for i in range(n - 1, -1, -1):
        # x_new = x + 0.01 * v_new ;  v_new = v + 0.01 * a
        gv = gv + 0.01 * gx
        if not clipped[i]:
            ga = 0.01 * gv
            # a = -k * x - c * v
            gk = gk - ga * xs[i]
            gc = gc - ga * vs[i]
            gx = gx - ga * k
            gv = gv - ga * c
    return gk, gc


def make_simulate_inputs(n=1000, seed=0):
    """``(k, c, x0, n)``: Python floats and an int. The start is far enough
    out that the force is clipped during the first steps, so both branches
    run."""
    rng = np.random.default_rng(seed)
    k = float(3.0 + 0.5 * rng.random())
    c = float(0.4 + 0.2 * rng.random())
    x0 = float(5.0 + rng.random())
    return k, c, x0, n


SIMULATE_WRT = (0, 1)


# ---------------------------------------------------------------------------
# 2. Two-layer MLP with softmax cross-entropy
# ---------------------------------------------------------------------------


def mlp_loss(W1, b1, W2, b2, X, Y):
    h = np.maximum(X @ W1 + b1, 0.0)
    z = h @ W2 + b2
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(Y * logp) / X.shape[0]


def mlp_grad_hand(W1, b1, W2, b2, X, Y):
    """Gradient of ``mlp_loss`` with respect to ``(W1, b1, W2, b2)``.

    Uses the usual ``(softmax - Y) / N`` shortcut, which assumes each row of
    ``Y`` sums to one (one-hot labels, as the benchmark uses). The max shift
    has no effect on the gradient (softmax is shift invariant) and is only
    there for stability.
    """
    n = X.shape[0]
    pre = X @ W1 + b1
    h = np.maximum(pre, 0.0)
    z = h @ W2 + b2
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)

    dz = (p - Y) / n
    dW2 = h.T @ dz
    db2 = dz.sum(axis=0)
    dh = dz @ W2.T
    dh *= pre > 0.0
    dW1 = X.T @ dh
    db1 = dh.sum(axis=0)
    return dW1, db1, dW2, db2


def make_mlp_inputs(batch=256, n_in=784, n_hidden=256, n_out=10, seed=0):
    """``(W1, b1, W2, b2, X, Y)`` in float64 with one-hot ``Y``."""
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)
    b1 = 0.1 * rng.standard_normal(n_hidden)
    W2 = rng.standard_normal((n_hidden, n_out)) / np.sqrt(n_hidden)
    b2 = 0.1 * rng.standard_normal(n_out)
    X = rng.standard_normal((batch, n_in))
    Y = np.zeros((batch, n_out))
    Y[np.arange(batch), rng.integers(0, n_out, size=batch)] = 1.0
    return W1, b1, W2, b2, X, Y


MLP_WRT = (0, 1, 2, 3)


# ---------------------------------------------------------------------------
# 3. tanh RNN, loss on the last step
# ---------------------------------------------------------------------------


def rnn_loss(Wx, Wh, b, Wy, xs, ys):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    y = h @ Wy
    return np.mean((y - ys) ** 2)


def rnn_grad_hand(Wx, Wh, b, Wy, xs, ys):
    """Gradient of ``rnn_loss`` with respect to ``(Wx, Wh, b, Wy)`` (BPTT).

    The forward sweep keeps every hidden state in a list; the reverse sweep
    accumulates the weight gradients in place step by step. (Stacking the
    per-step ``da`` and forming ``dWx`` and ``dWh`` with one large matrix
    product each was measured too: it is slower at these sizes with
    single-threaded BLAS, about 5.2 ms against 4.3 ms, so this is the version
    a careful person would keep.)
    """
    T, B, D = xs.shape
    H = Wh.shape[0]
    hs = [np.zeros((B, H))]
    for t in range(T):
        hs.append(np.tanh(xs[t] @ Wx + hs[t] @ Wh + b))
    h = hs[T]
    y = h @ Wy

    dy = (2.0 / y.size) * (y - ys)
    dWy = h.T @ dy
    dh = dy @ Wy.T
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros_like(b)
    WhT = Wh.T
    for t in range(T - 1, -1, -1):
        ht = hs[t + 1]
        da = dh * (1.0 - ht * ht)  # through tanh
        dWx += xs[t].T @ da
        dWh += hs[t].T @ da
        db += da.sum(axis=0)
        dh = da @ WhT
    return dWx, dWh, db, dWy


def make_rnn_inputs(steps=50, batch=32, n_in=16, n_hidden=64, n_out=10, seed=0):
    """``(Wx, Wh, b, Wy, xs, ys)``; ``xs`` has shape ``(steps, batch, n_in)``
    and ``ys`` shape ``(batch, n_out)``."""
    rng = np.random.default_rng(seed)
    Wx = rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)
    Wh = 0.9 * rng.standard_normal((n_hidden, n_hidden)) / np.sqrt(n_hidden)
    b = 0.1 * rng.standard_normal(n_hidden)
    Wy = rng.standard_normal((n_hidden, n_out)) / np.sqrt(n_hidden)
    xs = rng.standard_normal((steps, batch, n_in))
    ys = rng.standard_normal((batch, n_out))
    return Wx, Wh, b, Wy, xs, ys


RNN_WRT = (0, 1, 2, 3)


# ---------------------------------------------------------------------------
# A 30-line function for the transformation (compile time) benchmark
# ---------------------------------------------------------------------------


def thirty_lines(w, b, X, y, lam, n_iter):
    n = X.shape[0]
    z = X @ w + b
    p = 1.0 / (1.0 + np.exp(-z))
    eps = 1e-12
    ll = y * np.log(p + eps) + (1.0 - y) * np.log(1.0 - p + eps)
    loss = -np.sum(ll) / n
    reg = 0.0
    for i in range(w.shape[0]):
        wi = w[i]
        if wi > 0.0:
            reg = reg + lam * wi
        else:
            reg = reg - lam * wi
    s = np.tanh(w)
    smooth = np.sum(s * s)
    u = b
    for _ in range(n_iter):
        u = u - 0.1 * np.sin(u) * b
        if u > 1.0:
            u = 1.0 + np.log(u)
    q = np.exp(-0.5 * w * w)
    mix = np.sum(q * w) / (1.0 + np.sum(q))
    r = np.sqrt(np.sum(w**2) + 1.0)
    centered = z - np.mean(z)
    var = np.mean(centered**2)
    total = loss + reg + 0.01 * smooth
    total = total + 0.1 * u * u + mix / r
    total = total + 0.001 * var
    return total


def make_thirty_lines_inputs(n=8, d=4, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(d)
    b = 0.3
    X = rng.standard_normal((n, d))
    y = (rng.random(n) > 0.5).astype(np.float64)
    return w, b, X, y, 0.01, 3


THIRTY_LINES_WRT = (0, 1)


# ---------------------------------------------------------------------------
# Registry used by the benchmarks, the report and the tests
# ---------------------------------------------------------------------------

PROBLEMS = {
    "simulate": dict(
        label="simulate: scalar loop, n=1000",
        forward=simulate,
        hand=simulate_grad_hand,
        inputs=make_simulate_inputs,
        wrt=SIMULATE_WRT,
    ),
    "mlp": dict(
        label="MLP 784-256-10, batch 256", forward=mlp_loss, hand=mlp_grad_hand, inputs=make_mlp_inputs, wrt=MLP_WRT
    ),
    "rnn": dict(
        label="RNN tanh, T=50, B=32, 16-64-10",
        forward=rnn_loss,
        hand=rnn_grad_hand,
        inputs=make_rnn_inputs,
        wrt=RNN_WRT,
    ),
}


# ---------------------------------------------------------------------------
# Transformation-time helpers (shared by test_bench_core.py and report.py)
# ---------------------------------------------------------------------------


def fresh_copy(f):
    """A new function object with ``f``'s code, and s2sgrad's derivative cache emptied.

    s2sgrad caches derivatives by the function's code object (``api._code_key``: a
    function made afresh from the same source shares its derivative), so a new
    function object alone would find the old derivative; the cache is cleared so that
    the next derivative of the copy is transformed and compiled again from its source.
    """
    import types

    from s2sgrad import api

    g = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)
    g.__qualname__ = f.__qualname__
    g.__module__ = f.__module__
    api._cache.clear()
    return g


def transform_once(f, args, wrt=THIRTY_LINES_WRT):
    """Build the gradient of ``f`` and call it once (the first call transforms
    and compiles). Pass a fresh copy of ``f`` each time."""
    import s2sgrad as sg

    return sg.grad(f, wrt=wrt)(*args)


def fresh_transform_setup(f, args, wrt=THIRTY_LINES_WRT):
    """A ``setup`` for ``benchmark.pedantic``: a fresh copy of ``f`` per round."""

    def setup():
        return (fresh_copy(f), args, wrt), {}

    return setup
