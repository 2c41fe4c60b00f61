"""Give versions of a name the name itself where no two of them are live together.

SSA gives every assignment its own name (`u`, `u_1`, `u_2`), and the generated
code keeps them apart: `u_1 = u` before a loop, `u_2 = u_1 + ...; u_1 = u_2` in
it. A person writes `u = u + ...`. After the clean-up passes, this one merges
the versions of each name whose lifetimes do not overlap, so that a suffix is
left only where two versions of one name are needed at the same time. Then the
copies it made trivial (`u = u`) are dropped.

The liveness analysis runs on the generated function's statements (assignments,
`if`, `for`, `while`, `return`, `del`, expression statements) and iterates loops
to a fixed point. A function with anything else in it (a nested function or
lambda, a comprehension, `break`, `try`, ...) is left as it is: there, a name
may be read where this analysis does not look.
"""

import re

import gast

from .codegen import is_comment, walk

_VERSION = re.compile(r"^(.+?)_(\d+)$")
_SIMPLE_STMTS = (gast.Assign, gast.AugAssign, gast.Expr, gast.Return, gast.Delete, gast.Pass)
_UNSUPPORTED = (
    gast.FunctionDef,
    gast.Lambda,
    gast.ListComp,
    gast.SetComp,
    gast.DictComp,
    gast.GeneratorExp,
    gast.Break,
    gast.Continue,
    gast.Try,
    gast.With,
    gast.Global,
    gast.Nonlocal,
    gast.ClassDef,
    gast.NamedExpr,
    gast.Yield,
    gast.YieldFrom,
    gast.Await,
    gast.AnnAssign,
)


def coalesce_versions(func, versions):
    """Rename, in the gast FunctionDef `func`, the versions of a name (`versions`:
    `x_1` -> `x`, as `naming.Names` made them) to the name itself wherever that
    joins no two values alive at once."""
    if any(isinstance(node, _UNSUPPORTED) for stmt in func.body for node in walk(stmt)):
        return
    params = [a.id for a in func.args.args]
    clash = _Interference()
    try:
        live = clash.block(func.body, set())
    except _Unsupported:
        return
    for p in params:
        clash.defined(p, live)
    renames = _merge(_families(func, params, versions), clash)
    if renames:
        _rename(func, renames)
        drop_self_copies(func.body)


