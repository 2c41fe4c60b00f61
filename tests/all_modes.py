"""One derivative checked in every mode against central finite differences in float64:
`grad` (loops stored), `grad(..., checkpoints=2)` (loops recomputed), `jvp` along a
random direction, and `hvp` against central differences of the gradient."""

import copy

import numpy as np

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad


def differentiable(args):
    """The positions of the float arguments (Python floats and float arrays)."""
    return tuple(
        i for i, a in enumerate(args) if (isinstance(a, float) or isinstance(a, np.ndarray) and a.dtype.kind == "f")
    )


def check_reverse(f, args, wrt=None, checkpoints=None, rtol=1e-6):
    wrt = differentiable(args) if wrt is None else wrt
    options = {} if checkpoints is None else {"checkpoints": checkpoints}
    before = copy.deepcopy(args)
    got = sg.grad(f, wrt=wrt, **options)(*args)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b, err_msg="an argument was changed")
    for i, g in zip(wrt, got):
        assert_close(g, numeric_grad(f, list(args), i), rtol=rtol)


def _along(args, wrt, direction, eps):
    moved = list(args)
    for i, d in zip(wrt, direction):
        moved[i] = args[i] + eps * d if isinstance(args[i], np.ndarray) else float(args[i] + eps * d)
    return moved


def _direction(args, wrt):
    rng = np.random.default_rng(len(wrt))
    return [
        rng.standard_normal(np.shape(args[i])) if isinstance(args[i], np.ndarray) else float(rng.standard_normal())
        for i in wrt
    ]


def check_forward(f, args, wrt=None, eps=1e-6):
    wrt = differentiable(args) if wrt is None else wrt
    direction = _direction(args, wrt)
    tangents = [np.zeros_like(a) if isinstance(a, np.ndarray) else 0.0 for a in args]
    for i, d in zip(wrt, direction):
        tangents[i] = d
    _, tangent = sg.jvp(f, tuple(copy.deepcopy(args)), tuple(tangents))
    expected = (f(*_along(args, wrt, direction, eps)) - f(*_along(args, wrt, direction, -eps))) / (2 * eps)
    assert_close(tangent, expected)


def check_second_order(f, args, wrt=None, eps=1e-5):
    wrt = differentiable(args) if wrt is None else wrt
    direction = _direction(args, wrt)
    got = sg.hvp(f, wrt=wrt)(*copy.deepcopy(args), tuple(direction))
    df = sg.grad(f, wrt=wrt)
    up, down = df(*_along(args, wrt, direction, eps)), df(*_along(args, wrt, direction, -eps))
    for g, a, b in zip(got, up, down):
        assert_close(g, (np.asarray(a) - np.asarray(b)) / (2 * eps), rtol=1e-5, atol=1e-7)


MODES = {
    "reverse": check_reverse,
    "checkpointed": lambda f, args, wrt=None: check_reverse(f, args, wrt, checkpoints=2),
    "forward": check_forward,
    "second": check_second_order,
}
