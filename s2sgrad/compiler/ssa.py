"""SSA construction: a lowered gast function -> `ir.Graph`.

The builder walks the statements while an environment maps each user name to its
current SSA value. Expressions are flattened to one operation per `Eqn`
(`ssa_expressions.py`); branches and loops (`ssa_control.py`) join environments
with phis and carried values. Calls are resolved to Python objects (`calls.py`)
and in-place effects checked (`effects.py`) by the same builder, so that later
passes look rules up by identity.
"""

import gast

from . import ir, progress
from .calls import Calls
from .codegen import walk
from .effects import InPlaceEffects, guard_not_view
from .ssa_control import ControlFlowBuilding
from .ssa_expressions import ExpressionBuilding


def bound_names(stmts):
    """Names that statements bind (or `del`): Python's local variables."""
    return {
        sub.id
        for stmt in stmts
        for sub in walk(stmt)
        if isinstance(sub, gast.Name) and isinstance(sub.ctx, (gast.Store, gast.Del))
    }


class _Builder(ExpressionBuilding, ControlFlowBuilding, Calls, InPlaceEffects):
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
        self.built = {}  # Var -> (kind, atoms) of a tuple, list or dict built here (starred.py expands them)
        self.fields_read = set()  # Vars whose NamedTuple field a `p.w` read through their class
        self.local_derivatives = {}  # id(call) -> (derivative, atoms) for sg.grad(local function)
        self.view_made = main.view_made if main is not None and hasattr(main, "view_made") else set()
        self.loop_views = set()  # names a loop being built carries that a pass leaves holding a view
        self.classes = {}  # Var -> its class, for parameters that are objects (see pipeline.split_kinds)

    # -- helpers ------------------------------------------------------------
    def emit(self, stmt):
        self.block.append(stmt)
        return stmt

    def eqn(self, node, prim, args, kind, kwargs=None, payload=None, hint=".t", boolean=False):
        from .sharing import is_view

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
                            f"'{s.targets[0].id}' is a view of "
                            "another array, and an augmented assignment would change that array "
                            f"in place; write {s.targets[0].id} = {s.targets[0].id} ... instead",
                            self.parsed.loc(s),
                        )
                    )
            value = self.expr(s.value, env, hint)
            if getattr(s, "augmented", False) and isinstance(s.targets[0], gast.Name):
                self.mark_overwrite(env.get(s.targets[0].id), value)
            elif getattr(s, "augmented", False) and isinstance(s.targets[0], gast.Subscript):
                self.mark_item_overwrite(s, value, env)
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
        if value is old:  # `x[:] = x`: the adjoint of the value and of the written part are one buffer
            copy = gast.Call(gast.Attribute(gast.Name(base.id, gast.Load(), None, None), "copy", gast.Load()), [], [])
            value = self.expr(gast.copy_location(copy, stmt), env)
        new = ir.Var(ir.hint_name(base.id))
        self.emit(ir.Eqn([new], "setitem", [old, value] + atoms, {}, self.parsed.loc(stmt), "setitem", index))
        for name_, v in list(env.items()):
            if v is old:
                env[name_] = new


def _hint(target):
    return ir.hint_name(target.id) if isinstance(target, gast.Name) else ".t"


def build(parsed, scalars=(), kinds=None, classes=None):
    """The SSA graph of a lowered function; `scalars` names the parameters passed
    as Python or NumPy scalars (immutable, so augmented assignments cannot alias);
    `kinds` maps parameter names to the kinds of their arguments (arguments._kind);
    `classes` the class of parameters that are objects, NamedTuples or dataclasses."""
    node = parsed.node
    builder = _Builder(parsed)
    params = [ir.Var(a.id) for a in node.args.args]
    classes = {p: (classes or {}).get(p.hint) for p in params}
    builder.classes = {p: c for p, c in classes.items() if c and c[0] != "function"}
    builder.immutable = {p for p in params if p.hint in scalars}
    builder.kinds = {p: kinds[p.hint] for p in params if kinds and p.hint in kinds}
    env = {a.id: p for a, p in zip(node.args.args, params)}
    for p, c in classes.items():
        if c and c[0] == "function":  # a function argument (act=np.tanh): called as that function
            env[p.hint] = ir.Global(p.hint, c[1], c[1], True)
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
