"""SSA construction: a lowered gast function -> `ir.Graph`.

Expressions are flattened to one operation per `Eqn` (A-normal form) while an
environment maps each user name to its current SSA value. Branches join their
environments with phis (`If.outs`); loops carry every name that the body
assigns and that is defined before the loop. Calls are resolved to Python
objects here, so that later passes look rules up by identity.
"""
import copy
import inspect
import operator
import types

import numpy as np

import gast

from . import ir
from .codegen import walk
from ..errors import S2SGradError

BINOPS = {
    gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
    gast.Div: operator.truediv, gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
    gast.Pow: operator.pow, gast.MatMult: operator.matmul,
    gast.BitAnd: operator.and_, gast.BitOr: operator.or_, gast.BitXor: operator.xor,
    gast.LShift: operator.lshift, gast.RShift: operator.rshift,
}
UNOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Invert: operator.invert}

_MISSING = object()
_AUG = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.Pow: "**", gast.FloorDiv: "//",
        gast.Mod: "%", gast.MatMult: "@"}
_DATA = (int, float, complex, np.ndarray, np.generic, list, tuple, dict)
_MUTATING_METHODS = {"extend", "insert", "pop", "remove", "sort", "reverse", "clear", "update", "setdefault",
                     "popitem", "fill", "resize", "put", "itemset", "partition", "setfield", "byteswap"}
_MUTATING_FUNCTIONS = [np.copyto, np.put, np.place, np.putmask, np.fill_diagonal, np.random.shuffle,
                       np.put_along_axis]


def _passed_function(atom):
    """Is this a parameter bound to a function named at the call (`integrate(rhs, y0)`)?"""
    return isinstance(atom, ir.Global) and callable(atom.value)


def _is_ufunc_at(obj, ufunc=None):
    """`np.add.at` and the other ufuncs' unbuffered in-place `.at` (a new bound method each time)."""
    owner = getattr(obj, "__self__", None)
    return isinstance(owner, np.ufunc) and getattr(obj, "__name__", None) == "at" and ufunc in (None, owner)


def _spell(node):
    parts = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, gast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def bound_names(stmts):
    """Names that statements bind (or `del`): Python's local variables."""
    return {sub.id for stmt in stmts for sub in walk(stmt)
            if isinstance(sub, gast.Name) and isinstance(sub.ctx, (gast.Store, gast.Del))}


def assigned_names(stmts):
    """Names that statements bind, or write into (`u[i] = v` makes a new version of u)."""
    names = set()
    for stmt in stmts:
        for sub in walk(stmt):
            if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Store):
                names.add(sub.id)
            elif isinstance(sub, gast.Expr) and isinstance(sub.value, gast.Call) \
                    and isinstance(sub.value.func, gast.Attribute) and sub.value.func.attr == "append" \
                    and isinstance(sub.value.func.value, gast.Name):
                names.add(sub.value.func.value.id)          # lst.append(v): a new version of lst
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


