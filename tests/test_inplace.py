"""In-place array updates, views and aliasing, indexing reads, and lists.

Every program below is differentiated with ``sg.grad`` and ``sg.value_and_grad``
and compared with central finite differences of the Python function itself
(each evaluation on a fresh deep copy of the arguments, so functions that
write into their arguments are measured correctly).  The value returned by
``value_and_grad`` must equal ``f(*args)``, and the derivative call must leave
the arguments unchanged when the function works on copies.

Sections:

* in-place writes ``u[i] = v``, ``u[i, j] = v``, slices, steps, boolean masks,
  integer index arrays, every augmented operator on elements and slices,
  arrays made by ``np.zeros`` / ``np.empty`` / ``np.zeros_like`` / ``.copy()``
  and filled in loops (recurrence, stencils, heat equation), writes in branches
  and nested loops, reads before and after an overwrite, writes into an
  argument;
* an index that repeats an element on the left of ``=`` is an error;
* views and aliases: either ``S2SGradError`` naming a line of the function, or
  the value and the derivative of Python's own semantics -- never a wrong number;
* indexing reads (integers, negative indices, steps, ``...``, ``None``, index
  arrays with repeats, masks, rows in loops);
* the reverse sweep of a loop of writes is linear in its length;
* ``lst.append`` in loops; ``lst.sort()``, ``x.fill``, ``np.copyto`` refused.
"""
import copy
import gc
import inspect
import math
import os
import time

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close

THIS_FILE = os.path.basename(__file__)
MARKER = "# <-- here"

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


# ---------------------------------------------------------------------------
# finite differences over any argument (float, array, or containers of these)
# ---------------------------------------------------------------------------

def _leaf_paths(obj, prefix=()):
    if isinstance(obj, dict):
        for k in obj:
            yield from _leaf_paths(obj[k], prefix + (k,))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _leaf_paths(v, prefix + (i,))
    else:
        yield prefix, obj


def _replace(obj, path, new):
    if not path:
        return new
    k, rest = path[0], path[1:]
    if isinstance(obj, dict):
        out = dict(obj)
        out[k] = _replace(obj[k], rest, new)
        return out
    out = list(obj)
    out[k] = _replace(obj[k], rest, new)
    return tuple(out) if isinstance(obj, tuple) else out


def fd_grad(f, args, argnum, eps=1e-6):
    """Central differences of sum(f(*args)) w.r.t. args[argnum], one leaf element at a time."""
    args = list(args)

    def evaluate(value):
        a = copy.deepcopy(args)
        a[argnum] = copy.deepcopy(value)
        return float(np.sum(f(*a)))

    x = args[argnum]
    result = x
    for path, leaf in _leaf_paths(x):
        if isinstance(leaf, np.ndarray):
            g = np.zeros(leaf.shape)
            for idx in np.ndindex(leaf.shape):
                vals = []
                for step in (eps, -eps):
                    y = np.array(leaf, dtype=np.float64)
                    y[idx] += step
                    vals.append(evaluate(_replace(x, path, y)))
                g[idx] = (vals[0] - vals[1]) / (2 * eps)
        else:
            g = (evaluate(_replace(x, path, float(leaf) + eps))
                 - evaluate(_replace(x, path, float(leaf) - eps))) / (2 * eps)
        result = _replace(result, path, g)
    return result


