"""Runtime shape helpers replaced by plain NumPy where specialised code knows the shapes.

A rule's adjoint may call `matmul_lhs(g, a, b)`, `unreduce(g, x, axis, keepdims)`
or `reduce_count(x, axis)`, helpers that look at their arguments' shapes on every
call. When the shapes analysis knows those shapes (code specialised on a call's
argument shapes), the call becomes what the helper would do for them:
`g @ b.T`, `np.broadcast_to(g, (32, 64))`, `4096`; and an element-wise
contribution is summed with `np.sum(g, axis=0)` instead of `unbroadcast(g, x)`.
"""

import copy

import gast
import numpy as np

from . import concrete
from .codegen import walk
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
        """`np.broadcast_to(g, S) * x` is `g * x` where x's shape is S; so is
        `np.broadcast_to(g, S) / 320 * x` `g / 320 * x` (the broadcast under arithmetic
        with numbers). The result stays arithmetic: a new array, as before."""
        self.generic_visit(node)
        if not isinstance(node.op, _ELEMENTWISE):
            return node
        for side, other in (("left", node.right), ("right", node.left)):
            stripped = self.unbroadcast(getattr(node, side), _shape(other, self.shape_of, self.np_name))
            if stripped is not None:
                setattr(node, side, stripped)
                break
        return node

    def unbroadcast(self, node, shape):
        """`node` without the `np.broadcast_to(., shape)` that gives it `shape`, under
        element-wise arithmetic with numbers; None if it has none."""
        if shape is None:
            return None
        found = broadcast_of(node, self.np_name)
        if found is not None:
            return found[0] if found[1] == shape else None
        if not (isinstance(node, gast.BinOp) and isinstance(node.op, _ELEMENTWISE)):
            return None
        for side, other in (("left", node.right), ("right", node.left)):
            if _shape(other, self.shape_of, self.np_name) == ():
                inner = self.unbroadcast(getattr(node, side), shape)
                if inner is not None:
                    parts = {"left": node.left, "right": node.right, side: inner}
                    return gast.BinOp(parts["left"], node.op, parts["right"])
        return None

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if _is_np_call(node, "shape", self.np_name) and len(node.args) == 1 and not node.keywords:
            shape = self.known(node.args[0])  # (np.reshape(g, np.shape(x)) of a rule: x's shape written out)
            return to_node(shape) if shape is not None else node
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
        if len(sa) == 2 and len(sb) == 1:
            return np.outer(g, b)
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

    def _unbroadcast(self, g, x):
        """`unbroadcast(g, x)` for a number x (a Python float argument): the sum of g."""
        return np.sum(Sym(g)) if self.known(x) == () else None

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
    holds values of shape S only (`shape_of(name)`, None if unknown). Only where every
    float is a float64 (compiler/dtypes.py): a Python float g is a weak scalar, which
    would keep a float32 x in float32 where the broadcast float64 array did not."""
    rewrite = _Rewrite(shape_of, np_name)
    for stmt in body:
        rewrite.visit(stmt)
    fold_seeds(body, shape_of, np_name)
    return body


def fold_seeds(body, shape_of, np_name):
    """`g = np.broadcast_to(1.0, S)` (the seed of a final `np.sum`), read only as an
    operand of element-wise arithmetic whose other operand has shape S: each read of
    g is the number, the broadcast array is never made."""
    for k, stmt in reversed(list(enumerate(body))):
        found = _seed(stmt, _Rewrite(shape_of, np_name))
        if found is None:
            continue
        g, value, shape = found
        uses = _Uses(g)
        for other in body[k + 1 :]:
            uses.visit(other)
        if uses.stores or not uses.reads or any(_shape(o, shape_of, np_name) != shape for o in uses.others):
            continue
        replace = _Replace({id(node) for node in uses.reads}, value)
        for other in body[k + 1 :]:
            replace.visit(other)
        del body[k]


def _seed(stmt, rewrite):
    """(name, number node, shape) of `g = np.broadcast_to(number, S)` (or of such a
    broadcast under arithmetic with numbers: `np.broadcast_to(-1.0, S) / 4`), S of one
    axis or more."""
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name)):
        return None
    broadcasts = [b for n in walk(stmt.value) if (b := broadcast_of(n, rewrite.np_name)) is not None]
    if not broadcasts or not broadcasts[0][1]:
        return None
    shape = broadcasts[0][1]
    value = rewrite.unbroadcast(stmt.value, shape)
    return (stmt.targets[0].id, value, shape) if value is not None and _number(value) else None


def _number(node):
    """A number literal, or arithmetic of them (`-1.0 / 4`)."""
    if isinstance(node, gast.Constant):
        return type(node.value) in (int, float)
    if isinstance(node, gast.UnaryOp):
        return isinstance(node.op, gast.USub) and _number(node.operand)
    return (
        isinstance(node, gast.BinOp)
        and isinstance(node.op, _ELEMENTWISE)
        and _number(node.left)
        and _number(node.right)
    )


class _Uses(gast.NodeVisitor):
    """The reads of `name` and the other operand of each (None if a read is not an
    operand of element-wise arithmetic), and whether something stores it."""

    def __init__(self, name):
        self.name, self.reads, self.others, self.stores = name, [], [], False
        self.parents = {}

    def generic_visit(self, node):
        for child in gast.iter_child_nodes(node):
            self.parents[child] = node
        super().generic_visit(node)

    def visit_Name(self, node):
        if node.id != self.name:
            return
        if not isinstance(node.ctx, gast.Load):
            self.stores = True
            return
        self.reads.append(node)
        parent = self.parents.get(node)
        other = None
        if isinstance(parent, gast.BinOp) and isinstance(parent.op, _ELEMENTWISE):
            other = parent.right if parent.left is node else parent.left
            if isinstance(other, gast.Name) and other.id == self.name:
                other = None  # `g + g`: nothing else gives the sum its shape
        self.others.append(other)


class _Replace(gast.NodeTransformer):
    def __init__(self, nodes, value):
        self.nodes, self.value = nodes, value

    def visit_Name(self, node):
        return copy.deepcopy(self.value) if id(node) in self.nodes else node


def _shape(node, shape_of, np_name):
    """The shape of a generated expression made of names of known shapes, numbers,
    element-wise arithmetic and NumPy ufuncs; None if not known."""
    if node is None:
        return None
    if isinstance(node, gast.Name):
        return shape_of(node.id)
    if isinstance(node, gast.Constant):
        return () if type(node.value) in (int, float) else None
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        return _shape(node.operand, shape_of, np_name)
    if isinstance(node, gast.BinOp) and isinstance(node.op, _ELEMENTWISE + (gast.Pow,)):
        parts = [node.left, node.right]
    elif (
        isinstance(node, gast.Call)
        and _is_np_call(node, getattr(node.func, "attr", ""), np_name)
        and isinstance(getattr(np, node.func.attr, None), np.ufunc)
        and not node.keywords
    ):
        parts = node.args
    else:
        return None
    shapes = [_shape(p, shape_of, np_name) for p in parts]
    return None if None in shapes else concrete.broadcast(shapes)


def name_shapes(names, shapes):
    """name -> the one shape every value (and adjoint) spelled with it has, for the
    names of values whose shapes the specialised analysis knows."""
    found = {}
    pairs = [(v, spelled) for table in (names.vars, names.adjoints) for v, spelled in table.items()]
    for v, spelled in pairs + [(v, spelled) for spelled, v in names.sums.items()]:
        shape = shapes.known(v)
        found[spelled] = shape if found.get(spelled, shape) == shape else None
    return found.get


def fold_seed_products(body, bindings):
    """`unreduce(c, x, None, False) * e` (the seed of a sum broadcast to x's shape) as
    `c * e` for a number c where `e` has x's shape, though the shapes analysis does not
    know it (x = t ** 3 after np.rollaxis, e = 3 * t ** 2): both are element-wise
    arithmetic and ufuncs of the same names bound once and numbers (`_Alike`). Only
    where every float is a float64 (the broadcast array was float64; a Python float
    keeps a float32 e in float32). True if it folded one."""
    alike, folded = _Alike(body, bindings), False
    for node in [n for stmt in body for n in walk(stmt)]:
        if not (isinstance(node, gast.BinOp) and isinstance(node.op, gast.Mult)):
            continue
        for side, other in (("left", node.right), ("right", node.left)):
            seed = getattr(node, side)
            if alike.seed_of(seed) is not None and alike.root(seed.args[1]) not in (None, _NUMBER):
                if alike.root(seed.args[1]) == alike.root(other):
                    setattr(node, side, seed.args[0])
                    folded = True
                    break
    return folded


_NUMBER = ("number",)


class _Alike:
    """Which expressions surely have the shape of which name: `root(node)` is the name
    (bound once in the function, or a parameter never rebound) whose shape element-wise
    arithmetic with numbers and NumPy ufuncs of it keep, `_NUMBER` for numbers, None
    if not known."""

    def __init__(self, body, bindings):
        self.bindings = bindings
        stores = {}
        for stmt in body:
            for n in walk(stmt):
                if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load):
                    stores[n.id] = stores.get(n.id, 0) + 1
                elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
                    stores[n.target.id] = 2  # (`xs += [v]` on a list, or a parameter's rebinding)
        self.unstable = {n for n, k in stores.items() if k > 1}
        self.roots = {}
        for stmt in body:
            if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name):
                target = stmt.targets[0].id
                found = self.root(stmt.value) if target not in self.unstable else None
                self.roots[target] = found if found is not None else target

    def root(self, node):
        if isinstance(node, gast.Name):
            if node.id in self.unstable or node.id in self.bindings:
                return None
            return self.roots.get(node.id, node.id)
        if isinstance(node, gast.Constant):
            return _NUMBER if type(node.value) in (int, float) else None
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
            return self.root(node.operand)
        if isinstance(node, gast.BinOp) and isinstance(node.op, _ELEMENTWISE + (gast.Pow,)):
            parts = [node.left, node.right]
        elif isinstance(node, gast.Call) and isinstance(self._callee(node.func), np.ufunc) and not node.keywords:
            parts = node.args
        else:
            return None
        roots = {self.root(p) for p in parts} - {_NUMBER}
        if None in roots or len(roots) > 1:
            return None
        return roots.pop() if roots else _NUMBER

    def _callee(self, func):
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
            return getattr(self.bindings.get(func.value.id), func.attr, None)
        return self.bindings.get(func.id) if isinstance(func, gast.Name) else None

    def seed_of(self, node):
        """c of `unreduce(c, x, None, False)` for a number c, else None."""
        if not (isinstance(node, gast.Call) and len(node.args) == 4 and not node.keywords):
            return None
        callee = self._callee(node.func)
        if getattr(callee, "__name__", None) != "unreduce" or not callee.__module__.startswith("s2sgrad.runtime"):
            return None
        c, _, axis, keep = node.args
        plain = all(isinstance(a, gast.Constant) for a in (axis, keep)) and axis.value is None and keep.value is False
        return c if plain and _number(c) else None
