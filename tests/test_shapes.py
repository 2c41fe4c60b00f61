"""The shapes analysis (s2sgrad/compiler/shapes.py) and what the reverse sweep does with it.

* the analysis's answers on small programs: which values certainly share a
  shape ("same") and which may not ("unknown"), and the kinds of values;
* gradients (and tangents) against central finite differences for programs
  whose operands are broadcast, so the sweep must keep summing adjoints down:
  shapes (3, 1) and (4,), a number and an array, keepdims reductions,
  arguments of different shapes, loops that change a value's shape,
  np.newaxis, writes that broadcast into a slice. Each program is called with
  several shapes through the one compiled derivative (it is compiled per
  argument *kind*, so shapes are never known at compile time);
* the heat-equation step carries no broadcasting bookkeeping any more.
"""
import math

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad.compiler import analysis, ir
from s2sgrad.compiler.shapes import analyse
from s2sgrad.compiler.pipeline import build_graph
from tests.benchmarks.test_bench_checkpoint import heat
from tests.benchmarks.test_bench_inplace import recurrence
from tests.numeric import assert_close, numeric_grad

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


# ---------------------------------------------------------------------------
# (a) the analysis's answers
# ---------------------------------------------------------------------------

def elementwise(x, y, r):
    a = np.sin(x) * 2.0 + x
    b = -x
    c = x.copy()
    d = x * y
    e = a / c - np.copy(b) ** 2
    f = x * r
    g = np.where(x > 0.0, x, 0.5 * x)
    h = np.clip(x, 0.0, 1.0)
    k = x @ y
    m = max(x, y)
    n = math.sin(r) * r
    return a, b, c, d, e, f, g, h, k, m, n


def slices(u, i):
    s1 = u[2:]
    s2 = u[1:-1]
    s3 = u[:-2]
    s4 = u[1:]
    s5 = u[1:3]
    s6 = u[1:3]
    s7 = u[:, 0]
    s8 = u[:, -1]
    s9 = u[:, np.newaxis]
    s10 = u[:, None]
    s11 = u[i]
    s12 = u[i + 1]
    s13 = u[::2]
    s14 = u[1::2]
    s15 = u[1:-1] * 2.0 - u[2:]
    return s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15


def rows(x, n):
    u = np.zeros_like(x)
    for i in range(1, n):
        a = u[i]
        b = x[i - 1]
        c = u[2 * i + 1]
        d = x[i / 2]
        e = u[n]
        u[i] = a + b
    f = np.full_like(x, 2.0)
    return a, b, c, d, e, f, u


def vectors(n, r):
    v = np.zeros(n)
    w = np.arange(0.0, r, 0.5)
    m = np.zeros((n, 2))
    for i in range(n):
        a = v[i]
        b = w[1:-1][i]
        c = m[i]
        d = w[2:]
        e = v[1:]
    return a, b, c, d, e


def in_place(x, n):
    v = x.copy()
    v[0] = 1.0
    v[1:] = v[:-1] * 2.0
    z = x * 1.0
    for i in range(n):
        z = z * 0.5 + x
        z[i] = 0.0
    w = x.copy()
    for i in range(n):
        w = w[1:]
    y = x.copy()
    for i in range(n):
        y = y + w
    k = 0
    while k < n:
        x = np.tanh(x)
        k = k + 1
    return v, z, w, y, x


def branches(x, y, flag):
    if flag:
        a = x * 2.0
        b = x
    else:
        a = x + 1.0
        b = y
    return a, b


def reductions(x, y):
    m = np.mean(x, axis=1, keepdims=True)
    d = x - m
    s = np.sum(x)
    t = x * s
    u = x + y.sum()
    return m, d, s, t, u


def containers(lst, x):
    a = lst + lst
    b = lst * 2
    c = x.copy()
    return a, b, c


W4 = np.linspace(0.1, 0.7, 4)


def module_arrays(x):
    a = x * W4
    b = np.where(x > W4, x, 0.0)
    c = x * np.pi
    d = np.where(x > 0.5, x, 0.0)
    return a, b, c, d


