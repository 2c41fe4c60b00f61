"""A slope that calls a function the code already called on the same value reads
that value instead (issue 14, scalar loops).

The rule for `math.sin(E)` says its slope is `math.cos(E)`; where the user's code
also computed `math.cos(E)` (Newton's step for Kepler's equation, a rotation, a
pendulum), the adjoint recomputed a cosine the forward sweep already had, once per
pass of a loop. Here, a call in an adjoint part of `f(x)` for a one-argument
element-wise function reads the value `f(x)` the same block of the program made,
so `dt_4 * ecc * math.sin(E)` becomes `dt_4 * ecc * t` (on the tape if the block is
a loop's body: the tape keeps what the reversed body reads).

Only numbers (Python floats, NumPy scalars): an array the code made may be written
into in place later, and the sweep would read what was written. Only a value of the
same block (a loop's body, a branch's arm, the function's top level): elsewhere it
may not exist on the path the sweep reverses.
"""

import math

import gast
import numpy as np

from . import ir
from ..rules.sym import Sym

_FUNCTIONS = ("sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "sqrt")
# how a rule spells a module (rules/sym.py) -> the module
_MODULES = {".math": math, ".np": np}


class Siblings:
    """Which values of the program are `f(x)` for the functions above, by block."""

    def __init__(self, graph, scalars, names):
        self.scalars, self.names = scalars, names
        self.block_of = {}  # id(eqn) -> id of its block
        self.made = {}  # (id of block, function, spelled argument) -> the value f(x)
        self._index(graph.body)

    def _index(self, block):
        for st in block:
            self.block_of[id(st)] = id(block)
            if _one_argument_call(st) and st.outs[0] in self.scalars:
                self.made.setdefault((id(block), st.prim, self.names.var(st.args[0])), st.outs[0])
            for sub in ir.sub_blocks(st):
                self._index(sub)

    def reuse(self, parts, eqn):
        """(the adjoint parts of `eqn` with those calls read by name, the values read)."""
        made, out = [], []
        for a, part in parts:
            if isinstance(part, Sym):
                node, used = self.substitute(part.node, eqn)
                part, made = Sym(node), made + used
            out.append((a, part))
        return out, made

    def substitute(self, node, eqn):
        """`node` (an adjoint part of `eqn`) with such calls replaced by the values'
        names, and the values it now reads."""
        block = self.block_of.get(id(eqn))
        if block is None:
            return node, []
        used = []

        def visit(n):
            if isinstance(n, gast.Call):
                found = self._made_by(n, block)
                if found is not None and found is not eqn.outs[0]:
                    used.append(found)
                    return gast.Name(self.names.var(found), gast.Load(), None, None)
            for field, value in gast.iter_fields(n):
                if isinstance(value, gast.AST):
                    setattr(n, field, visit(value))
                elif isinstance(value, list):
                    setattr(n, field, [visit(v) if isinstance(v, gast.AST) else v for v in value])
            return n

        return visit(node), used

    def _made_by(self, call, block):
        f = call.func
        if call.keywords or len(call.args) != 1 or not isinstance(call.args[0], gast.Name):
            return None
        if not (isinstance(f, gast.Attribute) and f.attr in _FUNCTIONS and isinstance(f.value, gast.Name)):
            return None
        module = _MODULES.get(f.value.id)
        if module is None:
            return None
        return self.made.get((block, getattr(module, f.attr), call.args[0].id))


def _one_argument_call(st):
    if not (isinstance(st, ir.Eqn) and st.kind == "call" and len(st.args) == 1 and not st.kwargs):
        return False
    if not isinstance(st.args[0], ir.Var) or len(st.outs) != 1:
        return False
    return any(getattr(m, f, None) is st.prim for m in _MODULES.values() for f in _FUNCTIONS)
