"""Rules for scipy.linalg (loaded by rules/optional.py once the program imports it).

The derivatives are written with SciPy's and NumPy's own functions (solve_triangular,
cho_solve, lu_solve, solve_sylvester, expm of a block matrix, ...), which have rules,
so second order closes.
"""

import inspect

import numpy as np
import scipy
import scipy.linalg as linalg

from .table import family, defjvp, deflinear, defvjp
from .forward_rules import cholesky_tangent, eigh_tangent, qr_tangent, svdvals_tangent, sym_, t_
from .elementwise import np_ns
from .linalg_factorizations import _svd_jvp, _svd_vjp
from .numpy_rules import as_sym, unsupported
from .sym import Namespace, Sym, external, rt

family(
    "SciPy linalg",
    module=__name__,
    notes=[
        "solve with assume_a='sym' / 'pos', cholesky, cho_factor and eigh read one triangle of a symmetric "
        "input: the adjoint is the symmetric matrix that gives the derivative along symmetric perturbations "
        "(as np.linalg.cholesky).",
        "cho_factor's and lu_factor's results are for cho_solve / lu_solve: the unused triangle of "
        "cho_factor's matrix, and the pivots, carry no derivative.",
        "svd and svdvals: as np.linalg.svd (distinct nonzero singular values). "
        "lu, lu_factor: square matrices; qr: mode 'economic', or 'full' of a square matrix; eigh: distinct "
        "eigenvalues, the standard problem (no b, no subsets).",
        "expm, logm: the Frechet derivative, from expm / logm of [[A, E], [0, A]]; sqrtm: from the Sylvester "
        "equation X dX + dX X = dA (a real square root).",
        "toeplitz, circulant, block_diag are linear: their adjoints gather the entries each argument went to "
        "(toeplitz(c) without r is symmetric: both triangles).",
    ],
)


sl = Namespace(external(scipy, "scipy") + ".linalg")


def _tangent(tangents, i):
    return tangents[i] if i < len(tangents) else None


def _total(terms):
    terms = [t for t in terms if t is not None]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def _output(g, i, like):
    """Output i's adjoint of a tuple result, shaped like it (it may be a literal 0.0)."""
    return np.broadcast_to(g[i], np.shape(like))


# -- solve, inv, det ------------------------------------------------------------------------------
def _symmetric(assume_a):
    if assume_a in (None, "gen", "general"):
        return False
    if assume_a in ("sym", "symmetric", "pos", "positive definite"):
        return True
    raise unsupported(f"scipy.linalg.solve with assume_a={assume_a!r}", hint="use assume_a='gen', 'sym' or 'pos'")


def _solve_a(g, ans, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True, assume_a=None,
             transposed=False):  # fmt: skip
    if transposed:
        raise unsupported("scipy.linalg.solve with transposed=True", hint="solve with a.T instead")
    part = rt.solve_lhs(g, a, b, ans)
    return sym_(part) if _symmetric(assume_a) else part


def _solve_b(g, ans, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True, assume_a=None,
             transposed=False):  # fmt: skip
    if transposed:
        raise unsupported("scipy.linalg.solve with transposed=True", hint="solve with a.T instead")
    return rt.solve_rhs(g, a, b)


def _solve_jvp(tangents, ans, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
               assume_a=None, transposed=False):  # fmt: skip
    ta, tb = _tangent(tangents, 0), _tangent(tangents, 1)
    if ta is not None and _symmetric(assume_a):
        ta = sym_(ta)
    return _total(
        [
            np.linalg.solve(a, tb) if tb is not None else None,
            -rt.from_columns(np.linalg.solve(a, ta @ rt.as_columns(ans, b)), b) if ta is not None else None,
        ]
    )


defvjp(linalg.solve, _solve_a, _solve_b)
defjvp(linalg.solve, _solve_jvp)
defvjp(linalg.inv, lambda g, ans, a, overwrite_a=False, check_finite=True, **kw: -(t_(ans) @ g @ t_(ans)))
defjvp(linalg.inv, lambda tangents, ans, a, *args, **kw: -(ans @ tangents[0] @ ans))
defvjp(
    linalg.det,
    lambda g, ans, a, overwrite_a=False, check_finite=True: (
        np.expand_dims(as_sym(g * ans), (-2, -1)) * t_(np.linalg.inv(a))
    ),
)
defjvp(linalg.det, lambda tangents, ans, a, *args: ans * np.trace(np.linalg.solve(a, tangents[0]), axis1=-2, axis2=-1))


