"""Lowering: desugar a function's gast tree to the small statement core.

After `lower(parsed)` the body holds only:
  Assign   to a Name, a Tuple of Names, or a Subscript
  Expr     (a call kept for its effect, e.g. print)
  If       (no jumps inside)
  For      over `range(...)` only, whose body may end in `if <flag>: break`
  While    whose body may end in `if <flag>: break`
  Return   once, as the last statement of the function
Augmented assignment becomes plain assignment; `for x in xs` becomes a loop over
indices; comprehensions, builtin `sum` and `max`/`min` over sequences become
loops (`desugar.py`); `break`, `continue` and early `return` become flags that guard the
statements after them. Unsupported constructs raise S2SGradError here, before
any other pass sees them.
"""

import types

import gast
import numpy as np

from . import desugar
from .nodes import (
    assign as _assign,
    call as _call,
    const as _const,
    copy_loc as _copy_loc,
    is_call_to as _is_call_to,
    is_method_call as _is_method_call,
    load_copy as _load_copy,
    name as _name,
    subscript as _subscript,
)

# Names made by lowering start with '.', which no user name can, so they never
# collide; codegen turns them into readable, unique names.
RESULT, RETURNED = ".result", ".returned"

_REFUSED = {
    gast.Try: (
        "try",
        "move the try/except into a helper function marked non-differentiable, or out of the differentiated function",
    ),
    gast.With: ("with", "move the with-block out of the differentiated function"),
    gast.AsyncWith: ("async with", None),
    gast.AsyncFor: ("async for", None),
    gast.AsyncFunctionDef: ("async def", None),
    gast.Await: ("await", None),
    gast.Yield: ("yield", "a generator cannot be differentiated; return a value instead"),
    gast.YieldFrom: ("yield from", "a generator cannot be differentiated; return a value instead"),
    gast.Global: ("global", "pass the value in as an argument and return the new value"),
    gast.Nonlocal: ("nonlocal", "pass the value in as an argument and return the new value"),
    gast.Lambda: ("lambda", "give it a line of its own: f = lambda ..., then use f"),
    gast.ClassDef: ("class definition", "define classes outside the differentiated function"),
    gast.FunctionDef: ("nested def", "define helper functions at module level"),
    gast.Import: ("import", "import at module level"),
    gast.ImportFrom: ("import", "import at module level"),
    gast.Starred: ("starred expression", "unpack into a fixed number of names"),
    gast.NamedExpr: ("assignment expression (:=)", "assign in a separate statement"),
    gast.SetComp: ("set comprehension", None),
    gast.DictComp: ("dict comprehension", "assign it to a name in a statement of its own"),
    gast.GeneratorExp: (
        "generator expression",
        "a generator expression can be the argument of sum, max or min; "
        "elsewhere write a list comprehension or a for loop",
    ),
    gast.Match: ("match", "use if/elif"),
}


def _check_delete(parsed, s):
    """`del name` only forgets a name; `del x[i]` / `del d[k]` would change a container in place."""
    for target in s.targets:
        if not isinstance(target, gast.Name):
            raise parsed.error(
                s,
                "'del' of an item or attribute cannot be differentiated",
                "del",
                "build a new list or dict without the item instead",
            )


def _not_any(flags):
    flags = sorted(flags)
    test = _name(flags[0]) if len(flags) == 1 else gast.BoolOp(gast.Or(), [_name(f) for f in flags])
    return gast.UnaryOp(gast.Not(), test)


