"""Which values may be one array: the operations that give views (`is_view`),
the versions of an array joined by in-place writes, and the memory a value may
share with others (`unions`). The aliasing check, the in-place plan, hoisting
and the SSA builder ask these questions."""

from . import ir


_VIEW_METHODS = {"reshape", "transpose", "ravel", "view", "squeeze", "swapaxes", "diagonal"}
_VIEW_ATTRS = {"T", "real", "imag", "flat"}


_VIEW_FUNCTIONS = [
    "reshape",
    "transpose",
    "ravel",
    "asarray",
    "asanyarray",
    "squeeze",
    "expand_dims",
    "swapaxes",
    "moveaxis",
    "broadcast_to",
    "diagonal",
    "diag",  # (of a 2-D array: a read-only view of its diagonal)
    "real",
    "imag",
    "trim_zeros",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "flip",
    "fliplr",
    "flipud",
    "rot90",
    "matrix_transpose",
    "permute_dims",
    "ascontiguousarray",
    "asfortranarray",
]  # (these two return their argument when it fits)

# spelled names of what may give back (a view of) its argument, for tangent code:
# forward mode's broadcast_like returns the tangent itself when the shapes agree
VIEW_SPELLINGS = frozenset(_VIEW_FUNCTIONS) | _VIEW_METHODS | {"broadcast_like"}


def _view_functions():
    import numpy as np

    return {id(getattr(np, n)) for n in _VIEW_FUNCTIONS if hasattr(np, n)}


def is_view(eqn):
    """May the result of this equation share memory with its first argument?"""
    return bool(eqn.args) and isinstance(eqn.args[0], ir.Var) and _is_view(eqn, _view_functions())


def _is_view(eqn, view_functions):
    if eqn.kind in ("getitem", "unpack"):
        return True
    if eqn.kind == "attr":
        return eqn.prim[1] in _VIEW_ATTRS
    if eqn.kind == "method":
        return eqn.payload in _VIEW_METHODS
    return eqn.kind == "call" and id(eqn.prim) in view_functions


class _Union:
    def __init__(self):
        self.parent = {}

    def find(self, v):
        while self.parent.get(v, v) is not v:
            v = self.parent[v]
        return v

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra is not rb:
            self.parent[ra] = rb
            return True
        return False


def unions(graph, augmented=False, items=False):
    """(versions, aliases): `versions.find(v)` names the array v is a version of
    (joined by in-place writes; with `augmented`, also by `x op= y`, which is one
    array in Python though the generated code makes a new one); `aliases.find(v)`
    the memory v may share (with `items`, also a list or dict and the arrays it holds)."""
    stmts = list(ir.walk(graph.body))
    views = _view_functions()
    same, alias = _Union(), _Union()
    for s in stmts:
        if isinstance(s, ir.Eqn):
            if s.kind in ("setitem", "append", "add_at"):
                same.union(s.outs[0], s.args[0])
                alias.union(s.outs[0], s.args[0])
                if items and s.kind == "append" and isinstance(s.args[1], ir.Var):
                    alias.union(s.outs[0], s.args[1])  # the list holds the array itself
            elif items and s.kind == "build":
                for a in s.args:
                    if isinstance(a, ir.Var):
                        alias.union(s.outs[0], a)
            elif s.overwrites is not None:
                alias.union(s.outs[0], s.overwrites)  # Python's x op= y keeps x's array
                if augmented:
                    same.union(s.outs[0], s.overwrites)
            elif s.outs and isinstance(s.args[0] if s.args else None, ir.Var) and _is_view(s, views):
                for o in s.outs:
                    alias.union(o, s.args[0])
        elif isinstance(s, ir.If):
            for o, a, b in zip(s.outs, s.then_outs, s.else_outs):
                for src in (a, b):
                    if isinstance(src, ir.Var):
                        alias.union(o, src)
        else:
            for c, i, b, o in zip(s.carried, s.inits, s.body_outs, s.outs):
                for src in (i, b, o):
                    if isinstance(src, ir.Var):
                        alias.union(c, src)
    # versions of one array: joined by writes, and by phis / loops of versions of it
    changed = True
    while changed:
        changed = False
        for s in stmts:
            if isinstance(s, ir.If):
                for o, a, b in zip(s.outs, s.then_outs, s.else_outs):
                    if isinstance(a, ir.Var) and isinstance(b, ir.Var) and same.find(a) is same.find(b):
                        changed |= same.union(o, a)
            elif ir.is_loop(s):
                for c, i, b, o in zip(s.carried, s.inits, s.body_outs, s.outs):
                    if isinstance(b, ir.Var) and same.find(b) is same.find(c):
                        changed |= same.union(o, c)
                        if isinstance(i, ir.Var):
                            changed |= same.union(c, i)
    return same, alias