# -- triangular solves --------------------------------------------------------------------------
def _trans(trans):
    if trans in (0, "N"):
        return 0
    if trans in (1, 2, "T", "C"):
        return 1
    raise unsupported(f"scipy.linalg.solve_triangular with trans={trans!r}")


def _triangle(m, lower, unit_diagonal):
    """The part of a that solve_triangular reads."""
    k = 1 if unit_diagonal else 0
    return np.tril(m, -k) if lower else np.triu(m, k)


def _tri_a(g, ans, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True):
    gb = sl.solve_triangular(a, g, trans=1 - _trans(trans), lower=lower, unit_diagonal=unit_diagonal)
    outer = rt.as_columns(gb, b) @ t_(rt.as_columns(ans, b))  # op(T)^-1: the adjoint of op(T) is -gb x^T
    return -_triangle(outer if _trans(trans) == 0 else t_(outer), lower, unit_diagonal)


def _tri_jvp(tangents, ans, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True):
    ta, tb = _tangent(tangents, 0), _tangent(tangents, 1)
    rhs = []
    if tb is not None:
        rhs.append(tb)
    if ta is not None:
        op = _triangle(ta, lower, unit_diagonal)
        rhs.append(-rt.from_columns((op if _trans(trans) == 0 else t_(op)) @ rt.as_columns(ans, b), b))
    return sl.solve_triangular(a, _total(rhs), trans=_trans(trans), lower=lower, unit_diagonal=unit_diagonal)


defvjp(
    linalg.solve_triangular,
    _tri_a,
    lambda g, ans, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True: (
        sl.solve_triangular(a, g, trans=1 - _trans(trans), lower=lower, unit_diagonal=unit_diagonal)
    ),
)
defjvp(linalg.solve_triangular, _tri_jvp)

# -- Cholesky: cholesky, cho_factor / cho_solve (upper by default) ----------------------------------
defvjp(
    linalg.cholesky,
    lambda g, ans, a, lower=False, overwrite_a=False, check_finite=True: (
        rt.cholesky_adjoint(g, ans) if lower else rt.cholesky_adjoint(t_(g), t_(ans))
    ),
)
defjvp(
    linalg.cholesky,
    lambda tangents, ans, a, lower=False, *args: (
        cholesky_tangent(tangents[0], ans) if lower else t_(cholesky_tangent(tangents[0], t_(ans)))
    ),
)


def _pick(lower, a, b):
    """a where `lower`, else b; `lower` may be known only at run time (cho_solve's flag)."""
    if isinstance(lower, Sym):  # (a flag read from a tuple that has a tangent: keep it out of np.where's)
        return np.where(np.logical_not(lower), b, a)
    return a if lower else b


def _lower_factor(c, lower):
    """The lower Cholesky factor L (A = L L^T) held in cho_factor's c."""
    return _pick(lower, np.tril(c), t_(np.triu(c)))


def _cho_factor_vjp(g, ans, a, lower=False, overwrite_a=False, check_finite=True):
    low = _lower_factor(ans[0], lower)
    gc = _output(g, 0, ans[0])
    return rt.cholesky_adjoint(_pick(lower, np.tril(gc), t_(np.triu(gc))), low)


def _cho_factor_jvp(tangents, ans, a, lower=False, *args):
    dl = cholesky_tangent(tangents[0], _lower_factor(ans[0], lower))
    return _pick(lower, dl, t_(dl)), 0.0


def _cho_solve_c(g, ans, c_and_lower, b, overwrite_b=False, check_finite=True):
    """A = L L^T: the adjoint of A is -sym(s x^T) with s = A^-1 g, and L's is 2 tril(A_bar L)."""
    c, lower = c_and_lower[0], c_and_lower[1]
    s = sl.cho_solve(c_and_lower, g)
    a_bar = -sym_(rt.as_columns(s, b) @ t_(rt.as_columns(ans, b)))
    l_bar = np.tril(2 * a_bar @ _lower_factor(c, lower))
    return rt.pair_adjoint(_pick(lower, l_bar, t_(l_bar)))


def _cho_solve_jvp(tangents, ans, c_and_lower, b, overwrite_b=False, check_finite=True):
    c, lower = c_and_lower[0], c_and_lower[1]
    tc, tb = _tangent(tangents, 0), _tangent(tangents, 1)
    rhs = [tb]
    if tc is not None:
        low = _lower_factor(c, lower)
        dl = _lower_factor(tc[0], lower)
        da = dl @ t_(low) + low @ t_(dl)
        rhs.append(-rt.from_columns(da @ rt.as_columns(ans, b), b))
    return sl.cho_solve(c_and_lower, _total(rhs))


