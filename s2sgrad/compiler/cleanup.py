"""Clean-up of generated code: fold single-use temporaries back into the
expression that reads them, so `t = c * v; a = t1 - t` reads `a = t1 - c * v`
as the user wrote it.

A temporary is folded only when it is assigned once and read once in the
whole function, the read comes later in the same statement list (not inside a
loop that the assignment is outside of), and nothing in between assigns a
name the expression reads.
"""

import gast

from .codegen import walk


def _note_store(n, found):
    """Add to `found` the names node `n` itself (re)binds or changes in place
    (`x[i] = v`, `x += v`, `add_at(x, ...)`)."""
    if isinstance(n, gast.Name):
        if isinstance(n.ctx, gast.Store):
            found.add(n.id)
    elif isinstance(n, (gast.Assign, gast.AugAssign)):
        for t in n.targets if isinstance(n, gast.Assign) else [n.target]:
            if isinstance(t, gast.Subscript) and isinstance(t.value, gast.Name):
                found.add(t.value.id)
    elif isinstance(n, gast.Expr) and isinstance(n.value, gast.Call):
        found.update(a.id for a in n.value.args if isinstance(a, gast.Name))


def loads_in(node):
    return [n for n in walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)]


def name_counts(body):
    stores, loads = {}, {}
    for stmt in body:
        _count_into(stmt, stores, loads, 1)
    return stores, loads


def _count_into(stmt, stores, loads, step):
    """Add `step` to the store and load counts of every name `stmt` binds or reads."""
    for n in walk(stmt):
        if isinstance(n, gast.Name):
            table = stores if isinstance(n.ctx, gast.Store) else loads
            table[n.id] = table.get(n.id, 0) + step
        elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
            loads[n.target.id] = loads.get(n.target.id, 0) + step


def read_globals_in_place(body, params=()):
    """`DT_1 = DT`, a module constant read into a local (hoisted before a loop, or read
    by an inlined helper): the local goes and its reads read `DT`, where nothing in
    the function binds `DT` (so it is the module's, the same object at every read) and
    only this statement binds `DT_1`."""
    stores, _ = name_counts(body)
    renamed = {}
    for block in blocks(body):
        for stmt in list(block):
            if (
                isinstance(stmt, gast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], gast.Name)
                and isinstance(stmt.value, gast.Name)
                and stmt.value.id not in stores
                and stmt.value.id not in params
                and stores.get(stmt.targets[0].id) == 1
                and stmt.targets[0].id not in params
            ):
                renamed[stmt.targets[0].id] = stmt.value.id
                block.remove(stmt)
    if renamed:
        for stmt in body:
            for n in walk(stmt):
                if isinstance(n, gast.Name) and n.id in renamed:
                    n.id = renamed[n.id]
    return body


def blocks(body):
    yield body
    for stmt in body:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                yield from blocks(inner)


_LOOPS = (gast.For, gast.While, gast.FunctionDef)


class _Facts:
    """What a statement stores and reads, computed once (statements change only by
    folding) in one walk of the statement."""

    def __init__(self, stmt):
        self.stores = set()
        self.sites = {}  # name -> the Name node reading it (outside loops)
        self.loaded = set()
        self.in_loops = set()  # names read inside a loop (or a local function)
        # writes into an array in place: a folded expression may read a view of it
        self.mutates = False
        outside = []
        todo = [(stmt, isinstance(stmt, _LOOPS))]
        for n, in_loop in todo:
            _note_store(n, self.stores)
            if isinstance(n, gast.Name):
                if isinstance(n.ctx, gast.Load):
                    self.loaded.add(n.id)
                    if in_loop:
                        self.in_loops.add(n.id)
                    else:
                        outside.append(n)
                continue
            if (
                isinstance(n, gast.AugAssign)
                or (isinstance(n, gast.Assign) and any(isinstance(t, gast.Subscript) for t in n.targets))
                or (isinstance(n, gast.Expr) and isinstance(n.value, gast.Call))
            ):
                self.mutates = True
            inner = in_loop or isinstance(n, _LOOPS)
            for field in n._fields:
                child = getattr(n, field, None)
                if isinstance(child, list):
                    todo.extend((c, inner) for c in child if isinstance(c, gast.AST))
                elif isinstance(child, gast.AST):
                    todo.append((child, inner))
        for n in outside:
            if n.id not in self.in_loops:
                self.sites.setdefault(n.id, n)


def fold_temporaries(body, temps):
    """`inline_temporaries`, then `drop_dead_temporaries`, on one count of the
    names (folding changes only the folded temporary's counts, which
    `inline_temporaries` keeps up to date)."""
    counts = name_counts(body)
    inline_temporaries(body, temps, counts)
    return drop_dead_temporaries(body, temps, counts)


