"""Adjoints of reductions that need more than a broadcast: max/min (the
extremum's mask, ties split equally) and prod (the product of the other
elements, exact at zero factors, and its higher derivatives through jets)."""

import itertools

import numpy as np

from .jets import jet_adjoint_last
from .shapes import _float_dtype, as_array, unreduce

__all__ = ["extremum_mask", "times_extremum_mask", "prod_others"]


def extremum_mask(x, ans, axis=None, keepdims=False):
    """Where `x` attains its max/min along `axis`, as weights that split ties equally."""
    hit = x == unreduce(ans, x, axis, keepdims)
    weights = hit.astype(np.result_type(x, np.float64))
    if np.count_nonzero(hit) == np.size(ans) and not np.isnan(ans).any():
        return weights  # one extremum in each window (each has one, none is NaN): no ties to split
    return weights / _window_count(hit, axis)


def times_extremum_mask(g, x, ans, axis=None, keepdims=False):
    """`unreduce(g, x, axis, keepdims) * extremum_mask(x, ans, axis, keepdims)`, the
    adjoint of a max/min reduction (ties split equally), with the split made on `g`,
    of the reduction's shape: each window's `g` divided by its count of extrema,
    where the mask divides all of `x` (four times the elements for a 2 x 2 pool)."""
    hit = x == unreduce(ans, x, axis, keepdims)
    dtype = np.result_type(g, x, np.float64)  # (the product with the mask's float weights had it)
    if np.count_nonzero(hit) != np.size(ans) or np.isnan(ans).any():
        counts = _window_count(hit, axis)  # (0 in a window whose extremum is NaN: NaN there, as the mask gives)
        if axis is not None and not keepdims:
            counts = np.squeeze(counts, axis=tuple(sorted({a % np.ndim(x) for a in np.atleast_1d(axis).tolist()})))
        elif axis is None:
            counts = np.reshape(counts, np.shape(ans))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.multiply(unreduce(np.true_divide(g, counts, dtype=dtype), x, axis, keepdims), hit, dtype=dtype)
    return np.multiply(unreduce(g, x, axis, keepdims), hit, dtype=dtype)


def _window_count(hit, axis):
    """How many elements of each window (the axes `axis` of `hit`) are true, kept as
    size-1 axes. Small windows (a 2 x 2 pool) are added up from their views: NumPy's
    sum over interleaved axes (2, 4) of a 6-D array is four times slower."""
    if axis is None:
        return np.sum(hit)
    axes = sorted({a % hit.ndim for a in ((axis,) if isinstance(axis, int) else axis)})
    sizes = [hit.shape[a] for a in axes]
    if not 0 < int(np.prod(sizes)) <= 8 or axes == [hit.ndim - 1]:
        return np.sum(hit, axis=tuple(axes), keepdims=True)
    total = None
    for place in itertools.product(*(range(n) for n in sizes)):
        index = [slice(None)] * hit.ndim
        for a, k in zip(axes, place):
            index[a] = slice(k, k + 1)
        piece = hit[tuple(index)]
        total = piece.astype(np.uint8) if total is None else np.add(total, piece.view(np.uint8), out=total)
    return total


def prod_others(a, axis=None, *tangents):
    """For each element, the product of the other elements it is reduced with (the
    derivative of `prod`), exact when some factors are zero. With tangents t_1 .. t_m
    (each shaped like `a`): the derivative of that in those directions, i.e. element j
    gets the (m+1)-th derivative of the product contracted with e_j, t_1, .., t_m."""
    a = as_array(a, _float_dtype(a))
    ts = [np.broadcast_to(t, a.shape) for t in tangents]
    axes = (
        tuple(range(a.ndim)) if axis is None else tuple(x % a.ndim for x in ((axis,) if np.ndim(axis) == 0 else axis))
    )
    rest = [x for x in range(a.ndim) if x not in axes]
    order = rest + list(axes)

    def last(x):  # the reduced axes moved to the end, as one axis
        moved = np.transpose(x, order)
        return moved.reshape(moved.shape[: len(rest)] + (-1,))

    moved_shape = np.transpose(a, order).shape
    if ts:
        flat = last(a)
        to_last = np.zeros(flat.shape)
        to_last[..., -1] = 1.0  # the product is the last cumulative product
        out = jet_adjoint_last(to_last, flat, [last(t) for t in ts])
    else:
        out = _prod_others_last(last(a))
    return np.transpose(out.reshape(moved_shape), np.argsort(order))


def _prod_others_last(a):
    ones = np.ones_like(a[..., :1])
    left = np.concatenate([ones, np.cumprod(a[..., :-1], axis=-1)], axis=-1)
    right = np.concatenate([np.cumprod(a[..., :0:-1], axis=-1)[..., ::-1], ones], axis=-1)
    return left * right
