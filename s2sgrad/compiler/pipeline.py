"""The pipeline: a user function -> generated derivative source and function.

parse (frontend) -> lower -> SSA (ssa.build, prune) -> analyses (activity,
scalar kinds, shapes) -> reverse sweep (reverse) -> source (codegen) -> compile.
"""

import builtins
from dataclasses import dataclass

import gast

from . import aliasing, analysis, checkpointing, dtypes, ir, item_updates, leaves, progress, specialise, ssa
from ..rules import load_optional
from .codegen import Emitter, line_origins, assign, comment, free_names, name, to_source
from .effects import guard_sole_item
from .compile import compile_function
from .frontend import parse_function
from .hoist import hoist
from .lower import lower
from .naming import Names, name_values
from .prune import fold_constant_branches, prune
from .renaming import coalesce_versions
from .rerun_steps import lighten_reruns
from .tidy import module_sequence, tidy
from .forward import Forward
from .inplace import InPlace, read_out_numbers
from .invariance import constant_shifts
from .log_softmax import fuse_log_softmax
from .reverse import ONE_NAME, Reverse
from .shapes import analyse as analyse_shapes
from .spelling import Spelling, names_read, user_names, with_imports


@dataclass
class Derived:
    source: str
    function: object
    graph: object
    user_function: object = None  # the function it was generated from (its closure cells are read)
    # module constants the code was specialised on: ((module dict, name, value), ...) (shapes.py)
    assumed: tuple = ()

    def with_function(self, function):
        """The same derivative running `function` (the generated code bound to another closure)."""
        return Derived(self.source, function, self.graph, self.user_function, self.assumed)


def split_kinds(arg_kinds):
    """Argument kinds as strings ('scalar', 'array', 'container', 'dict', 'object', 'function'), and
    the classes some carry: a kind ('object', Model) is an object of that class (its
    methods are inlined), ('container', Params) a NamedTuple, ('dict', Params) a
    dataclass or registered container passed as the dict of its fields."""
    plain = tuple(k[0] if isinstance(k, tuple) else k for k in arg_kinds)
    return plain, [k if isinstance(k, tuple) else None for k in arg_kinds]


def build_graph(func, arg_kinds=(), checkpoints=None, has_aux=False):
    load_optional()  # SciPy's rules, if the program has imported SciPy
    arg_kinds, classes = split_kinds(arg_kinds)
    parsed = parse_function(func)
    names = [a.id for a in parsed.node.args.args]
    dicts = [n for n, k in zip(names, arg_kinds) if k == "dict"] if arg_kinds or not names else None
    lower(parsed, dicts=dicts, checkpoints=checkpoints)
    scalars = {n for n, k in zip(names, arg_kinds) if k == "scalar"}
    graph = ssa.build(parsed, scalars, dict(zip(names, arg_kinds)), dict(zip(names, classes)))
    if has_aux:
        ssa.split_aux(graph)
    graph = prune(hoist(fold_constant_branches(graph)))
    containers = {p for p, k in zip(graph.params, arg_kinds) if k in ("container", "dict")}
    guards = aliasing.check(graph, analysis.kinds(graph, arg_kinds), containers)
    if guards:
        _insert_guards(graph.body, guards)
    return _drop_augmented_effects(graph)


def _drop_augmented_effects(graph):
    """Once aliasing is checked, `x op= y` is the new value the generated code makes
    (prune kept it for the check even when nothing read it): dead ones can go."""
    augmented = [s for s in ir.walk(graph.body) if isinstance(s, ir.Eqn) and s.overwrites is not None]
    for s in augmented:
        s.overwrites = None
    return prune(graph) if augmented else graph


