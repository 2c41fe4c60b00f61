"""scipy.linalg: every rule against central differences in reverse and forward mode and
second order, on well-conditioned and on nearly singular (but valid) inputs. Symmetric
inputs are built from a free matrix (c @ c.T + k I) so that every perturbation is a
valid one (the harness: tests/scipy_rows.py)."""
import numpy as np
import pytest
import scipy.linalg as sl

import s2sgrad as sg
from tests.scipy_rows import (check_forward, check_reverse, check_second, covered, draw, listed, params_of)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

L = "scipy.linalg."
A = draw((3, 3), -1.0, 1.0) + 3 * np.eye(3)          # well conditioned
NEAR = np.array([[1.0, 1.0, 0.5], [1.0, 1.001, 0.5], [0.2, 0.3, 1.0]])  # condition number ~1e4
C = draw((3, 3), -1.0, 1.0, salt=1)                    # SPD through c @ c.T + I
B, B2, V = draw((3,), salt=2), draw((3, 2), salt=3), draw((3,), 0.5, 2.0, salt=4)
SPD = "(c @ c.T + np.eye(3))"
NEAR_SPD = "(c @ c.T + 1e-3 * np.eye(3))"
SMALL = draw((3, 3), -0.4, 0.4, salt=5)

ROWS = [
    ("solve", ["a", "b"], f"{L}solve(a, b)", [A, B], True),
    ("solve-matrix", ["a", "b"], f"{L}solve(a, b)", [A, B2], True),
    ("solve-near-singular", ["a", "b"], f"{L}solve(a, b) * 1e-3", [NEAR, B], False),
    ("solve-pos", ["c", "b"], f"{L}solve({SPD}, b, assume_a='pos')", [C, B2], True),
    ("solve-sym", ["c", "b"], f"{L}solve({SPD} - 2.5 * np.eye(3), b, assume_a='sym')", [C, B], False),
    ("solve_triangular", ["a", "b"], f"{L}solve_triangular(a, b)", [A, B], True),
    ("solve_triangular-lower-trans", ["a", "b"], f"{L}solve_triangular(a, b, trans=1, lower=True)", [A, B2], True),
    ("solve_triangular-unit", ["a", "b"], f"{L}solve_triangular(a, b, lower=True, unit_diagonal=True)", [A, B2],
     True),
    ("solve_triangular-T", ["a", "b"], f"{L}solve_triangular(a, b, 'T')", [A, B], False),
    ("cholesky", ["c"], f"{L}cholesky({SPD})", [C], True),
    ("cholesky-lower", ["c"], f"{L}cholesky({SPD}, lower=True)", [C], True),
    ("cholesky-near-singular", ["c"], f"{L}cholesky({NEAR_SPD}, lower=True)", [np.tril(C) + np.eye(3)], False),
    ("cho_solve", ["c", "b"], f"{L}cho_solve({L}cho_factor({SPD}), b)", [C, B], True),
    ("cho_solve-lower", ["c", "b"], f"{L}cho_solve({L}cho_factor({SPD}, lower=True), b)", [C, B2], True),
    ("lu", ["a"], f"{L}lu(a)[1] + {L}lu(a)[2] ** 2", [A], True),
    ("lu_solve", ["a", "b"], f"{L}lu_solve({L}lu_factor(a), b)", [A, B], True),
    ("lu_solve-trans", ["a", "b"], f"{L}lu_solve({L}lu_factor(a), b, trans=1)", [A, B2], True),
    ("lu_solve-near-singular", ["a", "b"], f"{L}lu_solve({L}lu_factor(a), b) * 1e-3", [NEAR, B], False),
    ("inv", ["a"], f"{L}inv(a)", [A], True),
    ("inv-near-singular", ["a"], f"{L}inv(a) * 1e-3", [NEAR], False),
    ("det", ["a"], f"{L}det(a)", [A], True),
    ("eigh", ["c"], f"{L}eigh({SPD})[0] + {L}eigh({SPD})[1] ** 2", [C], True),
    ("eigh-values", ["c"], f"{L}eigh({SPD}, eigvals_only=True)", [C], True),
    ("qr", ["a"], f"{L}qr(a)[0] + {L}qr(a)[1]", [A], True),
    ("qr-economic", ["a"], f"{L}qr(a, mode='economic')[0] @ {L}qr(a, mode='economic')[1] ** 2",
     [draw((4, 3), salt=6)], True),
    ("svd-values", ["a"], f"{L}svd(a, compute_uv=False)", [draw((4, 3), salt=9)], True),
    ("svd", ["a"], f"{L}svd(a, full_matrices=False)[0] ** 2 @ {L}svd(a, False)[1]", [draw((4, 3), salt=9)], True),
    ("svd-square", ["a"], f"{L}svd(a)[2] ** 2 @ {L}svd(a)[1]", [A], True),
    ("svdvals", ["a"], f"{L}svdvals(a)", [A], True),
    ("expm", ["a"], f"{L}expm(a)", [SMALL], True),
    ("logm", ["c"], f"{L}logm({SPD})", [C], False),
    ("sqrtm", ["c"], f"{L}sqrtm({SPD})", [C], True),
    ("solve_sylvester", ["a", "b", "q"], f"{L}solve_sylvester(a, b, q)", [A, A.T + np.eye(3), B2 @ B2.T], True),
    ("solve_continuous_lyapunov", ["a", "q"], f"{L}solve_continuous_lyapunov(a, q)", [A, B2 @ B2.T], True),
    ("block_diag", ["x", "y", "z"], f"{L}block_diag(x, y, z)", [A, B, 0.7], False),
    ("block_diag-matrices", ["x", "y"], f"{L}block_diag(x, y) ** 2", [B2, A], True),
    ("toeplitz", ["c"], f"{L}toeplitz(c) ** 2", [V], True),
    ("toeplitz-r", ["c", "r"], f"{L}toeplitz(c, r) ** 2", [V, draw((4,), salt=7)], True),
    ("circulant", ["c"], f"{L}circulant(c) ** 2", [draw((4,), salt=8)], True),
]
# logm's Frechet derivative of a 6x6 block is accurate to ~1e-7 only; the nearly singular
# rows lose digits in the finite differences themselves
RTOL = {"logm": 1e-5}


