"""The runtime helpers in the form Numba compiles: what code generated with `jit=True` imports.

Each helper is the plain one of `core.py` when called from Python (so the compiled source
also runs uncompiled), and has a Numba implementation chosen by the types of its
arguments when compiled (`numba.extending.overload`): a number, a NumPy array, a tuple of
numbers. Only what scalar and element loops need is here; a helper missing (a matmul
adjoint, a dict of gradients) makes Numba refuse the function, which `jit=True` reports
as an S2SGradError naming the line.

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

from . import core

__all__ = [
    "add_at",
    "dot_lhs",
    "dot_rhs",
    "grad_seed",
    "matmul_lhs",
    "matmul_rhs",
    "owned",
    "not_a_dict",
    "not_a_view",
    "part",
    "range_length",
    "reduce_count",
    "saved_part",
    "shape_of",
    "tape_slot",
    "unbroadcast",
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


def _stub(name):
    """A function of this module standing for core's helper `name`: the same in Python, and
    its own function object for Numba's overloads (core's belong to the interpreted mode)."""
    original = getattr(core, name)

    def helper(*args):
        return original(*args)

    helper.__name__ = helper.__qualname__ = name
    helper.__doc__ = original.__doc__
    helper.__module__ = __name__
    return helper


shape_of = _stub("shape_of")
unbroadcast = _stub("unbroadcast")
zeros_like = _stub("zeros_like")
grad_seed = _stub("grad_seed")
unreduce = _stub("unreduce")
reduce_count = _stub("reduce_count")
owned = _stub("owned")
part = _stub("part")
saved_part = _stub("saved_part")
add_at = _stub("add_at")
not_a_dict = _stub("not_a_dict")
not_a_view = _stub("not_a_view")
matmul_lhs = _stub("matmul_lhs")
matmul_rhs = _stub("matmul_rhs")
dot_lhs = _stub("dot_lhs")
dot_rhs = _stub("dot_rhs")


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
def _not_a_view(x, message):
    if _is_number(x):
        return lambda x, message: None  # (an element read from an array is a number, never a view)
    return None  # (compiled arrays do not tell their base: refused, the interpreted mode checks)


def _matmul_adjoint(left):
    """The compiled adjoint of `a` (left) or `b` in `a @ b` (and np.dot) for 1-D and 2-D
    arrays: the cases of core.matmul_lhs / matmul_rhs without batch dimensions."""

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


@overload_method(types.Number, "copy")
def _number_copy(x):
    """`g[i].copy()`: generated code copies an element it reads from an array (a NumPy
    scalar has .copy(); a compiled element is a plain number, its own copy)."""
    return lambda x: x