def _insert_guards(block, guards):
    """After each read x[i] that must not be a view, a run-time check that it is not; after
    `lst[k] op= y`'s new value, that no other item of lst is the array it changes."""
    out = []
    for stmt in block:
        for sub in ir.sub_blocks(stmt):
            _insert_guards(sub, guards)
        out.append(stmt)
        if stmt in guards and stmt.kind == "getitem":
            message, item = guards[stmt]
            out.append(ssa.guard_not_view(stmt.outs[0], message, stmt.loc, item))
        elif stmt in guards:  # `lst[k] op= y`: no other item of lst may be that array
            out.append(guard_sole_item(*guards[stmt], stmt.loc))
    block[:] = out


def derive(func, wrt, arg_kinds, variant, checkpoints=None, arg_shapes=None, has_aux=False, arg_dtypes=None):
    """Generate the reverse-mode derivative of `func` w.r.t. parameter indices `wrt`.

    variant: 'grad' (returns gradients), 'value_and_grad', or 'vjp' (a forward
    function returning (value, saved) and a backward function of (saved, cotangent)).
    An internal failure is an S2SGradError naming the line (progress.py).
    arg_shapes: for code specialised on one call's shapes, each array argument's
    shape (None for the others); the code is then valid for those shapes only.
    arg_dtypes: with arg_shapes, the arguments' dtypes (`arguments._arg_dtypes`), which
    the code is then valid for (compiler/dtypes.py).
    """
    with progress.differentiating(func, variant):
        return _derive(func, wrt, arg_kinds, variant, checkpoints, (arg_shapes, arg_dtypes), has_aux)


def _derive(func, wrt, arg_kinds, variant, checkpoints, specialised, has_aux):
    arg_shapes, arg_dtypes = specialised
    graph = build_graph(func, arg_kinds, checkpoints, has_aux)
    arg_kinds = split_kinds(arg_kinds)[0]
    split = leaves.split(graph, arg_kinds, arg_shapes)
    if split:
        hoist(graph)  # (an item read that left a loop may let more go)
    wrt_vars = [graph.params[i] for i in wrt]
    # (a softmax's max shift has a zero derivative: invariance.py; through log(softmax) too)
    shifts = constant_shifts(graph)
    fuse_log_softmax(graph)
    active = analysis.activity(graph, wrt_vars) - shifts
    scalars = analysis.kinds(graph, arg_kinds)
    shapes = analyse_shapes(graph, arg_kinds, scalars, arg_shapes)
    shapes.precision = dtypes.precision(graph, arg_dtypes) if shapes.specialised else None
    if shapes.precision == "float64":
        shapes.floating = item_updates.floating(graph, arg_dtypes)
    # A first sweep finds which old array values the reverse sweep reads; the
    # second saves exactly the overwritten parts those reads need.
    containers = {p for p, k in zip(graph.params, arg_kinds) if k in ("container", "dict")}
    dicts = {p for p, k in zip(graph.params, arg_kinds) if k == "dict"}
    functional = checkpoints is False  # (a gradient to be differentiated again: api.Derivative._derived)
    inplace = InPlace(graph, active, container_params=containers, dict_params=dicts, functional=functional)
    if inplace.writes:
        probe = _Generation(func, graph, wrt_vars, active, (scalars, shapes, split), inplace, variant, probe=True)
        numbers = scalars | read_out_numbers(graph, shapes)
        inplace = InPlace(graph, active, probe.reverse.value_reads, containers, dicts, numbers, functional)
    made = _Generation(func, graph, wrt_vars, active, (scalars, shapes, split), inplace, variant).derived()
    made.assumed = shapes.assumed
    return made


class _Generation:
    """One run of the reverse pass over a graph, and the functions it makes."""

    def __init__(self, func, graph, wrt_vars, active, facts, inplace, variant, probe=False):
        """`facts`: (scalars, shapes, split), what the kinds and shapes analyses know and
        the container arguments split into their items (leaves.py)."""
        self.func, self.graph, self.variant = func, graph, variant
        scalars, shapes, split = facts
        user, free = user_names(graph)
        names = Names(user, free)
        name_values(graph, names, inplace)
        spell = Spelling(names, func.__globals__)
        emitter = Emitter(names, spell)
        rev = Reverse(graph, active, scalars, names, emitter, inplace, shapes)
        rev.split = leaves.Adjoints(split)
        self.reverse = rev
        if probe:
            if isinstance(graph.result, ir.Var) and graph.result in active:
                rev.state[graph.result] = names.adjoint(graph.result)
            rev.block(graph.body, in_loop=False)
            return
        self.parts = _assemble(func, graph, wrt_vars, active, scalars, names, spell, emitter, rev, user, variant)

    def derived(self):
        return self.parts()


