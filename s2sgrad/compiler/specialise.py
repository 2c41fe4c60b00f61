"""Runtime shape helpers replaced by plain NumPy where specialised code knows the shapes.

A rule's adjoint may call `matmul_lhs(g, a, b)`, `unreduce(g, x, axis, keepdims)`
or `reduce_count(x, axis)`, helpers that look at their arguments' shapes on every
call. When the shapes analysis knows those shapes (code specialised on a call's
argument shapes), the call becomes what the helper would do for them:
`g @ b.T`, `np.broadcast_to(g, (32, 64))`, `4096`; and an element-wise
contribution is summed with `np.sum(g, axis=0)` instead of `unbroadcast(g, x)`.
"""

import gast
import numpy as np

from . import concrete
from ..rules.sym import Sym, to_node


def sum_to(part, target, source):
    """`part` (of shape `source`) summed back to `target`, the shapes known; None if not."""
    how = concrete.unbroadcast_axes(target, source)
    if how is None:
        return None
    axes, reshape = how
    if not axes:
        return part
    summed = np.sum(part, axis=axes if len(axes) > 1 else axes[0])
    return summed.reshape(target) if reshape else summed


def helpers(part, shape_of):
    """`part` (a rule's adjoint: a Sym or a number) with the helper calls whose shape
    arguments `shape_of(name)` knows replaced by NumPy."""
    if not isinstance(part, Sym):
        return part
    node = to_node(part)
    return Sym(_Rewrite(shape_of).visit(node))


def _keep_dims(node, axis):
    """`np.sum(v, axis=a)` as `np.sum(v, axis=a, keepdims=True)`; None for another node."""
    if not (
        _is_np_call(node, "sum")
        and len(node.args) == 1
        and [k.arg for k in node.keywords] == ["axis"]
        and _Rewrite.literal(node.keywords[0].value) == axis
    ):
        return None
    keep = gast.keyword("keepdims", gast.Constant(True, None))
    return gast.Call(node.func, node.args, node.keywords + [keep])


def _is_np_call(node, attr, np_name=".np"):
    func = getattr(node, "func", None) if isinstance(node, gast.Call) else None
    return isinstance(func, gast.Attribute) and func.attr == attr and getattr(func.value, "id", None) == np_name


def broadcast_of(node, np_name=".np"):
    """(value, shape) of `np.broadcast_to(value, shape)` with a literal shape, else None;
    `np_name`: how the code spells NumPy."""
    if not (_is_np_call(node, "broadcast_to", np_name) and len(node.args) == 2 and not node.keywords):
        return None
    shape = _Rewrite.literal(node.args[1])
    return (node.args[0], shape) if isinstance(shape, tuple) else None


def plus(left, right, shape, np_name):
    """`left + right`, both of shape `shape` (parts of one adjoint): a side that is only
    `np.broadcast_to(v, shape)` adds v (the other side gives the sum its shape)."""
    found = [broadcast_of(side, np_name) for side in (left, right)]
    if shape is None:
        pass
    elif found[1] is not None and found[1][1] == shape and found[0] is None:
        right = found[1][0]
    elif found[0] is not None and found[0][1] == shape and found[1] is None:
        left = found[0][0]
    return gast.BinOp(left, gast.Add(), right)


_ELEMENTWISE = (gast.Add, gast.Sub, gast.Mult, gast.Div)


class _Rewrite(gast.NodeTransformer):
    def __init__(self, shape_of, np_name=".np"):
        self.shape_of = shape_of
        self.np_name = np_name

    def visit_BinOp(self, node):
        """`np.broadcast_to(g, S) * x` is `g * x` where x's shape is S."""
        self.generic_visit(node)
        if not isinstance(node.op, _ELEMENTWISE):
            return node
        for side, other in (("left", node.right), ("right", node.left)):
            found = broadcast_of(getattr(node, side), self.np_name)
            if found is not None and found[1] == self.known(other):
                setattr(node, side, found[0])
                break
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if not (isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) and func.value.id == ".rt") or (
            node.keywords
        ):
            return node
        helper = getattr(self, "_" + func.attr, None)
        if helper is None:
            return node
        try:
            found = helper(*node.args)
        except TypeError:  # (not the helper's arguments)
            return node
        return to_node(found) if found is not None else node

    def known(self, node):
        return self.shape_of(node.id) if isinstance(node, gast.Name) else None

    @staticmethod
    def literal(node, default=None):
        if node is None:
            return default
        if isinstance(node, gast.Constant):
            return node.value
        if isinstance(node, gast.Tuple) and all(isinstance(e, gast.Constant) for e in node.elts):
            return tuple(e.value for e in node.elts)
        return ...  # not a literal

    def _matmul_lhs(self, g, a, b):
        sa, sb = self.known(a), self.known(b)
        if sa is None or sb is None:
            return None
        g, b = Sym(g), Sym(b)
        if len(sa) == 2 and len(sb) == 2:
            return g @ b.T
        if len(sa) == 1 and len(sb) == 2:
            return b @ g
        if len(sa) == 1 and len(sb) == 1:
            return g * b
        return None

    def _matmul_rhs(self, g, a, b):
        sa, sb = self.known(a), self.known(b)
        if sa is None or sb is None:
            return None
        g, a = Sym(g), Sym(a)
        if len(sa) == 2 and len(sb) in (1, 2):
            return a.T @ g
        if len(sa) == 1 and len(sb) == 1:
            return g * a
        return None

    def _unreduce(self, g, x, axis=None, keepdims=None):
        shape = self.known(x)
        axis, keep = self.literal(axis), self.literal(keepdims, False)
        if shape is None or axis is ... or not isinstance(keep, bool):
            return None
        if axis is not None and not keep:
            axes = (axis,) if isinstance(axis, int) else tuple(axis)
            if not all(type(a) is int and -len(shape) <= a < len(shape) for a in axes):
                return None
            kept = _keep_dims(g, axis)  # np.sum(v, axis=1) -> np.sum(v, axis=1, keepdims=True)
            g = Sym(kept) if kept is not None else np.expand_dims(Sym(g), tuple(sorted(a % len(shape) for a in axes)))
        else:
            g = Sym(g)
        return np.broadcast_to(g, shape)

    def _reduce_count(self, x, axis=None):
        shape, axis = self.known(x), self.literal(axis)
        if shape is None or axis is ...:
            return None
        if axis is None:
            return int(np.prod(shape))
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        if not all(type(a) is int and -len(shape) <= a < len(shape) for a in axes):
            return None
        return int(np.prod([shape[a] for a in axes]))


def fold_broadcasts(body, shape_of, np_name):
    """In generated statements: `np.broadcast_to(g, S) * x` as `g * x` where the name x
    holds values of shape S only (`shape_of(name)`, None if unknown)."""
    rewrite = _Rewrite(shape_of, np_name)
    for stmt in body:
        rewrite.visit(stmt)
    return body


def name_shapes(names, shapes):
    """name -> the one shape every value (and adjoint) spelled with it has, for the
    names of values whose shapes the specialised analysis knows."""
    found = {}
    for table in (names.vars, names.adjoints):
        for v, spelled in table.items():
            shape = shapes.known(v)
            found[spelled] = shape if found.get(spelled, shape) == shape else None
    return found.get
