"""Forward-mode rules beyond what the element-wise table gives for free.

Element-wise rules need nothing here: their VJP is `g * d`, so `t * d` is the
JVP. Linear (and multilinear) primitives re-run themselves on tangents; a
primitive linear in its arguments jointly (np.append, np.diff with prepend)
gets an explicit JVP instead, as do the nonlinear ones: reductions, sort,
interp, and np.linalg, whose JVPs (cholesky_tangent, eigh_tangent, ...) the
runtime helpers' rules reuse as the transposes of their adjoints.

Conventions match the reverse rules (numpy_rules.py, linalg_rules.py): ties
and kinks as there; cholesky and eigh see the symmetric part of the tangent.
"""

import builtins
import math
import operator

import numpy as np

from .table import deflinear, defjvp
from .elementwise import np_ns, times_power_slope
from .linalg_rules import _norm_ord
from .numpy_rules import _COPYING_PAD_MODES, _inside, _no_period, _no_where, _not_nan, unsupported
from .sym import Sym, rt

deflinear(
    np.sum,
    np.mean,
    np.reshape,
    np.transpose,
    np.ravel,
    np.array,
    np.asarray,
    np.asanyarray,
    np.copy,
    np.ascontiguousarray,
    np.matmul,
    np.dot,
    builtins.float,
    np.float64,
    builtins.dict,
    ("method", "sum"),
    ("method", "mean"),
    ("method", "reshape"),
    ("method", "transpose"),
    ("method", "ravel"),
    ("method", "flatten"),
    ("method", "copy"),
    ("method", "astype"),
    ("method", "item"),
    ("method", "dot"),
    ("attr", "T"),
    ("attr", "real"),
)
for _name in (
    "squeeze",
    "expand_dims",
    "swapaxes",
    "moveaxis",
    "rollaxis",
    "diagflat",
    "cumsum",
    "roll",
    "flip",
    "fliplr",
    "flipud",
    "tile",
    "repeat",
    "trace",
    "diagonal",
    "triu",
    "tril",
    "broadcast_to",
    "outer",
    "inner",
    "vdot",
    "tensordot",
    "kron",
    "einsum",
    "convolve",
    "correlate",
    "take",
    "concatenate",
    "stack",
    "hstack",
    "vstack",
    "column_stack",
    "atleast_1d",
    "atleast_2d",
    "trapezoid",
    "trapz",
):
    if hasattr(np, _name):
        deflinear(getattr(np, _name))
for _name in ("squeeze", "swapaxes", "cumsum", "trace", "diagonal", "repeat", "take"):
    deflinear(("method", _name))
deflinear(operator.matmul)


def _reduction(weights):
    def jvp(tangents, ans, a, axis=None, dtype=None, out=None, keepdims=False):
        return np.sum(tangents[0] * weights(ans, a, axis, keepdims), axis=axis, keepdims=keepdims)

    return jvp


_prod_jvp = _reduction(lambda ans, a, axis, keepdims: rt.prod_others(a, axis))
_extremum_jvp = _reduction(lambda ans, a, axis, keepdims: rt.extremum_mask(a, ans, axis, keepdims))
for _prim in (np.prod, ("method", "prod")):
    defjvp(_prim, _prod_jvp)
for _prim in (np.max, np.amax, np.min, np.amin, ("method", "max"), ("method", "min")):
    defjvp(
        _prim,
        lambda tangents, ans, a, axis=None, out=None, keepdims=False: _extremum_jvp(
            tangents, ans, a, axis, None, out, keepdims
        ),
    )

# -- the rest of the NumPy table -------------------------------------------------------------

_np_if = [
    getattr(np, n)
    for n in (
        "atleast_3d",
        "dstack",
        "split",
        "array_split",
        "hsplit",
        "vsplit",
        "dsplit",
        "take_along_axis",
        "diag",
        "rot90",
        "real",
        "imag",
        "cumulative_sum",
        "matrix_transpose",
    )
    if hasattr(np, n)
]
deflinear(*_np_if, ("attr", "imag"), ("attr", "mT"), args=(0,))
deflinear(np.cross, *[getattr(np, n) for n in ("vecdot",) if hasattr(np, n)], args=(0, 1))
deflinear(np.bincount, args=(1,))
if hasattr(np.linalg, "vector_norm"):
    deflinear(np.linalg.diagonal, np.linalg.trace, np.linalg.matrix_transpose, args=(0,))
    deflinear(np.linalg.matmul, np.linalg.tensordot, np.linalg.outer, np.linalg.cross, np.linalg.vecdot, args=(0, 1))


