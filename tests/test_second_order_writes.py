"""Second order through code that writes in place: hessian, hvp and grad(grad) against
central differences of the gradient, for the programs whose second order was refused
while the gradient it differentiates reused buffers (issue 11, scope 4). That gradient
is now generated in its functional flavour (docs/internals.md, "Second order"); the
first-order gradient keeps its buffer reuse (tests/test_golden.py).
"""

import copy

import numpy as np
import pytest
from scipy.special import logsumexp
from hypothesis import given, settings, strategies as st

import s2sgrad as sg
from s2sgrad.api import _kinds
from tests.numeric import assert_close

DT = 0.05
DAMPING = 0.9
EPS = 1e-6


def heat(u0, k):
    u = u0 * 1.0
    for _ in range(4):
        u[1:-1] += DT * k * (u[2:] - 2.0 * u[1:-1] + u[:-2])
    return np.sum(u**2) + np.sum(np.sin(u))


def sliding_state(x, w):
    state = np.zeros(6)
    state[:3] = x
    for i in range(3):
        state[i + 1 : i + 4] = np.tanh(w * state[i : i + 3]) + 0.1 * state[i + 1 : i + 4]
    return np.sum(state**2)


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def softmax_rows(h, W):
    probs = np.zeros((3, 4))
    for t in range(3):
        probs[t] = softmax(W @ h)
        h = np.tanh(h + probs[t])
    return np.sum(np.log(probs[:, 0])) + np.sum(h**2)


def damp(v, c=0.5):
    v[0] *= c
    v[-1] *= c


def damped(x, c):
    y = np.sin(x) * c
    for _ in range(2):
        damp(y, c=DAMPING)
        y = y + 0.1 * np.cos(y)
    return np.sum(y**3)


def history(x):
    seen = []
    y = x
    for i in range(4):
        y = np.tanh(y * (i + 1.0))
        seen.append(y)
    return sum(np.sum(h**2) for h in seen) + np.sum(seen[-1] * seen[0])


def table_entries(x):
    table = {"a": np.sin(x), "b": x**2}
    for _ in range(2):
        table["a"] = table["a"] * table["b"] + 0.1
        table["b"] = np.cos(table["a"])
    return np.sum(table["a"] * table["b"])


def early_exit(x, y):
    """F55: the first pass returns before its masked write (the reciprocal reads h after)."""
    h = np.reciprocal(1.5 + x)
    k = 0
    while k < 3:
        if np.sum(y) > -1.0:
            return np.mean(h)
        h[h > 0.5] -= y[0]
        k += 1
    return np.sum(h)


def clip_large(v, c=DAMPING):
    v[v > 0.4] *= c


def damped_energy(x, y):
    """F55: a helper writes from the second pass on; the passes read h only for its shape."""
    h = np.exp(x * y)
    energy = 0.0
    for i in range(3):
        energy = energy + y * np.sum(h)
        if i >= 1:
            clip_large(h, c=0.7)
    return energy + np.sum(h * x)


def lse_rows(W, b):
    """F57: nested loops returning early around item writes into logsumexp rows."""
    for epoch in range(2):
        r = logsumexp(W + b, axis=1)
        for j in range(3):
            if j == epoch:
                return np.sum(r)
            r[j] = r[j] - np.mean(b)
    return 0.0


W4 = np.array([[0.5, -0.3, 0.2, 0.1], [0.0, 0.4, -0.6, 0.3], [0.7, 0.1, 0.2, -0.4], [-0.2, 0.3, 0.5, 0.6]])

CASES = [
    (heat, (np.array([0.0, 0.3, 0.9, 0.4, 0.1, 0.0]), 0.7)),
    (sliding_state, (np.array([0.4, -0.2, 0.7]), 1.3)),
    (softmax_rows, (np.array([0.2, -0.5, 0.9, 0.1]), W4)),
    (damped, (np.array([0.3, 1.1, -0.4, 0.8]), 1.2)),
    (history, (np.array([0.3, -0.6, 0.9]),)),
    (table_entries, (np.array([0.3, -0.6, 0.9]),)),
    (early_exit, (np.array([0.3, -0.8, 0.9]), np.array([0.4, -0.2, 0.1]))),
    (damped_energy, (np.array([0.3, -0.8, 0.9]), 1.2)),
    (lse_rows, (np.array([[0.2, -0.4, 0.5], [0.7, 0.1, -0.3], [-0.6, 0.9, 0.2]]), np.array([0.5, -1.2, 0.8]))),
]


def _fd_hessian(fn, args, wrt):
    """Central differences of the gradient, one column per element of args[wrt]."""
    df = sg.grad(fn, wrt=wrt)
    x = np.asarray(args[wrt], dtype=float)
    columns = []
    for index in np.ndindex(x.shape):
        bumped = []
        for step in (EPS, -EPS):
            a = [copy.deepcopy(v) for v in args]
            y = x.copy()
            y[index] += step
            a[wrt] = y if np.ndim(args[wrt]) else float(y)
            bumped.append(np.asarray(df(*a), dtype=float))
        columns.append((bumped[0] - bumped[1]) / (2 * EPS))
    return np.stack(columns, axis=-1).reshape(x.shape + x.shape)


