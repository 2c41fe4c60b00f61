"""Lowering: desugar a function's gast tree to the small statement core.

After `lower(parsed)` the body holds only:
  Assign   to a Name, a Tuple of Names, or a Subscript
  Expr     (a call kept for its effect, e.g. print)
  If       (no jumps inside)
  For      over `range(...)` only, whose body may end in `if <flag>: break`
  While    whose body may end in `if <flag>: break`
  Return   once, as the last statement of the function
Augmented assignment becomes plain assignment; `for x in xs` becomes a loop over
indices (`iteration.py`); comprehensions, builtin `sum` and `max`/`min` over sequences become
loops (`desugar.py`); `break`, `continue` and early `return` become flags that guard the
statements after them. Unsupported constructs raise S2SGradError here, before
any other pass sees them.
"""

import gast

from . import desugar, starred, try_blocks
from .iteration import IterationLowering
from .refusals import _REFUSED, check_delete, refuse_hidden_computation
from .nodes import (
    assign as _assign,
    const as _const,
    copy_loc as _copy_loc,
    load_copy as _load_copy,
    name as _name,
)

# Names made by lowering start with '.', which no user name can, so they never
# collide; codegen turns them into readable, unique names.
RESULT, RETURNED = ".result", ".returned"


def _not_any(flags):
    flags = sorted(flags)
    test = _name(flags[0]) if len(flags) == 1 else gast.BoolOp(gast.Or(), [_name(f) for f in flags])
    return gast.UnaryOp(gast.Not(), test)


