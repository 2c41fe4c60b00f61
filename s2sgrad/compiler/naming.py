"""Collision-free names for generated code, decided in one place.

The first SSA version of a user variable keeps the user's name; later versions
get `x_1`, `x_2`; adjoints are `dx` unless the user's code uses `dx` (a grid
spacing, say), then `x_bar`, then numbered. Names the user's function reads
from its module or builtins are never taken.
"""

import builtins
import keyword

from .sharing import _Union


class Names:
    def __init__(self, user_names, free_names):
        self.taken = set(user_names) | set(free_names) | set(keyword.kwlist)
        self.user = set(user_names)
        self.vars = {}
        self.adjoints = {}
        self.tangents = {}
        self.claimed_user = set()
        # later versions of a name -> the name (x_1 -> x, dx_1 -> dx): renaming.py gives
        # them the name back where their lifetimes allow
        self.versions = {}
        self.sums = {}  # a sum loop's sums of the passes' adjoints: name -> the value (sum_loops.py)

    def fresh(self, stem):
        stem = stem or "t"
        if stem not in self.taken:
            self.taken.add(stem)
            return stem
        k = 1
        while f"{stem}_{k}" in self.taken:
            k += 1
        name = f"{stem}_{k}"
        self.taken.add(name)
        return name

    def var(self, v):
        name = self.vars.get(v)
        if name is None:
            if v.hint.startswith("."):  # a compiler temporary
                name = self.fresh(v.hint[1:])
            elif v.hint in self.user and v.hint not in self.claimed_user:
                self.claimed_user.add(v.hint)
                name = v.hint
            else:
                name = self.fresh(v.hint)
                if name != v.hint:
                    self.versions[name] = v.hint
            self.vars[v] = name
        return name

    def snapshot(self):
        return set(self.taken), dict(self.vars), dict(self.adjoints), set(self.claimed_user), dict(self.versions)

    def restore(self, snap):
        self.taken, self.vars, self.adjoints, self.claimed_user, self.versions = (type(x)(x) for x in snap)

    def share(self, v, other):
        """Give `v` the same Python name as `other` (a loop's result and its carried value)."""
        self.vars[v] = self.var(other)

    def adjoint(self, v):
        name = self.adjoints.get(v)
        if name is None:
            base = self.var(v)
            for candidate in (f"d{base}", f"{base}_bar"):
                if candidate not in self.taken:
                    name = candidate
                    self.taken.add(name)
                    break
            else:
                name = self.fresh(f"d{base}")
            stem = "d" + self.versions.get(base, base)
            if base in self.versions and name == f"d{base}" and stem not in self.user:
                self.versions[name] = stem  # du_1 is a version of du (never of a user's dt)
            self.adjoints[v] = name
        return name

    def tangent(self, v):
        name = self.tangents.get(v)
        if name is None:
            base = self.var(v)
            name = f"{base}_dot" if f"{base}_dot" not in self.taken else self.fresh(f"{base}_dot")
            self.taken.add(name)
            self.tangents[v] = name
        return name

    def share_tangent(self, v, other):
        self.tangents[v] = self.tangent(other)

    def forget_adjoint(self, v):
        """Give back the name `adjoint(v)` took (no code came to use it)."""
        name = self.adjoints.pop(v)
        self.taken.discard(name)
        self.versions.pop(name, None)

    def share_adjoint(self, v, other):
        self.adjoints[v] = self.adjoint(other)


def builtin_names():
    return set(dir(builtins))


