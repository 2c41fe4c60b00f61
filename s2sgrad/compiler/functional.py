"""The functional flavour of a gradient: the code `hvp`, `hessian`, `grad(grad(f))`
and a `sg.grad` inlined into differentiated code differentiate again (`InPlace.functional`,
set when the gradient is derived with `checkpoints=False`).

The first-order gradient reuses buffers: a write saves the part it overwrites and
the reverse sweep puts it back (`u[1:-1] = saved`), adjoints add in place, tapes hold
the array that later writes change, a list's adjoint is shortened by `pop`. Forward
mode over such code would have to prove that no name sees a write it should not,
and the aliasing check (aliasing.py) refuses most of it. In the functional flavour
correctness never depends on a shared buffer:

- a write into an array, dict or list goes into a copy (`u = u.copy()` first); the
  old array is kept under a name if the sweep reads it, and the sweep takes it back
  by rebinding (`u = before`), never by writing into it;
- a write into part of an adjoint (`du[i] = 0.0`, `du[i] += g`) first copies the
  adjoint (`du = owned(du)`); `drop_repeated_copies` removes a copy that follows
  another with only such writes between;
- adjoints add out of place (`du = du + g`, reverse.py), and a list's adjoint is
  split with `split_off_last`, which leaves the list as it is.

A copy per write costs time and memory the first-order gradient does not spend;
second order pays it for derivatives that are right without any aliasing proof.
"""

import gast

from .codegen import assign, call, name, walk


class FunctionalWrites:
    """The `Reverse` methods of the functional flavour (`self.inplace.functional`)."""

    def adjoint_copy(self, buffer):
        """The functional flavour writes part of an adjoint into a copy of it."""
        if not self.inplace.functional:
            return []
        return [assign(buffer, self.owned(name(buffer)))]

    def take_back(self, eqn):
        """The functional flavour's undo of a write: the name is bound again to the array
        as it was before, which the write (into a copy) left untouched."""
        saved = self.saves.get(eqn) or self.names.fresh("before")
        self.saves[eqn] = saved
        return assign(self.names.var(eqn.args[0]), name(saved))

    def copy_before(self, eqn):
        """The functional flavour (code to be differentiated again): a write goes into a
        copy of the array, so no view, tape entry or other name of the old array sees it;
        the old array is kept if the sweep reads it (`take_back`)."""
        target = self.names.var(eqn.args[0])
        code = []
        if self.inplace.needs_restore(eqn):
            self.region_defs[eqn] = [self.saves[eqn]]
            code.append(assign(self.saves[eqn], name(target)))
        code.append(assign(target, call(gast.Attribute(name(target), "copy", gast.Load()), [])))
        return code


def drop_repeated_copies(body, copier):
    """In the functional flavour each write into part of an adjoint first copies it
    (`d = owned(d); d[i] += g`). A copy of `d` is dropped when an earlier one in the
    same statement list made `d`, and only writes into parts of `d` came between:
    no other name can hold that array yet. `copier`: the name `owned` is spelled."""
    fresh, out = set(), []
    for stmt in body:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                drop_repeated_copies(inner, copier)
        copied = _self_copy(stmt, copier)
        if copied is not None and copied in fresh:
            continue
        out.append(stmt)
        written = _part_write(stmt)
        if copied is not None:
            fresh.add(copied)
        elif isinstance(stmt, (gast.For, gast.While, gast.If, gast.FunctionDef, gast.Try, gast.With)):
            fresh = set()
        elif written is None or written not in fresh:
            fresh -= {n.id for n in walk(stmt) if isinstance(n, gast.Name)}
    body[:] = out


def _self_copy(stmt, copier):
    """`d` for the statement `d = owned(d)`, else None."""
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name)):
        return None
    value, target = stmt.value, stmt.targets[0].id
    if (
        isinstance(value, gast.Call)
        and isinstance(value.func, gast.Name)
        and value.func.id == copier
        and len(value.args) == 1
        and not value.keywords
        and isinstance(value.args[0], gast.Name)
        and value.args[0].id == target
    ):
        return target
    return None


def _part_write(stmt):
    """`d` for `d[i] = e` or `d[i] += e` whose index and value never read `d` whole
    (they copy what they read: the write keeps no reference to another array)."""
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, gast.AugAssign):
        target, value = stmt.target, stmt.value
    else:
        return None
    if not (isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name)):
        return None
    d = target.value.id
    reads = [n for part in (target.slice, value) for n in walk(part) if isinstance(n, gast.Name) and n.id == d]
    return None if reads else d
