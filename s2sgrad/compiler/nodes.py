"""Small gast builders shared by the lowering passes (`lower.py`, `desugar.py`)."""

import copy

import gast


def name(id_, store=False):
    return gast.Name(id_, gast.Store() if store else gast.Load(), None, None)


def assign(id_, value):
    return gast.Assign([name(id_, True)], value, None)


def const(value):
    return gast.Constant(value, None)


def call(func, args):
    return gast.Call(name(func), args, [])


def subscript(seq, index):
    return gast.Subscript(name(seq), name(index), gast.Load())


def copy_loc(new, old):
    """Give `new` and every node under it that has no location the location of `old`."""
    for sub in gast.walk(new):
        if getattr(sub, "lineno", None) is None and hasattr(old, "lineno"):
            sub.lineno, sub.col_offset = old.lineno, old.col_offset
    return new


def rename(node, renames):
    for n in gast.walk(node):
        if isinstance(n, gast.Name) and n.id in renames:
            n.id = renames[n.id]


def load_copy(node):
    new = copy.deepcopy(node)
    for sub in gast.walk(new):
        if hasattr(sub, "ctx"):
            sub.ctx = gast.Load()
    return new


def is_call_to(node, func):
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and node.func.id == func


def is_method_call(node, names):
    return (
        isinstance(node, gast.Call)
        and isinstance(node.func, gast.Attribute)
        and node.func.attr in names
        and not node.args
        and not node.keywords
    )
