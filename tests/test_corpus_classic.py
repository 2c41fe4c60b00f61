"""A corpus of the small programs classic AD test suites differentiate.

Source-transformation and tracing AD libraries test themselves on the same
handful of constructs: scalar arithmetic with overwritten names, helpers calling
helpers, branches with early returns, counted and ``while`` loops, lists and
tuples, attribute calls on arrays, the NumPy reductions with ``axis`` and
``keepdims``, the shape functions, the elementwise functions and the
indexing forms. The functions below are written afresh for s2sgrad and
exercise each of those constructs, one or two per function.

``GRADS`` rows are compared with central finite differences in float64 through
``sg.grad`` for every listed argument; ``REFUSED`` rows must raise
``S2SGradError`` with the message pinned here.
"""
import copy
import math

import numpy as np
import pytest

import s2sgrad as sg
from tests.test_corpus_ml import check_leaves, numeric

# ---------------------------------------------------------------------------
# scalar arithmetic
# ---------------------------------------------------------------------------


def identity(a):
    return a


def negate(a):
    return -a


def rename(a):
    b = a
    return b


def affine(a, b, c):
    return a * b + c


def const_left(a):
    return 2.0 / a - 3.0 * a + (1.0 - a) + (4.0 + a)


def self_ops(a):
    return a * a + a / a + (a - a) + (a + a)


def augmented_scalar(a, b):
    y = a
    y += b
    y *= a
    y -= 0.5 * b
    y /= b
    y **= 2
    return y


def overwrite_chain(a):
    a = a * 3.0
    a = a * a
    a = a + 1.0
    return a


def int_powers(a):
    return a ** 3 + a ** -2 + a ** 0 + a ** 1


def both_pow(a, b):
    return a ** b


def abs_neg_float(a, b):
    return abs(a) * float(b) + -(-b)


def unused_arg(a, b):
    return np.sum(a * 2.0)


def constant_result(a):
    return 3.0


def math_scalar(a):
    return math.exp(a) + math.sin(a) * math.cos(a) + math.sqrt(a * a + 1.0) + math.log(a * a + 2.0) + math.tanh(a)


# ---------------------------------------------------------------------------
# helper calls, tuples
# ---------------------------------------------------------------------------


def _mul(a, b):
    return a * b


def _add(a, b):
    return a + b


def _mul_call(a, b):
    return _mul(a, b)


def _scale(x, k=2.0):
    return x * k


def _pair(a, b):
    return a * b, a + b


def nested_calls(a, b, c):
    return _add(_mul(a, b), c) + _mul_call(b, c)


def call_in_loop(a):
    for _ in range(3):
        a = _mul(a, 0.5 + a)
    return a


def default_arg(a, b):
    return _scale(a) + _scale(b, k=3.0) + _scale(a, 0.5)


def tuple_return(a, b):
    s, t = _pair(a, b)
    return s * t


def tuple_subscript(a, b):
    return _pair(a, b)[0] + 2.0 * _pair(b, a)[1]


def tuple_unpack_arg(abc):
    a, b, c = abc
    return a * b + c


def tuple_pick(a, b, c):
    t = a, b, c
    return t[1] * t[-1]


def swap(a, b):
    a, b = b, a * b
    return a - b


def dict_args(p):
    return np.sum(p["a"] * p["b"]) + p["c"]["d"] ** 2


# ---------------------------------------------------------------------------
# control flow
# ---------------------------------------------------------------------------


def if_else(a):
    if a > 0:
        a = a * 3.0
    else:
        a = a * 2.0
    return a


def nested_if(a):
    if a > 0:
        if a < 10:
            a = a * a
    else:
        a = 3.0 * a
    return a


def elif_chain(a, b):
    if a < b - a * b:
        a = a * a
    elif a > b + 3.0 * a:
        a = a / b
    elif a == b:
        pass
    else:
        a = -a * b
    return a


def early_return(a):
    if a > 1.0:
        return a * a
    if a < -1.0:
        return -a
    return 3.0 * a


def while_counter(a):
    i = 0
    while i < 4:
        a = a * 0.9 + 0.1 * a * a
        i += 1
    return a


def while_data(a):
    while abs(a) > 0.1:
        a = a * 0.5
    return a


def range_step(x):
    s = 0.0
    for i in range(0, x.shape[0], 2):
        s = s + x[i] * (i + 1)
    for i in range(x.shape[0] - 1, -1, -1):
        s = s * 0.5 + x[i]
    return s


def for_nested(a):
    for i in range(2):
        for j in range(3):
            a = a * (1.0 + 0.1 * a)
    return a


def cond_in_loop(a):
    for i in range(3):
        if a < 2.0:
            a = a * a + 0.5
    return a


def ternary(a, b):
    c = a * b if a > b else a + b
    return c * (2.0 if b > 0 else -1.0)


def comparison_chain(a, b):
    if 0.0 < a < b or (a > 1.0 and b < 0.0):
        return a * b
    return a - b


def bool_ops_scalar(a, b):
    if not (a > 0 and b > 0):
        return a + b
    return a * b