def _value(graph, hint):
    """The latest top-level value the user called `hint` (a loop's result, after it);
    `body:a` is the `a` an equation inside a loop body makes."""
    if hint.startswith("body:"):
        return next(o for st in ir.walk(graph.body) if isinstance(st, ir.Eqn)
                    for o in st.outs if o.hint == hint[5:])
    if hint in [p.hint for p in graph.params] and not any(
            o.hint == hint for st in graph.body for o in st.outs):
        return next(p for p in graph.params if p.hint == hint)
    return [o for st in graph.body for o in st.outs if o.hint == hint][-1]


def _shapes(fn, kinds):
    graph = build_graph(fn, kinds)
    return graph, analyse(graph, kinds, analysis.kinds(graph, kinds))


SAME = [
    # program, argument kinds, a, b, same shape?
    (elementwise, ("array", "array", "scalar"), "a", "x", True),       # ufunc, * number, + itself
    (elementwise, ("array", "array", "scalar"), "b", "x", True),       # -x
    (elementwise, ("array", "array", "scalar"), "c", "x", True),       # x.copy()
    (elementwise, ("array", "array", "scalar"), "e", "x", True),       # np.copy, /, -, **
    (elementwise, ("array", "array", "scalar"), "f", "x", True),       # x * a number argument
    (elementwise, ("array", "array", "scalar"), "g", "x", True),       # np.where of x and 0.5 * x
    (elementwise, ("array", "array", "scalar"), "h", "x", True),       # np.clip with number bounds
    (elementwise, ("array", "array", "scalar"), "n", "r", True),       # numbers
    (elementwise, ("array", "array", "scalar"), "x", "y", False),      # two arguments
    (elementwise, ("array", "array", "scalar"), "d", "x", False),      # broadcasts x with y
    (elementwise, ("array", "array", "scalar"), "d", "y", False),
    (elementwise, ("array", "array", "array"), "f", "x", False),       # r may be an array
    (elementwise, ("array", "array", "scalar"), "k", "x", False),      # matmul
    (elementwise, ("array", "array", "scalar"), "m", "x", False),      # builtin max picks one
    (slices, ("array", "scalar"), "s1", "s2", True),                   # all cut 2 off axis 0
    (slices, ("array", "scalar"), "s2", "s3", True),
    (slices, ("array", "scalar"), "s15", "s1", True),
    (slices, ("array", "scalar"), "s5", "s6", True),                   # the same slice
    (slices, ("array", "scalar"), "s7", "s8", True),                   # any integer drops the axis
    (slices, ("array", "scalar"), "s9", "s10", True),                  # np.newaxis is None
    (slices, ("array", "scalar"), "s1", "s4", False),
    (slices, ("array", "scalar"), "s4", "u", False),
    (slices, ("array", "scalar"), "s5", "s2", False),                  # 1:3 is not 1:-1
    (slices, ("array", "scalar"), "s9", "u", False),                   # newaxis adds an axis
    (slices, ("array", "scalar"), "s11", "s12", False),                # i may be a bool, i+1 anything
    (slices, ("array", "scalar"), "s13", "s14", False),                # steps: lengths differ
    (rows, ("array", "scalar"), "body:a", "body:b", True),             # u[i], x[i - 1]: i is an int
    (rows, ("array", "scalar"), "body:c", "body:a", True),
    (rows, ("array", "scalar"), "body:d", "body:a", False),            # i / 2 is a float
    (rows, ("array", "scalar"), "body:e", "body:a", False),            # n may be a bool
    (rows, ("array", "scalar"), "f", "x", True),
    (rows, ("array", "scalar"), "u", "x", True),
    (vectors, ("scalar", "scalar"), "body:a", "r", True),              # an element of np.zeros(n)
    (vectors, ("scalar", "scalar"), "body:b", "r", True),              # ... of a slice of a vector
    (vectors, ("scalar", "scalar"), "body:c", "r", False),             # a row of np.zeros((n, 2))
    (vectors, ("scalar", "scalar"), "body:d", "body:e", False),
    (in_place, ("array", "scalar"), "v", "x", True),                   # writes keep the shape
    (in_place, ("array", "scalar"), "z", "x", True),                   # the loop keeps it
    (in_place, ("array", "scalar"), "w", "x", False),                  # the loop shrinks it
    (in_place, ("array", "scalar"), "y", "x", False),                  # broadcast with a changing w
    (branches, ("array", "array", "scalar"), "a", "x", True),          # both arms keep x's shape
    (branches, ("array", "array", "scalar"), "b", "x", False),         # one arm is y
    (reductions, ("array", "array"), "m", "x", False),                 # keepdims
    (reductions, ("array", "array"), "d", "x", False),
    (reductions, ("array", "array"), "t", "x", True),                  # x times a full reduction
    (reductions, ("array", "array"), "u", "x", True),
    (module_arrays, ("array",), "a", "x", False),                      # a module's array: any shape
    (module_arrays, ("array",), "b", "x", False),
    (module_arrays, ("array",), "c", "x", True),                       # a module's number
    (module_arrays, ("array",), "d", "x", True),
    (containers, ("container", "array"), "a", "lst", False),           # list + list concatenates
    (containers, ("container", "array"), "b", "lst", False),
    (containers, ("container", "array"), "c", "x", True),
]


