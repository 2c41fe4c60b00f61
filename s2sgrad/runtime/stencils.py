"""The adjoint of np.gradient: the transpose of its finite-difference stencils.

np.gradient is linear in f. Along one axis of length n each output reads a window of
three consecutive inputs (the centred difference; one-sided at the ends, two or three
points for edge_order 1 or 2), whatever the spacing. The coefficients are read from
NumPy itself: applying np.gradient to the comb vectors c_r (ones at the indices equal to
r modulo 3) gives, at output i, the coefficient of the window's one input of residue r.
The transpose scatters each output's adjoint back onto its window with those
coefficients, so every spacing form (scalar, per-axis coordinates) and edge order agrees
with NumPy.
"""

import numpy as np

__all__ = ["gradient_adjoint"]


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(int(a) % ndim for a in axes)


def _spacing(varargs, k, count):
    """The spacing argument for the k-th of `count` axes, as np.gradient reads them."""
    if not varargs:
        return ()
    return (varargs[0],) if len(varargs) == 1 else (varargs[k],)


def _transpose_along(g, n, spacing, edge_order):
    """The transpose of np.gradient along the last axis of g (length n)."""
    index = np.arange(n)
    combs = [(index % 3 == r).astype(float) for r in range(3)]
    coefficients = np.stack([np.gradient(c, *spacing, edge_order=edge_order) for c in combs])  # (3, n)
    start = np.clip(index - 1, 0, max(n - 3, 0))
    out = np.zeros(g.shape[:-1] + (n,))
    for slot in range(3):
        window = np.minimum(start + slot, n - 1)
        weight = np.where(start + slot < n, coefficients[window % 3, index], 0.0)
        np.add.at(np.moveaxis(out, -1, 0), window, np.moveaxis(g * weight, -1, 0))
    return out


def gradient_adjoint(g, f, *varargs, axis=None, edge_order=1):
    """Adjoint of f in np.gradient(f, *varargs, axis=axis, edge_order=edge_order); `g` is
    the sequence of the outputs' adjoints when there are several axes."""
    shape = np.shape(f)
    axes = _axes(axis, len(shape))
    gs = [g] if len(axes) == 1 else list(g)
    out = np.zeros(shape)
    for k, (ax, gk) in enumerate(zip(axes, gs)):
        gk = np.moveaxis(np.broadcast_to(np.asarray(gk, dtype=float), shape), ax, -1)
        part = _transpose_along(gk, shape[ax], _spacing(varargs, k, len(axes)), edge_order)
        out = out + np.moveaxis(part, -1, ax)
    return out