class _Builder:
    def __init__(self, parsed, main=None, inlining=()):
        self.parsed = parsed
        self.locals = bound_names(parsed.node.body) | {a.id for a in parsed.node.args.args}
        self.block = None
        self.main = main or parsed          # the function being differentiated
        self.inlining = inlining            # helpers being inlined, outermost first
        self.passed = {}                    # a helper's parameters bound to its caller's values
        self.immutable = set()              # parameters passed as Python / NumPy scalars
        self.view_made = main.view_made if main is not None and hasattr(main, "view_made") else set()

    def global_atom(self, path, value, root_name, root):
        return ir.Global(path, value, root, self.is_foreign(root_name))

    def is_foreign(self, name):
        """Does `name` resolve differently in the generated function than here?"""
        if self.parsed is self.main:
            return False
        if name in self.parsed.closure:
            return True
        own = self.parsed.func.__globals__
        return name in own and (own is not self.main.func.__globals__)

    # -- helpers ------------------------------------------------------------
    def emit(self, stmt):
        self.block.append(stmt)
        return stmt

    def eqn(self, node, prim, args, kind, kwargs=None, payload=None, hint=".t", boolean=False):
        from .aliasing import is_view
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
        if isinstance(s, gast.Assign):
            if isinstance(s.value, (gast.Tuple, gast.List)) and len(s.targets) == 1 \
                    and isinstance(s.targets[0], gast.Tuple) and len(s.targets[0].elts) == len(s.value.elts):
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
                    self.emit(guard_not_view(current, f"{self.parsed.loc(s)}: '{s.targets[0].id}' is a view of "
                                             "another array, and an augmented assignment would change that array "
                                             f"in place; write {s.targets[0].id} = {s.targets[0].id} ... instead",
                                             self.parsed.loc(s)))
            value = self.expr(s.value, env, hint)
            for target in s.targets:
                self.bind(target, value, env, s)
            return env
        if isinstance(s, (gast.Expr, gast.Raise, gast.Assert)):
            if isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant):
                return env  # a docstring
            if isinstance(s, gast.Expr) and self.mutating_call(s.value, env):
                return env
            if isinstance(s, gast.Expr) and self.calls_user_code(s.value, env):
                self.expr(s.value, env)     # a helper called for its effect: inline it
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
        if isinstance(s, gast.Delete):
            # Python forgets the name: a later read on this path is an error here, as it would be there
            for target in s.targets:
                env[target.id] = ir.UNDEFINED
            return env
        raise self.parsed.error(s, f"'{type(s).__name__}' is not supported here", type(s).__name__)

    def calls_user_code(self, call, env):
        if not isinstance(call, gast.Call):
            return False
        self.refuse_out(call)
        from ..api import Derivative
        func = call.func
        try:
            if isinstance(func, gast.Name) and func.id not in env and func.id not in self.locals:
                obj = self.parsed.resolve(func.id)
            elif isinstance(func, gast.Name) and _passed_function(env.get(func.id)):
                obj = env[func.id].value
            elif isinstance(func, gast.Attribute):
                path = self.static_path(func, env)
                obj = path[1] if path else None
            else:
                return False
        except S2SGradError:
            return False
        return _is_user_function(obj) or isinstance(obj, Derivative)

    def mutating_call(self, call, env):
        """`lst.append(v)` becomes a new version of the list; other calls that change
        a local value in place cannot be followed and are refused. Returns True when
        the statement was handled."""
        if not isinstance(call, gast.Call):
            return False
        self.refuse_out(call)
        func = call.func
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                and (func.value.id in env or func.value.id in self.locals):
            owner = func.value.id
            if func.attr == "append" and len(call.args) == 1 and not call.keywords:
                old = self.name(func.value, env)
                value = self.expr(call.args[0], env)
                new = ir.Var(_hint_name(owner))
                self.emit(ir.Eqn([new], "append", [old, value], {}, self.parsed.loc(call), "append"))
                for name_, v in list(env.items()):
                    if v is old:
                        env[name_] = new
                return True
            if func.attr in _MUTATING_METHODS:
                raise self.parsed.error(call, f"'{owner}.{func.attr}(...)' changes '{owner}' in place, "
                                        "which cannot be differentiated", "in-place method",
                                        "build a new value instead (e.g. sorted(...), np.sort(...), x = x + ...)")
        elif isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                and (func.attr in _MUTATING_METHODS or func.attr == "append"):
            owner = func.value.id
            raise self.parsed.error(call, f"'{owner}.{func.attr}(...)' changes module-level state, which the "
                                    "derivative cannot follow", "module state",
                                    f"pass '{owner}' in as an argument and return the new value")
        if isinstance(func, (gast.Attribute, gast.Name)):
            path = self.static_path(func, env) if isinstance(func, gast.Attribute) else None
            obj = path[1] if path else (self.parsed.resolve(func.id) if isinstance(func, gast.Name) else None)
            from .. import runtime
            if (obj is runtime.add_at or _is_ufunc_at(obj, np.add)) and len(call.args) == 3 \
                    and isinstance(call.args[0], gast.Name) and (call.args[0].id in env or call.args[0].id in self.locals):
                # np.add.at(u, index, values) in user code, add_at(g, index, values) in generated
                # code: a new version of u (g)
                old = self.name(call.args[0], env)
                index = self.expr(call.args[1], env)
                values = self.expr(call.args[2], env)
                new = ir.Var(_hint_name(call.args[0].id))
                self.emit(ir.Eqn([new], "add_at", [old, values, index], {}, self.parsed.loc(call), "add_at",
                                 gast.Name(".1", gast.Load(), None, None)))
                for name_, v in list(env.items()):
                    if v is old:
                        env[name_] = new
                return True
            if obj is runtime.restore_part:
                raise self.parsed.error(call, "this derivative puts back an entry of a dict or list that the "
                                        "function overwrote, which cannot be differentiated again",
                                        "second order", "assign the new entries into a fresh dict, "
                                        "e.g. q = dict(p); q[k] = ...")
            if any(obj is f for f in _MUTATING_FUNCTIONS) or _is_ufunc_at(obj):
                hint = ("write a loop over the indices, e.g. out[i] = np.maximum(out[i], v[i]) (np.add.at "
                        "is supported)" if _is_ufunc_at(obj) else "write the assignment out, e.g. x[index] = values")
                raise self.parsed.error(call, f"'{_spell(func)}' writes into its "
                                        "argument in place, which cannot be differentiated", "in-place function",
                                        hint)
        return False

    def refuse_out(self, call):
        """`np.exp(x, out=buf)` writes into buf behind the SSA's back: the derivative would read a
        stale buf (or none), so it is refused rather than silently wrong."""
        for k in call.keywords:
            if k.arg == "out" and not (isinstance(k.value, gast.Constant) and k.value.value is None):
                target = k.value.id if isinstance(k.value, gast.Name) else "result"
                raise self.parsed.error(call, f"'{_spell(call.func)}(..., out=...)' writes its result into "
                                        "an existing array in place, which cannot be differentiated",
                                        "out= argument", f"assign the result instead: {target} = "
                                        f"{_spell(call.func)}(...) without out=")

    def check_augmented(self, s, env):
        """`x += y` on an array changes it in place; we rebind x, so no other name may share it."""
        target = s.targets[0].id
        current = env.get(target)
        if isinstance(current, ir.Var) and current in self.immutable:
            return      # a float is never changed in place: `y = a; y += b` rebinds y only
        if isinstance(current, ir.Var) and self.passed.get(target) is current:
            raise self.parsed.error(s, f"'{target} {_AUG.get(type(s.value.op), 'op')}= ...' would change the "
                                    f"caller's array in place", "aliasing",
                                    f"write {target} = {target} ... (a new array) and return it")
        others = [m for m, v in env.items() if v is current and m != target and not m.startswith(".")]
        if isinstance(current, ir.Var) and others:
            raise self.parsed.error(s, f"'{target}' and '{others[0]}' name the same value; an augmented "
                                    f"assignment to '{target}' would change both", "aliasing",
                                    f"write {target} = {target} + ... (a new value) or copy first")

    def bind(self, target, value, env, stmt):
        if isinstance(target, gast.Name):
            env[target.id] = value
            return
        if isinstance(target, (gast.Tuple, gast.List)):
            outs = [ir.Var(_hint(t)) for t in target.elts]
            self.emit(ir.Eqn(outs, "unpack", [value], {}, self.parsed.loc(stmt), "unpack"))
            for t, v in zip(target.elts, outs):
                self.bind(t, v, env, stmt)
            return
        if isinstance(target, gast.Subscript):
            return self.setitem(target, value, env, stmt)
        raise self.parsed.error(stmt, f"cannot assign to {type(target).__name__}", "assignment")

    def setitem(self, target, value, env, stmt):
        """`u[index] = value`: a new version of u's object; every name of it moves on."""
        base = target.value
        if not isinstance(base, gast.Name):
            raise self.parsed.error(stmt, "only a named array can be assigned into",
                                    "subscript assignment", "write x[i, j] = v instead of x[i][j] = v")
        old = self.name(base, env)
        if not isinstance(old, ir.Var):
            raise self.parsed.error(stmt, f"cannot assign into '{base.id}', which is not a local array "
                                    "(changes to module-level state cannot be followed)", "subscript assignment",
                                    f"pass '{base.id}' in as an argument and return the new value, "
                                    f"or work on a local copy: {base.id}_local = {base.id}.copy()")
        index, atoms = self.index_template(target.slice, env)
        new = ir.Var(_hint_name(base.id))
        self.emit(ir.Eqn([new], "setitem", [old, value] + atoms, {}, self.parsed.loc(stmt), "setitem", index))
        for name_, v in list(env.items()):
            if v is old:
                env[name_] = new

    def check_loop_aliases(self, node, names, inits, carried, block, body_outs, env):
        """A loop that writes into an array in place must not leave another name
        of the same array behind (that name would change too)."""
        for n, init, c, out in zip(names, inits, carried, body_outs):
            if not isinstance(init, ir.Var) or not _same_object(block, c, out):
                continue
            others = [m for m, v in env.items() if v is init and m != n and not m.startswith(".")]
            if others:
                raise self.parsed.error(node, f"this loop writes into '{n}' in place, which also changes "
                                        f"'{others[0]}' (the same array)", "aliasing",
                                        f"make a separate copy: {n} = {others[0]}.copy()")

    def branch(self, node, cond, then_stmts, else_stmts, env):
        then, env1 = self.sub_block(then_stmts, env)
        orelse, env2 = self.sub_block(else_stmts, env)
        # A name set on one path only is undefined on the other (Python raises
        # there only if it is read, so it can only flow into this phi).
        both = list(env1) + [n for n in env2 if n not in env1]
        names = [n for n in both if env1.get(n, ir.UNDEFINED) is not env2.get(n, ir.UNDEFINED)]
        outs = [ir.Var(_hint_name(n)) for n in names]
        self.emit(ir.If(cond, then, orelse, outs, [env1.get(n, ir.UNDEFINED) for n in names],
                        [env2.get(n, ir.UNDEFINED) for n in names], self.parsed.loc(node)))
        merged = {n: v for n, v in env1.items() if n in env2 and env2[n] is v}
        merged.update(zip(names, outs))
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
        carried = [ir.Var(_hint_name(n)) for n in names]
        index = ir.Var(_hint_name(s.target.id))
        inner = dict(env, **dict(zip(names, carried)))
        inner[s.target.id] = index
        block, inner = self.sub_block(body, inner)
        exit_atom = self.in_block(block, lambda: self.expr(exit_test, inner, ".exit", test=True)) \
            if exit_test is not None else None
        outs = [ir.Var(_hint_name(n)) for n in names]
        self.check_loop_aliases(s, names, [env[n] for n in names], carried, block,
                                [inner[n] for n in names], env)
        snapshots = self.snapshots(s, env)
        self.emit(ir.For(index, bounds, carried, [env[n] for n in names], block,
                         [inner[n] for n in names], outs, self.parsed.loc(s), exit_atom, snapshots))
        env = dict(env)
        env.update(zip(names, outs))
        if not s.target.id.startswith(".") and not keeps:
            env[s.target.id] = index   # Python keeps the last index after the loop
        return env

    def snapshots(self, s, env):
        """The snapshots atom of a loop the lowering marked for checkpointing, or None."""
        snapshots = getattr(s, "checkpoint", None)
        return self.expr(snapshots, env) if snapshots is not None else None

    def while_loop(self, s, env):
        body, exit_test = self.loop_exit(s.body)
        names = self.carried_names(body, env)
        carried = [ir.Var(_hint_name(n)) for n in names]
        inner = dict(env, **dict(zip(names, carried)))
        cond_block = []
        cond = self.in_block(cond_block, lambda: self.expr(s.test, inner, ".cond", test=True))
        block, inner = self.sub_block(body, inner)
        exit_atom = self.in_block(block, lambda: self.expr(exit_test, inner, ".exit", test=True)) \
            if exit_test is not None else None
        outs = [ir.Var(_hint_name(n)) for n in names]
        self.check_loop_aliases(s, names, [env[n] for n in names], carried, block,
                                [inner[n] for n in names], env)
        snapshots = self.snapshots(s, env)
        self.emit(ir.While(carried, [env[n] for n in names], cond_block, cond, block,
                           [inner[n] for n in names], outs, self.parsed.loc(s), exit_atom, snapshots))
        env = dict(env)
        env.update(zip(names, outs))
        return env

    # -- expressions --------------------------------------------------------
    def expr(self, node, env, hint=".t", test=False):
        if isinstance(node, gast.Name):
            return self.capture(node, self.name(node, env))
        if isinstance(node, gast.Constant):
            return ir.Const(node.value)
        if isinstance(node, gast.BinOp):
            left = self.expr(node.left, env)
            right = self.expr(node.right, env)
            prim = BINOPS[type(node.op)]
            return self.eqn(node, prim, [left, right], "binop", payload=type(node.op), hint=hint)
        if isinstance(node, gast.UnaryOp):
            if isinstance(node.op, gast.Not):
                return self.opaque(node, env, hint=hint, boolean=True)
            operand = self.expr(node.operand, env)
            if isinstance(node.op, gast.UAdd):
                return operand
            if isinstance(node.op, gast.USub) and isinstance(operand, ir.Const) \
                    and type(operand.value) in (int, float, complex):
                return ir.Const(-operand.value)     # a negative literal such as the -1 of u[1:-1]
            return self.eqn(node, UNOPS[type(node.op)], [operand], "unop", payload=type(node.op), hint=hint)
        if isinstance(node, (gast.Compare, gast.BoolOp)):
            if isinstance(node, gast.BoolOp) and not test and not _boolean(node):
                raise self.parsed.error(node, "'and'/'or' on values cannot be differentiated",
                                        "and/or", "use it only in conditions; for values write an if/else")
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
            return self.eqn(node, ("attr", node.attr), [value], "attr", hint=hint)
        if isinstance(node, gast.Subscript):
            value = self.expr(node.value, env)
            index, atoms = self.index_template(node.slice, env)
            return self.eqn(node, "getitem", [value] + atoms, "getitem", payload=index, hint=hint)
        if isinstance(node, (gast.Tuple, gast.List)):
            elts = [self.expr(e, env) for e in node.elts]
            if isinstance(node, gast.Tuple) and all(isinstance(e, ir.Const) for e in elts):
                return ir.Const(tuple(e.value for e in elts))     # a literal such as an axes tuple
            kind = "tuple" if isinstance(node, gast.Tuple) else "list"
            return self.eqn(node, kind, elts, "build", payload=kind, hint=hint)
        if isinstance(node, gast.Dict):
            if any(k is None for k in node.keys):
                raise self.parsed.error(node, "'{**mapping}' cannot be differentiated", "dict unpacking",
                                        "copy it with dict(mapping), then assign the other keys")
            # keys and values interleaved: dict('w', w, 'b', b)
            items = [self.expr(e, env) for pair in zip(node.keys, node.values) for e in pair]
            return self.eqn(node, "dict", items, "build", payload="dict", hint=hint)
        return self.opaque(node, env, hint=hint)

    def name(self, node, env):
        if node.id in env and env[node.id] is not ir.UNDEFINED:
            return env[node.id]
        if node.id in self.locals:
            raise self.parsed.error(node, f"'{node.id}' may be used before it is assigned on this path",
                                    "name", f"give '{node.id}' a value before the branch or loop that sets it")
        value = self.parsed.resolve(node.id)
        if value is _MISSING or value is self._missing():
            raise self.parsed.error(node, f"name '{node.id}' is not defined", "name")
        return self.global_atom(node.id, value, node.id, value)

    def capture(self, node, atom):
        """A module-level number or array is read into a local where it is used, so
        the reverse sweep sees the value it had then, even if something changes
        the global later (the local folds away when nothing else reads it)."""
        if isinstance(atom, ir.Global) and isinstance(atom.value, _DATA):
            return self.eqn(node, "read", [atom], "opaque", payload=gast.Name(".1", gast.Load(), None, None),
                            hint="." + atom.path.replace(".", "_"))
        return atom

    def _missing(self):
        from .frontend import _MISSING as missing
        return missing

    def static_path(self, node, env):
        """(dotted source, object, root name, root object) for `mod.attr.attr` chains
        rooted at a module-level name, or None."""
        parts = []
        while isinstance(node, gast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, gast.Name) or node.id in env or node.id in self.locals:
            return None
        obj = self.parsed.resolve(node.id)
        if obj is self._missing():
            raise self.parsed.error(node, f"name '{node.id}' is not defined", "name")
        root = obj
        for attr in reversed(parts):
            try:
                obj = getattr(obj, attr)
            except AttributeError:
                raise self.parsed.error(node, f"'{node.id}' has no attribute '{attr}'", "attribute") from None
        return ".".join([node.id] + list(reversed(parts))), obj, node.id, root

    def call(self, node, env, hint):
        self.refuse_out(node)
        func = node.func
        args = [self.expr(a, env) for a in node.args]
        kwargs = {k.arg: self.expr(k.value, env) for k in node.keywords}
        if isinstance(func, gast.Attribute):
            path = self.static_path(func, env)
            if path is None:
                receiver = self.expr(func.value, env)
                return self.eqn(node, ("method", func.attr), [receiver] + args, "method",
                                kwargs, payload=func.attr, hint=hint)
            callee = self.global_atom(*path)
        elif isinstance(func, gast.Name) and _passed_function(env.get(func.id)):
            callee = env[func.id]      # a helper's parameter bound to a named function: rk4_step(rhs, ...)
        elif isinstance(func, gast.Name):
            if func.id in env or func.id in self.locals:
                raise self.parsed.error(node, f"cannot call '{func.id}', a value computed inside the function",
                                        "call", "call module-level functions by their name")
            obj = self.parsed.resolve(func.id)
            if obj is self._missing():
                raise self.parsed.error(node, f"name '{func.id}' is not defined", "name")
            callee = self.global_atom(func.id, obj, func.id, obj)
        elif isinstance(func, gast.Call) and self.derivative_of(func, env) is not None:
            made = self.derivative_of(func, env)      # sg.grad(g)(x): a derivative made on the spot
            callee = ir.Global("<derivative>", made)
        else:
            raise self.parsed.error(node, "only calls of named functions can be differentiated", "call")
        from ..api import Derivative
        if isinstance(callee.value, Derivative):
            # a derivative inside the differentiated code: inline its generated function
            # (compiled for array arguments, which is valid for any)
            generated = callee.value._derived(tuple("array" for _ in callee.value.names), again=True).function
            if isinstance(generated, tuple):
                raise self.parsed.error(node, "a vjp inside differentiated code is not supported", "call",
                                        "use sg.grad or sg.value_and_grad there")
            return self.inline(node, generated, args, kwargs, env)
        if _is_user_function(callee.value):
            return self.inline(node, callee.value, args, kwargs, env)
        return self.eqn(node, callee.value, args, "call", kwargs, payload=callee, hint=hint)

    def derivative_of(self, call, env):
        """`sg.grad(g, wrt=...)` with static arguments, evaluated now; None otherwise."""
        from .. import api
        if not isinstance(call.func, (gast.Name, gast.Attribute)):
            return None
        path = self.static_path(call.func, env) if isinstance(call.func, gast.Attribute) else None
        maker = path[1] if path else (self.parsed.resolve(call.func.id) if isinstance(call.func, gast.Name) else None)
        if maker not in (api.grad, api.value_and_grad, api.jvp):
            return None
        try:
            args = [self.static_value(a, env) for a in call.args]
            kwargs = {k.arg: self.static_value(k.value, env) for k in call.keywords}
        except LookupError:
            raise self.parsed.error(call, "the function and wrt of a derivative made inside differentiated "
                                    "code must be fixed (module-level names and constants)", "derivative") from None
        return maker(*args, **kwargs)

    def static_value(self, node, env):
        if isinstance(node, gast.Constant):
            return node.value
        if isinstance(node, gast.Tuple):
            return tuple(self.static_value(e, env) for e in node.elts)
        if isinstance(node, gast.Name) and node.id not in env and node.id not in self.locals:
            value = self.parsed.resolve(node.id)
            if value is not self._missing():
                return value
        if isinstance(node, gast.Attribute):
            path = self.static_path(node, env)
            if path is not None:
                return path[1]
        raise LookupError(node)

    def inline(self, node, func, args, kwargs, env_of_call):
        """Build a helper's body in place, its parameters bound to the arguments."""
        from .frontend import parse_function
        from .lower import lower
        if func in self.inlining or func is self.main.func:
            raise self.parsed.error(node, f"recursive call of {func.__qualname__} cannot be differentiated",
                                    "recursion", "rewrite the recursion as a loop")
        try:
            parsed = lower(parse_function(func))
        except S2SGradError as exc:
            raise S2SGradError(f"{exc.reason} (in {func.__qualname__}, called at "
                               f"{self.parsed.loc(node)})", exc.loc, exc.construct, exc.hint) from None
        try:
            bound = inspect.signature(func).bind(*args, **kwargs)
        except TypeError as exc:
            raise self.parsed.error(node, f"cannot call {func.__qualname__}: {exc}", "call") from None
        bound.apply_defaults()
        env = {}
        for p in inspect.signature(func).parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise self.parsed.error(node, f"*args/**kwargs of {func.__qualname__} are not supported", "call")
        for name_, value in bound.arguments.items():
            # a default the call left out is a constant
            env[name_] = value if isinstance(value, (ir.Var, ir.Const, ir.Global)) else ir.Const(value)
        passed = dict(env)
        helper = _Builder(parsed, self.main, self.inlining + (func,))
        helper.block = self.block
        helper.passed = {n: v for n, v in passed.items() if isinstance(v, ir.Var)}
        helper.immutable = self.immutable
        ret = parsed.node.body[-1]
        try:
            env = helper.statements(parsed.node.body[:-1], env)
            result = helper.expr(ret.value, env, "." + func.__name__)
        except S2SGradError as exc:
            if "called at" in exc.reason:
                raise
            raise S2SGradError(f"{exc.reason} (in {func.__qualname__}, called at {self.parsed.loc(node)})",
                               exc.loc, exc.construct, exc.hint) from None
        # A helper that wrote into an argument in place changed the caller's array too.
        for name_, before in passed.items():
            after = env.get(name_)
            if isinstance(before, ir.Var) and after is not before and _same_object(self.block, before, after):
                for caller_name, v in list(env_of_call.items()):
                    if v is before:
                        env_of_call[caller_name] = after
        return result

    def index_template(self, node, env):
        """The index of a subscript with every computed part replaced by a placeholder."""
        atoms = []

        def visit(n):
            if isinstance(n, gast.Slice):
                return gast.Slice(*(visit(p) if p is not None else None for p in (n.lower, n.upper, n.step)))
            if isinstance(n, gast.Tuple):
                return gast.Tuple([visit(e) for e in n.elts], gast.Load())
            if isinstance(n, gast.Constant) or (isinstance(n, (gast.List, gast.Tuple)) and all(
                    isinstance(e, gast.Constant) for e in n.elts)):
                return n         # literal indices stay in the code as written
            atoms.append(self.expr(n, env))
            return gast.Name(f".{len(atoms)}", gast.Load(), None, None)
        return visit(node), atoms

    def opaque(self, node, env, hint=".t", boolean=False, effect=False):
        """Keep an expression or statement as it is written; its free names become args."""
        template = copy.deepcopy(node)
        atoms = []
        for sub in gast.walk(template):
            if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Load) and not sub.id.startswith(".rt."):
                atom = self.name(sub, env)   # undefined names fail here, at compile time
                if not isinstance(atom, ir.Global) or atom.foreign:
                    atoms.append(atom)
                    sub.id = f".{len(atoms)}"
        if effect:
            self.emit(ir.Eqn([], "effect", atoms, {}, self.parsed.loc(node), "effect", template))
            return None
        return self.eqn(node, "opaque", atoms, "opaque", payload=template, hint=hint, boolean=boolean)