def _total(terms):
    terms = [t for t in terms if t is not None]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def _tangent(tangents, i):
    return tangents[i] if i < len(tangents) else None


def _power_jvp(tangents, ans, x, y):
    """t_x * y x^(y-1) + t_y * x^y log(x), the second term exactly 0 where t_y is: forward
    mode treats every value read from a tuple that holds a moving one as moving, so an
    integer exponent there has a zero tangent, and 0 * log(negative base) would be nan."""
    base = times_power_slope(tangents[0], x, y) if tangents[0] is not None else None
    exponent = rt.exponent_tangent(tangents[1], ans, x) if _tangent(tangents, 1) is not None else None
    return _total([base, exponent])


for _prim in (np.power, np.float_power, operator.pow, math.pow):
    defjvp(_prim, _power_jvp)


def diff_ends(prepend, append, prepend_t=None, append_t=None):
    """np.diff's prepend / append in its derivative: their tangents, or zeros of their shape
    (the keywords left out where the primal has none: np.diff reads None as a value)."""
    ends = {}
    for name, end, t in (("prepend", prepend, prepend_t), ("append", append, append_t)):
        if end is not None:
            ends[name] = t if t is not None else rt.zeros_like(end)
    return ends


def _diff_jvp(tangents, ans, a, n=1, axis=-1, prepend=None, append=None):
    ta = _tangent(tangents, 0)
    ends = diff_ends(prepend, append, _tangent(tangents, 3), _tangent(tangents, 4))
    return np.diff(ta if ta is not None else rt.zeros_like(a), n, axis, **ends)


defjvp(np.diff, _diff_jvp)  # jointly linear in a, prepend and append (not one at a time)
defjvp(
    np.append,
    lambda tangents, ans, arr, values, axis=None: np.append(
        _tangent(tangents, 0) if _tangent(tangents, 0) is not None else rt.zeros_like(arr),
        _tangent(tangents, 1) if _tangent(tangents, 1) is not None else rt.zeros_like(values),
        axis,
    ),
)
# np.full / np.full_like are linear in the fill value; np.linspace is linear in its two
# ends jointly, np.arange in start and step (numpy_rules.py has the reverse rules).
deflinear(np.full, np.full_like, args=(1,))