def _assemble(func, graph, wrt_vars, active, scalars, names, spell, emitter, rev, user, variant):
    params = graph.params
    result = graph.result
    seed = None
    # (a number: the seed is the literal 1.0; in specialised code, a value of shape () too)
    literal_seed = variant != "vjp" and (result in scalars or rev.shapes.known(result) == ())
    if isinstance(result, ir.Var) and result in active:
        seed = names.adjoint(result)
        rev.state[result] = ONE_NAME if literal_seed else seed
    fwd, back = rev.block(graph.body, in_loop=False)
    fwd = rev.inplace.own_arguments(graph, names) + fwd
    grads = []
    for v in wrt_vars:
        current = rev.state.get(v) if seed else None  # (a result that no input reaches: zeros)
        if seed and v in rev.split.found:
            grads.append(rev.split.literal(rev, v))
        else:
            grads.append(name(current) if current else rev.zeros(v))
    grads_node = grads[0] if len(grads) == 1 else gast.Tuple(grads, gast.Load())
    known = specialise.name_shapes(names, rev.shapes) if rev.shapes.specialised else None
    np_name = rev.numpy_name()
    floats = item_updates.float_names(names, rev.shapes.floating)
    special = (rev.shapes.precision, spell.bindings, set(names.adjoints.values()), floats)
    result_node = emitter.atom(result)
    base = graph.name
    arguments = _arguments([names.var(p) for p in params])
    if variant in ("grad", "value_and_grad"):
        body = list(fwd)
        if seed and literal_seed:
            body += [comment("reverse sweep")] + back
        elif seed:
            seed_value = emitter.fix_roots(
                gast.Call(gast.Name(".rt.grad_seed", gast.Load(), None, None), [result_node], [])
            )
            body += [comment("reverse sweep"), assign(seed, seed_value)] + back
        else:
            body.append(gast.Expr(gast.Call(name(spell(".rt.grad_seed")), [result_node], [])))
        if variant == "value_and_grad":
            result_node = _kept(result_node, "value", back, body, len(fwd), names)
        if graph.aux is not None:
            aux_node = _kept(emitter.atom(graph.aux), "aux", back, body, len(fwd), names)
            if variant == "grad":
                grads_node = gast.Tuple([grads_node, aux_node], gast.Load())
            else:
                result_node = gast.Tuple([result_node, aux_node], gast.Load())
        ret = grads_node if variant == "grad" else gast.Tuple([result_node, grads_node], gast.Load())
        body.append(gast.Return(ret))
        temps = _temporaries(graph, names, user, wrt_vars)
        copier = rev.owned(name("_")).func.id if rev.inplace.functional else None
        tidy(body, temps, [names.var(p) for p in params], known, np_name, special, copier, module_sequence(func))
        fname = names.fresh(f"{base}_{variant}")
        funcs = [_funcdef(fname, arguments, body)]
        entry = fname
    else:
        # (a builtin the sweep calls, `range`, is read where it is: not saved unless the code binds it)
        builtin = set(dir(builtins)) - _stored(fwd)
        saved = sorted(
            free_names(back + [gast.Return(grads_node)]) & (names.taken - set(spell.bindings)) - {seed} - builtin
        )
        saved_name = names.fresh("saved")
        fwd_name, bwd_name = names.fresh(f"{base}_forward"), names.fresh(f"{base}_backward")
        in_place = isinstance(result, ir.Var) and result in rev.inplace.buffered
        value_node = rev.owned(result_node) if in_place else result_node  # the sweep restores that array
        if graph.aux is not None:  # has_aux: the forward function returns ((value, aux), saved)
            value_node = gast.Tuple([value_node, emitter.atom(graph.aux)], gast.Load())
        fwd_body = fwd + [
            gast.Return(gast.Tuple([value_node, gast.Tuple([name(s) for s in saved], gast.Load())], gast.Load()))
        ]
        unpack = (
            [
                gast.Assign(
                    [gast.Tuple([name(s, True) for s in saved], gast.Store())],
                    _fresh_copy(name(saved_name), spell) if _backward_changes_saved(graph, rev) else name(saved_name),
                    None,
                )
            ]
            if saved
            else []
        )
        if in_place and seed:
            unpack.append(assign(seed, rev.owned(name(seed))))  # written in place: not the caller's array
        bwd_body = unpack + back + [gast.Return(grads_node)]
        temps = _temporaries(graph, names, user, wrt_vars)
        tidy(fwd_body, temps, [names.var(p) for p in params], known, np_name, special, None, module_sequence(func))
        _bind_on_every_path(fwd_body, [names.var(p) for p in params])
        # the cotangent is a parameter of the backward function: clean-up must not
        # rename it (coalescing `dreg = dtotal` into its uses would leave the seed unread)
        cotangent = seed or names.fresh("dresult")
        tidy(bwd_body, temps, [saved_name, cotangent], known, np_name, special)
        funcs = [
            _funcdef(fwd_name, arguments, fwd_body),
            _funcdef(bwd_name, _arguments([saved_name, cotangent]), bwd_body),
        ]
        entry = (fwd_name, bwd_name)

    def finish():
        return _compile(func, graph, funcs, entry, spell, variant, names.versions)

    return finish