@pytest.mark.parametrize("fn, kinds, a, b, same", SAME,
                         ids=[f"{r[0].__name__}-{r[2]}-{r[3]}-{'-'.join(r[1])}" for r in SAME])
def test_same_shape(fn, kinds, a, b, same):
    graph, shapes = _shapes(fn, kinds)
    assert shapes.same(_value(graph, a), _value(graph, b)) is same
    assert shapes.same(_value(graph, b), _value(graph, a)) is same


def test_while_loop_value_keeps_its_shape():
    graph, shapes = _shapes(in_place, ("array", "scalar"))
    x_after = [o for st in graph.body if isinstance(st, ir.While) for o in st.outs if o.hint == "x"][0]
    assert shapes.same(x_after, graph.params[0])


KINDS = [
    (elementwise, ("array", "array", "scalar"), "x", "array"),
    (elementwise, ("array", "array", "scalar"), "r", "scalar"),
    (elementwise, ("array", "array", "scalar"), "a", "array"),
    (elementwise, ("array", "array", "scalar"), "n", "scalar"),
    (elementwise, ("array", "array", "scalar"), "k", None),           # what matmul returns is not followed
    (reductions, ("array", "array"), "s", "scalar"),
    (containers, ("container", "array"), "lst", None),
    (containers, ("container", "array"), "a", None),
    (slices, ("array", "scalar"), "s11", "array"),
]


@pytest.mark.parametrize("fn, kinds, v, kind", KINDS, ids=[f"{r[0].__name__}-{r[2]}" for r in KINDS])
def test_kind(fn, kinds, v, kind):
    graph, shapes = _shapes(fn, kinds)
    assert shapes.kind(_value(graph, v)) == kind


# ---------------------------------------------------------------------------
# (b) broadcasting that must still be undone: gradients against central differences
# ---------------------------------------------------------------------------

def add_broadcast(x, y):
    return np.sum((x + y) * x)


def scalar_plus_array(s, x):
    return np.sum(np.sin(s + x) * x)


def keepdims_centre(x):
    return np.sum((x - np.mean(x, axis=1, keepdims=True)) ** 2 * x)


def keepdims_scale(x, w):
    return np.sum(x / np.sum(x * w, axis=0, keepdims=True) * w)


def outer_newaxis(x, y):
    return np.sum(x[:, np.newaxis] * x[np.newaxis, :] * y)


def loop_grows(x, w, n):
    z = x
    for i in range(n):
        z = z * w + 1.0
    return np.sum(z * z)


def loop_shrinks(x, n):
    z = x * 1.0
    for i in range(n):
        z = z[1:] * 2.0 + z[:-1]
    return np.sum(z * z)


def loop_adds_argument(x, y, n):
    z = x.copy()
    for i in range(n):
        z = np.tanh(z + y)
    return np.sum(z)


def write_broadcasts(x, y):
    u = x.copy()
    u[1:] = y * 2.0           # y of shape (1,) fills the slice
    u[:-1] = u[:-1] * u[1:]
    return np.sum(u * x)


def write_scales(x, s):
    u = x.copy()
    u[1:-1] = u[1:-1] * s     # s of shape (1, n-2): NumPy drops the leading 1 on assignment
    return np.sum(u * u)


def branch_shapes(x, y, flag):
    if flag > 0.0:
        z = x * 2.0
    else:
        z = y + x
    return np.sum(z * z)


