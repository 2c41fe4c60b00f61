"""Analyses over the SSA graph; each returns a plain result object.

`activity(graph, wrt, rules)` -> the set of active Vars: varied (depends on a
wrt parameter through differentiable operations) and useful (the result
depends on it). `kinds(graph, arg_kinds, rules)` -> Var -> 'scalar' | None,
which lets the reverse pass skip broadcasting bookkeeping for Python scalars.
"""

import gast

from . import ir
from ..rules import lookup


def _fixpoint(step):
    while step():
        pass


def _region_flows(stmt):
    """(sources, targets) pairs: value flow through a region's joins and loops."""
    if isinstance(stmt, ir.If):
        return [(a, o) for outs in (stmt.then_outs, stmt.else_outs) for a, o in zip(outs, stmt.outs)]
    flows = []
    for init, c, out, o in zip(stmt.inits, stmt.carried, stmt.body_outs, stmt.outs):
        flows += [(init, c), (out, c), (c, o), (out, o)]
    return flows


def varied(graph, wrt_vars, rules):
    result = set(wrt_vars)

    def step():
        changed = False
        for stmt in ir.walk(graph.body):
            if isinstance(stmt, ir.Eqn):
                if stmt.boolean or not stmt.outs:
                    continue
                if any(a in result for a in stmt.atoms) and not rules.is_nondiff(stmt):
                    for out in stmt.outs:
                        if out not in result:
                            result.add(out)
                            changed = True
            else:
                for src, dst in _region_flows(stmt):
                    if src in result and dst not in result:
                        result.add(dst)
                        changed = True
        return changed

    _fixpoint(step)
    return result


def useful(graph, rules):
    result = {graph.result} if isinstance(graph.result, ir.Var) else set()

    def step():
        changed = False
        for stmt in ir.walk(graph.body):
            if isinstance(stmt, ir.Eqn):
                if any(o in result for o in stmt.outs) and not stmt.boolean:
                    for a in stmt.atoms:
                        if isinstance(a, ir.Var) and a not in result:
                            result.add(a)
                            changed = True
            else:
                for src, dst in _region_flows(stmt):
                    if dst in result and isinstance(src, ir.Var) and src not in result:
                        result.add(src)
                        changed = True
        return changed

    _fixpoint(step)
    return result


def activity(graph, wrt_vars, rules=lookup):
    return varied(graph, wrt_vars, rules) & useful(graph, rules)


def _literal_int(template, args):
    """The int of an index template `2`, or `.1` where the index atom is a literal (`-1`)."""
    if isinstance(template, gast.Name) and template.id == ".1" and len(args) == 2 and isinstance(args[1], ir.Const):
        value = args[1].value
    else:
        value = template.value if isinstance(template, gast.Constant) and len(args) == 1 else None
    return value if type(value) is int else None


def _number_item(eqn, module_data):
    """`STRIKES[i]` of a module-level list or tuple of numbers (an item is a number);
    `module_data`: the values read from the module, by the Var they were read into."""
    if eqn.kind != "getitem":
        return False
    base = eqn.args[0]
    items = base.value if isinstance(base, ir.Global) else module_data.get(base)
    return (
        isinstance(items, (list, tuple))
        and len(items) > 0
        and all(type(x) in (int, float) for x in items)
        and len(eqn.args) == 2
        and isinstance(eqn.payload, gast.Name)  # one index (`STRIKES[i]`, not a slice)
    )


def kinds(graph, arg_kinds, rules=lookup):
    """The Vars that are certainly scalars (Python or NumPy numbers), found as the
    greatest fixed point: assume every value is a scalar, then drop those that
    cannot be shown to be one."""
    scalar = {p for p, k in zip(graph.params, arg_kinds) if k == "scalar"}
    for stmt in ir.walk(graph.body):
        scalar.update(stmt.outs)
        if not isinstance(stmt, ir.Eqn) and not isinstance(stmt, ir.If):
            scalar.update(stmt.carried)
            if isinstance(stmt, ir.For):
                scalar.add(stmt.index)

    def is_scalar(atom):
        if atom is ir.UNDEFINED:
            return True
        if isinstance(atom, (ir.Const, ir.Global)):
            return isinstance(atom.value, (int, float)) and not isinstance(atom.value, bool)
        return atom in scalar

    shapes = {
        e.outs[0]
        for e in ir.walk(graph.body)
        if isinstance(e, ir.Eqn) and e.kind == "attr" and e.prim == ("attr", "shape")
    }

    module_data = {
        e.outs[0]: e.args[0].value
        for e in ir.walk(graph.body)
        if isinstance(e, ir.Eqn) and e.kind == "opaque" and e.prim == "read" and isinstance(e.args[0], ir.Global)
    }

    tuples = {
        e.outs[0]: e.args
        for e in ir.walk(graph.body)
        if isinstance(e, ir.Eqn) and e.kind == "build" and e.payload == "tuple" and len(e.outs) == 1
    }

    def tuple_item(stmt):
        """`t[0]` of a tuple built in the code: its item (a tuple never changes)."""
        if not (stmt.kind == "getitem" and stmt.args[0] in tuples):
            return None
        index, items = _literal_int(stmt.payload, stmt.args), tuples[stmt.args[0]]
        return items[index] if type(index) is int and -len(items) <= index < len(items) else None

    def holds(stmt):
        """The Vars of `stmt` whose scalar-ness no longer holds."""
        if isinstance(stmt, ir.Eqn):
            reads_number = stmt.kind == "opaque" and stmt.prim == "read"  # a module-level number
            ok = bool(stmt.args) and (reads_number or rules.scalar_out(stmt)) and all(map(is_scalar, stmt.args))
            ok = ok or (_number_item(stmt, module_data) and is_scalar(stmt.args[1]))
            item = tuple_item(stmt)
            ok = ok or (item is not None and is_scalar(item))
            ok = (
                ok
                or rules.always_scalar(stmt)
                or (stmt.kind == "getitem" and stmt.args[0] in shapes and all(map(is_scalar, stmt.args[1:])))
            )
            return [] if ok else stmt.outs
        if isinstance(stmt, ir.If):
            return [
                o for o, a, b in zip(stmt.outs, stmt.then_outs, stmt.else_outs) if not (is_scalar(a) and is_scalar(b))
            ]
        bad = [c for c, i, b in zip(stmt.carried, stmt.inits, stmt.body_outs) if not (is_scalar(i) and is_scalar(b))]
        bad += [o for o, c in zip(stmt.outs, stmt.carried) if not is_scalar(c) or c in bad]
        if isinstance(stmt, ir.For) and not all(map(is_scalar, stmt.bounds)):
            bad.append(stmt.index)
        return bad

    def step():
        changed = False
        for stmt in ir.walk(graph.body):
            for v in holds(stmt):
                if v in scalar:
                    scalar.discard(v)
                    changed = True
        return changed

    _fixpoint(step)
    return scalar