defvjp(linalg.cho_factor, _cho_factor_vjp)
defjvp(linalg.cho_factor, _cho_factor_jvp)
defvjp(
    linalg.cho_solve,
    _cho_solve_c,
    lambda g, ans, c_and_lower, b, overwrite_b=False, check_finite=True: sl.cho_solve(c_and_lower, g),
)
defjvp(linalg.cho_solve, _cho_solve_jvp)


# -- LU: lu, lu_factor / lu_solve (square matrices) ------------------------------------------------
def _lu_a_bar(l_bar, u_bar, low, up):
    """A = P L U: the adjoint of P^T A from those of L (strictly lower) and U (upper):
    L^-T (tril(L^T L_bar, -1) + triu(U_bar U^T)) U^-T."""
    m = np.tril(t_(low) @ l_bar, -1) + np.triu(u_bar @ t_(up))
    left = sl.solve_triangular(low, m, trans=1, lower=True, unit_diagonal=True)
    return t_(sl.solve_triangular(up, t_(left), lower=False))


def _lu_tangents(t, low, up):
    """(dL, dU) of P^T A = L U along P^T dA = t: M = L^-1 t U^-1, dL = L tril(M, -1), dU = triu(M) U."""
    left = sl.solve_triangular(low, t, lower=True, unit_diagonal=True)
    m = t_(sl.solve_triangular(up, t_(left), trans=1, lower=False))
    return low @ np.tril(m, -1), np.triu(m) @ up


def _lu_vjp(g, ans, a, permute_l=False, overwrite_a=False, check_finite=True, p_indices=False):
    if permute_l or p_indices:
        raise unsupported("scipy.linalg.lu with permute_l or p_indices", hint="use the default (p, l, u) form")
    p, low, up = ans[0], rt.square_matrix(ans[1]), ans[2]
    return p @ _lu_a_bar(_output(g, 1, low), _output(g, 2, up), low, up)


def _lu_jvp(tangents, ans, a, permute_l=False, overwrite_a=False, check_finite=True, p_indices=False):
    if permute_l or p_indices:
        raise unsupported("scipy.linalg.lu with permute_l or p_indices", hint="use the default (p, l, u) form")
    p, low, up = ans[0], rt.square_matrix(ans[1]), ans[2]
    dl, du = _lu_tangents(t_(p) @ tangents[0], low, up)
    return rt.zeros_like(p), dl, du


def _unpack_lu(lu):
    return np.tril(lu, -1) + np_ns.eye(np.shape(lu)[-1]), np.triu(lu)


def _lu_factor_vjp(g, ans, a, overwrite_a=False, check_finite=True):
    low, up = _unpack_lu(rt.square_matrix(ans[0]))
    g_lu = _output(g, 0, ans[0])
    perm = rt.pivot_permutation(ans[1])
    return rt.scatter(_lu_a_bar(np.tril(g_lu, -1), np.triu(g_lu), low, up), a, perm)


def _lu_factor_jvp(tangents, ans, a, overwrite_a=False, check_finite=True):
    low, up = _unpack_lu(rt.square_matrix(ans[0]))
    dl, du = _lu_tangents(tangents[0][rt.pivot_permutation(ans[1])], low, up)
    return dl + du, rt.zeros_like(ans[1])


