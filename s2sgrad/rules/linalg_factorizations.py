"""Rules for the SVD and what is built on it: np.linalg.svd (with and without
compute_uv, full_matrices both ways), pinv, lstsq and cond. Their derivatives are
written with NumPy calls that have rules themselves (no runtime helper does the work),
so they differentiate again.

SVD (real input, distinct nonzero singular values), from A = U S V^T with
F[i, j] = 1 / (s[j]^2 - s[i]^2) off the diagonal (Townsend, "Differentiating the
singular value decomposition", 2016):
    A_bar = U [(F * (U^T U_bar - U_bar^T U)) S + diag(s_bar) + S (F * (V^T V_bar - V_bar^T V))] V^T
            + (I - U U^T) U_bar S^-1 V^T + U S^-1 V_bar^T (I - V V^T)
pinv (constant rank, Golub & Pereyra 1973), X = pinv(A):
    dX = -X dA X + X X^T dA^T (I - A X) + (I - X A) dA^T X^T X
"""

import numpy as np

from .. import runtime as rt_impl
from .table import defjvp, defnondiff, defvjp, family
from .elementwise import np_ns
from .forward_rules import _norm_jvp, svdvals_tangent, t_
from .numpy_rules import unsupported
from .sym import Sym, rt

linalg = np.linalg
LINEAR_ALGEBRA = "Linear algebra"
family(
    LINEAR_ALGEBRA,
    notes=[
        "svd, pinv, lstsq, cond: real inputs of constant rank; svd's singular vectors assume distinct "
        "nonzero singular values (the adjoint divides by their gaps); the extra singular vectors of "
        "full_matrices=True for a non-square matrix are not unique, so an adjoint on them is an error.",
        "lstsq: the solution and its derivative in a and b; the adjoints of the residuals and of the "
        "singular values are errors (compute them from the solution, or with svdvals); rank has none.",
        "cond: p = None, 2, -2 through the extreme singular values; the other orders as norm(x, p) * norm(inv(x), p).",
    ],
)


def _literal(value, what):
    if isinstance(value, Sym):
        raise unsupported(f"{what} computed at run time", hint=f"pass {what} as a literal")
    return value


# -- svd --------------------------------------------------------------------------------------
def _eye(k):
    return np_ns.eye(k)


def _gaps(s, k):
    """F[i, j] = 1 / (s[j]^2 - s[i]^2) off the diagonal, 0 on it."""
    eye = _eye(k)
    return (1.0 - eye) / (s[..., None, :] ** 2 - s[..., :, None] ** 2 + eye)


