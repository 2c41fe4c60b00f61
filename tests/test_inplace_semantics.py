"""In-place writes after rebinding, in branches, through aliases and views, over
loops that rebind what they iterate (issue 11, families 1 and 2), and the
argument contract (item 9): a derivative never changes the caller's data.

Each row is either right -- the value, the gradient by every argument (stored
and checkpointed), the JVP and, where second order is not refused, the HVP,
against central finite differences in float64 -- or an `S2SGradError` naming a
line of this file. A slice of random in-place programs (tests/inplace_grammar.py)
runs last; `python -m tests.inplace_grammar --n 2000` runs a campaign.
"""

import os

import numpy as np
import pytest

import s2sgrad as sg
from tests import inplace_grammar

THIS_FILE = os.path.basename(__file__)
X = np.array([0.3, 0.5, 0.7])
A = np.array([0.4, -0.2, 0.1])
M = np.array([[0.3, 0.5], [0.2, -0.4]])
DT = 0.1


# -- family 1: a loop over a name the body rebinds ---------------------------------


def rebinds_iterated(x):
    v = x
    for r in v:
        v = np.arctan2(v, r)
    return np.mean(v)


def rebinds_iterated_enumerate(x):
    v = x * 1.0
    for k, r in enumerate(v):
        v = v * r + k
    return np.sum(v)


def rebinds_iterated_zip(x, a):
    v = x
    for r, s in zip(v, a):
        v = np.sin(v) * r + s
    return np.sum(v)


def rebinds_iterated_reversed(x):
    v = x
    for r in reversed(v):
        v = v * r
    return np.sum(v)


def rebinds_iterated_dict(x, a):
    d = {"p": x, "q": a}
    total = 0.0
    for k, w in d.items():
        d = {"p": w * 2.0, "q": w}
        total = total + np.sum(w * d["q"])
    return total


def rebinds_iterated_rows(m):
    for row in m:
        m = m + row
    return np.sum(m * m)


def rebinds_target(x):
    for x in x:
        x = x * 2.0
    return x


def comprehension_over_rebound(x):
    v = x
    for i in range(2):
        v = np.array([np.sin(r) * v[0] for r in v])
    return np.sum(v)


def augments_iterated(x):
    v = x * 1.0
    for r in v:  # <-- refused: the body changes what it iterates
        v += r
    return np.sum(v)


# -- family 2: in-place writes after rebinding, in branches, through aliases ------------


def rebind_then_write_in_loop(x):
    v = np.outer(x, x)
    for i in range(3):
        v = v + v * np.mean(v)
        v[:, i] += x
    return np.sum(np.sin(v))


def arcsinh_then_write_in_loop(x, a):
    v = np.outer(x, a)
    for i in range(3):
        v = np.arcsinh(v)
        v[:] += a
    return np.sum(np.sin(v))


def rebind_then_write_in_while(x):
    v = x * 1.0
    k = 0
    while k < 3:
        v = np.tanh(v) * 2.0
        v[k] *= x[k]
        k += 1
    return np.sum(v)


def write_in_one_arm_aug_in_other(x, a):
    v = np.outer(x, x)
    if np.sum(x) > 100.0:
        v[:, 0] *= a
    else:
        v -= 1.0
    return np.sum(np.sin(v))


def write_and_aug_arms_in_loop(x, a):
    v = np.outer(x, a)
    for i in range(3):
        if np.sum(x) > 1.0:
            v *= a
        else:
            v[0] *= a[1]
    return np.sum(np.sin(v))


def three_names_written_in_branch(x):
    a = np.outer(x, x)
    b = a
    c = b
    if np.sum(x) > 0:
        b[0] += x
    return np.sum(np.sin(a) * c)


def three_names_written_in_else(x):
    a = np.outer(x, x)
    b = a
    c = b
    if np.sum(x) < 0:
        a = a * 2.0
    else:
        c[1] *= x
    return np.sum(np.sin(a) * b)


def scale_first(u, s):
    u[0] *= s
    return u


def helper_writes_in_loop(x, a):
    v = np.outer(x, a)
    for i in range(3):
        v = np.sin(v)
        v = scale_first(v, a[1])
    return np.sum(v * v)