def _lu_solve_factors(g, ans, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """The adjoint of the packed factors: from A's, -A^-T g x^T (A^-1 g x^T with trans)."""
    lu, piv = lu_and_piv[0], lu_and_piv[1]
    low, up = _unpack_lu(lu)
    s = sl.lu_solve(lu_and_piv, g, trans=1 - _trans(trans))
    a_bar = -rt.as_columns(s, b) @ t_(rt.as_columns(ans, b))
    pa_bar = (a_bar if _trans(trans) == 0 else t_(a_bar))[rt.pivot_permutation(piv)]  # P^T A_bar
    return rt.pair_adjoint(np.tril(pa_bar @ t_(up), -1) + np.triu(t_(low) @ pa_bar))


def _lu_solve_jvp(tangents, ans, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    tf, tb = _tangent(tangents, 0), _tangent(tangents, 1)
    rhs = [tb]
    if tf is not None:
        low, up = _unpack_lu(lu_and_piv[0])
        pda = np.tril(tf[0], -1) @ up + low @ np.triu(tf[0])  # P^T dA
        da = rt.scatter(pda, pda, rt.pivot_permutation(lu_and_piv[1]))  # P (P^T dA)
        rhs.append(-rt.from_columns((da if _trans(trans) == 0 else t_(da)) @ rt.as_columns(ans, b), b))
    return sl.lu_solve(lu_and_piv, _total(rhs), trans=_trans(trans))


defvjp(linalg.lu, _lu_vjp)
defjvp(linalg.lu, _lu_jvp)
defvjp(linalg.lu_factor, _lu_factor_vjp)
defjvp(linalg.lu_factor, _lu_factor_jvp)
defvjp(
    linalg.lu_solve,
    _lu_solve_factors,
    lambda g, ans, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True: sl.lu_solve(
        lu_and_piv, g, trans=1 - _trans(trans)
    ),
)
defjvp(linalg.lu_solve, _lu_solve_jvp)


# -- eigh, qr ------------------------------------------------------------------------------------
def _eigh_standard(b, eigvals_only, kwargs):
    extra = {k: v for k, v in kwargs.items() if k not in ("overwrite_a", "overwrite_b", "check_finite", "driver")}
    if b is not None or extra.get("type", 1) != 1 or extra.get("subset_by_index") or extra.get("subset_by_value"):
        raise unsupported("scipy.linalg.eigh of a generalized problem or a subset of eigenvalues")
    return eigvals_only


def _eigh_vjp(g, ans, a, b=None, *, lower=True, eigvals_only=False, **kwargs):
    if _eigh_standard(b, eigvals_only, kwargs):
        return rt.eigh_adjoint((g, 0.0), ans, sl.eigh(a, lower=lower)[1])
    return rt.eigh_adjoint(g, ans[0], ans[1])


def _eigh_jvp(tangents, ans, a, b=None, *, lower=True, eigvals_only=False, **kwargs):
    if _eigh_standard(b, eigvals_only, kwargs):
        return eigh_tangent(tangents[0], ans, sl.eigh(a, lower=lower)[1])[0]
    return eigh_tangent(tangents[0], ans[0], ans[1])


defvjp(linalg.eigh, _eigh_vjp)
defjvp(linalg.eigh, _eigh_jvp)


def _qr_mode(mode, pivoting, q, r):
    if pivoting or mode not in ("full", "economic"):
        raise unsupported(f"scipy.linalg.qr with mode={mode!r}, pivoting={pivoting}", hint="use mode='economic'")
    return (q, rt.square_matrix(r)) if mode == "full" else (q, r)


def _qr_vjp(g, ans, a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    q, r = _qr_mode(mode, pivoting, ans[0], ans[1])
    return rt.qr_adjoint(g, q, r)


def _qr_jvp(tangents, ans, a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    q, r = _qr_mode(mode, pivoting, ans[0], ans[1])
    return qr_tangent(tangents[0], q, r)


defvjp(linalg.qr, _qr_vjp)
defjvp(linalg.qr, _qr_jvp)


# svd: NumPy's rule (np.linalg.svd takes the same first three arguments)
defvjp(
    linalg.svd,
    lambda g, ans, a, full_matrices=True, compute_uv=True, *args, **kw: _svd_vjp(g, ans, a, full_matrices, compute_uv),
)
defjvp(
    linalg.svd,
    lambda tangents, ans, a, full_matrices=True, compute_uv=True, *args, **kw: _svd_jvp(
        tangents, ans, a, full_matrices, compute_uv
    ),
)
defvjp(linalg.svdvals, lambda g, ans, a, overwrite_a=False, check_finite=True: rt.svdvals_adjoint(g, a))
defjvp(linalg.svdvals, lambda tangents, ans, a, *args: svdvals_tangent(tangents[0], a))


# -- matrix functions: expm, logm (block Frechet), sqrtm, Sylvester and Lyapunov equations ----------
def _frechet(fn, a, e):
    """The Frechet derivative of the matrix function fn at a along e: fn([[a, e], [0, a]])[:n, n:]."""
    n = np.shape(a)[-1]
    block = np.concatenate([np.concatenate([a, e], axis=-1), np.concatenate([np.zeros_like(a), a], axis=-1)], axis=-2)
    return fn(block)[..., :n, n:]


defvjp(linalg.expm, lambda g, ans, A: _frechet(sl.expm, t_(A), g))
defjvp(linalg.expm, lambda tangents, ans, A: _frechet(sl.expm, A, tangents[0]))
defvjp(linalg.logm, lambda g, ans, A, disp=None: _frechet(sl.logm, t_(A), g))
defjvp(linalg.logm, lambda tangents, ans, A, disp=None: _frechet(sl.logm, A, tangents[0]))
# X = sqrtm(A): X dX + dX X = dA
defvjp(linalg.sqrtm, lambda g, ans, A, disp=None, blocksize=None: sl.solve_sylvester(t_(ans), t_(ans), g))
defjvp(linalg.sqrtm, lambda tangents, ans, A, *args: sl.solve_sylvester(ans, ans, tangents[0]))

# X = solve_sylvester(A, B, Q): A X + X B = Q; Q_bar = solve_sylvester(A^T, B^T, X_bar)
defvjp(
    linalg.solve_sylvester,
    lambda g, ans, a, b, q: -sl.solve_sylvester(t_(a), t_(b), g) @ t_(ans),
    lambda g, ans, a, b, q: -t_(ans) @ sl.solve_sylvester(t_(a), t_(b), g),
    lambda g, ans, a, b, q: sl.solve_sylvester(t_(a), t_(b), g),
)


def _sylvester_jvp(tangents, ans, a, b, q):
    ta, tb, tq = tangents
    rhs = [tq, -(ta @ ans) if ta is not None else None, -(ans @ tb) if tb is not None else None]
    return sl.solve_sylvester(a, b, _total(rhs))


defjvp(linalg.solve_sylvester, _sylvester_jvp)


# X = solve_continuous_lyapunov(A, Q): A X + X A^T = Q; with S = solve(A^T, X_bar):
# Q_bar = S, A_bar = -(S X^T + S^T X)
def _lyapunov_a(g, ans, a, q):
    s = sl.solve_continuous_lyapunov(t_(a), g)
    return -(s @ t_(ans) + t_(s) @ ans)


def _lyapunov_jvp(tangents, ans, a, q):
    ta, tq = tangents
    rhs = [tq, -(ta @ ans + ans @ t_(ta)) if ta is not None else None]
    return sl.solve_continuous_lyapunov(a, _total(rhs))


defvjp(linalg.solve_continuous_lyapunov, _lyapunov_a, lambda g, ans, a, q: sl.solve_continuous_lyapunov(t_(a), g))
defjvp(linalg.solve_continuous_lyapunov, _lyapunov_jvp)


# -- structured matrices: toeplitz, circulant, block_diag (linear) -----------------------------------
def _toeplitz_c(g, ans, c, r=None):
    d = rt.diagonal_offsets(g)
    if r is None:  # symmetric: c[|i - j|]
        return np.reshape(rt.scatter(g, np.ravel(c), np.abs(d)), np.shape(c))
    return np.reshape(rt.scatter(np.where(d >= 0, g, 0.0), np.ravel(c), np.maximum(d, 0)), np.shape(c))


def _toeplitz_r(g, ans, c, r=None):
    d = rt.diagonal_offsets(g)  # r[0] is never read: T[0, 0] = c[0]
    return np.reshape(rt.scatter(np.where(d < 0, g, 0.0), np.ravel(r), np.maximum(-d, 0)), np.shape(r))


def _toeplitz_jvp(tangents, ans, c, r=None):
    tc, tr = _tangent(tangents, 0), _tangent(tangents, 1)
    if r is None:
        return sl.toeplitz(tc)
    return sl.toeplitz(np.zeros_like(c) if tc is None else tc, np.zeros_like(r) if tr is None else tr)


defvjp(linalg.toeplitz, _toeplitz_c, _toeplitz_r)
defjvp(linalg.toeplitz, _toeplitz_jvp)
defvjp(
    linalg.circulant,
    lambda g, ans, c: np.reshape(rt.scatter(g, np.ravel(c), np.mod(rt.diagonal_offsets(g), np.size(c))), np.shape(c)),
)
deflinear(linalg.circulant)

MAX_BLOCKS = 8


def _block_diag_rules():
    """One VJP slot per block (block_diag takes *arrs): block k's adjoint is its slice of g."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [inspect.Parameter(n, kind) for n in ("g", "ans")]
    params += [inspect.Parameter(f"arr{k}", kind, default=None) for k in range(MAX_BLOCKS)]

    def slot(k):
        def vjp(g, ans, *arrs):
            arrs = [a for a in arrs if a is not None]
            return np.reshape(g[rt.block_diag_index(k, *arrs)], np.shape(arrs[k]))

        return vjp

    first = slot(0)
    first.__signature__ = inspect.Signature(params)
    return [first] + [slot(k) for k in range(1, MAX_BLOCKS)]


def _block_diag_jvp(tangents, ans, *arrs):
    if len(arrs) > MAX_BLOCKS:
        raise unsupported(f"scipy.linalg.block_diag of more than {MAX_BLOCKS} blocks")
    return sl.block_diag(*[np.zeros_like(a) if t is None else t for t, a in zip(tangents, arrs)])


defvjp(linalg.block_diag, *_block_diag_rules())
defjvp(linalg.block_diag, _block_diag_jvp)
