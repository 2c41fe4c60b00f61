"""Module-level constants in every position a name can take, in every mode.

Scientists write `DT = 0.01`, `W = np.arange(3.0)` at module level and read them
in helpers, loops, defaults, bounds and indices. The generated code reads the
same globals, so no local of the derivative may take a global's name (`W = W`
raises UnboundLocalError), and copy coalescing must never rename a user's
variable to a global's name (`x, v = X0, V0` before a loop).

Each program is checked against central finite differences in float64 with
`grad`, `grad(checkpoints=2)`, `jvp` and `hvp` (tests/all_modes.py).
"""

import math

import numpy as np
import pytest

import s2sgrad as sg
from tests.all_modes import MODES

W = np.arange(3.0)
OMEGA = 2.0
X0 = np.array([1.0, 0.5])
V0 = np.array([0.0, 0.2])
DT = 0.1
N = 3
IDX = 1
LO, HI = 1, 3
SCALE = 1.5
PAIR = (0.5, 2.0)
TABLE = {"a": 1.5, "b": -0.5}
k = 0.7  # a global spelled like a helper's parameter


def h(x, k=1.0):
    return k * np.sum(W * x**2)


def keywords(p, kk):
    """The issue's reproducer: a helper reading a global, called with keywords."""
    return h(k=kk, x=p)


def positional(p, kk):
    return h(p, kk) + h(p)


def _acc(x, v):
    return -(OMEGA**2) * x + 0.1 * v


def rk_state_from_constants(p):
    """RK-style loop whose state starts from constants; the helper reads another one."""
    x, v, t = X0, V0, 0.0
    for i in range(N):
        a = _acc(x, v) * p
        x, v, t = x + DT * v, v + DT * a, t + DT
    return np.sum(x * x) + np.sum(v)


def _rk4(x, p):
    k1 = -OMEGA * x * p
    k2 = -OMEGA * (x + 0.5 * DT * k1) * p
    k3 = -OMEGA * (x + 0.5 * DT * k2) * p
    k4 = -OMEGA * (x + DT * k3) * p
    return x + DT / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4), DT


def rk4_tuple_helper(p):
    x, t = X0, 0.0
    for _ in range(N):
        x, dt = _rk4(x=x, p=p)
        t = t + dt
    return np.sum(x**2) * t


def _scaled(v, s=SCALE):
    return s * v


def default_is_a_constant(x):
    return np.sum(_scaled(x) * W) + _scaled(v=x[0], s=OMEGA)


def bounds_and_indices(x):
    s = 0.0
    for i in range(LO, HI):
        s = s + x[i] * W[i] + x[IDX]
    return s + np.sum(x[LO:HI] ** 2)


def constant_in_branch(x):
    if np.sum(x) > SCALE:
        y = x * W
    else:
        y = x * OMEGA
    return np.sum(y**2)


def constant_written_into_a_copy(x):
    u = W.copy()
    u[IDX] = x[0] * OMEGA
    u[0] += x[1]
    return np.sum(u * x)


def constant_tuple_and_dict(x):
    a, b = PAIR
    return np.sum(x * a + b * x**2) * TABLE["a"] + TABLE["b"] * x[0]


def global_like_a_parameter(x, y):
    """A global named like a helper's parameter, and a local named like a global elsewhere."""
    W_local = W * k
    return h(x, k=y) + np.sum(W_local * x)


def _reads_constant(v):
    return v * OMEGA + DT


def constant_in_comprehension(x):
    return sum([_reads_constant(x[i]) * W[i] for i in range(len(W))])


def constant_carried_through_while(x):
    s, n = X0[0], 0
    while n < N:
        s = s * x + OMEGA
        n = n + 1
    return s


def math_of_constants(x):
    return math.sin(OMEGA * x) + math.exp(DT * x) + x**N


def helper_chain(p):
    return keywords(p=p * SCALE, kk=OMEGA)


def _rhs(y, k):
    return -k * y + 0.1 * np.sin(y)


