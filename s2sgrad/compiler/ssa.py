"""SSA construction: a lowered gast function -> `ir.Graph`.

Expressions are flattened to one operation per `Eqn` (A-normal form) while an
environment maps each user name to its current SSA value. Branches join their
environments with phis (`If.outs`); loops carry every name that the body
assigns and that is defined before the loop. Calls are resolved to Python
objects (`calls.py`) and in-place effects checked (`effects.py`) by the same
builder, so that later passes look rules up by identity.
"""

import copy
import operator
import types

import numpy as np

import gast

from . import ir, progress
from .calls import Calls
from .codegen import walk
from .effects import InPlaceEffects, guard_not_view
from .nodes import literal_sequence

BINOPS = {
    gast.Add: operator.add,
    gast.Sub: operator.sub,
    gast.Mult: operator.mul,
    gast.Div: operator.truediv,
    gast.FloorDiv: operator.floordiv,
    gast.Mod: operator.mod,
    gast.Pow: operator.pow,
    gast.MatMult: operator.matmul,
    gast.BitAnd: operator.and_,
    gast.BitOr: operator.or_,
    gast.BitXor: operator.xor,
    gast.LShift: operator.lshift,
    gast.RShift: operator.rshift,
}
UNOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Invert: operator.invert}

_MISSING = object()
_DATA = (int, float, complex, np.ndarray, np.generic, list, tuple, dict)


def bound_names(stmts):
    """Names that statements bind (or `del`): Python's local variables."""
    return {
        sub.id
        for stmt in stmts
        for sub in walk(stmt)
        if isinstance(sub, gast.Name) and isinstance(sub.ctx, (gast.Store, gast.Del))
    }


def assigned_names(stmts):
    """Names that statements bind, or write into (`u[i] = v` makes a new version of u)."""
    names = set()
    for stmt in stmts:
        for sub in walk(stmt):
            if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Store):
                names.add(sub.id)
            elif (
                isinstance(sub, gast.Expr)
                and isinstance(sub.value, gast.Call)
                and isinstance(sub.value.func, gast.Attribute)
                and sub.value.func.attr == "append"
                and isinstance(sub.value.func.value, gast.Name)
            ):
                names.add(sub.value.func.value.id)  # lst.append(v): a new version of lst
            elif isinstance(sub, gast.Expr) and isinstance(sub.value, gast.Call):
                # a call for its effect may write into its array arguments (add_at, a helper)
                names.update(a.id for a in sub.value.args if isinstance(a, gast.Name))
            elif isinstance(sub, gast.Assign):
                for target in sub.targets:
                    while isinstance(target, gast.Subscript):
                        target = target.value
                    if isinstance(target, gast.Name):
                        names.add(target.id)
    return names


