"""Index keys: a hashable description of an index (`u[1:-1]`, `x[:, i]`) such that
equal keys on arrays of one shape give results of one shape (shapes.py), and, in
code specialised on a call's shapes, the concrete shape of the result (concrete.py).
"""

import gast

from . import ir


def index_key(template, atoms, ints, values=None, spans=None):
    """A hashable key for an index template (`ssa.index_template`): equal keys on arrays of
    one shape give results of one shape. None when the index is not understood.
    `values`: Vars that certainly hold a known int (`n - 1` of a known size, a module
    constant in specialised code) count as that int (`x[:, :n - 1]`, `u[K:]`).
    `spans`: (offsets, ranges): `t = i + c` as {t: (i, c)}, a loop index's known
    (first, last) values as {i: (lo, hi)}; `x[i:i + c]` is then a window
    ("window", i, c, lo, hi), whose shape concrete.index tells when every window fits."""
    values = values or {}
    offsets, ranges = spans or ({}, {})

    def window(node):
        lo = atoms[int(node.lower.id[1:]) - 1] if isinstance(node.lower, gast.Name) else None
        hi = atoms[int(node.upper.id[1:]) - 1] if isinstance(node.upper, gast.Name) else None
        if node.step is None and lo in ranges and offsets.get(hi, (None,))[0] is lo:
            return ("window", lo.id, offsets[hi][1]) + ranges[lo]
        return None

    def known_int(atom):
        v = values.get(atom) if isinstance(atom, ir.Var) else None
        return ir.Const(v) if type(v) is int else atom

    def value(node):
        if isinstance(node, gast.Name) and node.id.startswith("."):
            return known_int(atoms[int(node.id[1:]) - 1])
        if isinstance(node, gast.Constant):
            return ir.Const(node.value)
        return None

    def key(atom):
        if isinstance(atom, ir.Const):
            v = atom.value
            if v is None or v is Ellipsis:
                return repr(v)
            if isinstance(v, int) and not isinstance(v, bool):
                return "int"  # every valid integer index drops its axis
            return ("const", type(v).__name__, repr(v))
        if isinstance(atom, ir.Global):
            return "None" if atom.value is None else ("global", atom.path)
        if isinstance(atom, ir.Var):
            return "int" if atom in ints else ("var", atom.id)
        return None

    def bound(node):
        if node is None:
            return None
        atom = value(node)
        if isinstance(atom, ir.Const) and isinstance(atom.value, int) and not isinstance(atom.value, bool):
            return atom.value
        if isinstance(atom, ir.Var):
            return ("var", atom.id)  # (not "int": two loop indices differ)
        return key(atom) if atom is not None else ("?",)

    def element(node):
        if isinstance(node, gast.Slice):
            if window(node) is not None:
                return window(node)
            lo, hi, step = bound(node.lower), bound(node.upper), bound(node.step)
            if (
                step in (None, 1)
                and (lo is None or (isinstance(lo, int) and lo >= 0))
                and (hi is None or (isinstance(hi, int) and hi < 0))
            ):
                # `a:-b` keeps max(0, n - a - b) of n elements: only a + b matters
                return ("cut", (lo or 0) - (hi or 0))
            if ("?",) in (lo, hi, step):
                return None
            return ("slice", lo, hi, step)
        if isinstance(node, (gast.List, gast.Tuple)) and node is not template:
            return None
        atom = value(node)
        return key(atom) if atom is not None else None

    parts = template.elts if isinstance(template, gast.Tuple) else [template]
    keys = tuple(element(p) for p in parts)
    return None if None in keys else keys