class _Lowerer:
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
        for sub in gast.walk(node):
            entry = _REFUSED.get(type(sub))
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
        if args.vararg or args.kwarg or args.kwonlyargs or getattr(args, "posonlyargs", None):
            raise self.parsed.error(
                s,
                f"'{_display(s.name)}' takes *args, **kwargs or keyword-only parameters, which a function "
                "defined inside differentiated code cannot",
                "parameters",
                "give every parameter a plain name",
            )
        for default in args.defaults:
            self.refuse(default)
        return [s], set(), False, None

    def stmt(self, s, loop):
        """-> (statements, flags set, always exits, branch that receives the rest or None)."""
        if isinstance(s, gast.FunctionDef):
            return self.nested_def(s)
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
            _check_delete(self.parsed, s)
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

    def for_header(self, s):
        """Rewrite `for <target> in <iterable>` as a loop over `range`; returns statements
        to run before the loop and statements that start each iteration."""
        it = s.iter
        snapshots = self.checkpoint_marker(it)
        if snapshots is not None:
            s.iter = it = it.args[0]
            if self.markers:
                s.checkpoint = snapshots
                if not _is_call_to(it, "range"):
                    raise self.parsed.error(s, "sg.checkpointed needs a range(...) to loop over", "checkpointed loop")
        elif _is_call_to(it, "range"):
            self.checkpoint_by_option(s)
        if _is_call_to(it, "range"):
            if isinstance(s.target, gast.Name):
                return [], []
            raise self.parsed.error(s.target, "a range loop needs a single name as target", "for")
        if _is_call_to(it, "enumerate") and it.args and _structured(it.args[0]):
            return self.enumerate_structured(s, it)
        index = self.fresh("i")
        pre, header = [], []
        if _is_call_to(it, "reversed") and len(it.args) == 1 and not it.keywords:
            # for x in reversed(seq): read seq[::-1] (a range stays a range)
            it = s.iter = gast.Subscript(
                it.args[0], gast.Slice(None, None, gast.UnaryOp(gast.USub(), gast.Constant(1, None))), gast.Load()
            )
            _copy_loc(it, s)
        if (
            _is_call_to(it, "enumerate")
            and len(it.args) in (1, 2)
            and not it.keywords
            and isinstance(s.target, gast.Tuple)
            and len(s.target.elts) == 2
        ):
            seq = self.hoist(it.args[0], pre, s, "seq")
            count, item = s.target.elts
            start = it.args[1] if len(it.args) == 2 else None
            counted = _name(index) if start is None else gast.BinOp(_name(index), gast.Add(), start)
            header.append(_copy_loc(gast.Assign([count], counted, None), s))
            header.append(_copy_loc(gast.Assign([item], _subscript(seq, index), None), s))
            length = _call("len", [_name(seq)])
        elif self.holds_dict(it) is True:
            # for k in d: loop over its keys
            it = s.iter = _copy_loc(gast.Call(gast.Attribute(it, "keys", gast.Load()), [], []), s)
            return self.for_header(s)
        elif _is_method_call(it, ("items", "values", "keys")):
            # for k, v in d.items(): loop over the keys and read d[k]
            mapping = self.hoist(it.func.value, pre, s, "map")
            keys = self.fresh("keys")
            keys_call = gast.Call(gast.Attribute(_name(mapping), "keys", gast.Load()), [], [])
            pre.append(_copy_loc(_assign(keys, _call("list", [keys_call])), s))
            key = _subscript(keys, index)
            value = gast.Subscript(_name(mapping), key, gast.Load())
            if it.func.attr == "items":
                if not (isinstance(s.target, gast.Tuple) and len(s.target.elts) == 2):
                    raise self.parsed.error(s, "unpack .items() into two names", "for")
                header.append(_copy_loc(gast.Assign([s.target.elts[0]], _subscript(keys, index), None), s))
                header.append(
                    _copy_loc(
                        gast.Assign(
                            [s.target.elts[1]],
                            gast.Subscript(_name(mapping), _load_copy(s.target.elts[0]), gast.Load()),
                            None,
                        ),
                        s,
                    )
                )
            else:
                header.append(_copy_loc(gast.Assign([s.target], value if it.func.attr == "values" else key, None), s))
            length = _call("len", [_name(keys)])
        elif (
            _is_call_to(it, "zip")
            and it.args
            and not it.keywords
            and isinstance(s.target, gast.Tuple)
            and len(s.target.elts) == len(it.args)
        ):
            pairs = _zip_pairs(s.target, it)
            seqs = [self.hoist(a, pre, s, "seq") for _, a in pairs]
            for (target, _), seq in zip(pairs, seqs):
                header.append(_copy_loc(gast.Assign([target], _subscript(seq, index), None), s))
            lengths = [_call("len", [_name(q)]) for q in seqs]
            length = lengths[0] if len(lengths) == 1 else _call("min", lengths)
        else:
            seq = self.sequence(it, pre, s)
            header.append(_copy_loc(gast.Assign([s.target], _subscript(seq, index), None), s))
            length = _call("len", [_name(seq)])
        s.iter = _copy_loc(_call("range", [length]), s)
        s.target = _name(index, True)
        return pre, header

    def enumerate_structured(self, s, it):
        """`for k, (a, b) in enumerate(zip(xs, ys))` (or of .items(), reversed(...)):
        the inner loop's header, then the count from its index."""
        if len(it.args) > 2 or it.keywords or not (isinstance(s.target, gast.Tuple) and len(s.target.elts) == 2):
            raise self.parsed.error(s, "unpack enumerate(...) into a count and an item", "for")
        count, item = s.target.elts
        start = it.args[1] if len(it.args) == 2 else None
        s.iter, s.target = it.args[0], item
        pre, header = self.for_header(s)
        counted = _name(s.target.id) if start is None else gast.BinOp(_name(s.target.id), gast.Add(), start)
        return pre, [_copy_loc(gast.Assign([count], counted, None), s)] + header

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

    def reassigned(self, name):
        return any(
            isinstance(n, gast.Name) and n.id == name and isinstance(n.ctx, gast.Store)
            for n in gast.walk(self.parsed.node)
        )

    def sequence(self, expr, pre, s):
        """The name of a sequence to read by index (`for x in xs`, `max(xs)`). A dict gives
        its keys when iterated, not `d[0]`, `d[1]`, ...: where the value might be one, a
        check at run time stops with an error (the loop would read the wrong items)."""
        seq = self.hoist(expr, pre, s, "seq")
        if self.holds_dict(expr) is not False:
            where = _const(str(self.parsed.loc(s)))
            pre.append(_copy_loc(gast.Expr(gast.Call(_name(".rt.not_a_dict"), [_name(seq), where], [])), s))
        return seq

    def holds_dict(self, node, seen=()):
        """True if `node` certainly holds a dict, False if it certainly does not, None if
        that is known only at run time. Judged from the function's text: parameters by
        the kinds of the arguments, local names by every value assigned to them."""
        if isinstance(node, (gast.Dict, gast.DictComp)) or _is_call_to(node, "dict"):
            return True if not _is_call_to(node, "dict") or self.is_builtin("dict") else None
        if (
            isinstance(node, (gast.List, gast.Tuple, gast.ListComp, gast.Constant, gast.UnaryOp, gast.Compare))
            or (isinstance(node, gast.BinOp) and not isinstance(node.op, gast.BitOr))
            or (isinstance(node, gast.Subscript) and isinstance(node.slice, gast.Slice))
        ):
            return False
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and self.is_builtin(node.func.id):
            return False if node.func.id in ("list", "tuple", "range", "sorted", "len", "float") else None
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute):
            root = node.func
            while isinstance(root, gast.Attribute):
                root = root.value
            module = (
                isinstance(root, gast.Name)
                and root.id not in self.local_names
                and getattr(self.parsed.resolve(root.id), "__name__", "").split(".")[0] == "numpy"
            )
            return False if module else None
        if not isinstance(node, gast.Name) or node.id in seen:
            return None
        if node.id in self.params:
            if self.dicts is None or self.reassigned(node.id):
                return None  # a helper's parameter: its argument is not known here
            return node.id in self.dicts
        values = self.assigned.get(node.id)
        if node.id not in self.local_names:
            value = self.parsed.resolve(node.id)
            return isinstance(value, dict) if isinstance(value, (dict, list, tuple, np.ndarray)) else None
        if not values:
            return None
        kinds = {self.holds_dict(v, seen + (node.id,)) for v in values}
        return kinds.pop() if len(kinds) == 1 else None

    def hoist(self, expr, pre, s, stem):
        """A name for the sequence a loop reads by index. Python iterates the object the
        iterable held when the loop started: a name the loop rebinds (`for r in v: v = ...`)
        is read through a hidden name bound before the loop."""
        if isinstance(expr, gast.Name):
            augmented = _augmented(s, expr.id)
            if augmented is not None:
                raise self.parsed.error(
                    augmented,
                    f"this loop iterates '{expr.id}', and an augmented assignment to '{expr.id}' "
                    "in its body would change that sequence while it is iterated",
                    "augmented assignment",
                    f"write {expr.id} = {expr.id} ... (a new value), or iterate a copy",
                )
            if expr.id not in _rebound(s):
                return expr.id
        name = self.fresh(stem)
        pre.append(_copy_loc(_assign(name, expr), s))
        return name

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


