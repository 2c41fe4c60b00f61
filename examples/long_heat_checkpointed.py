"""Calibrating a long heat simulation with checkpointed reverse mode.

A rod is heated in its middle and cools through its ends. Sensors record the
temperature at a few points at every one of several thousand explicit time
steps. Two model parameters are unknown: the diffusion number r (conductivity
times dt / dx^2) and the heater's power a. We fit them by least squares on the
sensor readings,

    J(r, a) = 0.5 * sum over steps t and sensors s of (u_t[s] - y_t[s])^2

The gradient of J goes through every time step. A stored reverse sweep keeps
each step's overwritten temperatures (n x N floats); asking for checkpoints
keeps k snapshots of the temperature instead and re-runs steps from them
(Revolve's binomial schedule), so memory no longer grows with the length of
the simulation. The script measures both, checks that they give the same
gradient, and then calibrates the model with the checkpointed one.

Run:  python examples/long_heat_checkpointed.py
"""
import time
import tracemalloc

import numpy as np

import s2sgrad as sg

N = 100            # grid points, boundaries included
STEPS = 1500       # explicit time steps
SENSORS = np.array([10, 30, 50, 70, 90])
SNAPSHOTS = 20     # states the checkpointed gradient holds
TRUE_R, TRUE_A = 0.35, 0.002
NOISE = 0.01


def heater(n):
    """Where the heater sits: a bump in the middle of the rod."""
    x = np.linspace(0.0, 1.0, n)
    return np.exp(-((x - 0.5) / 0.08) ** 2)


def misfit(r, a, u0, q, readings, sensors):
    """Sum of squared sensor errors over the whole simulation."""
    u = u0.copy()
    J = 0.0
    for t in range(readings.shape[0]):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2]) + a * q[1:-1]
        e = u[sensors] - readings[t]
        J = J + 0.5 * np.sum(e * e)
    return J


def simulate(r, a, u0, q, steps, sensors):
    """The sensor readings of one run (the same scheme as `misfit`)."""
    u = u0.copy()
    out = np.empty((steps, len(sensors)))
    for t in range(steps):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2]) + a * q[1:-1]
        out[t] = u[sensors]
    return out


def peak_kib(fn, *args):
    """Peak memory (tracemalloc) of one call, in KiB."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn(*args)
        return (tracemalloc.get_traced_memory()[1] - base) / 1024
    finally:
        tracemalloc.stop()


def main():
    t_start = time.perf_counter()
    rng = np.random.default_rng(1)
    u0 = np.zeros(N)
    q = heater(N)
    readings = simulate(TRUE_R, TRUE_A, u0, q, STEPS, SENSORS)
    readings += NOISE * rng.standard_normal(readings.shape)

    stored = sg.value_and_grad(misfit, wrt=(0, 1))
    checkpointed = sg.value_and_grad(misfit, wrt=(0, 1), checkpoints=SNAPSHOTS)
    args = (0.2, 0.001, u0, q, readings, SENSORS)

    # Same gradient, stored or checkpointed (to round-off), and against finite differences.
    J, g = checkpointed(*args)
    J_stored, g_stored = stored(*args)
    assert np.isclose(J, J_stored, rtol=1e-12) and np.allclose(g, g_stored, rtol=1e-10)
    for i, eps in ((0, 1e-7), (1, 1e-9)):
        hi, lo = list(args), list(args)
        hi[i] += eps
        lo[i] -= eps
        fd = (misfit(*hi) - misfit(*lo)) / (2 * eps)
        print(f"dJ/d{'ra'[i]}: checkpointed {g[i]: .8e}  stored {g_stored[i]: .8e}  finite diff {fd: .8e}")
        assert abs(g[i] - fd) <= 1e-5 * abs(fd)

    mem_stored = peak_kib(stored, *args)
    mem_checkpointed = peak_kib(checkpointed, *args)
    print(f"peak memory of one gradient over {STEPS} steps: stored {mem_stored:,.0f} KiB, "
          f"{SNAPSHOTS} snapshots {mem_checkpointed:,.0f} KiB ({mem_stored / mem_checkpointed:.0f}x less)")
    assert mem_checkpointed * 10 < mem_stored

    # Calibrate (r, a): gradient descent in scaled parameters with Barzilai-Borwein steps.
    scale = np.array([TRUE_R, TRUE_A])          # orders of magnitude, as a user would know them
    p = np.array([0.2, 0.001]) / scale

    def loss_and_grad(p):
        J, (gr, ga) = checkpointed(p[0] * scale[0], p[1] * scale[1], u0, q, readings, SENSORS)
        return J, np.array([gr, ga]) * scale

    J, g = loss_and_grad(p)
    step = 1e-6
    for it in range(40):
        p_new = p - step * g
        J_new, g_new = loss_and_grad(p_new)
        s, y = p_new - p, g_new - g
        step = abs(s @ y) / (y @ y) if y @ y > 0 else step
        p, J, g = p_new, J_new, g_new
        if it % 5 == 0 or np.linalg.norm(g) < 1e-6:
            print(f"iteration {it:2d}: J = {J:.6e}  r = {p[0] * scale[0]:.5f}  a = {p[1] * scale[1]:.6f}")
        if np.linalg.norm(g) < 1e-6:
            break
    r, a = p * scale
    print(f"recovered r = {r:.5f} (true {TRUE_R}), a = {a:.6f} (true {TRUE_A})")
    assert abs(r - TRUE_R) < 0.01 * TRUE_R and abs(a - TRUE_A) < 0.01 * TRUE_A
    print(f"done in {time.perf_counter() - t_start:.1f} s")


if __name__ == "__main__":
    main()
