"""The adjoints of np.quantile, np.percentile, np.median and their nan-ignoring twins.

Each of NumPy's quantile methods that is piecewise linear in the data reads, for every
slice, two order statistics s[lo] and s[hi] = s[lo + 1] and returns
s[lo] (1 - gamma) + s[hi] gamma, where lo and gamma depend only on q, the slice's length
and the method. Those positions are taken from NumPy itself (the quantile of
0, 1, ..., n - 1 is the virtual index lo + gamma), so every method agrees with it. The
derivative moves the adjoint to the elements at those two sorted positions (ties: in
stable order, as np.sort's rule), and is constant while the order does not change.
"""

import numpy as np

__all__ = ["quantile_adjoint", "quantile_tangent"]


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(sorted(int(a) % max(ndim, 1) for a in axes))


def _frame(a, axis):
    """`a` with the reduced axes moved last and flattened: (rest of the shape, n)."""
    a = np.asarray(a, dtype=float)
    axes = _axes(axis, a.ndim)
    moved = np.moveaxis(a, axes, tuple(range(a.ndim - len(axes), a.ndim)))
    rest = moved.shape[: a.ndim - len(axes)]
    return moved.reshape(rest + (-1,)), axes


def _unframe(frame, shape, axes):
    rest_ndim = len(shape) - len(axes)
    moved_shape = tuple(d for i, d in enumerate(shape) if i not in axes) + tuple(shape[i] for i in axes)
    moved = frame.reshape(moved_shape)
    return np.moveaxis(moved, tuple(range(rest_ndim, len(shape))), axes)


def _positions(frame, q, method, nan):
    """For every q and slice (flattened to (Q, R)): the frame indices of the two order
    statistics and their weights."""
    rows = frame.reshape(-1, frame.shape[-1])
    n = rows.shape[-1]
    order = np.argsort(rows, axis=-1, kind="stable")  # nan sorts last
    counts = np.sum(~np.isnan(rows), axis=-1) if nan else np.full(len(rows), n)
    q = np.asarray(q, dtype=float).reshape(-1)
    virtual = np.zeros((len(q), len(rows)))
    for count in np.unique(counts):
        if count > 0:
            at = np.quantile(np.arange(count, dtype=float), q, method=method)
            virtual[:, counts == count] = np.reshape(at, (-1, 1))
    lo = np.floor(virtual)
    gamma = virtual - lo
    lo = lo.astype(np.intp)
    hi = np.minimum(lo + 1, np.maximum(counts - 1, 0))
    live = counts > 0  # an all-nan slice's result is nan: nothing flows back
    r = np.arange(len(rows))
    return order[r, lo], order[r, hi], (1.0 - gamma) * live, gamma * live


def quantile_adjoint(g, a, q, axis=None, method="linear", nan=False):
    """Adjoint of `a` in np.quantile(a, q, axis, method=method) (np.nanquantile if `nan`)."""
    frame, axes = _frame(a, axis)
    i_lo, i_hi, w_lo, w_hi = _positions(frame, q, method, nan)
    g = np.reshape(np.asarray(g, dtype=float), w_lo.shape)  # q's shape, then the kept axes
    out = np.zeros((int(np.prod(frame.shape[:-1])), frame.shape[-1]))
    rows = np.broadcast_to(np.arange(len(out)), i_lo.shape)
    np.add.at(out, (rows, i_lo), g * w_lo)
    np.add.at(out, (rows, i_hi), g * w_hi)
    return _unframe(out, np.shape(a), axes)


def quantile_tangent(t, a, q, axis=None, method="linear", keepdims=False, nan=False):
    """The tangent of np.quantile(a, q, axis, method=method, keepdims=keepdims) along t
    (the transpose of quantile_adjoint)."""
    frame, axes = _frame(a, axis)
    i_lo, i_hi, w_lo, w_hi = _positions(frame, q, method, nan)
    t_frame, _ = _frame(np.broadcast_to(t, np.shape(a)), axis)
    t_rows = t_frame.reshape(-1, frame.shape[-1])
    r = np.arange(len(t_rows))
    out = t_rows[r, i_lo] * w_lo + t_rows[r, i_hi] * w_hi
    kept = [1 if i in axes else d for i, d in enumerate(np.shape(a))] if keepdims else frame.shape[:-1]
    return out.reshape(np.shape(q) + tuple(kept))[()]  # (a NumPy scalar, as np.quantile gives, when 0-d)
