"""Red-team corpus: simulation code the way scientists write it.

Each function below is a small, realistic piece of simulation code (time
stepping with helper functions, stencils with in-place slice updates, particle
systems, data-dependent ``while`` loops, boundary conditions written element
by element, ...). Each is differentiated with ``sg.grad`` and, where it has a
loop, with ``sg.grad(..., checkpoints=3)``, and compared with central finite
differences in float64.

Found this way, and fixed: np.linspace / np.full / np.arange and np.add.at
gave a silent zero gradient (a grid over a differentiated length, a uniform
initial state, a particle deposit); out= arguments likewise; time loops that
make their next state fresh each pass (``u_new = u.copy()``) were refused as
aliasing; integrators taking the right-hand side as a function argument, and
zips of zips, were refused. Bisection is pinned separately: its derivative as
written is 0, which finite differences do not see.
"""
import math

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

GRAVITY = 9.81
DT = 0.01
N_STEPS = 20
KB = 1.380649e-23 * 1e23   # a module constant used in arithmetic


# ---------------------------------------------------------------------------
# time stepping
# ---------------------------------------------------------------------------

def _spring_rhs(x, v, k, c=0.1):
    return v, -k * x - c * v


def euler_spring(k, x0=1.0, v0=0.0, dt=DT, steps=N_STEPS):
    x, v = x0, v0
    for _ in range(steps):
        dx, dv = _spring_rhs(x, v, k)
        x = x + dt * dx
        v = v + dt * dv
    return x * x + 0.5 * v * v


def _rk4_step(f, y, t, h, p):
    k1 = f(y, t, p)
    k2 = f(y + 0.5 * h * k1, t + 0.5 * h, p)
    k3 = f(y + 0.5 * h * k2, t + 0.5 * h, p)
    k4 = f(y + h * k3, t + h, p)
    return y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)


def _lotka(y, t, p):
    a, b, c, d = p[0], p[1], p[2], p[3]
    prey, pred = y[0], y[1]
    return np.array([a * prey - b * prey * pred, d * prey * pred - c * pred])


def rk4_lotka_volterra(p, y0):
    y = y0.copy()
    t = 0.0
    h = 0.05
    for n in range(30):
        y = _rk4_step(_lotka, y, t, h, p)
        t = n * h
    return np.sum(y ** 2)


def _midpoint(y, h, lam):
    ymid = y + 0.5 * h * (-lam * y)
    return y + h * (-lam * ymid)


def rk2_decay(lam, y0):
    y = y0
    h = 0.1
    traj = []
    for i in range(10):
        y = _midpoint(y, h, lam)
        traj.append(y)
    traj = np.array(traj)
    return np.sum(traj * np.arange(1, 11))


def projectile_until_ground(v0, angle):
    x, y = 0.0, 0.0
    vx = v0 * math.cos(angle)
    vy = v0 * math.sin(angle)
    t = 0.0
    dt = 0.01
    drag = 0.05
    while y >= 0.0:
        speed = math.sqrt(vx * vx + vy * vy)
        vx -= dt * drag * speed * vx
        vy -= dt * (GRAVITY + drag * speed * vy)
        x += dt * vx
        y += dt * vy
        t += dt
    return x


def adaptive_euler(k, y0, t_end=1.0):
    t, y, h = 0.0, y0, 0.1
    steps = 0
    while t < t_end:
        if t + h > t_end:
            h = t_end - t
        y_full = y + h * (-k * y * y)
        y_half = y + 0.5 * h * (-k * y * y)
        y_half = y_half + 0.5 * h * (-k * y_half * y_half)
        err = abs(y_full - y_half)
        if err > 1e-3 and h > 1e-4:
            h = h / 2
            continue
        y = 2 * y_half - y_full
        t += h
        steps += 1
        if err < 1e-4:
            h = min(2 * h, 0.2)
    return y


def leapfrog_orbit(q0, p0, steps=25, dt=0.05):
    q = q0.copy()
    p = p0.copy()
    for step in range(steps):
        r = np.linalg.norm(q)
        p = p - 0.5 * dt * q / r ** 3
        q = q + dt * p
        r = np.linalg.norm(q)
        p = p - 0.5 * dt * q / r ** 3
    energy = 0.5 * p @ p - 1.0 / np.linalg.norm(q)
    return energy


def logistic_growth_clip(r, x0):
    x = x0
    for t in range(40):
        x = x + DT * 10 * r * x * (1 - x)
        x = np.clip(x, 0.0, 1.0)
    return x


