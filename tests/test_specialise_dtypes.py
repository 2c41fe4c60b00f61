"""Code specialised on the arguments' dtypes as well as their shapes (compiler/dtypes.py,
compiler/accumulate.py, specialise.fold_seeds).

Where every float of the program is a float64 (or, for what only needs it, no value
is complex) specialised code accumulates parameter adjoints in place (`dW += ...`),
makes zero adjoints with `np.zeros(S)` (no taped shape) and reads the seed of a
final `np.sum` as the number. A float32 argument, a complex one, a callee that may
make complex values: the general form stays. Every row: specialised = generic =
central finite differences.
"""

import ast
import copy

import gast
import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad import api, runtime
from s2sgrad.compiler import dtypes
from s2sgrad.compiler.accumulate import accumulate_in_place
from s2sgrad.compiler.pipeline import build_graph
from tests.numeric import assert_close, numeric_grad

RNG = np.random.default_rng(3)
DT = 0.1
C32 = np.array([0.5, 1.5, -1.0], dtype=np.float32)


def rnn(Wx, Wh, b, xs):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return np.sum(h**2)


def euler_decay(k, u0):
    u = u0.copy()
    for _ in range(5):
        u = u - DT * k * u
    return np.sum(u * u)


def elementwise_sum(x):
    return np.sum(np.exp(x) + np.sin(x) * np.cos(x))


def mean_scaled(x):
    return np.sum(np.tanh(x)) / 6


def with_float32_constant(x):
    return np.sum(x * C32)


def complex_data(W, z):
    return np.sum(np.real(z @ W) ** 2)


def fft_weighted(W, x):
    weight = np.abs(np.fft.fft(x))  # (complex values, not differentiated)
    return np.sum((x @ W) ** 2 * weight[:, :1])


def _rnn_args(dtype=np.float64):
    T, B, NIN, H = 4, 3, 2, 5
    return (
        (RNG.standard_normal((NIN, H)) * 0.5).astype(dtype),
        (RNG.standard_normal((H, H)) * 0.3).astype(dtype),
        (RNG.standard_normal(H) * 0.1).astype(dtype),
        RNG.standard_normal((T, B, NIN)),
    )


_X = RNG.standard_normal((2, 3))
# (function, arguments, wrt, what the specialised source must contain, must not contain)
ROWS = {
    "rnn float64": (rnn, _rnn_args(), (0, 1, 2), ["dWx += ", "dWh += ", "db += ", "np.zeros((5, 5))"], ["zeros_like"]),
    # (the adjoint buffers are float64 for float32 parameters too: runtime.zeros_like)
    "rnn float32": (rnn, _rnn_args(np.float32), (0, 1, 2), ["dWx += ", "np.zeros((5, 5))"], ["zeros_like"]),
    "euler vector": (euler_decay, (0.7, RNG.standard_normal(4)), (0, 1), [], ["broadcast_to"]),
    "seed float64": (elementwise_sum, (_X,), 0, [], ["broadcast_to"]),
    "seed float32": (elementwise_sum, (_X.astype(np.float32),), 0, ["broadcast_to(1.0"], []),
    "seed divided": (mean_scaled, (_X,), 0, [], ["broadcast_to"]),
    # (C32's shape is known, assumed with its dtype: the seed stays a float64 array)
    "float32 constant": (with_float32_constant, (RNG.standard_normal(3),), 0, ["broadcast_to(1.0"], []),
    "complex data": (
        complex_data,
        (RNG.standard_normal((3, 2)), RNG.standard_normal((4, 3)) + 1j * RNG.standard_normal((4, 3))),
        0,
        [],
        [],
    ),
    "fft": (fft_weighted, (RNG.standard_normal((3, 4)), RNG.standard_normal((2, 3))), 0, ["unreduce(1.0"], []),
}


def _leaves(g):
    return list(g) if isinstance(g, tuple) else [g]


@pytest.mark.parametrize("row", sorted(ROWS))
def test_specialised_generic_and_finite_differences_agree(row):
    f, args, wrt, present, absent = ROWS[row]
    df = sg.grad(f, wrt=wrt)
    got = df(*copy.deepcopy(args))
    source = sg.source(df, *args)
    for text in present:
        assert text in source, text
    for text in absent:
        assert text not in source, text
    values, kinds = df._bind(list(copy.deepcopy(args)), {})
    generic = df._shape(df._derived(kinds).function(*values), values)
    for a, b in zip(_leaves(got), _leaves(generic)):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        assert_close(a, b, rtol=1e-12, atol=1e-14)
    for g, i in zip(_leaves(got), wrt if isinstance(wrt, tuple) else (wrt,)):
        if np.asarray(args[i]).dtype == np.float64:
            assert_close(g, numeric_grad(f, list(args), i), rtol=1e-6, atol=1e-8)


