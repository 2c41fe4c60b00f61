"""Regression rows for crash and wrong-derivative families found on programs written
elsewhere (issue 11), each with its neighbours, checked against central finite
differences in float64 in every mode (tests/all_modes.py), or pinned as an
S2SGradError naming the line.

- a derivative made with a one-element tuple `wrt` and called inside differentiated
  code returns a 1-tuple, as it does when called directly;
- code that hides computation from the compiler (eval, exec, getattr, globals, ...)
  is refused, never taken for a constant;
- `x = x`; a jvp writing into an array made by broadcasting; complex literals;
  np.linalg.norm of a list; np.pad with its width and mode passed in; a derivative
  of a list-argument function inlined; `enumerate(zip(...))` and friends.
"""

import functools
import importlib

import numpy as np
import pytest

import s2sgrad as sg
from tests.all_modes import MODES, check_reverse
from tests.numeric import assert_close, numeric_grad


# -- a derivative with wrt=(0,) inside differentiated code ------------------------------
def cube(x):
    return np.sum(x**3)


def cube_xy(x, y):
    return np.sum(x**3 * y)


D_TUPLE = sg.grad(cube, wrt=(0,))
D_NAMED = sg.grad(cube_xy, wrt=("x",))
VG_TUPLE = sg.value_and_grad(cube, wrt=(0,))
D_BARE = sg.grad(cube)


def tuple_wrt_indexed(x):
    return D_TUPLE(x)[0][0] * 1.0 + np.sum(D_TUPLE(x)[0])


def tuple_wrt_unpacked(x):
    (g,) = D_TUPLE(x)
    return np.sum(g * x)


def named_tuple_wrt(x, y):
    (g,) = D_NAMED(x, y)
    return np.sum(g**2)


def value_and_grad_tuple_wrt(x):
    value, (g,) = VG_TUPLE(x)
    return value * np.sum(g)


def bare_wrt_indexed(x):
    return D_BARE(x)[1] * 2.0


def tuple_wrt_in_a_loop(x):
    """A MAML-style inner step: the gradient read as the only item of a tuple."""
    for _ in range(2):
        x = x - 0.1 * D_TUPLE(x)[0]
    return np.sum(x**2)


# -- the rest of the family -------------------------------------------------------------
def self_assignment(x):
    x = x
    y = x * 2.0
    y = y
    return np.sum(y * x)


def write_into_broadcast(x):
    u = np.mean(x) + np.zeros(3)
    u[-1] = x[0] * 2.0
    v = np.broadcast_to(x[1], (3,)).copy()
    v[0] = x[2]
    return np.sum(u * v)


def norm_of_a_list(x):
    return np.linalg.norm([x, x + 2]) + np.linalg.norm([x[0], 2.0 * x[1]])


def norm_of_a_scalar_list(s):
    return np.linalg.norm([s, s + 2])


def pad_passed_in(x, width, mode):
    return np.sum(np.pad(x, width, mode) ** 2)


def tail_head(x):
    return x[1:][0] ** 3


D_TAIL = sg.grad(tail_head)


def list_argument_derivative(x):
    g = D_TAIL(x)
    return g[1] * 2.0 + x[0] * x[2]


def enumerate_zip(x, y):
    s = 0.0
    for i, (a, b) in enumerate(zip(x, y)):
        s = s + a * b * i
    return s


def enumerate_zip_start(x, y):
    s = 0.0
    for k, (a, b) in enumerate(zip(x, y[::-1]), 1):
        s = s + np.sin(a) * b / k
    return s


def enumerate_reversed(x):
    s = 0.0
    for i, a in enumerate(reversed(x)):
        s = s + a**2 * (i + 1.0)
    return s


def enumerate_items(x):
    d = {"a": x[0], "b": x[1] * 2.0}
    s = 0.0
    for i, (k, v) in enumerate(d.items()):
        s = s + v * (i + 1.0)
    return s