def assert_tree_close(actual, expected, rtol=1e-6, atol=1e-8):
    """Same structure (dict keys, list/tuple, float vs array and shapes) and close leaves."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"expected a dict, got {type(actual).__name__}"
        assert list(actual.keys()) == list(expected.keys()) or set(actual) == set(expected)
        for k in expected:
            assert_tree_close(actual[k], expected[k], rtol, atol)
    elif isinstance(expected, (list, tuple)):
        assert type(actual) is type(expected), f"expected {type(expected).__name__}, got {type(actual).__name__}"
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_tree_close(a, e, rtol, atol)
    elif isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray), f"expected an ndarray, got {type(actual).__name__}"
        assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
        assert_close(actual, expected, rtol=rtol, atol=atol)
    else:
        assert isinstance(actual, float) and not isinstance(actual, np.ndarray), \
            f"expected a float, got {type(actual).__name__}"
        assert_close(actual, expected, rtol=rtol, atol=atol)


def assert_tree_equal(actual, expected):
    for (pa, a), (pe, e) in zip(_leaf_paths(actual), _leaf_paths(expected)):
        assert pa == pe
        assert np.array_equal(np.asarray(a), np.asarray(e)), f"argument leaf {pa} was modified"


def check(f, args, wrt=0, mutates=False):
    """grad and value_and_grad of f against finite differences and f itself."""
    wrts = wrt if isinstance(wrt, tuple) else (wrt,)
    expected_value = f(*copy.deepcopy(args))
    expected = tuple(fd_grad(f, args, w) for w in wrts)

    call_args = copy.deepcopy(args)
    g = sg.grad(f, wrt=wrt)(*call_args)
    if not mutates:
        assert_tree_equal(call_args, args)
    got = g if isinstance(wrt, tuple) else (g,)
    assert isinstance(got, tuple) and len(got) == len(wrts)
    for a, e in zip(got, expected):
        assert_tree_close(a, e)

    call_args = copy.deepcopy(args)
    value, g = sg.value_and_grad(f, wrt=wrt)(*call_args)
    if not mutates:
        assert_tree_equal(call_args, args)
    assert_close(value, expected_value, rtol=1e-12, atol=1e-12)
    got = g if isinstance(wrt, tuple) else (g,)
    for a, e in zip(got, expected):
        assert_tree_close(a, e)


def _function_lines(fn):
    lines, start = inspect.getsourcelines(fn)
    return range(start, start + len(lines))


def _marked_lines(fn):
    lines, start = inspect.getsourcelines(fn)
    return {start + i: line.split("#")[0].strip() for i, line in enumerate(lines) if MARKER in line}


def assert_names_a_line(err, fn, lines=None):
    """The error names this file and one of `lines` (default: any line of fn)."""
    text = str(err)
    lines = _function_lines(fn) if lines is None else lines
    assert any(f"{THIS_FILE}:{n}" in text for n in lines), \
        f"error does not name a line of {fn.__name__} in {THIS_FILE}:\n{text}"


def check_or_refuse(f, args, wrt=0, mutates=True):
    """Either an S2SGradError naming a line of f, or the right value and derivative."""
    try:
        check(f, args, wrt, mutates=mutates)
    except sg.S2SGradError as err:
        assert_names_a_line(err, f)


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

X5 = np.array([0.7, -1.3, 0.4, 1.1, -0.6])
X6 = np.array([0.3, -0.8, 1.2, 0.5, -1.1, 0.9])
V3 = np.array([0.6, -0.4, 1.3])
V2 = np.array([0.8, -1.5])
A23 = np.array([[0.5, -1.2, 0.8], [1.4, 0.3, -0.7]])
A34 = np.array([[0.5, -1.2, 0.8, 0.2], [1.4, 0.3, -0.7, -0.9], [0.6, 1.1, -0.4, 0.35]])
A44 = np.array([[0.5, -1.2, 0.8, 0.2], [1.4, 0.3, -0.7, -0.9],
                [0.6, 1.1, -0.4, 0.35], [-0.25, 0.45, 0.9, -0.6]])
T234 = np.linspace(-1.0, 1.3, 24).reshape(2, 3, 4) + 0.01
Y = 0.75
NEG_Y = -0.6


# ---------------------------------------------------------------------------
# in-place writes
# ---------------------------------------------------------------------------

def set_elem(x, y):
    u = x.copy()
    u[1] = y * 2.0
    u[3] = x[0] * u[2]
    u[-1] = u[1] * y
    return np.sum(u * u * x)


def set_elem_2d(A, y):
    u = A.copy()
    u[0, 1] = y * A[1, 2]
    u[1, 0] = u[0, 1] * u[1, 1]
    u[-1, -1] = np.sin(u[0, 0])
    return np.sum(u * A) + np.sum(u ** 2)


def set_row_2d(A, x):
    u = A.copy()
    u[1] = x[:3] * 2.0
    u[0, :] = u[1] * A[0]
    u[:, 2] = u[:, 0] * x[3]
    return np.sum(u * u)


def set_interior_slice(x):
    u = x.copy()
    u[1:-1] = x[:-2] * x[2:] + u[1:-1]
    return np.sum(u * np.sin(u))


def set_step_slice(x, v):
    u = np.zeros(6)
    u[::2] = v * 2.0
    u[1::2] = x[:3] * u[::2]
    u[::-3] = x[4] * v[:2]
    return np.sum(u * x) + np.sum(u ** 2)


def set_mask(x, y):
    u = x.copy()
    mask = x > 0
    u[mask] = x[mask] ** 2 * y
    u[u < -1.0] = y
    return np.sum(u * x)


def set_mask_2d(A):
    u = A * 1.5
    u[A < 0] = 0.0
    u[u > 1.0] = A[u > 1.0] * A[u > 1.0]
    return np.sum(u * u * A)


def set_index_array(x, v, idx):
    u = x.copy()
    u[idx] = v * x[idx]
    return np.sum(u * u)


def set_index_list(x, v):
    u = x.copy()
    u[[4, 1]] = v
    u[np.array([0, 2])] = u[[1, 3]] * v
    return np.sum(u * x)


def set_fancy_2d(A, v):
    u = A.copy()
    u[[0, 1], [2, 0]] = v * A[0, 0]
    return np.sum(u * A)


def set_scalar_broadcast(x, y):
    u = x.copy()
    u[1:4] = y
    u[::2] = u[1] * x[0]
    return np.sum(u * x)


# augmented operators on elements
def aug_add_elem(x, y):
    u = x.copy()
    u[1] += y * x[2]
    u[1] += u[0]
    return np.sum(u * u)


def aug_sub_elem(x, y):
    u = x.copy()
    u[2] -= y * x[0]
    u[-1] -= u[2] * u[2]
    return np.sum(u * u)


def aug_mul_elem(x, y):
    u = x.copy()
    u[1] *= y
    u[3] *= u[1]
    return np.sum(u * x)


def aug_div_elem(x, y):
    u = x.copy()
    u[1] /= y
    u[0] /= u[3]
    return np.sum(u * u)


def aug_pow_elem(x, y):
    u = x.copy()
    u[2] **= y
    u[1] **= 3
    return np.sum(u * x)


def aug_all_elem_2d(A, y):
    u = A.copy()
    u[0, 1] += y
    u[1, 2] -= y * u[0, 0]
    u[1, 1] *= y
    u[0, 2] /= y
    u[1, 0] **= 2
    return np.sum(u * A)


# augmented operators on slices
def aug_add_slice(x, v):
    u = x.copy()
    u[1:4] += v
    return np.sum(u * u)


def aug_sub_slice(x, v):
    u = x.copy()
    u[1:4] -= v * x[:3]
    return np.sum(u * u)


def aug_mul_slice(x, v):
    u = x.copy()
    u[1:4] *= v
    u[::2] *= x[0]
    return np.sum(u * x)


def aug_div_slice(x, v):
    u = x.copy()
    u[1:4] /= v
    return np.sum(u * x)


def aug_pow_slice(x, y):
    u = x.copy()
    u[2:4] **= y
    u[::2] **= 2
    return np.sum(u * x)


def aug_mask_and_index(x, v):
    u = x.copy()
    u[x > 0] *= 2.0 * x[x > 0]
    u[np.array([0, 3, 4])] += v
    u[[1, 2]] -= v[:2] * u[0]
    return np.sum(u * u)


def aug_slice_2d(A, x):
    u = A.copy()
    u[:, 1:] += x[:2]
    u[1, :] *= x[2]
    u[0] /= 1.5 + x[0] * x[0]
    u[:, :2] **= 2
    return np.sum(u * A)


# arrays made by zeros / empty / zeros_like / copy, filled in loops
def fill_zeros_loop(x):
    n = x.shape[0]
    u = np.zeros(n)
    for i in range(n):
        u[i] = x[i] * x[i] + 1.0
    return np.sum(np.sin(u))


def fill_empty_loop(x):
    n = len(x)
    u = np.empty(n)
    u[0] = x[0]
    for i in range(1, n):
        u[i] = u[i - 1] * 0.5 + np.cos(x[i])
    return np.sum(u * u)


def fill_empty_2d(A):
    m, n = A.shape
    u = np.empty((m, n))
    for i in range(m):
        for j in range(n):
            u[i, j] = A[i, j] * (i + 1.0) - A[m - 1 - i, j] * A[i, j]
    return np.sum(u ** 2)


def fill_zeros_like(x, a):
    u = np.zeros_like(x)
    u[0] = x[0]
    for i in range(1, len(x)):
        u[i] = a * u[i - 1] + x[i] * x[i]
    return np.sum(u * x)


def recurrence_copy(x, a):
    u = x.copy()
    for i in range(1, len(u)):
        u[i] = a * u[i - 1] + u[i] * x[i]
    return np.sum(u * u)


def stencil_2d(A):
    u = A.copy()
    m, n = u.shape
    for i in range(1, m - 1):
        for j in range(1, n - 1):
            u[i, j] = 0.25 * (u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1]) * A[i, j]
    return np.sum(u * u)


def stencil_2d_slices(A, r):
    u = A.copy()
    for t in range(3):
        u[1:-1, 1:-1] = u[1:-1, 1:-1] + r * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2]
                                             + u[1:-1, 2:] - 4 * u[1:-1, 1:-1])
    return np.sum(u * u * A)


def heat(u0, r):
    u = u0.copy()
    for t in range(5):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.sum(u * u)


# writes in branches and nested loops
def clip_positive(x):
    u = x.copy()
    for i in range(len(u)):
        if u[i] > 0:
            u[i] = 0.0
    return np.sum(u * x)


def branch_write(x, y):
    u = x * 1.5
    for i in range(len(u)):
        if u[i] > 0:
            u[i] = u[i] * y
        else:
            u[i] = -u[i] + y * x[i]
    if u[0] > 0:
        u[1] = u[0] * x[1]
    else:
        u[2] += u[0]
    return np.sum(u * u)


def nested_loops(A, w):
    m, n = A.shape
    u = np.zeros((m, n))
    for i in range(m):
        for j in range(n):
            if i > 0:
                u[i, j] = u[i - 1, j] * w[j] + A[i, j]
            else:
                u[i, j] = A[i, j] * w[j]
    return np.sum(u * u)


def triangular_nested(x):
    n = len(x)
    u = np.zeros(n)
    for i in range(n):
        for j in range(i):
            u[i] += x[j] * u[j] + x[i]
        u[i] += x[i]
    return np.sum(u ** 2)


def while_write(x):
    u = x.copy()
    i = 0
    while i < len(u) - 1:
        u[i + 1] = u[i + 1] + 0.5 * u[i] * u[i]
        i += 1
    return np.sum(u)


# reads before and after overwrites
def read_before_after(x):
    u = x.copy()
    a = np.sum(u * u)
    u[1] = 3 * u[0]
    b = np.sum(u * x)
    return a + b


def read_before_after_slice(x):
    u = x.copy()
    head = u[:3] * 2.0
    first = u[0] * 1.0
    u[:3] = u[3:] * x[:3]
    u[0] = u[0] * first
    return np.sum(head * u[:3]) + first * u[0]


def read_before_after_loop(x):
    u = x.copy()
    s = 0.0
    for i in range(1, len(x)):
        old = u[i] * 1.0
        u[i] = u[i - 1] * x[i]
        s = s + old * u[i]
    return s + np.sum(u)


def overwrite_many_times(x, y):
    u = x.copy()
    total = 0.0
    for t in range(3):
        total = total + np.sum(u * u)
        u[0] = u[1] * y
        u[1] = u[0] + u[2]
        u[2:] = u[2:] * u[0]
    return total + np.sum(u)


def recurrence_last(x, a):
    u = x.copy()
    for i in range(1, len(u)):
        u[i] = a * u[i - 1] + x[i]
    return u[-1] * u[0]


def loop_then_write(x):
    u = x.copy()
    for i in range(len(u)):
        u[i] = x[i] * 2.0
    u[1] = 1.0
    return np.sum(u * u)


def loop_then_branch_write(x):
    u = x.copy()
    for i in range(len(u)):
        u[i] = u[i] * 2.0
    if u[0] > 0:
        u[1] = x[2] * x[0]
    return np.sum(u * u)


def element_read_held_across_write(x):
    u = x.copy()
    old = u[1]
    u[1] = 2.0 * x[0]
    return np.sum(u * x) + old * old


def swap_elements(x):
    u = x.copy()
    for i in range(len(u) - 1):
        if u[i] > u[i + 1]:
            tmp = u[i]
            u[i] = u[i + 1]
            u[i + 1] = tmp
    return np.sum(u * np.arange(1.0, len(u) + 1.0))


# writes into an argument
def mutate_arg(x):
    x[1] = x[0] * 2.0
    x[2] += x[3] * x[1]
    return np.sum(x * x)


def mutate_arg_loop(x, a):
    for i in range(1, len(x)):
        x[i] = a * x[i - 1] + x[i]
    return np.sum(x ** 2)


def mutate_arg_slice(x, v):
    x[1:4] *= v
    x[0] = np.sum(x[1:])
    return np.sum(x * x)


# A time loop that makes its next state fresh in every pass and writes into it: the
# state carried from the last pass is read after the write, but is older than the new array.
def jacobi_sweeps(x, y):
    u = x.copy()
    for sweep in range(3):
        u_new = u.copy()
        for i in range(1, len(u) - 1):
            u_new[i] = 0.5 * (u[i - 1] + u[i + 1]) + y
        u = u_new
    return np.sum(u * x)


def leapfrog_buffers(x, y):
    u_prev = x.copy()
    u = x * y
    for t in range(4):
        u_next = np.empty(len(u))
        u_next[1:-1] = 2 * u[1:-1] - u_prev[1:-1] + y * (u[2:] - 2 * u[1:-1] + u[:-2])
        u_next[0] = u[1]
        u_next[-1] = 0.0
        u_prev, u = u, u_next
    return np.sum(u ** 2) + np.sum(u_prev * x)


def fresh_in_while(x, y):
    u = x.copy()
    n = 0
    while np.sum(u ** 2) < 40.0 and n < 20:
        w = np.zeros_like(u)
        w[:] = u * (1.0 + y)
        w[0] = u[-1]
        u = w
        n += 1
    return np.sum(u * x)


INPLACE = [
    (jacobi_sweeps, (X5, Y), (0, 1)),
    (leapfrog_buffers, (X5, Y), (0, 1)),
    (fresh_in_while, (X5, Y), (0, 1)),
    (set_elem, (X5, Y), (0, 1)),
    (set_elem_2d, (A23, Y), (0, 1)),
    (set_row_2d, (A23, X5), (0, 1)),
    (set_interior_slice, (X6,), (0,)),
    (set_step_slice, (X6, V3), (0, 1)),
    (set_mask, (X5, Y), (0, 1)),
    (set_mask_2d, (A34,), (0,)),
    (set_index_array, (X5, V3, np.array([3, 0, 2])), (0, 1)),
    (set_index_list, (X5, V2), (0, 1)),
    (set_fancy_2d, (A23, V2), (0, 1)),
    (set_scalar_broadcast, (X5, Y), (0, 1)),
    (aug_add_elem, (X5, Y), (0, 1)),
    (aug_sub_elem, (X5, Y), (0, 1)),
    (aug_mul_elem, (X5, Y), (0, 1)),
    (aug_div_elem, (X5, Y), (0, 1)),
    (aug_pow_elem, (X5, Y), (0, 1)),
    (aug_all_elem_2d, (A23, Y), (0, 1)),
    (aug_add_slice, (X5, V3), (0, 1)),
    (aug_sub_slice, (X5, V3), (0, 1)),
    (aug_mul_slice, (X5, V3), (0, 1)),
    (aug_div_slice, (X5, V3), (0, 1)),
    (aug_pow_slice, (X5, Y), (0, 1)),
    (aug_mask_and_index, (X5, V3), (0, 1)),
    (aug_slice_2d, (A23, V3), (0, 1)),
    (fill_zeros_loop, (X5,), (0,)),
    (fill_empty_loop, (X5,), (0,)),
    (fill_empty_2d, (A34,), (0,)),
    (fill_zeros_like, (X5, Y), (0, 1)),
    (recurrence_copy, (X6, Y), (0, 1)),
    (stencil_2d, (A44,), (0,)),
    (stencil_2d_slices, (A44, 0.15), (0, 1)),
    (heat, (X6, 0.2), (0, 1)),
    (clip_positive, (X5,), (0,)),
    (branch_write, (X5, Y), (0, 1)),
    (branch_write, (-X5, Y), (0, 1)),
    (nested_loops, (A34, np.array([0.9, -0.5, 1.1, 0.3])), (0, 1)),
    (triangular_nested, (X5 * 0.5,), (0,)),
    (while_write, (X5,), (0,)),
    (read_before_after, (X5,), (0,)),
    (read_before_after_slice, (X6,), (0,)),
    (read_before_after_loop, (X5,), (0,)),
    (overwrite_many_times, (X5, Y), (0, 1)),
    (recurrence_last, (X5, Y), (0, 1)),
    (loop_then_write, (X5,), (0,)),
    (loop_then_branch_write, (X5,), (0,)),
    (loop_then_branch_write, (-X5,), (0,)),
    (element_read_held_across_write, (X5,), (0,)),
    (swap_elements, (X5,), (0,)),
]

MUTATING = [
    (mutate_arg, (X5,), (0,)),
    (mutate_arg_loop, (X5, Y), (0, 1)),
    (mutate_arg_slice, (X5, V3), (0, 1)),
]


def _cases(table):
    out = []
    for k, (fn, args, wrts) in enumerate(table):
        for w in wrts:
            out.append(pytest.param(fn, args, w, id=f"{fn.__name__}-{k}-wrt{w}"))
        if len(wrts) > 1:
            out.append(pytest.param(fn, args, tuple(wrts), id=f"{fn.__name__}-{k}-wrt{wrts}"))
    return out


@pytest.mark.parametrize("fn, args, wrt", _cases(INPLACE))
def test_inplace_writes(fn, args, wrt):
    check(fn, args, wrt)


@pytest.mark.parametrize("fn, args, wrt", _cases(MUTATING))
def test_writes_into_argument(fn, args, wrt):
    check(fn, args, wrt, mutates=True)


def test_writes_into_argument_repeated_calls():
    """The derivative is that of the function at the array passed, on every call."""
    df = sg.grad(mutate_arg_loop, wrt=(0, 1))
    for _ in range(2):
        x = X5.copy()
        gx, ga = df(x, Y)
        assert_close(gx, fd_grad(mutate_arg_loop, (X5, Y), 0))
        assert_close(ga, fd_grad(mutate_arg_loop, (X5, Y), 1))


def test_inplace_function_reused_with_other_inputs():
    """The compile cache must not bake in shapes or masks of the first call."""
    for x in (X5, X6, -X6, np.linspace(-0.93, 1.07, 9)):
        check(set_mask, (x, Y), (0, 1))
        check(heat, (x, 0.1), (0, 1))
    check(set_index_array, (X5, V2, np.array([4, 1])), (0, 1))


# ---------------------------------------------------------------------------
# repeated indices on the left of `=`
# ---------------------------------------------------------------------------

def repeat_literal(x, v):
    u = x.copy()
    u[[0, 2, 2]] = v
    return np.sum(u * x)


def repeat_aug(x, v):
    u = x.copy()
    u[[0, 2, 2]] += v
    return np.sum(u * x)


@pytest.mark.parametrize("variant", ["grad", "value_and_grad"])
def test_repeated_index_assignment_raises(variant):
    df = getattr(sg, variant)(repeat_literal, wrt=(0, 1))
    with pytest.raises(sg.S2SGradError):
        df(X5.copy(), V3.copy())


@pytest.mark.parametrize("variant", ["grad", "value_and_grad"])
def test_repeated_index_array_raises_at_call_time(variant):
    df = getattr(sg, variant)(set_index_array, wrt=(0, 1))
    # fine without repeats ...
    df(X5.copy(), V3.copy(), np.array([1, 3, 4]))
    # ... and refused when the data repeats an element
    with pytest.raises(sg.S2SGradError):
        df(X5.copy(), V3.copy(), np.array([1, 3, 1]))


def test_repeated_index_augmented_refused_or_right():
    try:
        check(repeat_aug, (X5, V3), (0, 1))
    except sg.S2SGradError:
        pass


@pytest.mark.parametrize("fn, args", [
    (repeat_literal, (X5, V3)),
    (set_index_array, (X5, V3, np.array([1, 3, 1]))),
])
def test_repeated_index_error_names_the_line(fn, args):
    """Like every S2SGradError, the call-time refusal names the file and line of the assignment."""
    with pytest.raises(sg.S2SGradError) as info:
        sg.grad(fn, wrt=(0, 1))(*copy.deepcopy(args))
    lines, start = inspect.getsourcelines(fn)
    line = next(start + i for i, text in enumerate(lines) if "] = v" in text)
    assert_names_a_line(info.value, fn, [line])


# ---------------------------------------------------------------------------
# views and aliases: an error naming the line, or Python's semantics exactly
# ---------------------------------------------------------------------------

def view_written_base_read(x, y):
    u = x.copy()
    v = u[2:]
    v[0] = y * 1.0
    return np.sum(u * x)


def view_written_in_loop(x):
    u = x.copy()
    v = u[1:]
    for i in range(len(v)):
        v[i] = v[i] * x[i]
    return np.sum(u * u)


def base_written_view_read(x):
    u = x.copy()
    row = u[1:]
    u[1] = 5.0 * x[0]
    return np.sum(row * x[1:])


def base_written_view_read_plain(x):
    u = x.copy()
    row = u[1:]
    u[1] = 5.0
    return np.sum(row)


def base_written_in_loop_view_read(x):
    u = x.copy()
    tail = u[2:]
    for i in range(1, len(u)):
        u[i] = u[i - 1] * x[i]
    return np.sum(tail * x[2:])


def row_view_2d(A, y):
    u = A.copy()
    row = u[0]
    row[1] = y
    return np.sum(u * A)


def chained_index_write(A, y):
    u = A.copy()
    u[0][1] = y * A[1, 1]
    return np.sum(u * u)


def transpose_view_write(A, y):
    u = A.copy()
    t = u.T
    t[1, 0] = y
    return np.sum(u * A)


def reshape_view_write(A, y):
    u = A.copy()
    flat = u.reshape(-1)
    flat[2] = y * flat[0]
    return np.sum(u * A)


def asarray_alias_write(x, y):
    u = x.copy()
    w = np.asarray(u)
    w[0] = y
    return np.sum(u * x)


def view_aug_whole(x):
    u = x.copy()
    v = u[1:]
    v *= 2.0
    return np.sum(u * x)


def view_of_arg_aug(x):
    v = x[1:]
    v += 1.0
    return np.sum(x * x)


def row_view_aug(A, y):
    u = A.copy()
    row = u[0]
    row *= y
    return np.sum(u * A)


def name_alias_write(x, y):
    u = x.copy()
    w = u
    w[0] = y
    return np.sum(u * x)


def alias_aug_whole(x):
    u = x * 2.0
    w = u
    w += x
    return np.sum(u * x)


def alias_mul_whole(x):
    u = x.copy()
    w = u
    w *= x
    return np.sum(u)


def alias_aug_arg(x):
    y = x
    y += 1.0
    return np.sum(y * x)


def alias_arg_loop(x):
    u = x
    for i in range(1, len(u)):
        u[i] = u[i - 1] * 0.5 + u[i]
    return np.sum(u * x)


def alias_arg_then_read(x, y):
    u = x
    u[0] = y
    return np.sum(x * x)


def alias_branch(x, y):
    u = x.copy()
    v = x * 2.0
    if y > 0:
        w = u
    else:
        w = v
    w[0] = y
    return np.sum(u * x) + np.sum(v * v)


def _set_first(a, value):
    a[0] = value
    return 0.0


def helper_mutates(x, y):
    u = x.copy()
    _set_first(u, y * 2.0)
    return np.sum(u * x)


def _scale(a, s):
    a *= s


def helper_aug_whole(x, y):
    u = x.copy()
    _scale(u, y)
    return np.sum(u * x)


def list_holds_array(x, y):
    u = x.copy()
    lst = [u]
    lst[0][1] = y
    return np.sum(u * x)


def contiguous_alias_write(x, y):
    # np.ascontiguousarray returns its argument itself when it is already contiguous
    u = x.copy()
    w = np.ascontiguousarray(u)
    w[0] = y * x[1]
    return np.sum(u * x)


def swapped_buffers(x, y):
    # two arrays swapped each pass, none made anew: the write's array is carried
    a = x.copy()
    b = x * y
    for t in range(3):
        b[1:] = a[1:] + y * a[:-1]
        a, b = b, a
    return np.sum(a * x) + np.sum(b)


def fresh_then_view_of_old(x, y):
    u = x.copy()
    for t in range(3):
        new = u * 0.5
        old_row = u[1:3]
        new[1] = y * old_row[0]
        u = new + old_row[1]
    return np.sum(u * x)


ALIASING = [
    (swapped_buffers, (X5, Y), (0, 1)),
    (contiguous_alias_write, (X5, Y), (0, 1)),
    (fresh_then_view_of_old, (X5, Y), (0, 1)),
    (view_written_base_read, (X5, Y), (0, 1)),
    (view_written_in_loop, (X5,), (0,)),
    (base_written_view_read, (X5,), (0,)),
    (base_written_view_read_plain, (X5,), (0,)),
    (base_written_in_loop_view_read, (X5,), (0,)),
    (row_view_2d, (A23, Y), (0, 1)),
    (chained_index_write, (A23, Y), (0, 1)),
    (transpose_view_write, (A23, Y), (0, 1)),
    (reshape_view_write, (A23, Y), (0, 1)),
    (asarray_alias_write, (X5, Y), (0, 1)),
    (view_aug_whole, (X5,), (0,)),
    (view_of_arg_aug, (X5,), (0,)),
    (row_view_aug, (A23, Y), (0, 1)),
    (name_alias_write, (X5, Y), (0, 1)),
    (alias_aug_whole, (X5,), (0,)),
    (alias_mul_whole, (X5,), (0,)),
    (alias_aug_arg, (X5,), (0,)),
    (alias_arg_loop, (X5,), (0,)),
    (alias_arg_then_read, (X5, Y), (0, 1)),
    (alias_branch, (X5, Y), (0, 1)),
    (alias_branch, (X5, NEG_Y), (0, 1)),
    (helper_mutates, (X5, Y), (0, 1)),
    (helper_aug_whole, (X5, Y), (0, 1)),
    (list_holds_array, (X5, Y), (0, 1)),
]


@pytest.mark.parametrize("fn, args, wrt", _cases(ALIASING))
def test_views_and_aliases_refused_or_right(fn, args, wrt):
    check_or_refuse(fn, args, wrt, mutates=True)


def test_views_and_aliases_keep_copies_unchanged():
    """Where the function works on copies, a successful derivative call leaves the arguments alone."""
    for fn, args, wrts in ALIASING:
        if fn in (alias_aug_arg, alias_arg_loop, alias_arg_then_read, view_of_arg_aug):
            continue                         # these write into their argument on purpose
        call_args = copy.deepcopy(args)
        try:
            sg.grad(fn, wrt=tuple(wrts))(*call_args)
        except sg.S2SGradError:
            continue
        assert_tree_equal(call_args, args)


# ---------------------------------------------------------------------------
# indexing reads
# ---------------------------------------------------------------------------

def read_int(x):
    return x[2] * x[0] ** 2 + x[1]


def read_negative(x):
    return x[-1] * x[-2] + x[-6] ** 2


def read_slice_steps(x):
    return np.sum(x[1:5:2] * x[::3]) + np.sum(x[::-1] * x) + np.sum(x[4:0:-2] ** 2)


def read_ellipsis(T):
    return np.sum(T[..., 1] ** 2) + np.sum(T[0, ...] * T[1, ...]) + np.sum(T[..., 1:3, 0])


def read_newaxis(x):
    return np.sum(np.sin(x[None, :] * x[:, np.newaxis])) + np.sum(x[:, None, None] ** 2)


def read_rows_cols(A):
    return np.sum(A[0, :] * A[1, :]) + np.sum(A[:, 1:3] ** 2) + np.sum(A[1] * A[-1]) + A[1][2] * A[0, 3]


def read_steps_2d(A):
    return np.sum(A[::-1, ::2] * A[:, 1::2]) + np.sum(A[1:, -1] ** 3)


def read_repeated_literal(x):
    return np.sum(x[[0, 2, 2, 1]] ** 2) + np.sum(x[[5, 5]] * x[0])


def read_repeated_array(x, idx):
    return np.sum(np.sin(x[idx]) * x[idx])


def read_fancy_2d(A):
    return np.sum(A[[0, 2, 0], [1, 3, 1]] ** 2) + np.sum(A[1:, [0, 0, 2]] * A[:2, [3, 1, 1]])


def read_mask(x):
    return np.sum(x[x > 0] ** 3) + np.sum(x[x < 0] * x[0])


def read_mask_2d(A):
    m = A < 0.45
    return np.sum(A[m] ** 2) + np.sum(A[~m] * 2.0)


def read_rows_loop(X, w):
    s = 0.0
    for t in range(X.shape[0]):
        s = s + np.sum(X[t] * w)
    return s * s


def read_rows_for(X, w):
    s = 0.0
    for row in X:
        s = s + np.tanh(np.sum(row * w))
    return s


def read_elements_loop(X, w):
    s = 0.0
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            s = s + X[i, j] * w[j] * X[i - 1, j]
    return s


def read_written_array(x):
    u = x.copy()
    s = 0.0
    for i in range(1, len(u)):
        u[i] = u[i] + u[i - 1] * x[i]
        s = s + u[i] * u[i - 1] + np.sum(u[:i] * x[1:i + 1])
    return s + np.sum(u * x)


READS = [
    (read_int, (X6,), (0,)),
    (read_negative, (X6,), (0,)),
    (read_slice_steps, (X6,), (0,)),
    (read_ellipsis, (T234,), (0,)),
    (read_newaxis, (X5,), (0,)),
    (read_rows_cols, (A34,), (0,)),
    (read_steps_2d, (A34,), (0,)),
    (read_repeated_literal, (X6,), (0,)),
    (read_repeated_array, (X6, np.array([1, 1, 4, 0, 4, 4])), (0,)),
    (read_fancy_2d, (A34,), (0,)),
    (read_mask, (X6,), (0,)),
    (read_mask_2d, (A34,), (0,)),
    (read_rows_loop, (A34, np.array([0.9, -0.5, 1.1, 0.3])), (0, 1)),
    (read_rows_for, (A34, np.array([0.9, -0.5, 1.1, 0.3])), (0, 1)),
    (read_elements_loop, (A34, np.array([0.9, -0.5, 1.1, 0.3])), (0, 1)),
    (read_written_array, (X6,), (0,)),
]


@pytest.mark.parametrize("fn, args, wrt", _cases(READS))
def test_indexing_reads(fn, args, wrt):
    check(fn, args, wrt)


# ---------------------------------------------------------------------------
# linear cost of loops of writes
# ---------------------------------------------------------------------------

def long_recurrence(x):
    n = len(x)
    u = np.zeros(n)
    for i in range(1, n):
        u[i] = 0.9 * u[i - 1] + x[i]
    return np.sum(u * u)


def long_branch_aug(x):
    u = x.copy()
    for i in range(1, len(u)):
        if u[i - 1] > 0:
            u[i] += 0.5 * u[i - 1]
        else:
            u[i] *= 0.9
    return np.sum(u)


def long_append(x):
    lst = []
    for i in range(len(x)):
        lst.append(x[i] * 2.0)
    return np.sum(np.array(lst) * x)


def _best_times(df, inputs_and_calls, repeats=7):
    """Seconds of CPU per call for each (input, calls): best of rounds taken in turn.

    CPU time, not wall time, so a process descheduled on a loaded machine is not
    charged for the wait; the inputs are measured in alternation, so a slow
    phase of the machine slows all of them alike. The cyclic GC is paused (its
    collections of the growing tape are noise here, not the sweep's cost).
    """
    best = [float("inf")] * len(inputs_and_calls)
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            for k, (x, calls) in enumerate(inputs_and_calls):
                start = time.process_time()
                for _ in range(calls):
                    df(x)
                best[k] = min(best[k], (time.process_time() - start) / calls)
    finally:
        gc.enable()
    return best


@pytest.mark.parametrize("fn", [long_recurrence, long_branch_aug, long_append])
def test_loop_gradient_cost_is_linear(fn):
    rng = np.random.default_rng(0)
    df = sg.grad(fn)
    small, large = rng.normal(size=200), rng.normal(size=2000)
    # correctness on a short input first (this also compiles)
    short = rng.normal(size=7)
    assert_close(df(short.copy()), fd_grad(fn, (short,), 0))
    start = time.process_time()
    df(large)
    calls = max(1, math.ceil(0.02 / max(time.process_time() - start, 1e-4)))  # rounds of >= ~20 ms
    t_small, t_large = _best_times(df, [(small, 10 * calls), (large, calls)])
    assert t_large < 20 * t_small, f"N=2000 took {t_large:.4f}s, N=200 {t_small:.4f}s"


# ---------------------------------------------------------------------------
# lists: append; in-place methods that cannot be followed are refused
# ---------------------------------------------------------------------------

def append_then_array(x, y):
    lst = []
    for i in range(len(x)):
        lst.append(x[i] * y)
    return np.sum(np.array(lst) ** 2)


def append_then_loop(x):
    lst = []
    for i in range(len(x)):
        lst.append(np.sin(x[i]))
    s = 0.0
    for v in lst:
        s = s + v * v
    return s


def append_then_sum(x):
    lst = []
    for i in range(len(x)):
        lst.append(x[i] * x[i])
    return np.sum(lst) + np.sum(np.array(lst) * x)


def append_arrays(A, w):
    rows = []
    for i in range(A.shape[0]):
        rows.append(A[i] * w)
    return np.sum(np.array(rows) ** 2) + np.sum(rows[0] * rows[-1])


def append_index_loop(x):
    lst = [x[0]]
    for i in range(1, len(x)):
        lst.append(lst[i - 1] * x[i] + 1.0)
    s = 0.0
    for i in range(len(lst)):
        s = s + lst[i] * x[i]
    return s


def scatter_add(x, w):
    # np.add.at: a scatter with repeated indices, as in particle-to-grid deposits
    dens = np.zeros(3)
    idx = np.array([0, 2, 2, 1, 0])
    for k in range(2):
        np.add.at(dens, idx, w * x ** (k + 1))
    return np.sum(dens ** 2)


def scatter_add_rows(x):
    # rows of a 2-D grid, with a repeated row
    grid = np.ones((3, 2))
    np.add.at(grid, [0, 2, 0], x[:3, None] * x[None, 3:])
    return np.sum(np.sin(grid))


SCATTERS = [
    (scatter_add, (X5, Y), (0, 1)),
    (scatter_add_rows, (X5,), (0,)),
]


@pytest.mark.parametrize("fn, args, wrt", _cases(SCATTERS))
def test_np_add_at(fn, args, wrt):
    check(fn, args, wrt)


LISTS = [
    (append_then_array, (X5, Y), (0, 1)),
    (append_then_loop, (X5,), (0,)),
    (append_then_sum, (X5,), (0,)),
    (append_arrays, (A34, np.array([0.9, -0.5, 1.1, 0.3])), (0, 1)),
    (append_index_loop, (X5,), (0,)),
]


@pytest.mark.parametrize("fn, args, wrt", _cases(LISTS))
def test_list_append(fn, args, wrt):
    check(fn, args, wrt)


def uses_sort(x):
    lst = [x[0], x[1], x[2]]
    lst.sort()  # <-- here
    return lst[0] * x[1]


def uses_fill(x):
    u = x.copy()
    u.fill(0.0)  # <-- here
    return np.sum(u * x)


def uses_copyto(x, y):
    u = np.zeros(5)
    np.copyto(u, x)  # <-- here
    return np.sum(u * y)


def uses_out(x, y):
    u = np.ones(5)
    np.multiply(u, x, out=u)  # <-- here
    return np.sum(u * y)


def uses_out_in_expression(x):
    u = np.ones(5)
    v = np.clip(u * x, 0.0, 1.0, out=u)  # <-- here
    return np.sum(u * v)


def uses_subtract_at(x):
    u = np.ones(5)
    np.subtract.at(u, [0, 0], x[1])  # <-- here
    return np.sum(u * x)


@pytest.mark.parametrize("fn, args, word", [
    (uses_sort, (X5,), "sort"),
    (uses_fill, (X5,), "fill"),
    (uses_copyto, (X5, X5), "copyto"),
    (uses_out, (X5, X5), "out="),
    (uses_out_in_expression, (X5,), "out="),
    (uses_subtract_at, (X5,), "subtract.at"),
])
@pytest.mark.parametrize("variant", ["grad", "value_and_grad"])
def test_inplace_methods_refused(fn, args, word, variant):
    with pytest.raises(sg.S2SGradError) as info:
        getattr(sg, variant)(fn)(*copy.deepcopy(args))
    marked = _marked_lines(fn)
    assert_names_a_line(info.value, fn, marked)
    text = str(info.value)
    assert word in text
    assert any(src in text for src in marked.values()), text
