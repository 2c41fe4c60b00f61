"""Refuse in-place writes that another name could observe.

SSA gives each version of an array its own value and the builder moves every
name of the written array on to the new version. What it cannot see is memory
shared through a *different* value: a view (`row = u[0]`, `u.T`, `u.reshape`),
or a phi / loop value that is one array on some paths and another on others.
`check(graph)` finds every value that may share memory with the array a
`setitem` writes, but is not a version of that same array (`sharing.unions`),
and raises if such a value is read after the write.
"""

import gast
import numpy as np

from . import ir
from .held_items import holds_items, item_reads, may_hold
from .sharing import _VIEW_METHODS, is_view, unions
from ..errors import S2SGradError


def _positions(block, prefix=(), loops=(), out=None):
    """statement -> (path, enclosing loops)."""
    out = {} if out is None else out
    for k, stmt in enumerate(block):
        path = prefix + (k,)
        out[stmt] = (path, loops)
        inner = loops + (stmt,) if ir.is_loop(stmt) else loops
        for j, sub in enumerate(ir.sub_blocks(stmt)):
            _positions(sub, path + (j,), inner, out)
    return out


def _target(write):
    """The value whose array a write changes: `u[i] = v`, or Python's `x op= y`."""
    return write.args[0] if write.kind == "setitem" else write.overwrites


