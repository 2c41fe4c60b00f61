"""Checks generated code makes at run time where the compiler could not prove
its reading of the code: an array changed in place that is a view or shared
(not_a_view, sole_item), a loop over a dict (not_a_dict), an augmented
assignment to an array or a number (holds_array). Each stops with an
S2SGradError naming the user's file and line."""

import numpy as np


__all__ = ["not_a_view", "sole_item", "holds_array", "not_a_dict"]


def not_a_view(x, message, where=None, item=False):
    """Stop if `x` shares memory with another array (the derivative would miss a change);
    with `item`, if `x` is an array at all (a list's item is the array itself). `where`
    is the user's "file:line"."""
    if isinstance(x, np.ndarray) and (item or x.base is not None):
        from ..errors import S2SGradError

        raise S2SGradError(message, _user_loc(where), "aliasing")


def sole_item(container, item, where=None):
    """Stop if `item`, an array in `container`, is a view or is shared by another of its
    items: `container[k] op= y` changes the array in place, there too, in Python."""
    if isinstance(container, (list, tuple, dict)) and isinstance(item, np.ndarray):
        values = container.values() if isinstance(container, dict) else container
        if item.base is not None or sum(np.may_share_memory(v, item) for v in values if isinstance(v, np.ndarray)) > 1:
            from ..errors import S2SGradError

            raise S2SGradError(
                "this augmented assignment changes an array in place that another item of the list "
                "(or a view) shares, which cannot be differentiated",
                _user_loc(where),
                "aliasing",
                "write lst[k] = lst[k] + ... (a new array), or build the list from copies",
            )


def not_a_dict(x, where):
    """Stop if `x` is a dict where the lowering reads it as a sequence (`for x in xs` at
    `where`, 'file:line'): iterating a dict gives its keys, not d[0], d[1], ..."""
    if isinstance(x, dict):
        from ..errors import S2SGradError

        raise S2SGradError(
            "this loops over a dict, which gives its keys; s2sgrad could not tell it was a dict when it read the code",
            _user_loc(where),
            "dict iteration",
            "write for k in d.keys(), for k, v in d.items() or for v in d.values()",
        )


def holds_array(value):
    """Is `value` something `x op= y` changes in place (an array, a list), not a number?
    (A helper's augmented assignment to its argument: compiler/calls.py.)"""
    return not isinstance(value, (int, float, complex, np.number, np.bool_))


def _user_loc(where):
    """The Loc of a 'file:line' the compiler wrote into generated code (None: unknown)."""
    if not where:
        return None
    import linecache
    from ..errors import Loc

    filename, _, line = where.rpartition(":")
    return Loc(filename, int(line), 0, linecache.getline(filename, int(line)))