# ---------------------------------------------------------------------------
# stencils
# ---------------------------------------------------------------------------

def heat_1d(u0, alpha):
    u = u0.copy()
    n = len(u)
    for _ in range(15):
        u[1:-1] = u[1:-1] + alpha * (u[2:] - 2 * u[1:-1] + u[:-2])
        u[0] = u[1]
        u[n - 1] = u[n - 2]
    return np.sum(u ** 2)


def heat_2d(u0, kappa):
    u = u0.copy()
    for it in range(8):
        lap = np.zeros_like(u)
        lap[1:-1, 1:-1] = (u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2]
                           - 4 * u[1:-1, 1:-1])
        u[1:-1, 1:-1] += kappa * lap[1:-1, 1:-1]
        u[0, :] = 0.0
        u[-1, :] = 0.0
    return np.sum(u * u)


def heat_2d_inplace_direct(u0, kappa):
    u = u0.copy()
    for it in range(6):
        u[1:-1, 1:-1] = u[1:-1, 1:-1] + kappa * (
            u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - 4 * u[1:-1, 1:-1])
        u[:, 0] = u[:, 1]
        u[:, -1] = u[:, -2]
    return np.mean(u ** 3)


def wave_1d(u0, c):
    u_prev = u0.copy()
    u = u0.copy()
    n = u.shape[0]
    for t in range(12):
        u_next = np.empty(n)
        u_next[1:n - 1] = 2 * u[1:n - 1] - u_prev[1:n - 1] + c * c * (u[2:] - 2 * u[1:n - 1] + u[:n - 2])
        u_next[0] = 0.0
        u_next[n - 1] = 0.0
        u_prev, u = u, u_next
    return np.sum(u ** 2) + np.sum(np.diff(u) ** 2)


def upwind_advection(u0, vel):
    u = u0.copy()
    nx = u.size
    for step in range(10):
        flux = np.where(vel > 0, vel * u, vel * np.roll(u, -1))
        u[1:] = u[1:] - 0.2 * (flux[1:] - flux[:-1])
        u[0] = u[-1]
    return np.sum(u * np.linspace(0, 1, nx))


def jacobi_poisson(f, tol=1e-6):
    n = f.shape[0]
    u = np.zeros(n)
    h2 = 1.0 / (n - 1) ** 2
    for sweep in range(200):
        u_new = u.copy()
        for i in range(1, n - 1):
            u_new[i] = 0.5 * (u[i - 1] + u[i + 1] + h2 * f[i])
        if np.max(np.abs(u_new - u)) < tol:
            u = u_new
            break
        u = u_new
    return np.sum(u)


def gauss_seidel_elementwise(b, omega):
    n = len(b)
    x = np.zeros(n)
    for it in range(10):
        for i in range(n):
            left = x[i - 1] if i > 0 else 0.0
            right = x[i + 1] if i < n - 1 else 0.0
            x[i] = (1 - omega) * x[i] + omega * (b[i] + left + right) / 4.0
    return x @ x


def diffusion_reaction_ghost(u0, rate):
    u = np.concatenate([[u0[0]], u0, [u0[-1]]])
    for _ in range(10):
        u[1:-1] = u[1:-1] + 0.1 * np.diff(u, 2) - 0.01 * rate * u[1:-1] ** 2
        u[0] = u[1]
        u[-1] = u[-2]
    return np.sum(u[1:-1])


# ---------------------------------------------------------------------------
# particles
# ---------------------------------------------------------------------------

def _pair_forces(x, eps=1e-2):
    n = x.shape[0]
    f = np.zeros_like(x)
    for i in range(n):
        for j in range(i + 1, n):
            d = x[i] - x[j]
            r2 = d @ d + eps
            fij = d / r2 ** 1.5
            f[i] += fij
            f[j] -= fij
    return f


def nbody_loops(x0, v0):
    x = x0.copy()
    v = v0.copy()
    for step in range(5):
        f = _pair_forces(x)
        v += 0.01 * f
        x += 0.01 * v
    return np.sum(x ** 2) + 0.5 * np.sum(v ** 2)


def nbody_broadcast(x0, masses):
    x = x0.copy()
    v = np.zeros_like(x)
    for step in range(6):
        d = x[:, None, :] - x[None, :, :]
        r2 = np.sum(d ** 2, axis=-1) + 0.05
        inv = masses[None, :] / r2 ** 1.5
        acc = -np.sum(d * inv[:, :, None], axis=1)
        v = v + DT * acc
        x = x + DT * v
    return np.sum(x[:, 0]) + np.sum(x[:, 1] ** 2)


