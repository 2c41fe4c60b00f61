"""Reverse mode of control flow: branches and loops (mixed into `reverse.Reverse`).

A loop keeps, per iteration, exactly the values its reverse body reads (its
tape), and a branch inside a loop packs the values its reverse reads into one
tuple that the loop's tape keeps. The reverse sweep replays branches from their
recorded condition and runs loops backwards over their tape (or over
`reversed(range(...))` when nothing but the index is needed); a checkpointed
loop's code is made by `checkpointing.loop_code`.
"""

import gast

from . import checkpointing, ir, loop_skeleton, sum_loops
from .codegen import assign, assign_many, call, free_names, name, stored_names, walk
from ..rules.sym import Sym, rt


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
    for node in (n for st in stmts for n in walk(st)):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and node.func.id in helpers:
            pos = _SHAPE_ARGS[helpers[node.func.id]]
            if pos < len(node.args) and isinstance(node.args[pos], gast.Name):
                marked[id(node.args[pos])] = marked.get(id(node.args[pos]), 0) + 1
    loads = {}
    for node in (n for st in stmts for n in walk(st)):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) and node.id in names:
            loads.setdefault(node.id, {}).setdefault(id(node), [0])[0] += 1
    return {n for n, seen in loads.items() if all(marked.get(i, 0) == count[0] for i, count in seen.items())}


class Held(dict):
    """Var -> the Python name holding its adjoint now (absent: zero). Every new holder
    is also written to `log`, which its copies share: a loop reads the entries its
    body made to learn which outer adjoints the body adds to."""

    def __init__(self, items=(), log=None):
        super().__init__(items)
        self.log = [] if log is None else log

    def __setitem__(self, v, held):
        self.log.append((v, held))
        super().__setitem__(v, held)

    def copy(self):
        return Held(self, self.log)

    def put_back(self, v, held):
        """Give `v` its earlier holder again (None: none), unlogged."""
        if held is None:
            self.pop(v, None)
        else:
            super().__setitem__(v, held)


