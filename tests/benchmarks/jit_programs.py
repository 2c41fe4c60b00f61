"""The programs of the jit benchmarks (docs/engines.md), each with a hand-written gradient.

- rk4_spring: a damped spring integrated with RK4 (a helper returning a tuple), scalar;
- implicit_cubic: implicit Euler for dy/dt = -k y^3, each step solved by Newton's method
  in a `while` loop until the residual is below a tolerance;
- grid_diffusion: an explicit heat equation written as an element loop over a 1-D grid.

The hand-written gradients are what a person would write: forward sensitivities for
the two scalar programs (two parameters), a vectorised NumPy adjoint for the grid.
"""

import numpy as np

DT = 0.01
TOL = 1e-12


def spring_rhs(x, v, k, c):
    return v, -k * x - c * v


def rk4_spring(k, c, x0, n):
    x, v = x0, 0.0
    for _ in range(n):
        k1x, k1v = spring_rhs(x, v, k, c)
        k2x, k2v = spring_rhs(x + 0.5 * DT * k1x, v + 0.5 * DT * k1v, k, c)
        k3x, k3v = spring_rhs(x + 0.5 * DT * k2x, v + 0.5 * DT * k2v, k, c)
        k4x, k4v = spring_rhs(x + DT * k3x, v + DT * k3v, k, c)
        x = x + DT / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x)
        v = v + DT / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
    return (x - 1.0) ** 2 + v**2


def rk4_spring_hand(k, c, x0, n):
    """d/dk and d/dc by forward sensitivities: each stage with its derivatives."""
    x, v = x0, 0.0
    xk = vk = xc = vc = 0.0
    for _ in range(n):
        # stage derivatives: (value, d/dk, d/dc) of the stage's x and v slopes
        ax, axk, axc = v, vk, vc
        av = -k * x - c * v
        avk, avc = -x - k * xk - c * vk, -k * xc - v - c * vc
        bx_, bxk, bxc = x + 0.5 * DT * ax, xk + 0.5 * DT * axk, xc + 0.5 * DT * axc
        bv_, bvk, bvc = v + 0.5 * DT * av, vk + 0.5 * DT * avk, vc + 0.5 * DT * avc
        bx, bxk2, bxc2 = bv_, bvk, bvc
        bv = -k * bx_ - c * bv_
        bvk2, bvc2 = -bx_ - k * bxk - c * bvk, -k * bxc - bv_ - c * bvc
        cx_, cxk, cxc = x + 0.5 * DT * bx, xk + 0.5 * DT * bxk2, xc + 0.5 * DT * bxc2
        cv_, cvk, cvc = v + 0.5 * DT * bv, vk + 0.5 * DT * bvk2, vc + 0.5 * DT * bvc2
        cx, cxk2, cxc2 = cv_, cvk, cvc
        cv = -k * cx_ - c * cv_
        cvk2, cvc2 = -cx_ - k * cxk - c * cvk, -k * cxc - cv_ - c * cvc
        dx_, dxk, dxc = x + DT * cx, xk + DT * cxk2, xc + DT * cxc2
        dv_, dvk, dvc = v + DT * cv, vk + DT * cvk2, vc + DT * cvc2
        dx, dxk2, dxc2 = dv_, dvk, dvc
        dv = -k * dx_ - c * dv_
        dvk2, dvc2 = -dx_ - k * dxk - c * dvk, -k * dxc - dv_ - c * dvc
        x = x + DT / 6.0 * (ax + 2.0 * bx + 2.0 * cx + dx)
        xk = xk + DT / 6.0 * (axk + 2.0 * bxk2 + 2.0 * cxk2 + dxk2)
        xc = xc + DT / 6.0 * (axc + 2.0 * bxc2 + 2.0 * cxc2 + dxc2)
        v = v + DT / 6.0 * (av + 2.0 * bv + 2.0 * cv + dv)
        vk = vk + DT / 6.0 * (avk + 2.0 * bvk2 + 2.0 * cvk2 + dvk2)
        vc = vc + DT / 6.0 * (avc + 2.0 * bvc2 + 2.0 * cvc2 + dvc2)
    return 2.0 * (x - 1.0) * xk + 2.0 * v * vk, 2.0 * (x - 1.0) * xc + 2.0 * v * vc


def implicit_cubic(k, y0, n):
    """Implicit Euler for dy/dt = -k y^3: each step solves y - y_old + DT k y^3 = 0."""
    y = y0
    total = 0.0
    for _ in range(n):
        y_old = y
        r = DT * k * y**3
        while abs(r) > TOL:
            y = y - r / (1.0 + 3.0 * DT * k * y * y)
            r = y - y_old + DT * k * y**3
        total = total + y
    return total


def implicit_cubic_hand(k, y0, n):
    """d/dk and d/dy0 by the implicit function theorem, step by step."""
    y, sk, sy = y0, 0.0, 1.0
    gk = gy = 0.0
    for _ in range(n):
        y_old = y
        r = DT * k * y**3
        while abs(r) > TOL:
            y = y - r / (1.0 + 3.0 * DT * k * y * y)
            r = y - y_old + DT * k * y**3
        jac = 1.0 + 3.0 * DT * k * y * y
        sk = (sk - DT * y**3) / jac
        sy = sy / jac
        gk, gy = gk + sk, gy + sy
    return gk, gy


def grid_diffusion(u, kappa, steps):
    n = u.shape[0]
    for _ in range(steps):
        new = np.zeros(n)
        for i in range(1, n - 1):
            new[i] = u[i] + kappa * (u[i - 1] - 2.0 * u[i] + u[i + 1])
        u = new
    return np.sum(u * u)


def grid_diffusion_hand(u, kappa, steps):
    """The adjoint written with NumPy slices: states kept, swept back vectorised."""
    states = [u]
    for _ in range(steps):
        new = np.zeros_like(u)
        new[1:-1] = u[1:-1] + kappa * (u[:-2] - 2.0 * u[1:-1] + u[2:])
        u = new
        states.append(u)
    g = 2.0 * u
    dkappa = 0.0
    for u in reversed(states[:-1]):
        inner = g[1:-1]
        dkappa += np.dot(inner, u[:-2] - 2.0 * u[1:-1] + u[2:])
        back = np.zeros_like(u)
        back[1:-1] += inner * (1.0 - 2.0 * kappa)
        back[:-2] += kappa * inner
        back[2:] += kappa * inner
        g = back
    return g, dkappa


# name -> (program, hand-written gradient, arguments, wrt)
PROGRAMS = {
    "rk4_spring": (rk4_spring, rk4_spring_hand, (2.0, 0.3, 0.5, 1000), (0, 1)),
    "implicit_cubic": (implicit_cubic, implicit_cubic_hand, (5.0, 1.5, 200), (0, 1)),
    "grid_diffusion": (
        grid_diffusion,
        grid_diffusion_hand,
        (np.sin(np.linspace(0.0, np.pi, 200)), 0.2, 50),
        (0, 1),
    ),
}


def heat_roll(u, kappa, steps):
    """A periodic heat equation on whole arrays (the Dask example: a chunked u)."""
    for _ in range(steps):
        u = u + kappa * (np.roll(u, 1) - 2 * u + np.roll(u, -1))
    return np.sum(u**2)
