"""Rules for NumPy's non-element-wise functions: selection, reductions, matmul
and dot, shape, joining and reordering. Each is a VJP per argument; see
rules/__init__.py. (The rest of linear algebra, and 1-d signals: linalg_rules.py.)

Conventions where a derivative does not exist or is not unique: the `family`
notes below (docs/supported.md shows them).
"""

import numpy as np

from .table import REDUCTIONS, RULES, _key, defvjp, defnondiff, family, nograd
from . import elementwise  # noqa: F401  (element-wise rules first)
from .sym import Sym, rt, to_node

REDUCTIONS_FAMILY = "Reductions and statistics"
SIGNALS = "Calculus, signals and polynomials"
family(
    "Shape, joining and indexing",
    module=__name__,
    notes=[
        "sort / partition: each result slot's adjoint goes to one element equal to it, matched in "
        "stable order (equal values do not share).",
        "unique: a value's adjoint is split equally among the elements equal to it.",
        "pad: the modes that copy values (constant, empty, edge, reflect, symmetric, wrap); others are an error.",
        "list and tuple arguments (concatenate, stack, hstack, ...) get one adjoint per item; split and "
        "array_split (tuple results) read output i's adjoint as g[i].",
        "Constructors carry the derivative of the values they are given (np.full's fill value, np.linspace's "
        "ends, np.arange's start and step); shapes and counts carry none.",
    ],
)
family(
    REDUCTIONS_FAMILY,
    notes=[
        "max / min / nanmax / nanmin / ptp: ties split the adjoint equally.",
        "nan entries of the nan-reductions (nansum, nanmean, nanprod, nanvar, ...) get 0.",
        "prod is exact at zero factors.",
        "a reduction with `where=` is an error (select with np.where(mask, x, 0.0) first).",
    ],
)
family(
    SIGNALS,
    notes=[
        "cumprod is exact at zero factors.",
        "interp: at a knot the derivative in x is the slope of the segment to its right; outside "
        "[xp[0], xp[-1]) it is 0; xp has no derivative.",
    ],
)


def unsupported(what, hint=None):
    """The error a rule raises at compile time for a case it cannot differentiate."""
    from ..errors import S2SGradError

    return S2SGradError(f"{what} has no derivative rule", hint=hint)


def as_sym(value):
    """A literal adjoint (the seed 1.0) as generated code, so NumPy calls on it are emitted."""
    return value if isinstance(value, Sym) else Sym(to_node(value))


def _split_ties(g, x, y, strict_first):
    """Maximum/minimum: the adjoint goes to the winner. Ties between two values
    split it equally; against a literal constant the varying side gets 0, so
    `np.maximum(x, 0)` has derivative 0 at x = 0 (relu'(0) = 0)."""
    if not isinstance(y, Sym):
        return g * strict_first
    return g * (strict_first + 0.5 * (x == y))


def _max_x(g, ans, x, y):
    return _split_ties(g, x, y, x > y)


def _max_y(g, ans, x, y):
    return _split_ties(g, y, x, y > x)


def _min_x(g, ans, x, y):
    return _split_ties(g, x, y, x < y)


def _min_y(g, ans, x, y):
    return _split_ties(g, y, x, y < x)


defvjp([np.maximum, np.fmax], _max_x, _max_y, elementwise=True, keeps_scalars=True)
defvjp([np.minimum, np.fmin], _min_x, _min_y, elementwise=True, keeps_scalars=True)
# the condition selects: a step in its argument, so no derivative flows into it (under
# hvp a condition read back from the gradient's tape is active, with a zero tangent)
defvjp(
    np.where,
    nograd,
    lambda g, ans, condition, x, y: np.where(condition, g, 0.0),
    lambda g, ans, condition, x, y: np.where(condition, 0.0, g),
    elementwise=True,
)
# clip passes the adjoint on the closed interval [a_min, a_max]
defvjp(
    np.clip,
    lambda g, ans, a, a_min, a_max: g * _inside(a, a_min, a_max),
    lambda g, ans, a, a_min, a_max: g * (a < a_min),
    lambda g, ans, a, a_min, a_max: g * (a > a_max),
    elementwise=True,
)


