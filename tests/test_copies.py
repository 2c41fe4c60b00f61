"""Generated code copies an array where an in-place update could otherwise reach
another value's, and only there: a loop's carried adjoint, updated in place by
indexed reads, is copied once before the loop, not on every pass; forward mode
does not copy a tangent it has just made for the array it carries into a loop.
Each program: derivatives against central differences, then the text."""

import re

import numpy as np

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

DT = 0.05
C, D = 0.8, 0.3
STEPS = 12


def rhs(y, a, b):
    prey, pred = y[0], y[1]
    return np.array([a * prey - b * prey * pred, D * prey * pred - C * pred])


def rk4_step(y, a, b, *, h=DT):
    k1 = rhs(y, a, b)
    k2 = rhs(y + 0.5 * h * k1, a, b)
    k3 = rhs(y + 0.5 * h * k2, a, b)
    k4 = rhs(y + h * k3, a, b)
    return y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)


def fit(y0, a, b):
    y = y0
    for _ in range(STEPS):
        y = rk4_step(y, a, b=b)
    return np.sum(y**2)


def self_feeding(x, k):
    for i in range(len(x)):
        x = x + k * x[i]
    return np.sum(np.tanh(x))


def heat(u0, r, steps):
    u = u0.copy()
    for _ in range(steps):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
    return u


def split_loop(source):
    """(lines before the reversed loop, lines inside it) of a gradient's source."""
    lines = source.splitlines()
    start = next(k for k, line in enumerate(lines) if re.match(r"\s*for .* in reversed\(", line))
    indent = len(lines[start]) - len(lines[start].lstrip())
    inside = []
    for line in lines[start + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        inside.append(line.strip())
    return [line.strip() for line in lines[:start]], inside


def self_copies(lines):
    return [line for line in lines if re.fullmatch(r"(\w+) = owned\(\1\)", line)]


def test_rk4_state_adjoint_is_copied_once_before_the_loop():
    args = (np.array([1.2, 0.7]), 1.1, 0.4)
    df = sg.grad(fit, wrt=(0, 1, 2))
    for got, argnum in zip(df(*args), range(3)):
        assert_close(got, numeric_grad(fit, args, argnum))
    before, inside = split_loop(sg.source(df, *args))
    assert self_copies(before) == ["dy = owned(dy)"]
    assert self_copies(inside) == []


def test_self_feeding_loop_copies_its_adjoint_once():
    args = (np.array([0.3, -0.2, 0.5]), 0.4)
    df = sg.grad(self_feeding, wrt=(0, 1))
    gx, gk = df(*args)
    assert_close(gx, numeric_grad(self_feeding, args, 0))
    assert_close(gk, numeric_grad(self_feeding, args, 1))
    for source in (sg.source(df, *args), df.source):
        before, inside = split_loop(source)
        assert not any("owned(" in line for line in inside), inside


def test_forward_mode_copies_a_carried_tangent_once():
    u0, t0 = np.linspace(0.0, 1.0, 8) ** 2, np.cos(np.arange(8.0))
    value, tangent = sg.jvp(heat, (u0, 0.3, 5), (t0, 0.0, 0))
    eps = 1e-6
    expected = (heat(u0 + eps * t0, 0.3, 5) - heat(u0 - eps * t0, 0.3, 5)) / (2 * eps)
    assert_close(value, heat(u0, 0.3, 5))
    assert_close(tangent, expected)
    source = sg.jvp(heat).source
    assert [line.strip() for line in source.splitlines() if "owned(" in line and "import" not in line] == [
        "u_dot = owned(u0_dot)"
    ]