def inline_temporaries(body, temps, counts=None):
    """Fold single-use temporaries (names in `temps`) in place; returns `body`.
    `counts`: the (stores, loads) of `body`'s names, if already counted.

    One backward pass per block: folding moves an expression's reads from one
    statement to another, so no other name's counts change."""
    stores, loads = counts or name_counts(body)
    facts = {}

    def of(stmt):
        found = facts.get(id(stmt))
        if found is None:
            found = facts[id(stmt)] = (_Facts(stmt), stmt)
        return found[0]

    for block in list(blocks(body)):
        for i in range(len(block) - 1, -1, -1):
            stmt = block[i]
            if not (
                isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name)
            ):
                continue
            temp = stmt.targets[0].id
            if temp not in temps or stores.get(temp) != 1 or loads.get(temp) != 1:
                continue
            reads = {n.id for n in loads_in(stmt.value)}
            for j in range(i + 1, len(block)):
                there = of(block[j])
                if temp in there.loaded:
                    site = there.sites.get(temp)
                    if site is not None and not (isinstance(block[j], gast.If) and reads & there.stores):
                        _replace(block[j], site, stmt.value)
                        facts.pop(id(block[j]), None)
                        del block[i]
                        stores[temp] -= 1
                        loads[temp] -= 1
                    break
                if reads & there.stores or (there.mutates and reads):
                    break
    return body


def _replace(stmt, site, value):
    """Put `value` where the node `site` stands in `stmt`."""
    for node in walk(stmt):
        for field in node._fields:
            child = getattr(node, field, None)
            if child is site:
                setattr(node, field, value)
            elif isinstance(child, list) and any(c is site for c in child):
                child[:] = [value if c is site else c for c in child]


def drop_dead_temporaries(body, temps, counts=None):
    """Remove assignments to temporaries that nothing reads (e.g. the primal
    result in a function that returns only gradients). `counts` as for
    `inline_temporaries`.

    Removing one can leave another unread, so the load counts are kept up to
    date as statements go and the blocks are swept until nothing changes
    (without counting the whole function again each sweep)."""
    _, loads = counts or name_counts(body)

    def dead(stmt):
        return (
            isinstance(stmt, gast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], gast.Name)
            and stmt.targets[0].id in temps
            and not loads.get(stmt.targets[0].id)
        )

    changed = True
    while changed:
        changed = False
        for block in blocks(body):
            keep = []
            for stmt in block:
                if dead(stmt):
                    _count_into(stmt, {}, loads, -1)
                    changed = True
                else:
                    keep.append(stmt)
            if len(keep) != len(block):
                block[:] = keep
    return body


