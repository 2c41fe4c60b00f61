"""The helpers the SciPy rules' derivatives call (rules/scipy_*.py). They use NumPy
only, so the runtime imports without SciPy: index bookkeeping for the structured
matrices (toeplitz, circulant, block_diag), LU pivots, and a shape check."""

import numpy as np

from .shapes import _shape
from .numpy_adjoints import Parts, _not_differentiable

__all__ = ["diagonal_offsets", "block_diag_index", "pivot_permutation", "square_matrix", "pair_adjoint"]


def diagonal_offsets(g):
    """D[i, j] = i - j for a matrix shaped like g: which diagonal each entry is on."""
    m, n = _shape(g)[-2:]
    return np.arange(m)[:, None] - np.arange(n)[None, :]


def block_diag_index(k, *arrays):
    """The (rows, columns) slices of the k-th block of scipy.linalg.block_diag(*arrays)
    (a 1-d or 0-d block is one row)."""
    shapes = [np.atleast_2d(np.zeros(_shape(a))).shape[-2:] for a in arrays]
    row = sum(s[0] for s in shapes[:k])
    col = sum(s[1] for s in shapes[:k])
    return slice(row, row + shapes[k][0]), slice(col, col + shapes[k][1])


def pivot_permutation(piv):
    """The row order `perm` of LAPACK's pivots from scipy.linalg.lu_factor: a[perm] = L U."""
    perm = np.arange(len(piv))
    for i, p in enumerate(piv):
        perm[i], perm[p] = perm[p], perm[i]
    return perm


def square_matrix(x):
    """x, if it is a square matrix (or a stack of them); the rules that need one call this."""
    shape = np.shape(x)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise _not_differentiable(f"the LU factors of a non-square matrix (shape {shape})")
    return x


def pair_adjoint(g):
    """The adjoint of a pair (matrix, flag or pivots) whose second item has none:
    cho_factor's (c, lower), lu_factor's (lu, piv). Parts, so that adjoints add item by item."""
    return Parts((g, 0.0))