def break_continue(x):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] < -1.5:
            break
        if x[i] < 0:
            continue
        s = s + x[i] ** 2
    return s


def del_in_loop(x):
    s = 0.0
    for i in range(3):
        tmp = x * i
        s = s + np.sum(tmp ** 2)
        del tmp
    return s


def statements(a):
    """A docstring, assert, pass and del are statements with no derivative."""
    assert a == a
    tmp = a * 2.0
    b = tmp + 1.0
    del tmp
    pass
    return b * a


# ---------------------------------------------------------------------------
# lists
# ---------------------------------------------------------------------------


def list_literal(a):
    b = [1.0, a * a, 2.0]
    return np.sum(b) + b[1] * b[-1]


def list_append_pop(x):
    xs = []
    for i in range(x.shape[0]):
        xs.append(x[i] * (i + 1.0))
    last = xs.pop()
    return sum(xs) * last


def list_comp(x):
    return np.sum([v * 3.0 for v in x]) + sum(v ** 2 for v in x)


def list_index_loop(x):
    ys = [x, 2.0 * x, x ** 2]
    total = 0.0
    for k in range(len(ys)):
        total = total + np.sum(ys[k]) * k
    return total


# ---------------------------------------------------------------------------
# arrays: attributes, products, reductions
# ---------------------------------------------------------------------------


def attributes(x):
    return x.sum() * x.T[0, 1] + x.shape[0] * x.mean() + x.size * x.max() + x.ndim * x.min()


def products(A, B, v):
    return np.sum(np.dot(A, B)) + np.sum(np.matmul(A, v)) + v @ A @ B @ v + np.dot(v, v)


def reductions_axis(x):
    return (np.sum(np.sum(x, axis=0) ** 2) + np.sum(np.sum(x, axis=1, keepdims=True) * x)
            + np.sum(np.mean(x, axis=-1) ** 3) + np.sum(np.mean(x, axis=0, keepdims=True) * x))


def reductions_tuple_axis(x):
    return np.sum(np.sum(x, axis=(0, 2)) ** 2) + np.sum(np.mean(x, axis=(1, 2), keepdims=True) * x)


def reductions_3d(x):
    return np.sum(np.max(x, axis=1) ** 2) + np.sum(np.min(x, axis=(0, 2))) + np.sum(np.prod(x, axis=2))


def var_std(x):
    return np.sum(np.var(x, axis=0)) + np.std(x) + np.sum(np.std(x, axis=1, keepdims=True) * x)


def elementwise_fns(x):
    return np.sum(np.exp(x) + np.log(x * x + 1.0) + np.sqrt(x * x + 1.0) + np.sin(x) * np.cos(x)
                  + np.tanh(x) + np.abs(x) + np.square(x) + np.arctan(x) + np.sinh(x) + np.cosh(x))


def elementwise_more(x):
    y = 0.5 * np.tanh(x)
    return np.sum(np.tan(y) + np.arcsin(y) + np.arccos(y) + np.log1p(y + 1.0) + np.expm1(y) + np.log10(y + 2.0)
                  + np.log2(y + 2.0) + np.exp2(y) + np.reciprocal(y + 2.0) + np.cbrt(y + 2.0) + np.arctanh(y)
                  + np.arcsinh(y) + np.sign(y) * y)


def maximum_minimum(x, y):
    return np.sum(np.maximum(x, y) * 2.0 + np.minimum(x, y) ** 2 + np.maximum(x, 0.0) + np.fmax(x, y))


def where_fn(x, y):
    return np.sum(np.where(x > y, x * y, x - y) + np.where(x > 0, x, 0.0) ** 2)


def broadcast_ops(x, b, c):
    return np.sum((x + b) * c + x / (b * b + 1.0) - c)


def power_both_arrays(x, y):
    return np.sum(np.abs(x) ** y + np.power(np.abs(x) + 1.0, y))


def logaddexp_fn(x, y):
    return np.sum(np.logaddexp(x, y)) + np.sum(np.logaddexp2(x, y))


# ---------------------------------------------------------------------------
# arrays: shapes
# ---------------------------------------------------------------------------


W6 = np.arange(24.0).reshape(2, 3, 4) / 10.0


def shape_fns(x):
    a = np.reshape(x, (3, 2, 4))
    b = np.transpose(x, (2, 0, 1))
    c = x.reshape(-1)
    return np.sum(a * W6.reshape(3, 2, 4)) + np.sum(b * np.transpose(W6, (2, 0, 1)) ** 2) + np.sum(c * c)


def transpose_default(x):
    return np.sum(np.transpose(x) * W6.T) + np.sum(x.transpose(1, 0, 2) ** 2)


def expand_squeeze(v):
    a = np.expand_dims(v, 0)
    b = np.expand_dims(v, axis=-1)
    c = np.squeeze(a)
    d = np.squeeze(b, axis=1)
    return np.sum(a * b) + np.sum(c * d * np.arange(v.size))


def newaxis_fn(v, w):
    return np.sum(v[:, np.newaxis] * w[np.newaxis, :] * np.arange(12.0).reshape(3, 4)) + np.sum(v[None] ** 2)


