"""Dead-code removal on the SSA graph: pure equations, branch results and
loop-carried values that nothing reads (most of lowering's break/continue flags
end here), and branches on a literal condition (an inlined helper's
`if clip:` with `clip=False`)."""

import gast

from . import ir


def _pure(stmt):
    if isinstance(stmt, ir.Eqn):
        if stmt.kind in ("effect", "setitem", "append", "add_at"):
            return False
        if stmt.overwrites is not None:
            return False  # `x op= y` may change an array other names see (aliasing.py checks)
        if stmt.kind in ("call", "method"):
            module = getattr(stmt.prim, "__module__", None) or ""
            return (
                module.split(".")[0] in ("numpy", "math", "builtins", "operator", "s2sgrad")
                or stmt.prim in (len, abs, float, int, min, max, range, round)
                or stmt.kind == "method"
                or _freezes(stmt.prim)
            )
        return True
    return True


def _freezes(f):
    """A SciPy distribution (`norm`): calling it makes a frozen distribution, nothing else."""
    return type(f).__module__.startswith("scipy.stats") and callable(getattr(f, "freeze", None))


def fold_constant_branches(graph):
    """Replace each branch on a literal condition (`if False:`, `if shift is not None:`
    with `shift=None`) by the arm it takes."""
    renamed = {}
    _fold(graph.body, renamed, _literal_tests(graph))
    if renamed:
        from .hoist import _substitute

        for stmt in graph.body:
            _substitute(stmt, renamed)
        graph.result = renamed.get(graph.result, graph.result)
        graph.aux = renamed.get(graph.aux, graph.aux)
    return graph


_LITERALS = (type(None), bool, int, float, str)


def _literal_tests(graph):
    """Var -> its value, for `a is None`, `a is not None`, `a == b`, `a != b` of literals."""
    found = {}
    for e in ir.walk(graph.body):
        template = e.payload if isinstance(e, ir.Eqn) and e.kind == "opaque" and e.boolean else None
        if not (isinstance(template, gast.Compare) and len(template.ops) == 1 and len(e.outs) == 1):
            continue
        values = [_literal(n, e.args) for n in (template.left, template.comparators[0])]
        if any(v is ... for v in values):
            continue
        a, b = values
        test = {gast.Is: lambda: a is b, gast.IsNot: lambda: a is not b, gast.Eq: lambda: a == b}
        test[gast.NotEq] = lambda: a != b
        op = type(template.ops[0])
        if op in test:
            found[e.outs[0]] = bool(test[op]())
    return found


def _literal(node, atoms):
    """The literal a template node stands for (`...` if not a literal)."""
    if isinstance(node, gast.Constant) and type(node.value) in _LITERALS:
        return node.value
    if isinstance(node, gast.Name) and node.id.startswith(".") and node.id[1:].isdigit():
        atom = atoms[int(node.id[1:]) - 1]
        if isinstance(atom, ir.Const) and atom is not ir.UNDEFINED and type(atom.value) in _LITERALS:
            return atom.value
    return ...


def _fold(block, renamed, tests):
    out = []
    for stmt in block:
        for sub in ir.sub_blocks(stmt):
            _fold(sub, renamed, tests)
        cond = stmt.cond if isinstance(stmt, ir.If) else None
        if isinstance(cond, ir.Var) and cond in tests:
            cond = ir.Const(tests[cond])
        if isinstance(cond, ir.Const) and cond is not ir.UNDEFINED:
            taken = bool(cond.value)
            out += stmt.then if taken else stmt.orelse
            for o, a in zip(stmt.outs, stmt.then_outs if taken else stmt.else_outs):
                renamed[o] = renamed.get(a, a)  # (an arm may pass on a value folded before)
            continue
        out.append(stmt)
    block[:] = out


def prune(graph):
    """Drop pure equations, branch results and loop-carried values nobody reads
    (the flags lowering made for break/continue/return often end up here)."""
    while True:
        used = _used_values(graph)
        changed = _sweep(graph.body, used)
        if not changed:
            return graph


def _used_values(graph):
    """Vars read by something that is itself kept: the least set closed under
    "a kept statement's reads are used". One walk records, for each value, the
    reads that become used once it is; a worklist then follows them (instead
    of walking the whole graph again until nothing grows)."""
    roots = [graph.result] + ([graph.aux] if graph.aux is not None else [])
    needs = {}  # Var -> atoms that are used once it is

    def when(values, atoms):
        for v in values:
            needs.setdefault(v, []).extend(atoms)

    for stmt in ir.walk(graph.body):
        if isinstance(stmt, ir.Eqn):
            if _pure(stmt):
                when(stmt.outs, stmt.atoms)
            else:
                roots += stmt.atoms
        elif isinstance(stmt, ir.If):
            roots.append(stmt.cond)
            for o, a, b in zip(stmt.outs, stmt.then_outs, stmt.else_outs):
                when([o], [a, b])
        else:
            roots += list(stmt.bounds) if isinstance(stmt, ir.For) else []
            roots += [stmt.exit] if stmt.exit is not None else []
            roots += [stmt.cond] if isinstance(stmt, ir.While) else []
            for c, i, b, o in zip(stmt.carried, stmt.inits, stmt.body_outs, stmt.outs):
                when([o, c], [b, i])
    used = set()
    todo = [a for a in roots if isinstance(a, ir.Var)]
    while todo:
        v = todo.pop()
        if v not in used:
            used.add(v)
            todo += [a for a in needs.pop(v, ()) if isinstance(a, ir.Var)]
    return used


def _sweep(block, used):
    changed = False
    kept = []
    for stmt in block:
        for sub in ir.sub_blocks(stmt):
            changed |= _sweep(sub, used)
        if isinstance(stmt, ir.Eqn):
            if stmt.outs and not any(o in used for o in stmt.outs) and _pure(stmt):
                changed = True
                continue
        elif isinstance(stmt, ir.If):
            keep = [k for k, o in enumerate(stmt.outs) if o in used]
            if len(keep) != len(stmt.outs):
                changed = True
                stmt.outs = [stmt.outs[k] for k in keep]
                stmt.then_outs = [stmt.then_outs[k] for k in keep]
                stmt.else_outs = [stmt.else_outs[k] for k in keep]
            if not stmt.outs and not stmt.then and not stmt.orelse:
                changed = True
                continue
        else:
            keep = [k for k, (c, o) in enumerate(zip(stmt.carried, stmt.outs)) if c in used or o in used]
            if len(keep) != len(stmt.carried):
                changed = True
                for attr in ("carried", "inits", "body_outs", "outs"):
                    setattr(stmt, attr, [getattr(stmt, attr)[k] for k in keep])
        kept.append(stmt)
    block[:] = kept
    return changed