@pytest.mark.parametrize("params, expr, args", params_of(ROWS, "all"))
def test_reverse(tmp_path, params, expr, args):
    check_reverse(tmp_path, params, expr, args, rtol=1e-4 if "1e-3" in expr or "logm" in expr else 1e-6)


@pytest.mark.parametrize("params, expr, args", params_of(ROWS, "all"))
def test_forward(tmp_path, params, expr, args):
    check_forward(tmp_path, params, expr, args, rtol=1e-4 if "1e-3" in expr else 1e-5)


@pytest.mark.parametrize("params, expr, args", params_of(ROWS, "second"))
def test_second_order(tmp_path, params, expr, args):
    check_second(tmp_path, params, expr, args, rtol=1e-4)


def test_every_linalg_rule_has_rows():
    assert listed("scipy.linalg.") - covered(ROWS) == set()


def gaussian_process_nll(log_ls, x, y):
    """A user's GP: the factor is reused for the solve and the log-determinant."""
    k = np.exp(-((x[:, None] - x[None, :]) ** 2) / np.exp(log_ls)) + 0.1 * np.eye(len(x))
    factor = sl.cho_factor(k, lower=True)
    alpha = sl.cho_solve(factor, y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(factor[0])))


def test_factor_reused():
    x, y = np.linspace(0.0, 2.0, 5), np.sin(np.linspace(0.0, 2.0, 5))
    got = sg.grad(gaussian_process_nll)(0.3, x, y)
    eps = 1e-6
    want = (gaussian_process_nll(0.3 + eps, x, y) - gaussian_process_nll(0.3 - eps, x, y)) / (2 * eps)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def qr_full_wide(a):
    return np.sum(sl.qr(a)[0])


def test_full_qr_of_a_tall_matrix_is_refused():
    with pytest.raises(sg.S2SGradError, match="non-square"):
        sg.grad(qr_full_wide)(draw((4, 3)))
