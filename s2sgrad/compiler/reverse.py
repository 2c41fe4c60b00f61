"""Reverse mode: an SSA graph -> forward sweep and reverse sweep as gast statements.

The forward sweep is the primal code. Straight-line values stay in locals; a
loop keeps, per iteration, exactly the values its reverse body reads (its
tape), and a branch inside a loop packs the values its reverse reads into one
tuple that the loop's tape keeps. The reverse sweep runs each equation's rule
in reverse order, replays branches from their recorded condition, and runs
loops backwards over their tape (or over `reversed(range(...))` when nothing
but the index is needed).

Adjoints are accumulated in one place (`Adjoints`): the first contribution to
a value is an assignment or a plain alias, later ones add, and a zero array
is made only where a branch or a loop needs a value that got no contribution.
"""

import gast
import numpy as np

from . import checkpointing, ir, progress, specialise
from .codegen import assign, assign_many, call, comment, free_names, name
from .context import missing_rule_hint, RuleContext
from .shapes import SCALAR, Shapes
from ..errors import S2SGradError
from ..rules import lookup, nograd
from ..rules.sym import Sym, rt, to_node


# The adjoint of a scalar result in `grad` is the literal 1.0: rules see the
# number (so `g * d` folds to `d`) and generated code spells it `1.0`.
ONE, ONE_NAME = 1.0, "1.0"


# runtime helpers that read an argument only for its shape: helper -> argument position
_SHAPE_ARGS = {"unbroadcast": 1, "scatter": 1, "part": 2, "zeros_like": 0, "unreduce": 1, "reduce_count": 0}


def shape_only(names, stmts, bindings):
    """The names in `names` that `stmts` read only for their shapes."""
    from .. import runtime

    helpers = {
        spelled: h for h, pos in _SHAPE_ARGS.items() for spelled, obj in bindings.items() if obj is getattr(runtime, h)
    }
    # rules may put one Sym's node in several places: count occurrences, not nodes
    marked = {}
    for node in (n for st in stmts for n in gast.walk(st)):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and node.func.id in helpers:
            pos = _SHAPE_ARGS[helpers[node.func.id]]
            if pos < len(node.args) and isinstance(node.args[pos], gast.Name):
                marked[id(node.args[pos])] = marked.get(id(node.args[pos]), 0) + 1
    loads = {}
    for node in (n for st in stmts for n in gast.walk(st)):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) and node.id in names:
            loads.setdefault(node.id, {}).setdefault(id(node), [0])[0] += 1
    return {n for n, seen in loads.items() if all(marked.get(i, 0) == count[0] for i, count in seen.items())}