class _Builder(Calls, InPlaceEffects):
    def __init__(self, parsed, main=None, inlining=()):
        self.parsed = parsed
        self.locals = bound_names(parsed.node.body) | {a.id for a in parsed.node.args.args}
        self.block = None
        self.main = main or parsed  # the function being differentiated
        self.inlining = inlining  # helpers being inlined, outermost first
        self.passed = {}  # a helper's parameters bound to its caller's values
        self.immutable = set()  # parameters passed as Python / NumPy scalars
        self.frozen = {}  # Var -> (distribution Global, args, kwargs): `norm(mu, s)` (calls.py)
        self.kinds = {}  # the main function's parameters -> the kinds of their arguments
        self.sequences = set()  # Vars that certainly hold a list or tuple (`+` joins them)
        self.view_made = main.view_made if main is not None and hasattr(main, "view_made") else set()
        self.classes = {}  # Var -> its class, for parameters that are objects (see pipeline.split_kinds)

    # -- helpers ------------------------------------------------------------
    def emit(self, stmt):
        self.block.append(stmt)
        return stmt

    def eqn(self, node, prim, args, kind, kwargs=None, payload=None, hint=".t", boolean=False):
        from .aliasing import is_view

        self.refuse_function_value(node, list(args) + list((kwargs or {}).values()), "used as a value here")
        out = ir.Var(hint)
        made = ir.Eqn([out], prim, list(args), dict(kwargs or {}), self.parsed.loc(node), kind, payload, boolean)
        self.emit(made)
        if is_view(made):
            self.view_made.add(out)
        return out

    def in_block(self, block, build):
        """Run `build` with its equations emitted into `block`; return its result."""
        saved, self.block = self.block, block
        try:
            return build()
        finally:
            self.block = saved

    def sub_block(self, stmts, env):
        saved = self.block
        self.block = []
        env = self.statements(stmts, dict(env))
        block, self.block = self.block, saved
        return block, env

    # -- statements ---------------------------------------------------------
    def statements(self, stmts, env):
        for stmt in stmts:
            env = self.statement(stmt, env)
        return env

    def statement(self, s, env):
        progress.at_node(self.parsed, s)
        if isinstance(s, gast.Assign):
            if (
                isinstance(s.value, (gast.Tuple, gast.List))
                and len(s.targets) == 1
                and isinstance(s.targets[0], gast.Tuple)
                and len(s.targets[0].elts) == len(s.value.elts)
            ):
                values = [self.expr(v, env, _hint(t)) for t, v in zip(s.targets[0].elts, s.value.elts)]
                for t, v in zip(s.targets[0].elts, values):
                    self.bind(t, v, env, s)
                return env
            hint = _hint(s.targets[0]) if len(s.targets) == 1 else ".t"
            if getattr(s, "augmented", False) and isinstance(s.targets[0], gast.Name):
                self.check_augmented(s, env)
                current = env.get(s.targets[0].id)
                if current in self.view_made:
                    # `v op= y` on a view would change the array v views: allow it only for numbers
                    self.emit(
                        guard_not_view(
                            current,
                            f"{self.parsed.loc(s)}: '{s.targets[0].id}' is a view of "
                            "another array, and an augmented assignment would change that array "
                            f"in place; write {s.targets[0].id} = {s.targets[0].id} ... instead",
                            self.parsed.loc(s),
                        )
                    )
            value = self.expr(s.value, env, hint)
            if getattr(s, "augmented", False) and isinstance(s.targets[0], gast.Name):
                self.mark_overwrite(env.get(s.targets[0].id), value)
            for target in s.targets:
                self.bind(target, value, env, s)
            return env
        if isinstance(s, (gast.Expr, gast.Raise, gast.Assert)):
            if isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant):
                return env  # a docstring
            if isinstance(s, gast.Expr) and self.mutating_call(s.value, env):
                return env
            if isinstance(s, gast.Expr) and self.calls_user_code(s.value, env):
                self.expr(s.value, env)  # a helper called for its effect: inline it
                return env
            self.opaque(s, env, effect=True)
            return env
        if isinstance(s, gast.If):
            cond = self.expr(s.test, env, ".cond", test=True)
            return self.branch(s, cond, s.body, s.orelse, env)
        if isinstance(s, gast.For):
            return self.for_loop(s, env)
        if isinstance(s, gast.While):
            return self.while_loop(s, env)
        if isinstance(s, gast.Pass):
            return env
        if isinstance(s, gast.FunctionDef):
            return self.define(s, env)
        if isinstance(s, gast.Delete):
            # Python forgets the name: a later read on this path is an error here, as it would be there
            for target in s.targets:
                env[target.id] = ir.UNDEFINED
            return env
        raise self.parsed.error(s, f"'{type(s).__name__}' is not supported here", type(s).__name__)

    def bind(self, target, value, env, stmt):
        if isinstance(target, gast.Name):
            env[target.id] = value
            return
        if isinstance(target, (gast.Tuple, gast.List)):
            elts = self.tuple_items(value, len(target.elts))
            if elts is not None:
                # `a, b = helper(...)` of a helper returning `x, y`: no tuple is built and unpacked
                for t, v in zip(target.elts, elts):
                    self.bind(t, v, env, stmt)
                return
            outs = [ir.Var(_hint(t)) for t in target.elts]
            self.emit(ir.Eqn(outs, "unpack", [value], {}, self.parsed.loc(stmt), "unpack"))
            for t, v in zip(target.elts, outs):
                self.bind(t, v, env, stmt)
            return
        if isinstance(target, gast.Subscript):
            return self.setitem(target, value, env, stmt)
        raise self.parsed.error(stmt, f"cannot assign to {type(target).__name__}", "assignment")

    def tuple_items(self, value, count):
        """The items of `value` if it is a tuple of `count` items built just before
        in this block (a literal, or what an inlined helper returns); else None."""
        if not isinstance(value, ir.Var):
            return None
        for stmt in reversed(self.block[-64:]):
            if isinstance(stmt, ir.Eqn) and stmt.outs == [value]:
                if stmt.kind == "build" and stmt.payload == "tuple" and len(stmt.args) == count:
                    return list(stmt.args)
                return None
        return None

    def setitem(self, target, value, env, stmt):
        """`u[index] = value`: a new version of u's object; every name of it moves on."""
        base = target.value
        if not isinstance(base, gast.Name):
            raise self.parsed.error(
                stmt,
                "only a named array can be assigned into",
                "subscript assignment",
                "write x[i, j] = v instead of x[i][j] = v",
            )
        old = self.name(base, env)
        if not isinstance(old, ir.Var):
            raise self.parsed.error(
                stmt,
                f"cannot assign into '{base.id}', which is not a local array "
                "(changes to module-level state cannot be followed)",
                "subscript assignment",
                f"pass '{base.id}' in as an argument and return the new value, "
                f"or work on a local copy: {base.id}_local = {base.id}.copy()",
            )
        index, atoms = self.index_template(target.slice, env)
        new = ir.Var(ir.hint_name(base.id))
        self.emit(ir.Eqn([new], "setitem", [old, value] + atoms, {}, self.parsed.loc(stmt), "setitem", index))
        for name_, v in list(env.items()):
            if v is old:
                env[name_] = new

    def branch(self, node, cond, then_stmts, else_stmts, env):
        then, env1 = self.sub_block(then_stmts, env)
        orelse, env2 = self.sub_block(else_stmts, env)
        # A name set on one path only is undefined on the other (Python raises
        # there only if it is read, so it can only flow into this phi).
        both = list(env1) + [n for n in env2 if n not in env1]
        names = [n for n in both if env1.get(n, ir.UNDEFINED) is not env2.get(n, ir.UNDEFINED)]
        # (a function defined in a branch is known only in it: functions are not values here)
        names = [n for n in names if not (_defines_function(env1, n) or _defines_function(env2, n))]
        # Names that hold one value on each path hold one object after the branch: they
        # share a phi, so a later write through one of them moves them all on.
        phis = {}  # (id, id) -> (then value, else value, names): values by identity
        for n in names:
            pair = (env1.get(n, ir.UNDEFINED), env2.get(n, ir.UNDEFINED))
            phis.setdefault((id(pair[0]), id(pair[1])), pair + ([],))[2].append(n)
        phis = list(phis.values())
        outs = [ir.Var(ir.hint_name(group[0])) for _, _, group in phis]
        self.emit(
            ir.If(
                cond,
                then,
                orelse,
                outs,
                [a for a, _, _ in phis],
                [b for _, b, _ in phis],
                self.parsed.loc(node),
            )
        )
        merged = {n: v for n, v in env1.items() if n in env2 and env2[n] is v}
        for out, (_, _, group) in zip(outs, phis):
            merged.update(dict.fromkeys(group, out))
        return merged

    def carried_names(self, body, env):
        """Names the body assigns; those not defined before the loop start undefined."""
        names = sorted(n for n in assigned_names(body) if n in env or n in self.locals)
        for n in names:
            env.setdefault(n, ir.UNDEFINED)
        return names

    def loop_exit(self, body):
        """Split `if <flag>: break` off the end of a lowered loop body."""
        if body and isinstance(body[-1], gast.If) and isinstance(body[-1].body[0], gast.Break):
            return body[:-1], body[-1].test
        return body, None

    def for_loop(self, s, env):
        call = s.iter
        if call.keywords or not 1 <= len(call.args) <= 3:
            raise self.parsed.error(s, "range() takes 1 to 3 positional arguments here", "for")
        bounds = [self.expr(a, env, ".n") for a in call.args]
        body, exit_test = self.loop_exit(s.body)
        names = self.carried_names(body + [s.target], env)
        # an index bound before the loop is carried: with no trips Python keeps its value
        keeps = env.get(s.target.id, ir.UNDEFINED) is not ir.UNDEFINED and not s.target.id.startswith(".")
        names = [n for n in names if n != s.target.id or keeps]
        carried = [ir.Var(ir.hint_name(n)) for n in names]
        index = ir.Var(ir.hint_name(s.target.id))
        inner = dict(env, **dict(zip(names, carried)))
        inner[s.target.id] = index
        block, inner = self.sub_block(body, inner)
        exit_atom = (
            self.in_block(block, lambda: self.expr(exit_test, inner, ".exit", test=True))
            if exit_test is not None
            else None
        )
        outs = [ir.Var(ir.hint_name(n)) for n in names]
        self.check_loop_aliases(s, names, [env[n] for n in names], carried, block, [inner[n] for n in names], env)
        snapshots = self.snapshots(s, env)
        self.emit(
            ir.For(
                index,
                bounds,
                carried,
                [env[n] for n in names],
                block,
                [inner[n] for n in names],
                outs,
                self.parsed.loc(s),
                exit_atom,
                snapshots,
            )
        )
        env = dict(env)
        env.update(zip(names, outs))
        if not s.target.id.startswith(".") and not keeps:
            env[s.target.id] = index  # Python keeps the last index after the loop
        return env

    def snapshots(self, s, env):
        """The snapshots atom of a loop the lowering marked for checkpointing, or None."""
        snapshots = getattr(s, "checkpoint", None)
        return self.expr(snapshots, env) if snapshots is not None else None

    def while_loop(self, s, env):
        body, exit_test = self.loop_exit(s.body)
        names = self.carried_names(body, env)
        carried = [ir.Var(ir.hint_name(n)) for n in names]
        inner = dict(env, **dict(zip(names, carried)))
        cond_block = []
        cond = self.in_block(cond_block, lambda: self.expr(s.test, inner, ".cond", test=True))
        block, inner = self.sub_block(body, inner)
        exit_atom = (
            self.in_block(block, lambda: self.expr(exit_test, inner, ".exit", test=True))
            if exit_test is not None
            else None
        )
        outs = [ir.Var(ir.hint_name(n)) for n in names]
        self.check_loop_aliases(s, names, [env[n] for n in names], carried, block, [inner[n] for n in names], env)
        snapshots = self.snapshots(s, env)
        self.emit(
            ir.While(
                carried,
                [env[n] for n in names],
                cond_block,
                cond,
                block,
                [inner[n] for n in names],
                outs,
                self.parsed.loc(s),
                exit_atom,
                snapshots,
            )
        )
        env = dict(env)
        env.update(zip(names, outs))
        return env

    # -- expressions --------------------------------------------------------
    def expr(self, node, env, hint=".t", test=False):
        if isinstance(node, gast.Name):
            return self.capture(node, self.name(node, env))
        if isinstance(node, gast.Constant):
            if isinstance(node.value, complex):
                raise self.parsed.error(
                    node,
                    "complex numbers cannot be differentiated (s2sgrad differentiates real functions)",
                    "complex",
                    "write the real and imaginary parts as two real arrays",
                )
            return ir.Const(node.value)
        if isinstance(node, gast.BinOp) and literal_sequence(node):
            return self.sequence(node, literal_sequence(node), env, hint)
        if isinstance(node, gast.BinOp):
            left = self.expr(node.left, env)
            right = self.expr(node.right, env)
            prim = self.sequence_op(BINOPS[type(node.op)], left, right)
            out = self.eqn(node, prim, [left, right], "binop", payload=type(node.op), hint=hint)
            if prim is not BINOPS[type(node.op)]:
                self.sequences.add(out)
            return out
        if isinstance(node, gast.UnaryOp):
            if isinstance(node.op, gast.Not):
                return self.opaque(node, env, hint=hint, boolean=True)
            operand = self.expr(node.operand, env)
            if isinstance(node.op, gast.UAdd):
                return operand
            if (
                isinstance(node.op, gast.USub)
                and isinstance(operand, ir.Const)
                and type(operand.value) in (int, float, complex)
            ):
                return ir.Const(-operand.value)  # a negative literal such as the -1 of u[1:-1]
            return self.eqn(node, UNOPS[type(node.op)], [operand], "unop", payload=type(node.op), hint=hint)
        if isinstance(node, (gast.Compare, gast.BoolOp)):
            if isinstance(node, gast.BoolOp) and not test and not _boolean(node):
                raise self.parsed.error(
                    node,
                    "'and'/'or' on values cannot be differentiated",
                    "and/or",
                    "use it only in conditions; for values write an if/else",
                )
            return self.opaque(node, env, hint=hint, boolean=True)
        if isinstance(node, gast.IfExp):
            cond = self.expr(node.test, env, ".cond", test=True)
            env2 = dict(env)
            tmp = f".ifexp{id(node)}"
            body = [gast.Assign([gast.Name(tmp, gast.Store(), None, None)], node.body, None)]
            orelse = [gast.Assign([gast.Name(tmp, gast.Store(), None, None)], node.orelse, None)]
            for st in body + orelse:
                gast.copy_location(st, node)
            merged = self.branch(node, cond, body, orelse, env2)
            out = merged[tmp]
            if isinstance(out, ir.Var) and out.hint.startswith(".ifexp"):
                out.hint = hint
            return out
        if isinstance(node, gast.Call):
            return self.call(node, env, hint)
        if isinstance(node, gast.Attribute):
            path = self.static_path(node, env)
            if path is not None:
                atom = self.global_atom(*path)
                return atom if isinstance(path[3], types.ModuleType) else self.capture(node, atom)
            value = self.expr(node.value, env)
            if value in self.classes:
                return self.field(node, value, env, hint)
            return self.eqn(node, ("attr", node.attr), [value], "attr", hint=hint)
        if isinstance(node, gast.Subscript):
            trick = self.index_trick(node, env, hint)
            if trick is not None:
                return trick
            value = self.expr(node.value, env)
            index, atoms = self.index_template(node.slice, env)
            return self.eqn(node, "getitem", [value] + atoms, "getitem", payload=index, hint=hint)
        if isinstance(node, (gast.Tuple, gast.List)):
            elts = [self.expr(e, env) for e in node.elts]
            if isinstance(node, gast.Tuple) and all(isinstance(e, ir.Const) for e in elts):
                return ir.Const(tuple(e.value for e in elts))  # a literal such as an axes tuple
            kind = "tuple" if isinstance(node, gast.Tuple) else "list"
            out = self.eqn(node, kind, elts, "build", payload=kind, hint=hint)
            self.sequences.add(out)
            return out
        if isinstance(node, gast.Dict):
            if any(k is None for k in node.keys):
                raise self.parsed.error(
                    node,
                    "'{**mapping}' cannot be differentiated",
                    "dict unpacking",
                    "copy it with dict(mapping), then assign the other keys",
                )
            # keys and values interleaved: dict('w', w, 'b', b)
            items = [self.expr(e, env) for pair in zip(node.keys, node.values) for e in pair]
            return self.eqn(node, "dict", items, "build", payload="dict", hint=hint)
        return self.opaque(node, env, hint=hint)

    def sequence(self, node, literal, env, hint):
        """`[a, b] + [c]`, `[a] * 3`: one list (or tuple) of the items, each evaluated once."""
        kind, items = literal
        atoms = {}
        for item in items:
            if id(item) not in atoms:
                atoms[id(item)] = self.expr(item, env)
        payload = "tuple" if kind is gast.Tuple else "list"
        out = self.eqn(node, payload, [atoms[id(i)] for i in items], "build", payload=payload, hint=hint)
        self.sequences.add(out)
        return out

    def sequence_op(self, prim, left, right):
        """`a + b` and `a * n` on a list or tuple join and repeat it: their own primitives
        (the adjoint of each part is a part of the result's, not its broadcast sum)."""
        from .. import runtime

        def certain(atom):
            if isinstance(atom, ir.Const):
                return isinstance(atom.value, (list, tuple))
            return atom in self.sequences or self.kinds.get(atom) == "container"

        if prim is operator.add and (certain(left) or certain(right)):
            return runtime.seq_concat
        if prim is operator.mul and certain(left):
            return runtime.seq_repeat
        if prim is operator.mul and certain(right):
            return runtime.seq_repeat_r
        return prim

    def field(self, node, value, env, hint):
        """`p.w` on a parameter whose class is known: a NamedTuple's field is an item of
        the tuple, a dataclass's (passed as the dict of its fields) an entry of the dict;
        a property is inlined; anything else is read from the object at run time."""
        base, cls = self.classes[value]
        found = getattr(cls, "__dict__", {}).get(node.attr) or next(
            (k.__dict__[node.attr] for k in cls.__mro__ if node.attr in k.__dict__), None
        )
        if isinstance(found, property) and found.fget is not None:
            return self.inline(node, found.fget, [value], {}, env)
        fields = getattr(cls, "_fields", None) if base == "container" else None
        if fields is not None and node.attr in fields:
            index = gast.Constant(fields.index(node.attr), None)
            return self.eqn(node, "getitem", [value], "getitem", payload=index, hint=hint)
        if base == "dict":
            names = self.field_names(cls)
            if names is not None and node.attr not in names:
                raise self.parsed.error(
                    node,
                    f"'{node.attr}' is not a field of {cls.__name__}, which is differentiated field by field",
                    "attribute",
                    "read only its fields inside the function, or pass the other value as an argument",
                )
            key = gast.Constant(node.attr, None)
            return self.eqn(node, "getitem", [value], "getitem", payload=key, hint=hint)
        return self.eqn(node, ("attr", node.attr), [value], "attr", hint=hint)

    @staticmethod
    def field_names(cls):
        from ..trees import field_names

        return field_names(cls)

    def name(self, node, env):
        if node.id in env and env[node.id] is not ir.UNDEFINED:
            return env[node.id]
        if node.id not in self.locals and self.enclosing is not None and self.enclosing.knows(node.id):
            return self.enclosing.name(node, self.enclosing.current_env or {})  # a closure's free name
        if node.id in self.locals:
            raise self.parsed.error(
                node,
                f"'{node.id}' may be used before it is assigned on this path",
                "name",
                f"give '{node.id}' a value before the branch or loop that sets it",
            )
        value = self.parsed.resolve(node.id)
        if value is _MISSING or value is self._missing():
            raise self.parsed.error(node, f"name '{node.id}' is not defined", "name")
        return self.global_atom(node.id, value, node.id, value)

    def capture(self, node, atom):
        """A module-level number or array is read into a local where it is used, so
        the reverse sweep sees the value it had then, even if something changes
        the global later (the local folds away when nothing else reads it)."""
        if isinstance(atom, ir.Global) and isinstance(atom.value, _DATA):
            read = self.eqn(
                node,
                "read",
                [atom],
                "opaque",
                payload=gast.Name(".1", gast.Load(), None, None),
                hint="." + atom.path.replace(".", "_"),
            )
            if isinstance(atom.value, (list, tuple)):
                self.sequences.add(read)
            return read
        return atom

    def index_template(self, node, env):
        """The index of a subscript with every computed part replaced by a placeholder."""
        atoms = []

        def visit(n):
            if isinstance(n, gast.Slice):
                return gast.Slice(*(visit(p) if p is not None else None for p in (n.lower, n.upper, n.step)))
            if isinstance(n, gast.Tuple):
                return gast.Tuple([visit(e) for e in n.elts], gast.Load())
            if isinstance(n, gast.Constant) or (
                isinstance(n, (gast.List, gast.Tuple)) and all(isinstance(e, gast.Constant) for e in n.elts)
            ):
                return n  # literal indices stay in the code as written
            atoms.append(self.expr(n, env))
            return gast.Name(f".{len(atoms)}", gast.Load(), None, None)

        return visit(node), atoms

    def opaque(self, node, env, hint=".t", boolean=False, effect=False):
        """Keep an expression or statement as it is written; its free names become args."""
        template = copy.deepcopy(node)
        atoms = []
        for sub in gast.walk(template):
            if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Load) and not sub.id.startswith(".rt."):
                atom = self.name(sub, env)  # undefined names fail here, at compile time
                self.refuse_function_value(node, [atom], "used as a value here")
                if not isinstance(atom, ir.Global) or atom.foreign:
                    atoms.append(atom)
                    sub.id = f".{len(atoms)}"
        if effect:
            self.emit(ir.Eqn([], "effect", atoms, {}, self.parsed.loc(node), "effect", template))
            return None
        return self.eqn(node, "opaque", atoms, "opaque", payload=template, hint=hint, boolean=boolean)


