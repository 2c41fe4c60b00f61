"""A write `x[s] = x[s] + e` into a float array, spelled `x[s] += e`.

The user's `u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])` makes the sum as a
new array, then copies it into u; `u[1:-1] += r * (...)` adds into u's memory at once
(NumPy skips the copy of a view onto itself), which a careful person writes, and which
takes a heat-equation step of 1000 points 6% less time. The generated forward sweep,
and a checkpointed loop's steps, write it so where it gives the same values:

- x is certainly a float array (`floating`: an argument of a float dtype, its copies,
  items and views, arithmetic and ufuncs of one, `np.zeros(n)` and the like without a
  dtype, a loop's value that is one on every pass), and every float of the program is
  a float64 (compiler/dtypes.py): the sum then has x's dtype, and adding in place casts
  nothing. (Into an int array `+=` of a float raises, where `=` truncates.)
- `s` is the same index on both sides and computes nothing (names, numbers, slices):
  Python evaluates `x[s]` first either way, then `e`; NumPy adds an `e` that overlaps x
  as if from a copy.

A list's item stays as written: `lst[0] += e` would change the array the list holds,
which another name may hold too.
"""

import operator

import gast
import numpy as np

from . import ir
from .codegen import walk

_ARITHMETIC = (operator.add, operator.sub, operator.mul, operator.truediv, operator.neg, operator.pos)
_MAKERS = (np.zeros, np.ones, np.empty)  # float64 without a dtype
_LIKE = (np.zeros_like, np.ones_like, np.empty_like, np.copy)  # x's dtype without one
_UPDATES = {gast.Add: gast.Add, gast.Sub: gast.Sub, gast.Mult: gast.Mult, gast.Div: gast.Div}


def floating(graph, arg_dtypes):
    """The Vars of `graph` that are certainly float arrays or float numbers, given the
    arguments' dtype keys (`arguments._arg_dtypes`). A greatest fixed point over loops:
    a carried value is assumed floating, and the pass runs again without it if a pass
    of its loop may make it otherwise."""
    params = {p for p, key in zip(graph.params, arg_dtypes or ()) if _float_key(key)}
    assumed = {c for s in ir.walk(graph.body) if ir.is_loop(s) for c in s.carried}
    while True:
        found, broken = set(params), set()
        _block(graph.body, found, assumed, broken)
        if not broken:
            return found
        assumed -= broken


def _block(stmts, found, assumed, broken):
    for s in stmts:
        if isinstance(s, ir.Eqn):
            if len(s.outs) == 1 and _makes_float(s, found):
                found.add(s.outs[0])
        elif isinstance(s, ir.If):
            _block(s.then, found, assumed, broken)
            _block(s.orelse, found, assumed, broken)
            found.update(
                o for o, a, b in zip(s.outs, s.then_outs, s.else_outs) if _is_float(a, found) and _is_float(b, found)
            )
        else:
            found.update(c for c in s.carried if c in assumed)
            for sub in ir.sub_blocks(s):
                _block(sub, found, assumed, broken)
            for c, i, b, o in zip(s.carried, s.inits, s.body_outs, s.outs):
                if _is_float(i, found) and _is_float(b, found):
                    found.add(o)
                elif c in found:
                    broken.add(c)  # (assumed floating, and a pass may make it otherwise)


def _float_key(key):
    if key == "float":
        return True
    if not isinstance(key, str) or key in ("int", "bool", "none", "?"):
        return False
    try:
        return np.dtype(key).kind == "f"
    except TypeError:
        return False


def _is_float(atom, found):
    if isinstance(atom, ir.Var):
        return atom in found
    value = getattr(atom, "value", None)
    return type(value) is float or (isinstance(value, np.ndarray) and value.dtype.kind == "f")


def _makes_float(e, found):
    """Does `e` certainly make a float array or number, its floating operands in `found`?"""
    floats = [_is_float(a, found) for a in e.args]
    if e.kind in ("binop", "unop"):
        return any(e.prim is op for op in _ARITHMETIC) and any(floats)
    if e.kind in ("getitem", "setitem"):
        return bool(floats) and floats[0]
    if e.kind == "method":
        return e.prim == ("method", "copy") and not e.kwargs and floats[:1] == [True]
    if e.kind != "call" or "dtype" in e.kwargs:
        return False
    if isinstance(e.prim, np.ufunc):
        loops = {t.split("->")[1] for t in e.prim.types if set(t.split("->")[0]) == {"d"}}
        return e.prim.nout == 1 and loops == {"d"} and any(floats) and not e.kwargs
    if any(e.prim is f for f in _MAKERS):
        return True
    return any(e.prim is f for f in _LIKE) and floats[:1] == [True]


def float_names(names, found):
    """The generated names every value spelled with which is in `found`."""
    ok = {}
    for v, spelled in names.vars.items():
        ok[spelled] = ok.get(spelled, True) and v in found
    return {n for n, yes in ok.items() if yes}


def update_in_place(body, floats):
    """Rewrite `x[s] = x[s] op e` as `x[s] op= e` (op one of + - * /) in `body` and the
    functions and loops in it, for x in `floats` (see the module's docstring)."""
    for node in walk(gast.Module(body, [])):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                block[:] = [_updated(st, floats) or st for st in block]


def _updated(stmt, floats):
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1):
        return None
    target, value = stmt.targets[0], stmt.value
    if not (
        isinstance(target, gast.Subscript)
        and isinstance(target.value, gast.Name)
        and target.value.id in floats
        and isinstance(value, gast.BinOp)
        and type(value.op) in _UPDATES
        and isinstance(value.left, gast.Subscript)
        and isinstance(value.left.value, gast.Name)
        and value.left.value.id == target.value.id
        and gast.dump(value.left.slice) == gast.dump(target.slice)
        and _plain_index(target.slice)
    ):
        return None
    return gast.copy_location(gast.AugAssign(target, _UPDATES[type(value.op)](), value.right), stmt)


def _plain_index(node):
    """Names, numbers and slices of them: an index that computes nothing with effects."""
    allowed = (gast.Name, gast.Constant, gast.Slice, gast.Tuple, gast.UnaryOp, gast.BinOp, gast.Load)
    return all(isinstance(n, allowed) or isinstance(n, (gast.operator, gast.unaryop)) for n in walk(node))
