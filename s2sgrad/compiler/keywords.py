"""Keyword arguments as positions, for rules that read their arguments by position:
`np.select(conds, choices, default=y)` is `np.select(conds, choices, y)` and
`norm.logpdf(x, loc=mu, scale=s)` is `norm.logpdf(x, mu, s)` where `y`, `mu`, `s` move
(forward mode refuses a moving keyword argument it cannot place)."""

import copy
import inspect

from . import ir


def positional(eqn, moving):
    """A copy of call `eqn` whose keywords up to the last one in `moving` are passed by
    position (the defaults of the parameters between filled in), or None when the
    callee's parameters are not known."""
    params = _parameters(eqn.prim)
    if params is None or any(k not in params for k in moving):
        return None
    names = list(params)
    last = max(names.index(k) for k in moving)
    args = list(eqn.args)
    kwargs = dict(eqn.kwargs)
    for name in names[len(args) : last + 1]:
        if name in kwargs:
            args.append(kwargs.pop(name))
        elif params[name] is not inspect.Parameter.empty and _literal(params[name]):
            args.append(ir.Const(params[name]))
        else:
            return None
    moved = copy.copy(eqn)
    moved.args, moved.kwargs = args, kwargs
    return moved


def _parameters(prim):
    """{name: default} of the parameters a call can pass by position, in order; None if unknown."""
    distribution = _distribution_parameters(prim)
    if distribution is not None:
        return distribution
    try:
        params = inspect.signature(prim).parameters.values()
    except (TypeError, ValueError):  # (a ufunc, a builtin without a signature)
        return None
    return {p.name: p.default for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)}


def _distribution_parameters(prim):
    """A scipy.stats distribution's method (`norm.logpdf(x, *args, **kwds)`): its point,
    the shape parameters (t's df), then loc (and scale for a continuous one)."""
    owner = getattr(prim, "__self__", None)
    if not (type(owner).__module__ or "").startswith("scipy.stats") or not hasattr(owner, "shapes"):
        return None
    from scipy import stats

    if not isinstance(owner, stats.rv_continuous | stats.rv_discrete):
        return None
    point = next(iter(inspect.signature(prim).parameters), "x")
    shapes = [s.strip() for s in (owner.shapes or "").split(",") if s.strip()]
    params = {point: inspect.Parameter.empty, **dict.fromkeys(shapes, inspect.Parameter.empty), "loc": 0}
    if isinstance(owner, stats.rv_continuous):
        params["scale"] = 1
    return params


def _literal(value):
    return value is None or isinstance(value, (bool, int, float, str))