def guard_not_view(value, message, loc):
    """An effect statement `not_a_view(value, message)`: fails at run time if value is a view."""
    template = gast.Expr(gast.Call(gast.Name(".rt.not_a_view", gast.Load(), None, None),
                                   [gast.Name(".1", gast.Load(), None, None), gast.Constant(message, None)], []))
    return ir.Eqn([], "effect", [value], {}, loc, "effect", template)


def _same_object(block, start, end):
    """Is `end` the array `start` after in-place writes (setitem chains and phis of them)?"""
    made = {o: st for st in ir.walk(block) for o in st.outs}

    def same(v, seen=()):
        if v is start:
            return True
        st = made.get(v)
        if st is None or v in seen:
            return False
        if isinstance(st, ir.Eqn) and st.kind == "setitem":
            return same(st.args[0], seen + (v,))
        if isinstance(st, ir.If):
            k = st.outs.index(v)
            return same(st.then_outs[k], seen + (v,)) and same(st.else_outs[k], seen + (v,))
        return False
    return same(end)


def _boolean(node):
    """An expression whose value is certainly a bool (so `and`/`or` select no number)."""
    if isinstance(node, gast.BoolOp):
        return all(_boolean(v) for v in node.values)
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.Not):
        return True
    return isinstance(node, gast.Compare) or (isinstance(node, gast.Constant) and isinstance(node.value, bool))


