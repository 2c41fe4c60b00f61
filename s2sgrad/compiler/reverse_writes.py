"""Reverse mode of in-place writes (a mixin of reverse.Reverse): adjoints that are one
array this sweep owns and updates in place (arrays written in place, arrays read by
index: `InPlace.buffered`), and the reverse of `u[index] = value`, `lst.append(v)` and
`add_at`: the written part's adjoint goes to the value and is zeroed in the buffer,
and the part the write overwrote is put back where the sweep reads it.

Needs from the class it is mixed into: `state`, `names`, `emit`, `inplace`, `active`,
`scalars`, `shapes`, `saves`, `owned_names`, `owned_used`, `consuming`, and the
methods `contribute`, `write`, `zeros`, `owned`, `adjoint_copy`, `take_back`,
`shape_sym`.
"""

import gast

from . import ir
from .codegen import assign, call, name, walk
from .shapes import SCALAR
from ..rules.sym import Sym, rt


class InPlaceAdjoints:
    def buffer_names(self):
        return {self.names.adjoint(v) for v in self.inplace.buffered}

    def unowned(self, adjoint_name):
        """Whether a value whose adjoint is not a buffer of this sweep's also goes by `adjoint_name`
        (`x = x + x[i]`: the sum's adjoint `dx` may be a read-only broadcast seed, which the
        indexed read's `dx[i] += ...` must not write into)."""
        return any(n == adjoint_name and w not in self.inplace.buffered for w, n in self.names.adjoints.items())

    def foreign(self, adjoint_name):
        """May `adjoint_name` hold an array this sweep does not own (see `unowned`), here?"""
        if not self.unowned(adjoint_name):
            return False
        if adjoint_name in self.owned_names:
            self.owned_used.add(adjoint_name)
            return False
        return True

    def contribute_in_place(self, v, target, current, expr, out):
        """A buffered adjoint is one array this sweep owns: create it once, then add in place."""
        if isinstance(expr, gast.Name) and expr.id == target and not (current is None and self.foreign(target)):
            self.state[v] = target  # another version of the same array
            if current is not None and current != target:
                # (the value already has an adjoint under another name, `dz` of `z = z3` beside
                # z3's own: their sum, in a new array, since the two names may hold one; F67)
                out.append(assign(target, gast.BinOp(name(target), gast.Add(), name(current))))
            return
        scatter = isinstance(expr, tuple)
        if current is None and self._held_by_another(v, target):
            # (the buffer holds the adjoint of another value that is this array too, `u` of
            # `u = x` handed through a loop unchanged beside x: add to it, F70)
            current = target
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
            out += self.adjoint_copy(target)
            out.append(self.add_at(target, g, index, index_value, basic and not container))
        elif container:
            out.append(assign(target, self.emit.fix_roots(rt.add_values(Sym(name(target)), Sym(expr)).node)))
        elif self.inplace.functional:  # (no name that held the old sum sees the new one)
            out.append(assign(target, gast.BinOp(name(target), gast.Add(), expr)))
        else:
            out.append(gast.AugAssign(name(target, True), gast.Add(), expr))

    def _held_by_another(self, v, target):
        """Does the buffer `target` hold the live adjoint of another version of v's array
        (a loop's result that hands it on unchanged: `u = x`, then `u = u` in the loop),
        other than the results of the statements whose reverse this is, or is inside
        (their adjoint is being handed on)?"""
        group = self.inplace.versions.find(v)
        return any(
            spelled == target and w is not v and w not in self.consuming and self.inplace.versions.find(w) is group
            for w, spelled in self.state.items()
        )

    def add_at(self, target, g, index, index_value, basic):
        """`dx[index] += g`, or np.add.at when the index may repeat entries."""
        if basic:
            return gast.AugAssign(gast.Subscript(name(target), index, gast.Store()), gast.Add(), g)
        return gast.Expr(self.emit.fix_roots(rt.add_at(Sym(name(target)), Sym(index_value), Sym(g)).node))

    def basic_index(self, eqn):
        template = eqn.payload
        if any(isinstance(n, (gast.List, gast.Call)) for n in walk(template)):
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
            split_last = rt.split_off_last if self.inplace.functional else rt.split_last
            split = self.emit.fix_roots(split_last(Sym(name(buffer))).node)
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
        if self.inplace.needs_restore(eqn) and self.inplace.functional:
            code.append(self.take_back(eqn))
        elif self.inplace.needs_restore(eqn):
            code.append(gast.Expr(call(gast.Attribute(self.emit.atom(old), "pop", gast.Load()), [])))
        return code

    def add_at_back(self, eqn):
        """`add_at(g, index, v)` backwards: v's adjoint is the adjoint gathered at index
        (every repeat gets it); g's adjoint passes through unchanged."""
        code = []
        new, old, value = eqn.outs[0], eqn.args[0], eqn.args[1]
        buffer = self.state.get(new)
        # (an array with no derivative before the write hands no adjoint on: nothing to zero,
        # and the buffer may be one this sweep does not own, such as a broadcast seed)
        if buffer and (old in self.active or value in self.active):
            if isinstance(value, ir.Var) and value in self.active:
                gathered = Sym(gast.Subscript(name(buffer), self.emit.atom(eqn.args[2]), gast.Load()))
                self.contribute(value, self.emit.fix_roots(rt.unbroadcast(gathered, self.shape_sym(value)).node), code)
            self.state[old] = buffer
        if self.inplace.needs_restore(eqn) and self.inplace.functional:
            code.append(self.take_back(eqn))
        elif self.inplace.needs_restore(eqn):
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
        if buffer and isinstance(value, ir.Var) and value in self.active:
            self.contribute(value, self.written_part(eqn, buffer, value), code)
        # (an array with no derivative before the write hands no adjoint on: nothing to zero,
        # and the buffer may be one this sweep does not own, such as a broadcast seed)
        if buffer and old in self.active:
            code += self.adjoint_copy(buffer)
            code.append(
                assign(gast.Subscript(name(buffer), self.emit.index(eqn), gast.Store()), gast.Constant(0.0, None))
            )
            self.state[old] = buffer
        saved = None
        if self.inplace.needs_restore(eqn) and self.inplace.functional:
            code.append(self.take_back(eqn))
        elif self.inplace.needs_restore(eqn):
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
