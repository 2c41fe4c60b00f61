"""Corpus of small Python/NumPy programs checked against central finite differences.

Every program is differentiated with ``sg.grad`` (and ``sg.value_and_grad``)
for each of its ``wrt`` choices and compared with ``tests.numeric.numeric_grad``.
The corpus covers:

* straight-line code: assignment, tuple unpacking and swapping, augmented
  assignment (``+= -= *= /= **=``) on scalars and whole arrays, the operators
  ``+ - * / // % ** @`` and unary minus;
* conditions: comparisons (also chained), ``and`` / ``or`` / ``not`` (with
  short-circuit evaluation), conditional expressions, ``if`` / ``elif`` /
  ``else`` on data, each program called with inputs that take every branch;
* loops: ``for`` over ``range(n)``, ``range(a, b, step)`` with computed bounds
  (also negative steps and zero trips), array rows, a list of floats,
  ``enumerate``, ``zip`` and zips of zips; ``while`` loops whose trip count depends on the
  data (Newton, halving); ``break``, ``continue`` and ``return`` inside loops
  and branches; nested loops 2 and 3 deep; loops in branches and branches in
  loops; variables overwritten many times;
* comprehensions (nested, with conditions, in loops, into ``np.array`` /
  ``np.stack``) and the builtins ``sum`` / ``max`` / ``min`` over generators,
  lists and several arguments;
* values: Python floats, NumPy scalars and arrays of shapes (), (3,), (2, 3)
  with broadcasting; ``math`` and ``np`` functions, reductions, ``@``, ``.T``,
  indexing ``x[i]``, ``x[i, j]`` and slices;
* the ``simulate`` program from the issue (a damped spring with clipping).

Besides the numbers, every test checks the structure of the gradient (a float
for a float argument, an ndarray of the same shape for an array argument, a
tuple for a tuple ``wrt``) and that the arguments are not mutated.

The API surface (decorator forms, ``.source``, error messages for non-scalar
results and integer arguments) and thread safety are tested at the end.
"""
import concurrent.futures
import copy
import inspect
import math
import threading
from dataclasses import dataclass

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

# Turn NumPy floating-point warnings into failures: none of the programs below
# divides by zero, overflows or takes the log of a negative number at the
# chosen inputs, so a warning means the derivative code evaluated something
# the primal did not (for instance both sides of a short-circuit).
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

COEFFS = [0.5, -1.25, 2.0, 0.75]


# ---------------------------------------------------------------------------
# straight-line code
# ---------------------------------------------------------------------------

def assign_chain(x, y):
    a = x * y
    b = a + x
    c = b * b - a
    d = c / (1.0 + y * y)
    return d


def tuple_swap(x, y):
    a, b = x, y
    a, b = b, a
    (c, d) = (a * 2.0, b - a)
    return a * b ** 2 + c * d


def augassign_scalar(x, y):
    s = 1.0
    s += x * x
    s -= y
    s *= x
    s /= 2.0 + y * y
    s **= 2
    return s


def augassign_array(x, y):
    s = x * 1.0        # a fresh array, so the in-place updates below leave x alone
    s += x * x
    s -= y
    s *= x
    s /= 2.0 + y * y
    return s.sum()


def augassign_broadcast(X, w):
    s = np.ones_like(X)
    s += w             # (3,) into (2, 3)
    s *= X
    s -= X * w
    s /= 1.5 + w * w
    return np.sum(s * s)


def arithmetic_ops(x, y):
    return x + y - x * y + x / y - y / x + x ** 2 - y ** 3 + 2.0 ** x + x ** y


def floor_div_and_mod(x, y):
    q = x // y         # piecewise constant
    r = x % y          # x - q * y
    return q * x * x + r * r * y + (x % 1.0) * y


def matmul_operator(A, v):
    u = A @ v
    B = A.T @ A
    return u @ u + v @ B @ v + (A @ A.T).sum()


def unary_minus(x, y):
    a = -x
    b = -(x * y) + -a
    return -a * b - (-y) ** 3