def _is_user_function(obj):
    """A plain Python function with source that has no rule of its own: inline it."""
    from ..rules import RULES, NONDIFF
    if not inspect.isfunction(obj) or id(obj) in RULES or id(obj) in NONDIFF:
        return False
    module = getattr(obj, "__module__", "") or ""
    return not module.split(".")[0] in ("numpy", "s2sgrad", "math")


def _hint_name(name):
    """Compiler-made names keep their leading '.' (a temporary); user names are kept."""
    if name.startswith("."):
        return "." + (name.lstrip(".").rstrip("0123456789") or "t")
    return name


def _hint(target):
    return _hint_name(target.id) if isinstance(target, gast.Name) else ".t"


def build(parsed, scalars=()):
    """The SSA graph of a lowered function; `scalars` names the parameters passed
    as Python or NumPy scalars (immutable, so augmented assignments cannot alias)."""
    node = parsed.node
    builder = _Builder(parsed)
    params = [ir.Var(a.id) for a in node.args.args]
    builder.immutable = {p for p in params if p.hint in scalars}
    env = {a.id: p for a, p in zip(node.args.args, params)}
    builder.block = []
    ret = node.body[-1]
    env = builder.statements(node.body[:-1], env)
    result = builder.expr(ret.value, env, ".result")
    return ir.Graph(node.name, params, builder.block, result, parsed)


