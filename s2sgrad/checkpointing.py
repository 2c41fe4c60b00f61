"""Code for a checkpointed loop: the body becomes three local functions and the
schedule (s2sgrad.schedule.checkpoints) decides what to store and recompute.

    schedule = checkpoints(range(n), 10)
    def step(i, x, v): ...one iteration...; return (x_1, v_1)
    def step_taped(i, x, v): ...; return ((x_1, v_1), (cond, t, v, x))
    x, v = schedule.forward(step, (x, v))
    ...
    def step_back(i, item, adjoints, outer):
        dx, dv = adjoints; dk, dc = outer; cond, t, v, x = item
        ...that iteration's reverse...
        return ((dx, dv), (dk, dc))
    (dx, dv), (dk, dc) = schedule.reverse(step, step_taped, step_back, (dx, dv), (dk, dc))
"""
import gast

from . import ir
from .codegen import assign, assign_many, call, free_names, name
from .errors import S2SGradError
from .schedule import checkpoints


def _tuple(names, store=False):
    ctx = gast.Store() if store else gast.Load()
    return gast.Tuple([name(n, store) if isinstance(n, str) else n for n in names], ctx)


def _def(fname, params, body):
    args = gast.arguments([gast.Name(p, gast.Param(), None, None) for p in params], [], None, [], [], None, [])
    return gast.FunctionDef(fname, args, body, [], None, None, [])


def loop_code(rev, s, fwd_body, rev_body, carried, active, touched):
    """(forward statements, reverse statements) of a checkpointed `for` loop."""
    if s.exit is not None:
        raise S2SGradError("a checkpointed loop cannot end early (break or return inside)", s.loc,
                           "checkpointed loop", "remove the break, or do not checkpoint this loop")
    names, emit = rev.names, rev.emit
    index = names.var(s.index)
    c_names = [names.var(c) for c, *_ in carried]
    outs = [emit.atom(o) for _, _, o, _ in carried]
    body_names = rev.defined(s.body, c_names + [index])
    needed = sorted(free_names(rev_body) & body_names)
    plan, step, taped, back = (names.fresh(n) for n in ("schedule", "step", "step_taped", "step_back"))
    item = names.fresh("item")
    rev.region_defs[s] = [plan, step, taped]
    ckpt = emit.spell_root.bind("checkpoints", checkpoints)

    pre = []
    inits = [(n, emit.atom(i)) for n, (c, i, o, y) in zip(c_names, carried)
             if not (isinstance(i, ir.Var) and names.var(i) == n)]
    if inits:
        pre.append(assign_many([n for n, _ in inits], [v for _, v in inits]))
    bounds = [emit.atom(b) for b in s.bounds]
    pre.append(assign(plan, call(ckpt, [call("range", bounds), emit.atom(s.checkpoint)])))
    kept = rev.kept(needed, rev_body, as_tuple=True)
    # the body appears once: `step` is the taped step without its tape entry
    values_only = gast.Subscript(call(name(taped), [name(index)] + [name(n) for n in c_names]),
                                 gast.Constant(0, None), gast.Load())
    fwd = pre + [
        _def(taped, [index] + c_names, list(fwd_body) + [gast.Return(gast.Tuple([_tuple(outs), kept],
                                                                               gast.Load()))]),
        _def(step, [index] + c_names, [gast.Return(values_only)]),
        assign(_tuple(c_names, True), call(gast.Attribute(name(plan), "forward", gast.Load()),
                                           [name(step), _tuple(c_names)])),
        assign(index, call(gast.Attribute(name(plan), "last", gast.Load()), [])),
    ]

    adjoints = [names.adjoint(y) for *_, y in active]
    ys = {y for *_, y in active}
    outer = [names.adjoint(v) for v in sorted(touched, key=lambda v: v.id) if v not in ys]
    # adjoints from outside the loop that its reverse body rebinds pass in and out too
    inner = {o for st in ir.walk(s.body) for o in st.outs} | set(s.carried)
    rebound = {n.id for st in rev_body for n in gast.walk(st)
               if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    for v, spelled in list(names.adjoints.items()):
        if spelled in rebound and v not in inner and spelled not in outer and spelled not in adjoints \
                and v not in ys and v in rev.state:
            outer.append(spelled)
    adj_in, outer_in = names.fresh("adjoints"), names.fresh("outer")
    unpack = []
    if adjoints:
        unpack.append(assign(_tuple(adjoints, True), name(adj_in)))
    if outer:
        unpack.append(assign(_tuple(outer, True), name(outer_in)))
    if needed:
        unpack.append(assign(_tuple(needed, True), name(item)))
    result = gast.Tuple([_tuple(adjoints), _tuple(outer)], gast.Load())
    back_def = _def(back, [index, item, adj_in, outer_in], unpack + list(rev_body) + [gast.Return(result)])
    run = call(gast.Attribute(name(plan), "reverse", gast.Load()),
               [name(step), name(taped), name(back), _tuple(adjoints), _tuple(outer)])
    target = gast.Tuple([_tuple(adjoints, True), _tuple(outer, True)], gast.Store())
    reverse = [back_def, gast.Assign([target], run, None)]
    if any(c in rev.inplace.buffered or rev.inplace.versions.find(c) in
           {rev.inplace.versions.find(w.outs[0]) for w in rev.inplace.writes} for c, *_ in carried):
        reverse.append(gast.Expr(call(gast.Attribute(name(plan), "rewind", gast.Load()), [])))
    return fwd, reverse