def _svd_vjp(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    if not _literal(compute_uv, "compute_uv"):
        return rt.svdvals_adjoint(g, a)
    u_full, s, vh_full = ans[0], ans[1], ans[2]
    k = rt.svd_columns(g, u_full, s, vh_full) if _literal(full_matrices, "full_matrices") else np.shape(s)[-1]
    u, vh = u_full[..., :, :k], vh_full[..., :k, :]
    gu = np.broadcast_to(g[0], np.shape(u_full))[..., :, :k]
    gs = np.broadcast_to(g[1], np.shape(s))
    gv = t_(np.broadcast_to(g[2], np.shape(vh_full))[..., :k, :])
    v, ut = t_(vh), t_(u)
    f, row, col = _gaps(s, k), s[..., None, :], s[..., :, None]
    j = f * (ut @ gu - t_(gu) @ u)
    kk = f * (vh @ gv - t_(gv) @ v)
    core = u @ (j * row + gs[..., None, :] * _eye(k) + col * kk) @ vh
    return core + ((gu - u @ (ut @ gu)) / row) @ vh + u @ (t_(gv - v @ (vh @ gv)) / col)


def _svd_jvp(tangents, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    t = tangents[0]
    if not _literal(compute_uv, "compute_uv"):
        return svdvals_tangent(t, a)
    u, s, vh = ans[0], ans[1], ans[2]
    k = rt.svd_columns(None, u, s, vh) if _literal(full_matrices, "full_matrices") else np.shape(s)[-1]
    v = t_(vh)
    p = t_(u) @ t @ v
    pt, f, row, col = t_(p), _gaps(s, k), s[..., None, :], s[..., :, None]
    du = u @ (f * (p * row + col * pt)) + (t @ v - u @ p) / row
    dv = v @ (f * (col * p + pt * row)) + (t_(t) @ u - v @ pt) / row
    return du, np.diagonal(p, 0, -2, -1), t_(dv)


defvjp(linalg.svd, _svd_vjp)
defjvp(linalg.svd, _svd_jvp)


# -- pinv and lstsq -----------------------------------------------------------------------------
def pinv_adjoint(G, x, a):
    """A_bar for X = pinv(A): -X^T G X^T + (I - A X) G^T X X^T + X^T X G^T (I - X A)."""
    gt = t_(G)
    m = gt @ (x @ t_(x))
    n = (t_(x) @ x) @ gt
    return -(t_(x) @ G @ t_(x)) + m - a @ (x @ m) + n - (n @ x) @ a


def pinv_tangent(t, x, a):
    """dX for X = pinv(A) along dA = t."""
    tt = t_(t)
    xxt, xtx = x @ t_(x), t_(x) @ x
    return -(x @ t @ x) + xxt @ tt - xxt @ tt @ a @ x + tt @ xtx - x @ a @ tt @ xtx


defvjp(linalg.pinv, lambda g, ans, a, rcond=None, hermitian=False, **kw: pinv_adjoint(g, ans, a))
defjvp(linalg.pinv, lambda tangents, ans, a, rcond=None, hermitian=False, **kw: pinv_tangent(tangents[0], ans, a))


def _lstsq_pinv(a, rcond):
    return linalg.pinv(a) if rcond is None else linalg.pinv(a, rcond)


def _lstsq_refused(g):
    return rt.no_adjoint(
        g[1], "the residuals of np.linalg.lstsq (compute np.sum((b - a @ x) ** 2, axis=0) from x)"
    ) + rt.no_adjoint(g[3], "the singular values of np.linalg.lstsq (use np.linalg.svdvals(a))")


def _lstsq_a(g, ans, a, b, rcond=None):
    x = ans[0]
    gx = np.broadcast_to(g[0], np.shape(x))
    outer = np.reshape(gx, (np.shape(a)[-1], -1)) @ t_(np.reshape(b, (np.shape(a)[-2], -1)))
    return pinv_adjoint(outer, _lstsq_pinv(a, rcond), a) + _lstsq_refused(g)


def _lstsq_b(g, ans, a, b, rcond=None):
    return t_(_lstsq_pinv(a, rcond)) @ np.broadcast_to(g[0], np.shape(ans[0])) + _lstsq_refused(g)


def _lstsq_jvp(tangents, ans, a, b, rcond=None):
    ta, tb = tangents[0], tangents[1] if len(tangents) > 1 else None
    x, pinv = ans[0], _lstsq_pinv(a, rcond)
    dx = pinv @ tb if tb is not None else None
    de = tb if tb is not None else None
    if ta is not None:
        from_a = pinv_tangent(ta, pinv, a) @ b
        dx = from_a if dx is None else dx + from_a
        de = -(ta @ x) if de is None else de - ta @ x
    residuals = rt.lstsq_residual_tangent(b - a @ x, de, ans[1])
    singular = svdvals_tangent(ta, a) if ta is not None else rt.zeros_like(ans[3])
    return dx, residuals, 0, singular


defvjp(linalg.lstsq, _lstsq_a, _lstsq_b)
defjvp(linalg.lstsq, _lstsq_jvp)


# -- cond -------------------------------------------------------------------------------------------
_MATRIX_AXES = (-2, -1)


def _cond_slopes(s, p):
    """d cond / d s at the largest and smallest singular values, as a vector over s."""
    k = np.shape(s)[-1]
    first, last = np_ns.arange(k) == 0, np_ns.arange(k) == k - 1
    big, small = s[..., :1], s[..., -1:]
    if p == -2:
        return last / big - first * small / big**2
    return first / small - last * big / small**2


def _cond_by_norms(p):
    return isinstance(p, Sym) or p not in (None, 2, -2)


def _cond_vjp(g, ans, x, p=None):
    if _cond_by_norms(p):
        xi = linalg.inv(x)
        n1, n2 = linalg.norm(x, p, _MATRIX_AXES), linalg.norm(xi, p, _MATRIX_AXES)
        inner = rt.norm_adjoint(g * n1, xi, n2, p, _MATRIX_AXES, False)
        return rt.norm_adjoint(g * n2, x, n1, p, _MATRIX_AXES, False) - t_(xi) @ inner @ t_(xi)
    s = linalg.svd(x, compute_uv=False)
    return rt.svdvals_adjoint(np.expand_dims(g, -1) * _cond_slopes(s, p), x)


def _cond_jvp(tangents, ans, x, p=None):
    t = tangents[0]
    if _cond_by_norms(p):
        xi = linalg.inv(x)
        n1, n2 = linalg.norm(x, p, _MATRIX_AXES), linalg.norm(xi, p, _MATRIX_AXES)
        d1 = _norm_jvp(t, n1, x, p, _MATRIX_AXES, False, None)
        d2 = _norm_jvp(-(xi @ t @ xi), n2, xi, p, _MATRIX_AXES, False, None)
        return d1 * n2 + n1 * d2
    s = linalg.svd(x, compute_uv=False)
    return np.sum(svdvals_tangent(t, x) * _cond_slopes(s, p), axis=-1)


defvjp(linalg.cond, _cond_vjp)
defjvp(linalg.cond, _cond_jvp)
defnondiff(rt_impl.svd_columns, rt_impl.no_adjoint)
family(LINEAR_ALGEBRA, linalg.svd, linalg.pinv, linalg.lstsq, linalg.cond)