def check(graph, scalars=(), containers=()):
    """Raise for writes another value would see; return {getitem: (message, item)} for
    reads `x[i]` that are safe only if they are numbers, not views (checked at run time;
    `item`: x may be a list or dict, whose item is the array itself), and {write:
    (container, item)} for `lst[k] op= y`, whose other items are checked at run time.
    `scalars`: values that are certainly numbers (`x op= y` on one rebinds x only);
    `containers`: the parameters that are lists, tuples or dicts."""
    stmts = list(ir.walk(graph.body))
    carried_of = {c: (s, k) for s in stmts if ir.is_loop(s) for k, c in enumerate(s.carried)}
    makers = {o: s for s in stmts for o in s.outs}
    item_writes = {}  # `lst[k] op= y` -> lst (other items of lst are checked at run time: rt.sole_item)
    for s in stmts:  # `u[i] op= y` on an array is the setitem's write, not Python's `x op= y`
        if isinstance(s, ir.Eqn) and s.item_of is not None:
            if holds_items(s.item_of, makers, carried_of, containers):
                item_writes[s] = s.item_of
            else:
                s.overwrites = None
            s.item_of = None
    # (an append adds an element: it changes no memory that another value shares)
    writes = [
        s
        for s in stmts
        if isinstance(s, ir.Eqn) and (s.kind == "setitem" or (s.overwrites is not None and s.overwrites not in scalars))
    ]
    guards = {w: (base, w.overwrites) for w, base in item_writes.items()}
    if not writes:
        return guards
    made_by = {o: s for s in stmts if isinstance(s, ir.Eqn) for o in s.outs}
    same, alias = unions(graph, augmented=True)
    holds = unions(graph, augmented=True, items=True)[1]
    where = _positions(graph.body)
    defined_at = {o: where[s] for s in stmts for o in s.outs}
    for s in stmts:
        if ir.is_loop(s) or isinstance(s, ir.If):
            path, loops = where[s]
            for o in s.outs:  # a region's results exist once it is over
                defined_at[o] = (path + (len(ir.sub_blocks(s)),), loops)
        if ir.is_loop(s):
            for c in s.carried:  # made anew at the start of every pass
                defined_at[c] = (path + (len(ir.sub_blocks(s)) - 1, -1), loops + (s,))
    readers = {}
    for s in stmts:
        used = [a for a in ir.reads(s) if isinstance(a, ir.Var)]
        for outs in ir.region_results(s):
            used += [a for a in outs if isinstance(a, ir.Var)]
        for v in used:
            readers.setdefault(v, []).append(s)
    result_reader = object()
    if isinstance(graph.result, ir.Var):
        readers.setdefault(graph.result, []).append(result_reader)
    regions = {
        o
        for s in stmts
        if ir.is_loop(s) or isinstance(s, ir.If)
        for o in list(s.outs) + list(getattr(s, "carried", []))
    }
    branches = {where[s][0] for s in stmts if isinstance(s, ir.If)}
    items_read = item_reads(stmts, alias, makers, carried_of, containers)
    for w in writes:
        target = _target(w)
        _refuse_module_write(w, target, makers, carried_of)
        fresh = _allocation(target, stmts, made_by, same, regions)
        older = _older(target, makers, carried_of) if w.kind != "setitem" else ()
        # (an item read out of a list or dict, or a view of one, is that item's array: the
        # write changes whichever array the container holds, and every value of it)
        through_item = items_read.get(alias.find(target))
        for v in list(readers):
            if v is target or holds.find(v) is not holds.find(target):
                continue
            # (an item read out of a list or dict that may hold the written array, or a view of
            # one, may be that array itself: `p = d["a"]; x[0] = ...` changes p when d["a"] is x)
            held = may_hold(items_read.reads.get(alias.find(v), ()), target, alias, (makers, carried_of, containers))
            held = held and not _after_write(v, w, where, defined_at)
            if alias.find(v) is not alias.find(target) and w not in item_writes and not through_item and not held:
                # a list or dict holding the array (Python's list keeps the array, written or not)
                if not holds_items(v, makers, carried_of, containers) or _after_write(v, w, where, defined_at):
                    continue
            if w.kind == "setitem" and same.find(v) is same.find(target):
                continue
            if w in item_writes and (
                v in scalars or v in w.outs or _other_item(v, w, item_writes[w], same, makers, (where, defined_at))
            ):
                continue  # (which array the item is, SSA cannot tell: any other value of its memory counts)
            if (
                w.kind != "setitem"
                and w not in item_writes
                and not through_item
                and (
                    v in scalars
                    or not (
                        _older(v, makers, carried_of, w) & older - set(scalars)
                        or _holds_view(v, makers, carried_of)
                        or holds_items(v, makers, carried_of, containers)
                    )
                )
            ):
                continue  # (`x op= y` makes a new array: what holds the new x is right)
            if fresh is not None and _made_before(v, fresh, where, defined_at):
                continue
            for r in readers[v]:
                # (the write may read a view of its own array: NumPy copies overlaps safely)
                if r is not w and _after(w, r, v, (where, branches), defined_at, result_reader):
                    made = defined_at.get(v)
                    other = _spell(v) if not v.hint.startswith(".") else "a view of it"
                    if through_item is not None and alias.find(v) is not alias.find(target):
                        holder = "a list or dict" if through_item.hint.startswith(".") else f"'{_spell(through_item)}'"
                        other += f" (which {holder} may hold)"
                    line = f" (made at line {_line_of(v, stmts)})" if made and _line_of(v, stmts) else ""
                    maker = made_by.get(v)
                    if maker is not None and maker.kind == "getitem" and not _takes_slices(maker):
                        # x[i] may be a number (a copy) or a row (a view): check when it runs
                        relation, source = f"is a view of '{_spell(target)}'", _spell(target)
                        if held and alias.find(v) is not alias.find(target):
                            holder = _spell(items_read[alias.find(v)])
                            relation, source = f"is an item of '{holder}', which may hold '{_spell(target)}'", holder
                        guards[maker] = (
                            f"'{other}'{line} {relation}, which "
                            f"is written at line {w.loc.lineno} before '{other}' is read again; "
                            f"make a copy: ... = {source}[...].copy()",
                            holds_items(maker.args[0], makers, carried_of, containers),
                        )
                        continue
                    what = "assignment into" if w.kind == "setitem" else "augmented assignment to"
                    name = _spell_item(target, made_by) if w in item_writes else _spell(target)
                    raise S2SGradError(
                        f"this {what} '{name}' also changes {other}{line}, which shares "
                        f"its memory (a view, or the same array on another path) and is read afterwards",
                        w.loc,
                        "aliasing",
                        "make a copy where the second value is made: ... = <that>.copy()"
                        if w.kind == "setitem"
                        else f"write {name} = {name} ... (a new array), or copy the other value",
                    )
    return guards


_DEEPEST = 8  # item reads followed back; beyond, every path is followed as this deep (more refusals, never fewer)


