"""What a helper's in-place writes into its arguments do to the caller, once the helper
is inlined (compiler/calls.py): `p[0] = y` or `p += y` on an array changes the
caller's array too, so the caller's names move on to the new value; `k op= y` on a
number only rebinds the helper's k; writing and then rebinding the name is refused."""

import gast
import numpy as np

from . import ir
from .effects import OTHER, WRITTEN, same_object
from ..rules import lookup


class ArgumentWrites:
    """For one inlined call: `builder` (the SSA builder, its block holding the helper's
    statements), the call `node` and the helper's `label` for messages."""

    def __init__(self, builder, node, label):
        self.builder, self.node, self.label = builder, node, label

    def follow(self, passed, env, env_of_call):
        """Move the caller's names (`env_of_call`) on to what the helper left in each
        argument it wrote into; `passed`: the helper's parameter names -> the caller's
        values, `env`: the helper's names when it returned."""
        builder, node, label = self.builder, self.node, self.label
        for name_, before in passed.items():
            after = env.get(name_)
            if not isinstance(before, ir.Var) or after is before or self.certainly_number(before):
                continue  # (`k -= y` on a number only rebinds the helper's k)
            paths = same_object(builder.block, before, after)
            if WRITTEN in paths and OTHER in paths or WRITTEN not in paths and _written(builder.block, before):
                raise builder.parsed.error(
                    node,
                    f"{label} changes its argument '{name_}' in place and rebinds the name to a new "
                    "value (on some paths, or afterwards), so the caller's array cannot be followed",
                    "aliasing",
                    f"copy it first in {label} ({name_} = {name_}.copy()) and return the new value",
                )
            if WRITTEN in paths:
                if builder.kinds.get(before) != "array" and _written(builder.block, before) == {"augmented"}:
                    after = self.written_through(before, after)
                for caller_name, v in list(env_of_call.items()):
                    if v is before:
                        env_of_call[caller_name] = after

    def written_through(self, before, after):
        """`after if holds_array(before) else before`, for the caller: a helper's `x op= y`
        changes the caller's array in place, but on a number it only rebinds the helper's
        x, and which one the caller passed shows only when the code runs."""
        test = gast.Call(
            gast.Name(".rt.holds_array", gast.Load(), None, None), [gast.Name(".1", gast.Load(), None, None)], []
        )
        cond = self.builder.eqn(self.node, "opaque", [before], "opaque", payload=test, hint=".array", boolean=True)
        out = ir.Var(before.hint)
        self.builder.emit(ir.If(cond, [], [], [out], [after], [before], self.builder.parsed.loc(self.node)))
        return out

    def certainly_number(self, v):
        """Is `v` a number on every run (a scalar argument, a module-level number, a full
        reduction, arithmetic of numbers), as far as the code built so far shows?"""
        makers = {o: e for e in self.builder.block if isinstance(e, ir.Eqn) for o in e.outs}
        seen = set()

        def number(atom):
            if isinstance(atom, (ir.Const, ir.Global)):
                return isinstance(atom.value, (int, float, np.number)) and not isinstance(atom.value, bool)
            if atom in seen:
                return False
            seen.add(atom)
            if self.builder.kinds.get(atom) == "scalar":
                return True
            e = makers.get(atom)
            if e is None:
                return False
            if lookup.always_scalar(e) or (e.kind == "opaque" and e.prim == "read" and number(e.args[0])):
                return True
            return bool(e.args) and lookup.scalar_out(e) and all(map(number, e.args))

        return number(v)


def _written(block, value):
    """How the object `value` holds is written in place in `block`: a set of "item" (`p[0] += 1`,
    an append) and "augmented" (`p += 1`), empty if it is not; also inside loops and branches
    (where the write changes the value a loop carries), and then maybe rebound."""
    versions, written = {value}, set()
    stmts = list(ir.walk(block))
    grown = True
    while grown:
        size = len(versions)
        for e in stmts:
            if isinstance(e, ir.Eqn) and e.outs:
                if e.kind in ("setitem", "append", "add_at") and e.args[0] in versions:
                    versions.add(e.outs[0])
                    written.add("item")
                elif e.overwrites in versions:
                    versions.add(e.outs[0])
                    written.add("augmented")
            elif ir.is_loop(e):  # the value a loop starts from is carried into its passes
                versions.update(c for c, i in zip(e.carried, e.inits) if i in versions)
        grown = len(versions) > size
    return written
