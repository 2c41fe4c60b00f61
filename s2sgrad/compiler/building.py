"""Values the SSA builder builds of parts, for calls (a mixin of the builder): the
tuple and dict a helper's `*args` / `**kwargs` receive, a default value the call
left out, and NamedTuples built in the function (`P(w=..., b=...)`, `p._replace(...)`),
whose class is known where they flow (loops, branches), so that `p.w` reads an item."""

import inspect

import gast
import numpy as np

from . import ir


def _literal(value):
    """Can generated code spell `value` as a literal (a number, string, None, or a tuple of them)?"""
    if isinstance(value, tuple):
        return all(_literal(v) for v in value)
    return value is None or value is Ellipsis or isinstance(value, (bool, int, float, complex, str, np.number))


class Building:
    """The SSA builder's methods that build tuples, dicts and NamedTuples of atoms."""

    def passed_atom(self, node, param, value):
        """The atom a parameter is bound to: the argument's; for `*args` / `**kwargs` a
        tuple / dict built of the arguments; for a default the call left out, a literal
        where the value has one and otherwise the object itself, bound by name (an
        array, a function: `def h(x, f=np.tanh)`)."""
        if param.kind is param.VAR_POSITIONAL:
            return self.emit_build(node, list(value), "tuple", param.name)
        if param.kind is param.VAR_KEYWORD:
            return self.emit_build(node, [a for k, v in value.items() for a in (ir.Const(k), v)], "dict", param.name)
        if isinstance(value, (ir.Var, ir.Const, ir.Global)):
            return value
        if _literal(value):
            return ir.Const(value)
        return ir.Global(param.name, value, value, True)

    def emit_build(self, node, atoms, kind, hint):
        """A tuple, list or dict built of `atoms` (a dict's: keys and values interleaved)."""
        out = self.eqn(node, kind, atoms, "build", payload=kind, hint=hint)
        if kind != "dict":
            self.sequences.add(out)
        self.built[out] = (kind, list(atoms))
        return out

    def namedtuple(self, node, callee, args, kwargs, hint):
        """`P(w=..., b=...)` of a NamedTuple class: its fields by position (defaults
        filled in), differentiated as a tuple; `p.w` reads an item, `p._replace(...)` and
        its methods work as on a NamedTuple parameter."""
        from ..rules.sequence_rules import defnamedtuple

        cls = callee.value
        try:
            bound = inspect.signature(cls).bind(*args, **kwargs)
        except TypeError as exc:
            raise self.parsed.error(node, f"cannot call {cls.__name__}: {exc}", "call") from None
        bound.apply_defaults()
        params = bound.signature.parameters
        items = [self.passed_atom(node, params[n], v) for n, v in bound.arguments.items()]
        defnamedtuple(cls)
        out = self.eqn(node, cls, items, "call", {}, payload=callee, hint=hint)
        self.classes[out] = ("container", cls)
        self.built[out] = ("tuple", items)
        return out

    def carry_classes(self, node, values, carried, outs_of=None):
        """A loop-carried value has the class its value before the loop has (a NamedTuple
        built in the function: `p.w` reads an item); with `outs_of`, check that the body's
        values at the end of an iteration have it too, where the body read a field."""
        for i, (value, var) in enumerate(zip(values, carried)):
            if outs_of is None:
                if value in self.classes:
                    self.classes[var] = self.classes[value]
            elif var in self.fields_read and self.classes.get(value) != self.classes[var]:
                cls = self.classes[var][1].__name__
                raise self.parsed.error(
                    node,
                    f"'{outs_of[i]}' holds a {cls} before this loop and another value after an iteration",
                    "loop",
                    f"keep '{outs_of[i]}' a {cls} in the loop (build a new one with {cls}(...) or ._replace)",
                )

    def replaced(self, node, receiver, kwargs, hint):
        """`p._replace(w=...)` on a NamedTuple: a new one of the same class, the other
        fields read from p."""
        cls = self.classes[receiver][1]
        unknown = set(kwargs) - set(cls._fields)
        if unknown:
            raise self.parsed.error(node, f"{cls.__name__} has no field {sorted(unknown)[0]!r}", "call")
        items = {
            f: kwargs[f]
            if f in kwargs
            else self.eqn(node, "getitem", [receiver], "getitem", payload=gast.Constant(i, None), hint=f)
            for i, f in enumerate(cls._fields)
        }
        callee = ir.Global(cls.__name__, cls, cls, True)
        return self.namedtuple(node, callee, [], items, hint)
