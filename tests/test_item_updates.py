"""`x[s] = x[s] + e` written `x[s] += e` in the generated forward code where x is
certainly a float64 array (compiler/item_updates.py), and left as written elsewhere:
an int array (`+=` of a float would raise where `=` truncates), a list's item, a
float32 program. Each row: the value equals the function's bit for bit, the
gradient matches central differences."""

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

RATE = 0.2
KE = np.array([[1.0, -1.0], [-1.0, 1.0]])


def heat(u0, r):
    u = u0.copy()
    for _ in range(5):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.sum(u * u)


def overlap(x, w):
    """The sum reads what it writes: NumPy adds as if from a copy, either way."""
    y = x * w
    y[1:] = y[1:] + y[:-1]
    y[:-1] = y[:-1] * y[1:]
    return np.sum(y)


def assembly(k, x):
    """A 1-D finite-element stiffness matrix assembled element by element."""
    n = x.size
    K = np.zeros((n, n))
    for e in range(n - 1):
        K[e : e + 2, e : e + 2] = K[e : e + 2, e : e + 2] + k[e] * KE
    return x @ K @ x


def counted(x, w):
    """An int array: `c[1:] += 1.5 * w` would raise; the user's `=` truncates."""
    c = np.zeros(x.size, dtype=int)
    c[1:] = c[1:] + 2
    c[:1] = c[:1] + 1.5
    return np.sum(x * c * w)


def listed(x, w):
    """An item read out of a list: left as written (the list holds the array)."""
    parts = [x * w, x]
    first = parts[0]
    first[1:] = first[1:] + RATE * x[:-1]
    return np.sum(first**2)


X = np.array([0.3, -0.8, 1.1, 0.5, -0.2])

# name -> (function, arguments, wrt, the text of an update in place, or None where it must stay)
ROWS = {
    "heat": (heat, (X, 0.2), (0, 1), "u[1:-1] += "),
    "overlap": (overlap, (X, 1.3), (0, 1), "y[1:] += "),
    # (the window's bounds are computed apart for the read and the write: not one index in the text)
    "assembly": (assembly, (np.array([1.0, 2.0, 0.5, 1.5]), X), (0, 1), None),
    "counted": (counted, (X, 0.7), (0, 1), None),
    "listed": (listed, (X, 0.9), (0, 1), None),
    "heat_float32": (heat, (X.astype(np.float32), np.float32(0.2)), (0,), None),
}


@pytest.mark.parametrize("row", ROWS)
def test_update_in_place_where_exact(row):
    f, args, wrt, updated = ROWS[row]
    dv = sg.value_and_grad(f, wrt=wrt)
    value, grads = dv(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    assert value == f(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    grads = grads if isinstance(grads, tuple) else (grads,)
    if row != "heat_float32":
        for k, g in zip(wrt, grads):
            assert_close(g, numeric_grad(f, args, k), rtol=1e-6, atol=1e-8)
    source = sg.source(dv, *args)
    if updated:
        assert updated in source, source
    else:
        assert "] += " not in source.split("# reverse sweep")[0], source