def _kept(node, stem, back, body, at, names):
    """`node`, or, when the reverse sweep reuses its name (loop names), a copy taken
    before the sweep runs."""
    if not isinstance(node, gast.Name) or node.id not in _stored(back):
        return node
    kept = names.fresh(stem)
    body.insert(at, assign(kept, node))
    return name(kept)


def _fresh_copy(saved, spell):
    """`fresh_copy(saved)`: the sweep restores overwritten array parts and pops appended
    items in place, so each run of the backward works on its own copy of what the
    forward saved (a pullback may be called again, and must give the same answer)."""
    return gast.Call(name(spell(".rt.fresh_copy")), [saved], [])


def _backward_changes_saved(graph, rev):
    """Whether the backward changes what the forward saved: it restores overwritten
    array parts, or reverses a checkpointed loop (which uses up its stored states)."""
    return bool(rev.inplace.restore) or any(ir.is_loop(s) and s.checkpoint is not None for s in ir.walk(graph.body))


def _bind_on_every_path(body, params):
    """`a = b = None` first in the forward function, for the saved names `a`, `b` that
    only some paths bind (a branch not taken, a loop of no trips, a checkpointed loop in
    a branch): the forward returns every saved name, and the backward reads each only
    on the path that bound it."""
    *code, ret = body
    defined = _stored(code) | {s.name for s in _function_defs(code)}
    returned = {n.id for n in gast.walk(ret) if isinstance(n, gast.Name)}
    unbound = sorted((free_names(body) & returned & defined) - set(params))
    if unbound:
        body.insert(0, gast.Assign([name(n, True) for n in unbound], gast.Constant(None, None), None))


def _function_defs(stmts):
    return [node for stmt in stmts for node in gast.walk(stmt) if isinstance(node, gast.FunctionDef)]


