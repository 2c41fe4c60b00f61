"""Expressions that lowering rewrites into loops or plain operations.

In a simple statement, an `if` test or a `for` iterable:

- `[e for x in xs if c]` becomes a loop that appends to a fresh list, and
  `{k: v for ...}` a loop that assigns the keys of a fresh dict;
- the builtin `sum(...)` of a comprehension, a generator expression or any
  sequence becomes a loop `total = total + item` (starting from `start`, 0 by
  default, as Python's `sum` does); of a list or tuple literal, the sum
  `0 + a + b + c` written out;
- the builtins `max` / `min` of three or more arguments become nested calls
  `max(max(a, b), c)`; of a sequence, a comprehension or a generator, a loop
  `best = max(best, item)` from the first item on. Python returns the first of
  equal arguments, and so does each two-argument call, whose rule gives that
  argument the derivative;
- `dict(k=v, ...)` becomes the literal `{'k': v, ...}`;
- `list`, `tuple` and `sorted` of a generator expression take the list comprehension.

The loops run just before the statement; the names a comprehension binds are
renamed so none leaks out (they start with '.', which no user name can). Only
the first `for` of a comprehension is evaluated here: the rest of it is the
loop body, which the lowering hoists again, so nested comprehensions nest.
"""

import builtins
import copy

import gast

from .nodes import assign, call, const, copy_loc, name, rename, subscript
from ..errors import S2SGradError

_COMPREHENSIONS = (gast.ListComp, gast.DictComp, gast.GeneratorExp)


def hoist(lowerer, stmt):
    """The statements that compute `stmt`'s comprehensions, sums and extrema, then `stmt`."""
    if isinstance(stmt, (gast.If, gast.For)):
        field = "test" if isinstance(stmt, gast.If) else "iter"
        hoister = _Hoister(lowerer)
        setattr(stmt, field, hoister.visit(getattr(stmt, field)))
        return hoister.done(stmt)
    if isinstance(stmt, gast.While):
        # its test runs before every pass: statements it needs (`while (r := step(x)) > tol`,
        # a sum over a list) run first in each pass: `while True: r = step(x); if not r > tol: break`
        hoister = _Hoister(lowerer)
        test = hoister.visit(stmt.test)
        if not hoister.pre and not _may_branch(lowerer, test):
            stmt.test = test
            return [stmt]
        if stmt.orelse:
            return [stmt]  # refused as a loop else
        leave = copy_loc(gast.If(gast.UnaryOp(gast.Not(), test), [gast.Break()], []), stmt.test)
        stmt.test = copy_loc(const(True), stmt.test)
        stmt.body = hoister.done(leave) + stmt.body
        return [stmt]
    if not isinstance(stmt, (gast.Assign, gast.AugAssign, gast.Expr, gast.Return)):
        return [stmt]
    hoister = _Hoister(lowerer, _built_in_place(stmt))
    stmt = hoister.visit(stmt)
    if (
        hoister.pre
        and isinstance(stmt, gast.Assign)
        and isinstance(stmt.value, gast.Name)
        and stmt.value.id == getattr(stmt.targets[0], "id", None)
    ):
        return hoister.done(None)  # the loop built the value in the assigned name itself
    return hoister.done(stmt)


def _may_branch(lowerer, test):
    """Whether a loop condition calls code that, inlined, branches or loops (only a loop
    body can hold that): a lambda or local function handed on or called, a helper or a
    method of the user's whose body has an if, and/or, a conditional expression or a loop."""
    for sub in gast.walk(test):
        if isinstance(sub, gast.Lambda):
            return True
        if not isinstance(sub, gast.Call):
            continue
        root = sub.func
        while isinstance(root, gast.Attribute):
            root = root.value
        if not isinstance(root, gast.Name):
            continue
        if root.id in lowerer.local_names:
            return True  # a local function (or a method of a local object): not known here
        obj = lowerer.parsed.resolve(root.id)
        for attr in _attribute_path(sub.func):
            obj = getattr(obj, attr, None)
        if _branching_helper(getattr(obj, "__func__", obj)):
            return True
    return False


def _attribute_path(func):
    """['a', 'b'] for a call of x.a.b(...)."""
    path = []
    while isinstance(func, gast.Attribute):
        path.insert(0, func.attr)
        func = func.value
    return path


