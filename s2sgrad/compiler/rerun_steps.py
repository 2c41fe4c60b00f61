"""Checkpointed loops: the steps the reverse sweep runs again make only what it reads.

The schedule runs a checkpointed loop's steps more than once: in the first sweep,
then again in the reverse sweep, plain (`steps`, from a stored state) or taped
(`step_taped`, just before that step's reverse). A carried value that no tape item
is made from, such as the loss a loop sums (`J = J + np.mean(h * h)`), is work for
nothing there: each step's reverse reads its adjoint, never its value. A careful
person's checkpointed adjoint would not recompute it, and neither does this.

Which carried values the reverse reads is a fixpoint: those the tape item is made
from, and those that the next value of such a carried value is made from. The others
are handed on as they came (nothing reads them), and their work goes from
`step_taped` and from the steps the reverse re-runs. Where code after the loop reads
one of them (`value_and_grad`'s value, a while loop's condition), the first sweep
keeps `steps` whole and the reverse gets its own lighter `rerun_steps`; elsewhere
`steps` itself loses the work, in the first sweep too.

Only work without effects goes: names bound to arithmetic and calls of NumPy's and
math's functions (no random draws, no `out=`; `dead_sums.pure_calls`). Writes in
place, calls of anything else and compound statements stay, with all they read.
"""

import copy

import gast

from .checkpointing import folded, is_sweep
from .cleanup import blocks, loads_in
from .codegen import name, walk
from .dead_sums import effect_free, name_bindings, pure_calls, without_bindings

# statements after which "what is read later" no longer says what may go (a dropped
# binding would leave `del x` or a nested function without its name)
_UNSURE = (gast.Delete, gast.Return, gast.FunctionDef, gast.Global, gast.Nonlocal, gast.Try, gast.With)


def lighten_reruns(function, bindings):
    """Drop the work the reverse sweep does not read from the steps of each checkpointed
    loop in `function` (run on the finished function, after `values_only_steps`)."""
    modules, helpers = effect_free(bindings)

    def pure(node):
        return pure_calls(node, modules, helpers)

    sweeps = [(block, st) for block in blocks(function.body) for st in block if is_sweep(st)]
    for block, sweep in sweeps:
        defs = {st.name: st for st in block if isinstance(st, gast.FunctionDef)}
        steps, taped = (defs.get(getattr(a, "id", None)) for a in sweep.value.args[:2])
        if steps is not None and taped is not None and not _reads(steps, taped.name):
            _lighten(function, block, sweep, steps, taped, pure)


def _lighten(function, block, sweep, steps, taped, pure):
    _, *state = [a.id for a in taped.args.args]
    *body, ret = taped.body
    loop = _values_loop(steps)
    forward = _forward_call(block, steps.name)
    if not (_step_return(ret, len(state)) and loop and forward) or [a.id for a in steps.args.args[1:]] != state:
        return
    outs, item = ret.value.elts[0].elts, ret.value.elts[1]
    more = _def_named(block, forward.value.args[2]) if len(forward.value.args) == 3 else False
    if more is None:
        return
    # the reverse reads the tape item; the first sweep also stores the states the reverse
    # starts from, and hands on what its condition and the code after the loop read
    reverse = _live_state(body, outs, item, state, pure, set())
    first = _live_state(body, outs, item, state, pure, _read_by_first(function, forward, (steps, taped, more)))
    if reverse is None or first is None or len(reverse) == len(state):
        return
    lighter = _lighter_loop(loop, state, reverse, pure)
    whole = len(first) == len(state)
    first_loop = lighter if first == reverse else (whole or _lighter_loop(loop, state, first, pure))
    if lighter is None or first_loop is None:
        return
    wanted = _names(item) | {n for i in reverse for n in _names(outs[i])}
    taped.body = _needed(body, wanted, pure)[0] + [ret]
    for i in range(len(state)):
        if i not in reverse:
            outs[i] = name(state[i])
    if first != reverse:
        rerun = copy.deepcopy(steps)
        rerun.name = _fresh(function, "rerun_steps")
        rerun.body[0].body = lighter
        block.insert(block.index(steps) + 1, rerun)
        sweep.value.args[0] = name(rerun.name)
    if not whole:
        loop.body = first_loop


