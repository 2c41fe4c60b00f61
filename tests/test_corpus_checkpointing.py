"""Red-team corpus for checkpointed loops: realistic programs that stress
``sg.checkpointed`` and ``checkpoints=k`` where the corpora of
tests/test_checkpointing.py do not reach.

Each row is a program, its arguments, ``wrt``, and how its loops are
checkpointed: ``"marker"`` programs mark their loops in the source with
``snapshots=k`` (k is their last argument), ``"option"`` programs are plain and
differentiated with ``checkpoints=k``. For k = 1, 2 and 3 the checkpointed
gradient must equal the stored one (the same function with its loops taped:
the markers ignored, as second order does) to round-off, and both must equal
central finite differences in float64. Rows whose construct is refused are
asserted to raise ``S2SGradError`` with the documented message.
"""
import copy

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad.api import _VJP, Derivative
from s2sgrad.errors import S2SGradError
from tests.numeric import numeric_grad

KS = (1, 2, 3)


# ---------------------------------------------------------------------------
# the programs
# ---------------------------------------------------------------------------

def marker_in_if(x, flag, n, k):
    u = x.copy()
    if flag > 0:
        for t in sg.checkpointed(range(n), snapshots=k):
            u = np.sin(u) * 1.1 + 0.05 * t
    else:
        u = u * 2.0
    return np.sum(u * u)


def marker_in_plain_loop(x, w, n, k):
    u = x.copy()
    for e in range(2):                               # an outer loop, stored
        for t in sg.checkpointed(range(n), snapshots=k):
            u = np.tanh(u * w) + 0.1 * u + 0.01 * e
        u = u[::-1].copy()
    return np.sum(u ** 3)


def two_loops_sharing(x, w, n, k):
    u = x.copy()
    v = x * 0.5
    for t in sg.checkpointed(range(n), snapshots=k):
        u = np.sin(u) + w * v
        v = v * 0.9 + 0.1 * u
    for t in sg.checkpointed(range(n + 1), snapshots=k):
        v = np.cos(v) * u + w
    return np.sum(u * v)


def tuple_state(x, w, n, k):
    state = (x.copy(), x * 0.0)
    for t in sg.checkpointed(range(n), snapshots=k):
        p, q = state
        state = (p + 0.1 * q, q - 0.1 * w * np.sin(p))
    return np.sum(state[0] ** 2) + np.sum(state[1])


def list_state_items(x, w, n, k):
    s = [x.copy(), x * w]
    for t in sg.checkpointed(range(n), snapshots=k):
        s[0] = s[0] + 0.1 * s[1]
        s[1] = s[1] * np.cos(s[0])
    return np.sum(s[0] * s[1])


def dict_state(x, w, n, k):
    d = {"pos": x.copy(), "vel": x * 0.0}
    for t in sg.checkpointed(range(n), snapshots=k):
        d["vel"] = d["vel"] - 0.1 * w * d["pos"]
        d["pos"] = d["pos"] + 0.1 * d["vel"]
    return np.sum(d["pos"] ** 2)


def python_scalars_in_state(x, n, k):
    u = x.copy()
    count = 0
    scale = 1.0
    for t in sg.checkpointed(range(n), snapshots=k):
        u = np.sin(u) * scale + 0.1 * count
        count += 1
        scale *= 0.9
    return np.sum(u) * count + scale


def growing_state(x, w, n, k):
    u = x.copy()
    for t in sg.checkpointed(range(n), snapshots=k):
        u = np.concatenate([u, u[-1:] * w])
    return np.sum(u * u)


def _kick(u, w):
    u[1:] += w * u[:-1]                  # writes into its argument


def helper_in_place(x, w, n, k):
    u = x.copy()
    for t in sg.checkpointed(range(n), snapshots=k):
        _kick(u, w)
        u[0] = np.sin(u[0])
    return np.sum(u * u)


def trajectory(x, w, n, k):
    traj = [x.copy()]
    u = x.copy()
    for t in sg.checkpointed(range(n), snapshots=k):
        u[1:] = u[1:] + w * np.sin(u[:-1])
        traj.append(u.copy())
    return np.sum(np.stack(traj) ** 2)


def negative_step(x, n, k):
    s = x
    for i in sg.checkpointed(range(n, 0, -1), snapshots=k):
        s = np.sin(s) * i * 0.3 + 0.1
    for i in sg.checkpointed(range(10, 2, -3), snapshots=k):
        s = s * s * 0.5 + i
    return s


