"""Adjoints of Python's sequence builtins: `list(x)`, `tuple(x)` and `sorted(x)`.

The adjoint of a list or tuple is the list of its items' adjoints (shapes.zeros_like);
these helpers move such a list back into the structure of the argument it was
made from: the rows of an array, the items of a list or tuple.
"""

import numpy as np

from .containers import Items
from .shapes import as_array, zeros_like

__all__ = ["unlist", "sort_order", "unsort", "sort_like"]


def unlist(g, x):
    """The adjoint of `list(x)` / `tuple(x)` (`g`: its items' adjoints) for `x`: the
    items' adjoints (containers.Items) for a list or tuple, the rows stacked for an array, zeros for a dict (`list(d)`
    holds its keys)."""
    if isinstance(x, dict):
        return zeros_like(x)
    if isinstance(x, (list, tuple)):
        return Items(g)  # (added item by item, also into a slice of a list's adjoint: ds[1:-1] += ...)
    rows = np.shape(x)[1:]
    if len(g) == 0:
        return zeros_like(x)
    return np.stack([np.broadcast_to(as_array(v), rows) for v in g])


def sort_order(x, key=None, reverse=False):
    """The positions of `x`'s items in the order `sorted(x, key=key, reverse=reverse)`
    gives them (Python's sort is stable, and so is this order, for reverse too)."""
    at = (lambda i: x[i]) if key is None else (lambda i: key(x[i]))
    return sorted(range(len(x)), key=at, reverse=reverse)


def unsort(g, x, key=None, reverse=False):
    """The adjoint of `sorted(x, ...)`: item j of `g` goes back to the position of x
    that sorting put at j."""
    back = [None] * len(x)
    for j, i in enumerate(sort_order(x, key, reverse)):
        back[i] = g[j]
    return unlist(back, x)


def sort_like(t, x, key=None, reverse=False):
    """The tangent of `sorted(x, ...)`: `t`'s items (x's tangent) in the order that
    sorting gives x's items."""
    return [t[i] for i in sort_order(x, key, reverse)]
