"""Code specialised on the leaves of container arguments (compiler/leaves.py).

A model whose parameters come in a NamedTuple, a dict, a dataclass or a list of
dicts gets the same code as with bare arrays once a call shows the leaves'
shapes: each item read once at the top, no `unbroadcast`/`shape_of`/`add_at`,
the gradient built as a literal. Each program: specialised and generic code agree,
and both agree with central finite differences, leaf by leaf.
"""

import copy
import dataclasses
from typing import NamedTuple

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad import trees
from tests.numeric import assert_close, numeric_grad

RNG = np.random.default_rng(7)
T, B, NIN, H = 4, 3, 2, 5
DT = 0.1


class MLP(NamedTuple):
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray


class RNN(NamedTuple):
    Wx: np.ndarray
    Wh: np.ndarray
    b: np.ndarray


@dataclasses.dataclass
class Decay:
    k: np.ndarray
    scale: float


def mlp(p, x, y):
    h = np.tanh(x @ p.W1 + p.b1)
    o = h @ p.W2 + p.b2
    return np.mean((o - y) ** 2)


def mlp_dict(p, x, y):
    h = np.tanh(x @ p["W1"] + p["b1"])
    return np.mean((h @ p["W2"] + p["b2"] - y) ** 2)


def rnn(p, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ p.Wx + h @ p.Wh + p.b)
    return np.sum(h**2)


def step(p, u):
    return u - DT * p.k * u  # (a helper reading the container again)


def decay(p, u0):
    u = u0
    for _ in range(5):
        u = step(p, u) * p.scale
    return np.sum(u**2)


def layers(p, x):
    h = x
    for i in range(2):
        h = np.tanh(h @ p["layers"][i]["W"] + p["layers"][i]["b"])
    return np.sum(h) + np.sum(p["out"] ** 2)


def partly_read(p, x):
    return np.sum(x * p[-1])  # p[0] is never read: its gradient is zeros


def whole(p, x):
    W, b = p  # the container is used whole: generic handling, still right
    return np.sum(np.tanh(x @ W + b))


def _mlp_params():
    return MLP(RNG.normal(size=(NIN, H)), RNG.normal(size=H), RNG.normal(size=(H, 2)), RNG.normal(size=2))


ROWS = {
    "namedtuple-mlp": (mlp, (_mlp_params(), RNG.normal(size=(B, NIN)), RNG.normal(size=(B, 2)))),
    "dict-mlp": (mlp_dict, (dict(_mlp_params()._asdict()), RNG.normal(size=(B, NIN)), RNG.normal(size=(B, 2)))),
    "namedtuple-rnn": (
        rnn,
        (
            RNN(RNG.normal(size=(NIN, H)), RNG.normal(size=(H, H)) * 0.5, RNG.normal(size=H)),
            RNG.normal(size=(T, B, NIN)),
            RNG.normal(size=(B, H)),
        ),
    ),
    "dataclass-decay": (decay, (Decay(RNG.uniform(0.5, 1.5, size=3), 0.9), RNG.normal(size=3))),
    "nested-layers": (
        layers,
        (
            {
                "layers": [{"W": RNG.normal(size=(NIN, NIN)), "b": RNG.normal(size=NIN)} for _ in range(2)],
                "out": RNG.normal(size=3),
            },
            RNG.normal(size=(B, NIN)),
        ),
    ),
    "tuple-partly-read": (partly_read, ((RNG.normal(size=3), RNG.normal(size=3)), RNG.normal(size=3))),
    "tuple-whole": (whole, ((RNG.normal(size=(NIN, H)), RNG.normal(size=H)), RNG.normal(size=(B, NIN)))),
}


def _fd(f, args):
    """Finite differences of f w.r.t. every leaf of args[0], in its structure."""

    def leaf_grad(path, leaf):
        def at(v):
            return f(trees.with_leaf(args[0], path, v), *args[1:])

        return numeric_grad(at, (leaf,), 0)

    return trees.map_leaves(leaf_grad, args[0])


def _pairs(a, b):
    return zip([leaf for _, leaf in trees.leaves(a)], [leaf for _, leaf in trees.leaves(b)])


@pytest.mark.parametrize("name", ROWS)
def test_specialised_generic_and_finite_differences_agree(name):
    f, args = ROWS[name]
    df = sg.grad(f)
    specialised = df(*copy.deepcopy(args))
    assert type(specialised) is type(args[0])
    values, kinds = df._bind(list(copy.deepcopy(args)), {})
    generic = df._shape(df._derived(kinds).function(*api_values(values, df.wrt)), values)
    for a, b in _pairs(specialised, generic):
        assert np.shape(a) == np.shape(b)
        assert_close(a, b, rtol=1e-10, atol=1e-12)
    for a, b in _pairs(specialised, _fd(f, args)):
        assert_close(a, b, rtol=1e-5, atol=1e-7)


def api_values(values, wrt):
    from s2sgrad import api

    return api._for_code(values, wrt)


SHAPE_HELPERS = ("unbroadcast", "matmul_lhs", "matmul_rhs", "unreduce", "reduce_count")


@pytest.mark.parametrize("name", ["namedtuple-mlp", "dict-mlp", "namedtuple-rnn", "dataclass-decay"])
def test_specialised_source_has_no_container_bookkeeping(name):
    f, args = ROWS[name]
    source = sg.grad(f).source_for(*args)
    for helper in SHAPE_HELPERS + ("shape_of", "add_at", "zeros_like(p)"):
        assert helper not in source, (helper, source)
    generic = sg.grad(f).generic_source_for(*args)
    assert "add_at" in generic or "+= " in generic  # (what the split saves)


def test_items_of_a_list_read_by_a_loop_index_have_known_shapes():
    """`p["layers"][i]["W"]`: the layers' adjoints are still filled by index, but the
    arithmetic on them is specialised."""
    f, args = ROWS["nested-layers"]
    source = sg.grad(f).source_for(*args)
    for helper in SHAPE_HELPERS:
        assert helper not in source, (helper, source)


def test_rnn_reads_each_parameter_once_before_the_loop():
    f, args = ROWS["namedtuple-rnn"]
    source = sg.grad(f).source_for(*args)
    loop = source.index("for t in range")
    for index in ("p[0]", "p[1]", "p[2]"):
        assert source.count(index) == 1 and source.index(index) < loop, source
    assert "tape.append((h, h_1, t_" in source  # the tape keeps values only, no parameter


def test_new_leaf_shapes_are_a_new_specialisation():
    df = sg.grad(mlp)
    for hidden in (4, 6, 4):
        p = MLP(
            RNG.normal(size=(NIN, hidden)), RNG.normal(size=hidden), RNG.normal(size=(hidden, 2)), RNG.normal(size=2)
        )
        x, y = RNG.normal(size=(B, NIN)), RNG.normal(size=(B, 2))
        got = df(p, x, y)
        assert f"({B}, {hidden})" in df.source or f"{B * 2}" in df.source
        for a, b in _pairs(got, _fd(mlp, (p, x, y))):
            assert_close(a, b, rtol=1e-5, atol=1e-7)


def test_value_and_grad_and_vjp_of_a_split_container():
    f, args = ROWS["namedtuple-rnn"]
    value, g = sg.value_and_grad(f)(*args)
    assert_close(value, f(*args))
    out, pullback = sg.vjp(f)(*args)
    assert_close(out, value)
    back = pullback(1.0)
    back = back[0] if isinstance(back, tuple) and not isinstance(back, RNN) else back
    for a, b in _pairs(back, g):
        assert_close(a, b, rtol=1e-10, atol=1e-12)