def lennard_jones_energy(x, sigma=1.0, epsilon=1.0):
    n = len(x)
    e = 0.0
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            r = np.linalg.norm(x[i] - x[j])
            sr6 = (sigma / r) ** 6
            e += 2 * epsilon * (sr6 * sr6 - sr6)
    return e


def bouncing_ball(h0, restitution):
    y, v = h0, 0.0
    bounces = 0
    for step in range(300):
        v -= GRAVITY * DT
        y += v * DT
        if y < 0.0:
            y = -y
            v = -restitution * v
            bounces += 1
            if bounces == 3:
                return y + v * 0.1
    return y


def particles_in_box(x0, v0):
    x = x0.copy()
    v = v0.copy()
    for step in range(20):
        x = x + 0.05 * v
        hit_hi = x > 1.0
        hit_lo = x < 0.0
        x = np.where(hit_hi, 2.0 - x, x)
        x = np.where(hit_lo, -x, x)
        v = np.where(hit_hi | hit_lo, -v, v)
    return np.sum(x * x) + np.sum(v)


def spring_chain_accumulate(x, k):
    n = x.shape[0]
    energy = 0.0
    grad_e = np.zeros(n)
    for i in range(n - 1):
        ext = x[i + 1] - x[i] - 1.0
        energy += 0.5 * k * ext ** 2
        grad_e[i] -= k * ext
        grad_e[i + 1] += k * ext
    return energy + 0.1 * np.linalg.norm(grad_e)


# ---------------------------------------------------------------------------
# root finding and iterations
# ---------------------------------------------------------------------------

def newton_sqrt(a, tol=1e-12):
    x = a
    it = 0
    while abs(x * x - a) > tol and it < 50:
        x = 0.5 * (x + a / x)
        it += 1
    return x * 3.0


def newton_kepler(mean_anomaly, ecc):
    E = mean_anomaly
    for it in range(30):
        f = E - ecc * math.sin(E) - mean_anomaly
        fp = 1 - ecc * math.cos(E)
        dE = f / fp
        E = E - dE
        if abs(dE) < 1e-13:
            break
    return math.cos(E) * 2.0


def bisect_root(c):
    lo, hi = 0.0, 2.0
    while hi - lo > 1e-12:
        mid = 0.5 * (lo + hi)
        if mid ** 3 + c * mid - 1.0 > 0:
            hi = mid
        else:
            lo = mid
    return lo * 1.0


def fixed_point_iterate(a, x0):
    x = x0
    for k in range(100):
        x_new = np.cos(a * x)
        if np.linalg.norm(x_new - x) < 1e-10:
            return np.sum(x_new)
        x = x_new
    return np.sum(x)


def power_iteration(A, v0):
    v = v0 / np.linalg.norm(v0)
    lam = 0.0
    for i in range(30):
        w = A @ v
        lam = v @ w
        v = w / np.linalg.norm(w)
    return lam


# ---------------------------------------------------------------------------
# misc numerics
# ---------------------------------------------------------------------------

def trapezoid_integral(xs, ys):
    total = 0.0
    for (x0, x1), (y0, y1) in zip(zip(xs[:-1], xs[1:]), zip(ys[:-1], ys[1:])):
        total += 0.5 * (x1 - x0) * (y0 + y1)
    return total


def cumulative_work(forces, dx):
    work = np.cumsum(forces * dx)
    pos = np.concatenate([np.zeros(1), np.cumsum(np.full(forces.shape, dx))])
    return work[-1] + np.sum(np.diff(pos) * forces)


def boltzmann_weights(energies, temp):
    w = np.zeros_like(energies)
    for i, e in enumerate(energies):
        w[i] = math.exp(-e / (KB * temp))
    z = np.sum(w)
    return np.sum(energies * w) / z


def decay_chain_matrix(rates, n0):
    A = np.diag(-rates)
    for i in range(1, len(rates)):
        A[i, i - 1] = rates[i - 1]
    n = n0.copy()
    for step in range(20):
        n = n + 0.05 * (A @ n)
    return n.reshape(-1, 1).T @ np.ones((len(rates), 1))


def relu_damping(x0, threshold):
    x = x0.copy()
    hist = np.zeros(10)
    for i in range(10):
        over = np.maximum(x - threshold, 0.0)
        x = x - 0.3 * over
        hist[i] = np.linalg.norm(x)
    return hist.sum() + hist[-1]


