"""Quickstart: the exact gradient of a simulation with a loop and a data-dependent
branch, and the adjoint code s2sgrad generated for it.

Run:  python examples/quickstart.py
"""
import numpy as np

import s2sgrad as sg


def simulate(k, c, x0, n):
    """Damped spring with a force limiter; loss = squared miss of x = 1 at the end."""
    x, v = x0, 0.0
    for _ in range(n):
        a = -k * x - c * v
        if abs(a) > 10.0:          # data-dependent branch
            a = 10.0 * np.sign(a)
        v = v + 0.01 * a
        x = x + 0.01 * v
    return (x - 1.0) ** 2


def main():
    dsim = sg.grad(simulate, wrt=(0, 1))
    dk, dc = dsim(2.0, 0.3, 0.5, 1000)
    print(f"d loss / d k = {dk:.12f}")
    print(f"d loss / d c = {dc:.12f}")

    eps = 1e-6
    fd_k = (simulate(2.0 + eps, 0.3, 0.5, 1000) - simulate(2.0 - eps, 0.3, 0.5, 1000)) / (2 * eps)
    fd_c = (simulate(2.0, 0.3 + eps, 0.5, 1000) - simulate(2.0, 0.3 - eps, 0.5, 1000)) / (2 * eps)
    print(f"finite differences: {fd_k:.12f} {fd_c:.12f}")
    assert np.allclose([dk, dc], [fd_k, fd_c], rtol=1e-6, atol=1e-9)

    print("\nThe generated adjoint (plain NumPy):\n")
    sg.show(dsim)


if __name__ == "__main__":
    main()
