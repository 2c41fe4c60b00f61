"""Derivatives at special points: where the textbook formula divides by zero but the
function is smooth (or constant), every mode must give the limit, not nan or a raw
ZeroDivisionError.

`x ** 0` is 1 everywhere, so its derivative at x = 0 is 0, not `0 * 0 ** -1`; every
polynomial written as a sum of powers meets it. `np.std` of one element (or of equal
values) is constant 0 along every direction finite differences take. `np.hypot` at (0, 0)
is a cone's apex: its least-norm subgradient is 0, as `np.linalg.norm`'s at 0 is. Values
equal up to rounding (`np.std(np.stack([x] * 3), axis=0)`) count as equal. Each program is
checked against central finite differences in float64 with `grad`, checkpointed
`grad`, `jvp` and `hvp` (tests/all_modes.py).
"""

import math
import operator

import numpy as np
import pytest

import s2sgrad as sg
from tests.all_modes import MODES

COEFFS = [0.5, -1.0, 2.0, 0.25]


def polynomial_loop(x):
    s = 0.0
    for i in range(4):
        s = s + COEFFS[i] * x**i
    return s


def polynomial_array(x):
    s = np.zeros_like(x)
    for i in range(4):
        s = s + COEFFS[i] * x**i
    return np.sum(s)


def polynomial_comprehension(x):
    return sum(c * x**k for k, c in enumerate(COEFFS))


def power_of_an_argument(x, n):
    return np.sum(x**n) + np.sum(np.power(x, n))


def literal_zero_powers(x):
    return np.sum(np.power(x, 0.0) + x**0 + x**0.0 + np.float_power(x, 0.0) + np.power(x, 0) * x)


def math_zero_powers(x):
    return math.pow(x, 0.0) * x + operator.pow(x, 0) + x**0.0 + math.pow(x, 2.0)


def powers_in_a_while(x):
    s, k = 0.0, 0
    while k < 3:
        s = s + x**k * (k + 1.0)
        k = k + 1
    return s


def std_of_one(x):
    return np.std(x) + x[0]


def std_of_equal_values(x):
    return np.std(x * 0.0 + x[0]) + np.sum(x)


def std_method_and_axis(x):
    return np.sum(x.std(axis=0)) + np.sum(np.std(x, axis=1) * 0.5) + np.sum(x)


def nanstd_of_one(x):
    return np.nanstd(x) + np.sum(x)


def std_in_a_loop(x):
    s = 0.0
    for i in range(2):
        s = s + np.std(x[i : i + 1] * (i + 1.0)) + np.sum(x[i:] ** i)
    return s


def std_of_stacked_copies(x):
    # the mean of three 0.1s is not 0.1: the spread is rounding noise (1e-17), not 0
    return np.sum(np.std(np.stack([x] * 3), axis=0)) + np.sum(np.nanstd(np.stack([x, x, np.full(3, np.nan)]), axis=0))


def hypot_at_the_apex(x):
    return np.sum(np.hypot(x, 2.0 * x)) + 0.5 * math.hypot(x[0], x[1]) + np.sum(x)


def hypot_in_a_loop(x):
    s = 0.0
    for i in range(2):
        s = s + np.sum(np.hypot(x[i:], x[i:] * (i + 1.0)))
    return s


# kinks where the function is continuous but not differentiable: central differences
# give the least-norm subgradient (0), and so must every first-order mode; there is no
# second derivative to check
CONES = {hypot_at_the_apex, hypot_in_a_loop, std_of_stacked_copies}

ZERO3 = np.zeros(3)
WITH_ZEROS = np.array([0.0, 1.5, -0.5])

PROGRAMS = [
    ("polynomial-loop-0", polynomial_loop, [0.0]),
    ("polynomial-loop-1.3", polynomial_loop, [1.3]),
    ("polynomial-array-zeros", polynomial_array, [ZERO3]),
    ("polynomial-array-mixed", polynomial_array, [WITH_ZEROS]),
    ("polynomial-comprehension-0", polynomial_comprehension, [0.0]),
    ("power-of-int-argument-0", power_of_an_argument, [WITH_ZEROS, 0]),
    ("power-of-int-argument-1", power_of_an_argument, [WITH_ZEROS, 1]),
    ("power-of-int-argument-3", power_of_an_argument, [WITH_ZEROS, 3]),
    ("literal-zero-powers", literal_zero_powers, [WITH_ZEROS]),
    ("math-zero-powers", math_zero_powers, [0.0]),
    ("powers-in-a-while", powers_in_a_while, [0.0]),
    ("std-of-one", std_of_one, [np.array([2.0])]),
    ("std-of-equal-values", std_of_equal_values, [np.array([2.0, 1.0, 3.0])]),
    ("std-method-and-axis", std_method_and_axis, [np.array([[2.0, 1.0, 3.0]])]),
    ("nanstd-of-one", nanstd_of_one, [np.array([2.0])]),
    ("std-in-a-loop", std_in_a_loop, [np.array([2.0, 1.0, 3.0])]),
    ("std-of-stacked-copies", std_of_stacked_copies, [np.array([0.1, 0.7, 2.3])]),
    ("hypot-at-the-apex", hypot_at_the_apex, [np.array([0.0, 0.0, 1.5])]),
    ("hypot-in-a-loop", hypot_in_a_loop, [WITH_ZEROS]),
]


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("f, args", [pytest.param(f, a, id=name) for name, f, a in PROGRAMS])
def test_special_points(f, args, mode):
    if f is std_of_equal_values and mode == "second":
        pytest.skip("std has a kink at equal values (as norm at 0): no second derivative there")
    if f in CONES and mode == "second":
        pytest.skip("a cone's apex has no second derivative")
    MODES[mode](f, args)


def root(x):
    return x**0.5 + math.pow(x, 0.25)


def test_an_infinite_slope_is_inf_not_an_exception():
    """sqrt-like powers at 0 have an infinite slope: inf, as NumPy gives, for floats too."""
    assert sg.grad(root)(0.0) == math.inf
    assert sg.grad(root)(4.0) == pytest.approx(0.25 + 0.25 * 4.0**-0.75)