def _decay(k):
    """A helper whose loop state starts from a module global (the issue's reproducer)."""
    y = X0
    for _ in range(N):
        y = y + DT * _rhs(y, k)
    return y


def state_from_a_global_in_a_helper(k):
    return np.sum(_decay(k) ** 2)


def _decay_keywords(k):
    y = X0
    for _ in range(N):
        y = y + DT * _rhs(k=k, y=y)
    return y


def state_from_a_global_keyword_calls(k):
    return np.sum(_decay_keywords(k) ** 2)


def _rk4_step(f, y, k, dt):
    k1 = f(y, k)
    k2 = f(y + dt / 2 * k1, k)
    k3 = f(y + dt / 2 * k2, k)
    k4 = f(y + dt * k3, k)
    return y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4), dt


def _rk4_from_global(k):
    y, t = X0, 0.0
    for _ in range(N):
        y, dt = _rk4_step(_rhs, y, k, DT)
        t = t + dt
    return y, t


def state_from_a_global_rk4_tuple(k):
    y, t = _rk4_from_global(k)
    return np.sum(y**2) + t


def _decay_while(k):
    y = X0
    i = 0
    while i < N:
        y = y + DT * _rhs(y, k)
        i += 1
    return y


def state_from_a_global_while(k):
    return np.sum(_decay_while(k) ** 2)


def _decay_from(k, y0=X0, f=np.tanh):
    """A default that is a module array, and one that is a function."""
    y = y0
    for _ in range(N):
        y = y + DT * f(-k * y)
    return y


def global_array_and_function_defaults(k):
    return np.sum(_decay_from(k)) + np.sum(_decay_from(k, y0=V0, f=np.sin))


def global_start_read_again(k):
    y = X0
    for _ in range(N):
        y = y * k + X0
    return np.sum(y) + np.sum(X0 * k)


PROGRAMS = [
    (state_from_a_global_in_a_helper, [0.3]),
    (state_from_a_global_keyword_calls, [0.3]),
    (state_from_a_global_rk4_tuple, [0.3]),
    (state_from_a_global_while, [0.3]),
    (global_array_and_function_defaults, [0.3]),
    (global_start_read_again, [0.3]),
    (keywords, [np.array([1.0, 2.0, -0.5]), 2.0]),
    (positional, [np.array([1.0, 2.0, -0.5]), 2.0]),
    (rk_state_from_constants, [1.3]),
    (rk4_tuple_helper, [0.8]),
    (default_is_a_constant, [np.array([0.3, -1.2, 0.7])]),
    (bounds_and_indices, [np.array([0.3, -1.2, 0.7, 1.1])]),
    (constant_in_branch, [np.array([0.3, 1.2, 0.7])]),
    (constant_written_into_a_copy, [np.array([0.3, 1.2, 0.7])]),
    (constant_tuple_and_dict, [np.array([0.3, 1.2, 0.7])]),
    (global_like_a_parameter, [np.array([0.3, 1.2, 0.7]), 0.9]),
    (constant_in_comprehension, [np.array([0.3, 1.2, 0.7])]),
    (constant_carried_through_while, [0.7]),
    (math_of_constants, [0.7]),
    (helper_chain, [np.array([0.3, 1.2, 0.7])]),
]


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("f, args", [pytest.param(f, a, id=f.__name__) for f, a in PROGRAMS])
def test_module_constants(f, args, mode):
    MODES[mode](f, args)


@pytest.mark.parametrize("f, args", [pytest.param(f, a, id=f.__name__) for f, a in PROGRAMS])
def test_generated_code_keeps_the_names(f, args):
    """No local of the derivative is a global's name; the user's loop state keeps its names."""
    source = sg.grad(f, wrt=0).source
    for constant in ("W", "OMEGA", "X0", "V0", "DT", "SCALE"):
        assert f"{constant} = " not in source and f", {constant} =" not in source, source
    if f is rk_state_from_constants:
        assert "x = X0" in source and "v = V0" in source, source
