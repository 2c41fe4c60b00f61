"""Central finite differences in float64, the reference every derivative test uses."""
import numpy as np


def numeric_grad(f, args, argnum, eps=1e-6):
    """Gradient of scalar ``f(*args)`` w.r.t. ``args[argnum]`` by central differences.

    Works for Python floats and float64 arrays of any shape; the result has the
    argument's shape (a float for a float argument).
    """
    args = list(args)
    x = args[argnum]
    if np.isscalar(x) or np.ndim(x) == 0:
        def at(v):
            args[argnum] = v
            return float(f(*args))
        x = float(x)
        return (at(x + eps) - at(x - eps)) / (2 * eps)
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        bumped = []
        for step in (eps, -eps):
            y = x.copy()
            y[index] += step
            args[argnum] = y
            bumped.append(float(np.sum(f(*args))))
        grad[index] = (bumped[0] - bumped[1]) / (2 * eps)
    return grad


def assert_close(actual, expected, rtol=1e-6, atol=1e-8):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=rtol, atol=atol)
