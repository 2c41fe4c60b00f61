"""Loops that only add to a sum, reversed without a tape (issue 14).

In `for k in ...: total = total + term(k)`, where no term and nothing else in
the body reads `total`, the adjoint of `total` is the same before and after
every pass. So each pass's reverse can run right after that pass's forward,
with the seed 1.0, adding into one sum per outer adjoint (`dspot_sum`); at the
loop's place the reverse sweep adds `dtotal * dspot_sum` once. The tape and the
reversed loop disappear, as in a careful hand-written adjoint.

Applied only where that is certainly right, and otherwise the loop is taped as
usual: first-order reverse mode (not the functional flavour a second
derivative differentiates), not checkpointed, not inside another loop; exactly
one active carried value, a number (shape ()), made by a chain of `+` and `-`
steps (`total + a - b`) that no other statement reads; a body of equations and
branches that writes no array, list or dict in place, has no nested loop and
does not leave early; outer adjoints that are numbers or arrays of known
shape. The reversed body must also show it: the seed reaches the accumulator
unchanged, and the body reads or writes no adjoint from outside the loop but
those of the outer values it reads.
"""

import operator

import gast

from . import ir, loop_skeleton
from .codegen import assign, comment, free_names, name, stored_names, walk

# kinds of equation that change a value in place (the loop would not leave its reads alone)
_WRITES = {"setitem", "add_at", "append", "effect"}
ONE = "1.0"  # (the literal seed, as `reverse.ONE_NAME` spells it)


def accumulator(rev, s, active):
    """The loop's one carried sum (c, i, o, y), if its reverse may run inside its forward."""
    if s.checkpoint is not None or rev.inplace.functional or rev.loop_depth != 1 or s.exit is not None:
        return None
    if len(active) != 1:
        return None
    c, i, o, y = active[0]
    if not isinstance(o, ir.Var) or not rev.state.get(y):
        return None
    if not all(v in rev.scalars or rev.shapes.known(v) == () for v in (c, o, y)):
        return None
    if isinstance(s, ir.While) and any(c in rev.uses(st) or o in rev.uses(st) for st in s.cond_block):
        return None
    for st in ir.walk(s.body):
        if isinstance(st, ir.Loop) or (isinstance(st, ir.Eqn) and _writes(st)):
            return None
    steps = _chain(rev, s, c, o)
    if not steps or any(o in rev.uses(st) for st in s.body):
        return None
    if [b for b in s.body_outs if b is c or any(b is v for v in steps)] != [o]:
        return None
    return c, i, o, y


def _chain(rev, s, c, o):
    """Does the sum go from `c` to `o` by `+` and `-` alone (`total = total + a - b`),
    each step a number read by the next step only? -> the steps' values, or None."""
    v, steps = c, []
    for _ in s.body:
        readers = [st for st in s.body if v in rev.uses(st)]
        if len(readers) != 1 or not isinstance(readers[0], ir.Eqn) or not _adds_to(readers[0], v):
            return None
        v = readers[0].outs[0]
        steps.append(v)
        if not (v in rev.scalars or rev.shapes.known(v) == ()):
            return None
        if v is o:
            return steps
    return None


def _adds_to(eqn, c):
    """Is `eqn` `c + t`, `t + c` or `c - t`, with `t` not `c`?"""
    if eqn.kind != "binop" or eqn.kwargs or len(eqn.args) != 2:
        return False
    a, b = eqn.args
    if eqn.prim is operator.add:
        return (a is c) != (b is c)
    return eqn.prim is operator.sub and a is c and b is not c


def _writes(eqn):
    return eqn.kind in _WRITES or eqn.overwrites is not None or eqn.item_of is not None


def fused(rev, s, active, body_defs, inner):
    """(forward code, reverse code) of a sum loop whose reverse runs inside its forward,
    or None (everything as it was) where the loop must keep its tape."""
    found = accumulator(rev, s, active)
    if found is None:
        return None
    c, i, o, y = found
    before = (rev.state.copy(), rev.names.snapshot(), dict(rev.region_defs), dict(rev.saves))
    more = (set(rev.value_reads), set(rev.owned_names), set(rev.owned_used))
    rev.unit_seed, rev.seed_through, rev.arm_reads = ONE, False, set()
    try:
        fwd_body, rev_body, _, entry, _ = rev.reverse_body_once(s, active, body_defs, inner)
    finally:
        rev.unit_seed = None
    sums = _sums(rev, s, inner | body_defs, free_names(rev_body) | stored_names(rev_body))
    # (a branch's reverse reads its arm's values at the end of the pass, where a
    # carried name may hold the next pass's value already)
    unsafe = rev.arm_reads & {rev.names.var(v) for v in s.carried}
    if not rev.seed_through or not sums or unsafe or not all(_plain(rev, v) for v in sums.values()):
        rev.state, snap, rev.region_defs, rev.saves = before
        rev.names.restore(snap)
        rev.value_reads, rev.owned_names, rev.owned_used = more
        return None
    renamed = {d: rev.names.fresh(f"{d}_sum") for d in sorted(sums)}
    rev.names.sums.update((renamed[d], v) for d, v in sums.items())  # (known shapes: summed in place)
    _rename(rev_body, renamed)
    starts = [assign(renamed[d], rev.zeros(sums[d])) for d in sorted(sums)]
    why = comment(f"reverse of this pass (the adjoint of {rev.names.var(c)} is the same on every pass: no tape)")
    pre, loop = loop_skeleton.loop(s, rev.names, rev.emit, list(fwd_body) + [why] + rev_body, starts)
    # at the loop's place in the reverse sweep: the sums, scaled by the accumulator's adjoint
    rev.state = entry
    seed = entry.get(y)
    back = []
    for d in sorted(sums):
        v, total = sums[d], name(renamed[d])
        if seed == ONE and rev.state.get(v) is None:
            rev.state[v] = renamed[d]  # (the sum is an array no one else holds: no copy, even of a buffer)
        else:
            rev.contribute(v, total if seed == ONE else gast.BinOp(name(seed), gast.Mult(), total), back)
    rev.contribute(i, name(seed), back)
    rev.owned_names -= stored_names(back)
    return pre + [loop], back


def _sums(rev, s, inner, mentioned):
    """Adjoint name -> the outer value whose adjoint the reversed body adds to under
    it (those already in their names before the loop too), or {} if the body
    mentions another outer adjoint (the accumulator's, one of two values that share
    a name, one the body does not read)."""
    holders = {}
    for v, n in rev.names.adjoints.items():
        if v not in inner and n in mentioned:
            holders.setdefault(n, []).append(v)
    reads = rev.outer_reads(s, inner)
    if not all(len(vs) == 1 and vs[0] in reads for vs in holders.values()):
        return {}
    return {n: vs[0] for n, vs in holders.items()}


def _plain(rev, v):
    """Is `v`'s adjoint a number or an array of known shape (one a seed can scale), not a
    container's?"""
    if v in rev.inplace.containers or v in rev.inplace.dicts or v in rev.split.found:
        return False
    return v in rev.scalars or rev.shapes.known(v) is not None


def _rename(stmts, renamed):
    for st in stmts:
        for node in walk(st):
            if isinstance(node, gast.Name) and node.id in renamed:
                node.id = renamed[node.id]
