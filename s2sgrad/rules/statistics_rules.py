"""Rules for np.cov and np.corrcoef (one data argument, no weights), the nan-ignoring
cumulative sums and products, and NumPy 2.2's matvec / vecmat. Their derivatives are
written with NumPy calls and helpers that have rules, so they differentiate again.

cov: with X the variables as rows, Xc = X - mean(X) and f = N - ddof, C = Xc Xc^T / f and
X_bar = (G + G^T) Xc / f (centering is self-adjoint and Xc's rows sum to 0).
corrcoef: R = C / (s s^T) with s = sqrt(diag(C)); C_bar = G / (s s^T) minus, on the
diagonal, sum_j (G R + (G R)^T)[l, j] / (2 C[l, l]).
"""

import numpy as np

from .table import defjvp, deflinear, defnondiff, defvjp, family
from .elementwise import np_ns
from .numpy_rules import REDUCTIONS_FAMILY, SIGNALS, unsupported
from .forward_rules import t_
from .sym import Sym, rt

family(
    REDUCTIONS_FAMILY,
    notes=[
        "cov / corrcoef: one data argument (pass np.stack([x, y]) for two), no weights; "
        "rowvar, bias and ddof as literals.",
    ],
)


def _variables(m, y, rowvar, fweights=None, aweights=None):
    """The data as a matrix of variables by rows, as np.cov reads it."""
    if y is not None or fweights is not None or aweights is not None:
        raise unsupported(
            "np.cov / np.corrcoef with y or weights", hint="stack the variables: np.cov(np.stack([x, y]))"
        )
    if isinstance(rowvar, Sym):
        raise unsupported("np.cov with rowvar computed at run time")
    return np.atleast_2d(m) if rowvar else np.atleast_2d(m.T if isinstance(m, Sym) else np.transpose(m))


def _factor(x, bias, ddof):
    if isinstance(bias, Sym) or isinstance(ddof, Sym):
        raise unsupported("np.cov with bias or ddof computed at run time")
    return np.shape(x)[1] - (ddof if ddof is not None else 0 if bias else 1)


def _centered(x):
    return x - np.mean(x, axis=1, keepdims=True)


def _back(gx, m, rowvar):
    return np.reshape(gx if rowvar else gx.T, np.shape(m))


def _cov_vjp(g, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, **kw):
    x = _variables(m, y, rowvar, fweights, aweights)
    k = np.shape(x)[0]
    g2 = np.reshape(g, (k, k))
    return _back((g2 + t_(g2)) @ _centered(x) / _factor(x, bias, ddof), m, rowvar)


def _cov_tangent(t, m, x, rowvar, bias, ddof):
    """dC (as a k x k matrix) along the data tangent t."""
    xc, dxc = _centered(x), _centered(_variables(t, None, rowvar))
    return (dxc @ t_(xc) + xc @ t_(dxc)) / _factor(x, bias, ddof)


def _cov_jvp(tangents, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, **kw):
    x = _variables(m, y, rowvar, fweights, aweights)
    return np.reshape(_cov_tangent(tangents[0], m, x, rowvar, bias, ddof), np.shape(ans))


def _corrcoef_parts(m, rowvar):
    x = _variables(m, None, rowvar)
    c = _centered(x) @ t_(_centered(x)) / (np.shape(x)[1] - 1)
    d = np.diagonal(c)
    return x, c, d, np.sqrt(d)


def _corrcoef_vjp(g, ans, x, y=None, rowvar=True, **kw):
    xs, c, d, s = _corrcoef_parts(x, _variables_only(y, rowvar))
    k = np.shape(xs)[0]
    g2, r = np.reshape(g, (k, k)), np.reshape(ans, (k, k))
    gr = g2 * r
    gc = g2 / np.outer(s, s) - np_ns.diag(np.sum(gr + t_(gr), axis=1) / (2 * d))
    return _back((gc + t_(gc)) @ _centered(xs) / (np.shape(xs)[1] - 1), x, rowvar)


