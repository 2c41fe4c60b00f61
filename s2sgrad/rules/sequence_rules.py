"""Rules for Python's sequence builtins on differentiated values: `list(x)`, `tuple(x)`
(of a list, a tuple or an array's rows) and `sorted(x, key=..., reverse=...)`. Their
adjoints are in runtime/sequences.py; `sort_order` gives positions (no derivative)."""

import builtins
import inspect

from .. import runtime as rt_impl
from .table import RULES, _key, deflinear, defjvp, defnondiff, defvjp, family, nograd
from .sym import _dotted, call, external, rt

family("Shape, joining and indexing", module=__name__)

defvjp([builtins.list, builtins.tuple], lambda g, ans, x: rt.unlist(g, x))
deflinear(builtins.list, builtins.tuple)  # list(x)'s tangent is list(x's tangent): the rows of an array's
defvjp(
    builtins.sorted,
    lambda g, ans, x, key=None, reverse=False: rt.unsort(g, x, key, reverse),
    nograd,
    nograd,
)
defjvp(builtins.sorted, lambda tangents, ans, x, key=None, reverse=False: rt.sort_like(tangents[0], x, key, reverse))

# the helpers are differentiable too (second order): each is linear in its first argument
defnondiff(rt_impl.sort_order)
deflinear(rt_impl.unlist, rt_impl.unsort, rt_impl.sort_like, args=(0,))
defvjp(rt_impl.unlist, lambda G, ans, g, x: rt.unlist(G, g), nograd)
defvjp(rt_impl.unsort, lambda G, ans, g, x, key=None, reverse=False: rt.owned(rt.sort_like(G, x, key, reverse)), nograd)
defvjp(rt_impl.sort_like, lambda G, ans, t, x, key=None, reverse=False: rt.unsort(G, x, key, reverse), nograd)


def defnamedtuple(cls):
    """Rules for `P(a, b)`, a NamedTuple class called inside differentiated code (once per
    class): each field's adjoint is its item of P's adjoint, and the tangent is P of the
    fields' tangents (zeros for a field without one)."""
    if _key(cls) in RULES:
        return
    spelled = _dotted(external(cls, cls.__name__))

    def jvp(tangents, ans, *items):
        tangents = list(tangents) + [None] * (len(items) - len(tangents))
        return call(spelled, [t if t is not None else rt.zeros_like(a) for t, a in zip(tangents, items)], {})

    fields = [inspect.Parameter(f"field{i}", inspect.Parameter.POSITIONAL_OR_KEYWORD) for i in range(len(cls._fields))]
    signature = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in ("g", "ans")] + fields
    )
    defvjp(cls, *[_item(i, signature) for i in range(len(cls._fields))])
    defjvp(cls, jvp)


def _item(i, signature):
    """The VJP for field i: item i of the adjoint (one parameter per field, so that the
    engine gives each argument its own VJP)."""

    def vjp(g, ans, *items):
        return g[i]

    vjp.__signature__ = signature
    return vjp