def unary_minus_array(x):
    return np.sum(-x * -np.sin(-x))


def broadcast_binary(A, r, v, s):
    # (2, 3) with (1, 3), (3,) and ()
    return np.sum(A * r + v / (1.5 + A * A) - s * A + (A - r) ** 2 * v + s / (2.0 + r))


def mixed_types(x, v, M):
    a = np.float64(2.0) * x      # NumPy scalar times a Python float
    b = a * v + M                # (), (3,) and (2, 3) broadcast together
    c = b * np.array(0.5)        # a 0-d array constant
    return c.sum() * a + np.mean(M * v) / (1.0 + x * x)


def zero_d_array(x0, v):
    return np.sum(np.sin(x0 * v)) * x0


def scalar_times_array(a, x):
    return np.sum(a * x ** 2) + a ** 2


def math_functions(x):
    return (math.sin(x) * math.cos(x) + math.exp(-x) + math.log(x)
            + math.tanh(x) + math.sqrt(x) + math.pi * x)


def numpy_elementwise(x):
    return np.sum(np.sin(x) * np.cos(x) + np.exp(-x) + np.log(x) + np.tanh(x) * np.sqrt(x))


def reductions(X, w):
    return (np.sum(X) * np.mean(X) + X.sum() + np.dot(w, w)
            + X.mean() * w.sum() + np.dot(X, w).sum())


def indexing(x, A):
    a = x[0] * x[2] + x[1:3].sum()
    b = A[1, 2] * A[0, 0] + A[0].sum() + A[:, 1] @ x[0:2]
    return a * b + x[-1] * A[-1, -1]


def transpose_ops(A, x):
    B = A.T
    y = B @ (A @ x)
    return y @ x + np.sum(A.T @ A) + np.sum(B.T * A)


def overwrite_many(x):
    y = x
    y = y * x
    y = np.sin(y)
    y = y + x
    y = y * y
    t = y
    for i in range(4):
        t = t * 0.5 + y
        y = np.cos(t)
    return t + y


def unused_argument(x, y, z):
    return y * y              # no path from x or z to the result


def int_before_float(n, x):
    s = x
    for i in range(n):
        s = s * x + n
    return s


def size_one_result(x):
    return x[0:1] * x[1:2] + np.sin(x[2:3])   # shape (1,): a scalar for grad


def _helper(x, w):
    return np.tanh(x * w) + x


def calls_helper(x, w):
    s = 0.0
    for i in range(3):
        s = s + _helper(x, w * i).sum()
    return s


# ---------------------------------------------------------------------------
# conditions
# ---------------------------------------------------------------------------

def comparisons(x, y, n):
    s = x * 0.5
    if x < y:
        s = s + x * y
    if x >= 1.0:
        s = s * x
    if 0.0 < y <= 2.0:
        s = s - y * y
    if n != 0 and n % 2 == 0:
        s = s * y
    if n == 3:
        s = s + x
    return s


def bool_ops(x, y):
    if x > 0.0 and y > 0.0:
        r = x * y
    elif x > 0.0 or y > 1.0:
        r = x - y * y
    else:
        r = x * x * y
    if not (x < y):
        r = r * np.cos(x)
    if not x > 2.0 or y < -2.0:
        r = r + x
    return r


def short_circuit(x):
    if x > 0.0 and math.log(x) > 0.5:     # math.log(x) raises for x <= 0
        return x * math.log(x)
    return x * x


def conditional_expression(x, y):
    a = x * x if x > y else y * 3.0
    b = np.sin(a) if a < 1.0 else np.cos(a) * x
    return a * b + (x if y > 0.0 else -x)


def piecewise(x):
    if x < -1.0:
        y = -2.0 * x - 1.0
    elif x < 0.5:
        y = x * x
    elif x < 2.0:
        y = np.sin(x) + x
    else:
        y = np.log(x) * x
    return y * y


