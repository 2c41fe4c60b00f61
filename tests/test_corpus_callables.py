"""A corpus of programs written the way a JAX / autograd user writes them: callables
passed straight to the API (lambdas, methods, partials, library functions,
NamedTuple and dataclass parameters, has_aux), no lifting into module-level defs.
Each gradient is checked against central finite differences in float64."""

import functools
import math
import operator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad import trees
from tests.numeric import assert_close

RNG = np.random.default_rng(7)
X = RNG.normal(size=4)
A = RNG.normal(size=(4, 4))
SPD = A @ A.T + 4 * np.eye(4)
DATA = RNG.normal(size=(6, 4))
TARGET = RNG.normal(size=6)
DT = 0.05


def mse(w, X, y):
    return np.mean((X @ w - y) ** 2)


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def logsumexp(z):
    m = np.max(z)
    return m + np.log(np.sum(np.exp(z - m)))


def rk4(f, y, h):
    k1 = f(y)
    k2 = f(y + h / 2 * k1)
    k3 = f(y + h / 2 * k2)
    k4 = f(y + h * k3)
    return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def integrate(f, y0, n):
    y = y0
    for _ in range(n):
        y = rk4(f, y, DT)
    return y


class Linear:
    def __init__(self, w, b):
        self.w, self.b = w, b

    def __call__(self, x):
        return np.sum(np.tanh(self.w * x + self.b) ** 2)

    def loss(self, x, y):
        return np.sum((self.predict(x) - y) ** 2)

    def predict(self, x):
        return self.w * x + self.b


class Params(NamedTuple):
    w: np.ndarray
    b: float


@dataclass
class Net:
    W: np.ndarray
    c: np.ndarray

    def hidden(self, x):
        return np.tanh(self.W @ x + self.c)

    def out(self, x):
        return np.sum(self.hidden(x) ** 2)


@dataclass(frozen=True)
class Spring:
    k: float
    damping: float


class Osc:
    def __init__(self, spring):
        self.spring = spring

    def energy(self, state):
        x, v = state[0], state[1]
        return 0.5 * v**2 + 0.5 * self.spring.k * x**2


CUBE = lambda v: np.sum(v**3)  # noqa: E731
LIN = Linear(X * 0.5, 0.1)
NET = Net(A * 0.3, X * 0.2)
OSC = Osc(Spring(2.0, 0.1))


def nt_loss(p, x):
    return np.sum((p.w * x + p.b) ** 2)


def net_loss(net, x):
    return net.out(x) + 0.01 * np.sum(net.W**2)


def spring_sim(s, y0):
    rhs = lambda y: np.array([y[1], -s.k * y[0] - s.damping * y[1]])  # noqa: E731
    return np.sum(integrate(rhs, y0, 10) ** 2)


def euler(f, y, *params, steps=None):
    """An integrator forwarding extra parameters to the right-hand side, as users write them."""
    for _ in range(8):
        y = y + DT * f(y, *params)
    return y


def decay(y, k, c):
    return -k * y + c


def dense(x, w, **opts):
    z = w * x + opts.get("bias", 0.0)
    return np.tanh(z) if opts.get("act", "tanh") == "tanh" else z


def apply_act(x, act=np.tanh):
    return act(x)


def maml_loss(w, batch):
    xs, ys = batch
    adapted = w - 0.1 * sg.grad(lambda v: mse(v, xs, ys))(w)
    return mse(adapted, xs, ys)


def head_tail(x):
    first, *rest = x
    return first * np.sum(np.array(rest))


def lstsq_fit(M):
    coef, *_ = np.linalg.lstsq(M, X, rcond=None)
    return np.sum(coef**2)


def ends(x):
    a, *mid, b = np.split(x, 4)
    return np.sum(a * b) + np.sum(np.concatenate(mid) ** 2)


class State(NamedTuple):
    x: np.ndarray
    v: np.ndarray


def leapfrog(k, state):
    for _ in range(5):
        v = state.v - DT * k * state.x
        state = state._replace(v=v)
        state = State(x=state.x + DT * state.v, v=state.v)
    return np.sum(state.x**2) + np.sum(state.v**2)


def parse_order(x):
    try:
        order = int(OPTIONS["order"])
    except (KeyError, ValueError):
        order = 2
    return np.sum(np.abs(x) ** order)


OPTIONS = {"order": "3"}


