"""Arrays released as soon as nothing reads them (`del`), in generated code.

Two cases: before a checkpointed reverse sweep (which runs long and allocates),
the temporaries it does not read; and, in code specialised on shapes, a large
array after its last read, so that the next large array reuses its memory
instead of fresh pages from the allocator.
"""

import gast

from .cleanup import loads_in, name_counts
from .codegen import is_comment, walk


def release_before(body, temps, is_sweep):
    """Before each top-level statement `is_sweep` picks (a checkpointed reverse
    sweep, which runs long and allocates), `del` the temporaries nothing reads any
    more, so their arrays are not held through it.

    Only names bound by plain top-level assignments before the sweep qualify (so
    every path has bound them), and a name read by any local function counts as
    read: the sweep calls those functions."""
    in_functions = {n.id for stmt in body if isinstance(stmt, gast.FunctionDef) for n in loads_in(stmt)}
    for i in range(len(body) - 1, -1, -1):
        if not is_sweep(body[i]):
            continue
        bound = [
            t.id
            for stmt in body[:i]
            if isinstance(stmt, gast.Assign)
            for target in stmt.targets
            for t in gast.walk(target)
            if isinstance(t, gast.Name) and isinstance(t.ctx, gast.Store)
        ]
        _, later = name_counts(body[i:])
        dead = sorted({n for n in bound if n in temps and n not in later and n not in in_functions})
        if dead:
            body.insert(i, gast.Delete([gast.Name(n, gast.Del(), None, None) for n in dead]))
    return body


def release_dead_arrays(body, params, is_large):
    """`del x` after the top-level statement that reads the large array `x` for the last
    time (`is_large(name)`: specialised code knows its shape, or x is reshaped or
    transposed into such an array). Each large array (128 KB and more) gets fresh
    pages from the allocator (glibc maps them), zeroed by the kernel at the first
    touch; one released as soon as it is dead lets the next large array reuse its
    memory. The CNN's im2col patches (1.35 MB) held to the end of the function cost
    500 page faults, about 1 ms, at every call.

    Only names bound once, by a plain top-level assignment, and not read by a local
    function (the sweep may call it later) are released; not where the last read
    likely makes a view of it (`y = x.reshape(...)`: y holds the memory), nor where
    only the return follows."""
    stores, _ = name_counts(body)
    functions = [n for stmt in body for n in walk(stmt) if isinstance(n, (gast.FunctionDef, gast.Lambda))]
    in_functions = {n.id for f in functions for n in loads_in(f)}  # (called later, maybe from a branch)
    bound_at, last_read, same_size = {}, {}, {}
    for i, stmt in enumerate(body):
        if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name):
            root, ops = _size_kept(stmt.value)
            if root is not None:
                same_size.setdefault(root, []).append((stmt.targets[0].id, ops))
        for n in walk(stmt):
            if not isinstance(n, gast.Name) or n.id in params:
                continue
            if isinstance(n.ctx, gast.Store):
                if isinstance(stmt, gast.Assign) and stores.get(n.id) == 1:
                    bound_at[n.id] = i
            else:
                last_read[n.id] = i
    rest = [i for i, stmt in enumerate(body) if not (isinstance(stmt, gast.Return) or is_comment(stmt))]
    end = rest[-1] if rest else -1  # (a del after it would only precede the return)
    after = {}
    for n, i in bound_at.items():
        j = last_read.get(n, -1)
        if not i < j < end or n in in_functions:
            continue
        made = same_size.get(n, [])
        if any(ops == 1 and _binds(body[j], y) for y, ops in made):
            continue  # (likely a view)
        if is_large(n) or any(is_large(y) for y, _ in made):
            after.setdefault(j, []).append(n)
    for j in sorted(after, reverse=True):
        body.insert(j + 1, gast.Delete([gast.Name(n, gast.Del(), None, None) for n in sorted(after[j])]))
    return body


_SIZE_KEPT = {"reshape", "transpose", "ravel", "swapaxes", "T"}


def _size_kept(node):
    """(name, number of operations) where `node` is `name` reshaped or transposed
    (`x.transpose(0, 2, 1).reshape(n, m)`, `x.T`): as many elements; (None, 0) else."""
    ops = 0
    while True:
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) and node.func.attr in _SIZE_KEPT:
            node = node.func.value
        elif isinstance(node, gast.Attribute) and node.attr == "T":
            node = node.value
        else:
            return (node.id, ops) if isinstance(node, gast.Name) and ops else (None, 0)
        ops += 1


def _binds(stmt, name_):
    return isinstance(stmt, gast.Assign) and any(getattr(t, "id", None) == name_ for t in stmt.targets)
