"""Who owns an adjoint or a saved value: `owned` makes an adjoint the sweep may
update in place, `saved_part` / `restore_part` keep and put back what an
in-place write overwrites, and `fresh_copy` copies a pullback's saved values
(views staying views) so that its backward can run again."""

import numpy as np

from .containers import Items
from .shapes import _float_dtype, is_array

__all__ = ["owned", "saved_part", "restore_part", "fresh_copy"]


def owned(g):
    """A float array of g's values that no one else holds (to update in place); for the
    adjoints of a list or tuple's items, a list of such (Items), for a dict, a dict."""
    if isinstance(g, dict):
        return {k: owned(v) for k, v in g.items()}
    if isinstance(g, (list, tuple)):
        return Items(owned(v) for v in g)
    if is_array(g) and not isinstance(g, np.ndarray):
        return g.astype(_float_dtype(g), copy=True)  # (a Dask array stays lazy, a CuPy one on its GPU)
    return np.array(g, dtype=_float_dtype(g), copy=True)


class _Missing:
    """What `d[key] = ...` overwrites when `key` is new to the dict."""

    def __repr__(self):
        return "MISSING"

    def __reduce__(self):  # unpickled as the one MISSING (restore_part asks `is MISSING`)
        return "MISSING"


MISSING = _Missing()


def saved_part(x, index):
    """A copy of what `x[index] = ...` is about to overwrite (MISSING for a new dict key)."""
    if isinstance(x, dict) and index not in x:
        return MISSING
    piece = x[index]
    return piece.copy() if is_array(piece) else piece


def restore_part(x, index, saved):
    """Undo `x[index] = ...` on a container: put back the saved item, or remove a key the write added."""
    if saved is MISSING:
        del x[index]
    else:
        x[index] = saved


def fresh_copy(saved):
    """(Forward mode also copies a list's tangent with it: a list stays a list.)
    A copy of what a vjp's forward saved, for one run of its backward, which restores
    overwritten array parts and pops appended items in place (so that a pullback can run
    again). Arrays are copied, and a view stays a view of its base's copy: the backward
    reads views after restoring their base. Lists, tuples and dicts are rebuilt with the
    same sharing, a checkpointed loop's schedule with its states; other values (numbers,
    shapes, the loop's step functions) are shared."""
    memo = {}

    def copy(x):
        if id(x) in memo:
            return memo[id(x)]
        if isinstance(x, np.ndarray):
            out = _copy_array(x, copy)
        elif isinstance(x, list):
            out = memo[id(x)] = type(x)()
            out.extend(copy(v) for v in x)
        elif isinstance(x, tuple):
            out = tuple(copy(v) for v in x)
        elif isinstance(x, dict):
            out = memo[id(x)] = {}
            out.update((k, copy(v)) for k, v in x.items())
        elif hasattr(x, "copied"):  # a checkpointed loop's schedule
            out = x.copied(copy)
        else:
            out = x
        memo[id(x)] = out
        return out

    return copy(saved)


def _copy_array(x, copy):
    """x copied; for a view, the same view of (one shared) copy of the array owning the memory."""
    root = x.base
    while isinstance(root, np.ndarray) and root.base is not None and isinstance(root.base, np.ndarray):
        root = root.base
    if not isinstance(root, np.ndarray) or not (root.flags.c_contiguous or root.flags.f_contiguous):
        return x.copy(order="K")  # not a view, or of memory laid out unlike an array's
    raw = copy(root).reshape(-1, order="A").view(np.uint8)
    offset = x.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    first = raw[offset : offset + x.dtype.itemsize].view(x.dtype)
    return np.lib.stride_tricks.as_strided(first, x.shape, x.strides)
