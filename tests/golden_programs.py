"""Representative programs whose generated derivative source is pinned by
tests/test_golden.py (the expected text lives in tests/golden/)."""
import math

import numpy as np


def simulate(k, c, x0, n):
    x, v = x0, 0.0
    for _ in range(n):
        a = -k * x - c * v
        if abs(a) > 10.0:          # data-dependent branch
            a = 10.0 * np.sign(a)
        v = v + 0.01 * a
        x = x + 0.01 * v
    return (x - 1.0) ** 2


def logistic_loss(w, b, X, y):
    z = X @ w + b
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


def _smooth_step(u, width):
    return 0.5 * (1.0 + math.tanh(u / width))


def piecewise(x, y):
    if x > y:
        s = x * y
    elif x > 0.0:
        s = _smooth_step(x, 0.5) * y
    else:
        return y * y
    return s + math.sin(s)


# (program, wrt, example arguments): the arguments fix the argument kinds
def energy(u, dt):
    """The adjoint of u * u is one term, 2 * g * u, not g * u + g * u."""
    e = dt * (u * u) + u
    return np.sum(e)


CASES = {
    "simulate": (simulate, (0, 1), (2.0, 0.3, 0.5, 100)),
    "logistic_loss": (logistic_loss, (0, 1), (np.ones(3), 0.1, np.ones((4, 3)), np.ones(4))),
    "newton_sqrt": (newton_sqrt, 0, (2.0,)),
    "piecewise": (piecewise, (0, 1), (0.3, 0.7)),
    "energy": (energy, (0, 1), (np.array([0.5, -1.0, 2.0]), 0.1)),
}
