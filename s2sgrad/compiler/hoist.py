"""Loop-invariant code motion on the SSA graph.

A loop body that reads a module constant (`DT`), negates a parameter (`-k`)
or halves a step (`DT / 2`) would compute the same value on every iteration,
and the reverse sweep would keep one copy per iteration on its tape. Such
equations move in front of the loop: computed once, never taped; an active
one (`-k`) gets its adjoint summed over the iterations and passed back once,
after the reverse loop. Equal hoisted equations become one (`DT / 2` written
three times is computed once).

Only pure operations move: reading a module-level number or array, reading an
attribute (`self.scale`: differentiated code cannot assign attributes), an
item at a literal index (`p[0]`) in a loop that writes into nothing, `-x`,
`+x`, `a + b`, `a - b`, `a * b`, a whole non-negative literal power
(`OMEGA ** 2`), division by a non-zero literal, `math` functions and NumPy
ufuncs, of values defined before the loop. A loop of zero trips then
still computes them: only a `math` function can raise (`math.sqrt(-1.0)`), and
only on a value that one trip of the loop would have raised on too. Branch arms
are not touched.
"""

import operator

import gast
import numpy as np

from . import ir

_CHEAP = (operator.neg, operator.pos, operator.add, operator.sub, operator.mul)


def hoist(graph):
    """Move loop-invariant cheap equations of every loop in `graph` before the loop."""
    from .sharing import unions

    _block(graph.body, {}, unions(graph)[1])
    return graph


def _block(block, merged, aliases):
    """Hoist in the loops of `block` (innermost first); `merged` maps a hoisted
    equation's key to its out, for equations met again in the same block."""
    out = []
    for stmt in block:
        for sub in ir.sub_blocks(stmt):
            _block(sub, {}, aliases)
        if ir.is_loop(stmt):
            out += _lift(stmt, merged, aliases)
        out.append(stmt)
    block[:] = out


def _lift(loop, merged, aliases):
    """The equations of `loop`'s body that move before it (removed from the body)."""
    inside = set(loop.carried)
    if isinstance(loop, ir.For):
        inside.add(loop.index)
    for stmt in ir.walk(loop.cond_block if isinstance(loop, ir.While) else []):
        inside.update(stmt.outs)
    for stmt in ir.walk(loop.body):
        inside.update(stmt.outs)
    written = _written_in(loop)
    # (a value made before the loop that shares memory with an array the loop writes
    # into, `row = u[:2]` before `u[i] = ...`, changes from pass to pass)
    changing = {aliases.find(v) for v in written}
    lifted, kept, renamed = [], [], {}
    reads = not any(_writes(s) for s in ir.walk(loop.body))  # (then an item read is the same in every trip)
    for stmt in loop.body:
        if isinstance(stmt, ir.Eqn):
            _rename(stmt, renamed)
        movable = isinstance(stmt, ir.Eqn) and (_cheap(stmt) or (reads and _literal_item(stmt)))
        if not (
            movable
            and not any(a in inside or isinstance(a, ir.Var) and aliases.find(a) in changing for a in stmt.atoms)
            and stmt.outs[0] not in written
        ):
            kept.append(stmt)
            continue
        key = _key(stmt)
        if key in merged:
            renamed[stmt.outs[0]] = merged[key]
            continue
        merged[key] = stmt.outs[0]
        inside.discard(stmt.outs[0])
        lifted.append(stmt)
    loop.body[:] = kept
    if renamed:
        _substitute(loop, renamed)
    return lifted


def _writes(stmt):
    return isinstance(stmt, ir.Eqn) and (
        stmt.kind in ("setitem", "append", "add_at", "effect") or stmt.overwrites is not None
    )


def _literal_item(e):
    """`p[0]`, `y[1:]`: an index spelled with literals only."""
    return e.kind == "getitem" and len(e.args) == 1 and len(e.outs) == 1 and not e.kwargs


