"""Shapes: what an adjoint's shape must be and how it gets there.

`unbroadcast` and `sum_to` sum an adjoint down to its value's shape, `unreduce`
spreads a reduction's adjoint back, `zeros_like` and `grad_seed` start adjoints,
and `shape_of` keeps only a value's shape (a `Shape`) where a loop's reverse
needs nothing more; each helper accepts a `Shape` wherever it needs only a shape.
`is_array` and `as_array` keep Dask and CuPy arrays in their own library.
"""

import numpy as np


__all__ = [
    "unbroadcast",
    "zeros_like",
    "grad_seed",
    "sum_to",
    "unreduce",
    "reduce_count",
    "shape_of",
    "broadcast_like",
    "reduce_like",
]


class Shape:
    """What a loop keeps of a value the reverse sweep needs only the shape of."""

    __slots__ = ("dims",)

    def __init__(self, dims):
        self.dims = dims

    def __repr__(self):
        return f"Shape{self.dims}"


def shape_of(x):
    """Keep only the shape of `x` (helpers accept it wherever they need just a shape); of
    each item, for a list, tuple or dict."""
    if isinstance(x, dict):
        return {k: shape_of(v) for k, v in x.items()}
    if isinstance(x, list):
        return [shape_of(v) for v in x]
    if isinstance(x, tuple):  # a plain tuple, even for a named one (slogdet's result)
        return tuple(shape_of(v) for v in x)
    return Shape(np.shape(x))


def is_array(x):
    """Whether `x` is an array of some array library that dispatches NumPy's functions
    (NumPy, Dask, CuPy: they define `__array_function__`; NumPy scalars do not)."""
    return hasattr(type(x), "__array_function__")


def as_array(x, dtype=None):
    """`x` as an array of its own library: an array (NumPy, Dask, CuPy) stays one, cast
    to `dtype` if given, so that a Dask array stays lazy and a CuPy array on its GPU;
    numbers and lists become NumPy arrays (np.asarray would compute a Dask array)."""
    if is_array(x):
        return x if dtype is None or x.dtype == dtype else x.astype(dtype)
    return np.asarray(x, dtype=dtype)


def _float_dtype(x):
    return np.result_type(x.dtype if is_array(x) else x, np.float64)


def _shape(x):
    return x.dims if isinstance(x, Shape) else np.shape(x)


def unbroadcast(g, x):
    """Sum `g` down to the shape of `x` (undoing NumPy broadcasting). Adjoints of lists and
    tuples (of a list argument's items) add item by item: they pass as they are."""
    if isinstance(x, (list, tuple, dict)):
        if isinstance(x, (list, tuple)) and hasattr(g, "__len__") and len(g) != len(x):
            # `a + b` read as numbers where a and b were lists (a concatenation): never a wrong adjoint
            from ..errors import S2SGradError

            raise S2SGradError(
                f"a list or tuple of {len(x)} items was joined with + or * where s2sgrad took it for a number",
                None,
                "list concatenation",
                "write list(a) + list(b), so that s2sgrad reads a concatenation",
            )
        return g
    shape = _shape(x)
    if np.shape(g) == shape:
        return g
    return sum_to(g, shape)


def sum_to(g, shape):
    g = as_array(g)
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    elif extra < 0:
        # `u[1:] = v` may write a v of shape (1, n) into n elements (NumPy drops leading 1s)
        g = g.reshape((1,) * -extra + g.shape)
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape) if g.shape != shape else g


def zeros_like(x):
    """A zero adjoint for `x`: a float for a number, an array of x's shape for an
    array, and the same container of zeros for a dict, list or tuple (a list for
    a tuple, so that it can be filled in place)."""
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [zeros_like(v) for v in x]
    if is_array(x):
        return np.zeros_like(x, dtype=_float_dtype(x))
    if isinstance(x, (int, float, np.number)):
        return 0.0
    return np.zeros(_shape(x))


def grad_seed(result):
    """The adjoint 1 that starts the reverse sweep; `result` must be a scalar."""
    if isinstance(result, (tuple, list, dict)) or getattr(result, "size", np.size(result)) != 1:
        from ..errors import S2SGradError

        if isinstance(result, tuple):
            raise S2SGradError(
                f"grad needs a scalar result, got a tuple of {len(result)} values",
                hint="if the function returns (loss, aux), pass has_aux=True: "
                "sg.grad(f, has_aux=True) gives (gradient, aux)",
            )
        raise S2SGradError(
            f"grad needs a scalar result, got shape {np.shape(result)}; "
            "use sg.vjp for a vector-Jacobian product or sg.jacobian for the full Jacobian"
        )
    return np.ones_like(result, dtype=_float_dtype(result)) if is_array(result) else 1.0


def unreduce(g, x, axis=None, keepdims=False):
    """Broadcast the adjoint of a reduction of `x` over `axis` back to x's shape."""
    shape = _shape(x)
    if axis is not None and not keepdims:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        g = np.expand_dims(g, tuple(a % len(shape) for a in axes))
    return np.broadcast_to(g, shape)


def reduce_count(x, axis=None):
    """How many elements a reduction of `x` over `axis` combines."""
    shape = _shape(x)
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return int(np.prod([shape[a] for a in axes]))


def broadcast_like(t, ans):
    """A tangent spread to the shape of the result it belongs to (forward mode's unbroadcast)."""
    if isinstance(ans, (list, tuple, dict)):
        return t
    shape = _shape(ans)
    return t if np.shape(t) == shape else np.broadcast_to(t, shape)


def reduce_like(G, g, axis=None, keepdims=False):
    """The transpose of `unreduce`: sum `G` back to the shape of the reduced `g`."""
    return np.reshape(np.sum(G, axis=axis, keepdims=keepdims), np.shape(g))