def test_dtypes_are_part_of_the_key(monkeypatch):
    made = []
    real = api.derive

    def counting(*a, **k):
        made.append(k["arg_dtypes"])
        return real(*a, **k)

    monkeypatch.setattr(api, "derive", counting)

    def fresh(Wx, Wh, b, xs):  # (not compiled by another test)
        return rnn(Wx, Wh, b, xs)

    df = sg.grad(fresh, wrt=(0, 1, 2))
    args64 = _rnn_args()
    args32 = tuple(a.astype(np.float32) for a in args64[:3]) + args64[3:]
    for args in (args64, args32, args64, args32):
        df(*args)
    assert made == [("<f8", "<f8", "<f8", "<f8"), ("<f4", "<f4", "<f4", "<f8")]


def _graph(f):
    kinds = tuple("array" if d not in ("float", "int") else "scalar" for d in ARG_DTYPES[f.__name__])
    return build_graph(f, kinds, None, False)


ARG_DTYPES = {
    "rnn": ("<f8", "<f8", "<f8", "<f8"),
    "euler_decay": ("float", "<f8"),
    "with_float32_constant": ("<f8",),
    "complex_data": ("<f8", "<c16"),
    "fft_weighted": ("<f8", "<f8"),
    "elementwise_sum": ("<f4",),
}


@pytest.mark.parametrize(
    "f, expected",
    [
        (rnn, "float64"),
        (euler_decay, "float64"),
        (with_float32_constant, "real"),  # a float32 module constant
        (complex_data, None),  # a complex argument
        (fft_weighted, None),  # np.fft makes complex values (differentiated or not)
        (elementwise_sum, "real"),  # a float32 argument
    ],
)
def test_precision(f, expected):
    assert dtypes.precision(_graph(f), ARG_DTYPES[f.__name__]) == expected
    assert dtypes.precision(_graph(f), None) is None


ACCUMULATIONS = [
    # made afresh, only accumulated in the loop: in place
    ("dW = zeros_like(W)\nfor a in reversed(tape):\n    dW = dW + a.T @ g", "dW += a.T @ g"),
    ("dW = np.zeros((3, 2))\nfor a in tape:\n    if a:\n        dW = dW + a", "dW += a"),
    # read elsewhere in the loop (another name may hold the array): a new array each time
    ("dW = zeros_like(W)\nfor a in tape:\n    dW = dW + a\n    dh = dW @ a", "dW = dW + a"),
    ("dW = zeros_like(W)\nfor a in tape:\n    keep.append(dW)\n    dW = dW + a", "dW = dW + a"),
    # not made afresh before the loop: it may be another adjoint's array
    ("dW = dv\nfor a in tape:\n    dW = dW + a", "dW = dW + a"),
    ("dW = zeros_like(W)\ndx = dW\nfor a in tape:\n    dW = dW + a", "dW = dW + a"),
    # the contribution reads the adjoint itself
    ("dW = zeros_like(W)\nfor a in tape:\n    dW = dW + dW * a", "dW = dW + dW * a"),
    # a name whose shape is not known (a number, or values of several shapes)
    ("dc = zeros_like(c)\nfor a in tape:\n    dc = dc + a", "dc = dc + a"),
]


@pytest.mark.parametrize("source, expected", ACCUMULATIONS)
def test_accumulation_in_place(source, expected):
    code = "def f(W, c, g, tape, keep, dv):\n" + "".join("    " + line + "\n" for line in source.splitlines())
    assert expected in _unparse_after(code)


def _unparse_after(code):
    tree = gast.parse(code)
    body = tree.body[0].body
    known = {"dW": (3, 2), "dh": (4, 2), "dv": (3, 2)}.get
    accumulate_in_place(body, known, {"zeros_like": runtime.zeros_like}, "np")
    return ast.unparse(gast.gast_to_ast(tree))


# Scalar-argument code: no shape helpers where the values are numbers or vectors of one length.
def norms_of(x):
    return np.linalg.norm(x) + np.linalg.norm(x, 3) * np.linalg.norm(x, ord=1)


def tuple_items(a, b, c):
    t = a, b, c
    return t[1] * t[-1] + t[0]


def sampled(omega, dt):
    ts = np.arange(0.0, 1.0, dt)
    return np.sum(np.cos(omega * ts) ** 2) * dt


def rod(length, t0, n=9):
    x = np.linspace(0.0, length, n)
    temperature = np.full(n, t0)
    return np.sum(temperature * np.exp(-x)) * (x[1] - x[0])


SCALAR_ROWS = {
    "norms": (norms_of, (RNG.standard_normal(4),), (0,)),
    "tuple items": (tuple_items, (0.7, -1.3, 0.4), (0, 1, 2)),
    "sampled": (sampled, (2.0, 0.05), (0,)),
    "rod": (rod, (2.0, 1.5), (0, 1)),
}


@pytest.mark.parametrize("row", sorted(SCALAR_ROWS))
def test_scalar_code_has_no_shape_helpers(row):
    f, args, wrt = SCALAR_ROWS[row]
    df = sg.grad(f, wrt=wrt)
    got = _leaves(df(*args))
    for g, i in zip(got, wrt):
        assert_close(g, numeric_grad(f, list(args), i), rtol=1e-6, atol=1e-8)
    source = sg.source(df, *args)
    for helper in ("unbroadcast(", "reduce_count(", "shape_of(", "grad_seed("):
        assert helper not in source, (helper, source)