def _inside(a, lo, hi):
    if lo is None:
        return a <= hi
    if hi is None:
        return a >= lo
    return (a >= lo) & (a <= hi)


# -- reductions --------------------------------------------------------------
def _sum(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return rt.unreduce(g, a, axis, keepdims)


def _mean(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return rt.unreduce(g, a, axis, keepdims) / rt.reduce_count(a, axis)


def _prod(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return rt.unreduce(g, a, axis, keepdims) * rt.prod_others(a, axis)


def _extremum(g, ans, a, axis=None, out=None, keepdims=False):
    return rt.times_extremum_mask(g, a, ans, axis, keepdims)


def _no_where(where):
    if where is not None:
        raise unsupported("a reduction with where=", hint="select with np.where(mask, x, 0.0) first")


def _var(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None):
    _no_where(where)
    ddof = ddof if correction is None else correction
    centered = a - np.mean(a, axis=axis, keepdims=True)
    return rt.unreduce(g, a, axis, keepdims) * centered * (2 / (rt.reduce_count(a, axis) - ddof))


def _std(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None):
    _no_where(where)
    ddof = ddof if correction is None else correction
    centered = a - np.mean(a, axis=axis, keepdims=True)
    # (0 where the deviation is 0: of one element, or of equal values, as abs'(0) = 0,
    # also where they are equal up to rounding)
    slope = rt.divide_or_zero(g * rt.spread_resolved(ans, a, axis, keepdims), ans)
    return rt.unreduce(slope, a, axis, keepdims) * centered / (rt.reduce_count(a, axis) - ddof)


def _not_nan(a, axis, keepdims):
    return np.sum(np.logical_not(np.isnan(a)), axis=axis, keepdims=keepdims)


def _nansum(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    _no_where(where)
    return np.where(np.isnan(a), 0.0, rt.unreduce(g, a, axis, keepdims))


def _nanmean(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    _no_where(where)
    return np.where(np.isnan(a), 0.0, rt.unreduce(g / _not_nan(a, axis, keepdims), a, axis, keepdims))


def _nanprod(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    _no_where(where)
    return np.where(
        np.isnan(a), 0.0, rt.unreduce(g, a, axis, keepdims) * rt.prod_others(np.where(np.isnan(a), 1.0, a), axis)
    )


def _nanvar(
    g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None
):
    _no_where(where)
    ddof = ddof if correction is None else correction
    # (zero, not nan, where a is nan: its derivative is differentiated again for second order)
    centered = np.where(np.isnan(a), 0.0, a - np.nanmean(a, axis=axis, keepdims=True))
    return np.where(
        np.isnan(a), 0.0, rt.unreduce(g, a, axis, keepdims) * centered * (2 / (_not_nan(a, axis, True) - ddof))
    )


def _nanstd(
    g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None
):
    _no_where(where)
    ddof = ddof if correction is None else correction
    centered = np.where(np.isnan(a), 0.0, a - np.nanmean(a, axis=axis, keepdims=True))
    return np.where(
        np.isnan(a),
        0.0,
        rt.unreduce(rt.divide_or_zero(g * rt.spread_resolved(ans, a, axis, keepdims), ans), a, axis, keepdims)
        * centered
        / (_not_nan(a, axis, True) - ddof),
    )


def _ptp(g, ans, a, axis=None, out=None, keepdims=False):
    top = rt.extremum_mask(a, np.max(a, axis=axis, keepdims=keepdims), axis, keepdims)
    bottom = rt.extremum_mask(a, np.min(a, axis=axis, keepdims=keepdims), axis, keepdims)
    return rt.unreduce(g, a, axis, keepdims) * (top - bottom)


def _average_terms(g, a, axis, weights, returned, keepdims):
    if returned:
        raise unsupported("np.average(..., returned=True)", hint="compute the sum of weights separately")
    full = rt.average_weights(weights, a, axis)
    return full, rt.unreduce(g / np.sum(full, axis=axis, keepdims=keepdims), a, axis, keepdims)


def _average_a(g, ans, a, axis=None, weights=None, returned=False, *, keepdims=False):
    if weights is None:
        return _mean(g, ans, a, axis, keepdims=keepdims)
    full, spread = _average_terms(g, a, axis, weights, returned, keepdims)
    return spread * full


def _average_weights(g, ans, a, axis=None, weights=None, returned=False, *, keepdims=False):
    full, spread = _average_terms(g, a, axis, weights, returned, keepdims)
    return rt.average_weights_adjoint(spread * (a - rt.unreduce(ans, a, axis, keepdims)), weights, axis)


defvjp(np.sum, _sum)
defvjp(np.mean, _mean)
defvjp(np.prod, _prod)
defvjp([np.max, np.amax, np.min, np.amin, np.nanmax, np.nanmin], _extremum)
defvjp(np.var, _var)
defvjp(np.std, _std)
defvjp(np.nansum, _nansum)
defvjp(np.nanmean, _nanmean)
defvjp(np.nanprod, _nanprod)
defvjp(np.nanvar, _nanvar)
defvjp(np.nanstd, _nanstd)
defvjp(np.ptp, _ptp)
defvjp(np.average, _average_a, None, _average_weights)
family(
    REDUCTIONS_FAMILY,
    np.sum,
    np.mean,
    np.prod,
    np.max,
    np.amax,
    np.min,
    np.amin,
    np.nanmax,
    np.nanmin,
    np.var,
    np.std,
    np.nansum,
    np.nanmean,
    np.nanprod,
    np.nanvar,
    np.nanstd,
    np.ptp,
    np.average,
)

# cumulative sums and products, differences, integrals
defvjp(np.cumsum, lambda g, ans, a, axis=None, dtype=None, out=None: rt.cumsum_adjoint(g, a, axis))
defvjp(np.cumprod, lambda g, ans, a, axis=None, dtype=None, out=None: rt.cumprod_adjoint(g, a, axis))
defvjp(np.diff, lambda g, ans, a, n=1, axis=-1, prepend=None, append=None: rt.undiff(g, a, n, axis, prepend, append))
defvjp(
    getattr(np, "trapezoid", None) or np.trapz,
    lambda g, ans, y, x=None, dx=1.0, axis=-1: rt.trapezoid_y(g, y, x, dx, axis),
    lambda g, ans, y, x=None, dx=1.0, axis=-1: rt.trapezoid_x(g, y, x, axis),
    lambda g, ans, y, x=None, dx=1.0, axis=-1: np.sum(g * ans) / dx,
)
if hasattr(np, "cumulative_sum"):  # NumPy >= 2.1
    defvjp(
        np.cumulative_sum,
        lambda g, ans, x, axis=None, dtype=None, out=None, include_initial=False: rt.cumsum_adjoint(
            g, x, axis, include_initial
        ),
    )
    defvjp(
        np.cumulative_prod,
        lambda g, ans, x, axis=None, dtype=None, out=None, include_initial=False: rt.cumprod_adjoint(
            g, x, axis, include_initial
        ),
    )

# -- linear algebra ------------------------------------------------------------
defvjp(np.matmul, lambda g, ans, a, b: rt.matmul_lhs(g, a, b), lambda g, ans, a, b: rt.matmul_rhs(g, a, b))
defvjp(np.dot, lambda g, ans, a, b: rt.dot_lhs(g, a, b), lambda g, ans, a, b: rt.dot_rhs(g, a, b))

# -- shape -----------------------------------------------------------------------


def _inverse_axes(axes):
    if isinstance(axes, Sym):
        return np.argsort(axes)
    return tuple(int(i) for i in np.argsort(axes))


defvjp(np.reshape, lambda g, ans, a, *shape, **kw: np.reshape(g, np.shape(a)))
defvjp(
    np.transpose, lambda g, ans, a, axes=None: np.transpose(g) if axes is None else np.transpose(g, _inverse_axes(axes))
)
defvjp([np.array, np.asarray, np.asanyarray, np.copy, np.ascontiguousarray], lambda g, ans, a, *args, **kwargs: g)
defvjp(np.ravel, lambda g, ans, a, order="C": np.reshape(g, np.shape(a)))
defvjp(np.squeeze, lambda g, ans, a, axis=None: np.reshape(as_sym(g), np.shape(a)))
defvjp(np.expand_dims, lambda g, ans, a, axis: np.reshape(g, np.shape(a)))
defvjp([np.atleast_1d, np.atleast_2d, np.atleast_3d], lambda g, ans, ary: np.reshape(g, np.shape(ary)))
defvjp(np.broadcast_to, lambda g, ans, array, shape, subok=False: rt.unbroadcast(g, array))
defvjp(np.swapaxes, lambda g, ans, a, axis1, axis2: np.swapaxes(g, axis1, axis2))
defvjp(np.moveaxis, lambda g, ans, a, source, destination: np.moveaxis(g, destination, source))
defvjp(np.rollaxis, lambda g, ans, a, axis, start=0: rt.unrollaxis(g, a, axis, start))


def _negated(shift):
    if isinstance(shift, (tuple, list)):
        return type(shift)(-s for s in shift)
    return np.negative(shift) if isinstance(shift, Sym) else -shift


defvjp(np.roll, lambda g, ans, a, shift, axis=None: np.roll(g, _negated(shift), axis))
defvjp(np.flip, lambda g, ans, m, axis=None: np.flip(g, axis))
defvjp(np.fliplr, lambda g, ans, m: np.fliplr(g))
defvjp(np.flipud, lambda g, ans, m: np.flipud(g))
defvjp(np.rot90, lambda g, ans, m, k=1, axes=(0, 1): np.rot90(g, -k, axes))
defvjp(np.tile, lambda g, ans, A, reps: rt.untile(g, A, reps))
defvjp(np.repeat, lambda g, ans, a, repeats, axis=None: rt.unrepeat(g, a, repeats, axis))

_COPYING_PAD_MODES = ("constant", "empty", "edge", "reflect", "symmetric", "wrap")


def _pad(g, ans, array, pad_width, mode="constant", **kwargs):
    # (a mode passed in as an argument is known only at run time: unpad checks it there)
    known = not isinstance(mode, Sym)
    if known and mode not in _COPYING_PAD_MODES or kwargs.get("reflect_type", "even") != "even":
        raise unsupported(f"np.pad with mode={mode!r}", hint=f"use one of the modes {', '.join(_COPYING_PAD_MODES)}")
    return rt.unpad(g, array, pad_width, mode)


defvjp(np.pad, _pad)

# joining and splitting: a list argument's adjoint is one adjoint per item
defvjp(np.concatenate, lambda g, ans, arrays, axis=0, out=None, **kwargs: rt.unconcat(g, arrays, axis))
defvjp(np.stack, lambda g, ans, arrays, axis=0, out=None, **kwargs: np.moveaxis(g, axis, 0))
defvjp(np.hstack, lambda g, ans, tup, **kwargs: rt.unconcat(g, tup, "h"))
defvjp(np.vstack, lambda g, ans, tup, **kwargs: rt.unconcat(g, tup, 0))
defvjp(np.column_stack, lambda g, ans, tup: rt.unconcat(g, tup, 1))
defvjp(np.dstack, lambda g, ans, tup: rt.unconcat(g, tup, 2))
defvjp(
    np.append,
    lambda g, ans, arr, values, axis=None: rt.unconcat(g, (arr, values), axis)[0],
    lambda g, ans, arr, values, axis=None: rt.unconcat(g, (arr, values), axis)[1],
)
defvjp(
    [np.split, np.array_split],
    lambda g, ans, ary, indices_or_sections, axis=0: rt.unsplit(g, ary, indices_or_sections, axis),
)
defvjp(np.hsplit, lambda g, ans, ary, indices_or_sections: rt.unsplit(g, ary, indices_or_sections, "h"))
defvjp(np.vsplit, lambda g, ans, ary, indices_or_sections: rt.unsplit(g, ary, indices_or_sections, 0))
defvjp(np.dsplit, lambda g, ans, ary, indices_or_sections: rt.unsplit(g, ary, indices_or_sections, 2))

# selecting and reordering
defvjp(np.take, lambda g, ans, a, indices, axis=None, out=None, mode="raise": rt.untake(g, a, indices, axis, mode))
defvjp(np.take_along_axis, lambda g, ans, arr, indices, axis=-1: rt.untake_along_axis(g, arr, indices, axis))
defvjp(np.diag, lambda g, ans, v, k=0: rt.undiag(g, v, k))
defvjp(np.diagflat, lambda g, ans, v, k=0: np.reshape(np.diag(g, k), np.shape(v)))
defvjp(np.diagonal, lambda g, ans, a, offset=0, axis1=0, axis2=1: rt.undiagonal(g, a, offset, axis1, axis2))
defvjp(
    np.trace,
    lambda g, ans, a, offset=0, axis1=0, axis2=1, dtype=None, out=None: rt.undiagonal(
        np.expand_dims(as_sym(g), -1), a, offset, axis1, axis2
    ),
)
defvjp(np.triu, lambda g, ans, m, k=0: np.triu(g, k))
defvjp(np.tril, lambda g, ans, m, k=0: np.tril(g, k))
defvjp(np.sort, lambda g, ans, a, axis=-1, kind=None, order=None, **kwargs: rt.unpermute(g, a, ans, axis))
defvjp(np.partition, lambda g, ans, a, kth, axis=-1, kind="introselect", order=None: rt.unpermute(g, a, ans, axis))


def _unique(g, ans, ar, return_index=False, return_inverse=False, return_counts=False, axis=None, **kwargs):
    if axis is not None:
        raise unsupported("np.unique with an axis")
    tuple_out = return_index or return_inverse or return_counts
    return rt.unique_adjoint(g[0] if tuple_out else g, ar)


defvjp(np.unique, _unique)
defvjp(np.bincount, None, lambda g, ans, x, weights=None, minlength=0: g[x])


def _no_period(period):
    if period is not None:
        raise unsupported("np.interp with a period")


def _interp_x(g, ans, x, xp, fp, left=None, right=None, period=None):
    _no_period(period)
    return g * rt.interp_slope(x, xp, fp, left, right)


def _interp_fp(g, ans, x, xp, fp, left=None, right=None, period=None):
    _no_period(period)
    return rt.interp_fp(g, x, xp, fp, left, right)


defvjp(np.interp, _interp_x, None, _interp_fp)
family(REDUCTIONS_FAMILY, np.bincount)
family(SIGNALS, np.cumsum, np.cumprod, np.diff, np.interp, getattr(np, "trapezoid", None) or np.trapz)
family(SIGNALS, *[getattr(np, name) for name in ("cumulative_sum", "cumulative_prod") if hasattr(np, name)])
family("Linear algebra", np.matmul, np.dot)

# array methods that are these functions with x first (x.std(...) is np.std(x, ...))
for _method, _func in [
    ("std", np.std),
    ("var", np.var),
    ("cumsum", np.cumsum),
    ("cumprod", np.cumprod),
    ("squeeze", np.squeeze),
    ("swapaxes", np.swapaxes),
    ("repeat", np.repeat),
    ("take", np.take),
    ("diagonal", np.diagonal),
    ("trace", np.trace),
    ("conj", np.conjugate),
    ("conjugate", np.conjugate),
]:
    RULES[_key(("method", _method))] = (("method", _method), RULES[_key(_func)][1])
RULES[_key(("attr", "imag"))] = (("attr", "imag"), RULES[_key(np.imag)][1])
defvjp(("attr", "mT"), lambda g, ans, a: np.swapaxes(g, -1, -2))
defnondiff(("method", "round"), ("method", "searchsorted"), ("method", "argpartition"))

REDUCTIONS.update(
    _key(f)
    for f in (
        np.std,
        np.var,
        np.nansum,
        np.nanmean,
        np.nanprod,
        np.nanvar,
        np.nanstd,
        np.nanmax,
        np.nanmin,
        np.ptp,
        np.average,
        ("method", "std"),
        ("method", "var"),
    )
)


# Constructors whose values are (some of) their arguments: np.full's fill value,
# np.linspace's ends (a grid over a differentiated length), np.arange's start and step.
# Their shapes depend on the arguments only discretely, so only the values carry a derivative.
def _linspace_weights(num, endpoint, at_stop):
    """How much each grid point moves with `stop` (`at_stop`) or with `start`."""
    t = np.linspace(as_sym(0.0), 1.0, num) if endpoint is True else np.linspace(as_sym(0.0), 1.0, num, endpoint)
    return t if at_stop else 1.0 - t


def _linspace_end(at_stop):
    def vjp(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
        if retstep is not False or axis != 0:
            raise unsupported("np.linspace with retstep or axis", hint="leave retstep and axis at their defaults")
        return rt.unbroadcast(np.tensordot(_linspace_weights(num, endpoint, at_stop), g, 1), stop if at_stop else start)

    return vjp


def _arange_start(g, ans, start, stop=None, step=None, dtype=None):
    return None if stop is None else np.sum(g)  # np.arange(stop[, step=h]) counts from 0


def _arange_step(g, ans, start, stop=None, step=None, dtype=None):
    counted = ans if stop is None else ans - start  # i * step, element by element
    return np.sum(g * counted) / step


defvjp(np.full, nograd, lambda g, ans, shape, fill_value, dtype=None, order="C": rt.unbroadcast(g, fill_value))
defvjp(
    np.full_like,
    nograd,
    lambda g, ans, a, fill_value, dtype=None, order="K", subok=True, shape=None: rt.unbroadcast(g, fill_value),
)
defvjp(np.linspace, _linspace_end(False), _linspace_end(True))
defvjp(np.arange, _arange_start, nograd, _arange_step)

# Random draws whose arguments are shapes or integers carry no derivative; the others
# (np.random.normal(loc, scale), uniform(low, high), choice(a), ...) have no rule, so a
# differentiated parameter is an error rather than a silent zero.
_SHAPE_ONLY_RANDOM = (
    "seed",
    "rand",
    "randn",
    "randint",
    "random",
    "random_sample",
    "ranf",
    "sample",
    "standard_normal",
    "standard_exponential",
    "standard_cauchy",
    "bytes",
    "get_state",
    "set_state",
    "default_rng",
    "RandomState",
    "Generator",
    "random_integers",
)

defnondiff(
    np.shape,
    np.ndim,
    np.size,
    np.argmax,
    np.argmin,
    np.argsort,
    np.zeros,
    np.ones,
    np.empty,
    np.zeros_like,
    np.ones_like,
    np.empty_like,
    np.eye,
    np.identity,
    np.nonzero,
    np.count_nonzero,
    np.any,
    np.all,
    np.argwhere,
    np.isclose,
    np.allclose,
    np.array_equal,
    np.searchsorted,
    np.digitize,
    np.flatnonzero,
    np.argpartition,
    np.lexsort,
    np.isin,
    np.nanargmax,
    np.nanargmin,
    np.tri,
    np.tril_indices,
    np.triu_indices,
    np.tril_indices_from,
    np.triu_indices_from,
    np.diag_indices,
    np.diag_indices_from,
    np.indices,
    np.ravel_multi_index,
    np.unravel_index,
    np.iscomplexobj,
    np.isrealobj,
    np.array_equiv,
)
defnondiff(*[getattr(np.random, name) for name in _SHAPE_ONLY_RANDOM if hasattr(np.random, name)])
