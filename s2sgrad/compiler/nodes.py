"""Small gast builders shared by the lowering passes (`lower.py`, `desugar.py`)."""

import ast
import copy
import types

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


def literal_sequence(node):
    """The kind (gast.List or gast.Tuple) and item nodes of a literal list or tuple
    spelled with ``+`` and ``*``, as in ``[a, b] + [c]`` or ``[a] * 3``; else None.
    On lists ``+`` joins and ``*`` repeats: each item keeps its own adjoint."""
    if isinstance(node, (gast.List, gast.Tuple)):
        return type(node), list(node.elts)
    if not isinstance(node, gast.BinOp):
        return None
    if isinstance(node.op, gast.Add):
        left, right = literal_sequence(node.left), literal_sequence(node.right)
        if left and right and left[0] is right[0]:
            return left[0], left[1] + right[1]
    if isinstance(node.op, gast.Mult):
        for items, count in ((node.left, node.right), (node.right, node.left)):
            seq, times = literal_sequence(items), int_constant(count)
            if seq and times is not None:
                return seq[0], seq[1] * max(times, 0)
    return None


def int_constant(node):
    """The value of an integer literal or of +, -, * between them (``(3 - 2)``), else None.
    (A name is not read: a module-level count may change between calls.)"""
    if isinstance(node, gast.Constant):
        return node.value if type(node.value) is int else None
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        value = int_constant(node.operand)
        return None if value is None else -value
    if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Add, gast.Sub, gast.Mult)):
        left, right = int_constant(node.left), int_constant(node.right)
        if left is not None and right is not None:
            return {gast.Add: left + right, gast.Sub: left - right, gast.Mult: left * right}[type(node.op)]
    return None


def compile_function(node, filename, globals_):
    """A function object for the gast FunctionDef `node`, compiled with the user's file
    name and line numbers (tracebacks inside it show the user's lines)."""
    tree = gast.gast_to_ast(gast.Module([node], []))
    ast.fix_missing_locations(tree)
    for sub in ast.walk(tree):  # (nodes made by the compiler have no end positions of their own)
        if hasattr(sub, "end_lineno"):
            sub.end_lineno, sub.end_col_offset = sub.lineno, sub.col_offset
    module = compile(tree, filename, "exec")
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    return types.FunctionType(code, globals_, node.name)
