"""Rules for the order statistics: np.quantile, np.percentile, np.median and their
nan-ignoring twins, for every method that is piecewise linear in the data (all of
NumPy's). The adjoint goes to the (at most two) elements each result interpolates
between; runtime/order_statistics.py finds them. q has no derivative rule: a varying q
is an error, never a silent zero. Weighted quantiles (`weights=`) are refused."""

import numpy as np

from .. import runtime as rt_impl
from .table import REDUCTIONS, _key, defjvp, deflinear, defvjp, family, nograd
from .numpy_rules import REDUCTIONS_FAMILY, unsupported
from .sym import Sym, rt

family(
    REDUCTIONS_FAMILY,
    notes=[
        "quantile / percentile / median (and the nan- versions), every method: the adjoint goes to the "
        "one or two order statistics the result interpolates between; ties go to one element, in stable "
        "order (as sort). q has no derivative; `weights=` is an error.",
    ],
)


def _plain(name, weights=None, out=None):
    if weights is not None:
        raise unsupported(f"{name} with weights=", hint="sort the data and interpolate the weighted CDF yourself")
    if out is not None:
        raise unsupported(f"{name} with out=", hint="assign the result instead")


def _method(method):
    if isinstance(method, Sym):
        raise unsupported("a quantile with a method computed at run time")
    return method


def _keepdims(keepdims):
    return keepdims if isinstance(keepdims, bool) else False  # np._NoValue: the nan-functions' default


def _fraction(q, scale):
    """q as a fraction (percentiles are in percent), spelled as generated code can hold it."""
    if scale == 1:
        return q
    return np.divide(q, scale) if isinstance(q, Sym) else (np.asarray(q, dtype=float) / scale).tolist()


def _quantile_rules(prim, name, scale, nan):
    """Reverse and forward rules for np.quantile-like `prim` (q divided by `scale`)."""

    def vjp(g, ans, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *, weights=None):
        _plain(name, weights, out)
        return rt.quantile_adjoint(g, a, _fraction(q, scale), axis, _method(method), nan)

    def jvp(tangents, ans, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, **kw):
        _plain(name, kw.get("weights"), out)
        if len(tangents) > 1 and tangents[1] is not None:
            raise unsupported(f"{name} in q", hint="q has no derivative; compute it outside the differentiated code")
        qs = _fraction(q, scale)
        return rt.quantile_tangent(tangents[0], a, qs, axis, _method(method), _keepdims(keepdims), nan)

    defvjp(prim, vjp, None)
    defjvp(prim, jvp)


def _median_rules(prim, nan):
    def vjp(g, ans, a, axis=None, out=None, overwrite_input=False, keepdims=False):
        _plain(prim.__name__, None, out)
        return rt.quantile_adjoint(g, a, 0.5, axis, "linear", nan)

    def jvp(tangents, ans, a, axis=None, out=None, overwrite_input=False, keepdims=False):
        _plain(prim.__name__, None, out)
        return rt.quantile_tangent(tangents[0], a, 0.5, axis, "linear", _keepdims(keepdims), nan)

    defvjp(prim, vjp)
    defjvp(prim, jvp)


_quantile_rules(np.quantile, "np.quantile", 1, False)
_quantile_rules(np.percentile, "np.percentile", 100, False)
_quantile_rules(np.nanquantile, "np.nanquantile", 1, True)
_quantile_rules(np.nanpercentile, "np.nanpercentile", 100, True)
_median_rules(np.median, False)
_median_rules(np.nanmedian, True)
family(REDUCTIONS_FAMILY, np.quantile, np.percentile, np.nanquantile, np.nanpercentile, np.median, np.nanmedian)
REDUCTIONS.update(_key(f) for f in (np.median, np.nanmedian))

# The helpers' own rules (so derivative code differentiates again): each is linear in its
# first argument and the other's transpose; the positions are locally constant in a.
deflinear(rt_impl.quantile_adjoint, rt_impl.quantile_tangent, args=(0,))
defvjp(
    rt_impl.quantile_adjoint,
    lambda G, ans, g, a, q, axis=None, method="linear", nan=False: np.reshape(
        rt.quantile_tangent(G, a, q, axis, method, False, nan), np.shape(g)
    ),
    nograd,
)
defvjp(
    rt_impl.quantile_tangent,
    lambda G, ans, t, a, q, axis=None, method="linear", keepdims=False, nan=False: rt.unbroadcast(
        rt.quantile_adjoint(G, a, q, axis, method, nan), t
    ),
    nograd,
)