def index_after_loop(x, n, k):
    i = 7
    s = x
    for i in sg.checkpointed(range(n), snapshots=k):
        s = s * (i + 1) * 0.3 + np.sin(s)
    return s * i


def index_after_loop_option(x, n):
    i = 7
    s = x
    for i in range(n):
        s = s * (i + 1) * 0.3 + np.sin(s)
    return s * i


def outer_overwritten_after(x, w, n, k):
    a = x * w                            # read by the loop, overwritten after it
    u = x.copy()
    for t in sg.checkpointed(range(n), snapshots=k):
        u = np.sin(u) * a
    a[:] = u * 2.0
    return np.sum(u * a)


def outer_written_in_loop(x, w, n, k):
    out = np.zeros(n + 1)                # written at the loop index, read after
    u = x.copy()
    for t in sg.checkpointed(range(n), snapshots=k):
        u = np.tanh(u + w)
        out[t] = np.sum(u)
    return np.sum(out * out) + np.sum(u)


def continue_inside(x, n, k):
    s = x
    for i in sg.checkpointed(range(n), snapshots=k):
        if i % 3 == 1:
            continue
        s = np.sin(s) * 1.2 + 0.1
    return s * s


def nested_markers(x, n, k):
    u = x.copy()
    for t in sg.checkpointed(range(n), snapshots=k):
        for j in sg.checkpointed(range(3), snapshots=k):
            u = np.sin(u) + 0.1 * j
        u = u * 1.1
    return np.sum(u)


def converge(a, x0):
    x = x0
    while abs(x * x - a) > 1e-12:        # Newton for sqrt(a), until converged
        x = 0.5 * (x + a / x)
    return x


def converge_marker(x, a, k):
    u = x.copy()
    r = 1.0
    while sg.checkpointed(r > 1e-3, snapshots=k):
        new = 0.5 * u + 0.5 * np.cos(a * u)
        r = float(np.max(np.abs(new - u)))
        u = new
    return np.sum(u)


def index_arithmetic(x, n):
    s = x
    for i in range(2, n + 2):
        s = s + np.sin(s * i) / i
    return s * (i * i + 1)


def loop_unused(x, n):
    u = x.copy()
    for t in range(n):
        u = np.sin(u)
    return np.sum(x * x)


def loss_in_loop(x, w, n):
    u = x.copy()
    loss = 0.0
    for t in range(n):
        u = u + 0.1 * np.tanh(w * u)
        loss = loss + np.sum((u - 0.5) ** 2) * (t + 1)
    return loss


def float32_state(x, n, k):
    u = x.astype(np.float32)
    for t in sg.checkpointed(range(n), snapshots=k):
        u = u * np.float32(0.9) + np.float32(0.1) * np.sin(u)
    return np.sum(u.astype(np.float64) ** 2)


def alias_in_state(x, w, n, k):
    u = x.copy()
    v = u                                # one array under two names
    s = 0.0
    for t in sg.checkpointed(range(n), snapshots=k):
        u[0] = u[0] * w + 0.1
        s = s + v[0] * v[1]
    return s


def accumulate_into_outer(x, w, n, k):
    acc = np.zeros_like(x)
    u = x.copy()
    for t in sg.checkpointed(range(n), snapshots=k):
        u = np.sin(u * w)
        acc += u * u
    return np.sum(acc * x)


def two_outermost_option(x, w, n):
    u = x.copy()
    for t in range(n):
        u = u + 0.1 * np.sin(w * u)
    c = 0
    while c < n + 1:
        u = np.cos(u) * w
        c = c + 1
    return np.sum(u)


def while_state_in_if_option(x, w, n):
    u = x.copy()
    if np.sum(u) > 0:
        t = 0.0
        while t < 0.1 * n:
            u = u - 0.1 * w * u ** 3
            t = t + 0.1
    return np.sum(u * u)


def shadowed_zero_trip(x, n, k):
    t = 2.0
    s = x * t
    for t in sg.checkpointed(range(1, n), snapshots=k):
        s = np.sin(s) + t
    return s * t


def while_marker_in_plain_loop(x, w, k):
    u = x.copy()
    for e in range(3):                               # the condition reads the outer index
        c = 0
        while sg.checkpointed(c < e + 2, snapshots=k):
            u = np.sin(u * w) + 0.1 * e
            c = c + 1
    return np.sum(u * u)


def nested_markers_outer_index(x, w, n, k):
    u = x.copy()
    for t in sg.checkpointed(range(n), snapshots=k):
        scale = 0.5 + 0.1 * t
        for j in sg.checkpointed(range(t + 1), snapshots=k):
            u = np.tanh(u * scale + w * j)
    return np.sum(u ** 2)


