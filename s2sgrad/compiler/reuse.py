"""Clean-up of generated code: reuse a value the code has just computed.

Rules spell each argument's adjoint on its own, so the two adjoints of `d1 = u / sq`
read `du = dd1 / sq` and `dsq = dsq - dd1 / sq * d1` (the rule for the denominator
divides by it first, `rules/sym.times_slope`, so that both spell the same `dd1 / sq`).
A careful person computes `dd1 / sq` once: a later operand that repeats the
expression a name was just bound to reads that name (`dsq = dsq - du * d1`), while
nothing the expression reads, and not the name, has changed. The value is the same
to the bit: the same operations on the same operands.

And where an adjoint is bound and the next statement adds to it
(`dd1 = spot * k / t; dd1 = dd1 + dd2`), the two become one (`dd1 = spot * k / t + dd2`):
the same operations in the same order, one store and one load fewer.
"""

import gast

from .codegen import is_comment, walk

_ARITHMETIC = (gast.BinOp, gast.UnaryOp, gast.Name, gast.Constant)


def reuse_computed(body):
    """The first rewrite, in place, in every statement list of `body`."""
    for stmts in _statement_lists(body):
        facts = {}  # id of a statement -> its _Operands, made when first asked
        for k, st in enumerate(stmts):
            bound = _bound_expression(st)
            if bound is not None:
                _replace_later(stmts, k + 1, facts, *bound)


def merge_additions(body):
    """The second rewrite, in place, in every statement list of `body`. (After adjoints
    of known shape add in place, `dp -= t`: an array's sum is left as it is.)"""
    for stmts in _statement_lists(body):
        _merge_additions(stmts)


def _statement_lists(body):
    yield body
    for st in body:
        for field in ("body", "orelse", "finalbody"):
            block = getattr(st, field, None)
            if isinstance(block, list):
                yield from _statement_lists(block)


def _bound_expression(st):
    """(name, expression) of `name = <arithmetic on names and numbers>`, with an
    operation in it and not reading the name; else None."""
    if not (isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name)):
        return None
    value, target = st.value, st.targets[0].id
    if not isinstance(value, gast.BinOp) or not all(isinstance(n, _ARITHMETIC + _CONTEXTS) for n in walk(value)):
        return None
    if target in _names(value):
        return None
    return target, value


_CONTEXTS = (gast.expr_context, gast.operator, gast.unaryop)


def _replace_later(stmts, start, facts, target, expr):
    """Replace operands equal to `expr` in the simple statements from `start` on, up to
    the first statement that changes `target` or a name `expr` reads."""
    watched = _names(expr) | {target}
    key = _key(expr, {})
    for j in range(start, len(stmts)):
        st = stmts[j]
        found = facts.get(id(st))
        if found is None:
            found = facts[id(st)] = _Operands(st)
        if key in found.slots:
            for parent, field in found.slots[key]:
                setattr(parent, field, gast.Name(target, gast.Load(), None, None))
            facts[id(st)] = _Operands(st)  # (its operands changed)
        if found.changed & watched:
            return


class _Operands:
    """What `_replace_later` asks of a statement, found in one walk: the operands of its
    arithmetic that are arithmetic themselves, by their `_key` (a simple statement's
    only: assignments, expressions, returns), and the names it may change."""

    def __init__(self, st):
        self.changed = _changed(st)
        self.slots = {}
        if not isinstance(st, (gast.Assign, gast.AugAssign, gast.Expr, gast.Return)):
            return
        memo = {}
        for node in walk(st):
            fields = ("left", "right") if isinstance(node, gast.BinOp) else ("operand",)
            if isinstance(node, (gast.BinOp, gast.UnaryOp)):
                for field in fields:
                    child = getattr(node, field)
                    if isinstance(child, gast.BinOp):
                        self.slots.setdefault(_key(child, memo), []).append((node, field))


def _key(node, memo):
    """A hashable spelling of arithmetic on names and numbers: equal keys, equal
    expressions (a number by its repr, so that -0.0 is not 0.0 and 1 is not 1.0)."""
    found = memo.get(id(node))
    if found is None:
        kind = type(node)
        if kind is gast.Name:
            found = ("name", node.id)
        elif kind is gast.Constant:
            found = ("number", type(node.value), repr(node.value))
        elif kind is gast.BinOp:
            found = ("binop", type(node.op), _key(node.left, memo), _key(node.right, memo))
        elif kind is gast.UnaryOp:
            found = ("unop", type(node.op), _key(node.operand, memo))
        else:
            found = ("other", id(node))  # (never equal to arithmetic's)
        memo[id(node)] = found
    return found


def _merge_additions(stmts):
    """`x = E` followed by `x = x + y` or `x = x - y`, y not reading x: one statement
    `x = E + y`. Across a line comment only where code of that line stays under it."""
    k = 0
    while k < len(stmts):
        st = stmts[k]
        nxt = _next_statement(stmts, k)
        if (
            nxt is not None
            and _is_plain_binding(st)
            and _adds_to_itself(stmts[nxt], st.targets[0].id)
            and (nxt == k + 1 or _keeps_code(stmts, nxt))
        ):
            step = stmts[nxt].value
            st.value = gast.BinOp(st.value, step.op, step.right)
            del stmts[nxt]
            continue  # (a third statement may add to it too)
        k += 1


def _keeps_code(stmts, j):
    """Does a statement of the same source line follow statement j (so that the line
    comment above j still heads code once j is merged upwards)?"""
    after = stmts[j + 1] if j + 1 < len(stmts) else None
    return after is not None and not is_comment(after) and not isinstance(after, gast.Return)


def _next_statement(stmts, k):
    """The index of the first statement after k that is not a comment, or None."""
    for j in range(k + 1, len(stmts)):
        if not is_comment(stmts[j]):
            return j
    return None


def _is_plain_binding(st):
    return isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name)


def _adds_to_itself(st, target):
    """Is `st` `target = target + y` or `target = target - y`, y not reading target?"""
    if not (_is_plain_binding(st) and st.targets[0].id == target):
        return False
    value = st.value
    if not (isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Sub))):
        return False
    left = value.left
    return isinstance(left, gast.Name) and left.id == target and target not in _names(value.right)


def _names(node):
    return {n.id for n in walk(node) if isinstance(n, gast.Name)}


def _changed(st):
    """Names `st` may bind or change in place: stores, subscript and augmented targets,
    and the names passed to a call (a helper such as `add_at(x, ...)` writes into them)."""
    found = set()
    for n in walk(st):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            found.add(n.id)
        elif isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store):
            found |= _names(n.value)
        elif isinstance(n, gast.Call):
            found |= {a.id for a in n.args if isinstance(a, gast.Name)}
            found |= {k.value.id for k in n.keywords if isinstance(k.value, gast.Name)}
        elif isinstance(n, gast.Attribute) and isinstance(n.ctx, gast.Store):
            found |= _names(n.value)
    return found