class Reverse(RuleContext):
    def __init__(self, graph, active, scalars, names, emitter, inplace, shapes=None):
        self.graph = graph
        self.active = active
        self.scalars = scalars
        self.shapes = shapes or Shapes()  # which values certainly share a shape (shapes.py)
        self.names = names
        self.emit = emitter
        self.inplace = inplace  # InPlace: buffered adjoints, versions of written arrays, restores
        self.state = {}  # Var -> the Python name holding its adjoint now (absent: zero)
        self.region_defs = {}  # region stmt -> extra names it defines (tapes, packs, counters)
        self.saves = {}  # setitem -> name keeping the part it overwrites
        self.value_reads = set()  # Vars whose values the reverse sweep reads
        self.filename = graph.parsed.filename if graph.parsed else None

    # -- adjoint bookkeeping ----------------------------------------------------
    def contribute(self, v, expr, out):
        """Add `expr` to the adjoint of `v`."""
        if not (isinstance(v, ir.Var) and v in self.active):
            return
        current = self.state.get(v)
        target = self.names.adjoint(v)
        if v in self.inplace.buffered:
            return self.contribute_in_place(v, target, current, expr, out)
        if isinstance(expr, gast.Name) and expr.id in self.buffer_names():
            expr = self.owned(expr)  # a buffer changes in place: never alias it
        if current is None:
            if isinstance(expr, gast.Name):
                self.state[v] = expr.id
                return
            self.write(v, target, expr, out)
        elif isinstance(expr, gast.UnaryOp) and isinstance(expr.op, gast.USub):
            self.write(v, target, gast.BinOp(name(current), gast.Sub(), expr.operand), out)
        else:
            self.write(v, target, gast.BinOp(name(current), gast.Add(), expr), out)

    def materialize(self, v, out):
        """Make `v`'s adjoint live in its own name (zero if it has none yet)."""
        target = self.names.adjoint(v)
        current = self.state.get(v)
        if current != target:
            if not current:
                value = self.zeros(v)
            elif v in self.inplace.buffered:
                value = self.owned(name(current))
            else:
                value = name(current)
            self.write(v, target, value, out)

    # -- adjoints updated in place (arrays written in place, arrays read by index) --
    def buffer_names(self):
        return {self.names.adjoint(v) for v in self.inplace.buffered}

    def contribute_in_place(self, v, target, current, expr, out):
        """A buffered adjoint is one array this sweep owns: create it once, then add in place."""
        if isinstance(expr, gast.Name) and expr.id == target:
            self.state[v] = target  # another version of the same array
            return
        scatter = isinstance(expr, tuple)
        if current is None:
            if scatter:
                self.write(v, target, self.zeros(v), out)
            else:
                fresh = isinstance(expr, (gast.BinOp, gast.UnaryOp))
                self.write(v, target, expr if fresh else self.owned(expr), out)
                return
        elif current != target:
            self.write(v, target, self.owned(name(current)), out)
        self.state[v] = target
        container = v in self.inplace.containers
        if scatter:
            g, index, index_value, basic = expr[1:]
            out.append(self.add_at(target, g, index, index_value, basic and not container))
        elif container:
            out.append(assign(target, self.emit.fix_roots(rt.add_values(Sym(name(target)), Sym(expr)).node)))
        else:
            out.append(gast.AugAssign(name(target, True), gast.Add(), expr))

    def add_at(self, target, g, index, index_value, basic):
        """`dx[index] += g`, or np.add.at when the index may repeat entries."""
        if basic:
            return gast.AugAssign(gast.Subscript(name(target), index, gast.Store()), gast.Add(), g)
        return gast.Expr(self.emit.fix_roots(rt.add_at(Sym(name(target)), Sym(index_value), Sym(g)).node))

    def basic_index(self, eqn):
        template = eqn.payload
        if any(isinstance(n, (gast.List, gast.Call)) for n in gast.walk(template)):
            return False
        return all(
            a in self.scalars or (isinstance(a, ir.Const) and isinstance(a.value, int))
            for a in eqn.args[1 if eqn.kind == "getitem" else 2 :]
        )

    def append(self, eqn):
        """`lst.append(v)` backwards: v's adjoint is the last entry of the list's
        adjoint, which then loses it; the list loses v if the sweep reads it."""
        code = []
        new, old, value = eqn.outs[0], eqn.args[0], eqn.args[1]
        buffer = self.state.get(new)
        if buffer:
            split = self.emit.fix_roots(rt.split_last(Sym(name(buffer))).node)
            wanted = isinstance(value, ir.Var) and value in self.active
            if wanted and self.state.get(value) is None and value not in self.inplace.buffered:
                piece = self.names.adjoint(value)
                self.state[value] = piece
            else:
                piece = self.names.fresh("piece") if wanted else "_"
            code.append(gast.Assign([gast.Tuple([name(piece, True), name(buffer, True)], gast.Store())], split, None))
            if wanted and self.state.get(value) != piece:
                self.contribute(value, name(piece), code)
            self.state[old] = buffer
        if self.inplace.needs_restore(eqn):
            code.append(gast.Expr(call(gast.Attribute(self.emit.atom(old), "pop", gast.Load()), [])))
        return code

    def add_at_back(self, eqn):
        """`add_at(g, index, v)` backwards: v's adjoint is the adjoint gathered at index
        (every repeat gets it); g's adjoint passes through unchanged."""
        code = []
        new, old, value = eqn.outs[0], eqn.args[0], eqn.args[1]
        buffer = self.state.get(new)
        if buffer:
            if isinstance(value, ir.Var) and value in self.active:
                gathered = Sym(gast.Subscript(name(buffer), self.emit.atom(eqn.args[2]), gast.Load()))
                self.contribute(value, self.emit.fix_roots(rt.unbroadcast(gathered, self.shape_sym(value)).node), code)
            self.state[old] = buffer
        if self.inplace.needs_restore(eqn):
            saved = self.saves.get(eqn) or self.names.fresh("saved")
            self.saves[eqn] = saved
            code.append(
                assign(gast.Subscript(self.emit.atom(old), self.emit.atom(eqn.args[2]), gast.Store()), name(saved))
            )
        return code

    def setitem(self, eqn):
        """`u[index] = value` backwards: the written part's adjoint goes to value and
        is zeroed in u's adjoint; then u gets back the part the write overwrote."""
        code = []
        new, old, value = eqn.outs[0], eqn.args[0], eqn.args[1]
        buffer = self.state.get(new)
        if buffer:
            if isinstance(value, ir.Var) and value in self.active:
                self.contribute(value, self.written_part(eqn, buffer, value), code)
            code.append(
                assign(gast.Subscript(name(buffer), self.emit.index(eqn), gast.Store()), gast.Constant(0.0, None))
            )
            self.state[old] = buffer
        saved = None
        if self.inplace.needs_restore(eqn):
            saved = self.saves.get(eqn) or self.names.fresh("saved")
            self.saves[eqn] = saved
        if saved and old in self.inplace.containers:
            # (a dict may have got the key from this write: then the key goes again)
            restore = rt.restore_part(Sym(self.emit.atom(old)), Sym(self.emit.index_value(eqn)), Sym(name(saved)))
            code.append(gast.Expr(self.emit.fix_roots(restore.node)))
        elif saved:
            code.append(assign(gast.Subscript(self.emit.atom(old), self.emit.index(eqn), gast.Store()), name(saved)))
        return code

    def written_part(self, eqn, buffer, value):
        """The adjoint of the value `u[index] = value` wrote: the buffer's part at index,
        a copy (the buffer's part is zeroed next), summed to value's shape unless the
        shapes analysis shows value fills the part without broadcasting."""
        if self.shapes.written_part_same(eqn) and self.basic_index(eqn):
            piece = gast.Subscript(name(buffer), self.emit.index(eqn), gast.Load())
            if value in self.inplace.buffered or self.state.get(value) or self.shapes.term(value) == SCALAR:
                return piece  # (added to an adjoint, copied by contribute_in_place, or a number)
            return call(gast.Attribute(piece, "copy", gast.Load()), [])
        part = rt.part(Sym(name(buffer)), Sym(self.emit.index_value(eqn)), self.shape_sym(value))
        return self.emit.fix_roots(part.node)

    def write(self, v, target, expr, out):
        """`target = expr` as v's adjoint; values that alias `target` keep the old one."""
        moved_to = set()
        for w, held in list(self.state.items()):
            if held == target and w is not v:
                moved = self.names.adjoint(w)
                if moved == target:
                    continue
                if moved not in moved_to:
                    out.append(assign(moved, name(target)))
                    moved_to.add(moved)
                self.state[w] = moved
        out.append(assign(target, expr))
        self.state[v] = target

    # -- blocks -----------------------------------------------------------------------
    def block(self, block, in_loop):
        """-> (forward statements, reverse statements) for one block."""
        rev, forward_of = [], {}
        last_line = None
        for stmt in reversed(block):
            progress.at(stmt.loc)
            if isinstance(stmt, ir.Eqn):
                code = self.eqn(stmt)
            elif isinstance(stmt, ir.If):
                forward_of[stmt], code = self.branch(stmt, in_loop)
            else:
                forward_of[stmt], code = self.loop(stmt)
            for o in stmt.outs:
                # (its adjoint is complete and used: a name that still held it must not
                # be moved into later, where it could overwrite a live adjoint)
                self.state.pop(o, None)
            if code:
                line = stmt.loc.lineno if stmt.loc else None
                if line != last_line and stmt.loc and stmt.loc.line:
                    where = (
                        f"line {line}"
                        if stmt.loc.filename == self.filename
                        else f"line {line} of {stmt.loc.filename.rsplit('/', 1)[-1]}"
                    )
                    rev.append(comment(f"{where}: {stmt.loc.line.strip()}"))
                    last_line = line
                rev += code
        fwd = []
        for stmt in block:
            if isinstance(stmt, ir.Eqn):
                fwd += self.save_before(stmt) + [self.emit.statement(stmt)]
            else:
                fwd += forward_of[stmt]
        return fwd, rev

    def save_before(self, eqn):
        """Keep the part of an array a write overwrites, if the sweep reads the old values."""
        if eqn.kind not in ("setitem", "add_at") or not self.inplace.needs_restore(eqn):  # (append: pop)
            return []
        saved = self.saves[eqn]
        self.region_defs[eqn] = [saved]
        index = self.emit.index_value(eqn) if eqn.kind == "setitem" else self.emit.atom(eqn.args[2])
        part = rt.saved_part(Sym(self.emit.atom(eqn.args[0])), Sym(index))
        return [assign(saved, self.emit.fix_roots(part.node))]

    def defined(self, block, extra=()):
        names = set(extra)
        for stmt in block:
            names.update(self.names.var(o) for o in stmt.outs)
            names.update(self.region_defs.get(stmt, ()))
        return names

    # -- equations ----------------------------------------------------------------------
    def eqn(self, eqn):
        if eqn.kind == "setitem":
            return self.setitem(eqn)
        if eqn.kind == "add_at":
            return self.add_at_back(eqn)
        if eqn.kind == "append":
            return self.append(eqn)
        gs = [self.state.get(o) for o in eqn.outs]
        if not any(gs) or lookup.is_nondiff(eqn):
            return []
        varied = [a for a in eqn.atoms if isinstance(a, ir.Var) and a in self.active]
        if not varied:
            return []
        g = (ONE if gs[0] == ONE_NAME else Sym(name(gs[0]))) if len(gs) == 1 else None
        if eqn.kind == "getitem":
            x = eqn.args[0]  # (an index is discrete: it carries no derivative)
            if x in self.inplace.buffered:
                out = []
                index = (self.emit.index(eqn), self.emit.index_value(eqn), self.basic_index(eqn))
                self.contribute(x, ("scatter", self.emit.fix_roots(to_node(g))) + index, out)
                return out
            parts = [(x, rt.scatter(g, self.shape_sym(x), Sym(self.emit.index_value(eqn))))]
        elif eqn.kind == "build" and eqn.payload == "dict":
            parts = [(v, g[self.value(k)]) for k, v in zip(eqn.args[0::2], eqn.args[1::2]) if isinstance(v, ir.Var)]
        elif eqn.kind == "build":
            parts = [(a, g[i]) for i, a in enumerate(eqn.args) if isinstance(a, ir.Var)]
        elif eqn.kind == "unpack":
            # a, b = t: each name's adjoint goes into its slot of t's adjoint
            out, t = [], eqn.args[0]
            for i, (o, held) in enumerate(zip(eqn.outs, gs)):
                if held:
                    slot = gast.Constant(i, None)
                    self.contribute(t, ("scatter", name(held), slot, slot, True), out)
            return out
        else:
            parts = self.rule_parts(eqn, g)
        return self.add_parts(parts, gs[0] if gs else None)

    def rule_parts(self, eqn, g):
        rule = lookup.rule(eqn)
        if rule is None:
            raise self.error(
                eqn,
                f"no derivative rule for {self.describe(eqn)}",
                hint=missing_rule_hint(eqn),
            )
        args = [self.value(a) for a in eqn.args]
        kwargs = {k: self.value(v) for k, v in eqn.kwargs.items()}
        ans = self.sym(eqn.outs[0])
        try:
            bound = rule.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise self.error(eqn, f"cannot match the arguments of {self.describe(eqn)}: {exc}") from None
        params = list(rule.signature.parameters)
        slots = {}
        for i, a in enumerate(eqn.args):
            slots.setdefault(a, []).append(min(i, len(params) - 1))
        for k, a in eqn.kwargs.items():
            slots.setdefault(a, []).append(params.index(k) if k in params else len(params))
        parts = []
        for a, positions in slots.items():
            if not (isinstance(a, ir.Var) and a in self.active):
                continue
            for i in positions:
                vjp = rule.vjps[i] if i < len(rule.vjps) else None
                if vjp is nograd:
                    continue
                if vjp is None:
                    param = params[i] if i < len(params) else "?"
                    raise self.error(eqn, f"{self.describe(eqn)} has no derivative with respect to '{param}'")
                try:
                    part = self.run_vjp(vjp, g, ans, bound)
                except S2SGradError as exc:
                    if exc.loc is not None:
                        raise
                    raise self.error(eqn, exc.reason, exc.hint) from None
                if self.shapes.specialised:
                    part = specialise.helpers(part, self.known_shapes(eqn))
                if rule.elementwise and self.needs_unbroadcast(a, eqn):
                    part = self.unbroadcast(part, a, eqn.outs[0], g is not ONE)
                parts.append((a, part))
        return parts

    def known_shapes(self, eqn):
        """name -> shape of the equation's values that the (specialised) shapes analysis knows."""
        found = {}
        for v in [a for a in eqn.atoms if isinstance(a, ir.Var)] + list(eqn.outs):
            spelled, shape = self.names.var(v), self.shapes.known(v)
            found[spelled] = shape if found.get(spelled, shape) == shape else None
        return found.get

    def unbroadcast(self, part, a, out, shaped_like_out=True):
        """Sum an element-wise contribution to `out` down to a's shape: all of it for a
        number from an array (`unbroadcast` is quicker where both may be numbers); over
        the broadcast axes where both shapes are known."""
        if a in self.scalars and isinstance(part, Sym) and self.shapes.has_axes(out):
            return np.sum(part)
        target, source = self.shapes.known(a), self.shapes.known(out)
        if isinstance(part, Sym) and shaped_like_out and target is not None and source is not None:
            summed = specialise.sum_to(part, target, source)
            if summed is not None:
                return summed
        return rt.unbroadcast(part, self.shape_sym(a))

    @staticmethod
    def run_vjp(vjp, g, ans, bound):
        part = vjp(g, ans, *bound.args, **bound.kwargs)
        if g is ONE and not isinstance(part, (Sym, int, float)):
            # the rule computed with the literal seed; let it emit code instead
            part = vjp(Sym(name(ONE_NAME)), ans, *bound.args, **bound.kwargs)
        return part

    def add_parts(self, parts, g_name):
        """Emit contributions; one that overwrites the incoming adjoint's name goes last."""
        merged = {}
        for v, part in parts:
            node = self.emit.fix_roots(to_node(part))
            merged[v] = gast.BinOp(merged[v], gast.Add(), node) if v in merged else node
        order = sorted(merged, key=lambda v: self.names.adjoint(v) == g_name)
        out = []
        for v in order:
            self.contribute(v, merged[v], out)
        return out

    # -- branches -------------------------------------------------------------------------
    def branch(self, s, in_loop):
        before = dict(self.state)
        inner = {o for blk in (s.then, s.orelse) for st in ir.walk(blk) for o in st.outs}
        arms = []
        for blk, outs in ((s.then, s.then_outs), (s.orelse, s.else_outs)):
            self.state = dict(before)
            rev = []
            # (one value may feed two phis: its adjoint is their sum, read before either
            # is overwritten, as the two may share one buffer)
            for out in dict.fromkeys(o for phi, o in zip(s.outs, outs) if self.state.get(phi)):
                held = [self.state[phi] for phi, o in zip(s.outs, outs) if o is out and self.state.get(phi)]
                total = name(held[0])
                for h in held[1:]:
                    total = gast.BinOp(total, gast.Add(), name(h))
                self.contribute(out, total, rev)
            fwd, body_rev = self.block(blk, in_loop)
            arms.append([fwd, rev + body_rev, dict(self.state)])
        # Outer adjoints that the arms left in different places meet in one name.
        changed = {
            v for _, _, st in arms for v in st if v not in inner and v not in s.outs and st.get(v) != before.get(v)
        }
        for v in sorted(changed, key=lambda v: v.id):
            for arm in arms:
                self.state = arm[2]
                self.materialize(v, arm[1])
        self.state = arms[0][2]
        for v in changed:
            self.state[v] = self.names.adjoint(v)
        return self.branch_code(s, arms, in_loop)

    def branch_code(self, s, arms, in_loop):
        phi_names = [self.names.var(o) for o in s.outs]
        pack = None
        needed = []
        for (fwd, rev, _), blk in zip(arms, (s.then, s.orelse)):
            needed.append(sorted(free_names(rev) & self.defined(blk)) if in_loop else [])
        if any(needed):
            pack = self.names.fresh("branch")
            self.region_defs[s] = [pack]
        fwd_arms, rev_arms = [], []
        for (fwd, rev, _), outs, keep in zip(arms, (s.then_outs, s.else_outs), needed):
            fwd = list(fwd)
            pairs = [
                (p, self.emit.atom(o))
                for p, o in zip(phi_names, outs)
                if not (isinstance(o, ir.Var) and self.names.var(o) == p)
            ]
            if pairs:
                fwd.append(assign_many([p for p, _ in pairs], [o for _, o in pairs]))
            if pack:
                fwd.append(assign(pack, self.kept(keep, rev, as_tuple=True)))
                rev = [self.unpack(keep, pack)] + rev if keep else rev
            fwd_arms.append(fwd or [gast.Pass()])
            rev_arms.append(rev)
        cond = self.emit.atom(s.cond)
        fwd_code = [gast.If(cond, fwd_arms[0], fwd_arms[1] if fwd_arms[1] != [gast.Pass()] else [])]
        if fwd_arms[1] and isinstance(fwd_arms[1][0], gast.Pass):
            fwd_code[0].orelse = []
        rev_code = []
        if any(rev_arms):
            then, orelse = rev_arms
            if not then:
                rev_code = [gast.If(gast.UnaryOp(gast.Not(), self.emit.atom(s.cond)), orelse, [])]
            else:
                rev_code = [gast.If(self.emit.atom(s.cond), then, orelse)]
        return fwd_code, rev_code

    def kept(self, keep, rev_code, as_tuple=False):
        """What a tape or branch pack holds for `keep`: the value, or just its shape."""
        shapes = shape_only(set(keep), rev_code, self.emit.spell_root.bindings)
        items = [self.emit.fix_roots(rt.shape_of(Sym(name(n))).node) if n in shapes else name(n) for n in keep]
        return items[0] if len(items) == 1 and not as_tuple else gast.Tuple(items, gast.Load())

    @staticmethod
    def unpack(names, source):
        if len(names) == 1:
            target = gast.Tuple([name(names[0], True)], gast.Store())
        else:
            target = gast.Tuple([name(n, True) for n in names], gast.Store())
        return gast.Assign([target], name(source), None)

    # -- loops ------------------------------------------------------------------------------
    def loop(self, s):
        carried = [(c, i, o, y) for c, i, o, y in zip(s.carried, s.inits, s.body_outs, s.outs)]
        active = [(c, i, o, y) for c, i, o, y in carried if c in self.active or y in self.active]
        body_defs = {o for st in ir.walk(s.body) for o in st.outs}
        inner = (
            body_defs
            | set(s.carried)
            | {o for st in ir.walk(s.cond_block if isinstance(s, ir.While) else []) for o in st.outs}
        )
        if isinstance(s, ir.For):
            inner.add(s.index)
        for c, i, o, y in active:
            if self.can_coalesce(s, c, o):
                self.names.share_adjoint(c, y)

        # A dry run finds the outer adjoints the body adds to; they must live in
        # their own names before the loop so that every iteration accumulates.
        before, saved = dict(self.state), (self.names.snapshot(), dict(self.region_defs), dict(self.saves))
        self.reverse_body(s, active, body_defs)
        touched = [v for v in self.state if v not in inner and self.state.get(v) != before.get(v)]
        self.state = before
        self.names.restore(saved[0])
        self.region_defs, self.saves = saved[1], saved[2]
        pre = []
        for v in sorted(touched, key=lambda v: v.id):
            if v not in [y for *_, y in active]:
                self.materialize(v, pre)
        for c, i, o, y in active:
            self.materialize(y, pre)
        fwd_body, rev_body = self.reverse_body(s, active, body_defs)
        for c, i, o, y in active:
            self.state.pop(c, None)

        # the loop's code first: what it passes through the sweep depends on the
        # adjoints live before it, not on those the initial values get after it
        if s.checkpoint is not None:
            fwd, rev_loop = checkpointing.loop_code(self, s, fwd_body, rev_body, carried, active, touched)
        else:
            fwd, rev_loop = self.loop_code(s, fwd_body, rev_body, carried)
        after = []
        for c, i, o, y in active:
            self.contribute(i, name(self.names.adjoint(y)), after)
        return fwd, pre + rev_loop + after

    def can_coalesce(self, s, c, o):
        """May the carried value's adjoint share the loop adjoint's name? Only if
        every use of `c` comes before the statement that makes `o`."""
        if not isinstance(o, ir.Var):
            return False
        seen_def = False
        for stmt in s.body:
            uses = self.uses(stmt)
            if seen_def and c in uses:
                return False
            if o in stmt.outs:
                if not isinstance(stmt, ir.Eqn) and c in uses:
                    return False
                seen_def = True
        if s.exit is not None and s.exit is c:
            return False
        return (
            seen_def
            and c not in [b for b in s.body_outs if b is not o]
            and not (isinstance(s, ir.While) and any(c in self.uses(st) for st in s.cond_block))
        )

    @staticmethod
    def uses(stmt):
        found = set(a for a in ir.reads(stmt) if isinstance(a, ir.Var))
        for blk in ir.sub_blocks(stmt):
            for st in ir.walk(blk):
                found.update(a for a in ir.reads(st) if isinstance(a, ir.Var))
        for outs in ir.region_results(stmt):
            found.update(a for a in outs if isinstance(a, ir.Var))
        return found

    def reverse_body(self, s, active, body_defs):
        """Forward and reverse code of one iteration, with the carried adjoints handed on."""
        start = []
        for c, i, o, y in active:
            d = self.names.adjoint(y)
            if isinstance(o, ir.Var) and o in body_defs and o not in self.state:
                if o in self.inplace.buffered and self.inplace.versions.find(o) is not self.inplace.versions.find(c):
                    # a new array each pass, written in place: its adjoint is updated in place too
                    start.append(assign(d, self.owned(name(d))))
                self.state[o] = d
            else:
                self.contribute(o, name(d), start)
        fwd, rev = self.block(s.body, True)
        targets, values = [], []
        for c, i, o, y in active:
            d = self.names.adjoint(y)
            current = self.state.get(c)
            if current != d:
                targets.append(d)
                values.append(name(current) if current else self.zeros(c))
        end = [assign_many(targets, values)] if targets else []
        return fwd, start + rev + end

    def loop_code(self, s, fwd_body, rev_body, carried):
        names = self.names
        c_names = [names.var(c) for c, *_ in carried]
        inits = [
            (n, self.emit.atom(i))
            for n, (c, i, o, y) in zip(c_names, carried)
            if not (isinstance(i, ir.Var) and names.var(i) == n)
        ]
        back = [
            (n, self.emit.atom(o))
            for n, (c, i, o, y) in zip(c_names, carried)
            if not (isinstance(o, ir.Var) and names.var(o) == n)
        ]
        index = names.var(s.index) if isinstance(s, ir.For) else None
        body_names = self.defined(s.body, c_names + ([index] if index else []))
        needed = sorted(free_names(rev_body) & body_names) if rev_body else []
        pre, body, rev_head = [], list(fwd_body), None
        if inits:
            pre.append(assign_many([n for n, _ in inits], [v for _, v in inits]))
        bounds = [self.emit.atom(b) for b in s.bounds] if index else None
        if rev_body and index and set(needed) <= {index} and s.exit is None:
            rev_head = gast.For(name(index, True), call("reversed", [call("range", bounds)]), [], [], None)
        elif rev_body and (needed or index):
            tape = names.fresh("tape")
            self.region_defs[s] = [tape]
            keep = needed or [index]
            pre.append(assign(tape, gast.List([], gast.Load())))
            item = self.kept(keep, rev_body)
            body.append(gast.Expr(call(gast.Attribute(name(tape), "append", gast.Load()), [item])))
            target = name(keep[0], True) if len(keep) == 1 else gast.Tuple([name(n, True) for n in keep], gast.Store())
            rev_head = gast.For(target, call("reversed", [name(tape)]), [], [], None)
        elif rev_body:
            steps = names.fresh("steps")
            self.region_defs[s] = [steps]
            pre.append(assign(steps, gast.Constant(0, None)))
            body.append(gast.AugAssign(name(steps, True), gast.Add(), gast.Constant(1, None)))
            rev_head = gast.For(name("_", True), call("range", [name(steps)]), [], [], None)
        if back:
            body.append(assign_many([n for n, _ in back], [v for _, v in back]))
        if s.exit is not None:
            body.append(gast.If(self.emit.atom(s.exit), [gast.Break()], []))
        if isinstance(s, ir.For):
            loop = gast.For(name(index, True), call("range", bounds), body or [gast.Pass()], [], None)
        else:
            loop = self.while_head(s, body)
        rev = []
        if rev_head is not None:
            rev_head.body = rev_body
            rev = [rev_head]
        return pre + [loop], rev

    def while_head(self, s, body):
        cond = [self.emit.statement(e) for e in s.cond_block]
        if len(s.cond_block) == 1 and s.cond_block[0].outs == [s.cond]:
            return gast.While(self.emit.expr(s.cond_block[0]), body or [gast.Pass()], [])
        test = gast.If(gast.UnaryOp(gast.Not(), self.emit.atom(s.cond)), [gast.Break()], [])
        return gast.While(gast.Constant(True, None), cond + [test] + body, [])

    # -- errors ---------------------------------------------------------------------------------