class _Lowerer(IterationLowering):
    def __init__(self, parsed, dicts=None):
        self.parsed = parsed
        self.counter = 0
        # parameters that hold dicts (`for k in d` loops over keys); None: not known (a helper)
        self.dicts = set(dicts) if dicts is not None else None
        self.params = {a.id for a in parsed.node.args.args}
        self.assigned = _assigned_values(parsed.node)
        self.checkpoint_all = None  # snapshots for every outermost loop (grad(..., checkpoints=k))
        self.markers = True  # honour sg.checkpointed marks (not when a gradient is differentiated again)
        self.depth = 0  # loops around the statement being lowered
        self.local_names = {
            n.id
            for n in gast.walk(parsed.node)
            if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Param))
        }

    def fresh(self, stem):
        self.counter += 1
        return f".{stem}{self.counter}"

    def is_builtin(self, func):
        """Does `func` name Python's builtin here (not a local, global or closure name)?"""
        return desugar.is_builtin_name(self.parsed, self.local_names, func)

    def refuse(self, node):
        expanded = starred.expanded(node)  # f(*xs), [*xs, y]: the SSA builder expands them
        for sub in gast.walk(node):
            entry = _REFUSED.get(type(sub)) if id(sub) not in expanded else None
            if entry:
                construct, hint = entry
                raise self.parsed.error(sub, f"'{construct}' cannot be differentiated", construct, hint)
            if isinstance(sub, (gast.For, gast.While)) and sub.orelse:
                raise self.parsed.error(
                    sub,
                    f"'{type(sub).__name__.lower()} ... else' cannot be differentiated",
                    "loop else",
                    "set a flag before break and test it after the loop",
                )

    # -- statements -------------------------------------------------------
    def block(self, stmts, loop):
        """Lower a statement list. Returns (stmts, flags that may be set, always exits)."""
        stmts = [new for stmt in stmts for new in starred.unstar(self, stmt)]
        stmts = [new for stmt in stmts for new in desugar.hoist(self, stmt)]
        stmts = [new for stmt in stmts for new in self.hoist_lambdas(stmt)]
        out, flags = [], set()
        for i, stmt in enumerate(stmts):
            new, may, always, branches = self.stmt(stmt, loop)
            out += new
            flags |= may
            if always:
                return out, flags, True
            if may:
                rest, rest_flags, rest_always = self.block(stmts[i + 1 :], loop)
                flags |= rest_flags
                if rest:
                    if branches is not None:
                        # The other branch of an if whose one branch always jumps:
                        # the rest runs exactly when that other branch does.
                        branches.extend(rest)
                    else:
                        out.append(_copy_loc(gast.If(_not_any(may), rest, []), stmts[i + 1]))
                return out, flags, False
        return out, flags, False

    def hoist_lambdas(self, s):
        """`rk4(lambda t, y: f(t, y, k), y0)` -> `def .lambda1(t, y): return f(t, y, k)` and
        `rk4(.lambda1, y0)`: a lambda is a nested def (defined where it stands, its free
        names read when it is called, as Python does), inlined where it is called."""
        if isinstance(s, gast.FunctionDef):
            return [s]
        made = []
        _LambdaHoist(self, made).visit_fields(s)
        return made + [s]

    def nested_def(self, s):
        """A def inside the function stays a statement: the SSA builder binds its name to
        it, and its body is lowered when a call inlines it."""
        if s.decorator_list:
            raise self.parsed.error(
                s, "a decorated function inside differentiated code", "decorator", "define it at module level"
            )
        args = s.args
        if getattr(args, "posonlyargs", None):
            raise self.parsed.error(
                s,
                f"'{_display(s.name)}' takes positional-only parameters, which a function "
                "defined inside differentiated code cannot",
                "parameters",
                "drop the '/'",
            )
        for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.refuse(default)
        return [s], set(), False, None

    def stmt(self, s, loop):
        """-> (statements, flags set, always exits, branch that receives the rest or None)."""
        if isinstance(s, gast.FunctionDef):
            return self.nested_def(s)
        if isinstance(s, gast.Try):
            return try_blocks.lower_try(self, s), set(), False, None
        self.refuse_shallow(s)
        if isinstance(s, gast.Return):
            value = s.value if s.value is not None else _const(None)
            new = [_copy_loc(_assign(RESULT, value), s), _copy_loc(_assign(RETURNED, _const(True)), s)]
            return new, {RETURNED}, True, None
        if isinstance(s, gast.Break):
            return [_copy_loc(_assign(loop["break"], _const(True)), s)], {loop["break"]}, True, None
        if isinstance(s, gast.Continue):
            return [_copy_loc(_assign(loop["continue"], _const(True)), s)], {loop["continue"]}, True, None
        if isinstance(s, gast.AugAssign):
            target_load = _load_copy(s.target)
            new = _copy_loc(gast.Assign([s.target], gast.BinOp(target_load, s.op, s.value), None), s)
            new.augmented = True
            return [new], set(), False, None
        if isinstance(s, gast.AnnAssign):
            if s.value is None:
                return [], set(), False, None
            return [_copy_loc(gast.Assign([s.target], s.value, None), s)], set(), False, None
        if isinstance(s, gast.Pass):
            return [], set(), False, None
        if isinstance(s, gast.If):
            body, f1, a1 = self.block(s.body, loop)
            orelse, f2, a2 = self.block(s.orelse, loop)
            s.body, s.orelse = body or [gast.Pass()], orelse
            rest_goes = None
            if a1 and not a2:
                rest_goes = s.orelse
            elif a2 and not a1:
                rest_goes = s.body
            if not s.body:
                s.body = [gast.Pass()]
            return [s], f1 | f2, a1 and a2, rest_goes
        if isinstance(s, gast.For):
            return self.for_loop(s, loop)
        if isinstance(s, gast.While):
            return self.while_loop(s, loop)
        if isinstance(s, (gast.Assign, gast.Expr, gast.Raise, gast.Assert, gast.Delete)):
            return [s], set(), isinstance(s, gast.Raise), None
        raise self.parsed.error(s, f"'{type(s).__name__}' statement cannot be differentiated", type(s).__name__)

    def refuse_shallow(self, s):
        # Check the statement's own expressions (nested blocks are checked when lowered).
        if isinstance(s, (gast.If, gast.While)):
            self.refuse(s.test)
        elif isinstance(s, gast.For):
            self.refuse(s.target)
            self.refuse(s.iter)
            if s.orelse:
                self.refuse(s)
        elif isinstance(s, gast.Delete):
            check_delete(self.parsed, s)
        elif type(s) in _REFUSED:
            self.refuse(s)
        elif not isinstance(s, (gast.Break, gast.Continue, gast.Pass)):
            self.refuse(s)

    def loop_body(self, body, node):
        loop = {"break": self.fresh("break"), "continue": self.fresh("continue")}
        new, flags, _ = self.block(body, loop)
        pre = []
        if loop["continue"] in flags:
            new.insert(0, _copy_loc(_assign(loop["continue"], _const(False)), node))
        exits = flags & {loop["break"], RETURNED}
        if loop["break"] in flags:
            pre.append(_copy_loc(_assign(loop["break"], _const(False)), node))
        if exits:
            # The loop ends when a break or a return happened in this iteration.
            test = (
                _name(next(iter(exits)))
                if len(exits) == 1
                else gast.BoolOp(gast.Or(), [_name(f) for f in sorted(exits)])
            )
            new.append(_copy_loc(gast.If(test, [gast.Break()], []), node))
        outer_flags = flags & {RETURNED}
        return pre, new, outer_flags

    def for_loop(self, s, loop):
        pre, header = self.for_header(s)
        self.depth += 1
        body_pre, body, flags = self.loop_body(header + s.body, s)
        self.depth -= 1
        self.unmark_early_exit(s, body)
        s.body = body
        s.orelse = []
        return pre + body_pre + [s], flags, False, None

    def checkpoint_by_option(self, s):
        """grad(..., checkpoints=k) checkpoints the outermost loops (those that can end
        early stay stored: see `unmark_early_exit`)."""
        if self.checkpoint_all is not None and self.depth == 0:
            s.checkpoint = gast.Constant(self.checkpoint_all, None)
            s.checkpoint_by_option = True

    @staticmethod
    def unmark_early_exit(s, body):
        """A loop that can end early (break or return) is not checkpointed by the option;
        marked with sg.checkpointed it is an error, raised when its code is made."""
        ends_early = bool(body) and isinstance(body[-1], gast.If) and isinstance(body[-1].body[0], gast.Break)
        if ends_early and getattr(s, "checkpoint_by_option", False):
            del s.checkpoint

    def checkpoint_marker(self, it):
        """The snapshots expression of `sg.checkpointed(range(...), snapshots=k)`, or None."""
        from ..runtime.schedule import checkpointed

        if not (isinstance(it, gast.Call) and it.args):
            return None
        func, parts = it.func, []
        while isinstance(func, gast.Attribute):
            parts.append(func.attr)
            func = func.value
        if not isinstance(func, gast.Name):
            return None
        obj = self.parsed.resolve(func.id)
        for attr in reversed(parts):
            obj = getattr(obj, attr, None)
        if obj is not checkpointed:
            return None
        given = it.args[1:] + [k.value for k in it.keywords if k.arg == "snapshots"]
        return given[0] if given else gast.Constant(None, None)

    def while_loop(self, s, loop):
        snapshots = self.checkpoint_marker(s.test)
        if snapshots is not None:
            s.test = s.test.args[0]
            if self.markers:
                s.checkpoint = snapshots
        else:
            self.checkpoint_by_option(s)
        self.depth += 1
        body_pre, body, flags = self.loop_body(s.body, s)
        self.depth -= 1
        self.unmark_early_exit(s, body)
        s.body = body or [gast.Pass()]
        return body_pre + [s], flags, False, None


