"""Lambdas and nested defs inside differentiated code: passed to helpers, assigned to
a local and called, closures over the enclosing function's names with Python's
late binding; first order against finite differences, second order (hvp of a
function whose body holds a lambda) against differences of the gradient."""

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

DT = 0.1
X = np.array([0.4, -0.3, 0.9])


def rk4_step(f, t, y, h):
    k1 = f(t, y)
    k2 = f(t + h / 2, y + h / 2 * k1)
    k3 = f(t + h / 2, y + h / 2 * k2)
    k4 = f(t + h, y + h * k3)
    return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def apply_twice(f, x):
    return f(f(x))


def lambda_to_rk4(y0):
    y = y0
    for i in range(5):
        y = rk4_step(lambda t, y: -0.5 * y + np.sin(t), i * DT, y, h=DT)
    return np.sum(y**2)


def lambda_reads_loop_variable(x):
    total = 0.0
    for k in range(3):
        scale = lambda v: v * (k + 1.0)  # noqa: E731
        total = total + np.sum(scale(x) ** 2)
    return total


def lambda_assigned_and_called(x):
    sq = lambda v: v * v  # noqa: E731
    return np.sum(sq(x) + sq(np.sin(x)))


def late_binding(x):
    c = 1.0
    f = lambda v: v * c  # noqa: E731
    c = 3.0  # Python reads c when f is called
    return np.sum(f(x))


def nested_def_closure(w):
    bias = 0.5

    def layer(v, scale=2.0):
        h = np.tanh(w * v + bias)
        return scale * h

    return np.sum(layer(X) + layer(X, scale=0.5))


def nested_def_with_loop_and_early_return(x):
    def clipped_sum(v):
        out = 0.0
        for e in v:
            if e > 10.0:
                return out
            out = out + e**2
        return out

    return clipped_sum(x * 2.0)


def nested_helper_calls_nested(x):
    def inner(v):
        return np.exp(-v) * v

    def outer(v):
        return inner(v) + inner(2.0 * v)

    return np.sum(outer(x))


def lambda_through_two_helpers(x):
    return np.sum(apply_twice(lambda v: np.sin(v) * x, x))


def default_captures_loop_value(x):
    total = 0.0
    for k in range(3):
        f = lambda v, k=k: v ** (k + 1)  # noqa: E731
        total = total + np.sum(f(x))
    return total


def lambda_in_lambda(x):
    g = lambda v: (lambda u: u * v)(v + 1.0)  # noqa: E731
    return np.sum(g(x))


PROGRAMS = [
    lambda_to_rk4,
    lambda_reads_loop_variable,
    lambda_assigned_and_called,
    late_binding,
    nested_def_closure,
    nested_def_with_loop_and_early_return,
    nested_helper_calls_nested,
    lambda_through_two_helpers,
    default_captures_loop_value,
    lambda_in_lambda,
]


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_first_order(f):
    assert_close(sg.grad(f)(X), numeric_grad(f, (X,), 0), rtol=1e-6)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_forward_mode(f):
    v = np.array([1.0, -2.0, 0.5])
    assert_close(sg.jvp(f, (X,), (v,))[1], numeric_grad(f, (X,), 0) @ v, rtol=1e-6)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_second_order(f):
    v = np.array([1.0, -2.0, 0.5])
    grad_f = sg.grad(f)
    expected = np.array([numeric_grad(lambda x: grad_f(x)[k], (X,), 0) for k in range(3)]) @ v
    assert_close(sg.hvp(f)(X, v), expected, rtol=1e-5, atol=1e-7)


def test_lambda_given_to_hvp_with_a_lambda_inside():
    v = np.array([0.3, 0.1, -1.0])
    h = sg.hvp(lambda x: np.sum(rk4_step(lambda t, y: -(y**2), 0.0, x, 0.1)))(X, v)
    g = sg.grad(lambda x: np.sum(rk4_step(lambda t, y: -(y**2), 0.0, x, 0.1)))
    expected = np.array([numeric_grad(lambda x: g(x)[k], (X,), 0) for k in range(3)]) @ v
    assert_close(h, expected, rtol=1e-5, atol=1e-7)


def recursive(x):
    def r(v):
        return r(v * 0.5)

    return r(x)


def stored_in_a_list(x):
    fs = [lambda v: v * 2.0]
    return fs[0](x)


def passed_to_a_library_function(x):
    return np.sum(np.apply_along_axis(lambda v: v * 2.0, 0, x))


def positional_only_lambda(x):
    f = lambda v, /, s: v * s  # noqa: E731
    return np.sum(f(x, s=2.0))


@pytest.mark.parametrize(
    "f, message",
    [
        (recursive, "recursive call of 'r'"),
        (stored_in_a_list, "can only be called"),
        (passed_to_a_library_function, "no derivative rule for np.apply_along_axis"),
        (positional_only_lambda, r"positional-only"),
    ],
    ids=["recursion", "stored", "library", "positional_only"],
)
def test_refused_with_a_reason(f, message):
    with pytest.raises(sg.S2SGradError, match=message):
        sg.grad(f)(X)