def _corrcoef_jvp(tangents, ans, x, y=None, rowvar=True, **kw):
    xs, c, d, s = _corrcoef_parts(x, _variables_only(y, rowvar))
    k = np.shape(xs)[0]
    dc = _cov_tangent(tangents[0], x, xs, rowvar, False, None)
    dd = np.diagonal(dc) / d
    r = np.reshape(ans, (k, k))
    return np.reshape(dc / np.outer(s, s) - 0.5 * r * (dd[:, None] + dd[None, :]), np.shape(ans))


def _variables_only(y, rowvar):
    if y is not None:
        raise unsupported("np.corrcoef with y", hint="stack the variables: np.corrcoef(np.stack([x, y]))")
    return rowvar


defvjp(np.cov, _cov_vjp, None)
defjvp(np.cov, _cov_jvp)
defvjp(np.corrcoef, _corrcoef_vjp, None)
defjvp(np.corrcoef, _corrcoef_jvp)
family(REDUCTIONS_FAMILY, np.cov, np.corrcoef)

# -- nan-ignoring cumulative sums and products: nan entries count as 0 (sum) or 1 (product)
defvjp(
    np.nancumsum,
    lambda g, ans, a, axis=None, dtype=None, out=None: np.where(
        np.isnan(a), 0.0, np.reshape(rt.cumsum_adjoint(g, a, axis), np.shape(a))
    ),
)
defjvp(
    np.nancumsum,
    lambda tangents, ans, a, axis=None, dtype=None, out=None: np.cumsum(
        np.where(np.isnan(a), 0.0, tangents[0]), axis=axis
    ),
)
defvjp(
    np.nancumprod,
    lambda g, ans, a, axis=None, dtype=None, out=None: np.where(
        np.isnan(a), 0.0, np.reshape(rt.cumprod_adjoint(g, np.where(np.isnan(a), 1.0, a), axis), np.shape(a))
    ),
)
defjvp(
    np.nancumprod,
    lambda tangents, ans, a, axis=None, dtype=None, out=None: rt.cumprod_tangent(
        np.where(np.isnan(a), 1.0, a), axis, False, np.where(np.isnan(a), 0.0, tangents[0])
    ),
)
family(SIGNALS, np.nancumsum, np.nancumprod)

# -- matrix-vector products (NumPy >= 2.2) ----------------------------------------------------------
if hasattr(np, "matvec"):
    defvjp(
        np.matvec,
        lambda g, ans, x1, x2: rt.unbroadcast(np.expand_dims(g, -1) * np.expand_dims(x2, -2), x1),
        lambda g, ans, x1, x2: rt.unbroadcast(np.sum(x1 * np.expand_dims(g, -1), axis=-2), x2),
    )
    defvjp(
        np.vecmat,
        lambda g, ans, x1, x2: rt.unbroadcast(np.sum(x2 * np.expand_dims(g, -2), axis=-1), x1),
        lambda g, ans, x1, x2: rt.unbroadcast(np.expand_dims(x1, -1) * np.expand_dims(g, -2), x2),
    )
    deflinear(np.matvec, np.vecmat)
    family("Linear algebra", np.matvec, np.vecmat)

# integers, bits, windows and introspection: no derivative
defnondiff(
    *[
        getattr(np, name)
        for name in (
            "gcd",
            "lcm",
            "bitwise_and",
            "bitwise_or",
            "bitwise_xor",
            "bitwise_not",
            "bitwise_invert",
            "bitwise_count",
            "bitwise_left_shift",
            "bitwise_right_shift",
            "invert",
            "left_shift",
            "right_shift",
            "nextafter",
            "isscalar",
            "iterable",
            "shares_memory",
            "may_share_memory",
            "broadcast_shapes",
            "ix_",
            "hamming",
            "hanning",
            "blackman",
            "bartlett",
            "kaiser",
            "isnat",
            "packbits",
            "unpackbits",
            "mask_indices",
            "isdtype",
            "issubdtype",
            "promote_types",
            "common_type",
            "mintypecode",
            "typename",
            "einsum_path",
        )
        if hasattr(np, name)
    ],
    np.fft.fftfreq,
    np.fft.rfftfreq,
)
