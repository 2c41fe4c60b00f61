"""The skeleton every generated loop shares, whichever sweep writes it: the
carried values set before the loop (those not already in their names), handed
on at the end of each iteration, the test that ends it early, and the
`for i in range(...)` or `while` head. The forward sweep of reverse mode
(`reverse_control.py`) and forward mode (`forward.py`) fill it with their own
bodies and what they carry besides (a tape, tangents) through `loop`;
checkpointed loops (`checkpointing.py`) start their step functions from `inits`.
The bodies themselves are each sweep's own walk: forward mode computes a
tangent after each value, reverse mode's forward sweep keeps the values its
reverse reads."""

import gast

from . import ir
from .codegen import assign_many, call, name


def loop(s, names, emit, body, before=(), back=(), bounds=None):
    """(statements before the loop, the loop): the carried values set, then `before`;
    `body`, then the carried values handed on (with the `back` pairs: (name, value)
    the sweep carries besides) and the exit test."""
    c_names = [names.var(c) for c in s.carried]
    handed_on = assigned(carry(names, emit, c_names, s.body_outs) + list(back))
    full = list(body) + handed_on + exit_test(s, emit)
    return inits(s, names, emit) + list(before), head(s, names, emit, full, bounds)


def inits(s, names, emit):
    """`a, b = a0, b0`: the carried values set before the loop ([] when in their names)."""
    return assigned(carry(names, emit, [names.var(c) for c in s.carried], s.inits))


def carry(names, emit, c_names, atoms):
    """(carried name, value) for the values not already spelled as their carried name."""
    return [(n, emit.atom(a)) for n, a in zip(c_names, atoms) if not (isinstance(a, ir.Var) and names.var(a) == n)]


def assigned(pairs):
    """`a, b = x, y` for (name, value) pairs: [] when there are none."""
    return [assign_many([n for n, _ in pairs], [v for _, v in pairs])] if pairs else []


def exit_test(s, emit):
    """`if <exit>: break` at the end of the body of a loop that can end early."""
    return [gast.If(emit.atom(s.exit), [gast.Break()], [])] if s.exit is not None else []


def head(s, names, emit, body, bounds=None):
    """The loop statement around `body`: `for i in range(*bounds)` (the bounds' atoms
    given, or made here), or a `while` whose condition is computed at its top (one
    test expression when that is all its condition block does)."""
    if isinstance(s, ir.For):
        bounds = bounds if bounds is not None else [emit.atom(b) for b in s.bounds]
        return gast.For(name(names.var(s.index), True), call("range", bounds), body or [gast.Pass()], [], None)
    cond = [emit.statement(e) for e in s.cond_block]
    if len(s.cond_block) == 1 and s.cond_block[0].outs == [s.cond]:
        return gast.While(emit.expr(s.cond_block[0]), body or [gast.Pass()], [])
    forever = isinstance(s.cond, ir.Const) and s.cond.value is True  # `while True:` leaves by break only
    test = [] if forever else [gast.If(gast.UnaryOp(gast.Not(), emit.atom(s.cond)), [gast.Break()], [])]
    return gast.While(gast.Constant(True, None), cond + test + body, [])
