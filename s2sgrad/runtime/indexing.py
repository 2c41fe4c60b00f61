"""Adjoints of indexing: `x[index]` read (scatter), written (part: the
written value's adjoint) and `g[index] += v` with repeated indices (add_at)."""

import numpy as np

from .containers import Items, add_values
from .shapes import _shape, is_array, sum_to, zeros_like

__all__ = ["scatter", "part", "add_at"]


def scatter(g, x, index):
    """Adjoint of `x[index]`: `g` added into a zero array shaped like `x` (repeats add up);
    for a dict or list, into a container of zeros like it."""
    out = zeros_like(x)
    if isinstance(out, (dict, list)):
        out[index] = g
    elif _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts)


def part(g, index, like):
    """A copy of g[index], summed to the shape of `like` (the value written there)."""
    if isinstance(g, (dict, list)):
        return g[index]  # an item's adjoint, which the sweep does not change in place
    if not _is_basic(index):
        _refuse_repeats(g, index)
    piece = g[index]
    if np.shape(piece) == _shape(like):
        return piece.copy() if is_array(piece) else piece
    out = sum_to(piece, _shape(like))
    # (a reshape is a view of g; other array libraries: copied, as sharing cannot be asked)
    shares = np.may_share_memory(out, g) if isinstance(g, np.ndarray) else is_array(out)
    return out.copy() if shares else out


def _refuse_repeats(g, index):
    hits = np.arange(np.size(g)).reshape(np.shape(g))[index]
    if np.unique(hits).size != np.size(hits):
        from ..errors import S2SGradError

        raise S2SGradError(
            "an assignment x[index] = v whose index repeats an element has no defined result "
            "in NumPy (and `x[index] += v` does not add the repeats)",
            hint="use np.add.at(x, index, v), or an index without repeats",
        )


def add_at(g, index, values):
    """g[index] += values, adding up repeated indices."""
    if isinstance(g, (dict, list)):
        g[index] = add_values(g[index], values)
        return
    if isinstance(values, Items):  # (a list's adjoint into an array's: `np.stack(hs)` and `hs[1:]`)
        values = list(values)
    if _is_basic(index):
        g[index] += values
    else:
        np.add.at(g, index, values)