# -- lists and tuples joined with + and repeated with * (were differentiated as arrays) ---
B_CONST = [-0.8929, 0.6823]


def list_concatenation(x):
    s = np.array([0.5] + [x[0], 2.0 * x[1]] + B_CONST)
    return np.sum(s**2 * np.arange(1.0, 6.0))


def list_repetition(x):
    s = [x[0], np.sin(x[1])] * 2
    t = 3 * [x[2]]
    return np.sum(np.array(s) * np.arange(1.0, 5.0)) + np.sum(np.stack(t) * x[0])


def tuple_concatenation(x):
    a, b, c = (x[0],) + (x[1] * x[2], np.cos(x[0]))
    return a * b + c


def stacked_repetition(p0):
    return np.sum(np.sin(np.stack([p0] * 3)[0])) + np.sum(np.stack([p0, p0 * 2.0] * 2)[3])


def lists_joined_in_a_loop(x):
    acc = [x[0]]
    for i in range(2):
        acc = acc + [acc[-1] * x[i + 1]]
    return np.sum(np.array(acc) ** 2)


X3 = np.array([0.7, -1.2, 0.4])
Y3 = np.array([1.1, 0.3, -0.8])
PROGRAMS = [
    (tuple_wrt_indexed, [X3]),
    (tuple_wrt_unpacked, [X3]),
    (named_tuple_wrt, [X3, Y3]),
    (value_and_grad_tuple_wrt, [X3]),
    (bare_wrt_indexed, [X3]),
    (tuple_wrt_in_a_loop, [X3]),
    (self_assignment, [X3]),
    (write_into_broadcast, [X3]),
    (norm_of_a_list, [X3]),
    (norm_of_a_scalar_list, [1.3]),
    (pad_passed_in, [X3, 1, "edge"]),
    (pad_passed_in, [X3, (2, 1), "reflect"]),
    (pad_passed_in, [X3, 1, "wrap"]),
    (enumerate_zip, [X3, Y3]),
    (enumerate_zip_start, [X3, Y3]),
    (enumerate_reversed, [X3]),
    (enumerate_items, [X3]),
    (list_concatenation, [X3]),
    (list_repetition, [X3]),
    (tuple_concatenation, [X3]),
    (stacked_repetition, [X3[:2]]),
    (lists_joined_in_a_loop, [X3]),
]


def _id(f, args):
    return f.__name__ + ("-" + str(args[-1]) if f is pad_passed_in else "")


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("f, args", [pytest.param(f, a, id=_id(f, a)) for f, a in PROGRAMS])
def test_family(f, args, mode):
    MODES[mode](f, args)


@pytest.mark.parametrize("maker", [sg.grad, sg.value_and_grad])
def test_tuple_wrt_called_directly_and_inlined_agree(maker):
    d = maker(cube, wrt=(0,))
    direct = d(X3)
    grads = direct if maker is sg.grad else direct[1]
    assert isinstance(grads, tuple) and len(grads) == 1
    assert_close(tuple_wrt_indexed(X3), grads[0][0] + np.sum(grads[0]))


def test_list_argument_derivative_inlined():
    """A derivative of a list-argument function, called inside differentiated code."""
    x = [1.0, 2.0, 3.0]
    got = sg.grad(list_argument_derivative)(x)
    assert isinstance(got, list)
    assert_close(got, numeric_grad(list_argument_derivative, [np.array(x)], 0))


def test_second_order_of_a_list_argument():
    x = [1.0, 2.0, 3.0]
    assert_close(sg.hvp(tail_head)(x, [1.0, 1.0, 1.0]), [0.0, 12.0, 0.0])
    assert_close(np.array(sg.hessian(tail_head)(x), dtype=float), np.diag([0.0, 12.0, 0.0]))