def _module_array(target, made_by, carried_of):
    """The module-level name (`K = np.array(...)`, `MODEL.w`, a module list) whose memory
    `target` may be on some path -- that array, a view or an item of it -- or None.
    (`depth`: how many item reads the walk went back through: a list built here holds
    the arrays it was built from only for an item read out of it.)"""
    todo, seen = [(target, 0)], set()
    while todo:
        v, depth = todo.pop()
        depth = min(depth, _DEEPEST)  # (a loop reading items of its own state would go deeper forever)
        if not isinstance(v, ir.Var) or (v, depth) in seen:
            continue
        seen.add((v, depth))
        maker = made_by.get(v)
        if v in carried_of or ir.is_loop(maker):
            loop, k = carried_of[v] if v in carried_of else (maker, maker.outs.index(v))
            todo += [(loop.inits[k], depth), (loop.body_outs[k], depth)]
        elif isinstance(maker, ir.If):
            k = maker.outs.index(v)
            todo += [(maker.then_outs[k], depth), (maker.else_outs[k], depth)]
        elif not isinstance(maker, ir.Eqn):
            continue
        elif maker.kind == "opaque" and maker.prim == "read" and isinstance(maker.args[0], ir.Global):
            if isinstance(maker.args[0].value, (np.ndarray, list, dict)):
                return maker.args[0].path
        elif maker.kind == "call" and isinstance(getattr(maker.prim, "__self__", None), np.ndarray):
            if maker.prim.__name__ in _VIEW_METHODS:  # `K.ravel()`: a method of a module array
                return str(maker.payload).rsplit(".", 1)[0]
        elif maker.kind in ("setitem", "append", "add_at") or maker.overwrites is not None:
            todo.append((maker.args[0] if maker.overwrites is None else maker.overwrites, depth))
        elif maker.kind in ("getitem", "unpack"):
            todo.append((maker.args[0], depth + 1))
        elif maker.kind == "build":
            todo += [(a, depth - 1) for a in maker.args] if depth > 0 else []
        elif is_view(maker):
            todo.append((maker.args[0], depth))
    return None


def _refuse_module_write(write, target, made_by, carried_of):
    """A write into a module-level array (through its name, a view, an item or a helper's
    parameter) changes module state: the next call would differ, and the derivative
    cannot follow it."""
    found = _module_array(target, made_by, carried_of)
    if found is None:
        return
    what = "assignment" if write.kind == "setitem" else "augmented assignment"
    if not target.hint.startswith("."):
        what += f" {'into' if write.kind == 'setitem' else 'to'} '{_spell(target)}'"
    raise S2SGradError(
        f"this {what} changes the module-level '{found}' in place "
        "(the derivative cannot follow changes to module-level state)",
        write.loc,
        "module state",
        f"work on a local copy: ... = {found}.copy()",
    )


def _holds_view(v, made_by, carried_of, seen=()):
    """May v be a view of another value, or a container holding values (made so, or a
    branch result or a loop's first pass of one)? Such a value sees Python's `x op= y`."""
    maker = made_by.get(v)
    if v in seen:
        return False
    if isinstance(maker, ir.Eqn):
        return is_view(maker) or maker.kind == "build"
    seen += (v,)
    if isinstance(maker, ir.If):
        k = maker.outs.index(v)
        return any(_holds_view(a, made_by, carried_of, seen) for a in (maker.then_outs[k], maker.else_outs[k]))
    if v in carried_of:
        loop, k = carried_of[v]
        return _holds_view(loop.inits[k], made_by, carried_of, seen)
    return False


def _after_write(v, write, where, defined_at):
    """Is v made after `write`, outside any loop around it (so it holds what the write made)?"""
    if v not in defined_at:
        return False  # an argument
    (w_path, w_loops), (v_path, v_loops) = where[write], defined_at[v]
    return v_path > w_path and not set(w_loops) & set(v_loops)


def _other_item(v, write, base, same, makers, positions):
    """For `lst[k] op= y`: v is lst itself (a version of it), or an item read out of it
    after the write and outside any loop around the write (so it is the new item)."""
    where, defined_at = positions
    if same.find(v) is same.find(base):
        return True
    maker = makers.get(v)
    if not (isinstance(maker, ir.Eqn) and maker.kind == "getitem" and same.find(maker.args[0]) is same.find(base)):
        return False
    return _after_write(v, write, where, defined_at)


def _older(target, made_by, carried_of, write=None):
    """`target` and the values that may be its array from before it (what it was written
    from, the arms it joins, the initial value of the loop that carries it): Python's
    `target op= y` changes them, and every value that may be one of them. Seen from
    after `write`: its result is a new array, and a branch around it took its arm."""
    found, todo = set(), [target]
    while todo:
        v = todo.pop()
        if not isinstance(v, ir.Var) or v in found:
            continue
        found.add(v)
        maker = made_by.get(v)
        if isinstance(maker, ir.Eqn) and maker.kind == "setitem":
            todo.append(maker.args[0])
        elif isinstance(maker, ir.Eqn) and maker.overwrites is not None and maker is not write:
            todo.append(maker.overwrites)
        elif isinstance(maker, ir.If):
            k = maker.outs.index(v)
            arms = [(maker.then, maker.then_outs[k]), (maker.orelse, maker.else_outs[k])]
            taken = [out for arm, out in arms if write is not None and write in ir.walk(arm)]
            todo += taken or [out for _, out in arms]
        elif v in carried_of:
            loop, k = carried_of[v]
            todo.append(loop.inits[k])
            # (a pass that hands on an array made before the loop, `s = x`, makes the next
            # pass's `s op= y` a write into x)
            todo += _handed_on(loop.body_outs[k], loop, made_by)
        elif ir.is_loop(maker):  # after a loop: what it started from, or what a pass made
            k = maker.outs.index(v)
            todo += [maker.inits[k], maker.body_outs[k]]
    return found