def tile_repeat(x):
    return (np.sum(np.tile(x, 2) * np.arange(18.0).reshape(3, 6)) + np.sum(np.tile(x, (2, 1, 2)) ** 2)
            + np.sum(np.repeat(x, 2, axis=0) ** 3) + np.sum(np.repeat(x, 3) * np.arange(27.0)))


def flip_roll(x):
    return (np.sum(np.flip(x) * W6[0]) + np.sum(np.flip(x, axis=1) ** 3) + np.sum(np.roll(x, 2) * W6[1])
            + np.sum(np.roll(x, -1, axis=0) * W6[0]) + np.sum(np.fliplr(x) * W6[1]) + np.sum(np.flipud(x) ** 3))


def outer_inner_kron(u, v):
    return (np.sum(np.outer(u, v) * np.arange(12.0).reshape(3, 4)) + np.inner(u, u) + np.sum(np.inner(np.outer(u, v), v))
            + np.sum(np.kron(u, v) ** 2))


def kron_matrices(A, B):
    return np.sum(np.kron(A, B) * np.arange(36.0).reshape(6, 6))


def trace_diag(A):
    return (np.trace(A) + np.trace(A, offset=1) + np.sum(np.diag(A) ** 2) + np.sum(np.diag(np.diag(A)) * A)
            + np.sum(np.diagonal(A)) + np.sum(np.diag(A, k=-1)))


def triangles(A):
    return np.sum(np.triu(A) ** 2) + np.sum(np.tril(A, -1) * A) + np.sum(np.triu(A, k=1))


def cumulative(x):
    return (np.sum(np.cumsum(x) ** 2) + np.sum(np.cumprod(x)) + np.sum(np.cumsum(x.reshape(2, 3), axis=1) ** 2)
            + np.sum(np.cumprod(x.reshape(2, 3), axis=0) ** 2))


def norms(x, A):
    return (np.linalg.norm(x) + np.linalg.norm(x, ord=1) + np.linalg.norm(x, 3) + np.linalg.norm(x, np.inf)
            + np.sum(np.linalg.norm(A, axis=0)) + np.sum(np.linalg.norm(A, axis=1, keepdims=True) * A)
            + np.linalg.norm(A) + np.linalg.norm(A, "fro") + np.sum(np.linalg.norm(A, ord=1, axis=1)))


def concat_stack(x, y):
    return (np.sum(np.concatenate([x, y]) ** 2 * np.arange(8.0)) + np.sum(np.stack([x, y], axis=1) ** 3)
            + np.sum(np.hstack((x, y)) * np.arange(8.0)) + np.sum(np.vstack([x, y]) ** 2))


# ---------------------------------------------------------------------------
# arrays: indexing
# ---------------------------------------------------------------------------


def negative_steps(x):
    return np.sum(x[::-1] * np.arange(6.0)) + np.sum(x[4:0:-2] ** 2) + x[-1] * x[-2]


def slices_2d(A):
    return np.sum(A[1:, :2] ** 2) + np.sum(A[::2, ::-1] * A[::2, :]) + np.sum(A[:, -1]) + A[1, 2] * A[0, 0]


def extended_slice_newaxis(x):
    return np.sum(x[::2, np.newaxis] * np.arange(6.0).reshape(3, 2))


def bool_mask(x):
    m = x > 0
    return np.sum(x[m] ** 2) + np.sum(x[x < 0]) + np.sum(np.where(m, x, 0.0))


def fancy_index(A, idx):
    return np.sum(A[idx] ** 2) + np.sum(A[idx, 0] * A[:, 1][idx]) + np.sum(A[[0, 2], [1, 1]])


def ellipsis_index(x):
    return np.sum(x[..., 0] ** 2) + np.sum(x[0, ...] * x[1, ...])


def index_write(x):
    y = np.zeros_like(x)
    for i in range(x.shape[0]):
        y[i] = x[i] * (i + 1)
    y[0] = y[0] * y[1]
    return np.sum(y ** 2)


def rnn_rows(inputs, W):
    h = np.zeros((4, 3))
    for t in range(3):
        h[t + 1] = np.tanh(np.dot(inputs[t], W) + h[t])
    return np.sum(h[1:])


def logistic_regression(inp, label, W, b):
    h1 = np.dot(inp, W) + b
    prediction = 0.5 * (np.tanh(h1) + 1)
    label_prob = prediction * label + (1 - prediction) * (1 - label)
    return -np.sum(np.log(label_prob))


def overwrite_call(x):
    x = np.sum(x)
    x = x * x
    return x


def cast_sum(x):
    return np.sum(np.array(x)) + np.sum(np.asarray(x) ** 2)


def np_scalar_fns(a):
    return np.exp(a) + np.sqrt(a * a) + np.tanh(np.sin(a)) + np.multiply(a, 3.0) + np.abs(a)


# ---------------------------------------------------------------------------
# more NumPy (the systematic ufunc / shape / indexing checks) and Python forms
# ---------------------------------------------------------------------------

