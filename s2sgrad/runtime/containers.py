"""Adjoints of Python containers: `Items` (a list's or tuple's item adjoints,
added item by item), `add_values` (adjoints that may be dicts, lists or
tuples), an append's `split_last` / `join_last`, and the lists and tuples
joined with `+` and repeated with `*` (seq_*)."""

import numpy as np

from .shapes import zeros_like

__all__ = [
    "seq_concat",
    "seq_repeat",
    "seq_repeat_r",
    "seq_slice",
    "seq_embed",
    "seq_unrepeat",
    "seq_tile",
    "split_last",
    "split_off_last",
    "join_last",
    "add_values",
]


class Items(list):
    """The adjoints of a list's or tuple's items, owned to be updated in place: `+` and `+=`
    add item by item, as adjoints add (a plain list's `+=` would extend it)."""

    __array_ufunc__ = None  # ndarray + Items defers to Items.__radd__

    def __add__(self, other):
        return Items(add_values(a, b) for a, b in zip(self, other, strict=True))

    __radd__ = __add__

    def __iadd__(self, other):
        self[:] = self + other
        return self


def add_values(a, b):
    """a + b for adjoints that may be containers: element by element (lists and
    tuples of adjoints, dicts by key), plain + for numbers and arrays."""
    if isinstance(a, dict):
        # a key one side lacks has a zero adjoint there (a dict's adjoint may keep
        # entries, set to 0, for keys that later writes added)
        both = {k: add_values(v, b[k]) if k in b else v for k, v in a.items()}
        both.update((k, v) for k, v in b.items() if k not in a)
        return both
    if isinstance(a, (list, tuple)):
        return [add_values(x, y) for x, y in zip(a, b)]
    if isinstance(b, (list, tuple)):
        return [add_values(x, y) for x, y in zip(a, b)]
    return a + b


def split_last(g):
    """(adjoint of a list's last element, adjoint of the rest): undoes an append."""
    if isinstance(g, list):
        return g.pop(), g
    return g[-1], g[:-1]


def split_off_last(g):
    """`split_last` that leaves g as it is: the functional flavour of a gradient (one to be
    differentiated again) never shortens a list that another name may still hold."""
    if isinstance(g, list):
        return g[-1], type(g)(g[:-1])  # (a list of adjoints stays `Items`)
    return g[-1], g[:-1]


def join_last(last, rest):
    """The transpose of `split_last`: the rest's adjoint with the last element's put back."""
    if isinstance(rest, (list, tuple)):
        return list(rest) + [last]
    return np.concatenate([rest, np.expand_dims(last, 0)])


# -- lists and tuples joined with + and repeated with * -----------------------------------
# The SSA builder gives `a + b` and `a * n` these primitives when an operand is certainly a
# list or tuple (generated code still spells the operator): their adjoints are the parts
# of the result's adjoint, not its broadcast sum.


def seq_concat(a, b):
    """`a + b` for lists or tuples: concatenation (also of tangents held as Items, whose
    own `+` adds item by item)."""
    if isinstance(a, Items) or isinstance(b, Items):
        return Items(list(a) + list(b))
    return a + b


def seq_repeat(a, n):
    """`a * n` for a list or tuple: repetition."""
    return a * n


def seq_repeat_r(n, a):
    """`n * a` for a list or tuple: repetition."""
    return n * a


def _offset(start):
    return start if isinstance(start, int) else len(start)


def seq_slice(g, like, start=0):
    """The part of a sequence adjoint `g` that belongs to `like`: len(like) items from
    `start` (an int, or a sequence whose length is the offset)."""
    start = _offset(start)
    return list(g)[start : start + len(like)]


def seq_embed(G, like, start=0):
    """The transpose of `seq_slice`: G's items at `start` in zeros shaped like `like`."""
    out = zeros_like(list(like))
    start = _offset(start)
    out[start : start + len(G)] = list(G)
    return out


def seq_unrepeat(g, like):
    """The adjoint of `like * n` from the adjoint `g` of the result: the items of each
    repetition added up."""
    items, m = list(g), len(like)
    out = items[:m]
    for k in range(m, len(items), m):
        out = [add_values(x, y) for x, y in zip(out, items[k : k + m])]
    return out


def seq_tile(G, like):
    """The transpose of `seq_unrepeat`: G repeated to the length of `like`."""
    items = list(G)
    return items * (len(like) // len(items)) if items else []
