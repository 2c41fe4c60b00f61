"""Strong-constraint 4D-Var data assimilation on the Lorenz-96 model.

Lorenz-96 with 40 variables and forcing F = 8 is the standard toy atmosphere of
data assimilation: chaotic, with errors doubling in about 0.4 time units. We
observe every other variable every few time steps over an assimilation window,
with noise, and look for the initial state whose trajectory best fits those
observations while staying close to a background (first guess) state:

    J(x0) = 0.5 |x0 - xb|^2 / sigma_b^2
          + sum over observation times k of 0.5 |H x_k - y_k|^2 / sigma_o^2

where x_k comes from integrating the model with RK4 from x0. The model is
written as plain NumPy helpers (`l96` for the tendency, `rk4_step` for one time
step) called from the time loop; sg.value_and_grad gives J and its gradient
(the adjoint model, generated from that code) in one call, and
Barzilai-Borwein gradient descent minimises J.

Run:  python examples/lorenz96_4dvar.py
"""
import time

import numpy as np

import s2sgrad as sg

N_VARS = 40
FORCING = 8.0
DT = 0.025            # model time step (0.05 is "6 hours")
OBS_EVERY = 2         # model steps between observation times
N_OBS = 10            # observation times in the window (window = 0.5 time units)
SIGMA_B = 0.8         # background error standard deviation
SIGMA_O = 0.3         # observation error standard deviation


def l96(x, F):
    """Lorenz-96 tendency dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F (cyclic)."""
    return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + F


def rk4_step(x, dt, F):
    """One classical Runge-Kutta step of the Lorenz-96 model."""
    k1 = l96(x, F)
    k2 = l96(x + 0.5 * dt * k1, F)
    k3 = l96(x + 0.5 * dt * k2, F)
    k4 = l96(x + dt * k3, F)
    return x + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def cost(x0, xb, obs, dt, F, obs_every, sigma_b, sigma_o):
    """4D-Var cost: background term plus observation misfits over the window.

    obs[k] holds the observed (even-indexed) variables at model step
    (k + 1) * obs_every.
    """
    J = 0.5 * np.sum((x0 - xb) ** 2) / sigma_b ** 2
    x = x0
    for k in range(obs.shape[0]):
        for _ in range(obs_every):
            x = rk4_step(x, dt, F)
        d = x[::2] - obs[k]
        J = J + 0.5 * np.sum(d ** 2) / sigma_o ** 2
    return J


def integrate(x0, n_steps, dt, F):
    x = x0.copy()
    for _ in range(n_steps):
        x = rk4_step(x, dt, F)
    return x


def main():
    t_start = time.perf_counter()
    rng = np.random.default_rng(1)

    # A truth on the attractor: spin up from a slightly perturbed rest state.
    x = FORCING * np.ones(N_VARS)
    x[0] += 0.01
    x_true = integrate(x, 2000, DT, FORCING)

    # Observations of every other variable along the true trajectory.
    obs = np.zeros((N_OBS, N_VARS // 2))
    x = x_true
    for k in range(N_OBS):
        x = integrate(x, OBS_EVERY, DT, FORCING)
        obs[k] = x[::2] + SIGMA_O * rng.standard_normal(N_VARS // 2)

    # The background: the truth plus background-sized errors.
    xb = x_true + SIGMA_B * rng.standard_normal(N_VARS)

    args = (xb, obs, DT, FORCING, OBS_EVERY, SIGMA_B, SIGMA_O)
    value_and_grad = sg.value_and_grad(cost, wrt=0)

    # One check of the adjoint against central finite differences.
    J0, g = value_and_grad(xb, *args)
    eps = 1e-6
    for i in (3, 24):
        e = np.zeros(N_VARS)
        e[i] = eps
        fd = (cost(xb + e, *args) - cost(xb - e, *args)) / (2 * eps)
        rel = abs(g[i] - fd) / max(abs(fd), 1e-30)
        print(f"gradient check at x0[{i}]: s2sgrad {g[i]: .10e}  "
              f"finite diff {fd: .10e}  rel. error {rel:.1e}")
        assert rel < 1e-5

    # Barzilai-Borwein gradient descent from the background, with a
    # backtracking safeguard (halve the step until J decreases).
    x0 = xb.copy()
    J, g = J0, g
    step = 1e-3
    iterations = 150
    print(f"iter {0:4d}  cost {J:.6e}  |grad| {np.linalg.norm(g):.3e}")
    for it in range(1, iterations + 1):
        while True:
            x_new = x0 - step * g
            J_new, g_new = value_and_grad(x_new, *args)
            if J_new < J:
                break
            step *= 0.5
        s, y = x_new - x0, g_new - g
        x0, J, g = x_new, J_new, g_new
        sy = s @ y
        step = (s @ s) / sy if sy > 0 else 1e-3
        if it % 15 == 0:
            print(f"iter {it:4d}  cost {J:.6e}  |grad| {np.linalg.norm(g):.3e}")

    rms = lambda e: np.sqrt(np.mean(e ** 2))  # noqa: E731
    err_b = rms(xb - x_true)
    err_a = rms(x0 - x_true)
    # Errors at the end of the window (the start of the next forecast).
    n_window = N_OBS * OBS_EVERY
    x_end_true = integrate(x_true, n_window, DT, FORCING)
    err_b_end = rms(integrate(xb, n_window, DT, FORCING) - x_end_true)
    err_a_end = rms(integrate(x0, n_window, DT, FORCING) - x_end_true)

    print(f"\ncost: {J0:.4e} -> {J:.4e} (reduced {J0 / J:.1f}x)")
    print(f"RMS error of the initial state:  background {err_b:.3f}  analysis {err_a:.3f}")
    print(f"RMS error at the end of window:  background {err_b_end:.3f}  analysis {err_a_end:.3f}")
    print(f"elapsed: {time.perf_counter() - t_start:.1f} s")
    assert J < J0 / 5
    assert err_a < 0.5 * err_b
    assert err_a_end < 0.3 * err_b_end


if __name__ == "__main__":
    main()