def temperature_control(T0, gain):
    T = T0
    heater_on = False
    total_energy = 0.0
    for minute in range(60):
        if T < 19.5:
            heater_on = True
        elif T > 20.5:
            heater_on = False
        power = gain * (21.0 - T) if heater_on else 0.0
        total_energy += power
        T = T + 0.1 * power - 0.05 * (T - 10.0)
    return total_energy + T


def rod_temperature(length, T0, n=9):
    # a grid over a differentiated length, a uniform initial state
    x = np.linspace(0.0, length, n)
    dx = x[1] - x[0]
    T = np.full(n, T0)
    T[0] = 100.0
    for it in range(20):
        T[1:-1] += 0.2 * (T[2:] - 2 * T[1:-1] + T[:-2])
    return np.sum(T * np.exp(-x)) * dx


def sampled_trajectory(omega, dt):
    ts = np.arange(0.0, 1.0, dt)
    xs = np.cos(omega * ts)
    return np.sum(xs ** 2) * dt


def deposit_charge(pos, charge, n_cells=4):
    rho = np.zeros(n_cells)
    cell = np.floor(pos * n_cells).astype(int)
    frac = pos * n_cells - cell
    np.add.at(rho, cell, charge * (1 - frac))
    np.add.at(rho, np.minimum(cell + 1, n_cells - 1), charge * frac)
    return np.sum(rho ** 2)


def _integrate(f, a, b, n=10):
    h = (b - a) / n
    s = 0.5 * (f(a) + f(b))
    for i in range(1, n):
        s += f(a + i * h)
    return s * h


def _gauss(x):
    return math.exp(-x * x)


def quadrature_passed_function(b, scale):
    return _integrate(np.sin, 0.0, b) * scale + _integrate(f=_gauss, a=0.0, b=scale, n=6)


def damped_spring_keywords(k, damping):
    x, v = 1.0, 0.0
    for step in range(N_STEPS):
        dx, dv = _spring_rhs(x, v, k=k, c=damping)
        x, v = x + DT * dx, v + DT * dv
    return x + v


def moment_of_inertia(masses, radii):
    total = 0.0
    for m, r in zip(masses, radii):
        total += m * r ** 2
    return total


def cool_until_threshold(T0, rate):
    T = T0
    elapsed = 0
    while True:
        T = T - rate * (T - 20.0) * 0.1
        elapsed += 1
        if T < 30.0 or elapsed >= 500:
            break
    return T + 0.01 * elapsed


# ---------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------

rng = np.random.default_rng(0)
_u1 = np.sin(np.linspace(0, np.pi, 12)) + 0.1 * rng.standard_normal(12)
_u2 = rng.random((6, 7))
_xs = np.sort(rng.random(8))

