"""Code for a checkpointed loop: the body becomes local functions and the
schedule (s2sgrad.schedule.checkpoints) decides what to store and recompute.

    schedule = checkpoints(range(n), 10)            # checkpoints(None, 10) for a while loop
    def step_taped(i, x, v): ...one iteration...; return ((x_1, v_1), (cond, t, v, x))
    def steps(indices, x, v):                       # the loop itself, values only
        for i in indices:
            ...one iteration, without what only the tape needs...
            x, v = x_1, v_1
        return (x, v)
    def more(x, v): return <the while condition>    # while loops only
    x, v = schedule.forward(steps, (x, v))          # (steps, (x, v), more) for a while loop
    ...
    def step_back(i, item, dx, dv, dk):
        cond, t, v, x = item
        ...that iteration's reverse...
        return (dx, dv, dk)
    dx, dv, dk = schedule.reverse(steps, step_taped, step_back, (dx, dv, dk))

The adjoints handed through are the carried values' and those of outer values
the iteration adds to (dk above).
"""

import copy

import gast

from . import ir, loop_skeleton
from .cleanup import inline_temporaries
from .codegen import appended_to, assign, assign_many, call, free_names, name, stored_names, walk
from ..errors import S2SGradError
from .. import runtime as rt
from ..runtime.schedule import checkpoints


def _tuple(names, store=False):
    ctx = gast.Store() if store else gast.Load()
    return gast.Tuple([name(n, store) if isinstance(n, str) else n for n in names], ctx)


def _def(fname, params, body):
    """`def fname(*params): body` (freeze_late_rebinds adds, at the end, the names it
    reads that the code around binds again)."""
    args = gast.arguments([gast.Name(p, gast.Param(), None, None) for p in params], [], None, [], [], None, [])
    return gast.FunctionDef(fname, args, body, [], None, None, [])


def _method(obj, method, args):
    return call(gast.Attribute(name(obj), method, gast.Load()), args)


def _read_from_outside(s):
    """The Vars a loop's condition and body read that were made before the loop."""
    found, inner = {a for outs in ir.region_results(s) for a in outs}, set(s.carried)
    if isinstance(s, ir.For):
        inner.add(s.index)
    for sub in ir.sub_blocks(s):
        for st in ir.walk(sub):
            found.update(ir.reads(st))
            for outs in ir.region_results(st):
                found.update(outs)
            inner.update(st.outs)
            if ir.is_loop(st):
                inner.update(st.carried)
                if isinstance(st, ir.For):
                    inner.add(st.index)
    return {v for v in found if isinstance(v, ir.Var) and v not in inner}


def loop_code(rev, s, fwd_body, rev_body, carried, active, touched):
    """(forward statements, reverse statements) of a checkpointed loop."""
    if s.exit is not None:
        raise S2SGradError(
            "a checkpointed loop cannot end early (break or return inside)",
            s.loc,
            "checkpointed loop",
            "remove the break, or do not checkpoint this loop",
        )
    names = rev.names
    is_for = isinstance(s, ir.For)
    index = names.var(s.index) if is_for else names.fresh("iteration")
    c_names = [names.var(c) for c, *_ in carried]
    plan, step, taped, back = (names.fresh(n) for n in ("schedule", "steps", "step_taped", "step_back"))
    more = None if is_for else names.fresh("more")
    rev.region_defs[s] = [plan, step, taped] + ([more] if more else [])

    fwd = loop_skeleton.inits(s, names, rev.emit)
    trips = call("range", [rev.emit.atom(b) for b in s.bounds]) if is_for else gast.Constant(None, None)
    held = [] if _writes_in_place(rev.graph) else [("copies", gast.Constant(False, None))]
    made = call(rev.emit.spell_root.bind("checkpoints", checkpoints), [trips, rev.emit.atom(s.checkpoint)], held)
    fwd.append(assign(plan, made))
    outs = [rev.emit.atom(o) for _, _, o, _ in carried]
    fwd += _step_functions(rev, s, fwd_body, rev_body, c_names, outs, index, (step, taped, more))
    run = [name(step), _tuple(c_names)] + ([name(more)] if more else [])
    fwd.append(assign(_tuple(c_names, True), _method(plan, "forward", run)))
    if is_for and _read_after(rev.graph, s, s.index):
        fwd.append(assign(index, _method(plan, "last", [])))  # Python keeps the last index

    # the schedule runs the body again inside the reverse sweep: what it reads from before
    # the loop must then be as it was, so a write after the loop is undone before (y[1:] += x)
    rev.value_reads |= _read_from_outside(s)
    adjoints = _adjoints_through(rev, s, active, touched, rev_body)
    needed = _needed(rev, s, rev_body, c_names, index)
    item = names.fresh("item")
    unpack = [assign(_tuple(needed, True), name(item))] if needed else []
    back_def = _def(back, [index, item] + adjoints, unpack + list(rev_body) + [gast.Return(_tuple(adjoints))])
    result = _method(plan, "reverse", [name(step), name(taped), name(back), _tuple(adjoints)])
    reverse = [back_def, assign(_tuple(adjoints, True), result)]
    if _changed_in_place(rev, s, carried):
        reverse.append(gast.Expr(_method(plan, "rewind", [])))
    return fwd, reverse


