"""Optimise the stiffness of a 1-D finite-element bar.

A bar fixed at its left end is split into N elements and carries an axial load
at every node (a distributed load, like its own weight). The global stiffness
matrix is assembled the way every FE code does it, by adding each element's
2 x 2 matrix into the global one in place,

    for e in range(n):
        K[e:e + 2, e:e + 2] += k[e] * ke_unit

and the displacements come from np.linalg.solve(K, f) after removing the
fixed node. We look for the element stiffnesses k (k = EA/h, proportional to
the material used) that make the tip displacement hit a target while using
little material:

    loss(k) = (u_tip / target - 1)^2 + mu * mean(k)

sg.value_and_grad differentiates through the assembly loop and the linear
solve; gradient descent on log k (which keeps k positive) does the rest.
For this statically determinate bar the optimum is known: element e carries
the force N_e (the sum of the loads beyond it), its extension is N_e / k_e,
and stationarity gives k_e proportional to sqrt(N_e) -- the script checks the
optimised design against that.

Run:  python examples/fem_bar.py
"""
import time

import numpy as np

import s2sgrad as sg

N_ELEMENTS = 20
LOAD = 1.0          # axial force at each free node
TARGET = 100.0      # wanted tip displacement (the uniform bar with k = 1 gives 210)
MU = 1e-2           # material penalty
STEPS = 200


def assemble(k):
    """Global stiffness matrix of the bar (n + 1 nodes) from element stiffnesses k."""
    n = k.shape[0]
    ke_unit = np.array([[1.0, -1.0], [-1.0, 1.0]])
    K = np.zeros((n + 1, n + 1))
    for e in range(n):
        K[e:e + 2, e:e + 2] += k[e] * ke_unit
    return K


def tip_displacement(log_k, f):
    K = assemble(np.exp(log_k))
    u = np.linalg.solve(K[1:, 1:], f[1:])     # node 0 is fixed
    return u[-1]


def loss(log_k, f, target, mu):
    u_tip = tip_displacement(log_k, f)
    return (u_tip / target - 1.0) ** 2 + mu * np.mean(np.exp(log_k))


def main():
    t_start = time.perf_counter()
    n = N_ELEMENTS
    f = np.full(n + 1, LOAD)
    f[0] = 0.0
    log_k = np.zeros(n)                           # start: a uniform bar, k = 1

    value_and_grad = sg.value_and_grad(loss)

    check = sg.check_grad(loss, 0.3 * np.sin(np.arange(n)), f, TARGET, MU)
    print(f"gradient check against central finite differences: {check}")

    first, g = value_and_grad(log_k, f, TARGET, MU)
    print(f"uniform bar: tip displacement {tip_displacement(log_k, f):.2f} "
          f"(target {TARGET}), material {np.sum(np.exp(log_k)):.2f}, loss {first:.4e}")
    # Gradient descent with Barzilai-Borwein step sizes (a safeguard halves the
    # step whenever the loss would go up).
    value = first
    step_size = 1e-3
    for step in range(1, STEPS + 1):
        while True:
            trial = log_k - step_size * g
            new_value, new_g = value_and_grad(trial, f, TARGET, MU)
            if new_value <= value or step_size < 1e-20:
                break
            step_size *= 0.5
        s, y = trial - log_k, new_g - g
        log_k, value, g = trial, new_value, new_g
        step_size = (s @ s) / (s @ y) if s @ y > 0 else 1e-3
        if step % 25 == 0:
            print(f"step {step:4d}  loss {value:.8e}  |grad| {np.linalg.norm(g):.2e}  "
                  f"tip {tip_displacement(log_k, f):.3f}")
        if np.linalg.norm(g) < 1e-9:
            break

    final = value
    k = np.exp(log_k)
    forces = LOAD * np.arange(n, 0, -1)           # N_e: loads on the nodes beyond element e
    ratio = k / np.sqrt(forces)
    spread = (ratio.max() - ratio.min()) / ratio.mean()
    print(f"\noptimised bar: tip displacement {tip_displacement(log_k, f):.3f} (target {TARGET}), "
          f"material {np.sum(k):.2f}")
    uniform = np.sum(forces) / tip_displacement(log_k, f) * n
    print(f"a uniform bar with the same tip displacement needs material {uniform:.2f}")
    print("stiffness per element:", np.array2string(k, precision=2, max_line_width=100))
    print(f"k_e / sqrt(N_e) varies by {spread:.1e} (theory: constant)")
    print(f"loss: {first:.4e} -> {final:.4e} after {step} steps")
    print(f"elapsed: {time.perf_counter() - t_start:.1f} s")
    assert final < 0.2 * first
    assert abs(tip_displacement(log_k, f) / TARGET - 1.0) < 0.05
    assert spread < 1e-3


if __name__ == "__main__":
    main()