def _written_in(loop):
    """The values `loop` writes into in place, directly or through a view: made anew on each
    pass (`x = 0.8 * K; x[:, 1] *= d`), they must stay in the loop."""
    from .sharing import is_view

    made_by = {o: s for s in ir.walk(loop.body) for o in s.outs}
    # A loop-carried name written in place is written in what flows into it: the value it
    # starts from and the one the body hands to the next pass (`x[1] -= c; x = np.tanh(w)`
    # writes, on the next pass, into that pass's tanh: it is made anew on each pass).
    flows_into = {}
    for lp in [loop] + [s for s in ir.walk(loop.body) if ir.is_loop(s)]:
        for c, i, b in zip(lp.carried, lp.inits, lp.body_outs):
            flows_into[c] = (i, b)
    stmts = [s for s in ir.walk(loop.body) if isinstance(s, ir.Eqn)]
    todo = [s.args[0] for s in stmts if s.kind in ("setitem", "append", "add_at")]
    todo += [s.overwrites for s in stmts if s.overwrites is not None]
    written = set()
    while todo:
        v = todo.pop()
        if isinstance(v, ir.Var) and v not in written:
            written.add(v)
            todo += list(flows_into.get(v, ()))
            maker = made_by.get(v)
            if isinstance(maker, ir.Eqn) and is_view(maker):
                todo.append(maker.args[0])
            elif isinstance(maker, ir.If):
                k = maker.outs.index(v)
                todo += [maker.then_outs[k], maker.else_outs[k]]
            elif ir.is_loop(maker):
                k = maker.outs.index(v)
                todo += [maker.inits[k], maker.body_outs[k]]
    return written


def _cheap(e):
    if len(e.outs) != 1 or e.kwargs:
        return False
    if e.kind == "opaque":
        return e.prim == "read"
    if e.kind == "attr":
        return len(e.args) == 1
    if e.kind == "call":
        return _pure_function(e.prim)
    if e.kind == "unop":
        return e.prim in (operator.neg, operator.pos)
    if e.kind != "binop":
        return False
    if e.prim in _CHEAP:
        return True
    right = e.args[1]
    if e.prim is operator.pow:
        # `OMEGA ** 2`: a whole non-negative power never raises nor turns complex.
        return isinstance(right, ir.Const) and _whole_nonnegative(right.value)
    return e.prim is operator.truediv and isinstance(right, ir.Const) and _nonzero_number(right.value)


def _pure_function(f):
    """A function of numbers with no state: `math.sqrt`, `np.exp` (a NumPy ufunc)."""
    if isinstance(f, np.ufunc):
        return f.nout == 1
    return getattr(f, "__module__", None) == "math" and callable(f)


def _nonzero_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value != 0


def _whole_nonnegative(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _key(e):
    def atom(a):
        if isinstance(a, ir.Var):
            return ("var", a.id)
        if isinstance(a, ir.Global):
            return ("global", a.path, id(a.value))
        return ("const", type(a.value).__name__, repr(a.value))

    index = gast.dump(e.payload) if e.kind == "getitem" else None  # (p[0] and p[1] differ)
    return (e.kind, e.prim, tuple(atom(a) for a in e.args), index)


def _rename(e, renamed):
    e.args = [renamed.get(a, a) if isinstance(a, ir.Var) else a for a in e.args]


def _substitute(stmt, renamed):
    """Replace the Vars in `renamed` wherever `stmt` (a region, recursively) reads them."""

    def sub(atoms):
        return [renamed.get(a, a) if isinstance(a, ir.Var) else a for a in atoms]

    if isinstance(stmt, ir.Eqn):
        stmt.args = sub(stmt.args)
        stmt.kwargs = {k: renamed.get(v, v) if isinstance(v, ir.Var) else v for k, v in stmt.kwargs.items()}
        return
    if isinstance(stmt, ir.If):
        stmt.cond = renamed.get(stmt.cond, stmt.cond)
        stmt.then_outs, stmt.else_outs = sub(stmt.then_outs), sub(stmt.else_outs)
    else:
        stmt.body_outs = sub(stmt.body_outs)
        if stmt.exit is not None:
            stmt.exit = renamed.get(stmt.exit, stmt.exit)
        if isinstance(stmt, ir.While):
            stmt.cond = renamed.get(stmt.cond, stmt.cond)
        else:
            stmt.bounds = sub(stmt.bounds)
        stmt.inits = sub(stmt.inits)
        if stmt.checkpoint is not None:
            stmt.checkpoint = renamed.get(stmt.checkpoint, stmt.checkpoint)
    for block in ir.sub_blocks(stmt):
        for inner in block:
            _substitute(inner, renamed)