def marker_in_helper_loop(x, w, n, k):
    u = x.copy()
    for e in range(2):
        u = _relax_steps(u, w * (e + 1), n, k)
    return np.sum(u * x)


def _relax_steps(u, w, n, k):
    for t in sg.checkpointed(range(n), snapshots=k):
        u = 0.5 * u + 0.5 * np.cos(w * u)
    return u


X5 = np.array([0.3, -0.2, 0.5, 0.1, 0.4])

# (program, args, wrt, how): how is "marker" (k is the last argument) or "option"
CORPUS = [
    (marker_in_if, (X5, 1.0, 5), 0, "marker"),
    (marker_in_plain_loop, (X5, 0.8, 4), (0, 1), "marker"),
    (two_loops_sharing, (X5, 0.7, 5), (0, 1), "marker"),
    (tuple_state, (X5, 0.6, 6), (0, 1), "marker"),
    (list_state_items, (X5, 0.6, 5), (0, 1), "marker"),
    (dict_state, (X5, 0.6, 6), (0, 1), "marker"),
    (python_scalars_in_state, (X5, 5), 0, "marker"),
    (growing_state, (X5, 0.9, 4), (0, 1), "marker"),
    (helper_in_place, (X5, 0.3, 5), (0, 1), "marker"),
    (trajectory, (X5, 0.4, 5), (0, 1), "marker"),
    (negative_step, (0.4, 5), 0, "marker"),
    (index_after_loop, (0.4, 5), 0, "marker"),
    (index_after_loop, (0.4, 1), 0, "marker"),
    (index_after_loop, (0.4, 0), 0, "marker"),
    (index_after_loop_option, (0.4, 0), 0, "option"),
    (index_after_loop_option, (0.4, 4), 0, "option"),
    (outer_overwritten_after, (X5, 0.9, 5), (0, 1), "marker"),
    (outer_written_in_loop, (X5, 0.3, 5), (0, 1), "marker"),
    (continue_inside, (0.4, 7), 0, "marker"),
    (nested_markers, (X5, 3), 0, "marker"),
    (converge, (2.0, 1.0), 0, "option"),
    (converge_marker, (X5, 0.7), (0, 1), "marker"),
    (index_arithmetic, (0.4, 5), 0, "option"),
    (loop_unused, (X5, 4), 0, "option"),
    (loss_in_loop, (X5, 0.5, 6), (0, 1), "option"),
    (float32_state, (X5, 5), 0, "marker"),
    (alias_in_state, (X5, 0.9, 4), (0, 1), "marker"),
    (accumulate_into_outer, (X5, 0.8, 5), (0, 1), "marker"),
    (two_outermost_option, (X5, 0.7, 4), (0, 1), "option"),
    (while_state_in_if_option, (X5, 0.5, 5), (0, 1), "option"),
    (shadowed_zero_trip, (0.4, 1), 0, "marker"),
    (shadowed_zero_trip, (0.4, 4), 0, "marker"),
    (while_marker_in_plain_loop, (X5, 0.8), (0, 1), "marker"),
    (nested_markers_outer_index, (X5, 0.3, 4), (0, 1), "marker"),
    (marker_in_helper_loop, (X5, 0.6, 4), (0, 1), "marker"),
    (marker_in_if, (X5, 1.0, 0), 0, "marker"),
    (marker_in_if, (X5, 1.0, 1), 0, "marker"),
]

# programs refused with S2SGradError: name -> the message (a regex)
REFUSED = {
    "alias_in_state": r"writes into 'u' in place, which also changes 'v' \(the same array\)",
}

# crashes found by this corpus and not fixed yet: xfail(strict=True), so a fix is reported
KNOWN_BUGS = {}

# float32 programs: the derivative is float32 arithmetic, so checked to float32 round-off
# and against finite differences with a wide step
FLOAT32 = {"float32_state"}


# ---------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------

def stored(variant, fn, wrt):
    """The derivative with every loop taped: markers ignored, as for second order."""
    d = (_VJP if variant == "vjp" else Derivative)(fn, wrt, variant)
    d.checkpoints = False
    return d


def checkpointed(variant, fn, wrt, how, k):
    return Derivative(fn, wrt, variant, k if how == "option" else None)


def with_k(args, how, k):
    return tuple(copy.deepcopy(args)) + ((k,) if how == "marker" else ())


