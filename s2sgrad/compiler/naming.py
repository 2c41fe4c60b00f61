"""Collision-free names for generated code, decided in one place.

The first SSA version of a user variable keeps the user's name; later versions
get `x_1`, `x_2`; adjoints are `dx` unless the user's code uses `dx` (a grid
spacing, say), then `x_bar`, then numbered. Names the user's function reads
from its module or builtins are never taken.
"""

import builtins
import keyword


class Names:
    def __init__(self, user_names, free_names):
        self.taken = set(user_names) | set(free_names) | set(keyword.kwlist)
        self.user = set(user_names)
        self.vars = {}
        self.adjoints = {}
        self.tangents = {}
        self.claimed_user = set()

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
            self.vars[v] = name
        return name

    def snapshot(self):
        return set(self.taken), dict(self.vars), dict(self.adjoints), set(self.claimed_user)

    def restore(self, snap):
        self.taken, self.vars, self.adjoints, self.claimed_user = (type(x)(x) for x in snap)

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

    def share_adjoint(self, v, other):
        self.adjoints[v] = self.adjoint(other)


def builtin_names():
    return set(dir(builtins))