def branch_on_array(x):
    if x.sum() > 0.0:
        y = np.tanh(x) * x
    else:
        y = np.exp(x)
    if x[0] > x[1]:
        y = y * x[2]
    return y.sum()


def early_return(x, y):
    if x < 0.0:
        return -x * y
    z = x * y
    if z > 1.0:
        return np.log(z)
    z = z + x
    return z * z


# ---------------------------------------------------------------------------
# for loops
# ---------------------------------------------------------------------------

def fib_unpack(x, y, n):
    a, b = x, y
    for _ in range(n):
        a, b = b, a + b
    return a * b


def range_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sin(x * i) / (i + 1)
    return s * x


def range_computed_bounds(x, n):
    lo = n // 2
    hi = 2 * n + 1
    s = x
    for i in range(lo, hi, 3):
        s = s * x + i
    for j in range(hi, lo, -2):
        s = s - x * j / hi
    return s


def loop_over_rows(X, w):
    s = 0.0
    for row in X:
        s = s + np.tanh(row @ w) ** 2
    return s


def loop_over_list(x):
    s = 0.0
    for c in [0.5, -1.25, 2.0, 0.75]:
        s = s * x + c
    return s


def enumerate_coeffs(x):
    s = 0.0
    for i, c in enumerate(COEFFS):
        s += c * x ** i
    return s


def enumerate_array(x, w):
    s = 0.0
    for i, xi in enumerate(x):
        s = s + (i + 1.0) * xi * w[i]
    return s * s