def helper_writes_in_branch(x, a):
    v = x * 1.0
    w = v
    if np.sum(x) > 0:
        scale_first(w, a[0])
    return np.sum(v * v) + np.sum(w)


def maybe_scale(u, s, c):
    if c > 0:
        u[0] *= s
    else:
        u = u * s
    return 0.0


def helper_writes_on_one_path(x, a):
    v = x * 1.0
    maybe_scale(v, a[0], np.sum(x))  # <-- refused: the caller's v changes on one path only
    return np.sum(v * v)


def aug_argument_with_view(x):
    v = x[0]  # <-- refused when x[0] is a row: a view read after x changes
    x += x
    return np.sum(v * x)


def aug_list_items(x):
    xs = [x * 1.0, x * 2.0]
    for r in xs:
        r /= 1.5  # <-- refused: the write changes the list's arrays
    return np.sum(xs[0] * xs[1])


def write_list_items(x):
    xs = [x * 1.0, x * 2.0]
    for r in xs:
        r[0] += 1.0  # <-- refused: the write changes the list's arrays
    return np.sum(xs[0] * xs[1])


def aug_alias_in_loop(x):
    v = x * 1.0
    w = v
    for i in range(3):  # <-- refused: the loop changes w's array too
        for j in range(2):
            v *= x
    return np.sum(w) + np.sum(v)


def aug_rows_of_matrix(m):
    m = m * 1.0
    for r in m:
        r *= 0.5  # <-- refused when r is a row: it is a view of m
    return np.sum(m)


def aug_carried_number(x, h0):
    y, v = h0, 0.0
    for step in range(5):
        v -= 9.81 * DT
        y += v * DT * x
    return y


def aug_fresh_copy_in_loop(x):
    u = x * 1.0
    for i in range(3):
        u_new = u.copy()
        u_new += np.sin(u)
        u_new[1:] *= x[:-1]
        u = u_new
    return np.sum(u)


def view_of_rebound_then_aug(x):
    v = x * 2.0
    w = v[1:]
    v = v + 1.0
    v *= x
    return np.sum(w) * np.sum(v)


def fresh(u, x):
    u = u.copy()
    u[0] = u[0] * x[0]
    return u


def aug_alias_on_one_path(x, a):
    v = x
    if np.sum(x) > 10.0:
        v = np.sin(v)
    for i in range(3):  # <-- refused: on the else path v is x, which x /= 1.5 changes
        x /= 1.5
        x = fresh(x, x)
        v -= 1.0
    return np.sum(np.sin(v)) + np.sum(np.sin(x))


def aug_argument_in_nested_loop(x):
    v = x
    for i in range(3):
        for j in range(3):
            v -= 1.0  # <-- refused: the first pass changes x, read below
        v = np.arcsinh(v)
        v += x
    return np.sum(np.sin(v))


def writes_argument(x, a):
    x[1:] += x[:-1] * a[1:]
    return np.sum(np.sin(x))


def writes_argument_copy_kept(x, a):
    v = x * 1.0
    x[1:] += x[:-1]
    x *= a
    return np.sum(np.sin(v)) + np.sum(np.sin(x))


def writes_argument_in_loop(x, a):
    v = x * 1.0
    for i in range(3):
        x[i] = x[i] * a[i] + v[i]
        v = np.sin(v)
    return np.sum(x * v)