def rows_in_place(X, w, n):
    U = X.copy()
    for i in range(1, n):
        U[i] = U[i - 1] * w + U[i]
    return np.sum(U * U)


def masked_by_module_array(x):
    return np.sum(np.where(x > W4, x, 0.5 * x) * x)


def row_recurrence(a, x, n):
    u = np.zeros((n, 2))
    u[0] = x
    for i in range(1, n):
        u[i] = a * u[i - 1] + np.sin(x * i)
    return np.sum(u ** 2) / n


def heat_step(u0, r):
    u = u0.copy()
    for t in range(3):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.sum(u * u * u0)


rng = np.random.default_rng(7)


def _r(*shape):
    return rng.uniform(0.2, 0.9, size=shape)


# program, wrt, argument sets (all run through one compiled derivative per argument kinds)
BROADCASTING = [
    (add_broadcast, (0, 1), [(_r(3, 1), _r(4)), (_r(3), _r(3)), (_r(2, 3), _r(3)), (_r(3), _r(2, 1))]),
    (scalar_plus_array, (0, 1), [(0.3, _r(4)), (np.float64(0.3), _r(2, 2))]),
    (scalar_plus_array, (0, 1), [(_r(1), _r(4)), (np.array(0.3), _r(3)), (_r(3, 1), _r(3))]),
    (keepdims_centre, 0, [(_r(3, 4),), (_r(2, 1),)]),
    (keepdims_scale, (0, 1), [(_r(3, 4), _r(4)), (_r(3, 4), _r(3, 1))]),
    (outer_newaxis, (0, 1), [(_r(3), _r(3, 3)), (_r(3), _r(3)), (_r(2), 0.7)]),
    (loop_grows, (0, 1), [(_r(1), _r(3), 3), (_r(3, 1), _r(2), 2), (_r(3), _r(3), 2), (_r(2), _r(2), 0)]),
    (loop_shrinks, 0, [(_r(6), 3), (_r(5, 2), 2), (_r(3), 0)]),
    (loop_adds_argument, (0, 1), [(_r(1), _r(3), 3), (_r(3), _r(2, 3), 2), (_r(3), _r(3), 2)]),
    (write_broadcasts, (0, 1), [(_r(4), _r(1)), (_r(4), _r(3)), (_r(3, 2), _r(2))]),
    (write_scales, (0, 1), [(_r(5), _r(1, 3)), (_r(5), _r(3)), (_r(5), _r(1))]),
    (write_scales, 0, [(_r(5), 0.5)]),
    (branch_shapes, (0, 1), [(_r(3), _r(2, 3), 1.0), (_r(3), _r(2, 3), -1.0), (_r(3), _r(1), -1.0)]),
    (rows_in_place, (0, 1), [(_r(3, 2), _r(2), 3), (_r(3, 2), _r(1), 3), (_r(3, 2), 0.5, 2)]),
    (masked_by_module_array, 0, [(_r(3, 1),), (_r(4),), (_r(1),)]),
    (recurrence, (0, 1), [(0.9, 0.3, 6), (np.float64(0.5), 1.2, 3)]),
    (row_recurrence, (0, 1), [(0.9, 0.3, 4), (0.9, _r(2), 4), (_r(2), _r(1), 3)]),
    (heat_step, (0, 1), [(_r(6), 0.25), (_r(6), _r(4)), (_r(6), _r(1)), (_r(6, 2), _r(4, 1))]),
]


def _cases():
    for fn, wrt, arg_sets in BROADCASTING:
        kinds = "-".join(type(a).__name__ for a in arg_sets[0])
        yield pytest.param(fn, wrt, arg_sets, id=f"{fn.__name__}-{kinds}")


def _as_tuple(g, wrt):
    return g if isinstance(wrt, tuple) else (g,)


@pytest.mark.parametrize("fn, wrt, arg_sets", list(_cases()))
def test_broadcast_gradient_matches_finite_differences(fn, wrt, arg_sets):
    df = sg.grad(fn, wrt=wrt)
    for args in arg_sets:
        got = _as_tuple(df(*args), wrt)
        for g, i in zip(got, wrt if isinstance(wrt, tuple) else (wrt,)):
            assert np.shape(g) == np.shape(args[i])
            assert_close(g, numeric_grad(fn, args, i), rtol=1e-6)