def _handed_on(v, loop, made_by):
    """The values from before `loop` that `v`, handed on to its next pass, may be: `v`
    itself, or, where a branch in the body hands on its result, those its arms hand on
    (`if ...: return ... else: c = x` makes the next pass's `c op= y` a write into x)."""
    if not isinstance(v, ir.Var) or v in loop.carried:
        return []
    if _from_before_loop(v, loop):
        return [v]
    maker = made_by.get(v)
    if isinstance(maker, ir.If):
        k = maker.outs.index(v)
        return _handed_on(maker.then_outs[k], loop, made_by) + _handed_on(maker.else_outs[k], loop, made_by)
    return []


def _from_before_loop(v, loop):
    """Is `v` a value from before `loop` (not made in its body, nor carried by it)?"""
    if not isinstance(v, ir.Var) or v in loop.carried:
        return False
    return all(v not in st.outs and v not in getattr(st, "carried", ()) for st in ir.walk(loop.body))


def _allocation(target, stmts, made_by, same, regions):
    """The one statement that makes the array `target` is a version of, as new memory
    (`u_new = u.copy()`, `np.empty(n)`), or None when there is none or it is not known
    (an argument, a view, several)."""
    root = same.find(target)
    makers = set()
    for s in stmts:
        for o in s.outs if isinstance(s, ir.Eqn) else ():
            if same.find(o) is root and s.kind not in ("setitem", "append", "add_at") and s.overwrites is None:
                makers.add(s)
    versions = {
        v
        for s in stmts
        for v in (s.outs if isinstance(s, ir.Eqn) else [])
        + list(getattr(s, "outs", []))
        + list(getattr(s, "carried", []))
        if same.find(v) is root
    }
    if len(makers) != 1 or any(v not in made_by and v not in regions for v in versions | {target}):
        return None
    maker = makers.pop()
    return None if is_view(maker) or not isinstance(maker.outs[0], ir.Var) else maker


def _made_before(v, fresh, where, defined_at):
    """Is every `v` made before the array `fresh` makes (so it cannot share its memory)?
    True when v comes earlier in the code and each loop around v also runs `fresh` after it:
    `u` carried by a time loop, with `u_new = u.copy()` made anew in each pass."""
    vpath, vloops = defined_at.get(v, ((), ()))  # (an argument: before everything)
    fpath, floops = where[fresh]
    return all(loop in floops for loop in vloops) and vpath < fpath


def _after(w, r, v, places, defined_at, result_reader):
    """Can the program go from where v is made, through the write w, to the read r
    (without making v anew)? `places`: (statement -> (path, loops), paths of the ifs)."""
    where, branches = places
    wpath, wloops = where[w]
    vpath, vloops = defined_at.get(v, ((), ()))
    if vpath and vpath > wpath:
        return False  # v is made after the write (and again after it in any later pass)
    common = next((k for k, (a, b) in enumerate(zip(vpath, wpath)) if a != b), None)
    if common is not None and vpath[:common] in branches:
        return False  # v is made in one arm of an if, the write is in the other
    if r is result_reader:
        return True
    rpath, rloops = where[r]
    if wpath[: len(rpath)] == rpath:
        # r is a region around the write: only its branch / loop results are read after it
        return any(v in outs for outs in ir.region_results(r))
    split = next((k for k, (a, b) in enumerate(zip(rpath, wpath)) if a != b), None)
    if rpath > wpath and not (split is not None and rpath[:split] in branches):
        return True  # (a read in the other arm of an if is not after the write, but in a later pass)
    # a loop around both the write and the read, that does not make v anew
    return any(loop in rloops and loop not in vloops for loop in wloops)


def _takes_slices(getitem):
    return any(
        isinstance(n, gast.Slice) or (isinstance(n, gast.Constant) and n.value in (None, Ellipsis))
        for n in gast.walk(getitem.payload)
    )


def _line_of(v, stmts):
    for s in stmts:
        if v in s.outs and s.loc:
            return s.loc.lineno
    return None


def _spell_item(v, made_by):
    """`lst[...]` for the item an augmented assignment `lst[k] op= y` changes, else v's name."""
    maker = made_by.get(v)
    if maker is not None and maker.kind == "getitem" and isinstance(maker.args[0], ir.Var):
        return f"{_spell(maker.args[0])}[...]"
    return _spell(v)


def _spell(v):
    return v.hint.lstrip(".") if isinstance(v, ir.Var) else repr(v)