@pytest.mark.parametrize("fn, args", CASES, ids=lambda v: getattr(v, "__name__", None))
def test_hessian_matches_differences_of_the_gradient(fn, args):
    H = sg.hessian(fn)(*copy.deepcopy(args))
    expected = _fd_hessian(fn, args, 0)
    assert_close(H, expected, rtol=1e-5, atol=1e-7)
    n = np.size(args[0])
    assert_close(np.reshape(H, (n, n)), np.reshape(H, (n, n)).T, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("fn, args", CASES, ids=lambda v: getattr(v, "__name__", None))
def test_hvp_of_every_argument_matches_differences(fn, args):
    """hvp with a tuple wrt: each block against differences of the gradient along v."""
    wrt = tuple(range(len(args)))
    rng = np.random.default_rng(7)
    v = tuple(rng.uniform(-1.0, 1.0, np.shape(a)) if np.ndim(a) else 0.6 for a in args)
    got = sg.hvp(fn, wrt)(*copy.deepcopy(args), v)
    df = sg.grad(fn, wrt=wrt)
    plus = df(*[a + EPS * t for a, t in zip(args, v)])
    minus = df(*[a - EPS * t for a, t in zip(args, v)])
    for g, p, m in zip(got, plus, minus):
        assert_close(g, (np.asarray(p) - np.asarray(m)) / (2 * EPS), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("fn, args", CASES[-3:], ids=lambda v: getattr(v, "__name__", None))
def test_jvp_of_the_gradient_matches_differences(fn, args):
    """Forward over reverse by hand: jvp of grad(f) along v for the first argument."""
    v = np.linspace(-1.0, 1.0, np.size(args[0])).reshape(np.shape(args[0]))
    df = sg.grad(fn)
    zeros = tuple(np.zeros_like(np.asarray(a, dtype=float)) for a in args[1:])
    _, got = sg.jvp(df, copy.deepcopy(args), (v,) + zeros)
    rest = args[1:]
    assert_close(got, (df(args[0] + EPS * v, *rest) - df(args[0] - EPS * v, *rest)) / (2 * EPS), rtol=1e-5, atol=1e-7)


def _heat_scalar(k):
    return heat(np.array([0.0, 0.3, 0.9, 0.4, 0.1, 0.0]), k)


def test_grad_of_grad_through_the_heat_equation():
    second = sg.grad(sg.grad(_heat_scalar))(0.7)
    df = sg.grad(_heat_scalar)
    assert_close(second, (df(0.7 + EPS) - df(0.7 - EPS)) / (2 * EPS), rtol=1e-5)


def inner_step(w, x):
    w = w * 1.0
    w[0] -= 0.1 * np.sum(np.tanh(w * x))
    return np.sum((w * x - 0.5) ** 2)


def maml(w, x):
    """A gradient step inside the differentiated function (inlined: functional flavour)."""
    adapted = w - 0.3 * sg.grad(inner_step)(w, x)
    return inner_step(adapted, x)


def test_grad_inside_differentiated_code_that_writes():
    w, x = np.array([0.4, -0.3, 0.8]), np.array([1.0, 0.5, -0.7])
    got = sg.grad(maml)(w, x)
    expected = np.array([(maml(w + EPS * e, x) - maml(w - EPS * e, x)) / (2 * EPS) for e in np.eye(3)])
    assert_close(got, expected, rtol=1e-5, atol=1e-8)


def reaction(u0, k):
    """The heat equation with a reaction term: the update's product reads the old row."""
    u = u0 * 1.0
    for _ in range(4):
        u[1:-1] += DT * k * u[1:-1] * (u[2:] - 2.0 * u[1:-1] + u[:-2])
    return np.sum(u**2) + np.sum(np.sin(u))


def test_the_functional_flavour_restores_nothing_in_place():
    """The gradient made to be differentiated again keeps old arrays by name; the
    first-order gradient still saves and restores the overwritten parts its sweep reads."""
    args = (np.array([0.0, 0.3, 0.9, 0.4, 0.1, 0.0]), 0.7)
    df = sg.grad(reaction, wrt=(0, 1))
    assert_close(df(*args)[1], (reaction(args[0], 0.7 + EPS) - reaction(args[0], 0.7 - EPS)) / (2 * EPS))
    first = sg.source(df, *args)
    again = df._derived(_kinds(args, df.wrt), again=True).source
    assert "saved_part" in first and "u[1:-1] = saved" in first
    assert "saved_part" not in again and "restore_part" not in again
    assert "u = u.copy()" in again and "u = before" in again
    assert "du += " not in again


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(-1.0, 1.0), min_size=4, max_size=7), st.floats(0.2, 1.5))
def test_hvp_of_the_heat_equation_for_any_initial_state(values, k):
    u0 = np.array(values)
    v = np.linspace(-1.0, 1.0, len(values))
    got = sg.hvp(heat)(u0, k, v)
    df = sg.grad(heat)
    assert_close(got, (df(u0 + EPS * v, k) - df(u0 - EPS * v, k)) / (2 * EPS), rtol=1e-4, atol=1e-6)
