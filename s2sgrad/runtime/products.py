"""Adjoints of the engine's products: `a @ b` (matmul_lhs, matmul_rhs) and
`np.dot(a, b)` (dot_lhs, dot_rhs), for any dimensions."""

import numpy as np

from .shapes import as_array, unbroadcast

__all__ = ["matmul_lhs", "matmul_rhs", "dot_lhs", "dot_rhs"]


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
        return a[:, None] * as_array(g)[..., None, :] if np.ndim(b) >= 2 else g * a
    if np.ndim(b) == 1:
        return unbroadcast(np.swapaxes(a, -1, -2) @ g[..., None], b[:, None])[..., 0]
    return unbroadcast(np.swapaxes(a, -1, -2) @ g, b)


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