def is_sweep(stmt):
    """Is this the statement `loop_code` writes to run a schedule's reverse sweep?"""
    value = stmt.value if isinstance(stmt, gast.Assign) else None
    return (
        isinstance(value, gast.Call)
        and isinstance(value.func, gast.Attribute)
        and value.func.attr == "reverse"
        and isinstance(value.func.value, gast.Name)
        and len(value.args) == 4
    )


def _read_after(graph, loop, v):
    """Is `v` read outside the loop's own body (after it, since it is made there)?"""
    inside = {id(st) for st in ir.walk(loop.body)}
    if graph.result is v:
        return True
    # the loop's own results are the body's (an index the loop carries: step_taped returns it)
    return any(
        id(st) not in inside
        and (v in ir.reads(st) or st is not loop and any(v in outs for outs in ir.region_results(st)))
        for st in ir.walk(graph.body)
    )


def _needed(rev, s, rev_body, c_names, index):
    """The forward values an iteration's reverse reads: its tape item."""
    return sorted(free_names(rev_body) & rev.defined(s.body, c_names + [index]))


def _step_functions(rev, s, fwd_body, rev_body, c_names, outs, index, spelled):
    """`step_taped`, `steps` (a loop of `step_taped(...)[0]`, given the body without the
    tape by `values_only_steps` once the clean-ups are done) and, for a while loop,
    `more` (its condition)."""
    step, taped, more = spelled
    kept = rev.kept(_needed(rev, s, rev_body, c_names, index), rev_body, as_tuple=True)
    body = list(fwd_body)
    if more is not None:
        cond = [rev.emit.statement(e) for e in s.cond_block]
        if free_names(body) & rev.defined(s.cond_block):
            body = cond + body  # the body reads values of the condition: recompute them
    defs = [_def(taped, [index] + c_names, body + [gast.Return(gast.Tuple([_tuple(outs), kept], gast.Load()))])]
    values_only = gast.Subscript(
        call(name(taped), [name(index)] + [name(n) for n in c_names]), gast.Constant(0, None), gast.Load()
    )
    indices = rev.names.fresh("indices")
    loop = gast.For(name(index, True), name(indices), [assign(_tuple(c_names, True), values_only)], [], None)
    defs.append(_def(step, [indices] + c_names, [loop, gast.Return(_tuple(c_names))]))
    if more is not None:
        defs.append(
            _def(
                more,
                c_names,
                [rev.emit.statement(e) for e in s.cond_block] + [gast.Return(rev.emit.atom(s.cond))],
            )
        )
    return defs


def _writes_in_place(graph):
    """May anything in the function change an array or container in place (so the
    schedule copies the states it holds)? Writes anywhere count: one after the loop may
    change the start state's array, one in an outer loop the states of a later lap;
    so do calls in statements kept as written (which might write into their arguments)."""
    return any(
        isinstance(st, ir.Eqn)
        and (st.kind in ("setitem", "append", "add_at") or st.overwrites is not None or _calls_as_written(st))
        for st in ir.walk(graph.body)
    )


def _calls_as_written(eqn):
    """Does an effect or opaque expression call anything but the runtime's checks?"""
    if eqn.kind not in ("effect", "opaque") or not isinstance(eqn.payload, gast.AST):
        return eqn.kind == "effect"
    return any(
        isinstance(n, gast.Call) and not (isinstance(n.func, gast.Name) and n.func.id.startswith(".rt."))
        for n in walk(eqn.payload)
    )


