"""Rule authoring for users: give a function your own derivative.

    import s2sgrad.extend as ext

    def softplus(x):                       # a numerically stable softplus...
        return np.logaddexp(0.0, x)

    ext.defvjp(softplus, lambda g, ans, x: g / (1.0 + np.exp(-x)))   # ...with its own rule

A rule is a lambda over the incoming adjoint `g`, the result `ans` and the
arguments (by position, as the function takes them). It runs at compile time
on symbolic values, so it is written with ordinary NumPy calls and the code it
builds is inlined into the generated source, exactly like a built-in rule.
Registering a rule replaces any earlier one for that function (also a
built-in's, e.g. a straight-through estimator for `np.sign`); derivatives
compiled before are recompiled on their next call.

NumPy and SciPy ufuncs work on the symbolic values directly
(`scipy.special.digamma(x)` becomes that call in the generated code); any other
callable, such as `math.lgamma` or a C function, is called with
`ext.call(math.lgamma, x)`.
"""

from __future__ import annotations

from typing import Callable, Optional

import sys

from . import api
from . import rules as _rules
from .rules.sym import call as _emit, callable_node

__all__ = ["defvjp", "defjvp", "defelementwise", "defnondiff", "call"]


def _changed():
    api._cache.clear()


def _before():
    """SciPy's built-in rules load before a user's rule, so they never replace it (all of
    them once SciPy is imported: importing scipy.stats later imports scipy.linalg)."""
    _rules.load_optional(everything="scipy" in sys.modules)


def defvjp(fn: Callable, *vjps: Optional[Callable], jvp: Optional[Callable] = None) -> None:
    """Register VJPs for `fn`, one per positional argument (None: no derivative
    with respect to that argument). `jvp(tangents, ans, *args)` optionally gives
    forward mode: `tangents[i]` is argument i's tangent, or None."""
    _before()
    _rules.NONDIFF.discard(_rules._key(fn))
    _rules.defvjp(fn, *vjps)
    if jvp is not None:
        _rules.defjvp(fn, jvp)
    _changed()


def defjvp(fn: Callable, jvp: Callable) -> None:
    """Register (or replace) only the forward-mode rule of `fn`."""
    _before()
    _rules.defjvp(fn, jvp)
    _changed()


def defelementwise(fn: Callable, *derivatives: Optional[Callable]) -> None:
    """An element-wise `fn`: give each argument's local derivative `(ans, *args) -> d`.
    Reverse mode is `g * d`, forward mode `t * d`, broadcasting handled for you."""
    _before()
    _rules.NONDIFF.discard(_rules._key(fn))
    _rules.defelementwise(fn, *derivatives)
    _changed()


def defnondiff(*fns: Callable) -> None:
    """Declare functions whose results carry no derivative (a step, a random draw...)."""
    _before()
    for fn in fns:
        _rules.RULES.pop(_rules._key(fn), None)
    _rules.defnondiff(*fns)
    _changed()


def call(fn, *args, **kwargs):
    """In a rule: the call `fn(*args, **kwargs)` in the generated code, for a callable that
    cannot take symbolic values itself (`math.lgamma`, a C function, a pure-Python one)."""
    return _emit(callable_node(fn), args, kwargs)
