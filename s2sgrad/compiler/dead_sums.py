"""Clean-up of generated code: values nothing reads but their own updates.

A gradient that does not return the function's value still has the user's
`total = total + price(...)` in its forward loop (the loop reads the name, so no
single statement is dead). `drop_dead_sums` finds such values, with everything they
are made from and that nothing else reads, and drops them: the Black–Scholes book's
total, a language model's loss with its `log_of_softmax` at every step. A value that
a call with a possible effect (a random draw, `out=`, an unknown function) makes is
kept.
"""

import math

import gast
import numpy as np

from .. import runtime
from .cleanup import blocks, fill_empty_blocks, loads_in, name_counts
from .codegen import walk

# runtime helpers that forward code calls for a user's value, with no effect: a sum of
# them nothing reads goes (the GRU's loss, `log_of_softmax` at every step, in its gradient)
EFFECT_FREE_HELPERS = (runtime.log_of_softmax, runtime.divide_or_zero)


def effect_free(bindings):
    """(the names of NumPy and math, the names of `EFFECT_FREE_HELPERS`) among the names
    generated code binds (`Spelling.bindings`): what `pure_calls` takes."""
    modules = {n for n, v in bindings.items() if v is np or v is math}
    helpers = {n for n, v in bindings.items() if any(v is f for f in EFFECT_FREE_HELPERS)}
    return modules, helpers


def pure_calls(node, modules, functions=()):
    """Are the calls in `node` only to NumPy's and math's functions (no random draws, no
    `out=`), or to the named `functions`?"""
    for n in walk(node):
        if isinstance(n, gast.Call):
            if isinstance(n.func, gast.Name) and n.func.id in functions:
                continue
            chain, f = [], n.func
            while isinstance(f, gast.Attribute):
                chain.append(f.attr)
                f = f.value
            if not (isinstance(f, gast.Name) and f.id in modules and chain and "random" not in chain):
                return False
            if any(k.arg == "out" for k in n.keywords):  # (np.add(a, b, out=a) writes into a)
                return False
    return True


def drop_dead_sums(body, temps, modules=("math",), functions=()):
    """Remove values that nothing reads but their own updates: `total = 0.0` and the
    loop's `total_1 = total + t; total = total_1` in a function that returns only
    gradients (the loop reads the names, so `drop_dead_temporaries` never finds them
    unread). The names kept are those some other statement reads, and the names
    their values are made from, until nothing changes. `modules`: the names of the
    modules whose functions have no effects (a dropped call must not be a draw);
    `functions`: names of other functions without effects."""
    stores, loads = name_counts(body)
    sites = {}  # name -> (statement, which of its bindings, the value bound)
    for block in blocks(body):
        for stmt in block:
            for k, (target, value) in enumerate(name_bindings(stmt)):
                if target.id in temps:
                    sites.setdefault(target.id, []).append((stmt, k, value))
    dead = {
        x
        for x, found in sites.items()
        if stores.get(x) == len(found) and all(pure_calls(value, modules, functions) for _, _, value in found)
    }
    reads = {x: {} for x in dead}  # name -> the names its assignments read, counted
    for x in dead:
        for _, _, value in sites[x]:
            for n in loads_in(value):
                reads[x][n.id] = reads[x].get(n.id, 0) + 1
    inside = {}
    for found in reads.values():
        for y, k in found.items():
            inside[y] = inside.get(y, 0) + k
    todo = [x for x in dead if inside.get(x, 0) != loads.get(x, 0)]
    while todo:  # (a name read elsewhere is live, and so is what its value is made from)
        x = todo.pop()
        if x not in dead:
            continue
        dead.discard(x)
        for y, k in reads[x].items():
            inside[y] -= k
            if y in dead:
                todo.append(y)
    # (the unread ones are drop_dead_temporaries', but for an item of a tuple binding, which
    # it cannot take out: `r, r_dot = (result, result_dot)` read a dropped value)
    dead = {x for x in dead if loads.get(x) or any(isinstance(st.targets[0], gast.Tuple) for st, _, _ in sites[x])}
    if dead:
        gone = {(id(stmt), k) for x in dead for stmt, k, _ in sites[x]}  # (nodes may be shared)
        for block in list(blocks(body)):
            block[:] = [kept for stmt in block for kept in without_bindings(stmt, gone)]
        fill_empty_blocks(body)
    return body


def name_bindings(stmt):
    """(name, value) pairs `stmt` binds: `x = v`, and each item of `a, b = (u, v)` (the
    carried values handed on at the end of a loop's pass). Not `x += e`: on an array it
    writes into what another name may hold too."""
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1):
        return []
    target, value = stmt.targets[0], stmt.value
    if isinstance(target, gast.Name):
        return [(target, value)]
    if (
        isinstance(target, gast.Tuple)
        and isinstance(value, gast.Tuple)
        and len(target.elts) == len(value.elts)
        and all(isinstance(t, gast.Name) for t in target.elts)
    ):
        return list(zip(target.elts, value.elts))
    return []


def without_bindings(stmt, gone):
    """`stmt` without its bindings in `gone` ((id of statement, position)): [] if none is left."""
    pairs = name_bindings(stmt)
    left = [(t, v) for k, (t, v) in enumerate(pairs) if (id(stmt), k) not in gone]
    if len(left) == len(pairs):
        return [stmt]
    if not left:
        return []
    if len(left) == 1:
        kept = gast.Assign([left[0][0]], left[0][1], None)
    else:
        targets = gast.Tuple([t for t, _ in left], gast.Store())
        kept = gast.Assign([targets], gast.Tuple([v for _, v in left], gast.Load()), None)
    return [gast.copy_location(kept, stmt)]
