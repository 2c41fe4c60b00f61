"""The runtime helpers in the form Numba compiles: what code generated with `jit=True` imports.

Each helper is the plain one of the runtime (`shapes.py`, `indexing.py`, ...) when called
from Python (so the compiled source also runs uncompiled), and has a Numba implementation
chosen by the types of its arguments when compiled (`numba.extending.overload`): a number,
a NumPy array, a tuple of numbers. Only what scalar and element loops need is here; a
helper missing (a matmul adjoint, a dict of gradients) makes Numba refuse the function,
which `jit=True` reports as an S2SGradError naming the line.

Two differences from the interpreted helpers, both invisible in results:
- `shape_of(array)` keeps the array itself (a reference, not a copy): Numba has no
  `Shape` object, and the array's shape is what the sweep reads of it.
- a broadcast that the NumPy helpers would sum away (a (1, n) adjoint into a (n,)
  array) raises `JitBroadcastError`, which the caller reports as an S2SGradError.

This module imports Numba; only the jit mode imports it.
"""

import numpy as np
from numba import njit, types
from numba.extending import overload, overload_method
from numba.np import numpy_support

from . import containers, guards, indexing, numpy_adjoints, ownership, products, shapes

__all__ = [
    "add_at",
    "cumsum_adjoint",
    "dot_lhs",
    "divide_or_zero",
    "dot_rhs",
    "grad_seed",
    "matmul_lhs",
    "matmul_rhs",
    "norm_adjoint",
    "owned",
    "not_a_dict",
    "not_a_view",
    "holds_array",
    "part",
    "power_slope",
    "power_slope_dx",
    "range_length",
    "reduce_count",
    "saved_part",
    "shape_of",
    "split_last",
    "tape_slot",
    "unbroadcast",
    "undiag",
    "undiff",
    "unreduce",
    "zeros_like",
]


class JitBroadcastError(ValueError):
    """An adjoint of another shape than its value's, in compiled code (NumPy broadcasting
    that the compiled helpers do not undo)."""


_BROADCAST = "jit=True: an adjoint of another shape than its value (a broadcast); compiled helpers do not sum it"


def _is_number(t):
    return isinstance(t, (types.Number, types.Boolean))


def _is_numbers(t):
    return isinstance(t, types.UniTuple) and _is_number(t.dtype)


def _stub(name, module):
    """A function of this module standing for the runtime helper `name` of `module`: the
    same in Python, and its own function object for Numba's overloads (the runtime's
    belong to the interpreted mode)."""
    original = getattr(module, name)

    def helper(*args):
        return original(*args)

    helper.__name__ = helper.__qualname__ = name
    helper.__doc__ = original.__doc__
    helper.__module__ = __name__
    return helper


shape_of = _stub("shape_of", shapes)
unbroadcast = _stub("unbroadcast", shapes)
zeros_like = _stub("zeros_like", shapes)
grad_seed = _stub("grad_seed", shapes)
unreduce = _stub("unreduce", shapes)
reduce_count = _stub("reduce_count", shapes)
owned = _stub("owned", ownership)
part = _stub("part", indexing)
saved_part = _stub("saved_part", ownership)
add_at = _stub("add_at", indexing)
not_a_dict = _stub("not_a_dict", guards)
not_a_view = _stub("not_a_view", guards)
holds_array = _stub("holds_array", guards)
matmul_lhs = _stub("matmul_lhs", products)
matmul_rhs = _stub("matmul_rhs", products)
dot_lhs = _stub("dot_lhs", products)
dot_rhs = _stub("dot_rhs", products)
split_last = _stub("split_last", containers)
divide_or_zero = _stub("divide_or_zero", numpy_adjoints)
power_slope = _stub("power_slope", numpy_adjoints)
power_slope_dx = _stub("power_slope_dx", numpy_adjoints)
norm_adjoint = _stub("norm_adjoint", numpy_adjoints)
undiff = _stub("undiff", numpy_adjoints)
cumsum_adjoint = _stub("cumsum_adjoint", numpy_adjoints)
undiag = _stub("undiag", numpy_adjoints)