def fill_empty_blocks(body):
    """Give emptied compound statements a body again; drop `if c: pass` entirely."""

    def fix(stmts):
        out = []
        for stmt in stmts:
            for field in ("body", "orelse"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and inner:
                    fixed = fix(inner)
                    setattr(stmt, field, [] if field == "orelse" and _is_pass(fixed) else fixed)
            if isinstance(stmt, gast.If):
                if _is_pass(stmt.orelse):
                    stmt.orelse = []
                if _is_pass(stmt.body) and not stmt.orelse:
                    continue
                if _is_pass(stmt.body):
                    stmt.test = gast.UnaryOp(gast.Not(), stmt.test)
                    stmt.body, stmt.orelse = stmt.orelse, []
            elif isinstance(stmt, (gast.For, gast.While)) and not stmt.body:
                stmt.body = [gast.Pass()]
            if not isinstance(stmt, gast.Pass) or not out:
                out.append(stmt)
        return [s for s in out if not isinstance(s, gast.Pass)] or [gast.Pass()]

    body[:] = fix(body)
    return body


def drop_empty_range_loops(body):
    """`for i in range(...): pass`, a forward loop whose body clean-up emptied (a sum
    the gradient does not return): it runs nothing, and goes where nothing reads its
    index but loops that bind it again."""
    for block in list(blocks(body)):
        block[:] = [st for st in block if not (_empty_range_loop(st) and not _reads_index(body, st.target.id))]
    return fill_empty_blocks(body)


def _empty_range_loop(st):
    return (
        isinstance(st, gast.For)
        and isinstance(st.target, gast.Name)
        and not st.orelse
        and _is_pass(st.body)
        and isinstance(st.iter, gast.Call)
        and isinstance(st.iter.func, gast.Name)
        and st.iter.func.id == "range"
        and all(_plain_arithmetic(a) for a in st.iter.args)
    )


_ARITHMETIC = (gast.Name, gast.Constant, gast.BinOp, gast.UnaryOp, gast.Attribute, gast.Subscript)


def _plain_arithmetic(node):
    """Names, numbers, attributes, items and arithmetic: nothing a call could do."""
    parts = (gast.expr_context, gast.operator, gast.unaryop)
    return all(isinstance(n, _ARITHMETIC + parts) for n in walk(node))


def _reads_index(stmts, ident):
    """Does code outside the loops that bind `ident` read it?"""
    for st in stmts:
        if isinstance(st, gast.For) and isinstance(st.target, gast.Name) and st.target.id == ident:
            if _loads_name(st.iter, ident) or _reads_index(st.orelse, ident):
                return True
            continue
        for field, value in gast.iter_fields(st):
            if field in _BLOCKS:
                if _reads_index(value, ident):
                    return True
            elif _loads_name(value, ident):
                return True
    return False


_BLOCKS = ("body", "orelse", "finalbody", "handlers")


def _loads_name(value, ident):
    nodes = value if isinstance(value, list) else [value]
    return any(
        isinstance(n, gast.Name) and n.id == ident and isinstance(n.ctx, gast.Load)
        for node in nodes
        if isinstance(node, gast.AST)
        for n in walk(node)
    )


def _is_pass(stmts):
    return all(isinstance(s, gast.Pass) for s in stmts) and bool(stmts) or not stmts


def drop_orphan_comments(body, is_comment):
    """A comment whose code was folded away is followed by another comment or nothing;
    one that repeats the comment above it (the same line, its code interleaved with
    an inlined helper's) says nothing new."""
    for block in list(blocks(body)):
        keep, last = [], None
        for i, stmt in enumerate(block):
            nxt = block[i + 1] if i + 1 < len(block) else None
            if is_comment(stmt) and (nxt is None or is_comment(nxt) or _same_comment(stmt, last)):
                continue
            keep.append(stmt)
            last = stmt if is_comment(stmt) else last
        block[:] = keep
    return fill_empty_blocks(body)


def _same_comment(stmt, last):
    return last is not None and stmt.value.id == last.value.id


def coalesce_copies(body, params, temps=()):
    """`h_1 = h` before a loop, where `h` is never used again: call both `h`.

    Only for copies at the top level of the function (not in loops), and never
    renaming a parameter."""
    # the names each top-level statement mentions, kept up to date as names change
    mentions = [_names(st) for st in body]
    # only a local's name may be taken: a copy of a module-level name (`x = X0`) keeps both
    bound = set(params) | {
        n.id for st in body for n in walk(st) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)
    }
    i = 0
    while i < len(body):
        stmt = body[i]
        pairs = _copy_pairs(stmt)
        renamed = False
        sources = [source for _, source in pairs]
        for target, source in pairs:
            if source in params or target in params or source not in bound or sources.count(source) > 1:
                continue
            if _reads(stmt, source) > 1:
                continue  # (`a, b = (x, owned(x))`: the other item reads x too)
            if any(source in m for m in mentions[i + 1 :]):
                continue
            if any(target in m for m in mentions[:i]):
                continue
            # keep the more readable name: the target when the source is a temporary
            old, new, where = (
                (source, target, range(i)) if source in temps else (target, source, range(i + 1, len(body)))
            )
            for k in where:
                if old in mentions[k]:
                    for n in walk(body[k]):
                        if isinstance(n, gast.Name) and n.id == old:
                            n.id = new
                    mentions[k] = _names(body[k])
            _drop_pair(stmt, target)
            mentions[i] = _names(stmt)
            renamed = True
            break
        if renamed:
            if not _copy_pairs(stmt) and _is_empty_copy(stmt):
                del body[i]
                del mentions[i]
            continue
        i += 1
    return body


def _reads(stmt, name_):
    return sum(1 for n in walk(stmt) if isinstance(n, gast.Name) and n.id == name_ and isinstance(n.ctx, gast.Load))


def _names(stmt):
    return {n.id for n in walk(stmt) if isinstance(n, gast.Name)}


def _copy_pairs(stmt):
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1):
        return []
    t, v = stmt.targets[0], stmt.value
    if isinstance(t, gast.Name) and isinstance(v, gast.Name):
        return [(t.id, v.id)]
    if isinstance(t, gast.Tuple) and isinstance(v, gast.Tuple) and len(t.elts) == len(v.elts):
        return [(a.id, b.id) for a, b in zip(t.elts, v.elts) if isinstance(a, gast.Name) and isinstance(b, gast.Name)]
    return []


def _drop_pair(stmt, target):
    t, v = stmt.targets[0], stmt.value
    if isinstance(t, gast.Name):
        stmt.targets = [gast.Tuple([], gast.Store())]
        stmt.value = gast.Tuple([], gast.Load())
        return
    keep = [(a, b) for a, b in zip(t.elts, v.elts) if not (isinstance(a, gast.Name) and a.id == target)]
    if len(keep) == 1:
        stmt.targets, stmt.value = [keep[0][0]], keep[0][1]
    else:
        t.elts, v.elts = [a for a, _ in keep], [b for _, b in keep]


def _is_empty_copy(stmt):
    t = stmt.targets[0]
    return isinstance(t, gast.Tuple) and not t.elts
