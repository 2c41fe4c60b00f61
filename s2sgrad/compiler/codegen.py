"""Code generation: IR atoms and equations -> gast, and gast -> source text.

`Emitter` spells IR values with the names `naming.Names` chose and turns a
primal `Eqn` back into the statement the user wrote. `to_source` unparses
with the standard library (`ast.unparse`) and turns comment markers into
real comments.
"""

import ast
import copy
import re

import gast

from . import ir
from ..rules.sym import to_node

_COMMENT = "__s2sgrad_comment_"


def name(id_, store=False):
    return gast.Name(id_, gast.Store() if store else gast.Load(), None, None)


def assign(target, value):
    if isinstance(target, str):
        target = name(target, True)
    return gast.Assign([target], value, None)


def assign_many(targets, values):
    """`a, b = x, y` (parallel), or a plain assignment for one pair."""
    if len(targets) == 1:
        return assign(targets[0], values[0])
    return gast.Assign(
        [gast.Tuple([name(t, True) for t in targets], gast.Store())], gast.Tuple(list(values), gast.Load()), None
    )


def plus(a, b):
    """`a + b`, written `a - c` when b is `-c`."""
    if isinstance(b, gast.UnaryOp) and isinstance(b.op, gast.USub):
        return gast.BinOp(a, gast.Sub(), b.operand)
    return gast.BinOp(a, gast.Add(), b)


def call(func, args, keywords=()):
    func = dotted(func) if isinstance(func, str) else func
    return gast.Call(func, list(args), [gast.keyword(k, v) for k, v in keywords])


def dotted(path):
    node = None
    for part in path.split("."):
        node = name(part) if node is None else gast.Attribute(node, part, gast.Load())
    return node


def appended_to(stmt):
    """The name of the list `name.append(item)` (a statement) appends to, else None."""
    if (
        isinstance(stmt, gast.Expr)
        and isinstance(stmt.value, gast.Call)
        and isinstance(stmt.value.func, gast.Attribute)
        and stmt.value.func.attr == "append"
        and isinstance(stmt.value.func.value, gast.Name)
    ):
        return stmt.value.func.value.id
    return None


def comment(text):
    """A statement that prints as `# text`."""
    return gast.Expr(name(_COMMENT + _encode(text)))


def is_comment(stmt):
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Name) and stmt.value.id.startswith(_COMMENT)


def is_line_comment(stmt):
    """A `# line N: ...` comment over an adjoint block."""
    return is_comment(stmt) and stmt.value.id.startswith(_COMMENT + _encode("line "))


def _encode(text):
    return text.encode("utf-8").hex()


def to_source(funcdefs, header=""):
    # (ast.unparse needs no line numbers: no fix_missing_locations)
    text = ast.unparse(_to_ast(gast.Module(list(funcdefs), [])))
    text = re.sub(rf"{_COMMENT}([0-9a-f]*)", lambda m: "# " + bytes.fromhex(m.group(1)).decode("utf-8"), text)
    return header + text + "\n"


def line_origins(funcdefs, text):
    """{line of `text`: the user's Loc} for the statements `Emitter.statement` tagged:
    forward sweeps carry no `# line N:` comments, so a run-time error there is placed
    by this table (made only when an error needs it: it parses the text again)."""
    found = {}

    def pair(made, parsed):
        made = [m for m in made if not is_comment(m)]
        if len(made) != len(parsed):
            return
        for m, p in zip(made, parsed):
            for field in ("body", "orelse"):
                if isinstance(getattr(m, field, None), list) and isinstance(getattr(p, field, None), list):
                    pair(getattr(m, field), getattr(p, field))
            loc = getattr(m, "s2sgrad_loc", None)
            if loc is not None:
                for k in range(p.lineno, (p.end_lineno or p.lineno) + 1):
                    found.setdefault(k, loc)

    pair(list(funcdefs), ast.parse(text).body)
    return found


def _to_ast(node):
    """The standard-library tree of a gast tree, for `ast.unparse`. gast's own
    converter visits every node through generic dispatch and copies locations;
    the generated code has none, and gast nodes differ from `ast`'s only in the
    fields `ast` lacks (dropped here) and in the few kinds left to gast."""
    if isinstance(node, list):
        return [_to_ast(n) for n in node]
    if not isinstance(node, gast.AST):
        return node
    kind = type(node).__name__
    if kind in _LEFT_TO_GAST:
        return gast.gast_to_ast(node)
    cls = getattr(ast, kind)
    new = cls(*[_to_ast(getattr(node, f, None)) for f in cls._fields])
    if "type_comment" in cls._fields:
        new.lineno = 0  # ast.unparse looks up type-ignore comments by line
    return new


