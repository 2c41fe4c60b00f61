"""Fit the parameters of an ODE (a damped Duffing oscillator) to noisy data.

    x'' = -k x - c x' - beta x^3

Four experiments release the oscillator from rest at different positions; we
observe the positions, with noise, every 0.2 time units and recover the
stiffness k, the damping c and the cubic stiffness beta. The model is
integrated by a classical RK4 loop written in plain NumPy (the step is a
helper function; the trajectory is written into an array in place inside the
loop, under a data-independent branch), and sg.value_and_grad gives the misfit

    0.5 * sum (x_model(t_j) - x_observed(t_j))^2

and its exact gradient -- the adjoint of the RK4 loop -- in one call.

If SciPy is installed, scipy.optimize.minimize(..., jac=True, method="L-BFGS-B")
does the fitting; otherwise a plain gradient-descent loop (Barzilai-Borwein
steps with backtracking) does, with a note printed.

Run:  python examples/fit_ode.py
"""
import time

import numpy as np

import s2sgrad as sg

DT = 0.1
N_STEPS = 100            # integrate to t = 10
OBS_EVERY = 2            # observe every 0.2 time units (50 observation times)
THETA_TRUE = np.array([4.0, 0.3, 1.0])      # stiffness k, damping c, cubic stiffness beta
X0 = np.array([0.5, 1.0, 1.5, -2.0])       # four experiments, released from rest
NOISE = 0.03


def duffing(x, v, theta):
    """Acceleration of a damped Duffing oscillator."""
    k, c, beta = theta[0], theta[1], theta[2]
    return v, -k * x - c * v - beta * x ** 3


def rk4_step(x, v, theta, dt):
    k1x, k1v = duffing(x, v, theta)
    k2x, k2v = duffing(x + 0.5 * dt * k1x, v + 0.5 * dt * k1v, theta)
    k3x, k3v = duffing(x + 0.5 * dt * k2x, v + 0.5 * dt * k2v, theta)
    k4x, k4v = duffing(x + dt * k3x, v + dt * k3v, theta)
    x = x + dt / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x)
    v = v + dt / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
    return x, v


def simulate(theta, x0, dt, n_steps, obs_every):
    """Positions at every obs_every-th step (rows: observation times; columns: experiments)."""
    out = np.zeros((n_steps // obs_every, x0.shape[0]))
    x, v = x0, np.zeros_like(x0)
    for i in range(n_steps):
        x, v = rk4_step(x, v, theta, dt)
        if (i + 1) % obs_every == 0:
            out[(i + 1) // obs_every - 1] = x
    return out


def misfit(theta, observed, x0, dt, n_steps, obs_every):
    pred = simulate(theta, x0, dt, n_steps, obs_every)
    return 0.5 * np.sum((pred - observed) ** 2)


def fit_gradient_descent(value_and_grad, theta, args, iterations=500, tol=1e-4):
    """Gradient descent with Barzilai-Borwein step sizes and a non-monotone
    backtracking safeguard (needs no SciPy)."""
    f, g = value_and_grad(theta, *args)
    recent = [f]
    step = 1e-3
    for it in range(1, iterations + 1):
        while True:
            theta_new = theta - step * g
            f_new, g_new = value_and_grad(theta_new, *args)
            if f_new < max(recent[-10:]) - 1e-4 * step * (g @ g):
                break
            step *= 0.5
        s, y = theta_new - theta, g_new - g
        theta, f, g = theta_new, f_new, g_new
        recent.append(f)
        sy = s @ y
        step = (s @ s) / sy if sy > 0 else 1e-3
        if np.linalg.norm(g) < tol:
            break
    return theta, f, it


def main():
    t_start = time.perf_counter()
    rng = np.random.default_rng(0)
    clean = simulate(THETA_TRUE, X0, DT, N_STEPS, OBS_EVERY)
    observed = clean + NOISE * rng.standard_normal(clean.shape)
    args = (observed, X0, DT, N_STEPS, OBS_EVERY)

    value_and_grad = sg.value_and_grad(misfit, wrt=0)
    theta0 = np.array([3.0, 0.5, 0.7])   # a first guess, 25-65% off

    check = sg.check_grad(misfit, theta0, *args, rtol=1e-6)
    print(f"gradient check against central finite differences: {check}")

    f0, _ = value_and_grad(theta0, *args)
    try:
        from scipy.optimize import minimize
    except ImportError:
        minimize = None
    if minimize is not None:
        res = minimize(value_and_grad, theta0, args=args, jac=True, method="L-BFGS-B",
                       bounds=[(1e-3, None)] * 3, options={"gtol": 1e-9, "ftol": 1e-15})
        theta, f, its = res.x, res.fun, res.nit
        print(f"scipy.optimize.minimize (L-BFGS-B, jac from s2sgrad): {its} iterations, "
              f"{res.nfev} evaluations")
    else:
        print("note: SciPy is not installed; fitting with plain gradient descent "
              "(Barzilai-Borwein steps) instead of L-BFGS-B")
        theta, f, its = fit_gradient_descent(value_and_grad, theta0, args)
        print(f"gradient descent: {its} iterations")

    rel = np.abs(theta - THETA_TRUE) / THETA_TRUE
    print(f"\nmisfit: {f0:.4e} -> {f:.4e} "
          f"(noise level ~{0.5 * observed.size * NOISE ** 2:.1e})")
    for name, t0, t, tt in zip(("k", "c", "beta"), theta0, theta, THETA_TRUE):
        print(f"  {name:>4}: start {t0:.4f}  fitted {t:.4f}  true {tt:.4f}")
    print(f"max relative parameter error: {rel.max():.2%}")
    print(f"elapsed: {time.perf_counter() - t_start:.1f} s")
    assert f < f0 / 50
    assert rel.max() < 0.05


if __name__ == "__main__":
    main()