def zip_arrays(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * b * a - np.sin(b)
    return s


def zip_of_zips(x, y):
    # neighbouring pairs of two arrays at once; stops at the shortest sequence
    total = 0.0
    for (a0, a1), (b, c) in zip(zip(x[:-1], x[1:]), zip(y, y[::-1])):
        total += (a1 - a0) * b * c
    return total


def zip_list_and_rows(X, w):
    s = 0.0
    for c, row in zip(COEFFS, X):
        s = s + c * np.dot(row, w) ** 2
    return s


def for_break(x, n):
    s = 1.0
    for i in range(n):
        s = s * x + 1.0
        if s > 5.0:
            break
    return s * x


def for_continue(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            continue
        s += x ** i
        if np.sin(x * i) < 0.0:
            continue
        s = s * x
    return s


def index_kept(x, n):
    i = 2
    s = x
    for i in range(1, n):
        s = np.sin(s) * i
    return s * i        # with no trips, i is still 2


def return_in_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * (i + 1)
        if s > 5.0:
            return s * s
    return -s


def nested_two(A, x):
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            s = s + A[i, j] * x[j] * x[j]
    return s


def nested_three(A, B):
    s = 0.0
    for i in range(2):
        for j in range(3):
            for k in range(2):
                s = s + np.sin(A[i, j] * B[j, k]) * A[i, j]
    return s


def nested_break(x, n):
    s = 0.0
    for i in range(n):
        for j in range(n):
            if j > i:
                break
            s = s + x ** (j + 1) / (i + 1)
    return s


def nested_data_break(X):
    s = 0.0
    for row in X:
        for v in row:
            if v < 0.0:
                break
            s = s + v * v
        s = s * 1.1
    return s


def branches_in_loop(x, n):
    s = x
    for i in range(n):
        if s > 1.0:
            s = s * 0.5 * x
        elif s < -1.0:
            s = -s + x
        else:
            s = s + x * x
    return s


def loops_in_branches(x, n):
    if x > 0.0:
        s = x
        for i in range(n):
            s = s * x + 0.5
    else:
        s = -x
        i = 0
        while i < n:
            s = np.sin(s) + x
            i += 1
    return s


def rnn(W, X):
    h = np.zeros(3)
    for x_t in X:
        h = np.tanh(W @ h + x_t)
    return np.sum(h * h)


def inplace_accumulate(x, n):
    acc = np.zeros_like(x)
    for i in range(n):
        acc += np.sin(x * (i + 1))
        acc *= 0.9
    return acc @ x


def indexing_in_loop(x, n):
    s = 0.0
    for i in range(n):
        j = (i * 2) % 3
        s = s + x[j] * x[i % 3]
    lo = n % 2
    return s + x[lo:lo + 2].sum() * s


def loop_var_after_loop(x, n):
    t = x
    for i in range(n):
        t = x * i + t * 0.5
    return t * i


def cond_expr_in_loop(x, n):
    s = 0.0
    for i in range(n):
        s += x * i if i % 2 else -x / (i + 1)
    return s * s


def simulate(k, c, x0, n):
    x, v = x0, 0.0
    for _ in range(n):
        a = -k * x - c * v
        if abs(a) > 10.0:          # data-dependent branch
            a = 10.0 * np.sign(a)
        v = v + 0.01 * a
        x = x + 0.01 * v
    return (x - 1.0) ** 2


# ---------------------------------------------------------------------------
# while loops
# ---------------------------------------------------------------------------

def newton_sqrt(x):
    y = x
    while abs(y * y - x) > 1e-12 * x:
        y = 0.5 * (y + x / y)
    return y


def halve_until_small(x):
    y = x * x
    k = 0
    while y > 1.0:
        y = y / 2.0
        k += 1
    return y * (k + 1)


def while_and_counter(x, n):
    s = 1.0
    i = 0
    while i < n and s < 10.0:
        s = s + x * s
        i += 1
    return s


def solve_cubic(c):
    y = c
    while True:
        r = y ** 3 + y - c
        if abs(r) < 1e-13:
            break
        y = y - r / (3.0 * y * y + 1.0)
    return y


def return_in_while(x):
    y = x
    k = 0
    while k < 20:
        y = y * 1.5 + x
        if y > 30.0:
            return y / (k + 1)
        k += 1
    return y


def while_continue(x, n):
    i = 0
    s = 0.0
    while i < n:
        i += 1
        if i == 2:
            continue
        s = s + x / i
    return s * x


def while_in_for(x, n):
    total = 0.0
    for i in range(n):
        y = x * (i + 1)
        while y > 1.0:
            y = y * 0.3
        total = total + y * y
    return total


def for_in_while(x):
    s = x
    k = 0
    while s < 20.0:
        for i in range(3):
            s = s + x * i + 0.1
        k += 1
    return s / k


# ---------------------------------------------------------------------------
# comprehensions and the builtins sum / max / min (they become loops)
# ---------------------------------------------------------------------------

def nested_comprehension(x):
    n = len(x)
    m = [[x[i] * x[j] for j in range(n)] for i in range(n)]
    return m[0][1] + m[2][2] * m[1][0]


def nested_comprehension_array(x, w):
    n = len(x)
    m = np.array([[np.sin(x[i] - w[j]) for j in range(n)] for i in range(n)])
    return np.sum(m @ w)


def nested_comprehension_stack(x):
    n = len(x)
    m = np.stack([np.stack([x[i] * x[j] for j in range(n)]) for i in range(n)])
    return np.sum(np.sin(m))


def triangular_comprehension(x):
    rows = [[x[i] * x[j] for j in range(i + 1)] for i in range(len(x))]
    return sum(sum(row) ** 2 for row in rows)


def comprehension_with_condition(x):
    kept = [v * v for v in x if v > 0.0]
    shifted = [[v + w for w in kept if w > v] for v in kept]
    return sum(kept) + sum(sum(r) for r in shifted)


def comprehension_in_loop(x, w):
    h = x
    for step in range(3):
        h = np.array([np.tanh(h[i] * w[i] + step) for i in range(len(h))])
    return np.sum(h)


def polynomial_sum(x):
    return sum(c * x ** k for k, c in enumerate(COEFFS))


def logsumexp_builtin(x):
    m = max(x)
    return m + math.log(sum([math.exp(v - m) for v in x]))


def clamp_three(x, lo, hi):
    return min(max(x, lo, 0.5 * lo), hi, 2.0 * hi) * x


# ---------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------

@dataclass
class Case:
    fn: object
    args: tuple
    wrts: tuple = (0,)
    label: str = ""
    rtol: float = 1e-6


def _r(*shape, seed=0, lo=-1.0, hi=1.0):
    return np.random.default_rng(seed).uniform(lo, hi, size=shape)


X23 = np.array([[0.5, -0.3, 0.8], [0.2, 0.4, -0.6]])
V3 = np.array([0.7, -0.4, 1.1])
POS3 = np.array([0.4, 1.3, 2.2])
BOTH = (0, 1, (0, 1))

CASES = [
    # straight-line code
    Case(assign_chain, (1.3, -0.7), BOTH + ("y",)),
    Case(tuple_swap, (1.3, -0.7), BOTH),
    Case(augassign_scalar, (1.3, -0.7), BOTH),
    Case(augassign_array, (V3, -0.7), BOTH),
    Case(augassign_broadcast, (X23, V3), BOTH),
    Case(arithmetic_ops, (1.7, 0.6), BOTH),
    Case(floor_div_and_mod, (3.7, 1.3), BOTH),
    Case(matmul_operator, (X23, V3), BOTH + ("v",)),
    Case(unary_minus, (1.3, -0.7), BOTH),
    Case(unary_minus_array, (V3,)),
    Case(broadcast_binary, (X23, _r(1, 3, seed=1), V3, 0.3), (0, 1, 2, 3, (0, 1, 2, 3))),
    Case(mixed_types, (0.8, V3, X23), (0, 1, 2, (0, 1, 2), "M")),
    Case(mixed_types, (np.float64(0.8), V3, X23), (0,), "numpy-scalar-arg"),
    Case(zero_d_array, (np.array(0.7), V3), BOTH),
    Case(scalar_times_array, (0.8, V3), BOTH),
    Case(math_functions, (0.8,)),
    Case(numpy_elementwise, (POS3,)),
    Case(reductions, (X23, V3), BOTH),
    Case(indexing, (V3, X23), BOTH),
    Case(transpose_ops, (X23, V3), BOTH),
    Case(overwrite_many, (0.8,)),
    Case(calls_helper, (V3, 0.6), BOTH),
    Case(unused_argument, (0.8, 1.3, V3), (0, 1, 2, (0, 1, 2))),
    Case(int_before_float, (3, 0.8), (1, "x")),
    Case(size_one_result, (V3,)),
    # conditions: each program with inputs that take every branch
    Case(comparisons, (0.5, 1.5, 2), BOTH, "lt-inrange-even"),
    Case(comparisons, (1.5, 0.5, 3), BOTH, "ge-three"),
    Case(comparisons, (2.0, 3.0, 0), BOTH, "lt-ge-outofrange"),
    Case(comparisons, (0.3, -1.0, 1), BOTH, "none"),
    Case(bool_ops, (1.0, 2.0), BOTH, "and"),
    Case(bool_ops, (1.0, -0.5), BOTH, "or-left"),
    Case(bool_ops, (-0.5, 1.5), BOTH, "or-right"),
    Case(bool_ops, (-1.0, -0.5), BOTH, "else"),
    Case(bool_ops, (3.0, -3.0), BOTH, "not-or"),
    Case(short_circuit, (2.0,), (0,), "both-true"),
    Case(short_circuit, (1.2,), (0,), "second-false"),
    Case(short_circuit, (-1.0,), (0,), "short-circuited"),
    Case(conditional_expression, (2.0, 0.5), BOTH, "x-gt-y"),
    Case(conditional_expression, (0.2, 0.3), BOTH, "sin"),
    Case(conditional_expression, (0.2, -0.3), BOTH, "neg-y"),
    Case(conditional_expression, (0.1, 0.5), BOTH, "cos"),
    Case(piecewise, (-2.0,), (0,), "if"),
    Case(piecewise, (0.2,), (0,), "elif1"),
    Case(piecewise, (1.0,), (0,), "elif2"),
    Case(piecewise, (3.0,), (0,), "else"),
    Case(branch_on_array, (np.array([0.5, -0.2, 1.1]),), (0,), "then"),
    Case(branch_on_array, (np.array([-0.5, 0.2, -1.1]),), (0,), "else"),
    Case(early_return, (-1.0, 2.0), BOTH, "first"),
    Case(early_return, (2.0, 3.0), BOTH, "second"),
    Case(early_return, (0.5, 0.5), BOTH, "end"),
    # for loops
    Case(fib_unpack, (0.3, 0.7, 6), BOTH + ("x",)),
    Case(range_loop, (0.8, 5), (0,), "n5"),
    Case(range_loop, (0.8, 1), (0,), "n1"),
    Case(range_loop, (0.8, 0), (0,), "zero-trips"),
    Case(range_computed_bounds, (0.7, 4)),
    Case(range_computed_bounds, (0.7, 7), (0,), "n7"),
    Case(loop_over_rows, (X23, V3), BOTH + ("w",)),
    Case(loop_over_list, (0.8,)),
    Case(enumerate_coeffs, (0.8,)),
    Case(enumerate_array, (V3, POS3), BOTH),
    Case(zip_arrays, (V3, POS3), BOTH),
    Case(zip_of_zips, (V3, POS3), BOTH),
    Case(zip_list_and_rows, (X23, V3), BOTH),
    Case(for_break, (1.5, 10), (0,), "breaks"),
    Case(for_break, (0.5, 10), (0,), "runs-out"),
    Case(for_continue, (1.2, 6), (0,), "data-continue"),
    Case(for_continue, (0.5, 6), (0,), "index-continue"),
    Case(index_kept, (0.7, 1), (0,), "no-trips"),
    Case(index_kept, (0.7, 4), (0,), "trips"),
    Case(return_in_loop, (1.0, 5), (0,), "returns-in-loop"),
    Case(return_in_loop, (0.2, 5), (0,), "returns-after"),
    Case(nested_two, (X23, V3), BOTH),
    Case(nested_three, (X23, _r(3, 2, seed=2)), BOTH),
    Case(nested_break, (0.8, 4)),
    Case(nested_data_break, (X23,)),
    Case(branches_in_loop, (0.9, 8), (0,), "positive"),
    Case(branches_in_loop, (-0.9, 8), (0,), "negative"),
    Case(branches_in_loop, (-1.6, 5), (0,), "below"),
    Case(loops_in_branches, (0.8, 4), (0,), "for"),
    Case(loops_in_branches, (-0.6, 4), (0,), "while"),
    Case(rnn, (_r(3, 3, seed=3), X23), BOTH),
    Case(inplace_accumulate, (V3, 4)),
    Case(indexing_in_loop, (V3, 5)),
    Case(loop_var_after_loop, (0.8, 4)),
    Case(cond_expr_in_loop, (0.8, 5)),
    Case(simulate, (50.0, 1.0, 0.5, 100), (0, 1, (0, 1), "k", (0, 1, 2)), "clipping"),
    Case(simulate, (4.0, 0.5, 0.5, 200), (0, 1, (0, 1), "k", (0, 1, 2)), "smooth"),
    # while loops
    Case(newton_sqrt, (2.0,), (0,), "2"),
    Case(newton_sqrt, (10.0,), (0,), "10"),
    Case(newton_sqrt, (0.3,), (0,), "0.3"),
    Case(halve_until_small, (3.0,), (0,), "four-trips"),
    Case(halve_until_small, (0.5,), (0,), "zero-trips"),
    Case(while_and_counter, (0.5, 10), (0,), "stops-on-data"),
    Case(while_and_counter, (0.5, 3), (0,), "stops-on-count"),
    Case(solve_cubic, (2.0,), (0,), "2"),
    Case(solve_cubic, (10.0,), (0,), "10"),
    Case(return_in_while, (1.0,), (0,), "returns"),
    Case(return_in_while, (-1.0,), (0,), "runs-out"),
    Case(while_continue, (0.8, 5)),
    Case(while_in_for, (0.7, 4)),
    Case(for_in_while, (0.5,)),
    # comprehensions, sum, max, min
    Case(nested_comprehension, (V3,)),
    Case(nested_comprehension_array, (V3, POS3), BOTH),
    Case(nested_comprehension_stack, (V3,)),
    Case(triangular_comprehension, (V3,)),
    Case(comprehension_with_condition, (np.array([0.7, -0.4, 1.1, 0.3]),)),
    Case(comprehension_in_loop, (V3, POS3), BOTH),
    Case(polynomial_sum, (0.8,)),
    Case(polynomial_sum, (np.float64(-1.3),), (0,), "numpy-scalar"),
    Case(logsumexp_builtin, (V3,)),
    Case(clamp_three, (0.3, -1.0, 0.8), (0, 1, 2, (0, 1, 2)), "x"),
    Case(clamp_three, (-0.9, -1.0, 0.8), (0, 1, 2, (0, 1, 2)), "half-lo"),
    Case(clamp_three, (-0.9, 0.2, 0.8), (0, 1, 2, (0, 1, 2)), "lo"),
    Case(clamp_three, (1.5, -1.0, 0.8), (0, 1, 2, (0, 1, 2)), "hi"),
    Case(clamp_three, (0.5, -3.0, -0.1), (0, 1, 2, (0, 1, 2)), "twice-hi"),
]


def _case_params():
    params = []
    for case in CASES:
        for wrt in case.wrts:
            name = case.fn.__name__ + (f"[{case.label}]" if case.label else "")
            params.append(pytest.param(case, wrt, id=f"{name}-wrt={wrt!r}"))
    return params


def _index(fn, w):
    if isinstance(w, str):
        return list(inspect.signature(fn).parameters).index(w)
    return w


def _reference(case, wrt):
    if isinstance(wrt, tuple):
        return tuple(numeric_grad(case.fn, case.args, _index(case.fn, w)) for w in wrt)
    return numeric_grad(case.fn, case.args, _index(case.fn, wrt))


def _check_structure(grad, arg):
    if isinstance(arg, np.ndarray):
        assert isinstance(grad, np.ndarray), f"array argument gave {type(grad).__name__}"
        assert grad.shape == arg.shape
        assert grad.dtype.kind == "f"
    else:
        assert isinstance(grad, float) and not isinstance(grad, np.ndarray), \
            f"float argument gave {type(grad).__name__} {grad!r}"


def _check_grad(case, wrt, got):
    expected = _reference(case, wrt)
    if isinstance(wrt, tuple):
        assert isinstance(got, tuple) and len(got) == len(wrt)
        pairs = [(g, e, case.args[_index(case.fn, w)]) for g, e, w in zip(got, expected, wrt)]
    else:
        pairs = [(got, expected, case.args[_index(case.fn, wrt)])]
    for g, e, arg in pairs:
        _check_structure(g, arg)
        assert_close(g, e, rtol=case.rtol)


@pytest.mark.parametrize("case, wrt", _case_params())
def test_grad_matches_finite_differences(case, wrt):
    before = copy.deepcopy(case.args)
    got = sg.grad(case.fn, wrt=wrt)(*case.args)
    for a, b in zip(case.args, before):
        np.testing.assert_array_equal(a, b, err_msg="the derivative mutated an argument")
    _check_grad(case, wrt, got)


@pytest.mark.parametrize("case, wrt", _case_params())
def test_value_and_grad(case, wrt):
    value, got = sg.value_and_grad(case.fn, wrt=wrt)(*case.args)
    assert_close(value, case.fn(*case.args), rtol=1e-12, atol=1e-14)
    _check_grad(case, wrt, got)


def test_corpus_size():
    assert len({case.fn for case in CASES}) >= 45


# ---------------------------------------------------------------------------
# API surface
# ---------------------------------------------------------------------------

def test_bare_decorator():
    @sg.grad
    def d_cube(x):
        return x * x * x

    assert_close(d_cube(2.0), 12.0)
    assert isinstance(d_cube.source, str) and "def" in d_cube.source
    assert sg.source(d_cube) == d_cube.source


def test_decorator_with_options():
    @sg.grad(wrt=(0, 1))
    def d_product(x, y):
        s = 0.0
        for i in range(3):
            s = s + x * y * i
        return s

    gx, gy = d_product(2.0, 5.0)
    assert_close(gx, 15.0)
    assert_close(gy, 6.0)


def test_source_of_loop_derivative():
    df = sg.grad(simulate, wrt=(0, 1))
    df(50.0, 1.0, 0.5, 10)
    assert isinstance(df.source, str) and "def" in df.source
    assert sg.source(df) == df.source


def with_defaults(x, scale=2.0, n=3):
    s = x
    for i in range(n):
        s = np.sin(s) * scale
    return s


def test_derivative_keeps_the_signature():
    df = sg.grad(with_defaults)
    expected = numeric_grad(with_defaults, (0.7, 2.0, 3), 0)
    assert_close(df(0.7), expected)
    assert_close(df(x=0.7), expected)
    assert_close(df(0.7, n=3, scale=2.0), expected)
    d_scale = sg.grad(with_defaults, wrt="scale")
    assert_close(d_scale(0.7, scale=1.5, n=4), numeric_grad(with_defaults, (0.7, 1.5, 4), 1))


def vector_output(x):
    return np.sin(x)


def test_grad_of_non_scalar_names_vjp_and_jacobian():
    with pytest.raises(Exception) as info:
        sg.grad(vector_output)(V3)
    message = str(info.value)
    assert "vjp" in message and "jacobian" in message, message


def int_argument(x, n):
    return x * n


@pytest.mark.parametrize("wrt", [1, "n"])
def test_grad_wrt_int_argument_is_an_error(wrt):
    with pytest.raises((sg.S2SGradError, TypeError, ValueError)) as info:
        sg.grad(int_argument, wrt=wrt)(2.0, 3)
    message = str(info.value).lower()
    assert "int" in message or "differentiab" in message, message


# ---------------------------------------------------------------------------
# threads
# ---------------------------------------------------------------------------

def threaded_loop(x, w, n):
    s = 0.0
    for i in range(n):
        if s > 2.0:
            s = s * 0.5
        s = s + np.tanh(w * x[i % 3]) ** 2 + x.sum() * w / (i + 1)
    return s


def threaded_loop_cold(x, w, n):
    s = 0.0
    for i in range(n):
        if s > 2.0:
            s = s * 0.5
        s = s + np.tanh(w * x[i % 3]) ** 2 + x.sum() * w / (i + 1)
    return s


def _thread_inputs():
    rng = np.random.default_rng(7)
    return [(rng.uniform(-1, 1, 3), float(rng.uniform(0.2, 2.0)), int(n))
            for n in rng.integers(3, 40, size=64)]


def _assert_same(results, reference):
    for (gx, gw), (rx, rw) in zip(results, reference):
        np.testing.assert_array_equal(gx, rx)
        assert gw == rw


def test_threads_share_one_derivative():
    df = sg.grad(threaded_loop, wrt=(0, 1))
    inputs = _thread_inputs()
    reference = [df(*args) for args in inputs]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda args: df(*args), inputs))
    _assert_same(results, reference)
    _check_grad(Case(threaded_loop, inputs[0]), (0, 1), reference[0])


def test_threads_first_call_at_once():
    # All threads make the very first call together, so any lazy compilation races.
    df = sg.grad(threaded_loop_cold, wrt=(0, 1))
    inputs = _thread_inputs()[:8]
    barrier = threading.Barrier(8)

    def call(args):
        barrier.wait()
        return df(*args)

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(call, inputs))
    reference = [df(*args) for args in inputs]
    _assert_same(results, reference)