def test_an_unsupported_pad_mode_passed_in_names_the_line():
    with pytest.raises(sg.S2SGradError, match=r"test_crash_families.py:\d+: np.pad with mode='linear_ramp'"):
        sg.grad(pad_passed_in)(X3, 1, "linear_ramp")


# -- hidden computation is refused with the line -----------------------------------------
def uses_eval(x):
    return eval("x * x")


def uses_exec(x):
    exec("y = x * x")
    return x


def uses_getattr(x):
    return getattr(np, "sin")(x)


def uses_globals(x):
    return globals()["X3"] * x


def uses_locals(x):
    y = x * 2.0
    return locals()["y"]


def uses_vars(x):
    return vars()["x"] * 1.0


def uses_import(x):
    return __import__("numpy").sin(x)


def uses_import_module(x):
    return importlib.import_module("numpy").sin(x)


def uses_compile(x):
    return eval(compile("x * x", "<string>", "eval"))


def eval_in_a_helper(x):
    return _evaluates(x) + x


def _evaluates(v):
    return eval("v ** 3")


HIDING = [
    uses_eval,
    uses_exec,
    uses_getattr,
    uses_globals,
    uses_locals,
    uses_vars,
    uses_import,
    uses_import_module,
    uses_compile,
    eval_in_a_helper,
]


@pytest.mark.parametrize("f", HIDING, ids=lambda f: f.__name__)
@pytest.mark.parametrize("make", ["grad", "jvp", "hvp"])
def test_hidden_computation_is_refused(f, make):
    run = {
        "grad": lambda: sg.grad(f)(1.5),
        "jvp": lambda: sg.jvp(f, (1.5,), (1.0,)),
        "hvp": lambda: sg.hvp(f)(1.5, 1.0),
    }[make]
    with pytest.raises(sg.S2SGradError, match=r"test_crash_families.py:\d+: .*hides computation"):
        run()


# -- complex values are refused clearly ---------------------------------------------------
def complex_literal(x):
    return np.real(x * 1j)


def complex_in_a_helper(x):
    return _rotate(x) + x


def _rotate(v):
    return np.abs(v * (1 + 2j))


@pytest.mark.parametrize("f", [complex_literal, complex_in_a_helper], ids=lambda f: f.__name__)
def test_complex_numbers_are_refused(f):
    with pytest.raises(sg.S2SGradError, match=r"test_crash_families.py:\d+: complex numbers"):
        sg.grad(f)(1.5)
    with pytest.raises(sg.S2SGradError, match="complex numbers"):
        sg.jvp(f, (1.5,), (1.0,))


def test_partial_row_keeps_its_meaning():
    """(A neighbour of the pad rows: a width passed in by keyword through a helper.)"""
    f = functools.partial(pad_passed_in, width=2, mode="symmetric")
    assert_close(sg.grad(pad_passed_in)(X3, 2, "symmetric"), numeric_grad(f, [X3], 0))
    check_reverse(pad_passed_in, [X3, 2, "symmetric"])


@pytest.mark.parametrize("f", [list_concatenation, list_repetition, tuple_concatenation], ids=lambda f: f.__name__)
def test_reverse_over_reverse_of_joined_lists(f):
    """grad(grad(.)) reads the adjoints of joined lists back through seq_slice / seq_unrepeat."""

    def along(t):
        return f(X3 + t * Y3)

    h = 1e-4
    expected = (along(h) - 2 * along(0.0) + along(-h)) / h**2
    assert_close(sg.grad(sg.grad(_along_of(f)))(0.0), expected, rtol=1e-4, atol=1e-6)


def _along_of(f):
    return {
        list_concatenation: along_concatenation,
        list_repetition: along_repetition,
        tuple_concatenation: along_tuple,
    }[f]


def along_concatenation(t):
    return list_concatenation(X3 + t * Y3)


def along_repetition(t):
    return list_repetition(X3 + t * Y3)


def along_tuple(t):
    return tuple_concatenation(X3 + t * Y3)
