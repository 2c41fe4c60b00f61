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


class _Rewrite(gast.NodeTransformer):
    def __init__(self, shape_of):
        self.shape_of = shape_of

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
        g = Sym(g)
        if axis is not None and not keep:
            axes = (axis,) if isinstance(axis, int) else tuple(axis)
            if not all(type(a) is int and -len(shape) <= a < len(shape) for a in axes):
                return None
            g = np.expand_dims(g, tuple(sorted(a % len(shape) for a in axes)))
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