@njit(cache=False)
def range_length(start, stop, step):
    """len(range(start, stop, step)): what an index loop over a reversed range counts down from."""
    if step > 0:
        return max(0, (stop - start + step - 1) // step)
    return max(0, (start - stop - step - 1) // -step)


def tape_slot(size, item):
    """Where a loop of `size` passes keeps one item of its tape (numba_tapes.preallocate):
    a list here; compiled, an array of the item's type if it is a number."""
    return [item] * size


@overload(tape_slot)
def _tape_slot(size, item):
    if _is_number(item):
        dtype = numpy_support.as_dtype(types.unliteral(item))
        return lambda size, item: np.empty(size, dtype)
    return lambda size, item: [item] * size


# ... and its compiled forms, by argument types


@overload(shape_of)
def _shape_of(x):
    return lambda x: x  # a number or an array: itself (see the module's docstring)


@overload(unbroadcast)
def _unbroadcast(g, x):
    if _is_number(x):
        if _is_number(g):
            return lambda g, x: g
        if isinstance(g, types.Array):
            return lambda g, x: g.sum()
    if isinstance(x, types.Array) and isinstance(g, types.Array) and g.ndim == x.ndim:

        def same(g, x):
            if g.shape != x.shape:
                raise JitBroadcastError(_BROADCAST)
            return g

        return same
    if isinstance(x, types.Array) and x.ndim == 0 and _is_number(g):
        return lambda g, x: g
    if isinstance(x, types.Array) and _is_number(g):

        def number_into(g, x):
            raise JitBroadcastError(_BROADCAST)
            return np.full(x.shape, g)

        return number_into
    if _is_numbers(x) and _is_numbers(g):
        return lambda g, x: g
    return None


@overload(zeros_like)
def _zeros_like(x):
    if _is_number(x):
        return lambda x: 0.0
    if isinstance(x, types.Array):
        return lambda x: np.zeros(x.shape)
    if _is_numbers(x):
        n = x.count
        return lambda x: np.zeros(n)  # a tuple's adjoint: an array of its items' adjoints
    if isinstance(x, types.List) and _is_number(x.dtype):
        return lambda x: [0.0 for _ in x]  # a list's adjoint: a list of its items' adjoints
    if isinstance(x, types.List) and isinstance(x.dtype, types.Array):
        return lambda x: [np.zeros(item.shape) for item in x]
    return None


@overload(grad_seed)
def _grad_seed(result):
    if _is_number(result):
        return lambda result: 1.0
    if isinstance(result, types.Array):

        def seed(result):
            if result.size != 1:
                raise JitBroadcastError("grad needs a scalar result; use sg.vjp or sg.jacobian")
            return np.ones(result.shape)

        return seed
    return None


@overload(unreduce)
def _unreduce(g, x, axis=None, keepdims=False):
    if isinstance(axis, (types.NoneType, types.Omitted)) or axis is None:
        if isinstance(x, types.Array):
            return lambda g, x, axis=None, keepdims=False: np.full(x.shape, g)
        if _is_number(x):
            return lambda g, x, axis=None, keepdims=False: g
    return None


@overload(reduce_count)
def _reduce_count(x, axis=None):
    if isinstance(axis, (types.NoneType, types.Omitted)) or axis is None:
        if isinstance(x, types.Array):
            return lambda x, axis=None: x.size
        return lambda x, axis=None: 1
    return None


@overload(owned)
def _owned(g):
    if _is_number(g):
        return lambda g: float(g)
    if isinstance(g, types.Array):
        return lambda g: g.astype(np.float64)  # (astype copies)
    return None


@overload(part)
def _part(g, index, like):
    if isinstance(g, types.Array) and isinstance(index, types.Integer) and g.ndim == 1:
        return lambda g, index, like: g[index]
    if (
        isinstance(g, types.Array)
        and isinstance(index, types.BaseTuple)
        and len(index) == g.ndim
        and all(isinstance(i, types.Integer) for i in index)
    ):
        return lambda g, index, like: g[index]  # (an element: a number)
    if isinstance(g, types.Array) and isinstance(index, (types.SliceType, types.BaseTuple)):

        def piece(g, index, like):
            out = g[index].copy()
            if out.shape != like.shape:
                raise JitBroadcastError(_BROADCAST)
            return out

        return piece
    return None


@overload(saved_part)
def _saved_part(x, index):
    if isinstance(x, types.Array) and isinstance(index, types.Integer) and x.ndim == 1:
        return lambda x, index: x[index]
    if isinstance(x, types.Array):
        return lambda x, index: x[index].copy()
    return None


@overload(add_at)
def _add_at(g, index, values):
    if isinstance(g, types.List) and isinstance(index, types.Integer):

        def add_item(g, index, values):
            g[index] += values

        return add_item
    if isinstance(g, types.Array) and isinstance(index, (types.Integer, types.SliceType, types.BaseTuple)):

        def add(g, index, values):
            g[index] += values

        return add
    return None


@overload(not_a_dict)
def _not_a_dict(x, where):
    if not isinstance(x, types.DictType):
        return lambda x, where: None  # (compiled code gets no Python dicts: nothing to check)
    return None


@overload(not_a_view)
def _not_a_view(x, message, where=None, item=False):
    if _is_number(x):
        # (an element read from an array is a number, never a view)
        return lambda x, message, where=None, item=False: None
    return None  # (compiled arrays do not tell their base: refused, the interpreted mode checks)


@overload(holds_array)
def _holds_array(x):
    arrays = isinstance(x, (types.Array, types.List))
    return lambda x: arrays


def _matmul_adjoint(left):
    """The compiled adjoint of `a` (left) or `b` in `a @ b` (and np.dot) for 1-D and 2-D
    arrays: the cases of products.matmul_lhs / matmul_rhs without batch dimensions."""

    def typer(g, a, b):
        if not (isinstance(a, types.Array) and isinstance(b, types.Array) and a.ndim in (1, 2) and b.ndim in (1, 2)):
            return None
        if (a.ndim, b.ndim) == (2, 2):
            return (lambda g, a, b: g @ b.T) if left else (lambda g, a, b: a.T @ g)
        if (a.ndim, b.ndim) == (2, 1):
            return (lambda g, a, b: np.outer(g, b)) if left else (lambda g, a, b: a.T @ g)
        if (a.ndim, b.ndim) == (1, 2):
            return (lambda g, a, b: b @ g) if left else (lambda g, a, b: np.outer(a, g))
        return (lambda g, a, b: g * b) if left else (lambda g, a, b: g * a)

    return typer


overload(matmul_lhs)(_matmul_adjoint(True))
overload(matmul_rhs)(_matmul_adjoint(False))
overload(dot_lhs)(_matmul_adjoint(True))
overload(dot_rhs)(_matmul_adjoint(False))


def _absent(t):
    """An optional argument left out, or passed as None."""
    return t is None or isinstance(t, (types.NoneType, types.Omitted))


@overload(split_last)
def _split_last(g):
    """The adjoint of a list's last element and of the rest (undoes an append)."""
    if isinstance(g, types.List):
        return lambda g: (g.pop(), g)
    if isinstance(g, types.Array) and g.ndim == 1:
        return lambda g: (g[-1], g[:-1])
    return None


@overload(power_slope)
def _power_slope(x, y, n=1):
    """d(x ** y)/dx's n-th form (numpy_adjoints.power_slope), for numbers and arrays."""

    def falling(y, n):
        c = 1
        for k in range(n):
            c = c * (y - k)
        return c

    falling = njit(falling)
    if _is_number(x) and _is_number(y):

        def number(x, y, n=1):
            c = falling(y, n)
            if c == 0:
                return 0.0
            if x == 0 and y < n:
                return c * np.inf
            return c * x ** (y - n)

        return number
    if isinstance(x, types.Array) and _is_number(y):

        def array(x, y, n=1):
            c = falling(y, n)
            if c == 0:
                return np.zeros(x.shape)
            return c * np.power(x * 1.0, y - n)

        return array
    return None


@overload(divide_or_zero)
def _divide_or_zero(a, b):
    """a / b, and 0 where b is 0 (numpy_adjoints.divide_or_zero), for numbers and arrays."""
    if _is_number(a) and _is_number(b):

        def number(a, b):
            return a / b if b != 0 else 0.0

        return number

    def array(a, b):
        zero = b == 0
        return np.where(zero, 0.0, a / np.where(zero, 1.0, b))

    return array


@overload(power_slope_dx)
def _power_slope_dx(g, x, y, n=1):
    """g * power_slope(x, y, n + 1), exactly 0 where g is 0 (numpy_adjoints.power_slope_dx)."""
    if not _is_number(y):
        return None
    if _is_number(g) and _is_number(x):

        def numbers(g, x, y, n=1):
            return 0.0 if g == 0 else g * power_slope(x, y, n + 1)

        return numbers
    if _is_number(g) and isinstance(x, types.Array):

        def scaled(g, x, y, n=1):
            return np.zeros(x.shape) if g == 0 else g * power_slope(x, y, n + 1)

        return scaled
    if isinstance(g, types.Array):

        def array(g, x, y, n=1):
            return np.where(g == 0, 0.0, g * power_slope(x, y, n + 1))

        return array
    return None


@overload(norm_adjoint)
def _norm_adjoint(g, x, ans, ord=None, axis=None, keepdims=False, kind=None):
    """The adjoint of the 2-norm of a whole array (no ord, no axis)."""
    if not (_absent(ord) and _absent(axis) and _absent(kind) and isinstance(x, types.Array)):
        return None
    if not (_is_number(g) and _is_number(ans)):
        return None

    def whole(g, x, ans, ord=None, axis=None, keepdims=False, kind=None):
        if ans == 0:
            return g * np.zeros(x.shape)
        return g * (x / ans)

    return whole


@overload(undiff)
def _undiff(g, a, n=1, axis=-1, prepend=None, append=None):
    """The adjoint of np.diff of a vector (no prepend, no append): n transposed differences."""
    if not (isinstance(g, types.Array) and isinstance(a, types.Array) and g.ndim == 1 and a.ndim == 1):
        return None
    if not (_absent(prepend) and _absent(append)):
        return None

    def vector(g, a, n=1, axis=-1, prepend=None, append=None):
        out = g.astype(np.float64)
        for _ in range(n):
            m = out.shape[0]
            back = np.empty(m + 1)
            back[0] = -(out[0] - 0.0)
            for i in range(1, m):
                back[i] = -(out[i] - out[i - 1])
            back[m] = -(0.0 - out[m - 1])
            out = back
        return out[: a.shape[0]].copy()

    return vector


@overload(cumsum_adjoint)
def _cumsum_adjoint(g, a, axis=None, include_initial=False):
    """The adjoint of np.cumsum of a vector: a cumulative sum from the end."""
    if not (isinstance(g, types.Array) and isinstance(a, types.Array) and g.ndim == 1 and a.ndim == 1):
        return None

    def vector(g, a, axis=None, include_initial=False):
        if include_initial:
            g = g[1:]
        return np.cumsum(g[::-1])[::-1].copy()

    return vector


@overload(undiag)
def _undiag(g, v, k=0):
    """The adjoint of np.diag(v, k) of a vector: the k-th diagonal of g."""
    if not (isinstance(g, types.Array) and isinstance(v, types.Array) and g.ndim == 2 and v.ndim == 1):
        return None

    def diagonal(g, v, k=0):
        row, col = max(-k, 0), max(k, 0)
        n = min(g.shape[0] - row, g.shape[1] - col)
        out = np.empty(n, g.dtype)
        for i in range(n):
            out[i] = g[row + i, col + i]
        return out

    return diagonal


@overload_method(types.Number, "copy")
def _number_copy(x):
    """`g[i].copy()`: generated code copies an element it reads from an array (a NumPy
    scalar has .copy(); a compiled element is a plain number, its own copy)."""
    return lambda x: x