ROWS = [
    (rebinds_iterated, (X,)),
    (rebinds_iterated_enumerate, (X,)),
    (rebinds_iterated_zip, (X, A)),
    (rebinds_iterated_reversed, (X,)),
    (rebinds_iterated_dict, (X, A)),
    (rebinds_iterated_rows, (M,)),
    (rebinds_target, (X,)),
    (comprehension_over_rebound, (X,)),
    (augments_iterated, (X,)),
    (rebind_then_write_in_loop, (X,)),
    (arcsinh_then_write_in_loop, (X, A)),
    (rebind_then_write_in_while, (X,)),
    (write_in_one_arm_aug_in_other, (X, A)),
    (write_and_aug_arms_in_loop, (X, A)),
    (write_and_aug_arms_in_loop, (X * 2.0, A)),
    (three_names_written_in_branch, (X,)),
    (three_names_written_in_branch, (-X,)),
    (three_names_written_in_else, (X,)),
    (three_names_written_in_else, (-X,)),
    (helper_writes_in_loop, (X, A)),
    (helper_writes_in_branch, (X, A)),
    (helper_writes_in_branch, (-X, A)),
    (helper_writes_on_one_path, (X, A)),
    (aug_argument_with_view, (M,)),
    (aug_argument_with_view, (X,)),
    (aug_list_items, (X,)),
    (write_list_items, (X,)),
    (aug_alias_in_loop, (X,)),
    (aug_rows_of_matrix, (M,)),
    (aug_carried_number, (X[0], 1.0)),
    (aug_fresh_copy_in_loop, (X,)),
    (view_of_rebound_then_aug, (X,)),
    (aug_alias_on_one_path, (X, A)),
    (aug_argument_in_nested_loop, (X,)),
    (writes_argument, (X, A)),
    (writes_argument_copy_kept, (X, A)),
    (writes_argument_in_loop, (X, A)),
]


def _copies(args):
    return [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]