def _rebound(loop):
    """The names a `for` loop's target and body bind."""
    if not isinstance(loop, gast.For):
        return set()
    names = set()
    for node in [loop.target] + loop.body:
        for sub in gast.walk(node):
            if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Store):
                names.add(sub.id)
    return names


def _augmented(loop, name):
    """The first `name op= ...` in a `for` loop's body, or None."""
    for node in loop.body if isinstance(loop, gast.For) else ():
        for sub in gast.walk(node):
            if isinstance(sub, gast.AugAssign) and isinstance(sub.target, gast.Name) and sub.target.id == name:
                return sub
    return None


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


def _hiding():
    """Functions that run or look up code the compiler cannot see, by identity."""
    import builtins
    import importlib
    import operator

    names = ["eval", "exec", "compile", "globals", "locals", "vars", "__import__", "getattr", "setattr", "delattr"]
    found = {id(getattr(builtins, n)): n for n in names}
    found[id(importlib.import_module)] = "importlib.import_module"
    found[id(operator.attrgetter)] = "operator.attrgetter"
    found[id(operator.methodcaller)] = "operator.methodcaller"
    return found


_HIDING = _hiding()


def refuse_hidden_computation(parsed):
    """eval, exec, getattr, globals(), ... hide computation from the compiler: refused
    wherever they are named, never taken for constants (`eval("x * x")` would otherwise
    have a zero derivative)."""
    node = parsed.node
    bound = {n.id for n in gast.walk(node) if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load)}
    for sub in gast.walk(node):
        path = []
        while isinstance(sub, gast.Attribute):
            path.append(sub.attr)
            sub = sub.value
        if not isinstance(sub, gast.Name) or sub.id in bound or not isinstance(sub.ctx, gast.Load):
            continue
        obj = parsed.resolve(sub.id)
        for attr in reversed(path):  # (through modules only: an object's attribute may run code)
            obj = getattr(obj, attr, None) if isinstance(obj, types.ModuleType) else None
        if id(obj) in _HIDING:
            spelled = _HIDING[id(obj)]
            raise parsed.error(
                sub,
                f"{spelled}() hides computation from the compiler and cannot be differentiated",
                "call",
                "write the expression, attribute or name out in the function's code"
                if spelled in ("eval", "exec", "compile", "getattr", "setattr", "operator.attrgetter")
                else "pass the values in as arguments",
            )


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


def _structured(it):
    """An iterable whose items the loop header unpacks itself (not a plain sequence)."""
    return any(_is_call_to(it, f) for f in ("zip", "reversed", "enumerate")) or _is_method_call(
        it, ("items", "values", "keys")
    )


def _zip_pairs(target, it):
    """(name, sequence) for `for a, b in zip(xs, ys)`, flattening zips of zips:
    `for (x0, x1), y in zip(zip(xs[:-1], xs[1:]), ys)` reads x0 from xs[:-1], x1 from xs[1:]
    and y from ys, and stops at the shortest of them, as Python does."""
    pairs = []
    for elt, arg in zip(target.elts, it.args):
        if (
            _is_call_to(arg, "zip")
            and arg.args
            and not arg.keywords
            and isinstance(elt, gast.Tuple)
            and len(elt.elts) == len(arg.args)
        ):
            pairs += _zip_pairs(elt, arg)
        else:
            pairs.append((elt, arg))
    return pairs
