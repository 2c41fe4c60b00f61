"""The few helpers that generated derivative code calls.

Each is small, plain NumPy, and has its own derivative rule in `rules`, so
that generated code can itself be differentiated.
"""
import numpy as np

__all__ = ["unbroadcast", "zeros_like", "grad_seed", "sum_to", "unreduce", "reduce_count",
           "matmul_lhs", "matmul_rhs", "extremum_mask", "scatter", "prod_others",
           "owned", "part", "saved_part", "add_at", "dot_lhs", "dot_rhs", "shape_of", "split_last"]


class Shape:
    """What a loop keeps of a value the reverse sweep needs only the shape of."""
    __slots__ = ("dims",)

    def __init__(self, dims):
        self.dims = dims

    def __repr__(self):
        return f"Shape{self.dims}"


def shape_of(x):
    """Keep only the shape of `x` (helpers accept it wherever they need just a shape)."""
    return Shape(np.shape(x))


def _shape(x):
    return x.dims if isinstance(x, Shape) else np.shape(x)


def unbroadcast(g, x):
    """Sum `g` down to the shape of `x` (undoing NumPy broadcasting)."""
    shape = _shape(x)
    if np.shape(g) == shape:
        return g
    return sum_to(g, shape)


def sum_to(g, shape):
    g = np.asarray(g)
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
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
    if isinstance(x, np.ndarray):
        return np.zeros_like(x, dtype=np.result_type(x.dtype, np.float64))
    if isinstance(x, (int, float, np.number)):
        return 0.0
    return np.zeros(_shape(x))


def grad_seed(result):
    """The adjoint 1 that starts the reverse sweep; `result` must be a scalar."""
    if np.size(result) != 1 or isinstance(result, (tuple, list, dict)):
        from .errors import S2SGradError
        raise S2SGradError(
            f"grad needs a scalar result, got shape {np.shape(result)}; "
            "use sg.vjp for a vector-Jacobian product or sg.jacobian for the full Jacobian")
    return np.ones_like(result, dtype=np.result_type(result, np.float64)) \
        if isinstance(result, np.ndarray) else 1.0


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


def matmul_lhs(g, a, b):
    """Adjoint of `a` in `a @ b`."""
    if np.ndim(a) == 2 and np.ndim(b) == 2:
        return g @ b.T
    if np.ndim(b) == 1:
        return np.multiply.outer(g, b) if np.ndim(a) >= 2 else g * b
    if np.ndim(a) == 1:
        return unbroadcast(b @ g[..., None], a[:, None])[..., 0] if np.ndim(b) > 2 else b @ g
    return unbroadcast(g @ np.swapaxes(b, -1, -2), a)


def matmul_rhs(g, a, b):
    """Adjoint of `b` in `a @ b`."""
    if np.ndim(a) == 2 and np.ndim(b) == 2:
        return a.T @ g
    if np.ndim(a) == 1:
        return a[:, None] * np.asarray(g)[..., None, :] if np.ndim(b) >= 2 else g * a
    if np.ndim(b) == 1:
        return unbroadcast(np.swapaxes(a, -1, -2) @ g[..., None], b[:, None])[..., 0]
    return unbroadcast(np.swapaxes(a, -1, -2) @ g, b)


def extremum_mask(x, ans, axis=None, keepdims=False):
    """Where `x` attains its max/min along `axis`, as weights that split ties equally."""
    hit = (x == unreduce(ans, x, axis, keepdims)).astype(np.result_type(x, np.float64))
    return hit / unreduce(np.sum(hit, axis=axis, keepdims=keepdims), x, axis, keepdims)


def scatter(g, x, index):
    """Adjoint of `x[index]`: `g` added into a zero array shaped like `x` (repeats add up)."""
    out = zeros_like(x)
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts)


def prod_others(a, axis=None):
    """For each element, the product of the other elements it is reduced with
    (the derivative of `prod`), exact when some factors are zero."""
    a = np.asarray(a, dtype=np.result_type(a, np.float64))
    if axis is None:
        return _prod_others_last(a.reshape(-1)).reshape(a.shape)
    axes = tuple(x % a.ndim for x in ((axis,) if np.ndim(axis) == 0 else axis))
    rest = [x for x in range(a.ndim) if x not in axes]
    moved = np.transpose(a, rest + list(axes))
    flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
    out = _prod_others_last(flat).reshape(moved.shape)
    return np.transpose(out, np.argsort(rest + list(axes)))


def _prod_others_last(a):
    ones = np.ones_like(a[..., :1])
    left = np.concatenate([ones, np.cumprod(a[..., :-1], axis=-1)], axis=-1)
    right = np.concatenate([np.cumprod(a[..., :0:-1], axis=-1)[..., ::-1], ones], axis=-1)
    return left * right


def owned(g):
    """A float array of g's values that no one else holds (to update in place)."""
    return np.array(g, dtype=np.result_type(g, np.float64), copy=True)


def part(g, index, like):
    """A copy of g[index], summed to the shape of `like` (the value written there)."""
    if not _is_basic(index):
        _refuse_repeats(g, index)
    piece = g[index]
    if np.shape(piece) == _shape(like):
        return np.array(piece, copy=True) if isinstance(piece, np.ndarray) else piece
    return sum_to(piece, _shape(like))


def _refuse_repeats(g, index):
    hits = np.arange(np.size(g)).reshape(np.shape(g))[index]
    if np.unique(hits).size != np.size(hits):
        from .errors import S2SGradError
        raise S2SGradError("an assignment x[index] = v whose index repeats an element has no defined result "
                           "in NumPy (and `x[index] += v` does not add the repeats)",
                           hint="use np.add.at(x, index, v), or an index without repeats")


def saved_part(x, index):
    """A copy of what `x[index] = ...` is about to overwrite."""
    piece = x[index]
    return piece.copy() if isinstance(piece, np.ndarray) else piece


def add_at(g, index, values):
    """g[index] += values, adding up repeated indices."""
    if isinstance(g, (dict, list)):
        g[index] = g[index] + values
    elif _is_basic(index):
        g[index] += values
    else:
        np.add.at(g, index, values)


def dot_lhs(g, a, b):
    """Adjoint of `a` in `np.dot(a, b)` (any dimensions)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    if np.ndim(b) == 1:
        return np.multiply.outer(g, b)
    contracted = np.ndim(b) - 2
    others = [i for i in range(np.ndim(b)) if i != contracted]
    return np.tensordot(g, b, axes=(list(range(np.ndim(a) - 1, np.ndim(g))), others))


def dot_rhs(g, a, b):
    """Adjoint of `b` in `np.dot(a, b)` (any dimensions)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    lead = list(range(np.ndim(a) - 1))
    if np.ndim(b) == 1:
        return np.tensordot(a, g, axes=(lead, list(range(np.ndim(g)))))
    return np.moveaxis(np.tensordot(a, g, axes=(lead, lead)), 0, -2)


def split_last(g):
    """(adjoint of a list's last element, adjoint of the rest): undoes an append."""
    if isinstance(g, list):
        return g.pop(), g
    return g[-1], g[:-1]