PROGRAMS = [
    # Python forms inside the function (issue 12, item 7)
    ("starred unpack", lambda x: head_tail(x), (X,), 0),
    ("a, *mid, b", ends, (X,), 0),
    ("lstsq first, *_", lstsq_fit, (A,), 0),
    ("varargs rhs", lambda k: np.sum(euler(decay, X, k, 0.1)), (0.4,), 0),
    ("varargs lambda", lambda w: (lambda *args: mse(*args))(w, DATA, TARGET), (X,), 0),
    ("kwargs layer", lambda w: np.sum(dense(X, w, bias=0.5)) + np.sum(dense(X, w, act="id")), (X,), 0),
    ("tuple of array", lambda x: sum(v * i for i, v in enumerate(tuple(np.sin(x)))), (X,), 0),
    ("sorted list", lambda x: sum(w * v for w, v in zip([1.0, 2.0, 3.0, 4.0], sorted(list(x)))), (X,), 0),
    ("reversed list", lambda x: np.sum(np.array(list(reversed([x[0], x[1] * 2]))) * X[:2]), (X,), 0),
    ("dict get", lambda p: p.get("w", 1.0) * np.sum(X) + p.get("b", 2.0), ({"w": 0.3},), 0),
    ("dict of zip", lambda x: (lambda d: d["a"] * d["b"])(dict(zip("ab", np.cos(x[:2])))), (X,), 0),
    ("dict update", lambda p: (lambda q: np.sum(q["w"] * q["s"]))({**p, "s": 2.0}), ({"w": X},), 0),
    ("function default", lambda x: np.sum(apply_act(x)) + np.sum(apply_act(x, act=np.sin)), (X,), 0),
    ("walrus", lambda x: (n := np.sum(x**2)) * n, (X,), 0),
    ("try parses an option", parse_order, (X,), 0),
    # callables inside the function (issue 12, item 3)
    ("maml lambda", maml_loss, (X, (DATA, TARGET)), 0),
    ("namedtuple built", leapfrog, (0.7, State(X, X * 0.1)), 0),
    ("namedtuple state wrt", leapfrog, (0.7, State(X, X * 0.1)), 1),
    # lambdas straight to grad
    ("square", lambda x: np.sum(x**2), (X,), 0),
    ("sin cos", lambda x: np.sum(np.sin(x) * np.cos(2 * x)), (X,), 0),
    ("mse closure", lambda w: mse(w, DATA, TARGET), (X,), 0),
    ("mse wrt data", lambda X_: mse(np.ones(4), X_, TARGET), (DATA,), 0),
    ("logsumexp", lambda z: logsumexp(z), (X,), 0),
    ("softmax entropy", lambda z: -np.sum(softmax(z) * np.log(softmax(z))), (X,), 0),
    ("quadratic form", lambda x: x @ SPD @ x, (X,), 0),
    ("solve", lambda b: np.sum(np.linalg.solve(SPD, b) ** 2), (X,), 0),
    ("logdet", lambda M: np.linalg.slogdet(M @ M.T + np.eye(4))[1], (A,), 0),
    ("two args wrt second", lambda a, b: np.sum(a * b**3), (X, X + 2.0), 1),
    ("scalar poly", lambda t: t**4 - 3 * t**2 + t, (0.7,), 0),
    ("math functions", lambda t: math.exp(-t) * math.sin(3 * t), (0.4,), 0),
    ("conditional", lambda x: np.sum(np.where(x > 0, x**2, -x)), (X,), 0),
    ("python if", lambda t: t**2 if t > 0 else -t, (0.9,), 0),
    ("max of helper", lambda x: np.max(np.abs(x) * 2.0 + x), (X,), 0),
    ("norm", lambda x: np.linalg.norm(x), (X,), 0),
    ("outer", lambda x: np.sum(np.outer(x, x) * A), (X,), 0),
    ("cumsum", lambda x: np.sum(np.cumsum(x) ** 2), (X,), 0),
    ("sort free", lambda x: np.sum(np.tanh(x) * np.arange(4.0)), (X,), 0),
    ("ode via lambda rhs", lambda k, y0: np.sum(integrate(lambda y: -k * y, y0, 8)), (0.3, X), 0),
    ("ode initial state", lambda y0: np.sum(integrate(lambda y: -0.4 * y**3, y0, 8)), (X,), 0),
    ("nested lambdas", lambda x: np.sum((lambda u: u * np.sin(u))(x + 1.0)), (X,), 0),
    ("lambda with default", lambda x, s=2.0: np.sum(s * x**2), (X,), 0),
    ("lambda of grad", lambda x: np.sum(sg.grad(CUBE)(x) * x), (X,), 0),
    # methods, callable objects, partials
    ("bound method", LIN.loss, (X, X * 0.3), 0),
    ("bound method wrt y", LIN.loss, (X, X * 0.3), 1),
    ("callable object", LIN, (X,), 0),
    ("unbound method", Linear.loss, (LIN, X, X), 1),
    ("method via lambda", lambda x: LIN.loss(x, np.zeros(4)), (X,), 0),
    ("object in closure", lambda s: OSC.energy(np.array([s, 2 * s])), (0.6,), 0),
    ("nested attribute", OSC.energy, (np.array([0.3, -0.2]),), 0),
    ("partial data", functools.partial(mse, X=DATA, y=TARGET), (X,), 0),
    ("partial positional", functools.partial(lambda a, x: np.sum(np.exp(a * x)), 0.5), (X,), 0),
    ("partial of partial", functools.partial(functools.partial(mse, y=TARGET), X=DATA), (X,), 0),
    ("staticmethod", staticmethod(lambda x: np.sum(x**3)).__func__, (X,), 0),
    # library callables with rules
    ("np.sin", np.sin, (0.3,), 0),
    ("np.exp", np.exp, (0.3,), 0),
    ("np.log", np.log, (1.7,), 0),
    ("np.tanh", np.tanh, (0.3,), 0),
    ("np.arctan2 y", np.arctan2, (0.3, 0.8), 0),
    ("np.arctan2 x", np.arctan2, (0.3, 0.8), 1),
    ("np.sum", np.sum, (X,), 0),
    ("np.prod", np.prod, (X,), 0),
    ("np.linalg.det", np.linalg.det, (A,), 0),
    ("np.trace", np.trace, (A,), 0),
    ("np.dot", np.dot, (X, X * 2.0), 0),
    ("np.max", np.max, (X,), 0),
    ("math.sin", math.sin, (0.3,), 0),
    ("np.hypot", np.hypot, (0.3, 0.4), 1),
    ("math.atan2", math.atan2, (0.3, 0.4), 1),
    ("operator.mul", operator.mul, (2.0, 3.0), 0),
    ("operator.truediv", operator.truediv, (2.0, 3.0), 1),
    ("operator.pow", operator.pow, (2.0, 3.0), 0),
    ("abs", abs, (-0.4,), 0),
    ("logsumexp helper", logsumexp, (X,), 0),
    # containers
    ("namedtuple", nt_loss, (Params(X, 0.3), X), 0),
    ("namedtuple via lambda", lambda p: nt_loss(p, X), (Params(X, 0.3),), 0),
    ("dataclass with methods", net_loss, (NET, X), 0),
    ("dataclass wrt input", net_loss, (NET, X), 1),
    ("frozen dataclass in ode", spring_sim, (Spring(2.0, 0.1), np.array([1.0, 0.0])), 0),
    ("dict params lambda", lambda p: np.sum(p["w"] ** 2) + p["b"] ** 2, ({"w": X, "b": 0.5},), 0),
    ("list params", lambda ps: sum(np.sum(p**2) for p in ps), ([X, A],), 0),
    ("tuple params", lambda p: np.sum(np.tanh(p[0] @ X + p[1])), ((A, X),), 0),
]


