"""Which checkpointed loops the schedule holds by reference (``copies=False``).

The schedule copies the states it stores, and a state before re-running from it,
unless the compiler says that nothing in the function writes an array or a
container in place (``checkpoints(..., copies=False)``). A wrong omission
corrupts a stored state: the re-run steps start from changed values and the
gradient is silently wrong. Each row is a program written as users write them;
the rows that write in place (directly, in a nested loop, in a branch, through a
helper, after the loop, in a checkpointed loop inside another loop, appending to a
list) must keep the copies; the rows that only
rebind must not. Every row: the checkpointed gradient (k = 2 and 3, several
re-runs from every stored state) equals the stored one, and both equal central
finite differences.
"""

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

DT = 0.05
DAMP = 0.9
W_IN = np.array([[0.3, -0.2, 0.1], [0.05, 0.4, -0.3], [-0.2, 0.1, 0.25]])


def relax(v, w):
    """A helper that writes its argument in place and returns it."""
    v[1:] = v[1:] + w * v[:-1]
    return v


def rhs(x, v, k):
    return v, -k * x - 0.1 * v


def heat_direct(u0, r, n):
    u = u0.copy()
    for t in range(n):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.sum(u * u * u0)


def nested_write(u0, r, n):
    u = u0 * 1.0
    for t in range(n):
        for j in range(3):
            u[j] = u[j] * DAMP + r * u[j + 1]
        u = np.sin(u)
    return np.sum(u**2)


def branch_write(u0, r, n):
    u = u0 + 0.0
    for t in range(n):
        if t % 2 == 0:
            u[0] = r * u[1] + u[0]
        else:
            u = u * DAMP + DT * np.cos(u)
    return np.sum(u**3)


def helper_write(u0, r, n):
    u = u0.copy()
    for t in range(n):
        u = relax(u, w=r)
        u = np.tanh(u)
    return np.sum(u * u0)


def write_after_loop(u0, r, n):
    u = u0 * 1.0
    v = u[::-1] * 1.0
    for t in range(n):
        v = np.tanh(v * r + DT)
    u[0] = 5.0 * v[1]  # a write anywhere keeps the copies
    return np.sum(v**2) + np.sum(u * v)


def outer_loop_write(u0, r, n):
    u = u0 * 1.0
    total = 0.0
    for e in range(2):
        v = u + 0.0
        for t in sg.checkpointed(range(n), snapshots=2):
            v = np.sin(v) * r + DT
            v[e] = v[e] * DAMP  # the state written in place, on every lap of the outer loop
        u[e] = u[e] + np.sum(v)
        total = total + np.sum(v * v)
    return total + np.sum(u)


def appended(u0, r, n):
    x = u0 * 1.0
    hist = []
    for t in range(n):
        x = np.sin(x) * r
        hist.append(x)
    return sum(np.sum(h * h) for h in hist)


def augmented(u0, r, n):
    u = u0 * 1.0
    for t in range(n):
        u += DT * r * np.cos(u)
    return np.sum(u**2)


def rebind_rk4(u0, r, n):
    x, v = u0[0], u0[1]
    for t in range(n):
        k1x, k1v = rhs(x, v, k=r)
        k2x, k2v = rhs(x + DT / 2 * k1x, v + DT / 2 * k1v, k=r)
        x = x + DT * k2x
        v = v + DT * k2v
    return x * x + 0.5 * v * v


def rebind_rnn(u0, r, n):
    h = u0[:3] * 1.0
    J = 0.0
    for t in range(n):
        z = W_IN @ h * r + DT * t
        p = np.exp(z - np.max(z))
        p = p / np.sum(p)
        h = np.tanh(z) + p
        J = J + np.log(np.sum(np.exp(h)))
    return J


# name -> (function, the schedule must copy)
ROWS = {
    "heat_direct": (heat_direct, True),
    "nested_write": (nested_write, True),
    "branch_write": (branch_write, True),
    "helper_write": (helper_write, True),
    "write_after_loop": (write_after_loop, True),
    "outer_loop_write": (outer_loop_write, True),
    "appended": (appended, True),
    "augmented": (augmented, None),  # either: `u += ...` makes a new array in generated code
    "rebind_rk4": (rebind_rk4, False),
    "rebind_rnn": (rebind_rnn, False),
}


def _args(n=9):
    u0 = np.sin(np.linspace(0.2, 2.5, 6)) * 0.7
    return (u0, 0.3, n)


@pytest.mark.parametrize("row", ROWS)
@pytest.mark.parametrize("k", [2, 3])
def test_checkpointed_equals_stored_and_finite_differences(row, k):
    fn, copies = ROWS[row]
    args = _args()
    d = sg.grad(fn, wrt=(0, 1), checkpoints=k)
    got = d(*args)
    assert "schedule.reverse(" in d.source
    if copies is not None:
        assert ("copies=False" in d.source) is (not copies), d.source
    stored = sg.grad(fn, wrt=(0, 1))(*args)
    for g, s in zip(got, stored):
        np.testing.assert_allclose(g, s, rtol=1e-12, atol=1e-13)
    assert_close(got[0], numeric_grad(fn, args, 0), rtol=1e-6, atol=1e-8)
    assert_close(got[1], numeric_grad(fn, args, 1), rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(args[0], _args()[0])  # the caller's array unchanged


def test_values_only_steps_drop_the_tape():
    """`steps` runs the loop body without what only the tape needs: no copy of the
    overwritten part, no shape_of, no call of step_taped (its temporaries folded back,
    so x and v get their new values in one statement)."""
    # (the heat equation's write adds into u in place: item_updates.py)
    for fn, written in ((heat_direct, "u[1:-1] += r * ("), (rebind_rk4, "v, x = (v + DT * ")):
        d = sg.grad(fn, wrt=(0, 1), checkpoints=3)
        d(*_args())
        steps = d.source.split("def steps(", 1)[1].split("schedule.forward", 1)[0]
        assert "for t in indices:" in steps and written in steps, steps
        assert "saved_part" not in steps and "shape_of" not in steps and "step_taped" not in steps, steps
    assert d.source.count("def step_taped(") == 1


def nested_rows(x, w):
    """An outer loop over time, an inner one over rows, and a list the user fills and reads."""
    rows = []
    for t in range(4):
        rows = []
        for j in range(3):
            x = np.tanh(w * x + 0.1 * j)
            rows.append(x)
    return np.sum(rows[-1] * rows[0])


def test_values_only_steps_drop_the_tapes_of_nested_loops():
    """The inner loop's tape exists only for the taped step's entry: the values-only
    `steps` neither makes nor fills it, while the user's own list stays."""
    args = (np.array([0.3, -0.2, 0.5]), np.array([0.8, 1.1, -0.4]))
    d = sg.grad(nested_rows, wrt=(0, 1), checkpoints=2)
    got = d(*args)
    steps = d.source.split("def steps(", 1)[1].split("schedule.forward", 1)[0]
    assert "tape" not in steps and "shape_of" not in steps and ".append(x_" in steps, steps
    for g, i in zip(got, (0, 1)):
        assert_close(g, numeric_grad(nested_rows, args, i), rtol=1e-6, atol=1e-8)
