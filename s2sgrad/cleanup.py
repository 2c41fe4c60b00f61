"""Clean-up of generated code: fold single-use temporaries back into the
expression that reads them, so `t = c * v; a = t1 - t` reads `a = t1 - c * v`
as the user wrote it.

A temporary is folded only when it is assigned once and read once in the
whole function, the read comes later in the same statement list (not inside a
loop that the assignment is outside of), and nothing in between assigns a
name the expression reads.
"""
import gast


def _stores(node):
    """Names a statement (re)binds or changes in place (`x[i] = v`, `x += v`, `add_at(x, ...)`)."""
    found = {n.id for n in gast.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    for n in gast.walk(node):
        if isinstance(n, (gast.Assign, gast.AugAssign)):
            for t in (n.targets if isinstance(n, gast.Assign) else [n.target]):
                if isinstance(t, gast.Subscript) and isinstance(t.value, gast.Name):
                    found.add(t.value.id)
        elif isinstance(n, gast.Expr) and isinstance(n.value, gast.Call):
            found |= {a.id for a in n.value.args if isinstance(a, gast.Name)}
    return found


def _loads(node):
    return [n for n in gast.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)]


def _counts(body):
    stores, loads = {}, {}
    for stmt in body:
        for n in gast.walk(stmt):
            if isinstance(n, gast.Name):
                table = stores if isinstance(n.ctx, gast.Store) else loads
                table[n.id] = table.get(n.id, 0) + 1
            elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
                loads[n.target.id] = loads.get(n.target.id, 0) + 1
    return stores, loads


def _blocks(body):
    yield body
    for stmt in body:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                yield from _blocks(inner)


class _Facts:
    """What a statement stores and reads, computed once (statements change only by folding)."""

    def __init__(self, stmt):
        self.stores = _stores(stmt)
        self.sites = {}              # name -> the Name node reading it (outside loops)
        self.loaded = set()
        in_loops = set()
        if isinstance(stmt, (gast.For, gast.While, gast.FunctionDef)):
            in_loops = {n.id for n in _loads(stmt)}
        else:
            for n in gast.walk(stmt):
                if isinstance(n, (gast.For, gast.While, gast.FunctionDef)):
                    in_loops |= {m.id for m in _loads(n)}
        for n in _loads(stmt):
            self.loaded.add(n.id)
            if n.id not in in_loops:
                self.sites.setdefault(n.id, n)
        self.in_loops = in_loops
        # writes into an array in place: a folded expression may read a view of it
        self.mutates = any(isinstance(n, gast.AugAssign) or (
            isinstance(n, gast.Assign) and any(isinstance(t, gast.Subscript) for t in n.targets)) or (
            isinstance(n, gast.Expr) and isinstance(n.value, gast.Call)) for n in gast.walk(stmt))


def inline_temporaries(body, temps):
    """Fold single-use temporaries (names in `temps`) in place; returns `body`.

    One backward pass per block: folding moves an expression's reads from one
    statement to another, so no other name's counts change."""
    stores, loads = _counts(body)
    facts = {}

    def of(stmt):
        found = facts.get(id(stmt))
        if found is None:
            found = facts[id(stmt)] = (_Facts(stmt), stmt)
        return found[0]
    for block in list(_blocks(body)):
        for i in range(len(block) - 1, -1, -1):
            stmt = block[i]
            if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], gast.Name)):
                continue
            temp = stmt.targets[0].id
            if temp not in temps or stores.get(temp) != 1 or loads.get(temp) != 1:
                continue
            reads = {n.id for n in _loads(stmt.value)}
            for j in range(i + 1, len(block)):
                there = of(block[j])
                if temp in there.loaded:
                    site = there.sites.get(temp)
                    if site is not None and not (isinstance(block[j], gast.If) and reads & there.stores):
                        _replace(block[j], site, stmt.value)
                        facts.pop(id(block[j]), None)
                        del block[i]
                    break
                if reads & there.stores or (there.mutates and reads):
                    break
    return body


