"""A NumPy-only function for tests/test_scipy_optional.py's run without SciPy."""
import numpy as np


def f(x):
    return np.sum(np.sin(x))
