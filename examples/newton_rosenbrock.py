"""Newton's method on the n-dimensional Rosenbrock function, two ways.

    f(x) = sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2,   minimum f = 0 at x = (1, ..., 1)

Its curved, narrow valley defeats plain gradient descent but not Newton's
method, which needs second derivatives:

1. Dense Newton: sg.hessian(f) builds the n x n Hessian (forward mode over the
   generated gradient, one Hessian-vector product per column) and each step
   solves H p = -g.
2. Matrix-free Newton-CG: sg.hvp(f)(x, v) gives H v without forming H, and
   conjugate gradients solve H p = -g approximately (truncated when CG meets
   negative curvature) -- the method that scales to large n.

Both use a backtracking (Armijo) line search and stop when |grad| < 1e-10.
They start from x = 0 (for n >= 4 the function also has a local minimum near
(-1, 1, ..., 1), which some starting points lead to).

Run:  python examples/newton_rosenbrock.py
"""
import time

import numpy as np

import s2sgrad as sg

N = 10
TOL = 1e-10


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


grad_f = sg.grad(rosenbrock)
hess_f = sg.hessian(rosenbrock)
hvp_f = sg.hvp(rosenbrock)


def line_search(x, p, g, f0):
    """Backtracking: the largest t in 1, 1/2, 1/4, ... with sufficient decrease."""
    t = 1.0
    while rosenbrock(x + t * p) > f0 + 1e-4 * t * (g @ p) and t > 1e-12:
        t *= 0.5
    return t


def newton_dense(x, max_iter=100):
    for it in range(max_iter):
        f0, g = rosenbrock(x), grad_f(x)
        gnorm = np.linalg.norm(g)
        if it % 5 == 0 or gnorm < 1e-3:
            print(f"  iter {it:3d}  f {f0:.3e}  |grad| {gnorm:.3e}")
        if gnorm < TOL:
            return x, it
        H = hess_f(x)
        p = np.linalg.solve(H, -g)
        if g @ p >= 0:                       # not a descent direction: fall back
            p = -g
        x = x + line_search(x, p, g, f0) * p
    return x, max_iter


def cg_direction(x, g, max_cg=50):
    """Approximately solve H p = -g by conjugate gradients, with H v from sg.hvp."""
    p = np.zeros_like(g)
    r = -g.copy()
    d = r.copy()
    tol = min(0.5, np.sqrt(np.linalg.norm(g))) * np.linalg.norm(g)   # Eisenstat-Walker
    for _ in range(max_cg):
        Hd = hvp_f(x, d)
        curvature = d @ Hd
        if curvature <= 0:                   # negative curvature: stop here
            return p if p.any() else -g
        a = (r @ r) / curvature
        p = p + a * d
        r_new = r - a * Hd
        if np.linalg.norm(r_new) < tol:
            return p
        d = r_new + (r_new @ r_new) / (r @ r) * d
        r = r_new
    return p


def newton_cg(x, max_iter=100):
    for it in range(max_iter):
        f0, g = rosenbrock(x), grad_f(x)
        gnorm = np.linalg.norm(g)
        if it % 5 == 0 or gnorm < 1e-3:
            print(f"  iter {it:3d}  f {f0:.3e}  |grad| {gnorm:.3e}")
        if gnorm < TOL:
            return x, it
        p = cg_direction(x, g)
        x = x + line_search(x, p, g, f0) * p
    return x, max_iter


def main():
    t_start = time.perf_counter()
    rng = np.random.default_rng(0)
    x0 = np.zeros(N)

    # Check the derivatives once at a random point: the gradient against finite
    # differences, the Hessian against finite differences of the gradient and
    # against hvp.
    x1 = rng.uniform(-1.5, 1.5, N)
    check = sg.check_grad(rosenbrock, x1)
    print(f"gradient check: {check}")
    eps = 1e-6
    H = hess_f(x1)
    H_fd = np.array([(grad_f(x1 + eps * e) - grad_f(x1 - eps * e)) / (2 * eps) for e in np.eye(N)])
    rel = np.max(np.abs(H - H_fd)) / np.max(np.abs(H_fd))
    print(f"Hessian vs finite differences of the gradient: rel. error {rel:.1e}")
    assert rel < 1e-6
    v = rng.standard_normal(N)
    assert np.allclose(hvp_f(x1, v), H @ v, rtol=1e-10, atol=1e-8)
    assert np.allclose(H, H.T)

    print("\nNewton with the dense Hessian (sg.hessian):")
    x_dense, it_dense = newton_dense(x0.copy())
    print("\nNewton-CG with Hessian-vector products (sg.hvp):")
    x_cg, it_cg = newton_cg(x0.copy())

    err_dense = np.max(np.abs(x_dense - 1.0))
    err_cg = np.max(np.abs(x_cg - 1.0))
    print(f"\ndense Newton: {it_dense} iterations, max |x - 1| = {err_dense:.1e}")
    print(f"Newton-CG:    {it_cg} iterations, max |x - 1| = {err_cg:.1e}")
    print(f"elapsed: {time.perf_counter() - t_start:.1f} s")
    assert err_dense < 1e-8 and err_cg < 1e-8
    assert np.linalg.norm(grad_f(x_dense)) < TOL and np.linalg.norm(grad_f(x_cg)) < TOL


if __name__ == "__main__":
    main()