def _replace(stmt, site, value):
    class Swap(gast.NodeTransformer):
        def visit_Name(self, node):
            return value if node is site else node
    Swap().visit(stmt)


def drop_dead_temporaries(body, temps):
    """Remove assignments to temporaries that nothing reads (e.g. the primal
    result in a function that returns only gradients)."""
    changed = True
    while changed:
        changed = False
        _, loads = _counts(body)
        for block in _blocks(body):
            keep = [stmt for stmt in block if not (
                isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name)
                and stmt.targets[0].id in temps and not loads.get(stmt.targets[0].id))]
            if len(keep) != len(block):
                block[:] = keep
                changed = True
    return body


def release_before(body, temps, is_sweep):
    """Before each top-level statement `is_sweep` picks (a checkpointed reverse
    sweep, which runs long and allocates), `del` the temporaries nothing reads any
    more, so their arrays are not held through it.

    Only names bound by plain top-level assignments before the sweep qualify (so
    every path has bound them), and a name read by any local function counts as
    read: the sweep calls those functions."""
    in_functions = {n.id for stmt in body if isinstance(stmt, gast.FunctionDef) for n in _loads(stmt)}
    for i in range(len(body) - 1, -1, -1):
        if not is_sweep(body[i]):
            continue
        bound = [t.id for stmt in body[:i] if isinstance(stmt, gast.Assign)
                 for target in stmt.targets for t in gast.walk(target)
                 if isinstance(t, gast.Name) and isinstance(t.ctx, gast.Store)]
        _, later = _counts(body[i:])
        dead = sorted({n for n in bound if n in temps and n not in later and n not in in_functions})
        if dead:
            body.insert(i, gast.Delete([gast.Name(n, gast.Del(), None, None) for n in dead]))
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


def _is_pass(stmts):
    return all(isinstance(s, gast.Pass) for s in stmts) and bool(stmts) or not stmts


def drop_orphan_comments(body, is_comment):
    """A comment whose code was folded away is followed by another comment or nothing."""
    for block in list(_blocks(body)):
        keep = []
        for i, stmt in enumerate(block):
            nxt = block[i + 1] if i + 1 < len(block) else None
            if is_comment(stmt) and (nxt is None or is_comment(nxt)):
                continue
            keep.append(stmt)
        block[:] = keep
    return fill_empty_blocks(body)


def coalesce_copies(body, params, temps=()):
    """`h_1 = h` before a loop, where `h` is never used again: call both `h`.

    Only for copies at the top level of the function (not in loops), and never
    renaming a parameter."""
    i = 0
    while i < len(body):
        stmt = body[i]
        pairs = _copy_pairs(stmt)
        renamed = False
        sources = [source for _, source in pairs]
        for target, source in pairs:
            if source in params or target in params or not source.isidentifier() or sources.count(source) > 1:
                continue
            later = body[i + 1:]
            if any(n.id == source for st in later for n in gast.walk(st) if isinstance(n, gast.Name)):
                continue
            if any(n.id == target for st in body[:i] for n in gast.walk(st) if isinstance(n, gast.Name)):
                continue
            # keep the more readable name: the target when the source is a temporary
            old, new, where = (source, target, body[:i]) if source in temps else (target, source, later)
            for st in where:
                for n in gast.walk(st):
                    if isinstance(n, gast.Name) and n.id == old:
                        n.id = new
            _drop_pair(stmt, target)
            renamed = True
            break
        if renamed:
            if not _copy_pairs(stmt) and _is_empty_copy(stmt):
                del body[i]
            continue
        i += 1
    return body


def _copy_pairs(stmt):
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1):
        return []
    t, v = stmt.targets[0], stmt.value
    if isinstance(t, gast.Name) and isinstance(v, gast.Name):
        return [(t.id, v.id)]
    if isinstance(t, gast.Tuple) and isinstance(v, gast.Tuple) and len(t.elts) == len(v.elts):
        return [(a.id, b.id) for a, b in zip(t.elts, v.elts)
                if isinstance(a, gast.Name) and isinstance(b, gast.Name)]
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