def _live_state(body, outs, item, state, pure, live):
    """The positions of the carried values a sweep needs: those in `live`, those the tape
    item is made from, and those the next value of a needed value is made from (None:
    unsure)."""
    while True:
        wanted = _names(item) | {n for i in live for n in _names(outs[i])}
        found = _needed(body, wanted, pure)
        if found is None:
            return None
        grown = live | {i for i, c in enumerate(state) if c in found[1]}
        if grown == live:
            return live
        live = grown


def _lighter_loop(loop, state, live, pure):
    """The body of the `steps` loop that hands on only the carried values at the `live`
    positions, folded; None if it needs another one."""
    found = _needed(copy.deepcopy(loop.body), {state[i] for i in live}, pure)
    if found is None or found[1] & {state[i] for i in range(len(state)) if i not in live}:
        return None
    return folded(found[0] or [gast.Pass()], [loop.target.id] + state)


def _needed(body, live, pure):
    """(the statements of `body` that make the names in `live` or may have an effect, the
    names read before `body` that they need), walking back from the end; None where a
    statement makes that unsure."""
    live, kept = set(live), []
    for stmt in reversed(body):
        if isinstance(stmt, _UNSURE):
            return None
        pairs = name_bindings(stmt)
        if pairs and all(pure(value) for _, value in pairs):
            gone = {(id(stmt), k) for k, (target, _) in enumerate(pairs) if target.id not in live}
            left = without_bindings(stmt, gone)
            live -= {target.id for target, _ in pairs}
        else:
            left = [stmt]
        for st in left:
            live |= _read_by(st)
        kept += left
    return kept[::-1], live


def _step_return(ret, n):
    """`return ((<n values>), item)`: how `step_taped` ends."""
    return (
        isinstance(ret, gast.Return)
        and isinstance(ret.value, gast.Tuple)
        and len(ret.value.elts) == 2
        and isinstance(ret.value.elts[0], gast.Tuple)
        and len(ret.value.elts[0].elts) == n
    )


def _values_loop(steps):
    """The `for` loop of `def steps(indices, *state): for i in indices: ...; return state`."""
    if len(steps.body) == 2 and isinstance(steps.body[0], gast.For) and isinstance(steps.body[1], gast.Return):
        return steps.body[0]
    return None


def _forward_call(block, steps_name):
    """`state = schedule.forward(steps, state)` (`, more)` for a while loop) in `block`."""
    for st in block:
        value = st.value if isinstance(st, gast.Assign) else None
        if (
            isinstance(value, gast.Call)
            and isinstance(value.func, gast.Attribute)
            and value.func.attr == "forward"
            and len(value.args) in (2, 3)
            and isinstance(value.args[0], gast.Name)
            and value.args[0].id == steps_name
            and isinstance(st.targets[0], gast.Tuple)
        ):
            return st
    return None


def _def_named(block, node):
    """The local function `node` names in `block`; None if it is not one."""
    found = [st for st in block if isinstance(st, gast.FunctionDef) and isinstance(node, gast.Name)]
    return next((st for st in found if st.name == node.id), None)


def _read_by_first(function, forward, local):
    """The positions of the carried values that the first sweep must hand on whole: those
    its loop condition reads (the last of the `local` functions, a while loop's `more`),
    and those that code other than the steps and the call that runs them reads after."""
    more = local[-1]
    read = {i for i, c in enumerate(more.args.args) if c.id in _names(more)} if more else set()
    skip = {id(n) for part in (forward.value, *filter(None, local)) for n in walk(part)}
    loaded = {
        n.id for n in walk(function) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and id(n) not in skip
    }
    for i, target in enumerate(forward.targets[0].elts):
        if not isinstance(target, gast.Name) or target.id in loaded:
            read.add(i)
    return read


def _reads(node, ident):
    return any(isinstance(n, gast.Name) and n.id == ident for n in walk(node))


def _read_by(stmt):
    """The names `stmt` reads, at any depth (`J += x` reads J)."""
    found = _names(stmt)
    found |= {n.target.id for n in walk(stmt) if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name)}
    return found


def _names(node):
    return {n.id for n in loads_in(node)}


def _fresh(function, stem):
    taken = {n.id for n in walk(function) if isinstance(n, gast.Name)}
    taken |= {n.name for n in walk(function) if isinstance(n, gast.FunctionDef)}
    spelled, k = stem, 0
    while spelled in taken:
        k += 1
        spelled = f"{stem}_{k}"
    return spelled
