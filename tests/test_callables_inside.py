"""Callables used inside differentiated code (issue 12, item 3), in every mode.

`sg.grad(lambda ...)` / `sg.grad(inner)` of a function defined in the differentiated one
(MAML-style second order: the lambda's reads of the enclosing scope are differentiated
too), NamedTuples constructed in the function (`P(w=..., b=...)`, `p._replace(...)`), and
classmethods and staticmethods called through the class or through `self`. Each program
is checked against central finite differences in float64 with `grad`,
`grad(checkpoints=2)`, `jvp` and `hvp` (tests/all_modes.py).
"""

from typing import NamedTuple

import numpy as np
import pytest

import s2sgrad as sg
from tests.all_modes import MODES
from tests.numeric import assert_close

X = np.array([0.4, -0.7, 1.3])
DATA = np.array([1.0, 0.5, -2.0])
LR = 0.1


def loss(w, x):
    return np.sum(np.tanh(w * x) ** 2)


# -- derivatives of local functions (MAML) ------------------------------------------------------
def maml_lambda_of_globals(w):
    g = sg.grad(lambda v: loss(v, DATA))(w)
    return loss(w - LR * g, DATA)


def maml_lambda_of_an_argument(w, batch):
    g = sg.grad(lambda v: loss(v, batch))(w)
    return loss(w - LR * g, batch)


def maml_nested_def_reads_w(w):
    def inner(v):
        return loss(v, DATA * w[0])

    return loss(w - LR * sg.grad(inner)(w), DATA)


def maml_steps_in_a_loop(w):
    for _ in range(2):
        w = w - LR * sg.grad(lambda p: loss(p, DATA * w[1]))(w)
    return loss(w, DATA)


def value_and_grad_of_a_lambda(w):
    v, g = sg.value_and_grad(lambda p, c: loss(p, DATA) * c, wrt=1)(w, w[0])
    return v * g


# -- NamedTuples constructed inside -----------------------------------------------------------------
class Params(NamedTuple):
    w: np.ndarray
    b: float = 0.5


def _predict(p, x):
    return np.tanh(p.w * x) + p.b


def namedtuple_built(x):
    p = Params(w=x * 2, b=x[0])
    q = p._replace(w=p.w + 1)
    return np.sum(q.w * q.b) + p.b


def namedtuple_positional_default(x):
    return np.sum(_predict(Params(np.sin(x)), DATA)) + np.sum(_predict(Params(b=x[1], w=x), DATA))


def namedtuple_update_loop(x):
    p = Params(w=x, b=x[2])
    for _ in range(2):
        p = Params(w=p.w - LR * p.b * DATA, b=p.b * 0.9)
    return np.sum(p.w**2) + p.b


# -- classmethods and staticmethods ----------------------------------------------------------------
class Model:
    scale = 2.0

    def __init__(self, w):
        self.w = w

    @staticmethod
    def act(v):
        return np.tanh(v)

    @classmethod
    def scaled(cls, v):
        return cls.scale * v

    def loss(self, x):
        return np.sum(self.act(self.w * x) * self.scaled(x))


def class_and_static_methods(x):
    return np.sum(Model.act(x) * Model.scaled(x))


MODEL = Model(DATA)


def methods_through_self(x):
    return MODEL.loss(x)


def apply_fn(fn, v):
    return fn(v) + 0.5 * v


def lambda_in_an_or_condition(x):
    if apply_fn(lambda u: u**2, LR) > 0.5 or x[0] > 5.0:
        x = x * 2.0
    return np.sum(apply_fn(lambda u: np.sin(u), x))


def lambda_in_a_conditional_compared(x):
    big = (apply_fn(lambda u: np.sum(u**2), x[0]) if x[0] > 0 else 1.0) > 0.3
    return np.sum(x**3) if big and apply_fn(lambda u: u * LR, x[1]) < 1.0 else np.sum(x)


PROGRAMS = [
    (lambda_in_an_or_condition, (X,)),
    (lambda_in_a_conditional_compared, (X,)),
    (maml_lambda_of_globals, (X,)),
    (maml_lambda_of_an_argument, (X, DATA)),
    (maml_nested_def_reads_w, (X,)),
    (maml_steps_in_a_loop, (X,)),
    (value_and_grad_of_a_lambda, (X,)),
    (namedtuple_built, (X,)),
    (namedtuple_positional_default, (X,)),
    (namedtuple_update_loop, (X,)),
    (class_and_static_methods, (X,)),
    (methods_through_self, (X,)),
]


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("f, args", PROGRAMS, ids=[f.__name__ for f, _ in PROGRAMS])
def test_callable_inside(f, args, mode):
    MODES[mode](f, tuple(a.copy() for a in args), wrt=(0,))


def test_a_namedtuple_result_keeps_its_class():
    """jvp and vjp of a function returning a NamedTuple it built: tangents and cotangents are Params."""

    def make(x):
        return Params(w=x * 2, b=x[0])

    value, tangent = sg.jvp(make, (X,), (np.ones(3),))
    assert isinstance(value, Params) and isinstance(tangent, Params)
    assert_close(tangent.w, 2 * np.ones(3))
    assert tangent.b == 1.0
    _, pullback = sg.vjp(make)(X)
    assert_close(pullback(Params(np.ones(3), 1.0)), [3.0, 2.0, 2.0])


def test_maml_matches_the_hand_written_second_order_gradient():
    """d/dw loss(w - lr * grad loss(w)) = (I - lr * H) grad loss(w - lr * grad loss(w))."""
    w = X.copy()
    inner = sg.grad(loss)(w, DATA)
    outer = sg.grad(loss)(w - LR * inner, DATA)
    hessian = sg.hessian(loss)(w, DATA)
    expected = outer - LR * hessian @ outer
    assert_close(sg.grad(maml_lambda_of_an_argument)(w, DATA), expected, rtol=1e-10)


# -- has_aux for vjp and jvp -------------------------------------------------------------------------
def _with_aux(x):
    y = np.sin(x) * 2
    s = 0.0
    for i in range(3):
        s = s + y[i] * x[i]
    return y * s, {"total": s, "steps": 3}


def test_vjp_has_aux():
    """(value, pullback, aux) as jax.vjp(..., has_aux=True) gives them; aux is not differentiated."""
    import pickle

    from tests.numeric import numeric_grad

    value, pullback, aux = sg.vjp(_with_aux, has_aux=True)(X)
    expected_value, expected_aux = _with_aux(X)
    assert_close(value, expected_value)
    assert aux["steps"] == 3 and np.isclose(aux["total"], expected_aux["total"])
    cotangent = np.array([0.3, -1.0, 2.0])
    want = numeric_grad(lambda x: np.sum(_with_aux(x)[0] * cotangent), [X], 0)
    assert_close(pullback(cotangent), want, rtol=1e-6)
    assert_close(pickle.loads(pickle.dumps(pullback))(cotangent), want, rtol=1e-6)


def test_jvp_has_aux():
    tangent = np.array([0.3, -1.0, 2.0])
    value, out_tangent, aux = sg.jvp(_with_aux, (X,), (tangent,), has_aux=True)
    eps = 1e-6
    want = (_with_aux(X + eps * tangent)[0] - _with_aux(X - eps * tangent)[0]) / (2 * eps)
    assert_close(value, _with_aux(X)[0])
    assert_close(out_tangent, want, rtol=1e-6)
    assert aux["steps"] == 3