def _numeric(f, args, i, eps=1e-6):
    """Central differences leaf by leaf, in the argument's structure."""

    def at(tree):
        values = list(args)
        values[i] = tree
        return float(np.sum(f(*values)))

    def leaf_grad(path, leaf):
        out = np.zeros(np.shape(leaf))
        for k in np.ndindex(np.shape(leaf)):
            moved = []
            for step in (eps, -eps):
                changed = np.array(leaf, dtype=float)
                changed[k] += step
                new = changed if isinstance(leaf, np.ndarray) else float(changed)
                moved.append(at(trees.with_leaf(args[i], path, new)))
            out[k] = (moved[0] - moved[1]) / (2 * eps)
        return out if isinstance(leaf, np.ndarray) else float(out)

    return trees.map_leaves(leaf_grad, args[i])


@pytest.mark.parametrize("f, args, wrt", [p[1:] for p in PROGRAMS], ids=[p[0] for p in PROGRAMS])
def test_corpus(f, args, wrt):
    g = sg.grad(f, wrt=wrt)(*args)
    expected = _numeric(f, args, wrt)
    assert type(g) is type(expected)
    for (_, a), (_, e) in zip(trees.leaves(g), trees.leaves(expected)):
        assert_close(a, e, rtol=1e-5, atol=1e-7)


def test_corpus_size():
    assert len(PROGRAMS) >= 60


def test_training_loop_with_a_fresh_lambda_each_step():
    w = np.zeros(4)
    batches = [(DATA[k : k + 3], TARGET[k : k + 3]) for k in range(0, 6, 3)]
    for epoch in range(3):
        for xb, yb in batches:
            w = w - 0.1 * sg.grad(lambda w: mse(w, xb, yb))(w)
    reference = np.zeros(4)
    g = sg.grad(mse)
    for epoch in range(3):
        for xb, yb in batches:
            reference = reference - 0.1 * g(reference, xb, yb)
    assert_close(w, reference)


def test_has_aux_in_a_loop():
    def step(w, x):
        pred = np.tanh(w * x)
        return np.sum(pred**2), pred

    (value, pred), g = sg.value_and_grad(step, has_aux=True)(X, X)
    assert_close(pred, np.tanh(X * X))
    assert_close(g, _numeric(lambda w, x: step(w, x)[0], (X, X), 0), rtol=1e-5)