def ufuncs_autograd(x, y):
    return np.sum(np.deg2rad(x) + np.rad2deg(x) / 50.0 + np.fabs(x) + np.floor(x) * x + np.ceil(x) + np.true_divide(x, y * y + 1.0)
                  + np.mod(x, 1.7) + np.remainder(x, 2.3) + np.absolute(x) + np.degrees(x) / 50 + np.radians(x) + np.negative(x) + np.positive(x) + np.subtract(x, y) + np.divide(x, 2.0))

def dot_scalar(a, x, A):
    return np.sum(np.dot(a, x)) + np.sum(np.dot(x, A)) + np.sum(np.dot(A, A.T))

def atleast(a, x):
    return np.sum(np.atleast_1d(a) * 2.0) + np.sum(np.atleast_2d(x) ** 2) + np.sum(np.atleast_3d(x) ** 3)

def tensordots(A, B):
    return np.sum(np.tensordot(A, B, axes=([1], [0])) ** 2) + np.sum(np.tensordot(A, A, axes=2)) + np.sum(np.tensordot(A, B, axes=[(0, 1), (1, 0)]))

def einsums(A, B):
    return np.sum(np.einsum("ij->ji", A) * np.arange(12.0).reshape(4, 3)) + np.sum(np.einsum("ij,jk->ik", A, B) ** 2) + np.einsum("ij,ij", A, A) + np.sum(np.einsum("...j,j->...", A, B[:, 0]))

def trace_offsets(A):
    return np.trace(A, offset=-1) + np.trace(A, 1) + np.trace(A)

def prod_clip_sort(x):
    return np.prod(x) + np.sum(np.clip(x, -0.5, 0.5) ** 2) + np.sum(np.sort(x) * np.arange(5.0)) + np.sum(np.partition(x, 2)[:3] ** 2)

def sum_keepdims_none(x):
    return np.sum(np.sum(x, keepdims=True) * x) + np.sum(np.mean(x, axis=None, keepdims=True) * x) + np.sum(np.max(x, axis=(0, 1), keepdims=True) * x)

def norm_ord_axis(A):
    return np.sum(np.linalg.norm(A, ord=2, axis=1)) + np.sum(np.linalg.norm(A, ord=np.inf, axis=0)) + np.linalg.norm(A, ord=1) + np.linalg.norm(A, ord=-np.inf) + np.linalg.norm(A, np.inf) + np.sum(np.linalg.norm(A, ord=3, axis=0)) + np.sum(np.linalg.norm(A, axis=(0, 1), keepdims=True))

def vector_norm_variants(x):
    return np.linalg.norm(x, ord=-1) + np.linalg.norm(x, -np.inf) + np.linalg.norm(x, 0.5) + np.linalg.norm(x, ord=2)

def inner_nd(A, B):
    return np.sum(np.inner(A, B)) + np.sum(np.outer(A, B) ** 2)

def reshape_forms(x):
    return np.sum(x.reshape(2, 6) * np.arange(12.0).reshape(2, 6)) + np.sum(x.reshape((4, 3)) ** 2) + np.sum(np.reshape(x, -1) ** 3) + np.sum(x.ravel() * np.arange(12.0)) + np.sum(x.flatten() ** 2) + np.sum(np.ravel(x) ** 3)

def swap_move(x):
    return np.sum(np.swapaxes(x, 0, 2) ** 2 * np.arange(24.0).reshape(4, 3, 2)) + np.sum(np.moveaxis(x, 0, -1) * np.arange(24.0).reshape(3, 4, 2))

def roll_axis_none(x):
    return np.sum(np.roll(x, 1) * np.arange(12.0).reshape(3, 4)) + np.sum(np.roll(x, (1, 2), axis=(0, 1)) * np.arange(12.0).reshape(3, 4)) + np.sum(np.roll(x, -5, axis=1) * np.arange(12.0).reshape(3, 4))

def repeat_axis(x):
    return np.sum(np.repeat(x, [1, 2, 3], axis=0) * np.arange(24.0).reshape(6, 4)) + np.sum(np.repeat(x, 2, axis=1) ** 3) + np.sum(x.repeat(2) ** 2)

def tile_more(x):
    return np.sum(np.tile(x, (2, 2)) * np.arange(48.0).reshape(6, 8)) + np.sum(np.tile(x, (2, 1, 1)) ** 3)

def diag_more(x, A):
    return np.sum(np.diag(x, k=1) * np.arange(16.0).reshape(4, 4)) + np.sum(np.diag(A, 1) ** 2) + np.sum(np.diagonal(A, offset=-1) ** 2)

def cumprod_axis(x):
    return np.sum(np.cumprod(x, axis=1) * np.arange(12.0).reshape(3, 4)) + np.sum(np.cumprod(x) ** 2) + np.sum(x.cumsum(axis=0) ** 2) + np.sum(x.cumprod() ** 2)

def squeeze_forms(x):
    return np.sum(np.squeeze(x) * np.arange(6.0).reshape(2, 3)) + np.sum(x.squeeze(axis=0) ** 2) + np.sum(np.squeeze(x, axis=(0, 3)) ** 3)

def expand_more(x):
    return np.sum(np.expand_dims(x, axis=(0, 2)) ** 2) + np.sum(np.expand_dims(x, 1) * np.arange(6.0).reshape(2, 1, 3))

