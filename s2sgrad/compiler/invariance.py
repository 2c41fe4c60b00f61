"""A shift whose derivative is exactly zero: the max subtracted in a softmax.

The stable softmax subtracts the maximum before `exp`:

    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)

`p` does not change when the same number is added to a row of `z`, so the
derivative of `p` through the maximum is zero, exactly: its adjoint would be
`-sum(de * e) ` over the row, and `de = dp / s - sum(dp * e) / s**2` makes that
`sum(dp * e) / s - s * sum(dp * e) / s**2 = 0`. Hand-written adjoints drop it;
a reverse sweep that kept it would build the maximum's mask (`extremum_mask`)
and add rounding noise on every call. Where a graph computes exactly this
pattern and the maximum, the shifted value and the sum are read nowhere else,
the maximum is treated as a constant (taken out of the active values). So is
the maximum (`np.max(z, ...)` or `z.max(...)`) of a log-softmax written out,
`d = z - m; logp = d - np.log(np.sum(np.exp(d), axis=1, keepdims=True))`, which
is `z - log(sum(exp(z)))` whatever m is.
"""

import operator

import numpy as np

from . import ir

_MAXIMA = (np.max, np.amax)


def constant_shifts(graph):
    """The Vars of maxima subtracted in a softmax pattern (see the module)."""
    eqns = [s for s in ir.walk(graph.body) if isinstance(s, ir.Eqn)]
    made = {o: e for e in eqns for o in e.outs}
    readers = {}
    for stmt in ir.walk(graph.body):
        for a in list(ir.reads(stmt)) + [x for r in ir.region_results(stmt) for x in r]:
            if isinstance(a, ir.Var):
                readers.setdefault(a, []).append(stmt)
    for a in (graph.result, graph.aux):
        if isinstance(a, ir.Var):
            readers.setdefault(a, []).append(None)
    found = set()
    for e in eqns:
        if _is_max(e) and _softmax_of(e, made, readers):
            found.add(e.outs[0])
    return found


def _is_max(e):
    """`np.max(z, ...)` or `z.max(...)`."""
    method = isinstance(e, ir.Eqn) and e.kind == "method" and e.prim == ("method", "max")
    return (_is_call(e, _MAXIMA) or method) and len(e.args) == 1


def _softmax_of(m_eqn, made, readers):
    """Is the maximum `m_eqn` made read only as `e = exp(z - m)`, with e read only by
    `s = sum(e)` over the same axes (kept) and `e / s`, and s only by that division?"""
    z, m = m_eqn.args[0], m_eqn.outs[0]
    axis = _axis(m_eqn)
    if axis is None or not _keeps_dims(m_eqn):
        return False
    d = _only_reader(m, readers)
    if not (_is_binop(d, operator.sub) and d.args == [z, m]):
        return False
    if _log_softmax_of(d.outs[0], axis, readers):
        return True
    e = _only_reader(d.outs[0], readers)
    if not (e is not None and _is_call(e, (np.exp,)) and len(e.args) == 1 and not e.kwargs):
        return False
    out = e.outs[0]
    users = readers.get(out, [])
    sums = [u for u in users if _is_call(u, (np.sum,)) and u.args == [out]]
    if len(users) != 2 or len(sums) != 1 or _axis(sums[0]) != axis or not _keeps_dims(sums[0]):
        return False
    division = next(u for u in users if u is not sums[0])
    s = sums[0].outs[0]
    return _is_binop(division, operator.truediv) and division.args == [out, s] and readers.get(s) == [division]


def _log_softmax_of(d, axis, readers):
    """Is the shifted `d` read only as `d - np.log(np.sum(np.exp(d), axis, keepdims=True))`
    (a log-softmax, the same for any shift), the exp, the sum and the log read nowhere else?"""
    users = readers.get(d, [])
    exps = [u for u in users if _is_call(u, (np.exp,)) and u.args == [d] and not u.kwargs]
    if len(users) != 2 or len(exps) != 1:
        return False
    total = _only_reader(exps[0].outs[0], readers)
    if not (_is_call(total, (np.sum,)) and _axis(total) == axis and _keeps_dims(total)):
        return False
    log = _only_reader(total.outs[0], readers)
    if not (_is_call(log, (np.log,)) and len(log.args) == 1 and not log.kwargs):
        return False
    difference = next(u for u in users if u is not exps[0])
    return (
        _is_binop(difference, operator.sub)
        and difference.args == [d, log.outs[0]]
        and (readers.get(log.outs[0]) == [difference])
    )


def _only_reader(v, readers):
    found = readers.get(v, [])
    return found[0] if len(found) == 1 and isinstance(found[0], ir.Eqn) else None


def _is_call(e, funcs):
    return isinstance(e, ir.Eqn) and e.kind == "call" and any(e.prim is f for f in funcs)


def _is_binop(e, op):
    return isinstance(e, ir.Eqn) and e.kind == "binop" and e.prim is op and not e.kwargs


def _axis(e):
    """The literal `axis=` of a reduction (an int or a tuple of ints), None if not one."""
    if set(e.kwargs) - {"axis", "keepdims"} or "axis" not in e.kwargs:
        return None
    a = e.kwargs["axis"]
    value = a.value if isinstance(a, ir.Const) else None
    ok = type(value) is int or (isinstance(value, tuple) and all(type(x) is int for x in value))
    return value if ok else None


def _keeps_dims(e):
    k = e.kwargs.get("keepdims")
    return isinstance(k, ir.Const) and k.value is True
