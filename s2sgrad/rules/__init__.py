"""The derivative rule table.

Contract. A rule belongs to a primitive, looked up by identity: a NumPy or
`math` callable, an `operator` function, `('method', name)` for `x.name(...)`,
`('attr', name)` for `x.name`, or one of 'getitem', 'tuple', 'list'.
A primitive is in one of three states:

- it has a rule: one VJP per differentiable positional parameter, a lambda
  `(g, ans, *args, **kwargs) -> adjoint contribution`, where `g` is the incoming
  adjoint, `ans` the primitive's result and the arguments have NumPy's names.
  The lambda runs at compile time on symbolic values (`sym.Sym`) and on the
  Python values of literal arguments, and returns the expression to emit.
  `defelementwise` states only the local derivative `d` (VJP `g * d`); the
  engine sums broadcast dimensions away for element-wise rules.
- it is declared non-differentiable (`defnondiff`): its result carries no
  derivative (floor, sign, argmax, shape, comparisons, random draws).
- it is missing: differentiating through it is an S2SGradError naming the
  function and the user's line. Never zeros.

SciPy's rules (scipy_special.py, scipy_stats.py, scipy_linalg.py) are optional:
`load_optional` registers them once the user's program has imported SciPy
(compilation and `s2sgrad.extend` call it), so `import s2sgrad` never imports SciPy.
"""

from .sym import Sym
from .table import (
    ALWAYS_SCALAR,
    JVPS,
    LINEAR,
    NONDIFF,
    REDUCTIONS,
    RULES,
    SCALAR_FUNCS,
    Rule,
    _key,
    _signature,
    defelementwise,
    defjvp,
    deflinear,
    defnondiff,
    defvjp,
    lookup,
    nograd,
)

# fill the table
from . import numpy_rules, python_rules, linalg_rules, linalg_factorizations  # noqa: E402,F401
from . import order_statistics, calculus_rules, selection_rules, statistics_rules  # noqa: E402,F401
from .optional import load_optional  # noqa: E402

__all__ = [
    "Sym",
    "Rule",
    "RULES",
    "NONDIFF",
    "LINEAR",
    "JVPS",
    "SCALAR_FUNCS",
    "REDUCTIONS",
    "ALWAYS_SCALAR",
    "defvjp",
    "defelementwise",
    "deflinear",
    "defjvp",
    "defnondiff",
    "nograd",
    "lookup",
    "load_optional",
    "_key",
    "_signature",
]
