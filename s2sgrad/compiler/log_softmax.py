"""The log of a softmax, differentiated as log-softmax.

A language model computes its loss from probabilities:

    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    loss = -np.sum(y * np.log(p))

The chain rule through `log`, the division and the sum costs seven array operations
per step (`dp = g / p`, `dp / s`, `sum(dp * p / s)`, ..., `* e`), where the
derivative of log(softmax(x)) in x is `g - p * sum(g)`, two. Where the graph takes
`np.log` of such a quotient (`e = exp(x)`, `s = np.sum(e, axis=a, keepdims=True)`,
`p = e / s`, a literal axis), the log becomes `runtime.log_of_softmax(x, p, axis)`:
the same value, `np.log(p)`, with that derivative in x (rules/runtime_rules.py).
Both derivatives are the same function; they differ by rounding, and where p
underflows to 0 (`log(p)` is -inf, the chain rule's quotient inf or nan) the
fused one stays finite. Other reads of p, e or s keep their own derivatives.
"""

import operator

import numpy as np

from . import ir
from .invariance import _axis, _is_binop, _is_call, _keeps_dims
from .. import runtime

_HELPER = ir.Global("log_of_softmax", runtime.log_of_softmax, runtime.log_of_softmax, foreign=True)


def fuse_log_softmax(graph):
    """Rewrite every `np.log(p)` of a softmax quotient in `graph` (see the module)."""
    made = {o: s for s in ir.walk(graph.body) if isinstance(s, ir.Eqn) for o in s.outs}
    for eqn in ir.walk(graph.body):
        if _is_call(eqn, (np.log,)) and len(eqn.args) == 1 and not eqn.kwargs:
            found = _softmax(eqn.args[0], made)
            if found is not None:
                x, axis = found
                eqn.prim, eqn.payload = runtime.log_of_softmax, _HELPER
                eqn.args, eqn.kwargs = [x, eqn.args[0]], {"axis": ir.Const(axis)}


def _softmax(p, made):
    """(x, axis) if `p` is `exp(x) / np.sum(exp(x), axis=axis, keepdims=True)`, else None."""
    division = made.get(p)
    if not (_is_binop(division, operator.truediv) and all(isinstance(a, ir.Var) for a in division.args)):
        return None
    e, s = division.args
    total, exp = made.get(s), made.get(e)
    if not (_is_call(total, (np.sum,)) and total.args == [e] and _keeps_dims(total)):
        return None
    axis = _axis(total)
    if axis is None or not (_is_call(exp, (np.exp,)) and len(exp.args) == 1 and not exp.kwargs):
        return None
    return exp.args[0], axis