def finite_differences(fn, args, wrt, eps=1e-6):
    wrts = wrt if isinstance(wrt, tuple) else (wrt,)
    out = tuple(numeric_grad(fn, list(copy.deepcopy(args)), w, eps) for w in wrts)
    return out if isinstance(wrt, tuple) else out[0]


def close(got, ref, rtol, atol=1e-12):
    if isinstance(ref, tuple):
        assert isinstance(got, tuple) and len(got) == len(ref)
        for g, r in zip(got, ref):
            close(g, r, rtol, atol)
        return
    assert np.shape(got) == np.shape(ref)
    scale = float(np.max(np.abs(ref))) if np.size(ref) else 0.0
    np.testing.assert_allclose(np.asarray(got, float), np.asarray(ref, float), rtol=rtol, atol=rtol * scale + atol)


def _id(row):
    fn, args, wrt, how = row
    sizes = ",".join(str(a) for a in args if isinstance(a, int))
    return f"{fn.__name__}[n={sizes}]"


def _row(row, k):
    bug = KNOWN_BUGS.get(_id(row))
    return pytest.param(*row, k, id=f"{_id(row)}-k={k}",
                        marks=[pytest.mark.xfail(strict=True, reason=bug)] if bug else [])


ROWS = [_row(row, k) for row in CORPUS for k in KS]


@pytest.mark.parametrize("fn, args, wrt, how, k", ROWS)
def test_grad(fn, args, wrt, how, k):
    if fn.__name__ in REFUSED:
        with pytest.raises(S2SGradError, match=REFUSED[fn.__name__]):
            checkpointed("grad", fn, wrt, how, k)(*with_k(args, how, k))
        return
    call_args = with_k(args, how, k)
    got = checkpointed("grad", fn, wrt, how, k)(*call_args)
    ref = stored("grad", fn, wrt)(*with_k(args, how, k))
    single = fn.__name__ in FLOAT32
    close(got, ref, 1e-6 if single else 1e-12)
    # differences of values near 5 with a step of 1e-6 carry ~1e-9 of round-off
    fd = finite_differences(fn, with_k(args, how, k), wrt, eps=1e-2 if single else 1e-6)
    close(ref, fd, 1e-2 if single else 1e-6, atol=1e-8)
    close(got, fd, 1e-2 if single else 1e-6, atol=1e-8)
    for a, b in zip(call_args, with_k(args, how, k)):
        np.testing.assert_array_equal(a, b, err_msg="the derivative changed an argument")


def _plain_rows():
    """Rows without known bugs or refusals, for value_and_grad and vjp."""
    return [pytest.param(*row, k, id=f"{_id(row)}-k={k}") for row in CORPUS for k in (1, 2)
            if _id(row) not in KNOWN_BUGS and row[0].__name__ not in set(REFUSED) | FLOAT32]


@pytest.mark.parametrize("fn, args, wrt, how, k", _plain_rows())
def test_value_and_grad(fn, args, wrt, how, k):
    value, got = checkpointed("value_and_grad", fn, wrt, how, k)(*with_k(args, how, k))
    v_ref, ref = stored("value_and_grad", fn, wrt)(*with_k(args, how, k))
    assert value == v_ref
    np.testing.assert_allclose(value, fn(*with_k(args, how, k)), rtol=1e-12)
    close(got, ref, 1e-12)


def rollout(x, w, n):
    """An array result: the final state of a damped oscillator chain."""
    u = x.copy()
    v = x * 0.0
    for t in range(n):
        v = v - 0.1 * (w * u + 0.2 * v)
        u = u + 0.1 * v
    return u * v


@pytest.mark.parametrize("k", KS)
def test_vjp_array_result_pullback_twice(k):
    """vjp of an array result: each pullback call equals the stored one and J^T ct by
    finite differences, and calling it again gives the same answer."""
    x, w, n = X5, 0.7, 6
    value, back = sg.vjp(rollout, wrt=(0, 1), checkpoints=k)(x.copy(), w, n)
    v_ref, back_ref = stored("vjp", rollout, (0, 1))(x.copy(), w, n)
    np.testing.assert_allclose(value, rollout(x.copy(), w, n), rtol=1e-12)
    for ct in (np.linspace(-1.0, 1.0, 5), np.ones(5)):
        first = back(ct)
        again = back(ct)
        close(again, first, 0.0, atol=0.0)
        close(first, back_ref(ct), 1e-12)
        fd = tuple(numeric_grad(lambda *a: np.sum(rollout(*a) * ct), [x.copy(), w, n], j) for j in (0, 1))
        close(first, fd, 1e-6, atol=1e-8)
