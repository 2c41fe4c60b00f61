"""SSA construction of expressions (mixed into `ssa._Builder`): flattened to one
operation per `Eqn` (A-normal form); module-level data read into a local where it
is used; an expression kept as written (`opaque`) takes its free names as args."""

import copy
import dataclasses
import operator
import types

import numpy as np

import gast

from . import ir, starred
from .local_functions import local_function
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

_DATA = (int, float, complex, np.ndarray, np.generic, list, tuple, dict)


class ExpressionBuilding:
    """Expressions of the SSA builder (`eqn`, `call`, `branch` are its)."""

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
                if self.passes_local_function(node.operand, env):  # `not (a and apply(lambda u: ..., v) > 0)`
                    held = f".negated{id(node)}"
                    env = dict(env, **{held: self.expr(node.operand, env, test=True)})
                    node = gast.copy_location(gast.UnaryOp(gast.Not(), gast.Name(held, gast.Load(), None, None)), node)
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
        if isinstance(node, gast.BoolOp) and (
            (not test and not _boolean(node)) or self.passes_local_function(node, env)
        ):
            # (a condition kept as written cannot hold a lambda: only an inlined call can take one)
            self.refuse_writing_calls(node, env)
            return self.select(node, env, hint)
        if isinstance(node, gast.Compare):
            node, env = self.inline_compared_calls(node, env)
        elif isinstance(node, gast.BoolOp):
            self.refuse_writing_calls(node, env)
        if isinstance(node, (gast.Compare, gast.BoolOp)):
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
            out = self.eqn(node, "getitem", [value] + atoms, "getitem", payload=index, hint=hint)
            if value in self.sequences and isinstance(node.slice, gast.Slice):
                self.sequences.add(out)  # a slice of a list is a list: `rows[1:] + rows[:1]` joins
            return out
        if isinstance(node, (gast.Tuple, gast.List)):
            elts = starred.literal_items(self, node, env)
            if isinstance(node, gast.Tuple) and all(isinstance(e, ir.Const) for e in elts):
                return ir.Const(tuple(e.value for e in elts))  # a literal such as an axes tuple
            kind = "tuple" if isinstance(node, gast.Tuple) else "list"
            return self.emit_build(node, elts, kind, hint)
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
            return self.emit_build(node, items, "dict", hint)
        return self.opaque(node, env, hint=hint)

    def inline_compared_calls(self, node, env):
        """`helper(v, lambda u: ...) <= c`: a call of the user's code compared is inlined (a
        lambda made here can only be passed to an inlined call); the comparison reads its value."""
        operands = [node.left] + node.comparators
        calls = [
            k for k, o in enumerate(operands) if self.calls_user_code(o, env) or self.passes_local_function(o, env)
        ]
        if not calls:
            return node, env
        values = {k: self.expr(operands[k], env) for k in calls}  # (its writes into arguments move env on)
        env, node = dict(env), copy.copy(node)
        for k, value in values.items():
            held = f".compared{id(operands[k])}"
            env[held] = value
            operands[k] = gast.copy_location(gast.Name(held, gast.Load(), None, None), operands[k])
        node.left, node.comparators = operands[0], operands[1:]
        return node, env

    def passes_local_function(self, node, env):
        """Whether `node` hands a lambda or a local def to a call (`apply(lambda u: ..., v)`
        inside a condition): kept as written, the call could not receive it."""
        for sub in gast.walk(node):
            if isinstance(sub, gast.Lambda):
                return True
            if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Load) and local_function(env.get(sub.id)):
                return True
        return False

    def refuse_writing_calls(self, node, env):
        """A condition `a and helper(u) > 0` runs as written (its operands may not all run),
        so a call of the user's code in it must not write into an argument: the derivative
        would not see the write. Each such call is inlined on the side to find out."""
        for sub in gast.walk(node):
            if not self.calls_user_code(sub, env):
                continue
            scratch = dict(env)
            self.in_block([], lambda: self.expr(sub, scratch))
            moved = [n for n, v in env.items() if scratch.get(n) is not v and not n.startswith(".")]
            if moved:
                raise self.parsed.error(
                    sub,
                    f"this call changes '{moved[0]}' in place inside an and/or condition, "
                    "where it may not run; the derivative cannot follow that",
                    "aliasing",
                    "call it in a statement of its own before the condition and compare its result",
                )

    def select(self, node, env, hint):
        """`a or b` / `a and b` on values, as Python does it: a if a is true (false for
        `and`), else b, evaluated only then; a branch on a's truth (derivatives flow to the
        operand it gives)."""
        first = self.expr(node.values[0], env)
        rest = (
            node.values[1] if len(node.values) == 2 else gast.copy_location(gast.BoolOp(node.op, node.values[1:]), node)
        )
        held, tmp = f".select{id(node)}", f".selected{id(node)}"
        keep = [gast.Assign([gast.Name(tmp, gast.Store(), None, None)], gast.Name(held, gast.Load(), None, None), None)]
        other = [gast.Assign([gast.Name(tmp, gast.Store(), None, None)], rest, None)]
        for st in keep + other:
            gast.copy_location(st, node)
        then, orelse = (keep, other) if isinstance(node.op, gast.Or) else (other, keep)
        out = self.branch(node, first, then, orelse, dict(env, **{held: first}))[tmp]
        if isinstance(out, ir.Var) and out.hint.startswith(".select"):
            out.hint = hint
        return out

    def sequence(self, node, literal, env, hint):
        """`[a, b] + [c]`, `[a] * 3`: one list (or tuple) of the items, each evaluated once."""
        kind, items = literal
        atoms = {}
        for item in items:
            if id(item) not in atoms:
                atoms[id(item)] = self.expr(item, env)
        payload = "tuple" if kind is gast.Tuple else "list"
        return self.emit_build(node, [atoms[id(i)] for i in items], payload, hint)

    def sequence_op(self, prim, left, right):
        """`a + b` and `a * n` on a list or tuple join and repeat it: their own primitives
        (the adjoint of each part is a part of the result's, not its broadcast sum)."""
        from .. import runtime

        def certain(atom):
            if isinstance(atom, ir.Const):
                return isinstance(atom.value, (list, tuple))
            return atom in self.sequences or self.kinds.get(atom) == "container"

        if (
            prim is operator.add
            and (certain(left) or certain(right))
            and not (self.numeric(left) or self.numeric(right))
        ):
            return runtime.seq_concat
        if prim is operator.mul and certain(left) and not self.numeric(right, counts=False):
            return runtime.seq_repeat
        if prim is operator.mul and certain(right) and not self.numeric(left, counts=False):
            return runtime.seq_repeat_r
        return prim

    def numeric(self, atom, counts=True):
        """Is atom certainly a number or an array (`W + np.exp(c)` with W a module list adds)?
        Without `counts`: a float or an array, never an int (`[0.0] * n` repeats)."""
        kinds = (int, float, np.ndarray, np.generic) if counts else (float, np.floating, np.ndarray)
        made = next((s for s in reversed(self.block) if isinstance(s, ir.Eqn) and atom in s.outs), None)
        if made is not None and made.kind == "opaque" and made.prim == "read":
            atom = made.args[0]  # a module constant
        if isinstance(atom, (ir.Const, ir.Global)):
            return isinstance(atom.value, kinds) and not isinstance(atom.value, bool)
        if not counts or made is None or made.kind != "call":
            return False
        module = getattr(made.prim, "__module__", None) or ""
        return module == "math" or module.startswith("numpy") or isinstance(made.prim, np.ufunc)

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
            self.fields_read.add(value)
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
        if getattr(node, "maybe_unbound", False) and node.id in self.locals:
            return ir.UNDEFINED  # a name a try statement may assign, passed in (try_blocks.py)
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
        if value is self._missing():  # (frontend's marker for a name found nowhere)
            raise self.parsed.error(node, f"name '{node.id}' is not defined", "name")
        atom = self.global_atom(node.id, value, node.id, value)
        home = self.parsed.home(node.id)
        return dataclasses.replace(atom, home=home) if home is not None else atom

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
                # (a module name stays as written; one bound to another name, `self` of an
                # inlined method called on a module-level object, is spelled by its path)
                if not isinstance(atom, ir.Global) or atom.foreign or atom.path != sub.id:
                    atoms.append(atom)
                    sub.id = f".{len(atoms)}"
        if effect:
            self.emit(ir.Eqn([], "effect", atoms, {}, self.parsed.loc(node), "effect", template))
            return None
        return self.eqn(node, "opaque", atoms, "opaque", payload=template, hint=hint, boolean=boolean)


def _boolean(node):
    """An expression whose value is certainly a bool (so `and`/`or` select no number)."""
    if isinstance(node, gast.BoolOp):
        return all(_boolean(v) for v in node.values)
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.Not):
        return True
    return isinstance(node, gast.Compare) or (isinstance(node, gast.Constant) and isinstance(node.value, bool))