class ControlFlowAdjoints:
    """Branches and loops of `Reverse`: the straight-line adjoints (`contribute`,
    `materialize`, `block`) come from it."""

    loop_depth = 0  # how many loops the statement being reversed is in, itself included
    # a sum loop's body reversed with the seed 1.0 (sum_loops.py), and whether it
    # reached the accumulator unchanged
    unit_seed, seed_through = None, False
    arm_reads = frozenset()  # (the values its branches' reverse reads, made in the arms)

    # -- branches -------------------------------------------------------------------------
    def branch(self, s, in_loop):
        before = self.state.copy()
        inner = {o for blk in (s.then, s.orelse) for st in ir.walk(blk) for o in st.outs}
        arms = []
        for blk, outs in ((s.then, s.then_outs), (s.orelse, s.else_outs)):
            self.state = before.copy()
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
            arms.append([fwd, rev + body_rev, self.state.copy()])
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
            kept = sorted(free_names(rev) & self.defined(blk))
            needed.append(kept if in_loop else [])
            if self.unit_seed:  # (read after the pass's forward, unpacked: sum_loops checks them)
                self.arm_reads.update(kept)
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

    def kept(self, keep, rev_code, as_tuple=False, values=()):
        """What a tape or branch pack holds for `keep`: the value, or just its shape
        (`values`: names kept as values whatever the reverse code reads of them)."""
        shapes = shape_only(set(keep) - set(values), rev_code, self.emit.spell_root.bindings)
        items = [self.emit.fix_roots(rt.shape_of(Sym(name(n))).node) if n in shapes else name(n) for n in keep]
        return items[0] if len(items) == 1 and not as_tuple else gast.Tuple(items, gast.Load())

    def outer_names(self, carried):
        """The carried names a loop's initial values have too (an array written in place,
        or into a copy in the functional flavour): the reversed loop binds them pass by
        pass, and what runs after it (the sweep of the code before the loop) reads the
        value the first pass began with. A pass that leaves such a name alone (returns
        early, skips its write) hands that value on from the tape, so the tape keeps the
        value, not only its shape (F55)."""
        return {self.names.var(i) for _, i, *_ in carried if isinstance(i, ir.Var)} & {
            self.names.var(c) for c, *_ in carried
        }

    @staticmethod
    def unpack(names, source):
        if len(names) == 1:
            target = gast.Tuple([name(names[0], True)], gast.Store())
        else:
            target = gast.Tuple([name(n, True) for n in names], gast.Store())
        return gast.Assign([target], name(source), None)

    # -- loops ------------------------------------------------------------------------------
    def loop(self, s):
        self.loop_depth += 1
        try:
            return self.loop_adjoint(s)
        finally:
            self.loop_depth -= 1

    def loop_adjoint(self, s):
        carried = [(c, i, o, y) for c, i, o, y in zip(s.carried, s.inits, s.body_outs, s.outs)]
        active = [(c, i, o, y) for c, i, o, y in carried if c in self.active or y in self.active]
        body_defs = {o for st in ir.walk(s.body) for o in st.outs}
        inner = body_defs | self.loop_values(s)
        for st in ir.walk(s.body):
            inner |= self.loop_values(st)
        for c, i, o, y in active:
            if self.can_coalesce(s, c, o):
                self.names.share_adjoint(c, y)
            elif self.names.adjoints.get(c) and self.names.adjoints.get(c) == self.names.adjoints.get(i):
                # (the carried value is the initial one's buffer, so the pass's items read
                # from the initial value already add into it: the result's adjoint is that
                # buffer too, not a second one added to it after the loop (F64))
                self.names.share_adjoint(y, c)
        fused = sum_loops.fused(self, s, active, body_defs, inner)
        if fused is not None:
            return fused

        fwd_body, rev_body, touched, entry, owned = self.reverse_body_once(s, active, body_defs, inner)
        pre, after = [], self.state
        self.state = entry
        for v in sorted(touched, key=lambda v: v.id):
            if v not in [y for *_, y in active]:
                self.materialize(v, pre)
        for c, i, o, y in active:
            made = len(pre)
            self.materialize(y, pre)
            if self.names.adjoint(y) in owned:
                self.own_before(self.names.adjoint(y), pre[made:], pre)
        self.state = after
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
        self.owned_names -= stored_names(pre + rev_loop + after)
        return fwd, pre + rev_loop + after

    def own_before(self, d, made, pre):
        """Make the carried adjoint `d` an array this sweep owns before the loop, once,
        so that the passes update it in place without a copy each (`made`: the
        statements that set it before the loop, if any)."""
        last = made[-1] if made else None
        if last is not None and isinstance(last, gast.Assign) and isinstance(last.value, gast.Name):
            last.value = self.owned(last.value)  # (dy = dout: dy = owned(dout))
        elif last is None:
            pre.append(assign(d, self.owned(name(d))))
        # (otherwise it was just made: zeros, or owned already)

    @staticmethod
    def loop_values(s):
        """The values a loop statement makes that are no statement's outs: its carried
        values, its index, the values of its condition."""
        if not isinstance(s, ir.Loop):
            return set()
        found = set(s.carried)
        if isinstance(s, ir.For):
            found.add(s.index)
        else:
            found.update(o for st in ir.walk(s.cond_block) for o in st.outs)
        return found

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

    def reverse_body_once(self, s, active, body_defs, inner):
        """Forward and reverse code of one iteration, the outer values whose adjoints it
        adds to (or moves), and the adjoints' holders before the loop.

        Those adjoints must live in their own names before the loop, so that every
        iteration accumulates: the body is reversed with the adjoints of the outer values
        it reads (and of the loop's results) in their names already, and the ones it did
        not add to get their earlier holders back. (A body that moves another outer
        adjoint, one held in a name the body writes, is reversed again with that one in
        its name too.)"""
        entry, saved = self.state.copy(), (self.names.snapshot(), dict(self.region_defs), dict(self.saves))
        ys = {y for *_, y in active}
        reads = self.outer_reads(s, inner) | ys
        carried = self.carried_buffers(active)
        while True:
            named = self.names.adjoints
            preset = {v for v in reads if entry.get(v) is None or entry.get(v) != named.get(v)}
            new_names = {v for v in preset if v not in named}
            for v in sorted(preset, key=lambda v: v.id):
                self.state[v] = self.names.adjoint(v)
            mark = len(self.state.log)
            outer = self.owned_names, self.owned_used
            self.owned_names, self.owned_used = set(carried), set()
            fwd, rev = self.reverse_body(s, active, body_defs)
            owned, kept = self.owned_used, self.owned_names
            self.owned_names, self.owned_used = outer
            changed = {v for v, _ in self.state.log[mark:] if v not in inner}
            strays = {v for v in changed - preset if self.state.get(v) != entry.get(v)}
            # (a pass must end with the carried adjoint still owned, in its name)
            lost = {
                d
                for c, i, o, y in active
                if (d := self.names.adjoint(y)) in owned and not (d in kept and self.state.get(c) in (None, d))
            }
            if not strays and not lost:
                break
            reads |= strays
            carried -= lost
            self.state = entry.copy()
            self.names.restore(saved[0])
            self.region_defs, self.saves = dict(saved[1]), dict(saved[2])
        # (an outer value held in a name the body writes would have been moved out of it)
        written = stored_names(rev)
        touched = {v for v in preset - ys if v in changed or entry.get(v) in written}
        for v in preset - touched - ys:
            self.state.put_back(v, entry.get(v))
            if v in new_names:
                self.names.forget_adjoint(v)
        return fwd, rev, touched, entry, owned

    def carried_buffers(self, active):
        """The carried adjoints updated in place under the loop result's name (`dy` for
        y and the y the body makes): copied once before the loop, not on each pass."""
        held = self.names.adjoints  # (names are not made here: that would renumber others)
        return {
            held[y] for c, i, o, y in active if c in self.inplace.buffered and held.get(y) and held.get(c) == held[y]
        }

    def outer_reads(self, s, inner):
        """The active values from outside the loop that its body reads or hands on."""
        found = set(s.body_outs)
        for st in ir.walk(s.body):
            found.update(ir.reads(st))
            for outs in ir.region_results(st):
                found.update(outs)
        return {v for v in found if isinstance(v, ir.Var) and v in self.active and v not in inner}

    def reverse_body(self, s, active, body_defs):
        """Forward and reverse code of one iteration, with the carried adjoints handed on."""
        start = []
        for c, i, o, y in active:
            d = self.names.adjoint(y)
            if self.unit_seed:  # (the one sum of a sum loop: no carried adjoint to hand on)
                self.state[o] = self.unit_seed
            elif isinstance(o, ir.Var) and o in body_defs and o not in self.state:
                if o in self.inplace.buffered and self.inplace.versions.find(o) is not self.inplace.versions.find(c):
                    # a new array each pass, written in place: its adjoint is updated in place too
                    start.append(assign(d, self.owned(name(d))))
                self.state[o] = d
            else:
                self.contribute(o, name(d), start)
        # (a sum loop's reverse runs at the end of the same pass: its branches keep no pack)
        fwd, rev = self.block(s.body, not self.unit_seed)
        targets, values = [], []
        for c, i, o, y in active:
            d = self.names.adjoint(y)
            current = self.state.get(c)
            if self.unit_seed:
                self.seed_through = current == self.unit_seed
                continue
            if current != d:
                targets.append(d)
                values.append(name(current) if current else self.zeros(c))
        end = [assign_many(targets, values)] if targets else []
        return fwd, start + rev + end

    def loop_code(self, s, fwd_body, rev_body, carried):
        """The loop of the forward sweep, keeping what the reverse reads (a tape of it,
        or a count of the passes), and the reversed loop around `rev_body`."""
        names = self.names
        c_names = [names.var(c) for c, *_ in carried]
        index = names.var(s.index) if isinstance(s, ir.For) else None
        body_names = self.defined(s.body, c_names + ([index] if index else []))
        needed = sorted(free_names(rev_body) & body_names) if rev_body else []
        before, body, rev_head = [], list(fwd_body), None
        bounds = [self.emit.atom(b) for b in s.bounds] if index else None
        if rev_body and index and set(needed) <= {index} and s.exit is None:
            rev_head = gast.For(name(index, True), call("reversed", [call("range", bounds)]), [], [], None)
        elif rev_body and (needed or index):
            tape = names.fresh("tape")
            self.region_defs[s] = [tape]
            keep = needed or [index]
            before.append(assign(tape, gast.List([], gast.Load())))
            item = self.kept(keep, rev_body, values=self.outer_names(carried))
            body.append(gast.Expr(call(gast.Attribute(name(tape), "append", gast.Load()), [item])))
            target = name(keep[0], True) if len(keep) == 1 else gast.Tuple([name(n, True) for n in keep], gast.Store())
            rev_head = gast.For(target, call("reversed", [name(tape)]), [], [], None)
        elif rev_body:
            steps = names.fresh("steps")
            self.region_defs[s] = [steps]
            before.append(assign(steps, gast.Constant(0, None)))
            body.append(gast.AugAssign(name(steps, True), gast.Add(), gast.Constant(1, None)))
            rev_head = gast.For(name("_", True), call("range", [name(steps)]), [], [], None)
        pre, loop = loop_skeleton.loop(s, names, self.emit, body, before, bounds=bounds)
        rev = []
        if rev_head is not None:
            rev_head.body = rev_body
            rev = [rev_head]
        return pre + [loop], rev
