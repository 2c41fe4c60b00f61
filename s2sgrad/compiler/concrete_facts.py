"""Which equations have a shape (or make a shape value) that specialised code
knows at compile time: `x.shape`, `x.shape[0]`, `len(x)`, `np.zeros((n, m))`,
`a @ b`, reductions over literal axes, `x.T`, `x.reshape(...)`, integer arithmetic of
sizes known here (`h - 3 + 1`) and the items of a shape unpacked (`b, c = x.shape`,
in `shapes.py`).

`shape_facts(eqn, known, values)` answers with one of
  ("value", v)   the result is the Python value v (a shape, an int of one);
  ("made", s)    the result is a new array of shape s;
  ("shape", s)   the result has shape s if its first argument is an array;
or None. `known(atom)` gives an atom's concrete shape, `values` the known values.
"""

import operator

import numpy as np

from . import concrete, ir

_REDUCTIONS = {np.sum, np.mean, np.max, np.min, np.prod, np.amax, np.amin, np.var, np.std}
_REDUCE_METHODS = {"sum", "mean", "max", "min", "prod", "var", "std"}
_FILLED = (np.zeros, np.ones, np.empty)
_INT_ARITHMETIC = (operator.add, operator.sub, operator.mul, operator.floordiv)


def shape_facts(e, known, values):
    def value(atom):
        if isinstance(atom, ir.Const):
            return atom.value
        if isinstance(atom, ir.Var):
            return values.get(atom)
        return None

    args = e.args
    shape0 = known.known(args[0]) if args else None
    if e.kind == "attr":
        return _attribute(e.prim[1], shape0)
    if e.kind == "getitem" and isinstance(value(args[0]), tuple):
        index = value(args[1]) if len(args) == 2 else getattr(e.payload, "value", None)  # (a literal stays put)
        if type(index) is int and -len(value(args[0])) <= index < len(value(args[0])):
            return "value", value(args[0])[index]
        return None
    if e.kind == "build" and e.payload == "tuple":
        items = [value(a) for a in args]
        return ("value", tuple(items)) if all(type(i) is int for i in items) else None
    if e.kind == "build" and e.payload == "list" and args:
        shapes = {known.known(a) for a in args}
        return ("value", ListOf(len(args), shapes.pop())) if len(shapes) == 1 and None not in shapes else None
    if e.kind == "binop" and e.prim in _INT_ARITHMETIC:
        operands = [value(a) for a in args]  # `h - 3 + 1` of a size known here
        if not all(type(v) is int for v in operands) or (e.prim is operator.floordiv and operands[1] == 0):
            return None
        return "value", e.prim(*operands)
    if e.kind == "binop" and e.prim is operator.matmul:
        other = known.known(args[1])
        found = concrete.matmul(shape0, other) if None not in (shape0, other) else None
        return ("shape", found) if found is not None else None
    if e.kind == "call":
        return _call(e, known, value, shape0)
    if e.kind == "method":
        return _method(e, value, shape0)
    return None


def _attribute(attr, shape):
    if shape is None:
        return None
    if attr == "shape":
        return "value", shape
    if attr == "ndim":
        return "value", len(shape)
    if attr == "size":
        return "value", int(np.prod(shape))
    if attr == "T":
        return "shape", shape[::-1]
    return None


class ListOf:
    """A list literal of `n` items of one known shape (what `np.array` of it makes)."""

    def __init__(self, n, item):
        self.n, self.item = n, item


def _call(e, known, value, shape0):
    prim, args = e.prim, e.args
    if prim is np.array and set(e.kwargs) <= {"dtype"} and len(args) == 1 and isinstance(value(args[0]), ListOf):
        return _made((value(args[0]).n,) + value(args[0]).item)
    if prim is len:
        return ("value", shape0[0]) if shape0 else None
    if any(prim is f for f in _FILLED) and set(e.kwargs) <= {"dtype"} and len(args) == 1:
        return _made(value(args[0]))
    if prim is np.full and not e.kwargs and len(args) == 2 and known.known(args[1]) == ():
        return _made(value(args[0]))
    if shape0 is None:
        if prim is np.reshape and len(args) == 2 and not e.kwargs:
            return _made(value(args[1]))  # (a full shape: that, or it raises)
        return None
    if prim in (np.matmul, np.dot) and len(args) == 2 and not e.kwargs:
        other = known.known(args[1])
        if other is None or (prim is np.dot and max(len(shape0), len(other)) > 2):
            return None
        found = concrete.matmul(shape0, other)
        return ("shape", found) if found is not None else None
    if prim in _REDUCTIONS:
        return _reduced(shape0, args[1:], e.kwargs)
    if prim is np.transpose and len(args) == 1 and not e.kwargs:
        return "shape", shape0[::-1]
    if prim is np.reshape and len(args) == 2 and not e.kwargs:
        found = _reshaped(shape0, value(args[1]))
        return ("shape", found) if found is not None else None
    return None


def _method(e, value, shape0):
    name = e.prim[1] if isinstance(e.prim, tuple) else None
    if shape0 is None:
        if name == "reshape" and len(e.args) > 1 and not e.kwargs:
            new = [value(a) for a in e.args[1:]]
            return _made(new[0] if len(new) == 1 else tuple(new))  # (a full shape: that, or it raises)
        return None
    rest = [value(a) for a in e.args[1:]]
    if name in _REDUCE_METHODS:
        return _reduced(shape0, e.args[1:], e.kwargs)
    if name == "transpose" and not rest and not e.kwargs:
        return "shape", shape0[::-1]
    if name == "reshape" and rest and not e.kwargs:
        found = _reshaped(shape0, rest[0] if len(rest) == 1 else tuple(rest))
        return ("shape", found) if found is not None else None
    return None


def _reduced(shape, axis_atoms, kwargs):
    """A reduction over literal axes (`axis=` and `keepdims=` literals, or absent)."""
    if len(axis_atoms) > 1 or set(kwargs) - {"axis", "keepdims"} or (axis_atoms and "axis" in kwargs):
        return None
    axis_atom = axis_atoms[0] if axis_atoms else kwargs.get("axis", ir.Const(None))
    keep_atom = kwargs.get("keepdims", ir.Const(False))
    if not (isinstance(axis_atom, ir.Const) and isinstance(keep_atom, ir.Const)):
        return None
    if not isinstance(keep_atom.value, bool):
        return None
    found = concrete.reduce(shape, axis_atom.value, keep_atom.value)
    return ("shape", found) if found is not None else None


def _reshaped(shape, new):
    if isinstance(new, int) or (isinstance(new, tuple) and all(type(n) is int for n in new)):
        return concrete.reshape(shape, new)
    return None


def _made(shape):
    if type(shape) is int:
        shape = (shape,)
    if isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape):
        return "made", shape
    return None
