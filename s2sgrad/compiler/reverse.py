"""Reverse mode: an SSA graph -> forward sweep and reverse sweep as gast statements.

The forward sweep is the primal code; straight-line values stay in locals. The
reverse sweep runs each equation's rule in reverse order; branches and loops
(their tapes) are `reverse_control.py`'s, adjoints of arrays written in place,
updated in place (the `InPlace` plan), are `reverse_writes.py`'s.

Adjoints are accumulated in one place (`contribute`): the first contribution to
a value is an assignment or a plain alias, later ones add, and a zero array
is made only where a branch or a loop needs a value that got no contribution.
"""

import gast
import numpy as np

from . import ir, leaves, progress, specialise
from .codegen import assign, comment, name, walk
from .context import missing_rule_hint, RuleContext
from .functional import FunctionalWrites
from .reverse_control import ControlFlowAdjoints, Held
from .reverse_writes import InPlaceAdjoints
from .shapes import Shapes
from .siblings import Siblings
from ..errors import S2SGradError
from ..rules import lookup, nograd
from ..rules.sym import Sym, rt, to_node


# The adjoint of a scalar result in `grad` is the literal 1.0: rules see the
# number (so `g * d` folds to `d`) and generated code spells it `1.0`.
ONE, ONE_NAME = 1.0, "1.0"
UNITS = {ONE_NAME: ONE, "-1.0": -ONE}  # (a sum loop's body hands on -1.0 too: sum_loops.py)


def _unit(expr):
    """The name in UNITS of an expression 1.0 or -1.0, else None."""
    sign = ""
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, gast.USub):
        sign, expr = "-", expr.operand
    if isinstance(expr, gast.Constant) and type(expr.value) is float and abs(expr.value) == ONE:
        value = -expr.value if sign else expr.value
        return ONE_NAME if value == ONE else "-1.0"
    return None


class Reverse(ControlFlowAdjoints, InPlaceAdjoints, FunctionalWrites, RuleContext):
    def __init__(self, graph, active, scalars, names, emitter, inplace, shapes=None):
        self.graph = graph
        self.active = active
        self.scalars = scalars
        self.shapes = shapes or Shapes()  # which values certainly share a shape (shapes.py)
        self.names = names
        self.emit = emitter
        self.inplace = inplace  # InPlace: buffered adjoints, versions of written arrays, restores
        self.state = Held()  # Var -> the Python name holding its adjoint now (absent: zero)
        self.region_defs = {}  # region stmt -> extra names it defines (tapes, packs, counters)
        self.saves = {}  # setitem -> name keeping the part it overwrites
        self.value_reads = set()  # Vars whose values the reverse sweep reads
        self.siblings = Siblings(graph, scalars, names)  # values f(x) a slope's f(x) may read
        self.split = leaves.Adjoints({})  # container arguments split into their items
        # in a loop body: carried adjoints' names known to hold an array this sweep owns
        # (copied once before the loop), and those an in-place update relied on
        self.owned_names, self.owned_used = set(), set()
        self.consuming = ()  # the results of the statements whose reverse is being written (nested)
        self.filename = graph.parsed.filename if graph.parsed else None

    # -- adjoint bookkeeping ----------------------------------------------------
    def numpy_name(self):
        """How the code spells NumPy, if it does yet."""
        bound = getattr(self.emit.spell_root, "bindings", {})
        return next((k for k, obj in bound.items() if obj is np), None)

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
            if self.unit_seed and _unit(expr):  # (the seed handed on, or its negation: rules see the number)
                self.state[v] = _unit(expr)
                return
            self.write(v, target, expr, out)
        elif v in self.inplace.dicts:  # (key by key: `+` fails on dicts)
            self.write(v, target, self.emit.fix_roots(rt.add_values(Sym(name(current)), Sym(expr)).node), out)
        elif isinstance(expr, gast.UnaryOp) and isinstance(expr.op, gast.USub):
            self.write(v, target, gast.BinOp(name(current), gast.Sub(), expr.operand), out)
        else:
            self.write(v, target, specialise.plus(name(current), expr, self.shapes.known(v), self.numpy_name()), out)

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
        # (a buffered adjoint is written an array this sweep owns: zeros, a sum, a copy)
        self.owned_names -= moved_to | (set() if v in self.inplace.buffered else {target})
        out.append(assign(target, expr))
        self.state[v] = target

    # -- blocks -----------------------------------------------------------------------
    def block(self, block, in_loop):
        """-> (forward statements, reverse statements) for one block."""
        rev, forward_of = [], {}
        last_line = None
        for stmt in reversed(block):
            progress.at(stmt.loc)
            # (a loop's carried and initial values share its buffers by design while its
            # passes are reversed: not another value's adjoint to add to)
            around = list(stmt.carried) + [i for i in stmt.inits if isinstance(i, ir.Var)] if ir.is_loop(stmt) else []
            outer, self.consuming = self.consuming, self.consuming + tuple(stmt.outs) + tuple(around)
            if isinstance(stmt, ir.Eqn):
                code = self.eqn(stmt)
            elif isinstance(stmt, ir.If):
                forward_of[stmt], code = self.branch(stmt, in_loop)
            else:
                forward_of[stmt], code = self.loop(stmt)
            self.consuming = outer
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
        if self.inplace.copies(eqn):
            return self.copy_before(eqn)
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
        if eqn.kind == "getitem" and eqn.args[0] in self.split.found:
            return self.split.read_back(self, eqn)
        gs = [self.state.get(o) for o in eqn.outs]
        if not any(gs) or lookup.is_nondiff(eqn):
            return []
        varied = [a for a in eqn.atoms if isinstance(a, ir.Var) and a in self.active]
        if not varied:
            return []
        g = (UNITS[gs[0]] if gs[0] in UNITS else Sym(name(gs[0]))) if len(gs) == 1 else None
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
        # (the values the rule's adjoints name are marked read below, not every argument:
        # a write into an array no adjoint reads needs no saved part to put back)
        args = [self.value(a, mark=False) for a in eqn.args]
        kwargs = {k: self.value(v, mark=False) for k, v in eqn.kwargs.items()}
        ans = self.sym(eqn.outs[0], mark=False)
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
        parts, made = self.siblings.reuse(parts, eqn)  # (cos(x) read where the code made it)
        self.mark_reads(parts, eqn.atoms + eqn.outs[:1] + made)
        return parts

    def mark_reads(self, parts, atoms):
        """Add to `value_reads` the atoms whose names the adjoint parts read."""
        read = {n.id for _, p in parts for n in walk(to_node(p)) if isinstance(n, gast.Name)}
        self.value_reads.update(a for a in atoms if isinstance(a, ir.Var) and self.names.var(a) in read)

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
            merged[v] = (
                specialise.plus(merged[v], node, self.shapes.known(v), self.numpy_name()) if v in merged else node
            )
        order = sorted(merged, key=lambda v: self.names.adjoint(v) == g_name)
        out = []
        for v in order:
            self.contribute(v, merged[v], out)
        return out