def fancy_more(A):
    i = np.array([0, 2, 2])
    j = np.array([1, 0, 1])
    return np.sum(A[i, j] * np.arange(3.0)) + np.sum(A[:, [2, 0, 2]] ** 2) + np.sum(A[[True, False, True]] ** 3) + np.sum(A[A > 0.0]) + np.sum(A[1:][j[:2]] ** 2) + np.sum(A[np.ix_([0, 2], [1, 2])] ** 2)

def neg_index_2d(A):
    return np.sum(A[::-1, ::-2] * np.arange(6.0).reshape(3, 2)) + np.sum(A[-2:, -3:-1] ** 2) + A[-1, -1] * A[-3, 0]

def where_broadcast(x, a):
    return np.sum(np.where(x > 0, a, x) * 2.0) + np.sum(np.where(x > 0.5, 1.0, x) ** 2) + np.sum(np.where(x > 0, x, a * x) ** 2)

def max_min_broadcast(x, y, a):
    return np.sum(np.maximum(x, y) ** 2) + np.sum(np.minimum(x, a) ** 2) + np.sum(np.maximum(a, y) * 3.0) + np.sum(np.fmin(x, y))

def mean_std_ddof(x):
    return np.std(x, ddof=1) + np.sum(np.var(x, axis=0, ddof=1)) + np.sum(np.mean(x, axis=(0, 1)))

def sqrt_where(x):
    return np.sum(np.sqrt(np.abs(x) + 1.0) * np.sign(x)) + np.sum(np.hypot(x, 2.0)) + np.sum(np.arctan2(x, 1.5)) + np.sum(np.sinc(x)) + np.sum(np.log(np.cosh(x)))

def matmul_vec(A, v, w):
    return v @ A @ w + np.sum(A @ w) + np.sum(v @ A) + np.vdot(v, v) + np.sum(np.matmul(v, A)) + np.sum(A.dot(w) ** 2) + w.dot(w)

def scalar_array_mix(a, x):
    return np.sum(a * x + x / a + a ** x + x ** a + a - x) * a

def T_attr(A):
    return np.sum(A.T @ A) + np.sum(A.T[0]) + A.shape[0] * A.shape[1] * np.sum(A) + len(A) * np.sum(A ** 2) / A.size


def list_elem_aug(a, b):
    xs = [a, b, a * b]
    xs[0] += b
    xs[2] = xs[2] * xs[0]
    return xs[0] * xs[2] + xs[1]



def math_more(a, b):
    return math.pow(a, b) + math.fabs(a) + math.hypot(a, b) + math.atan2(a, b) + math.log(a, 2) + math.log10(a) + math.log1p(a) + math.expm1(b) + math.erf(a) + math.atan(a) + math.asin(a / 3) + math.acos(a / 3)