def _adjoints_through(rev, s, active, touched, rev_body):
    """Adjoint names an iteration's reverse takes and gives back: the carried values',
    then outer values' that it adds to (or rebinds)."""
    names = rev.names
    adjoints = [names.adjoint(y) for *_, y in active]
    ys = {y for *_, y in active}
    outer = [names.adjoint(v) for v in sorted(touched, key=lambda v: v.id) if v not in ys]
    inner = {o for st in ir.walk(s.body) for o in st.outs} | set(s.carried)
    rebound = {n.id for st in rev_body for n in walk(st) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    for v, spelled in list(names.adjoints.items()):
        if (
            spelled in rebound
            and v not in inner
            and spelled not in outer
            and spelled not in adjoints
            and v not in ys
            and v in rev.state
        ):
            outer.append(spelled)
    return adjoints + outer


def _changed_in_place(rev, s, carried):
    """May the loop write a carried array in place (so the schedule must put it back)?
    Any write inside counts: a nested loop's carried value starts as the outer one's
    buffer, and the versions do not always join them (F46)."""
    plan = rev.inplace
    inside = {id(st) for st in ir.walk(s.body)}
    if any(id(w) in inside for w in plan.writes):
        return True
    written = {plan.versions.find(w.outs[0]) for w in plan.writes}
    return any(c in plan.buffered or plan.versions.find(c) in written for c, *_ in carried)


def freeze_late_rebinds(function):
    """Make the names a nested step function reads, and that the code around it binds
    again after its def (or on a later lap of a loop around the def), default
    arguments taken when it is defined. The schedule runs the steps again in the
    reverse sweep, where a closure would see the later values: a later loop's reverse
    rebinding the name to a taped shape, say (F45). Runs on the finished function,
    after every clean-up has renamed what it will."""
    _freeze_in(function.body, {a.id for a in function.args.args})


def _freeze_in(body, params):
    events = list(_events(body, ()))
    for k, (kind, what, loops) in enumerate(events):
        if kind != "def":
            continue
        own = {a.id for a in what.args.args}
        late = set()
        for n in free_names(what.body) - own:
            stores = [(j, at) for j, (kd, name_, at) in enumerate(events) if kd == "store" and name_ == n]
            bound = n in params or any(j < k for j, _ in stores)
            again = any(j > k or set(loops) & set(at) for j, at in stores)
            if bound and again:
                late.add(n)
        frozen = sorted(late)
        what.args.args += [gast.Name(n, gast.Param(), None, None) for n in frozen]
        what.args.defaults += [name(n) for n in frozen]
        _freeze_in(what.body, own | late)


def _events(stmts, loops):
    """("store", name, loops) and ("def", FunctionDef, loops) in the order the code runs
    them, `loops` the loop statements around each (not looking into nested defs)."""
    for s in stmts:
        if isinstance(s, gast.FunctionDef):
            yield ("def", s, loops)
            yield ("store", s.name, loops)
        elif isinstance(s, (gast.For, gast.While)):
            inner = loops + (id(s),)
            if isinstance(s, gast.For):
                yield from _stores(s.target, inner)
            yield from _events(s.body, inner)
            yield from _events(s.orelse, loops)
        elif isinstance(s, gast.If):
            yield from _events(s.body, loops)
            yield from _events(s.orelse, loops)
        else:
            yield from _stores(s, loops)


def _stores(node, loops):
    # (`del t`, which release_before writes once the code seems done with t, counts:
    # the steps may still read t)
    for n in walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del)):
            yield ("store", n.id, loops)


def values_only_steps(function, bindings):
    """Give each `steps` loop the taped step's body in place of its `step_taped(...)[0]`
    call, without what only the tape needs (`saved_part` copies of parts a write
    overwrites, the `shape_of`s the tape keeps): the loop then reads like the user's, and
    a step the schedule re-runs costs what the original step does, not a call and a
    tape more. Runs on the finished function (the clean-ups have folded the body),
    before `freeze_late_rebinds`."""
    tape_only = {n for n, v in bindings.items() if v is rt.saved_part or v is rt.shape_of}
    for node in list(walk(function)):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                defs = {st.name: st for st in block if isinstance(st, gast.FunctionDef)}
                for st in block:
                    loop, taped = _values_loop(st) or (None, None)
                    if taped in defs and [a.id for a in defs[taped].args.args] == _loop_names(st):
                        untaped = _untaped(defs[taped], loop.body[0].targets[0], tape_only)
                        if untaped:
                            loop.body = folded(untaped, _loop_names(st))


def folded(body, carried):
    """A values-only loop body with its single-use temporaries folded back into the
    expressions that read them (`h = np.tanh(h @ W + xs[t] @ U + b)`, as the user wrote
    it): the names it binds but the `carried` ones (the index and the state, which the
    next pass and the return read)."""
    return inline_temporaries(body, stored_names(body) - set(carried))