# gast spells these differently (a parameter is a Name, not an `ast.arg`)
_LEFT_TO_GAST = {"arguments", "ExceptHandler"}


# The transformers Emitter runs, defined once (making a class per call was a
# measurable part of the compile time).


class _FixRoots(gast.NodeTransformer):
    def __init__(self, spell):
        self.spell = spell

    def visit_Attribute(self, n):
        if isinstance(n.value, gast.Name) and n.value.id == ".rt":
            return name(self.spell(".rt." + n.attr))
        self.generic_visit(n)
        return n

    def visit_Name(self, n):
        if n.id.startswith(".") and not n.id[1:].isdigit():
            n.id = self.spell(n.id)
        return n


class _SliceCalls(gast.NodeTransformer):
    def visit_Slice(self, node):
        self.generic_visit(node)
        parts = [p if p is not None else gast.Constant(None, None) for p in (node.lower, node.upper, node.step)]
        if isinstance(parts[2], gast.Constant) and parts[2].value is None:
            parts.pop()  # slice(a, b); slice(a) would mean slice(None, a)
        return call("slice", parts)


class _Fill(gast.NodeTransformer):
    def __init__(self, nodes):
        self.nodes = nodes

    def visit_Name(self, node):
        if node.id.startswith(".") and node.id[1:].isdigit():
            return copy.deepcopy(self.nodes[int(node.id[1:]) - 1])
        return node


class Emitter:
    """Spells atoms and primal equations in the generated code."""

    def __init__(self, names, spell_root):
        self.names = names
        self.spell_root = spell_root  # '.np' / '.math' / '.rt.NAME' -> real names

    def atom(self, a):
        if a is ir.UNDEFINED:
            return gast.Constant(None, None)
        if isinstance(a, ir.Var):
            return name(self.names.var(a))
        if isinstance(a, ir.Global):
            if a.foreign:
                root, _, rest = a.path.partition(".")
                bound = self.spell_root.bind(root, a.root)
                return dotted(bound + ("." + rest if rest else ""))
            return dotted(a.path)
        return to_node(a.value)

    def fix_roots(self, node):
        """Replace the rule vocabulary's placeholder roots (.np, .math, .rt.NAME) with real names."""
        return _FixRoots(self.spell_root).visit(node)

    def expr(self, eqn, args=None):
        """The primal expression of an equation, as the user would write it (or with
        `args`, already spelled, in place of its arguments)."""
        args = [self.atom(a) for a in eqn.args] if args is None else args
        keywords = [(k, self.atom(v)) for k, v in eqn.kwargs.items()]
        kind = eqn.kind
        if kind == "call":
            return call(self.atom(eqn.payload), args, keywords)
        if kind == "method":
            return call(gast.Attribute(args[0], eqn.payload, gast.Load()), args[1:], keywords)
        if kind == "attr":
            return gast.Attribute(args[0], eqn.prim[1], gast.Load())
        if kind == "binop":
            return gast.BinOp(args[0], eqn.payload(), args[1])
        if kind == "unop":
            return gast.UnaryOp(eqn.payload(), args[0])
        if kind == "getitem":
            return gast.Subscript(args[0], self.index(eqn), gast.Load())
        if kind == "build":
            if eqn.payload == "dict":
                return gast.Dict(args[0::2], args[1::2])
            node = gast.Tuple if eqn.payload == "tuple" else gast.List
            return node(args, gast.Load())
        if kind in ("opaque", "effect"):
            # (a template may call a runtime helper: `.rt.holds_array(.1)`, compiler/calls.py)
            return self.fix_roots(self.fill(eqn.payload, args))
        raise AssertionError(kind)

    def index(self, eqn):
        first = 2 if eqn.kind in ("setitem", "add_at") else 1  # x[index] / x[index] = value
        return self.fill(eqn.payload, [self.atom(a) for a in eqn.args[first:]])

    def index_value(self, eqn):
        """The index of a subscript as a value (`slice(1, 3)` for `1:3`), to pass to a helper."""
        return _SliceCalls().visit(self.index(eqn))

    @staticmethod
    def fill(template, nodes):
        """Copy a template, putting `nodes[i]` where the placeholder `.{i+1}` stands."""
        return _Fill(nodes).visit(copy.deepcopy(template))

    def statement(self, eqn):
        """The primal statement of an equation, tagged with the user's line it comes
        from (see `line_origins`)."""
        stmt = self._statement(eqn)
        stmt.s2sgrad_loc = eqn.loc
        return stmt

    def _statement(self, eqn):
        if eqn.kind == "effect":
            stmt = self.fix_roots(self.expr(eqn))
            return stmt if isinstance(stmt, gast.stmt) else gast.Expr(stmt)
        if eqn.kind == "setitem":
            target = gast.Subscript(self.atom(eqn.args[0]), self.index(eqn), gast.Store())
            return assign(target, self.atom(eqn.args[1]))
        if eqn.kind == "add_at":
            helper = self.fix_roots(gast.Name(".rt.add_at", gast.Load(), None, None))
            return gast.Expr(call(helper, [self.atom(eqn.args[0]), self.atom(eqn.args[2]), self.atom(eqn.args[1])]))
        if eqn.kind == "append":
            method = gast.Attribute(self.atom(eqn.args[0]), "append", gast.Load())
            return gast.Expr(call(method, [self.atom(eqn.args[1])]))
        if eqn.kind == "unpack":
            targets = gast.Tuple([name(self.names.var(o), True) for o in eqn.outs], gast.Store())
            return gast.Assign([targets], self.atom(eqn.args[0]), None)
        return assign(self.names.var(eqn.outs[0]), self.expr(eqn))