def floordiv_mod(a, b):
    return a % b + (a // b) * a + a % 1.0



def global_read(a):
    return a * SCALE



SCALE = 3.0



def chain_methods(x):
    return x.sum(axis=1).mean() + x.T.dot(x).trace() + x.max(axis=0).sum() * x.min() + x.prod(axis=1).sum() + x.std(axis=0).sum() + x.var() + x.cumsum().sum() + x.clip(-0.5, 0.5).sum() + x.squeeze().sum() + x.flatten().sum() + x.mean(axis=0, keepdims=True).sum() + x.swapaxes(0, 1).sum() + x.diagonal().sum() + x.astype(float).sum() + x.copy().sum()



def nested_returns_tuple(a, b):
    def_ = _f3(a, b)
    x, (y, z) = def_
    return x * y + z



def _f3(a, b):
    return a * b, (a + b, a - b)



def while_array(x):
    n = 0
    while np.sum(x ** 2) > 0.5 and n < 10:
        x = x * 0.8
        n += 1
    return np.sum(x)



def for_over_array_rows(A):
    s = 0.0
    for row in A:
        s = s + np.sum(row) ** 2
    for i, row in enumerate(A[::-1]):
        s = s + i * np.sum(row ** 3)
    return s



def reversed_loop(x):
    s = 0.0
    for v in reversed(x):
        s = s * 0.5 + v
    for i in reversed(range(3)):
        s = s + x[i] * i
    return s



def zero_grad_fns(x):
    return np.sum(np.floor(x) + np.round(x) + np.sign(x) + (x > 0) * 1.0 + np.argmax(x) + np.rint(x) + np.trunc(x)) + np.sum(x)



def early_return_loop(x):
    for i in range(x.shape[0]):
        if x[i] > 1.0:
            return x[i] * i
    return np.sum(x)



def shadow_builtin(x):
    sum_ = np.sum(x)
    len_ = x.shape[0]
    return sum_ / len_ + np.sum(x) / len(x)



def int_float_mix(x):
    n = x.shape[0]
    return np.sum(x) * (n - 1) / n + np.sum(x ** n) + 2 ** n * np.sum(x)



def chained_compare_arrays(x):
    return np.sum(np.where((x > -0.5) & (x < 0.5), x ** 2, np.abs(x))) + np.sum(np.where(~(x > 0) | (x > 1), x, 0.0))



def kron_scalar(a, A):
    return np.sum(np.kron(np.eye(2), A) * a) + np.sum(np.kron(A, np.ones((2, 1))) ** 2)



def multiple_assign(a):
    b = c = a * 2.0
    b = b + 1.0
    return b * c



def aug_attr_sub(A):
    B = A.copy()
    B[0] += A[1]
    B[:, 1] -= 2.0 * A[:, 0]
    B[1:, :] *= A[:-1, :]
    B[B > 0] /= 2.0
    return np.sum(B ** 2)


# ---------------------------------------------------------------------------
# refused constructs
# ---------------------------------------------------------------------------


def star_args(a, *rest):
    return a * 2.0


def kwonly(a, *, k=2.0):
    return a * k


def and_value(a, b):
    return (a and b) * 2.0


def or_value(a, b):
    return a * (b or 1.0)


def index_from_value(x):
    return x[int(x[0] > 0)]


def rollaxis_fn(x):
    return np.sum(np.rollaxis(x, 2) ** 3)


def diagflat_fn(x):
    return np.sum(np.diagflat(x) ** 2)


def np_float64_cast(a):
    return np.float64(a) * a


def divmod_fn(a):
    return divmod(a, 0.3)[1] * a


def del_item(x):
    d = {"a": x, "b": 2.0 * x}
    del d["b"]
    return np.sum(d["a"])


def del_then_read(a):
    b = a * 2.0
    del b
    return b


def augmented_alias_array(a, b):
    y = a
    y += b              # with array arguments this would change a as well
    return np.sum(y * a)


def fancy_write_repeated(x):
    y = np.zeros(3)
    y[np.array([0, 2, 0])] = x
    return np.sum(y)


def try_block(a):
    try:
        b = a * 2.0
    except ValueError:
        b = a
    return b


def starred_unpack(x):
    first, *rest = x
    return first * np.sum(np.array(rest))


def walrus(a):
    if (b := a * 2.0) > 1.0:
        return b * a
    return b


# ---------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------

_rng = np.random.default_rng(20240612)


def R(*shape):
    return _rng.standard_normal(shape)


IDX = np.array([2, 0, 2, 1])

# (function, arguments, wrt): a scalar result, checked through grad
GRADS = [
    (starred_unpack, (R(4),), 0),  # first, *rest = x (reads by position)
    (walrus, (0.7,), 0),  # (b := ...) in an if test
    (rollaxis_fn, (R(2, 3, 4),), 0),
    (diagflat_fn, (R(2, 2),), 0),
    (np_float64_cast, (0.7,), 0),
    (identity, (0.7,), 0),
    (negate, (0.7,), 0),
    (rename, (0.7,), 0),
    (affine, (0.7, -1.3, 0.4), (0, 1, 2)),
    (const_left, (0.7,), 0),
    (self_ops, (0.7,), 0),
    (augmented_scalar, (0.7, 1.3), (0, 1)),
    (overwrite_chain, (0.7,), 0),
    (int_powers, (0.7,), 0),
    (int_powers, (-1.3,), 0),
    (both_pow, (1.7, 0.6), (0, 1)),
    (abs_neg_float, (-0.7, 1.3), (0, 1)),
    (abs_neg_float, (0.7, 1.3), (0, 1)),
    (unused_arg, (0.7, 1.3), (0, 1)),
    (unused_arg, (R(3), R(2)), (0, 1)),
    (constant_result, (0.7,), 0),
    (math_scalar, (0.7,), 0),
    (nested_calls, (0.7, -1.3, 0.4), (0, 1, 2)),
    (call_in_loop, (0.7,), 0),
    (default_arg, (0.7, -1.3), (0, 1)),
    (tuple_return, (0.7, -1.3), (0, 1)),
    (tuple_subscript, (0.7, -1.3), (0, 1)),
    (tuple_unpack_arg, ((0.7, -1.3, 0.4),), 0),
    (tuple_pick, (0.7, -1.3, 0.4), (0, 1, 2)),
    (swap, (0.7, -1.3), (0, 1)),
    (dict_args, ({"a": 0.7, "b": R(3), "c": {"d": 1.3}},), 0),
    (if_else, (0.7,), 0),
    (if_else, (-0.7,), 0),
    (nested_if, (0.7,), 0),
    (nested_if, (11.0,), 0),
    (nested_if, (-0.7,), 0),
    (elif_chain, (-0.5, 1.0), (0, 1)),
    (elif_chain, (2.0, -1.0), (0, 1)),
    (elif_chain, (1.0, 0.2), (0, 1)),
    (early_return, (1.5,), 0),
    (early_return, (-1.5,), 0),
    (early_return, (0.5,), 0),
    (while_counter, (0.7,), 0),
    (while_data, (3.7,), 0),
    (range_step, (R(5),), 0),
    (for_nested, (0.7,), 0),
    (cond_in_loop, (0.7,), 0),
    (ternary, (0.7, -1.3), (0, 1)),
    (ternary, (-0.7, 1.3), (0, 1)),
    (comparison_chain, (0.7, 1.3), (0, 1)),
    (comparison_chain, (1.7, -1.3), (0, 1)),
    (comparison_chain, (-0.7, 1.3), (0, 1)),
    (bool_ops_scalar, (0.7, 1.3), (0, 1)),
    (bool_ops_scalar, (0.7, -1.3), (0, 1)),
    (break_continue, (np.array([0.5, -0.3, 1.2, -2.0, 0.8]),), 0),
    (statements, (0.7,), 0),
    (del_in_loop, (R(3),), 0),
    (list_literal, (0.7,), 0),
    (list_comp, (R(4),), 0),
    (list_index_loop, (R(3),), 0),
    (attributes, (R(3, 4),), 0),
    (products, (R(3, 3), R(3, 3), R(3)), (0, 1, 2)),
    (reductions_axis, (R(3, 4),), 0),
    (reductions_tuple_axis, (R(2, 3, 4),), 0),
    (reductions_3d, (R(2, 3, 4),), 0),
    (var_std, (R(3, 4),), 0),
    (elementwise_fns, (R(3, 2),), 0),
    (elementwise_more, (R(5),), 0),
    (maximum_minimum, (R(4), R(4)), (0, 1)),
    (where_fn, (R(4), R(4)), (0, 1)),
    (broadcast_ops, (R(3, 4), R(4), R(3, 1)), (0, 1, 2)),
    (power_both_arrays, (R(4), R(4)), (0, 1)),
    (logaddexp_fn, (R(4), R(4)), (0, 1)),
    (shape_fns, (R(2, 3, 4),), 0),
    (transpose_default, (R(2, 3, 4),), 0),
    (expand_squeeze, (R(4),), 0),
    (newaxis_fn, (R(3), R(4)), (0, 1)),
    (tile_repeat, (R(3, 3),), 0),
    (flip_roll, (R(3, 4),), 0),
    (outer_inner_kron, (R(3), R(4)), (0, 1)),
    (kron_matrices, (R(2, 3), R(3, 2)), (0, 1)),
    (trace_diag, (R(4, 4),), 0),
    (triangles, (R(3, 3),), 0),
    (cumulative, (R(6),), 0),
    (norms, (R(4), R(3, 4)), (0, 1)),
    (concat_stack, (R(4), R(4)), (0, 1)),
    (negative_steps, (R(6),), 0),
    (slices_2d, (R(3, 4),), 0),
    (extended_slice_newaxis, (R(6),), 0),
    (bool_mask, (R(6),), 0),
    (fancy_index, (R(3, 2), IDX), 0),
    (ellipsis_index, (R(2, 3, 4),), 0),
    (index_write, (R(4),), 0),
    (rnn_rows, (R(3, 2), R(2, 3)), (0, 1)),
    (logistic_regression, (R(4, 3), np.array([1.0, 0.0, 1.0, 0.0]), R(3), 0.3), (0, 2, 3)),
    (overwrite_call, (R(3),), 0),
    (cast_sum, (R(3),), 0),
    (np_scalar_fns, (0.7,), 0),
    (index_from_value, (R(3),), 0),
    # more NumPy and Python forms
    (ufuncs_autograd, (R(5), R(5)), (0, 1)),
    (dot_scalar, (0.7, R(3), R(3, 3)), (0, 1, 2)),
    (atleast, (0.7, R(3)), (0, 1)),
    (tensordots, (R(3, 4), R(4, 3)), (0, 1)),
    (einsums, (R(3, 4), R(4, 2)), (0, 1)),
    (trace_offsets, (R(4, 5),), 0),
    (prod_clip_sort, (R(5),), 0),
    (sum_keepdims_none, (R(3, 4),), 0),
    (norm_ord_axis, (R(3, 4),), 0),
    (vector_norm_variants, (R(4),), 0),
    (inner_nd, (R(2, 3), R(4, 3)), (0, 1)),
    (reshape_forms, (R(3, 4),), 0),
    (swap_move, (R(2, 3, 4),), 0),
    (roll_axis_none, (R(3, 4),), 0),
    (repeat_axis, (R(3, 4),), 0),
    (tile_more, (R(3, 4),), 0),
    (diag_more, (R(3), R(4, 4)), (0, 1)),
    (cumprod_axis, (R(3, 4),), 0),
    (squeeze_forms, (R(1, 2, 3, 1),), 0),
    (expand_more, (R(2, 3),), 0),
    (fancy_more, (R(3, 3),), 0),
    (neg_index_2d, (R(3, 4),), 0),
    (where_broadcast, (R(4), 0.7), (0, 1)),
    (max_min_broadcast, (R(3, 4), R(4), 0.3), (0, 1, 2)),
    (mean_std_ddof, (R(3, 4),), 0),
    (sqrt_where, (R(5),), 0),
    (matmul_vec, (R(3, 4), R(3), R(4)), (0, 1, 2)),
    (scalar_array_mix, (1.3, np.abs(R(4)) + 0.5), (0, 1)),
    (T_attr, (R(3, 4),), 0),
    (list_elem_aug, (0.7, 1.3), (0, 1)),
    (math_more, (0.7, 1.3), (0, 1)),
    (floordiv_mod, (0.7, 0.4), (0, 1)),
    (global_read, (0.7,), 0),
    (chain_methods, (R(3, 3),), 0),
    (nested_returns_tuple, (0.7, 1.3), (0, 1)),
    (while_array, (R(3),), 0),
    (for_over_array_rows, (R(3, 2),), 0),
    (reversed_loop, (R(4),), 0),
    (zero_grad_fns, (R(4),), 0),
    (early_return_loop, (np.array([0.3, 0.5, 1.5, 2.0]),), 0),
    (early_return_loop, (np.array([0.3, 0.5, 0.5, 0.2]),), 0),
    (shadow_builtin, (R(4),), 0),
    (int_float_mix, (R(4),), 0),
    (chained_compare_arrays, (R(6),), 0),
    (kron_scalar, (0.7, R(2, 2)), (0, 1)),
    (multiple_assign, (0.7,), 0),
    (aug_attr_sub, (R(3, 3),), 0),
    (and_value, (0.7, 1.3), (0, 1)),  # `and`/`or` on values select an operand, as in Python
    (or_value, (0.7, 1.3), (0, 1)),
]

# (function, arguments, wrt, what the message says)
REFUSED = [
    (star_args, (0.7, 1.0), 0, "\\*args"),
    (kwonly, (0.7,), 0, "keyword-only"),
    (list_append_pop, (R(4),), 0, r"no derivative rule for the method \.pop\(\)"),
    (del_item, (R(3),), 0, "'del' of an item or attribute cannot be differentiated"),
    (del_then_read, (0.7,), 0, "'b' may be used before it is assigned on this path"),
    (augmented_alias_array, (R(3), R(3)), 0, "'y' and 'a' name the same value"),
    (fancy_write_repeated, (R(3),), 0, "whose index repeats an element"),
    (try_block, (0.7,), 0, "no derivative rule for the try statement"),
]


def _id(row):
    wrt = row[2] if isinstance(row[2], tuple) else (row[2],)
    return f"{row[0].__name__}-wrt{''.join(map(str, wrt))}"


def _ids(rows):
    seen = {}
    out = []
    for row in rows:
        name = _id(row)
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return out


@pytest.mark.parametrize("f, args, wrt", GRADS, ids=_ids(GRADS))
def test_grad(f, args, wrt):
    indices = wrt if isinstance(wrt, tuple) else (wrt,)
    want = [numeric(f, args, i) for i in indices]
    got = sg.grad(f, wrt=wrt)(*copy.deepcopy(args))
    got = got if isinstance(wrt, tuple) else (got,)
    for g, i, w in zip(got, indices, want):
        check_leaves(g, args[i], w, 1e-6)


@pytest.mark.parametrize("f, args, wrt, message", REFUSED, ids=_ids(REFUSED))
def test_refused(f, args, wrt, message):
    with pytest.raises(sg.S2SGradError, match=message) as info:
        sg.grad(f, wrt=wrt)(*args)
    assert "test_corpus_classic.py:" in str(info.value)


# ---------------------------------------------------------------------------
# second order: hvp against central differences of the gradient
# ---------------------------------------------------------------------------

# Rows whose second order is refused (the message names the generated gradient's line
# and the user's line behind it). Writes in place are no reason any more: the gradient
# differentiated again is generated in its functional flavour (docs/internals.md), and
# index_write, rnn_rows, list_elem_aug and aug_attr_sub, refused before, are checked below.
HVP_REFUSED = set()


def _first_float_wrt(row):
    f, args, wrt = row
    i = wrt[0] if isinstance(wrt, tuple) else wrt
    x = args[i]
    return isinstance(x, float) or (isinstance(x, np.ndarray) and x.dtype.kind == "f")


HVP_ROWS = [row for row in GRADS if _first_float_wrt(row)]


@pytest.mark.parametrize("f, args, wrt", HVP_ROWS, ids=_ids(HVP_ROWS))
def test_hvp(f, args, wrt):
    i = wrt[0] if isinstance(wrt, tuple) else wrt
    x = args[i]
    v = np.random.default_rng(len(f.__name__)).standard_normal(np.shape(x)) if np.ndim(x) else 0.7
    if f.__name__ in HVP_REFUSED:
        with pytest.raises(sg.S2SGradError, match="cannot be differentiated again|shares its memory") as info:
            sg.hvp(f, wrt=i)(*copy.deepcopy(args), v)
        # the generated line, and the user's line it comes from (forward-sweep lines too)
        loc = info.value.loc
        assert loc.filename.startswith("<s2sgrad:")
        assert str(info.value).count("in the derivative of " + __file__ + ":") == 1
        return
    gradient = sg.grad(f, wrt=i)

    def grad_at(t):
        moved = list(copy.deepcopy(args))
        moved[i] = x + t * v
        return np.asarray(gradient(*moved), dtype=float)
    eps = 1e-5
    want = (grad_at(eps) - grad_at(-eps)) / (2 * eps)
    got = sg.hvp(f, wrt=i)(*copy.deepcopy(args), v)
    np.testing.assert_allclose(np.asarray(got, dtype=float), want, rtol=1e-4, atol=1e-6)