def _pure(stmt):
    if isinstance(stmt, ir.Eqn):
        if stmt.kind in ("effect", "setitem", "append", "add_at"):
            return False
        if stmt.kind in ("call", "method"):
            module = getattr(stmt.prim, "__module__", None) or ""
            return module.split(".")[0] in ("numpy", "math", "builtins", "operator", "s2sgrad") \
                or stmt.prim in (len, abs, float, int, min, max, range, round) or stmt.kind == "method"
        return True
    return True


def prune(graph):
    """Drop pure equations, branch results and loop-carried values nobody reads
    (the flags lowering made for break/continue/return often end up here)."""
    while True:
        used = _used_values(graph)
        changed = _sweep(graph.body, used)
        if not changed:
            return graph


def _used_values(graph):
    """Vars read by something that is itself kept: the least set closed under
    "a kept statement's reads are used". One walk records, for each value, the
    reads that become used once it is; a worklist then follows them (instead
    of walking the whole graph again until nothing grows)."""
    roots = [graph.result]
    needs = {}          # Var -> atoms that are used once it is

    def when(values, atoms):
        for v in values:
            needs.setdefault(v, []).extend(atoms)
    for stmt in ir.walk(graph.body):
        if isinstance(stmt, ir.Eqn):
            if _pure(stmt):
                when(stmt.outs, stmt.atoms)
            else:
                roots += stmt.atoms
        elif isinstance(stmt, ir.If):
            roots.append(stmt.cond)
            for o, a, b in zip(stmt.outs, stmt.then_outs, stmt.else_outs):
                when([o], [a, b])
        else:
            roots += list(stmt.bounds) if isinstance(stmt, ir.For) else []
            roots += [stmt.exit] if stmt.exit is not None else []
            roots += [stmt.cond] if isinstance(stmt, ir.While) else []
            for c, i, b, o in zip(stmt.carried, stmt.inits, stmt.body_outs, stmt.outs):
                when([o, c], [b, i])
    used = set()
    todo = [a for a in roots if isinstance(a, ir.Var)]
    while todo:
        v = todo.pop()
        if v not in used:
            used.add(v)
            todo += [a for a in needs.pop(v, ()) if isinstance(a, ir.Var)]
    return used


def _sweep(block, used):
    changed = False
    kept = []
    for stmt in block:
        for sub in ir.sub_blocks(stmt):
            changed |= _sweep(sub, used)
        if isinstance(stmt, ir.Eqn):
            if stmt.outs and not any(o in used for o in stmt.outs) and _pure(stmt):
                changed = True
                continue
        elif isinstance(stmt, ir.If):
            keep = [k for k, o in enumerate(stmt.outs) if o in used]
            if len(keep) != len(stmt.outs):
                changed = True
                stmt.outs = [stmt.outs[k] for k in keep]
                stmt.then_outs = [stmt.then_outs[k] for k in keep]
                stmt.else_outs = [stmt.else_outs[k] for k in keep]
            if not stmt.outs and not stmt.then and not stmt.orelse:
                changed = True
                continue
        else:
            keep = [k for k, (c, o) in enumerate(zip(stmt.carried, stmt.outs)) if c in used or o in used]
            if len(keep) != len(stmt.carried):
                changed = True
                for attr in ("carried", "inits", "body_outs", "outs"):
                    setattr(stmt, attr, [getattr(stmt, attr)[k] for k in keep])
        kept.append(stmt)
    block[:] = kept
    return changed