def _values_loop(stmt):
    """(the loop, the taped step's name) of `def steps(indices, *state): for i in indices:
    state = step_taped(i, *state)[0]; return state`, else None."""
    if not (isinstance(stmt, gast.FunctionDef) and len(stmt.body) == 2 and isinstance(stmt.body[0], gast.For)):
        return None
    loop = stmt.body[0]
    if len(loop.body) != 1 or not isinstance(loop.body[0], gast.Assign) or not isinstance(loop.target, gast.Name):
        return None
    value = loop.body[0].value
    if not (isinstance(value, gast.Subscript) and isinstance(value.slice, gast.Constant) and value.slice.value == 0):
        return None
    inner = value.value
    if isinstance(inner, gast.Call) and isinstance(inner.func, gast.Name) and not inner.keywords:
        if [a.id if isinstance(a, gast.Name) else None for a in inner.args] == _loop_names(stmt):
            return loop, inner.func.id
    return None


def _loop_names(steps):
    """The index and state names of a `steps` function: what its loop hands `step_taped`."""
    return [steps.body[0].target.id] + [a.id for a in steps.args.args[1:]]


def _untaped(taped, target, tape_only):
    """The statements of `taped` that make its values, then `target = <its values>`
    (left out where they are the target's names already); None if `taped` is not a
    step function's shape."""
    *body, ret = taped.body
    if not (
        isinstance(ret, gast.Return)
        and isinstance(ret.value, gast.Tuple)
        and len(ret.value.elts) == 2
        and isinstance(ret.value.elts[0], gast.Tuple)
        and isinstance(target, gast.Tuple)
    ):
        return None
    values = ret.value.elts[0]
    live = {n.id for n in walk(values) if isinstance(n, gast.Name)}
    body = _without_inner_tapes(copy.deepcopy(body), live)
    kept = []
    for stmt in reversed(body):
        if _taping(stmt, tape_only) and stmt.targets[0].id not in live:
            continue
        kept.append(stmt)
        live |= {n.id for n in walk(stmt) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
    pairs = [
        (t, v)
        for t, v in zip(target.elts, values.elts)
        if not (isinstance(t, gast.Name) and isinstance(v, gast.Name) and t.id == v.id)
    ]
    carry = [assign_many([t.id for t, _ in pairs], [copy.deepcopy(v) for _, v in pairs])] if pairs else []
    return copy.deepcopy(kept[::-1]) + carry or [gast.Pass()]


def _without_inner_tapes(body, live):
    """The body without the tapes of loops nested in it (`tape = []`, `tape.append(...)`):
    only the taped step's own tape entry reads them. `live`: the names the step hands on."""
    uses, filled = {}, set()
    for node in walk(gast.Module(body, [])):
        if isinstance(node, gast.Name):
            uses[node.id] = uses.get(node.id, 0) + 1
    for node in walk(gast.Module(body, [])):
        if _new_list(node):
            filled.add(node.targets[0].id)
    tapes = {n for n in filled - live if uses[n] == _count(body, n)}

    def strip(block):
        kept = [st for st in block if not (_new_list(st) or appended_to(st)) or _target(st) not in tapes]
        for st in kept:
            for field in ("body", "orelse"):
                inner = getattr(st, field, None)
                if isinstance(inner, list) and inner:
                    setattr(st, field, strip(inner) or [gast.Pass()])
        return kept

    return strip(body) if tapes else body


def _new_list(st):
    """`name = []`."""
    return (
        isinstance(st, gast.Assign)
        and len(st.targets) == 1
        and isinstance(st.targets[0], gast.Name)
        and isinstance(st.value, gast.List)
        and not st.value.elts
    )


def _target(st):
    return st.targets[0].id if isinstance(st, gast.Assign) else appended_to(st)


def _count(body, list_name):
    """How often `list_name` is made empty or appended to in body (at any depth)."""
    return sum(
        1
        for node in walk(gast.Module(body, []))
        if (_new_list(node) or appended_to(node)) and _target(node) == list_name
    )


def _taping(stmt, tape_only):
    """`name = saved_part(...)` or `name = shape_of(...)`."""
    return (
        isinstance(stmt, gast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], gast.Name)
        and isinstance(stmt.value, gast.Call)
        and isinstance(stmt.value.func, gast.Name)
        and stmt.value.func.id in tape_only
    )