def name_values(graph, names, inplace):
    """Name every value; values that are one Python object (versions of an array
    written in place, a loop's result and its carried value, a phi and the value
    a branch makes for it) share one name, taken from the first of them. Every
    version of an array written in place (`inplace.versions`) has one adjoint buffer."""
    from . import ir

    same = _Union()
    for stmt in ir.walk(graph.body):
        if isinstance(stmt, ir.Eqn) and stmt.kind in ("setitem", "append", "add_at"):
            same.union(stmt.outs[0], stmt.args[0])
        elif ir.is_loop(stmt):
            for c, init, y in zip(stmt.carried, stmt.inits, stmt.outs):
                same.union(y, c)
                if isinstance(init, ir.Var) and inplace.versions.find(c) is inplace.versions.find(init):
                    same.union(c, init)
    # A phi takes the name of the values its arms make for it, unless that would
    # overwrite, at the end of an arm, a value the arm reads that is another array
    # (its reverse may still need it: the loop's tape keeps names as a pass ends).
    # (a value that feeds two phis can take the name of neither)
    phis = []
    for stmt in _inner_first(graph.body):  # (a nested branch's phi is joined before its arm's is judged)
        if isinstance(stmt, ir.If):
            arms = [
                (arm, outs, {o for st in arm for o in st.outs})
                for arm, outs in ((stmt.then, stmt.then_outs), (stmt.orelse, stmt.else_outs))
            ]
            for k, phi in enumerate(stmt.outs):
                phis.append((phi, [(arm, outs[k], made, outs.count(outs[k]) == 1) for arm, outs, made in arms]))
    widest = _Union()  # every candidate joined: no class ever grows beyond these
    widest.parent = dict(same.parent)
    for phi, arms in phis:
        for _, out, made, single in arms:
            if single and out in made:
                widest.union(out, phi)
    before = _made_before_branches(graph)
    for phi, arms in phis:
        if any(_clobbers(phi, out, arm, made, widest, inplace.versions) for arm, out, made, _ in arms):
            continue
        joined = [out for _, out, made, single in arms if single and out in made]
        outs = [out for _, out, _, _ in arms]
        # Every arm binds the phi's name as it ends: not a name that holds an array from
        # before the branch unless each arm gives a version of that array (`if c: h = z`
        # / `else: h[i] -= x` would lose the old h, which the reverse sweep reads after).
        roots = {same.find(out) for out in joined}
        older = [v for v in before[phi] if same.find(v) in roots]
        if older and any(all(same.find(o) is not same.find(v) for v in older) for o in outs):
            continue
        for out in joined:
            same.union(out, phi)
    order = list(graph.params)
    for stmt in ir.walk(graph.body):
        order += stmt.outs
        if ir.is_loop(stmt):
            order += stmt.carried
        if isinstance(stmt, ir.For):
            order.append(stmt.index)
    first = {}
    for v in order:
        root = same.find(v)
        if root in first:
            names.share(v, first[root])
        else:
            first[root] = v
            names.var(v)
    first = {}
    for v in sorted(inplace.buffered, key=lambda v: v.id):
        root = inplace.versions.find(v)
        if root in first:
            names.share_adjoint(v, first[root])
        else:
            first[root] = v


def _inner_first(block):
    """The statements of `block`, each after those of its sub-blocks (post-order)."""
    from . import ir

    for stmt in block:
        for sub in ir.sub_blocks(stmt):
            yield from _inner_first(sub)
        yield stmt


def _made_before_branches(graph):
    """phi -> the values made before its branch (parameters, and earlier statements')."""
    from . import ir

    found, seen = {}, list(graph.params)

    def visit(block):
        for stmt in block:
            if isinstance(stmt, ir.If):
                for phi in stmt.outs:
                    found[phi] = list(seen)
            if ir.is_loop(stmt):  # (a pass's carried values are made before its body)
                seen.extend(stmt.carried)
            for sub in ir.sub_blocks(stmt):
                visit(sub)
            seen.extend(stmt.outs)

    visit(graph.body)
    return found


def _clobbers(phi, out, arm, made, widest, versions):
    """Could the phi's name, given at the end of `arm`, overwrite a value the arm reads
    that is not the array `out` (what the arm makes for the phi)?"""
    from . import ir

    read = {a for st in ir.walk(arm) for a in ir.reads(st) if isinstance(a, ir.Var)}
    return any(
        widest.find(v) is widest.find(phi)
        and v not in made
        and not (isinstance(out, ir.Var) and versions.find(v) is versions.find(out))
        for v in read
    )
