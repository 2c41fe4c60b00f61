"""Keyword arguments as positions, for rules that read their arguments by position:
`np.select(conds, choices, default=y)` is `np.select(conds, choices, y)` where `y`
moves (forward mode refuses a moving keyword argument it cannot place)."""

import copy
import inspect

from . import ir


def positional(eqn, moving):
    """A copy of call `eqn` whose keywords up to the last one in `moving` are passed by
    position (the defaults of the parameters between filled in), or None when the
    callee's signature does not allow it."""
    try:
        params = list(inspect.signature(eqn.prim).parameters.values())
    except (TypeError, ValueError):  # (a ufunc, a builtin without a signature)
        return None
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(k not in names for k in moving):
        return None
    last = max(names.index(k) for k in moving)
    args = list(eqn.args)
    kwargs = dict(eqn.kwargs)
    for p in params[len(args) : last + 1]:
        if p.name in kwargs:
            args.append(kwargs.pop(p.name))
        elif p.default is not inspect.Parameter.empty and _literal(p.default):
            args.append(ir.Const(p.default))
        else:
            return None
    moved = copy.copy(eqn)
    moved.args, moved.kwargs = args, kwargs
    return moved


def _literal(value):
    return value is None or isinstance(value, (bool, int, float, str))
