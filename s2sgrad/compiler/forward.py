"""Forward mode: an SSA graph -> one sweep computing values and tangents together.

Each value `x` that depends on a differentiated input gets a tangent `x_dot`,
computed right after `x`: element-wise rules give `t * d` (their VJP with the
tangent in place of the adjoint), linear primitives re-run on the tangents,
the rest have explicit JVPs. Branches compute the tangents of their phis;
loops carry tangents next to their values. No tape: nothing is kept.
"""

import gast

from . import ir, loop_skeleton, progress
from .codegen import assign, assign_many, call, name, plus, stored_names
from .context import missing_rule_hint, RuleContext
from .keywords import positional
from .shapes import Shapes
from .sharing import VIEW_SPELLINGS, is_view
from ..errors import S2SGradError
from ..rules import lookup
from ..rules.sym import Sym, rt, to_node


class Forward(RuleContext):
    def __init__(self, graph, active, scalars, names, emitter, inplace, shapes=None):
        self.graph = graph
        self.active = active  # values whose tangent may be nonzero and that matter
        self.scalars = scalars
        self.shapes = shapes or Shapes()  # which values certainly share a shape (shapes.py)
        self.names = names
        self.emit = emitter
        self.inplace = inplace  # arrays written in place: their tangent is owned and written too
        self.tangent = {}  # Var -> name of its tangent (absent: zero)
        self.fresh = set()  # tangent names that hold an array this sweep made and no one else holds
        self.value_reads = set()
        self.sharing = set()  # tangent names that are views of tangents written in place

    def written_tangents(self):
        """The names of tangents that writes change in place (those of arrays written in place)."""
        groups = {self.inplace.versions.find(w.outs[0]) for w in self.inplace.writes}
        return {self.tname(v) for v in self.inplace.buffered if self.inplace.versions.find(v) in groups}

    def tname(self, v):
        return self.names.tangent(v)

    def tangent_or_zero(self, atom):
        held = self.tangent.get(atom) if isinstance(atom, ir.Var) else None
        if held:
            return name(held)
        if isinstance(atom, ir.Var):
            return self.zeros(atom)
        if isinstance(getattr(atom, "value", None), (tuple, list, dict)):
            # (a constant container, say the state `(0.5, 0.0)` a loop starts from: its
            # tangent is indexed and unpacked like it)
            return self.emit.fix_roots(rt.zeros_like(Sym(self.emit.atom(atom))).node)
        return gast.Constant(0.0, None)

    def result_tangent(self, result):
        """The tangent of what f returns; zero shaped like it where the sweep does not follow it
        (a tuple of constants, such as a gradient that does not depend on its arguments)."""
        if isinstance(result, ir.Var):
            return self.tangent_or_zero(result)
        if isinstance(getattr(result, "value", None), (bool, int, float)):
            return gast.Constant(0.0, None)
        return self.emit.fix_roots(rt.zeros_like(Sym(self.emit.atom(result))).node)

    def block(self, block):
        out = []
        for stmt in block:
            progress.at(stmt.loc)
            if isinstance(stmt, ir.Eqn) and stmt.kind in ("setitem", "append", "add_at"):
                code = self.eqn(stmt) + [self.emit.statement(stmt)]  # the tangent reads the old array
            elif isinstance(stmt, ir.Eqn):
                code = [self.emit.statement(stmt)] + self.eqn(stmt)
            elif isinstance(stmt, ir.If):
                code = self.branch(stmt)
            else:
                code = self.loop(stmt)
            for made in code:  # run-time errors in this code name the user's line
                if getattr(made, "s2sgrad_loc", None) is None:
                    made.s2sgrad_loc = stmt.loc
            out += code
        return out

    # -- equations ---------------------------------------------------------------------
    def eqn(self, eqn):
        if not eqn.outs or lookup.is_nondiff(eqn):
            return []
        ts = [self.tangent.get(a) if isinstance(a, ir.Var) else None for a in eqn.atoms]
        if eqn.kind in ("setitem", "append", "add_at"):
            return self.write(eqn)
        if not any(ts) or not any(o in self.active for o in eqn.outs):
            return []
        if eqn.kind == "unpack":
            targets = [self.tname(o) for o in eqn.outs]
            for o, t in zip(eqn.outs, targets):
                self.tangent[o] = t
                self.mark_fresh(t, False)
            return [
                gast.Assign(
                    [gast.Tuple([name(t, True) for t in targets], gast.Store())], name(self.tangent[eqn.args[0]]), None
                )
            ]
        out = eqn.outs[0]
        expr = self.tangent_expr(eqn)
        if expr is None:
            return []
        if isinstance(expr, gast.Name) and out not in self.inplace.buffered:
            if not self._reads_written(expr):
                self.tangent[out] = expr.id  # the same tangent passes through: no code
                return []
            expr = self.own(expr, out)  # (that tangent is written in place later: not this value's)
        elif out not in self.inplace.buffered and _may_share(expr) and self._reads_written(expr):
            if is_view(eqn):
                # a view's tangent is a view as the value is (the aliasing check guards both)
                self.sharing.add(self.tname(out))
            else:
                # a new array (y + I) whose tangent may be the very buffer a later write
                # changes in place (broadcast_like(y_dot, t) is y_dot; then y_dot[:, 0] = ...)
                expr = self.owned(expr)
        target = self.tname(out)
        self.tangent[out] = target
        if out in self.inplace.buffered and not isinstance(expr, (gast.BinOp, gast.UnaryOp)):
            # this array is written in place later: own its tangent (a name, or a call that
            # may give a view or a read-only broadcast: broadcast_like, a reshape, a slice)
            expr = self.own(expr, out)
        self.mark_fresh(target, out in self.inplace.buffered)
        return [assign(target, expr)]

    def _reads_written(self, expr):
        """Does `expr` read a tangent that a later write changes in place, or a view of one?"""
        written = self.written_tangents() | self.sharing
        return any(isinstance(n, gast.Name) and n.id in written for n in gast.walk(expr))

    def own(self, node, v):
        """A copy of the tangent `node` of `v` that no one else holds. A list's tangent stays
        a list (`owned` makes the adjoints' `Items`, which NumPy functions do not take)."""
        if v in self.inplace.containers:
            return self.emit.fix_roots(rt.fresh_copy(Sym(node)).node)
        return self.owned(node)

    def mark_fresh(self, target, fresh):
        (self.fresh.add if fresh else self.fresh.discard)(target)

    def tangent_expr(self, eqn):
        try:
            return self._tangent_expr(eqn)
        except S2SGradError as exc:
            if exc.loc is not None:
                raise
            raise self.error(eqn, exc.reason, exc.hint) from None

    def _tangent_expr(self, eqn):
        moving = [k for k, a in eqn.kwargs.items() if isinstance(a, ir.Var) and self.tangent.get(a)]
        if moving and eqn.kind == "call":
            eqn = positional(eqn, moving) or eqn
        for k, a in eqn.kwargs.items():
            if isinstance(a, ir.Var) and self.tangent.get(a):
                raise self.error(
                    eqn,
                    f"forward mode needs '{k}' of {self.describe(eqn)} passed by position",
                    hint=f"write the call with '{k}' as a positional argument",
                )
        if eqn.kind == "getitem":
            if not self.tangent.get(eqn.args[0]):
                return None  # (only the index "moves": an int read from a tape that holds moving values)
            return gast.Subscript(name(self.tangent[eqn.args[0]]), self.emit.index(eqn), gast.Load())
        if eqn.kind == "build" and eqn.payload == "dict":
            keys, values = eqn.args[0::2], eqn.args[1::2]
            return gast.Dict([self.emit.atom(k) for k in keys], [self.tangent_or_zero(v) for v in values])
        if eqn.kind == "build":
            items = [self.tangent_or_zero(a) for a in eqn.args]
            return (gast.Tuple if eqn.payload == "tuple" else gast.List)(items, gast.Load())
        rule = lookup.rule(eqn)
        if lookup.is_linear(eqn) and not (rule and rule.elementwise):
            return self.linear(eqn)
        if rule is None:
            raise self.error(eqn, f"no derivative rule for {self.describe(eqn)}", missing_rule_hint(eqn))
        jvp = lookup.jvp(eqn)
        args = [self.value(a) for a in eqn.args]
        kwargs = {k: self.value(v) for k, v in eqn.kwargs.items()}
        ans = self.sym(eqn.outs[0])
        if jvp is not None:
            tangents = [
                Sym(name(self.tangent[a])) if isinstance(a, ir.Var) and self.tangent.get(a) else None for a in eqn.args
            ]
            tangent = jvp(tangents, ans, *args, **kwargs)
            if tangent is None:
                return None  # only arguments the result does not depend on move (solve_rhs's b: its shape)
            return self.emit.fix_roots(to_node(tangent))
        if not rule.elementwise:
            raise self.error(
                eqn,
                f"no forward-mode rule for {self.describe(eqn)}",
                hint="use reverse mode (sg.grad / sg.vjp) for this function",
            )
        bound = rule.signature.bind(*args, **kwargs)
        params = list(rule.signature.parameters)
        total = None
        for i, a in enumerate(eqn.args):
            held = self.tangent.get(a) if isinstance(a, ir.Var) else None
            if not held:
                continue
            vjp = rule.vjps[min(i, len(params) - 1)] if i < len(rule.vjps) else None
            if vjp is None:
                raise self.error(eqn, f"{self.describe(eqn)} has no derivative with respect to argument {i + 1}")
            part = vjp(Sym(name(held)), ans, *bound.args, **bound.kwargs)
            if part is not None:  # (nograd: an argument read for its shape or as a selector)
                total = part if total is None else total + part
        if total is None:
            return None  # only selectors moved (np.where's condition): no tangent
        node = self.emit.fix_roots(to_node(total))
        contributing = [a for a in eqn.args if isinstance(a, ir.Var) and self.tangent.get(a)]
        if len(contributing) == 1 and self.needs_unbroadcast(contributing[0], eqn):
            node = self.emit.fix_roots(rt.broadcast_like(Sym(node), self.shape_sym(eqn.outs[0])).node)
        return node

    def linear(self, eqn):
        """A linear primitive applied to each tangent in turn (the others as they are)."""
        total = None
        slots = lookup.linear_args(eqn)
        for i, a in enumerate(eqn.args):
            held = self.tangent.get(a) if isinstance(a, ir.Var) else None
            if not held or (slots is not None and i not in slots):
                continue
            args = [name(held) if j == i else self.emit.atom(b) for j, b in enumerate(eqn.args)]
            term = self.emit.expr(eqn, args=args)
            total = term if total is None else plus(total, term)
        if total is None:
            return None  # only shape arguments vary: the result has no tangent
        return total

    def write(self, eqn):
        """`u[i] = v` / `lst.append(v)`: the tangent array is written the same way."""
        new, old, value = eqn.outs[0], eqn.args[0], eqn.args[1]
        held_old = self.tangent.get(old)
        held_value = self.tangent.get(value) if isinstance(value, ir.Var) else None
        if not (held_old or held_value) or new not in self.active:
            return []
        code = []
        target = self.tname(new)
        if not held_old:
            code.append(assign(target, self.zeros(old)))
        elif held_old != target:
            code.append(assign(target, self.own(name(held_old), new)))
        piece = name(held_value) if held_value else self.tangent_or_zero(value)
        if eqn.kind == "add_at":
            helper = self.emit.fix_roots(gast.Name(".rt.add_at", gast.Load(), None, None))
            code.append(gast.Expr(call(helper, [name(target), self.emit.atom(eqn.args[2]), piece])))
        elif eqn.kind == "append":
            code.append(gast.Expr(call(gast.Attribute(name(target), "append", gast.Load()), [piece])))
        else:
            code.append(assign(gast.Subscript(name(target), self.emit.index(eqn), gast.Store()), piece))
        self.tangent[new] = target
        self.mark_fresh(target, held_old is None or held_old != target or target in self.fresh)
        return code

    # -- branches and loops ---------------------------------------------------------------
    def branch(self, s):
        before, fresh = dict(self.tangent), set(self.fresh)
        arms, fresh_after = [], []
        for blk, outs in ((s.then, s.then_outs), (s.orelse, s.else_outs)):
            self.tangent, self.fresh = dict(before), set(fresh)
            code = self.block(blk)
            arms.append((code, outs, self.tangent))
            fresh_after.append(self.fresh)
        self.tangent = dict(before)
        self.fresh = (fresh_after[0] & fresh_after[1]) - {self.names.tangents.get(o) for o in s.outs}
        phis = [
            k
            for k, o in enumerate(s.outs)
            if o in self.active and any(isinstance(arm[1][k], ir.Var) and arm[2].get(arm[1][k]) for arm in arms)
        ]
        fwd = []
        phi_names = [self.names.var(o) for o in s.outs]
        for code, outs, held in arms:
            code = list(code)
            self.tangent, saved = held, self.tangent
            pairs = [(p, self.emit.atom(o)) for p, o in zip(phi_names, outs)]
            pairs += [(self.tname(s.outs[k]), self.phi_tangent(s.outs[k], outs[k])) for k in phis]
            pairs = [(t, v) for t, v in pairs if not (isinstance(v, gast.Name) and v.id == t)]
            if pairs:
                code.append(assign_many([t for t, _ in pairs], [v for _, v in pairs]))
            self.tangent = saved
            fwd.append(code or [gast.Pass()])
        for k in phis:
            self.tangent[s.outs[k]] = self.tname(s.outs[k])
        orelse = fwd[1] if not (len(fwd[1]) == 1 and isinstance(fwd[1][0], gast.Pass)) else []
        return [gast.If(self.emit.atom(s.cond), fwd[0], orelse)]

    def phi_tangent(self, out, arm_value):
        """An arm's tangent for a branch result; owned if the result is written in place later
        (the arm may pass on a tangent the caller gave, or another value's)."""
        value = self.tangent_or_zero(arm_value)
        if out in self.inplace.buffered and isinstance(value, gast.Name):
            value = self.own(value, out)
        return value

    def loop(self, s):
        carried = [
            (c, i, o, y)
            for c, i, o, y in zip(s.carried, s.inits, s.body_outs, s.outs)
            if c in self.active or y in self.active
        ]
        pairs = []
        for c, i, o, y in carried:
            value = self.tangent_or_zero(i)
            if c in self.inplace.buffered and isinstance(value, gast.Name):
                # (a tangent this sweep just made for the array needs no copy of its own)
                fresh = value.id == self.tname(c) and value.id in self.fresh
                value = value if fresh else self.own(value, c)
            pairs.append((self.tname(c), value))
        tangents_in = [(t, v) for t, v in pairs if not (isinstance(v, gast.Name) and v.id == t)]
        for c, i, o, y in carried:
            self.tangent[c] = self.tname(c)
        # in the body, only what a pass makes itself is known fresh (the next pass runs after it)
        fresh, self.fresh = self.fresh, set()
        body = self.block(s.body)
        back = [(self.tname(c), self.tangent_or_zero(o)) for c, i, o, y in carried]
        back = [(t, v) for t, v in back if not (isinstance(v, gast.Name) and v.id == t)]
        pre, loop = loop_skeleton.loop(s, self.names, self.emit, body, loop_skeleton.assigned(tangents_in), back)
        self.fresh = fresh - stored_names(loop.body)
        for c, i, o, y in carried:
            self.tangent[y] = self.tname(c)
        return pre + [loop]


def _may_share(expr):
    """May this tangent expression give back (a view of) a tangent it reads?"""
    if isinstance(expr, (gast.Subscript, gast.Attribute)):
        return True
    if not isinstance(expr, gast.Call):
        return False
    func = expr.func
    spelled = func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", "")
    return spelled.rsplit(".", 1)[-1] in VIEW_SPELLINGS
