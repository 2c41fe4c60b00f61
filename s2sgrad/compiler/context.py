"""What the reverse and the forward pass share: how rules see IR values, how a
zero is spelled, whether broadcasting must be undone, and error messages."""

import sys

import gast
import numpy as np

from . import ir
from .codegen import name
from ..errors import S2SGradError
from ..rules.sym import Sym, callable_node, rt, to_node

MISSING_RULE_HINT = (
    "give it a rule with s2sgrad.extend, e.g. s2sgrad.extend.defvjp(f, lambda g, ans, x: g * df(x)) "
    "(see docs/extending.md); if its derivative is not needed, wrap the argument in sg.stop_gradient(...)"
)
METHOD_HINT = (
    "a method of your own object: make the object a parameter of the function you differentiate "
    "(or differentiate its bound method, sg.grad(obj.method)), and its methods are inlined; "
    "an array method: call the NumPy function instead, or give it a rule with s2sgrad.extend"
)


TRY_HINT = (
    "a try statement runs as it is written, without a derivative: compute the differentiated values "
    "outside it (the try can choose between them), or move it into a helper and declare that constant "
    "with s2sgrad.extend.defnondiff(helper)"
)


def missing_rule_hint(eqn):
    """What to do about an operation without a rule: a method of an unknown object, a try
    statement (try_blocks.py), or a function."""
    if eqn.kind == "call" and hasattr(eqn.prim, "_s2sgrad_try"):
        return TRY_HINT
    return METHOD_HINT if eqn.kind == "method" else MISSING_RULE_HINT


def library_name(obj):
    """`scipy.linalg.cho_factor` for a function of an installed library other than NumPy,
    found under its public module; None for NumPy, math, and the user's own code."""
    from .callees import is_library_function
    from ..rules.table import NAMES, _key

    if _key(obj) in NAMES:
        return NAMES[_key(obj)]
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__name__", None)
    if not name or module.split(".")[0] in ("numpy", "math", "builtins", "s2sgrad") or not is_library_function(obj):
        return None
    parts = module.split(".")
    for end in range(1, len(parts) + 1):  # the shortest public module that has it
        public = ".".join(parts[:end])
        if any(p.startswith("_") for p in parts[:end]):
            break
        owner = sys.modules.get(public)
        if owner is not None and getattr(owner, name, None) is obj:
            return f"{public}.{name}"
    return f"{module}.{getattr(obj, '__qualname__', name)}"


class RuleContext:
    """Needs: self.names, self.emit, self.scalars, self.shapes, self.value_reads."""

    def zeros(self, v):
        if v in self.scalars:
            return gast.Constant(0.0, None)
        shape = self.shapes.known(v) if self.shapes.precision else None
        if shape:  # (float64 zeros, as zeros_like makes for a real array: no shape to keep for it)
            return self.emit.fix_roots(gast.Call(callable_node(np.zeros), [to_node(shape)], []))
        return self.emit.fix_roots(rt.zeros_like(Sym(name(self.names.var(v)))).node)

    def owned(self, node):
        """`owned(node)`: a float array that no one else holds (`x.copy()` needs no copy
        of its own first: `owned(x)` copies)."""
        if isinstance(node, gast.Call) and not node.args and not node.keywords:
            if isinstance(node.func, gast.Attribute) and node.func.attr == "copy":
                node = node.func.value
        return self.emit.fix_roots(rt.owned(Sym(node)).node)

    def needs_unbroadcast(self, a, eqn):
        out = eqn.outs[0]
        if self.shapes.same(a, out):
            return False
        if a in self.scalars:
            return out not in self.scalars
        others = [b for b in eqn.atoms if b is not a]
        return not all(
            isinstance(b, ir.Const)
            or b in self.scalars
            or (isinstance(b, ir.Global) and isinstance(b.value, (int, float)))
            for b in others
        )

    def value(self, atom, mark=True):
        if isinstance(atom, ir.Const):
            return atom.value
        if isinstance(atom, ir.Global) and isinstance(atom.value, (int, float, bool, str, type(None), tuple)):
            return atom.value
        return self.sym(atom, mark)

    def sym(self, atom, mark=True):
        """An atom as a rule sees it; the sweep will read its value (`mark`: say so now,
        else the caller marks what the code made from it reads)."""
        if mark and isinstance(atom, ir.Var):
            self.value_reads.add(atom)
        return Sym(self.emit.atom(atom))

    def shape_sym(self, atom):
        """An atom read only for its shape (which in-place writes never change)."""
        return Sym(self.emit.atom(atom))

    def describe(self, eqn):
        if eqn.kind == "call" and hasattr(eqn.prim, "_s2sgrad_try"):
            loc, reads = eqn.prim._s2sgrad_try
            return f"the try statement at line {loc.lineno} (it reads {', '.join(reads)})"
        if eqn.kind == "call":
            library = library_name(eqn.prim)
            if library is not None:
                return library
            spelled = eqn.payload.path
            own = getattr(eqn.prim, "__name__", None)
            return spelled if own and spelled.endswith(own) else f"{spelled} ({eqn.prim!r})"
        if eqn.kind == "method":
            return f"the method .{eqn.payload}()"
        if eqn.kind == "attr":
            return f"the attribute .{eqn.prim[1]}"
        if eqn.kind == "unpack":
            return "tuple unpacking of a differentiated value"
        if eqn.kind == "opaque":
            return f"the expression {type(eqn.payload).__name__}"
        return str(getattr(eqn.prim, "__name__", eqn.prim))

    def error(self, eqn, message, hint=None):
        return S2SGradError(message, eqn.loc, self.describe(eqn), hint)