def _branching_helper(obj, depth=0):
    from .callees import is_user_function
    from .frontend import parse_function

    if not is_user_function(obj):
        return False
    try:
        body = parse_function(obj).node
    except S2SGradError:
        return False  # (refused where it is inlined)
    flow = (gast.If, gast.IfExp, gast.BoolOp, gast.For, gast.While, gast.Try, gast.ListComp, gast.GeneratorExp)
    if any(isinstance(n, flow) for n in gast.walk(body)):
        return True
    called = [n.func.id for n in gast.walk(body) if isinstance(n, gast.Call) and isinstance(n.func, gast.Name)]
    globals_ = getattr(obj, "__globals__", {})
    return depth < 3 and any(_branching_helper(globals_.get(name), depth + 1) for name in called)


def _built_in_place(stmt):
    """(value, name) when `name = value` may build the value in `name` directly: the
    value is a whole comprehension or sum, and does not read `name`."""
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name)):
        return None
    target = stmt.targets[0].id
    if any(isinstance(n, gast.Name) and n.id == target for n in gast.walk(stmt.value)):
        return None
    return stmt.value, target


class _Hoister(gast.NodeTransformer):
    def __init__(self, lowerer, in_place=None):
        self.lowerer = lowerer
        self.pre = []
        self.in_place = in_place
        self.conditional = None  # the expression that evaluates this part only sometimes
        self.root = None  # the expression or statement being rewritten

    def visit(self, node):
        if self.root is None:
            self.root = node
        return super().visit(node)

    def done(self, stmt):
        out = self.pre + ([stmt] if stmt is not None else [])
        where = stmt if stmt is not None else self.pre[-1]
        for new in self.pre:
            copy_loc(new, where)
        return out

    def result(self, node, stem):
        """The name a hoisted loop builds its result in."""
        if self.conditional is not None:
            raise self.lowerer.parsed.error(
                self.conditional,
                "a comprehension, sum, max or min over a sequence inside a conditional "
                "expression would run whether or not its branch is taken",
                "conditional expression",
                "write an if statement and compute it in its branch",
            )
        if self.in_place is not None and self.in_place[0] is node:
            return self.in_place[1]
        return self.lowerer.fresh(stem)

    # -- where only part of an expression runs ---------------------------------------
    def visit_IfExp(self, node):
        node.test = self.visit(node.test)
        node.body, node.orelse = self.sometimes(node, node.body), self.sometimes(node, node.orelse)
        return node

    def visit_BoolOp(self, node):
        node.values = [self.visit(node.values[0])] + [self.sometimes(node, v) for v in node.values[1:]]
        return node

    def sometimes(self, node, part):
        saved, self.conditional = self.conditional, self.conditional or node
        try:
            return self.visit(part)
        finally:
            self.conditional = saved

    # -- comprehensions ---------------------------------------------------------------------
    def visit_ListComp(self, node):
        made = self.result(node, "items")
        self.pre.append(assign(made, gast.List([], gast.Load())))
        self.pre += self.loops(
            node, lambda elt: [gast.Expr(gast.Call(gast.Attribute(name(made), "append", gast.Load()), [elt], []))]
        )
        return name(made)

    def visit_DictComp(self, node):
        made = self.result(node, "entries")
        self.pre.append(assign(made, gast.Dict([], [])))
        self.pre += self.loops(
            node, lambda key, value: [gast.Assign([gast.Subscript(name(made), key, gast.Store())], value, None)]
        )
        return name(made)

    def loops(self, node, body_of):
        """The nested `for` / `if` statements of a comprehension around `body_of(elt)`
        (`body_of(key, value)` for a dict), its names renamed."""
        gens = node.generators
        gens[0].iter = self.visit(gens[0].iter)  # evaluated once, here; the rest runs in the loop
        renames = {}
        for gen in gens:
            if gen.is_async:
                raise self.lowerer.parsed.error(node, "'async for' cannot be differentiated", "async for")
            for n in gast.walk(gen.target):
                if isinstance(n, gast.Name):
                    renames[n.id] = self.lowerer.fresh(n.id)
        for k, gen in enumerate(gens):
            rename(gen.target, renames)
            if k:
                rename(gen.iter, renames)
            for cond in gen.ifs:
                rename(cond, renames)
        parts = [node.key, node.value] if isinstance(node, gast.DictComp) else [node.elt]
        for part in parts:
            rename(part, renames)
        body = body_of(*parts)
        for gen in reversed(gens):
            for cond in reversed(gen.ifs):
                body = [gast.If(cond, body, [])]
            body = [gast.For(gen.target, gen.iter, body, [], None)]
        return body

    # -- builtins -------------------------------------------------------------------------------
    def visit_Call(self, node):
        for func, rewrite in (
            ("sum", self.sum),
            ("max", self.extremum),
            ("min", self.extremum),
            ("dict", self.dict_keywords),
            ("list", self.sequence),
            ("tuple", self.sequence),
            ("sorted", self.sequence),
        ):
            if isinstance(node.func, gast.Name) and node.func.id == func and self.lowerer.is_builtin(func):
                new = rewrite(node)
                if new is not None:
                    return new
        if _is_get(node):
            return self.get(node)
        self.generic_visit(node)
        return node

    def visit_NamedExpr(self, node):
        """`(n := e)`: `n = e` just before the statement, then `n` where it stood."""
        if self.conditional is not None:
            raise self.lowerer.parsed.error(
                node,
                "an assignment expression (:=) inside a conditional expression, `and` or `or` would "
                "assign only when its part runs",
                "assignment expression (:=)",
                "assign in a statement of its own before the expression",
            )
        target = node.target.id
        if _read_before(self.root, node, target):
            raise self.lowerer.parsed.error(
                node,
                f"'{target}' is read before this assignment expression in the same statement",
                "assignment expression (:=)",
                f"assign {target} in a statement of its own before it",
            )
        self.pre.append(gast.Assign([name(target, True)], self.visit(node.value), None))
        return name(target)

    def sequence(self, node):
        """list(e for ...), tuple(...), sorted(...) of a generator: of the list comprehension
        (the loop runs before the statement, as a comprehension's does); of reversed(x): x[::-1]."""
        if len(node.args) == 1 and isinstance(node.args[0], gast.GeneratorExp):
            generator = node.args[0]
            node.args = [copy_loc(gast.ListComp(generator.elt, generator.generators), generator)]
            self.generic_visit(node)
            return node
        return self.unreversed(node)

    def unreversed(self, node):
        """list(reversed(x)), tuple(reversed(x)), sorted(reversed(x)): of x[::-1]."""
        arg = node.args[0] if len(node.args) == 1 else None
        if not (_is_call_to_builtin(self.lowerer, arg, "reversed") and len(arg.args) == 1 and not arg.keywords):
            return None
        flipped = gast.Subscript(arg.args[0], gast.Slice(None, None, const(-1)), gast.Load())
        node.args = [copy_loc(flipped, arg)]
        self.generic_visit(node)
        return node

    def get(self, node):
        """`d.get(k, default)`: `d[k] if k in d else default` (d and k names or literals,
        read twice; a dict's adjoint then gets the item's, or the default gets it)."""
        mapping, key = node.func.value, node.args[0]
        default = node.args[1] if len(node.args) == 2 else const(None)
        found = gast.Subscript(_reread(mapping), _reread(key), gast.Load())
        test = gast.Compare(_reread(key), [gast.In()], [_reread(mapping)])
        return copy_loc(self.visit(gast.IfExp(test, found, default)), node)

    def sum(self, node):
        """sum(xs[, start]): `start + x0 + x1 + ...`, as Python adds (never in place)."""
        start = node.args[1] if len(node.args) == 2 else None
        keywords = {k.arg: k.value for k in node.keywords}
        if set(keywords) - {"start"} or not 1 <= len(node.args) <= 2 or (start is not None and keywords):
            return None
        start = self.visit(start if start is not None else keywords.get("start", const(0)))
        items = node.args[0]
        if isinstance(items, (gast.List, gast.Tuple)) and not _starred(items):
            total = start
            for item in items.elts:
                total = gast.BinOp(total, gast.Add(), self.visit(item))
            return total
        if isinstance(items, (gast.ListComp, gast.GeneratorExp)):
            total = self.result(node, "total")
            self.pre.append(assign(total, start))
            self.pre += self.loops(items, lambda elt: [_accumulate(total, elt)])
            return name(total)
        items = self.visit(items)
        total, item = self.result(node, "total"), self.lowerer.fresh("item")
        self.pre.append(assign(total, start))
        self.pre.append(gast.For(name(item, True), items, [_accumulate(total, name(item))], [], None))
        return name(total)

    def extremum(self, node):
        """max(a, b, c) -> max(max(a, b), c); max(xs) -> a loop over xs from its first item."""
        func = node.func.id
        if node.keywords or not node.args or _starred(node):
            return None
        if len(node.args) == 2:
            return None
        items = node.args
        if (
            len(items) == 1
            and isinstance(items[0], (gast.List, gast.Tuple))
            and items[0].elts
            and not _starred(items[0])
        ):
            items = items[0].elts
            if len(items) == 1:
                return self.visit(items[0])
        if len(items) > 1:
            best = self.visit(items[0])
            for item in items[1:]:
                best = gast.Call(name(func), [best, self.visit(item)], [])
            return best
        seq = items[0]
        if isinstance(seq, gast.GeneratorExp):
            seq = gast.ListComp(seq.elt, seq.generators)
        best = self.result(node, "largest" if func == "max" else "smallest")
        seq, k = self.lowerer.sequence(self.visit(seq), self.pre, node), self.lowerer.fresh("k")
        self.pre.append(assign(best, gast.Subscript(name(seq), const(0), gast.Load())))
        step = gast.Assign([name(best, True)], gast.Call(name(func), [name(best), subscript(seq, k)], []), None)
        self.pre.append(gast.For(name(k, True), call("range", [const(1), call("len", [name(seq)])]), [step], [], None))
        return name(best)

    def dict_keywords(self, node):
        """dict(a=x, b=y) -> {'a': x, 'b': y}; with pairs or `**mapping`, a dict filled by
        loops before the statement: `dict(pairs, **kw, c=z)` -> `made = {}`, `for k, v in
        pairs: made[k] = v`, `for k, v in kw.items(): made[k] = v`, `made['c'] = z`."""
        if not node.args and all(k.arg is not None for k in node.keywords):
            return gast.Dict([const(k.arg) for k in node.keywords], [self.visit(k.value) for k in node.keywords])
        if len(node.args) > 1 or (len(node.args) == 1 and not node.keywords and self.lowerer.holds_dict(node.args[0])):
            return None  # dict(mapping): a copy (its own rule)
        parts = [(None, a, self.lowerer.holds_dict(a)) for a in node.args]
        parts += [(None if k.arg is None else const(k.arg), k.value, True) for k in node.keywords]
        return self.filled_dict(node, parts)

    def visit_Dict(self, node):
        """`{**base, 'k': v}`: a dict filled before the statement, in the order written."""
        if all(k is not None for k in node.keys):
            self.generic_visit(node)
            return node
        return self.filled_dict(node, [(k, v, True) for k, v in zip(node.keys, node.values)])

    def filled_dict(self, node, parts):
        """A fresh dict filled by `parts` in order: (key node, value node, _) assigns a key;
        (None, source, is_mapping) copies a mapping's items or a sequence of pairs."""
        made = self.result(node, "entries")
        self.pre.append(assign(made, gast.Dict([], [])))
        for key_node, source, is_mapping in parts:
            source = self.visit(source)
            if key_node is not None:
                target = gast.Subscript(name(made), self.visit(key_node), gast.Store())
                self.pre.append(gast.Assign([target], source, None))
                continue
            if is_mapping:
                source = gast.Call(gast.Attribute(source, "items", gast.Load()), [], [])
            key, value = self.lowerer.fresh("key"), self.lowerer.fresh("value")
            pair = gast.Tuple([name(key, True), name(value, True)], gast.Store())
            item = gast.Assign([gast.Subscript(name(made), name(key), gast.Store())], name(value), None)
            self.pre.append(gast.For(pair, source, [item], [], None))
        return name(made)