def _compile(func, graph, funcs, entry, spell, variant, versions):
    for f in funcs:
        coalesce_versions(f, versions)  # x_1 is x again wherever x is not needed at the same time
        checkpointing.values_only_steps(f, spell.bindings)
        lighten_reruns(f, spell.bindings)
        checkpointing.freeze_late_rebinds(f)
    # each function is unparsed once; the whole source is the texts one blank line apart, as
    # ast.unparse spaces top-level functions
    texts = [to_source([f]) for f in funcs]
    source = "\n".join(texts)
    if variant == "vjp":
        f1 = compile_function(
            texts[0], entry[0], func, spell.bindings, "forward", lambda: line_origins(funcs[:1], texts[0])
        )
        f2 = compile_function(
            texts[1], entry[1], func, spell.bindings, "backward", lambda: line_origins(funcs[1:], texts[1])
        )
        function = (f1, f2)
    else:
        lines = lambda: line_origins(funcs, source)  # noqa: E731
        function = compile_function(source, entry, func, spell.bindings, variant, lines)
    closure = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    return Derived(
        with_imports(source, names_read(funcs), spell.bindings, func.__globals__, closure), function, graph, func
    )


def derive_forward(func, wrt, arg_kinds, has_aux=False):
    """Generate the forward-mode (JVP) function of `func` for tangents of parameters `wrt`:
    `f_jvp(*args, *tangents) -> (value, tangent of the value)` (`(value, tangent, aux)`
    with has_aux)."""
    with progress.differentiating(func, "jvp"):
        return _derive_forward(func, wrt, arg_kinds, has_aux)


def _derive_forward(func, wrt, arg_kinds, has_aux):
    graph = build_graph(func, arg_kinds, has_aux=has_aux)
    arg_kinds = split_kinds(arg_kinds)[0]
    wrt_vars = [graph.params[i] for i in wrt]
    active = analysis.activity(graph, wrt_vars)
    scalars = analysis.kinds(graph, arg_kinds)
    shapes = analyse_shapes(graph, arg_kinds, scalars)
    inplace = InPlace(graph, active)
    user, free = user_names(graph)
    names = Names(user, free)
    name_values(graph, names, inplace)
    for v in sorted(inplace.buffered, key=lambda v: v.id):
        root = inplace.versions.find(v)
        if root is not v:
            names.share_tangent(v, root)
    spell = Spelling(names, func.__globals__)
    emitter = Emitter(names, spell)
    fwd = Forward(graph, active, scalars, names, emitter, inplace, shapes)
    tangent_params = [names.tangent(v) for v in wrt_vars]
    for v, t in zip(wrt_vars, tangent_params):
        fwd.tangent[v] = t
    # a tangent the function writes into in place is copied first (it is the caller's array)
    body = [assign(t, fwd.owned(name(t))) for v, t in zip(wrt_vars, tangent_params) if v in inplace.buffered]
    body += inplace.own_arguments(graph, names)
    body += fwd.block(graph.body)
    result = graph.result
    result_dot = fwd.result_tangent(result)
    aux = [emitter.atom(graph.aux)] if graph.aux is not None else []
    body.append(gast.Return(gast.Tuple([emitter.atom(result), result_dot] + aux, gast.Load())))
    temps = {n for v, n in names.vars.items() if v.hint.startswith(".")}
    temps |= {n for v, n in names.tangents.items() if v not in wrt_vars}
    tidy(body, temps, [names.var(p) for p in graph.params] + tangent_params, sequence=module_sequence(func))
    fname = names.fresh(f"{graph.name}_jvp")
    funcs = [_funcdef(fname, _arguments([names.var(p) for p in graph.params] + tangent_params), body)]
    return _compile(func, graph, funcs, fname, spell, "jvp", names.versions)


def _stored(stmts):
    return {n.id for s in stmts for n in gast.walk(s) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


def _temporaries(graph, names, user, wrt_vars):
    """Names that may be folded away: compiler temporaries and adjoints (not the gradients)."""
    temps = {n for v, n in names.vars.items() if v.hint.startswith(".")}
    temps |= {n for v, n in names.adjoints.items() if v not in wrt_vars}
    return temps


def _arguments(param_names):
    return gast.arguments([gast.Name(p, gast.Param(), None, None) for p in param_names], [], None, [], [], None, [])


def _funcdef(fname, arguments, body):
    return gast.FunctionDef(fname, arguments, body, [], None, None, [])
