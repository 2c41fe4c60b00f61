"""Adjoints accumulated in place, in code specialised on a call's shapes and dtypes.

A reverse sweep sums a parameter's contributions of every iteration of a loop
into one adjoint: `dW = dW + h.T @ g` allocates a new array per iteration,
`dW += h.T @ g` adds into the one the sweep made. Exact only where

- the sweep owns the array: right before the loop it is made afresh
  (`zeros_like(W)`, `np.zeros(S)`), and inside the loop the name appears only in
  its own accumulations (nothing else holds the array, nothing reads it while it
  changes);
- adding in place gives what the sum gave: every value the name holds has one known
  shape (`specialise.name_shapes`), so a contribution broadcasts into it, and no
  value of the program is complex (compiler/dtypes.py): the float64 buffer takes a
  contribution's values as they are.

Straight-line sums of an adjoint made by arithmetic (`dh = dh_2 * t_23`, then
`dh = dh + dt_20 * r`, `dh = dh - ...`, nothing else reading dh in between) update
that new array in place too, where every float is a float64 (its dtype then is).
"""

import gast

from .. import runtime
from .codegen import walk


def accumulate_in_place(body, known, bindings, np_name, chains=()):
    """Rewrite `d = d + e` as `d += e` in the loops of `body` (gast statements) where
    the rules above hold; `known(name)` is a name's shape, `bindings` the names
    generated code binds to objects, `np_name` NumPy's name. `chains`: adjoint names
    whose straight-line sums are updated in place too (see `_chain`)."""
    for i, stmt in enumerate(body):
        if isinstance(stmt, (gast.For, gast.While)):
            for target in _accumulated(stmt):
                if known(target) and _fresh(body[:i], target, bindings, np_name) and _only_accumulated(stmt, target):
                    _rewrite(stmt, target)
        target = _made(stmt, bindings, np_name)
        if target in chains and known(target):
            _chain(body, i, target)
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and not isinstance(stmt, gast.FunctionDef):
                accumulate_in_place(inner, known, bindings, np_name, chains)


def _made(stmt, bindings, np_name):
    """`d` of `d = <a new array>`: arithmetic (`dh_2 * t_23`, `g @ W.T`) or zeros."""
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name)):
        return None
    value = stmt.value
    fresh = isinstance(value, (gast.BinOp, gast.UnaryOp)) or (
        isinstance(value, gast.Call) and _makes_zeros(value.func, bindings, np_name)
    )
    return stmt.targets[0].id if fresh else None


def _chain(block, i, target):
    """`d = a * b` then `d = d + e`, `d = d - e`, ... in one block, nothing else reading
    d in between: the sums update the new array in place (an adjoint of float64 values:
    the caller checks that every float is a float64, and the sum keeps d's shape)."""
    for k in range(i + 1, len(block)):
        stmt = block[k]
        op = _accumulation(stmt, (gast.Add, gast.Sub))
        if op == target:
            block[k] = gast.AugAssign(stmt.targets[0], stmt.value.op, stmt.value.right)
        elif target in _names(stmt):
            return


def _accumulation(stmt, ops=(gast.Add,)):
    """The name `d` of a statement `d = d + e` whose `e` does not read `d`, else None."""
    if not (
        isinstance(stmt, gast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], gast.Name)
        and isinstance(stmt.value, gast.BinOp)
        and isinstance(stmt.value.op, ops)
        and isinstance(stmt.value.left, gast.Name)
        and stmt.value.left.id == stmt.targets[0].id
    ):
        return None
    target = stmt.targets[0].id
    return None if target in _names(stmt.value.right) else target


def _accumulated(loop):
    return sorted({t for node in walk(loop) if (t := _accumulation(node)) is not None})


def _names(node):
    return {n.id for n in walk(node) if isinstance(n, gast.Name)}


def _only_accumulated(loop, target):
    """Every mention of `target` in `loop` is in one of its accumulations."""
    seen = sum(1 for n in walk(loop) if isinstance(n, gast.Name) and n.id == target)
    sites = sum(1 for n in walk(loop) if _accumulation(n) == target)
    return seen == 2 * sites


def _fresh(before, target, bindings, np_name):
    """The last statement before the loop that mentions `target` makes it a new array."""
    for stmt in reversed(before):
        if target not in _names(stmt):
            continue
        value = stmt.value if isinstance(stmt, gast.Assign) else None
        if value is None or [getattr(t, "id", None) for t in stmt.targets] != [target]:
            return False
        return isinstance(value, gast.Call) and _makes_zeros(value.func, bindings, np_name)
    return False


def _makes_zeros(func, bindings, np_name):
    if isinstance(func, gast.Name):
        return bindings.get(func.id) is runtime.zeros_like
    return (
        isinstance(func, gast.Attribute)
        and func.attr == "zeros"
        and isinstance(func.value, gast.Name)
        and func.value.id == np_name
    )


def _rewrite(loop, target):
    for node in walk(loop):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            for k, stmt in enumerate(block):
                if _accumulation(stmt) == target:
                    block[k] = gast.AugAssign(stmt.targets[0], gast.Add(), stmt.value.right)