def _is_call_to_builtin(lowerer, node, func):
    return (
        isinstance(node, gast.Call)
        and isinstance(node.func, gast.Name)
        and node.func.id == func
        and lowerer.is_builtin(func)
    )


def _is_get(node):
    """`d.get(k)` / `d.get(k, default)` with d a name and k a name or a literal."""
    return (
        isinstance(node.func, gast.Attribute)
        and node.func.attr == "get"
        and isinstance(node.func.value, gast.Name)
        and 1 <= len(node.args) <= 2
        and not node.keywords
        and isinstance(node.args[0], (gast.Name, gast.Constant))
    )


def _read_before(root, walrus, target):
    """Does `root` read `target` before the assignment expression `walrus` (in source order)?"""
    at = (walrus.lineno, walrus.col_offset)
    return any(
        isinstance(n, gast.Name)
        and n.id == target
        and isinstance(n.ctx, gast.Load)
        and (getattr(n, "lineno", 0) or 0, getattr(n, "col_offset", 0) or 0) < at
        for n in gast.walk(root)
    )


def _reread(node):
    return copy.deepcopy(node)


def _accumulate(total, item):
    return gast.Assign([name(total, True)], gast.BinOp(name(total), gast.Add(), item), None)


def _starred(node):
    parts = node.elts if isinstance(node, (gast.List, gast.Tuple)) else node.args
    return any(isinstance(p, gast.Starred) for p in parts)


def is_builtin_name(parsed, local_names, func):
    """Does `func` in this function's body name the builtin of that name?"""
    return func not in local_names and parsed.resolve(func) is getattr(builtins, func, None)