def _defines_function(env, name):
    from .local_functions import local_function

    return local_function(env.get(name)) is not None


def _boolean(node):
    """An expression whose value is certainly a bool (so `and`/`or` select no number)."""
    if isinstance(node, gast.BoolOp):
        return all(_boolean(v) for v in node.values)
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.Not):
        return True
    return isinstance(node, gast.Compare) or (isinstance(node, gast.Constant) and isinstance(node.value, bool))


def _hint(target):
    return ir.hint_name(target.id) if isinstance(target, gast.Name) else ".t"


def build(parsed, scalars=(), kinds=None, classes=None):
    """The SSA graph of a lowered function; `scalars` names the parameters passed
    as Python or NumPy scalars (immutable, so augmented assignments cannot alias);
    `kinds` maps parameter names to the kinds of their arguments (api._kind);
    `classes` the class of parameters that are objects, NamedTuples or dataclasses."""
    node = parsed.node
    builder = _Builder(parsed)
    params = [ir.Var(a.id) for a in node.args.args]
    builder.classes = {p: classes[p.hint] for p in params if (classes or {}).get(p.hint)}
    builder.immutable = {p for p in params if p.hint in scalars}
    builder.kinds = {p: kinds[p.hint] for p in params if kinds and p.hint in kinds}
    env = {a.id: p for a, p in zip(node.args.args, params)}
    builder.block = []
    ret = node.body[-1]
    env = builder.statements(node.body[:-1], env)
    result = builder.expr(ret.value, env, ".result")
    return ir.Graph(node.name, params, builder.block, result, parsed)


def split_aux(graph):
    """has_aux: the function returns (value, aux); the value is differentiated, aux is
    returned beside the derivative."""
    made = next((s for s in graph.body if isinstance(s, ir.Eqn) and graph.result in s.outs), None)
    if made is not None and made.kind == "build" and made.payload in ("tuple", "list") and len(made.args) == 2:
        graph.result, graph.aux = made.args
        return
    loc = made.loc if made is not None else None
    parts = [ir.Var(".value"), ir.Var(".aux")]
    graph.body.append(ir.Eqn(parts, "unpack", [graph.result], {}, loc, "unpack"))
    graph.result, graph.aux = parts