# name -> (function, args, wrt list, has loop)
CASES = {
    "euler_spring": (euler_spring, (2.0,), [0], True),
    "rk4_lotka_volterra": (rk4_lotka_volterra, (np.array([1.1, 0.4, 0.4, 0.1]), np.array([2.0, 1.0])), [0, 1], True),
    "rk2_decay": (rk2_decay, (0.7, 1.3), [0, 1], True),
    "projectile_until_ground": (projectile_until_ground, (12.0, 0.7), [0, 1], True),
    "adaptive_euler": (adaptive_euler, (3.0, 1.2), [0, 1], True),
    "leapfrog_orbit": (leapfrog_orbit, (np.array([1.0, 0.1]), np.array([0.0, 1.1])), [0, 1], True),
    "logistic_growth_clip": (logistic_growth_clip, (2.5, 0.2), [0, 1], True),
    "heat_1d": (heat_1d, (_u1, 0.2), [0, 1], True),
    "heat_2d": (heat_2d, (_u2, 0.15), [0, 1], True),
    "heat_2d_inplace_direct": (heat_2d_inplace_direct, (_u2, 0.15), [0, 1], True),
    "wave_1d": (wave_1d, (_u1, 0.5), [0, 1], True),
    "upwind_advection": (upwind_advection, (_u1, 0.8), [0, 1], True),
    "jacobi_poisson": (jacobi_poisson, (np.linspace(1, 2, 7),), [0], True),
    "gauss_seidel_elementwise": (gauss_seidel_elementwise, (np.array([1.0, 2.0, -1.0, 0.5]), 1.2), [0, 1], True),
    "diffusion_reaction_ghost": (diffusion_reaction_ghost, (_u1, 0.8), [0, 1], True),
    "nbody_loops": (nbody_loops, (rng.random((4, 2)), 0.1 * rng.random((4, 2))), [0, 1], True),
    "nbody_broadcast": (nbody_broadcast, (rng.random((4, 2)), np.array([1.0, 0.5, 2.0, 1.5])), [0, 1], True),
    "lennard_jones_energy": (lennard_jones_energy, (np.array([[0.0, 0.0], [1.1, 0.1], [0.2, 1.2]]),), [0], True),
    "bouncing_ball": (bouncing_ball, (1.0, 0.8), [0, 1], True),
    "particles_in_box": (particles_in_box, (rng.random(6), rng.standard_normal(6)), [0, 1], True),
    "spring_chain_accumulate": (spring_chain_accumulate, (np.array([0.0, 1.2, 2.1, 3.5]), 2.0), [0, 1], True),
    "newton_sqrt": (newton_sqrt, (2.0,), [0], True),
    "newton_kepler": (newton_kepler, (1.0, 0.3), [0, 1], True),
    "fixed_point_iterate": (fixed_point_iterate, (0.8, np.array([0.1, 0.5, 0.9])), [0, 1], True),
    "power_iteration": (power_iteration, (np.array([[2.0, 0.5, 0.1], [0.5, 1.0, 0.2], [0.1, 0.2, 0.5]]),
                                          np.array([1.0, 0.3, 0.2])), [0, 1], True),
    "trapezoid_integral": (trapezoid_integral, (_xs, np.cos(_xs)), [0, 1], True),
    "cumulative_work": (cumulative_work, (np.array([1.0, 2.0, 0.5, -1.0]), 0.3), [0, 1], False),
    "boltzmann_weights": (boltzmann_weights, (np.array([0.1, 0.5, 1.0, 2.0]), 1.5), [0, 1], True),
    "decay_chain_matrix": (decay_chain_matrix, (np.array([0.5, 0.3, 0.2]), np.array([1.0, 0.5, 0.0])), [0, 1], True),
    "relu_damping": (relu_damping, (np.array([0.5, 1.5, 2.5, -0.5]), 1.0), [0, 1], True),
    "temperature_control": (temperature_control, (18.0, 0.3), [0, 1], True),
    "rod_temperature": (rod_temperature, (2.0, 15.0), [0, 1], True),
    "sampled_trajectory": (sampled_trajectory, (3.0, 0.07), [0, 1], False),
    "deposit_charge": (deposit_charge, (np.array([0.1, 0.3, 0.35, 0.8]), np.array([1.0, -0.5, 2.0, 0.7])),
                       [0, 1], False),
    "quadrature_passed_function": (quadrature_passed_function, (0.8, 1.3), [0, 1], True),
    "damped_spring_keywords": (damped_spring_keywords, (4.0, 0.3), [0, 1], True),
    "moment_of_inertia": (moment_of_inertia, (np.array([1.0, 2.0, 0.5]), np.array([0.3, 0.2, 0.9])), [0, 1], True),
    "cool_until_threshold": (cool_until_threshold, (80.0, 0.5), [0, 1], True),
}


def _params():
    for name, (fn, args, wrts, has_loop) in CASES.items():
        for wrt in wrts:
            for checkpoints in ([None, 3] if has_loop else [None]):
                yield pytest.param(fn, args, wrt, checkpoints, id=f"{name}-wrt{wrt}-cp{checkpoints}")


@pytest.mark.parametrize("fn, args, wrt, checkpoints", list(_params()))
def test_simulation_gradient_matches_finite_differences(fn, args, wrt, checkpoints):
    before = [np.copy(a) for a in args]
    got = sg.grad(fn, wrt=wrt, checkpoints=checkpoints)(*args)
    expected = numeric_grad(fn, args, wrt)
    assert np.shape(got) == np.shape(expected)
    assert isinstance(got, float) == isinstance(args[wrt], float)
    assert_close(got, expected, rtol=1e-5, atol=1e-7)
    for a, b in zip(args, before):
        assert np.array_equal(a, b), "the derivative changed an argument"


def test_corpus_size():
    assert len(CASES) >= 35


def test_bisection_is_piecewise_constant():
    """Bisection returns one of finitely many midpoints: its derivative, as written, is 0
    almost everywhere, although finite differences with a step larger than the tolerance
    see the root move (differentiate the equation instead: implicit function theorem)."""
    assert sg.grad(bisect_root)(0.5) == 0.0
    assert sg.grad(bisect_root, checkpoints=3)(0.5) == 0.0
    assert abs(numeric_grad(bisect_root, (0.5,), 0) + 0.3222) < 1e-3