@pytest.mark.parametrize("fn, wrt, arg_sets", list(_cases()))
def test_broadcast_vjp_and_jvp_match_finite_differences(fn, wrt, arg_sets):
    wrt = wrt if isinstance(wrt, tuple) else (wrt,)
    for args in arg_sets:
        value, pullback = sg.vjp(fn, wrt=wrt)(*args)
        for g, i in zip(pullback(1.0), wrt):
            assert_close(g, numeric_grad(fn, args, i), rtol=1e-6)
        tangents = [np.ones_like(a) if isinstance(a, np.ndarray) else 1.0 for a in args]
        tangents = [t if i in wrt else (0.0 if np.ndim(t) == 0 else np.zeros_like(t))
                    for i, t in enumerate(tangents)]
        if not all(isinstance(a, (float, np.ndarray)) for a in args):
            continue                     # (an integer argument has no tangent)
        _, tangent = sg.jvp(fn, args, tangents)
        expected = sum(np.sum(numeric_grad(fn, args, i)) for i in wrt)
        assert_close(tangent, expected, rtol=1e-6)


# ---------------------------------------------------------------------------
# (c) what the generated code no longer carries
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("checkpoints", [None, 10])
def test_heat_step_has_no_shape_bookkeeping(checkpoints):
    df = sg.grad(heat, wrt=(0, 1), checkpoints=checkpoints)
    u0 = np.linspace(0.0, 1.0, 12) ** 2
    du0, dr = df(u0, 0.25, 5)
    assert "unbroadcast" not in df.source
    assert "shape_of" not in df.source
    assert "part(" not in df.source.replace("saved_part(", "")
    assert "du[1:-1].copy()" in df.source
    assert "dr = dr + np.sum(" in df.source
    assert_close(du0, numeric_grad(heat, (u0, 0.25, 5), 0), rtol=1e-6)
    assert_close(dr, numeric_grad(heat, (u0, 0.25, 5), 1), rtol=1e-6)


def test_heat_step_keeps_what_an_array_r_needs():
    """With r an array its shape is unknown: the adjoints that meet it are summed down."""
    df = sg.grad(heat, wrt=(0, 1))
    source = df.source
    assert "unbroadcast(dt_8 * r, t_7)" in source and "unbroadcast(dt_8 * t_7, r)" in source
    assert "du[:-2] += dt_7\n" in source          # u[2:], u[1:-1], u[:-2] share a shape
    u0, r = np.linspace(0.0, 1.0, 8) ** 2, np.full(6, 0.25)
    du0, dr = df(u0, r, 3)
    assert_close(du0, numeric_grad(heat, (u0, r, 3), 0), rtol=1e-6)
    assert_close(dr, numeric_grad(heat, (u0, r, 3), 1), rtol=1e-6)


def test_scalar_recurrence_has_no_shape_bookkeeping():
    df = sg.grad(recurrence, wrt=(0, 1))
    got = df(0.9, 0.3, 6)
    assert "unbroadcast" not in df.source and "shape_of" not in df.source
    # (an element of a vector is a number: no copy of it is needed)
    assert "dt_5 = du[i]\n" in df.source and "dx = dx + du[0]\n" in df.source
    assert_close(got[0], numeric_grad(recurrence, (0.9, 0.3, 6), 0), rtol=1e-6)


def test_same_shaped_operands_need_no_unbroadcast():
    def f(x, a):
        y = np.exp(-x) * a + x * x
        return np.sum(np.tanh(y) / x.copy())
    df = sg.grad(f, wrt=(0, 1))
    x = _r(3, 2)
    got = df(x, 0.5)
    # only the number a sums its contribution (x may be 0-d: unbroadcast, not np.sum)
    generic = df.generic_source_for(x, 0.5)
    assert generic.count("unbroadcast(") == 1 and "da = unbroadcast(dy * t_1, a)" in generic
    # specialised on x's shape (3, 2), the sum is plain NumPy
    assert "unbroadcast(" not in df.source and "da = np.sum(dy * t_1)" in df.source
    assert_close(got[0], numeric_grad(f, (x, 0.5), 0), rtol=1e-6)
    assert_close(got[1], numeric_grad(f, (x, 0.5), 1), rtol=1e-6)