def _display(name):
    return "lambda" if name.startswith(".lambda") else name


class _LambdaHoist(gast.NodeTransformer):
    """Replaces the lambdas in a statement's own expressions (not in the blocks it holds)
    by names of defs made in front of it."""

    def __init__(self, lowerer, made):
        self.lowerer, self.made = lowerer, made

    def visit_fields(self, stmt):
        for field_name, value in gast.iter_fields(stmt):
            if isinstance(value, gast.AST) and not isinstance(value, gast.stmt):
                setattr(stmt, field_name, self.visit(value))
            elif isinstance(value, list) and value and not isinstance(value[0], gast.stmt):
                setattr(stmt, field_name, [self.visit(v) if isinstance(v, gast.AST) else v for v in value])

    def visit_Lambda(self, node):
        name_ = self.lowerer.fresh("lambda")
        body = [gast.copy_location(gast.Return(node.body), node.body)]
        self.made.append(gast.copy_location(gast.FunctionDef(name_, node.args, body, [], None, None, []), node))
        return gast.copy_location(gast.Name(name_, gast.Load(), None, None), node)


def _assigned_values(node):
    """name -> the values a function assigns to it by plain `name = value`; a name also
    bound another way (a loop target, unpacking, `+=`) maps to None."""
    values = {}
    for sub in gast.walk(node):
        if isinstance(sub, (gast.Assign, gast.AnnAssign)) and sub.value is not None:
            targets = sub.targets if isinstance(sub, gast.Assign) else [sub.target]
            for target in targets:
                if isinstance(target, gast.Name):
                    if values.get(target.id, []) is not None:
                        values.setdefault(target.id, []).append(sub.value)
                    continue
                for n in gast.walk(target):
                    if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                        values[n.id] = None
        elif isinstance(sub, (gast.For, gast.AugAssign, gast.comprehension)):
            for n in gast.walk(sub.target):
                if isinstance(n, gast.Name):
                    values[n.id] = None
    return values


def lower(parsed, dicts=None, checkpoints=None):
    """Desugar `parsed.node` in place (see the module docstring for what remains).
    `dicts`: parameter names known to hold dicts (iterating one gives its keys); None
    when the arguments are not known (a helper, lowered to be inlined).
    `checkpoints`: k to checkpoint every outermost loop with k snapshots; None for
    only the loops marked with sg.checkpointed; False for none at all."""
    node = parsed.node
    lowerer = _Lowerer(parsed, dicts)
    lowerer.checkpoint_all = checkpoints or None
    lowerer.markers = checkpoints is not False
    lowerer.refuse(node.args)
    refuse_hidden_computation(parsed)
    body, flags, _ = lowerer.block(node.body, None)
    last = node.body[-1] if node.body else node
    if flags == {RETURNED} and body and _is_plain_return_tail(body):
        # Only the final statement returns: keep it as the function's result.
        body = body[:-1]
    else:
        body.insert(0, _copy_loc(_assign(RESULT, _const(None)), node))
        if RETURNED in flags:
            body.insert(1, _copy_loc(_assign(RETURNED, _const(False)), node))
    body.append(_copy_loc(gast.Return(_name(RESULT)), last))
    node.body = body
    return parsed


def _is_plain_return_tail(body):
    # [..., .result = e, .returned = True] with no other assignment to .result
    if len(body) < 2:
        return False
    tail = body[-2:]
    if not all(isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Name) for t in tail):
        return False
    if tail[0].targets[0].id != RESULT or tail[1].targets[0].id != RETURNED:
        return False
    for stmt in body[:-2]:
        for sub in gast.walk(stmt):
            if isinstance(sub, gast.Name) and sub.id in (RESULT, RETURNED):
                return False
    return True