def _linspace_jvp(tangents, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    ends = [
        t if t is not None else rt.zeros_like(end)
        for t, end in ((_tangent(tangents, 0), start), (_tangent(tangents, 1), stop))
    ]
    return np.linspace(*ends, num) if endpoint is True else np.linspace(*ends, num, endpoint)


def _arange_jvp(tangents, ans, start, stop=None, step=None, dtype=None):
    t_start, t_step = (_tangent(tangents, 0) if stop is not None else None), _tangent(tangents, 2)
    counted = ans if stop is None else ans - start
    return _total(
        [
            rt.zeros_like(ans) + t_start if t_start is not None else None,
            counted / step * t_step if t_step is not None else None,
        ]
    )


defjvp(np.linspace, _linspace_jvp)
defjvp(np.arange, _arange_jvp)
defjvp(np.nan_to_num, lambda tangents, ans, x, *args, **kwargs: tangents[0] * np.isfinite(x))


def _pad_jvp(tangents, ans, array, pad_width, mode="constant", **kwargs):
    if isinstance(mode, Sym):  # passed in: checked at run time
        return np.pad(tangents[0], pad_width, mode=rt.pad_mode(mode))
    if mode not in _COPYING_PAD_MODES or kwargs.get("reflect_type", "even") != "even":
        raise unsupported(f"np.pad with mode={mode!r}", hint=f"use one of the modes {', '.join(_COPYING_PAD_MODES)}")
    return np.pad(tangents[0], pad_width, mode="constant" if mode == "empty" else mode)


defjvp(np.pad, _pad_jvp)  # the padding values are constants: the tangent pads with zeros


# -- reductions ---------------------------------------------------------------------------------
def _moments(centered, count, ddof, where, correction):
    _no_where(where)
    ddof = ddof if correction is None else correction
    return centered, 2 / (count - ddof)


def _var_jvp(
    tangents, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None
):
    centered, scale = _moments(
        a - np.mean(a, axis=axis, keepdims=True), rt.reduce_count(a, axis), ddof, where, correction
    )
    return np.sum(tangents[0] * centered, axis=axis, keepdims=keepdims) * scale


def _nanvar_jvp(
    tangents, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None
):
    centered, scale = _moments(
        a - np.nanmean(a, axis=axis, keepdims=True), _not_nan(a, axis, keepdims), ddof, where, correction
    )
    return np.sum(np.where(np.isnan(a), 0.0, tangents[0] * centered), axis=axis, keepdims=keepdims) * scale


for _prim in (np.var, ("method", "var")):
    defjvp(_prim, _var_jvp)


def _std_jvp(var_jvp):
    """np.std's tangent from its variance's: divided by 2 std, 0 where the values are
    equal (or equal up to rounding), as abs'(0) = 0."""

    def jvp(tangents, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
        t = var_jvp(tangents, ans, a, axis, dtype, out, ddof, keepdims, **kwargs)
        return rt.divide_or_zero(t * rt.spread_resolved(ans, a, axis, keepdims), 2 * ans)

    return jvp


for _prim in (np.std, ("method", "std")):
    defjvp(_prim, _std_jvp(_var_jvp))
defjvp(np.nanvar, _nanvar_jvp)
defjvp(np.nanstd, _std_jvp(_nanvar_jvp))


def _nan_free(t, a):
    return np.where(np.isnan(a), 0.0, t)


defjvp(
    np.nansum,
    lambda tangents, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None: np.sum(
        _nan_free(tangents[0], a), axis=axis, keepdims=keepdims
    ),
)
defjvp(
    np.nanmean,
    lambda tangents, ans, a, axis=None, dtype=None, out=None, keepdims=False, *, where=None: (
        np.sum(_nan_free(tangents[0], a), axis=axis, keepdims=keepdims) / _not_nan(a, axis, keepdims)
    ),
)
defjvp(
    np.nanprod,
    lambda tangents, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None: np.sum(
        _nan_free(tangents[0], a) * rt.prod_others(np.where(np.isnan(a), 1.0, a), axis), axis=axis, keepdims=keepdims
    ),
)
for _prim in (np.nanmax, np.nanmin):
    defjvp(
        _prim,
        lambda tangents, ans, a, axis=None, out=None, keepdims=False, *args, **kwargs: _extremum_jvp(
            tangents, ans, a, axis, None, out, keepdims
        ),
    )
defjvp(
    np.ptp,
    lambda tangents, ans, a, axis=None, out=None, keepdims=False: np.sum(
        tangents[0]
        * (
            rt.extremum_mask(a, np.max(a, axis=axis, keepdims=keepdims), axis, keepdims)
            - rt.extremum_mask(a, np.min(a, axis=axis, keepdims=keepdims), axis, keepdims)
        ),
        axis=axis,
        keepdims=keepdims,
    ),
)


def _average_jvp(tangents, ans, a, axis=None, weights=None, returned=False, *, keepdims=False):
    if returned:
        raise unsupported("np.average(..., returned=True)", hint="compute the sum of weights separately")
    ta, tw = _tangent(tangents, 0), _tangent(tangents, 2)
    if weights is None:
        return np.mean(ta, axis=axis, keepdims=keepdims)
    full = rt.average_weights(weights, a, axis)
    total = np.sum(full, axis=axis, keepdims=keepdims)
    return _total(
        [
            np.sum(full * ta, axis=axis, keepdims=keepdims) / total if ta is not None else None,
            np.sum(
                rt.average_weights(tw, a, axis) * (a - rt.unreduce(ans, a, axis, keepdims)),
                axis=axis,
                keepdims=keepdims,
            )
            / total
            if tw is not None
            else None,
        ]
    )


defjvp(np.average, _average_jvp)

# cumulative products (exact at zero factors), sort, unique, interp
defjvp(
    np.cumprod,
    lambda tangents, ans, a, axis=None, dtype=None, out=None: rt.cumprod_tangent(a, axis, False, tangents[0]),
)
defjvp(
    ("method", "cumprod"),
    lambda tangents, ans, a, axis=None, dtype=None, out=None: rt.cumprod_tangent(a, axis, False, tangents[0]),
)
if hasattr(np, "cumulative_prod"):
    defjvp(
        np.cumulative_prod,
        lambda tangents, ans, x, axis=None, dtype=None, out=None, include_initial=False: rt.cumprod_tangent(
            x, axis, include_initial, tangents[0]
        ),
    )


def _sort_jvp(tangents, ans, a, axis=-1, kind=None, order=None, **kwargs):
    return rt.repermute(tangents[0], a, ans, axis)


def _partition_jvp(tangents, ans, a, kth, axis=-1, kind="introselect", order=None):
    return rt.repermute(tangents[0], a, ans, axis)


defjvp(np.sort, _sort_jvp)
defjvp(np.partition, _partition_jvp)


def _unique_jvp(tangents, ans, ar, return_index=False, return_inverse=False, return_counts=False, axis=None, **kwargs):
    if axis is not None:
        raise unsupported("np.unique with an axis")
    extra = sum(bool(f) for f in (return_index, return_inverse, return_counts))
    if not extra:
        return rt.reunique(tangents[0], ar)
    return (rt.reunique(tangents[0], ar),) + tuple(rt.zeros_like(ans[i + 1]) for i in range(extra))


defjvp(np.unique, _unique_jvp)


def _interp_jvp(tangents, ans, x, xp, fp, left=None, right=None, period=None):
    _no_period(period)
    if _tangent(tangents, 1) is not None:
        raise unsupported("the derivative of np.interp with respect to xp")
    tx, tfp = _tangent(tangents, 0), _tangent(tangents, 2)
    return _total(
        [
            tx * rt.interp_slope(x, xp, fp, left, right) if tx is not None else None,
            np.interp(x, xp, tfp, left=None if left is None else 0.0, right=None if right is None else 0.0)
            if tfp is not None
            else None,
        ]
    )


defjvp(np.interp, _interp_jvp)
defjvp(
    ("method", "clip"),
    lambda tangents, ans, a, min=None, max=None: _total(
        [
            tangents[0] * _inside(a, min, max) if tangents[0] is not None else None,
            _tangent(tangents, 1) * (a < min) if _tangent(tangents, 1) is not None else None,
            _tangent(tangents, 2) * (a > max) if _tangent(tangents, 2) is not None else None,
        ]
    ),
)


# -- np.linalg ------------------------------------------------------------------------------------
def t_(x):
    return np.swapaxes(x, -1, -2)


def sym_(x):
    return (x + t_(x)) / 2


def gaps(w):
    """F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it (eigenvalues w, assumed distinct)."""
    eye = np_ns.eye(np.shape(w)[-1])
    return (1.0 - eye) / (w[..., None, :] - w[..., :, None] + eye)


def cholesky_tangent(t, L):
    """dL = L Phi(L^-1 sym(t) L^-T), Phi = lower triangle with half the diagonal: the
    derivative of L = cholesky(a) along the symmetric part of t."""
    inner = np.linalg.solve(L, t_(np.linalg.solve(L, sym_(t))))
    return L @ (np.tril(inner) * (1.0 - 0.5 * np_ns.eye(np.shape(L)[-1])))


def eigh_tangent(t, w, v):
    """(dw, dv) of w, v = eigh(a) along the symmetric part of t: dw = diag(V^T t V),
    dv = V (F * (V^T t V))."""
    q = t_(v) @ sym_(t) @ v
    return np.diagonal(q, 0, -2, -1), v @ (gaps(w) * q)


def qr_tangent(t, q, r):
    """(dq, dr) of q, r = qr(a) (reduced, rows >= columns) along t."""
    t_rinv = t_(np.linalg.solve(t_(r), t_(t)))  # t r^-1
    qt_t_rinv = t_(q) @ t_rinv
    lower = np.tril(qt_t_rinv, -1)
    skew = lower - t_(lower)
    return q @ (skew - qt_t_rinv) + t_rinv, (qt_t_rinv - skew) @ r


def svdvals_tangent(t, x):
    """diag(U^T t V): the derivative of np.linalg.svdvals (distinct singular values)."""
    u, vt = np.linalg.svd(x, full_matrices=False)[0], np.linalg.svd(x, full_matrices=False)[2]
    return np.sum(u * (t @ t_(vt)), axis=-2)


def _trace_of_solve(a, t):
    return np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1)


def _solve_jvp(tangents, ans, a, b):
    ta, tb = _tangent(tangents, 0), _tangent(tangents, 1)
    return _total(
        [
            np.linalg.solve(a, tb) if tb is not None else None,
            -rt.from_columns(np.linalg.solve(a, ta @ rt.as_columns(ans, b)), b) if ta is not None else None,
        ]
    )


def _qr_jvp(tangents, ans, a, mode="reduced"):
    if mode != "reduced":
        raise unsupported(f"np.linalg.qr with mode={mode!r}", hint="use the default mode='reduced'")
    return qr_tangent(tangents[0], ans[0], ans[1])


def _norm_jvp(t, ans, x, ord, axis, keepdims, kind):
    """sum over the reduced axes of t * d norm / dx."""
    weights = rt.norm_adjoint(np.ones_like(ans), x, ans, ord, axis, keepdims, kind)
    return rt.reduce_like(t * weights, ans, (-2, -1) if kind == "matrix" and axis is None else axis, keepdims)


linalg = np.linalg
defjvp(linalg.solve, _solve_jvp)
defjvp(linalg.inv, lambda tangents, ans, a: -(ans @ tangents[0] @ ans))
defjvp(linalg.det, lambda tangents, ans, a: ans * _trace_of_solve(a, tangents[0]))
defjvp(linalg.slogdet, lambda tangents, ans, a: (rt.zeros_like(ans[0]), _trace_of_solve(a, tangents[0])))
defjvp(linalg.matrix_power, lambda tangents, ans, a, n: rt.matrix_power_adjoint(tangents[0], t_(a), n))
defjvp(linalg.multi_dot, lambda tangents, ans, arrays, out=None: rt.multi_dot_tangent(arrays, tangents[0]))
defjvp(
    linalg.cholesky,
    lambda tangents, ans, a, upper=False: (
        t_(cholesky_tangent(tangents[0], t_(ans))) if upper else cholesky_tangent(tangents[0], ans)
    ),
)
defjvp(linalg.eigh, lambda tangents, ans, a, UPLO="L": eigh_tangent(tangents[0], ans[0], ans[1]))
defjvp(linalg.eigvalsh, lambda tangents, ans, a, UPLO="L": eigh_tangent(tangents[0], ans, linalg.eigh(a, UPLO)[1])[0])
defjvp(linalg.qr, _qr_jvp)
defjvp(
    linalg.norm,
    lambda tangents, ans, x, ord=None, axis=None, keepdims=False: _norm_jvp(
        tangents[0], ans, x, _norm_ord(ord), axis, keepdims, None
    ),
)
if hasattr(linalg, "vector_norm"):
    defjvp(linalg.svdvals, lambda tangents, ans, x: svdvals_tangent(tangents[0], x))
    defjvp(
        linalg.vector_norm,
        lambda tangents, ans, x, axis=None, keepdims=False, ord=2: _norm_jvp(
            tangents[0], ans, x, _norm_ord(ord), axis, keepdims, "vector"
        ),
    )
    defjvp(
        linalg.matrix_norm,
        lambda tangents, ans, x, keepdims=False, ord="fro": _norm_jvp(
            tangents[0], ans, x, _norm_ord(ord), None, keepdims, "matrix"
        ),
    )