def walk(node):
    """Every node under `node` (itself included), in `gast.walk`'s breadth-first
    order, as a list. The clean-up passes walk the generated code many times;
    reading the fields directly, and only those that can hold nodes, is about
    twice as fast as `gast.walk`."""
    found = [node]
    for node in found:  # (the list grows while we iterate it)
        for field in _FIELDS[type(node)]:
            child = getattr(node, field, None)
            if type(child) is list:
                found += [c for c in child if isinstance(c, gast.AST)]
            elif isinstance(child, gast.AST):
                found.append(child)
    return found


# fields that never hold a node (a name, a literal, a type comment), by node kind
_SCALAR_FIELDS = {
    "Name": {"id", "type_comment"},
    "Attribute": {"attr"},
    "Constant": {"value", "kind"},
    "FunctionDef": {"name", "type_comment"},
    "keyword": {"arg"},
    "Assign": {"type_comment"},
    "For": {"type_comment"},
}


class _NodeFields(dict):
    """node class -> the fields `walk` reads, found on first use."""

    def __missing__(self, cls):
        skip = _SCALAR_FIELDS.get(cls.__name__, ())
        fields = self[cls] = tuple(f for f in cls._fields if f not in skip)
        return fields


_FIELDS = _NodeFields()


def stored_names(stmts):
    """Names that `stmts` assign (as a whole: not an item or attribute of theirs)."""
    return {n.id for st in stmts for n in walk(st) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


def free_names(stmts):
    """Names that `stmts` read before assigning them (on some path)."""
    free = set()

    def expr(node, bound):
        for sub in walk(node):
            if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Load) and sub.id not in bound:
                free.add(sub.id)

    def stores(target):
        return {n.id for n in walk(target) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}

    def block(stmts, bound):
        bound = set(bound)
        for s in stmts:
            if isinstance(s, gast.Assign):
                expr(s.value, bound)
                for t in s.targets:
                    if not isinstance(t, (gast.Name, gast.Tuple, gast.List)):
                        expr(t, bound)
                    bound |= stores(t)
            elif isinstance(s, gast.If):
                expr(s.test, bound)
                bound = block(s.body, bound) & block(s.orelse, bound)
            elif isinstance(s, gast.For):
                expr(s.iter, bound)
                block(s.body, bound | stores(s.target))
            elif isinstance(s, gast.While):
                expr(s.test, bound)
                block(s.body, bound)
            elif isinstance(s, gast.FunctionDef):
                params = {a.id for a in s.args.args}
                inner = free_names(s.body) - params
                free.update(inner - bound)
                bound = bound | {s.name}
            else:
                expr(s, bound)
        return bound

    block(stmts, set())
    return free