def _fd(fn, args, k, eps=1e-6):
    """Central differences of fn's value by argument k (each call on fresh copies)."""
    x = np.asarray(args[k], dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        values = []
        for step in (eps, -eps):
            bumped = _copies(args)
            moved = x.copy()
            moved[index] += step
            bumped[k] = moved if np.ndim(args[k]) else float(moved)
            values.append(float(fn(*bumped)))
        grad[index] = (values[0] - values[1]) / (2 * eps)
    return grad if np.ndim(args[k]) else float(grad)


def _refused_here(fn, exc):
    text = str(exc)
    assert THIS_FILE in text and exc.loc is not None or ".py:" in text, text
    return "refused"


def _derivatives(fn, args):
    """'ok' after checking every mode against finite differences, or 'refused'."""
    wrt = tuple(range(len(args)))
    try:
        value, grads = sg.value_and_grad(fn, wrt=wrt)(*_copies(args))
    except sg.S2SGradError as exc:
        return _refused_here(fn, exc)
    assert np.isclose(value, fn(*_copies(args)), rtol=1e-12, atol=1e-12)
    expected = [_fd(fn, args, k) for k in wrt]
    for got, want in zip(grads, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    stored = sg.grad(fn, wrt=wrt, checkpoints=2)(*_copies(args))
    for got, want in zip(stored, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    tangents = tuple(np.linspace(0.3, -0.2, np.size(a)).reshape(np.shape(a)) for a in args)
    tangents = tuple(t if np.ndim(a) else float(t) for t, a in zip(tangents, args))
    _, out = sg.jvp(fn, tuple(_copies(args)), tangents)
    np.testing.assert_allclose(out, sum(np.sum(g * t) for g, t in zip(expected, tangents)), rtol=1e-5, atol=1e-7)
    return "ok"


def _hvp_or_refused(fn, args):
    if np.ndim(args[0]) == 0:
        return
    v = np.linspace(0.2, -0.3, np.size(args[0])).reshape(np.shape(args[0]))
    try:
        got = sg.hvp(fn)(*_copies(args), v)
    except sg.S2SGradError as exc:
        # (second order over some writes is refused, at the line of the generated gradient)
        assert ".py:" in str(exc) or "<s2sgrad:" in str(exc), str(exc)
        return
    step = 1e-5

    def grad_at(x0):
        return sg.grad(fn)(x0, *_copies(args[1:]))

    want = (grad_at(args[0] + step * v) - grad_at(args[0] - step * v)) / (2 * step)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("fn, args", ROWS, ids=[f"{fn.__name__}-{k}" for k, (fn, _) in enumerate(ROWS)])
def test_right_or_refused_with_the_line(fn, args):
    outcome = _derivatives(fn, args)
    marked = "# <-- refused" in _source_line_marks(fn)
    if marked and outcome == "refused":
        return
    if outcome == "refused":
        pytest.fail(f"{fn.__name__} was refused, but its derivative can be made")
    _hvp_or_refused(fn, args)


def _source_line_marks(fn):
    import inspect

    return inspect.getsource(fn)


@pytest.mark.parametrize(
    "fn, args, expected",
    [
        (augments_iterated, (X,), "refused"),
        (helper_writes_on_one_path, (X, A), "refused"),
        (aug_argument_with_view, (M,), "refused"),
        (aug_list_items, (X,), "refused"),
        (write_list_items, (X,), "refused"),
        (aug_alias_in_loop, (X,), "refused"),
        (aug_rows_of_matrix, (M,), "refused"),
        (aug_alias_on_one_path, (X, A), "refused"),
        (aug_argument_in_nested_loop, (X,), "refused"),
        (rebinds_iterated, (X,), "ok"),
        (rebind_then_write_in_loop, (X,), "ok"),
        (three_names_written_in_branch, (X,), "ok"),
        (write_and_aug_arms_in_loop, (X * 2.0, A), "ok"),
        (aug_argument_with_view, (X,), "ok"),
        (aug_carried_number, (X[0], 1.0), "ok"),
    ],
    ids=lambda v: getattr(v, "__name__", None) if callable(v) else None,
)
def test_reproducers(fn, args, expected):
    """The issue's reproducers: which are made right and which refused (with the line)."""
    assert _derivatives(fn, args) == expected


# -- item 9: a derivative never changes the caller's data --------------------------------


def writes_into_x(x):
    x[0] = x[0] * 3.0
    return np.sum(x * x)


def appends_to_list(xs):
    xs.append(xs[0] * 2.0)
    return np.sum(xs[0] * xs[-1])


ENTRY_POINTS = {
    "grad": lambda f, x: sg.grad(f)(x),
    "value_and_grad": lambda f, x: sg.value_and_grad(f)(x),
    "vjp": lambda f, x: sg.vjp(f)(x)[1](1.0),
    "jvp": lambda f, x: sg.jvp(f, (x,), (np.ones(2),)),
    "hvp": lambda f, x: sg.hvp(f)(x, np.ones(2)),
    "jacobian": lambda f, x: sg.jacobian(f)(x),
    "jacobian-reverse": lambda f, x: sg.jacobian(f, mode="reverse")(x),
    "jacobian-forward": lambda f, x: sg.jacobian(f, mode="forward")(x),
    "hessian": lambda f, x: sg.hessian(f)(x),
    "check_grad": lambda f, x: sg.check_grad(f, x),
    "checkpointed": lambda f, x: sg.grad(f, checkpoints=2)(x),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_derivatives_leave_the_arguments_alone(entry):
    x = np.array([1.0, 2.0])
    ENTRY_POINTS[entry](writes_into_x, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])
    if entry == "grad":
        np.testing.assert_allclose(sg.grad(writes_into_x)(x), [18.0, 4.0])
        np.testing.assert_array_equal(x, [1.0, 2.0])


def test_jvp_leaves_the_tangent_alone():
    x, t = np.array([1.0, 2.0]), np.array([1.0, -1.0])
    _, out = sg.jvp(writes_into_x, (x,), (t,))
    np.testing.assert_array_equal(t, [1.0, -1.0])
    assert out == pytest.approx(18.0 - 4.0)


def test_a_list_argument_is_not_appended_to():
    xs = [np.array([1.0, 2.0])]
    grads = sg.grad(appends_to_list)(xs)
    assert len(xs) == 1
    np.testing.assert_allclose(grads[0], 4.0 * np.array([1.0, 2.0]))


# -- random in-place programs: right or refused, never wrong -----------------------------


@pytest.mark.parametrize("seed", [11, 12])
def test_random_inplace_programs(seed):
    results = inplace_grammar.campaign(seed, 40)
    findings = {
        text: outcome for text, outcome in results.values() if outcome not in ("ok", "refused", "python")
    }
    assert not findings, "\n".join(f"# {o}\n{t}" for t, o in findings.items())
    assert sum(outcome == "ok" for _, outcome in results.values()) >= 10