def drop_self_copies(body):
    """Drop `u = u` from generated statements, and a `for` left with nothing to do."""
    loaded = {n.id for st in body for n in walk(st) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
    body[:] = _without_self_copies(body, loaded)


class _Interference:
    """Which names are alive at the same time (a backwards liveness walk)."""

    def __init__(self):
        self.pairs = set()

    def defined(self, name, live_after, copied_from=None):
        for other in live_after:
            if other != name and other != copied_from:
                self.pairs.add(frozenset((name, other)))

    def clash(self, a, b):
        return frozenset((a, b)) in self.pairs

    def block(self, stmts, live):
        """Live names before `stmts`, given those alive after them."""
        for stmt in reversed(stmts):
            live = self.statement(stmt, live)
        return live

    def statement(self, s, live):
        if isinstance(s, gast.Assign):
            return self.assign(s, live)
        if isinstance(s, gast.AugAssign):
            if isinstance(s.target, gast.Name):
                self.defined(s.target.id, live)
                return live | {s.target.id} | _reads(s.value)
            return live | _reads(s.target) | _reads(s.value)
        if isinstance(s, gast.Delete):
            killed = {t.id for t in s.targets if isinstance(t, gast.Name)}
            return (live - killed) | set().union(*(_reads(t) for t in s.targets if not isinstance(t, gast.Name)))
        if isinstance(s, gast.Expr):
            return live if is_comment(s) else live | _reads(s.value)
        if isinstance(s, gast.Return):
            return _reads(s.value) if s.value is not None else set()
        if isinstance(s, gast.Pass):
            return live
        if isinstance(s, gast.If):
            return _reads(s.test) | self.block(s.body, live) | self.block(s.orelse, live)
        if isinstance(s, gast.For):
            return self.for_loop(s, live)
        if isinstance(s, gast.While):
            return self.while_loop(s, live)
        raise _Unsupported(s)

    def assign(self, s, live):
        after = set(live)
        defined = set()
        for target in s.targets:
            for name_, source in _targets(target, s.value):
                self.defined(name_, after, source)
                defined.add(name_)
            after = after | _reads(target)
        return (live - defined) | _reads(s.value) | set().union(*(_reads(t) for t in s.targets))

    def for_loop(self, s, live):
        if s.orelse:
            raise _Unsupported(s)
        head = set(live)
        while True:  # what is alive at the top of an iteration: a fixed point
            quiet = _Interference()
            body_in = quiet.block(s.body, head)
            new_head = live | (body_in - _stored(s.target))
            if new_head == head:
                break
            head = new_head
        body_in = self.block(s.body, head)
        for name_, _ in _targets(s.target, None):
            self.defined(name_, body_in)
        return head | _reads(s.iter)

    def while_loop(self, s, live):
        if s.orelse:
            raise _Unsupported(s)
        head = set(live) | _reads(s.test)
        while True:
            quiet = _Interference()
            new_head = live | _reads(s.test) | quiet.block(s.body, head)
            if new_head == head:
                break
            head = new_head
        self.block(s.body, head)
        return head


class _Unsupported(Exception):
    pass


def _reads(node):
    """Names an expression reads (a store `u[i] = v` reads u and i; `a, b = ...` reads nothing)."""
    return {n.id for n in walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def _stored(target):
    return {n.id for n in walk(target) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


def _targets(target, value):
    """(name, name it is copied from or None) for each name the target binds."""
    if isinstance(target, gast.Name):
        return [(target.id, value.id if isinstance(value, gast.Name) else None)]
    if isinstance(target, (gast.Tuple, gast.List)):
        values = (
            value.elts
            if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(target.elts)
            else [None] * len(target.elts)
        )
        return [pair for t, v in zip(target.elts, values) for pair in _targets(t, v)]
    return []


def _families(func, params, versions):
    """stem -> the names of its family in `func`: the stem first (if the function
    binds it), then its versions by number. A stem the function reads but never
    binds (a global, a builtin) cannot be bound here, so its family is left out."""
    bound = set(params) | {
        n.id for n in walk(func) if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del))
    }
    present = {n.id for n in walk(func) if isinstance(n, gast.Name)} | set(params)
    families = {}
    for name_ in sorted(present & set(versions), key=_suffix):
        families.setdefault(versions[name_], []).append(name_)
    out = {}
    for stem, members in families.items():
        if stem in present and stem not in bound:
            continue
        # a parameter keeps its name (callers may pass it by keyword); others may join it
        out[stem] = ([stem] if stem in present else []) + [m for m in members if m in bound and m not in params]
    return out


def _suffix(n):
    m = _VERSION.match(n)
    return int(m.group(2)) if m else 0


def _merge(families, clash):
    """old name -> new name: each name joins the first group of its family it does not
    clash with; the first group takes the stem's name."""
    renames = {}
    for stem, names in families.items():
        groups = []
        for n in names:
            for group in groups:
                if not any(clash.clash(n, m) for m in group):
                    group.append(n)
                    break
            else:
                groups.append([n])
        for k, group in enumerate(groups):
            new = stem if k == 0 else group[0]
            for m in group:
                if m != new:
                    renames[m] = new
    return renames


def _rename(func, renames):
    for node in walk(func):
        if isinstance(node, gast.Name) and node.id in renames:
            node.id = renames[node.id]


def _without_self_copies(stmts, loaded):
    """`stmts` without `u = u`; a `for` left with nothing to do goes too, with its comment
    (a loop of the reverse sweep that only carried an adjoint: `for i in ...: du = du`).
    `loaded`: the names the function reads (a loop target read elsewhere keeps the loop)."""
    kept = []
    for s in stmts:
        for field in ("body", "orelse"):
            block = getattr(s, field, None)
            if isinstance(block, list) and block:
                cleaned = _without_self_copies(block, loaded)
                if all(is_comment(c) for c in cleaned):  # (a comment alone is no statement)
                    cleaned = []
                setattr(s, field, cleaned or ([gast.Pass()] if field == "body" else []))
        if _idle_loop(s, loaded):
            while kept and is_comment(kept[-1]):
                kept.pop()
            continue
        if isinstance(s, gast.Assign) and len(s.targets) == 1 and _same_names(s.targets[0], s.value):
            continue
        if isinstance(s, gast.Assign) and len(s.targets) == 1:
            s = _without_self_items(s)
        kept.append(s)
    return kept


def _idle_loop(s, loaded):
    """A `for` whose body does nothing and whose loop variables nothing reads (its iterable,
    a range or a tape of generated code, has no effect of its own)."""
    if not (isinstance(s, gast.For) and not s.orelse and all(isinstance(b, gast.Pass) for b in s.body)):
        return False
    return not any(isinstance(n, gast.Name) and n.id in loaded for n in walk(s.target))


def _without_self_items(s):
    """`loss, v, x = (loss, v_1, x_1)` is `v, x = (v_1, x_1)`: a parallel assignment
    loses nothing by dropping the items that assign a name to itself."""
    target, value = s.targets[0], s.value
    if not (isinstance(target, gast.Tuple) and isinstance(value, gast.Tuple) and len(target.elts) == len(value.elts)):
        return s
    pairs = [(t, v) for t, v in zip(target.elts, value.elts) if not _same_names(t, v)]
    if len(pairs) == len(target.elts):
        return s
    if len(pairs) == 1:
        return gast.Assign([pairs[0][0]], pairs[0][1], None)
    return gast.Assign(
        [gast.Tuple([t for t, _ in pairs], gast.Store())], gast.Tuple([v for _, v in pairs], gast.Load()), None
    )


def _same_names(target, value):
    if isinstance(target, gast.Name) and isinstance(value, gast.Name):
        return target.id == value.id
    if isinstance(target, (gast.Tuple, gast.List)) and isinstance(value, (gast.Tuple, gast.List)):
        return len(target.elts) == len(value.elts) and all(_same_names(t, v) for t, v in zip(target.elts, value.elts))
    return False
