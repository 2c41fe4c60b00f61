"""Forward mode, Jacobians and second order, against finite differences.

* ``sg.jvp(f, primals, tangents)`` for every program of the control-flow
  corpus (tests/test_control_flow.py), the in-place corpus
  (tests/test_inplace.py: writes, writes into arguments, indexing reads,
  lists) and the golden programs: the tangent matches central differences of
  ``f`` along a random tangent direction (integer arguments get no tangent)
  and the value equals ``f(*primals)``.
* ``sg.jacobian(f, wrt, mode=...)``: forward and reverse mode agree with each
  other, with finite differences and with ``mode="auto"`` on a table of
  vector-valued functions (element-wise maps, matmul, reductions along an
  axis, loops, in-place writes, R^3 -> R^5 and R^5 -> R^2, tuple ``wrt``).
* ``sg.hvp`` against central differences of ``sg.grad`` along ``v`` for the
  scalar programs of the corpora; ``sg.hessian`` symmetric and equal to the
  stacked Hessian-vector products; ``sg.grad(sg.grad(f))`` for scalar-input
  programs with loops and branches; ``sg.grad`` of a function that calls
  ``sg.grad`` inside itself.

At the end, reduced forms of the failures these found (one construct each,
with exact answers where there is one), and checks that second-order
``.source`` runs on its own and that derivatives compiled for other argument
kinds or same-named functions do not get mixed up.

Second-order references are central differences of the (exact) generated
gradient, so they are accurate to about 1e-9 relative; rtol 1e-5 leaves a
wide margin while still catching a wrong term.
"""
import copy
import inspect

import numpy as np
import pytest

import s2sgrad as sg
from tests import golden_programs as golden
from tests import test_control_flow as cf
from tests import test_inplace as ip
from tests.numeric import assert_close, numeric_grad

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

# Rows that fail today: strict xfails, so that a fix shows up as a failure asking to
# remove the row (tests/conftest.py applies them). Second order through in-place writes,
# appends and early loop exits is no longer refused: the gradient it differentiates is
# generated in its functional flavour (docs/internals.md).
STRICT_XFAILS = {}

EPS = 1e-6


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _is_float_arg(v):
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, (float, np.floating)):
        return True
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


def _random_tangents(args, seed):
    """A random tangent for each float / float-array argument, None for the others."""
    rng = np.random.default_rng(seed)
    tangents = []
    for a in args:
        if not _is_float_arg(a):
            tangents.append(None)
        elif isinstance(a, np.ndarray):
            tangents.append(rng.uniform(-1.0, 1.0, size=a.shape))
        else:
            tangents.append(float(rng.uniform(-1.0, 1.0)))
    return tangents


def _along(args, tangents, step):
    return [copy.deepcopy(a) if t is None else a + step * t for a, t in zip(args, tangents)]


def directional_fd(f, args, tangents, eps=EPS):
    """Central differences of f along the tangent direction (each call on fresh copies)."""
    plus = np.asarray(f(*_along(args, tangents, eps)), dtype=float)
    minus = np.asarray(f(*_along(args, tangents, -eps)), dtype=float)
    return (plus - minus) / (2 * eps)


def fd_jacobian(f, args, argnum, eps=EPS):
    """Central-difference Jacobian of f (any output shape) w.r.t. args[argnum]:
    shape out.shape + arg.shape."""
    args = [copy.deepcopy(a) for a in args]
    x = np.array(args[argnum], dtype=float)
    scalar = not isinstance(args[argnum], np.ndarray)
    columns = []
    for k in np.ndindex(x.shape):
        vals = []
        for step in (eps, -eps):
            y = x.copy()
            y[k] += step
            trial = [copy.deepcopy(a) for a in args]
            trial[argnum] = float(y) if scalar else y
            vals.append(np.asarray(f(*trial), dtype=float))
        columns.append((vals[0] - vals[1]) / (2 * eps))
    out_shape = columns[0].shape
    return np.moveaxis(np.array(columns), 0, -1).reshape(out_shape + x.shape)


def _name(fn, k):
    return f"{fn.__name__}-{k}"


# ---------------------------------------------------------------------------
# the corpora as (function, arguments, rtol)
# ---------------------------------------------------------------------------

def _corpus():
    out = []
    for k, case in enumerate(cf.CASES):
        label = f"{case.fn.__name__}[{case.label}]" if case.label else case.fn.__name__
        out.append(pytest.param(case.fn, case.args, case.rtol, id=f"cf-{label}-{k}"))
    for table_name in ("INPLACE", "MUTATING", "READS", "LISTS"):
        for k, (fn, args, _) in enumerate(getattr(ip, table_name)):
            out.append(pytest.param(fn, args, 1e-6, id=f"ip-{table_name.lower()}-{_name(fn, k)}"))
    for name, (fn, _, args) in golden.CASES.items():
        out.append(pytest.param(fn, args, 1e-6, id=f"golden-{name}"))
    return out


CORPUS = _corpus()


def test_corpus_is_reused_whole():
    assert len({p.values[0] for p in CORPUS}) >= 45 + 40


# ---------------------------------------------------------------------------
# jvp
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("fn, args, rtol", CORPUS)
def test_jvp_matches_directional_finite_differences(fn, args, rtol):
    tangents = _random_tangents(args, seed=len(fn.__name__))
    assert any(t is not None for t in tangents)
    expected_value = fn(*copy.deepcopy(args))
    expected = directional_fd(fn, args, tangents)

    primals = copy.deepcopy(args)
    value, tangent_out = sg.jvp(fn, primals, [0 if t is None else t for t in tangents])
    assert_close(value, expected_value, rtol=1e-12, atol=1e-14)
    assert np.shape(tangent_out) == np.shape(expected_value)
    assert_close(tangent_out, expected, rtol=rtol, atol=1e-8)


@pytest.mark.parametrize("fn, args", [
    (cf.range_computed_bounds, (0.7, 7)),
    (cf.simulate, (4.0, 0.5, 0.5, 50)),
    (ip.set_index_array, (ip.X5, ip.V3, np.array([3, 0, 2]))),
])
def test_jvp_int_tangents_are_ignored(fn, args):
    """Whatever is passed as the tangent of a non-float argument has no effect."""
    tangents = _random_tangents(args, seed=3)
    assert any(t is None for t in tangents)
    a = sg.jvp(fn, copy.deepcopy(args), [0 if t is None else t for t in tangents])
    b = sg.jvp(fn, copy.deepcopy(args), [None if t is None else t for t in tangents])
    c = sg.jvp(fn, copy.deepcopy(args), [5 if t is None else t for t in tangents])
    assert_close(a[1], b[1], rtol=1e-14, atol=0)
    assert_close(a[1], c[1], rtol=1e-14, atol=0)
    assert_close(a[1], directional_fd(fn, args, tangents), rtol=1e-6, atol=1e-8)


def test_jvp_int_argument_gets_no_tangent():
    x = 0.8
    for n in (3, 5):
        value, t = sg.jvp(cf.range_loop, (x, n), (1.0, 7))
        assert_close(value, cf.range_loop(x, n), rtol=1e-14)
        assert_close(t, numeric_grad(cf.range_loop, (x, n), 0), rtol=1e-6)


@pytest.mark.parametrize("fn", [cf.simulate, cf.newton_sqrt, ip.heat, golden.piecewise])
def test_jvp_source(fn):
    fwd = sg.jvp(fn)
    src = fwd.source
    assert isinstance(src, str) and "def" in src
    assert sg.source(fwd) == src


def test_jvp_source_after_a_call_is_runnable_text():
    fwd = sg.jvp(cf.simulate)
    fwd((4.0, 0.5, 0.5, 20), (1.0, 0.0, 0.0, None))
    assert "def" in fwd.source
    compile(fwd.source, "<jvp source>", "exec")


def test_jvp_is_linear_in_the_tangent():
    fn, args = cf.rnn, cf.CASES[[c.fn for c in cf.CASES].index(cf.rnn)].args
    t1 = _random_tangents(args, 1)
    t2 = _random_tangents(args, 2)
    _, a = sg.jvp(fn, args, t1)
    _, b = sg.jvp(fn, args, t2)
    _, c = sg.jvp(fn, args, [2.0 * u - 3.0 * w for u, w in zip(t1, t2)])
    assert_close(c, 2.0 * a - 3.0 * b, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------
# jacobian: forward, reverse and auto
# ---------------------------------------------------------------------------

def elementwise_map(x):
    return np.sin(x) * np.exp(0.5 * x) + x ** 3


def elementwise_2d(A):
    return np.tanh(A) * A ** 2 - np.cos(A)


def affine(A, x, b):
    return A @ x + b


def matmul_chain(A, B):
    return np.tanh(A @ B) @ B.T


def sum_axis0(A):
    return np.sum(A ** 2, axis=0)


def mean_axis1(A):
    return np.mean(np.sin(A) * A, axis=1)


def reductions_keepdims(A):
    return A / np.sum(A * A, axis=1, keepdims=True) + np.prod(A, axis=0)


def softmax_rows(A):
    e = np.exp(A - np.max(A, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def loop_recurrence(x, a):
    out = x * 1.0
    for i in range(3):
        out = np.tanh(a * out + x[::-1])
    return out


def loop_branch_map(x, n):
    y = x * 1.0
    for i in range(n):
        if np.sum(y) > 0.0:
            y = y * y - 0.5 * x
        else:
            y = np.sin(y) + x
    return y


def inplace_prefix(x):
    n = len(x)
    u = np.zeros(n)
    u[0] = x[0]
    for i in range(1, n):
        u[i] = u[i - 1] * x[i] + np.sin(x[i - 1])
    return u


def inplace_slices(x, r):
    u = x.copy()
    for t in range(3):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2.0 * u[1:-1] + u[:-2])
    u[0] *= r
    return u


def r3_to_r5(x):
    out = np.zeros(5)
    out[0] = x[0] * x[1]
    out[1] = np.sin(x[2])
    out[2] = x[0] + x[1] + x[2]
    out[3] = x[1] ** 2 * x[2]
    out[4] = np.exp(x[0]) * x[2]
    return out


def r3_to_r5_stacked(x):
    return np.stack([x[0] * x[1], np.sin(x[2]), np.sum(x), x[1] ** 2 * x[2], np.exp(x[0]) * x[2]])


def r5_to_r2(x):
    s = 0.0
    p = 1.0
    for v in x:
        s = s + v * v
        p = p * np.cos(v)
    return np.array([s, p])


def scalar_to_vector(t, w):
    return np.array([np.cos(t * w[0]), np.sin(t) * w[1], t * t * w[2]])


def vector_to_scalar(x):
    return np.sum(x ** 3) * np.cos(x[0])


def with_int_argument(x, n):
    y = x * 1.0
    for i in range(n):
        y = y * 0.9 + np.sin(y) / (i + 1)
    return y


X3 = np.array([0.7, -0.4, 1.1])
X4 = np.array([0.3, -0.8, 1.2, 0.5])
X5 = np.array([0.7, -1.3, 0.4, 1.1, -0.6])
A23 = np.array([[0.5, -1.2, 0.8], [1.4, 0.3, -0.7]])
B34 = np.linspace(-1.0, 1.2, 12).reshape(3, 4) + 0.05
B32 = np.array([[0.2, -0.5], [1.1, 0.4], [-0.3, 0.9]])

JACOBIANS = [
    (elementwise_map, (X4,), 0),
    (elementwise_2d, (A23,), 0),
    (affine, (A23, X3, np.array([0.1, -0.2])), 0),
    (affine, (A23, X3, np.array([0.1, -0.2])), 1),
    (affine, (A23, X3, np.array([0.1, -0.2])), (0, 1, 2)),
    (affine, (A23, X3, np.array([0.1, -0.2])), ("x", "A")),
    (matmul_chain, (A23, B32), (0, 1)),
    (sum_axis0, (A23,), 0),
    (mean_axis1, (B34,), 0),
    (reductions_keepdims, (A23,), 0),
    (softmax_rows, (A23,), 0),
    (loop_recurrence, (X4, 0.6), (0, 1)),
    (loop_recurrence, (X4, 0.6), 1),
    (loop_branch_map, (X3, 4), 0),
    (loop_branch_map, (-X3 * 2.0, 3), 0),
    (inplace_prefix, (X5,), 0),
    (inplace_slices, (X5, 0.2), (0, 1)),
    (r3_to_r5, (X3,), 0),
    (r3_to_r5_stacked, (X3,), 0),
    (r5_to_r2, (X5,), 0),
    (scalar_to_vector, (0.7, X3), (0, 1)),
    (vector_to_scalar, (X4,), 0),
    (with_int_argument, (X3, 3), 0),
]


def _jac_params():
    return [pytest.param(fn, args, wrt, id=f"{fn.__name__}-{k}-wrt={wrt!r}")
            for k, (fn, args, wrt) in enumerate(JACOBIANS)]


def _index(fn, w):
    return list(inspect.signature(fn).parameters).index(w) if isinstance(w, str) else w


def _reference_jacobian(fn, args, wrt):
    ws = wrt if isinstance(wrt, tuple) else (wrt,)
    return [fd_jacobian(fn, args, _index(fn, w)) for w in ws]


def _as_list(result, wrt):
    if isinstance(wrt, tuple):
        assert isinstance(result, tuple) and len(result) == len(wrt)
        return list(result)
    assert not isinstance(result, tuple)
    return [result]


@pytest.mark.parametrize("fn, args, wrt", _jac_params())
def test_jacobian_forward_reverse_auto_and_fd(fn, args, wrt):
    expected = _reference_jacobian(fn, args, wrt)
    got = {}
    for mode in ("forward", "reverse", "auto"):
        got[mode] = _as_list(sg.jacobian(fn, wrt, mode=mode)(*copy.deepcopy(args)), wrt)
    out_shape = np.shape(fn(*copy.deepcopy(args)))
    ws = wrt if isinstance(wrt, tuple) else (wrt,)
    for n, w in enumerate(ws):
        arg_shape = np.shape(args[_index(fn, w)])
        for mode in ("forward", "reverse", "auto"):
            J = np.asarray(got[mode][n])
            assert J.shape == out_shape + arg_shape, (mode, J.shape, out_shape, arg_shape)
            assert_close(J, expected[n], rtol=1e-6, atol=1e-8)
        # forward and reverse are both exact: they agree far more closely than with FD
        assert_close(got["forward"][n], got["reverse"][n], rtol=1e-10, atol=1e-12)
        assert_close(got["auto"][n], got["forward"][n], rtol=1e-10, atol=1e-12)


def test_jacobian_keyword_and_bad_mode():
    J = sg.jacobian(affine, wrt="b", mode="forward")(A23, x=X3, b=np.zeros(2))
    assert_close(J, np.eye(2), rtol=0, atol=1e-14)
    with pytest.raises(sg.S2SGradError):
        sg.jacobian(affine, mode="sideways")


# ---------------------------------------------------------------------------
# hvp, hessian
# ---------------------------------------------------------------------------

def _hvp_cases():
    """Scalar programs of the corpora with one float (or float-array) argument to
    differentiate, at inputs where they are twice differentiable."""
    out = []
    seen = set()
    for k, case in enumerate(cf.CASES):
        w = next((w for w in case.wrts if not isinstance(w, tuple)), None)
        w = _index(case.fn, w)
        if not _is_float_arg(case.args[w]):
            continue
        key = (case.fn, case.label)
        if key in seen:
            continue
        seen.add(key)
        label = f"{case.fn.__name__}[{case.label}]" if case.label else case.fn.__name__
        out.append(pytest.param(case.fn, case.args, w, id=f"cf-{label}-wrt{w}"))
    for table_name in ("INPLACE", "READS", "LISTS"):
        for k, (fn, args, wrts) in enumerate(getattr(ip, table_name)):
            for w in wrts:
                if _is_float_arg(args[w]):
                    out.append(pytest.param(fn, args, w, id=f"ip-{_name(fn, k)}-wrt{w}"))
                    break
    for name, (fn, wrt, args) in golden.CASES.items():
        w = wrt[0] if isinstance(wrt, tuple) else wrt
        out.append(pytest.param(fn, args, w, id=f"golden-{name}-wrt{w}"))
    return out


# Every scalar program of the corpora is twice differentiable at its inputs
# (piecewise-linear pieces such as abs, //, % and sign have second derivative 0
# there, and finite differences of the gradient see the same), so none is left out.
HVP_CASES = _hvp_cases()


def _fd_of_grad(fn, args, wrt, v, eps=EPS):
    df = sg.grad(fn, wrt=wrt)

    def at(step):
        a = [copy.deepcopy(x) for x in args]
        a[wrt] = a[wrt] + step * v
        return np.asarray(df(*a), dtype=float)
    return (at(eps) - at(-eps)) / (2 * eps)


def _direction(arg, seed):
    rng = np.random.default_rng(seed)
    if isinstance(arg, np.ndarray):
        return rng.uniform(-1.0, 1.0, size=arg.shape)
    return float(rng.uniform(0.5, 1.0))


@pytest.mark.parametrize("fn, args, wrt", HVP_CASES)
def test_hvp_matches_fd_of_grad(fn, args, wrt):
    v = _direction(args[wrt], seed=wrt + 11)
    expected = _fd_of_grad(fn, args, wrt, v)
    got = sg.hvp(fn, wrt)(*copy.deepcopy(args), v)
    assert np.shape(got) == np.shape(args[wrt])
    assert_close(got, expected, rtol=1e-5, atol=1e-7)


def test_hvp_tuple_wrt():
    fn, args = cf.matmul_operator, (cf.X23, cf.V3)
    vA, vv = _direction(args[0], 1), _direction(args[1], 2)
    hA, hv = sg.hvp(fn, (0, 1))(*args, (vA, vv))
    df = sg.grad(fn, wrt=(0, 1))
    plus = df(args[0] + EPS * vA, args[1] + EPS * vv)
    minus = df(args[0] - EPS * vA, args[1] - EPS * vv)
    assert_close(hA, (plus[0] - minus[0]) / (2 * EPS), rtol=1e-5, atol=1e-7)
    assert_close(hv, (plus[1] - minus[1]) / (2 * EPS), rtol=1e-5, atol=1e-7)


HESSIANS = [
    (cf.numpy_elementwise, (cf.POS3,), 0),
    (cf.rnn, (cf._r(3, 3, seed=3), cf.X23), 1),
    (cf.loop_over_rows, (cf.X23, cf.V3), 1),
    (cf.nested_two, (cf.X23, cf.V3), 0),
    (cf.branch_on_array, (np.array([0.5, -0.2, 1.1]),), 0),
    (ip.heat, (ip.X6, 0.2), 0),
    (ip.recurrence_copy, (ip.X6, ip.Y), 0),
    (ip.stencil_2d, (ip.A44,), 0),
    (golden.logistic_loss, (np.array([0.3, -0.2, 0.5]), 0.1, cf._r(4, 3, seed=5), np.array([1.0, 0.0, 1.0, 0.0])), 0),
    (cf.piecewise, (1.0,), 0),
    (cf.simulate, (4.0, 0.5, 0.5, 50), 1),
]


@pytest.mark.parametrize("fn, args, wrt", [pytest.param(*c, id=f"{c[0].__name__}-{k}")
                                           for k, c in enumerate(HESSIANS)])
def test_hessian_symmetric_and_equal_to_stacked_hvps(fn, args, wrt):
    H = np.asarray(sg.hessian(fn, wrt)(*copy.deepcopy(args)), dtype=float)
    shape = np.shape(args[wrt])
    size = int(np.prod(shape))
    assert H.shape == shape + shape
    M = H.reshape(size, size)
    assert_close(M, M.T, rtol=1e-9, atol=1e-10)
    hv = sg.hvp(fn, wrt)
    columns = []
    for k in range(size):
        e = np.zeros(size)
        e[k] = 1.0
        direction = e.reshape(shape) if shape else 1.0
        columns.append(np.ravel(hv(*copy.deepcopy(args), direction)))
    assert_close(M, np.array(columns).T, rtol=1e-10, atol=1e-12)
    # and with finite differences of the gradient
    df = sg.grad(fn, wrt=wrt)
    assert_close(H, fd_jacobian(lambda *a: df(*a), args, wrt), rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------------------
# grad of grad; grad inside a differentiated function
# ---------------------------------------------------------------------------

def _scalar_input_cases():
    out, seen = [], set()
    for case in cf.CASES:
        if not case.args or not isinstance(case.args[0], float) or 0 not in case.wrts:
            continue
        key = (case.fn, case.label)
        if key in seen:
            continue
        seen.add(key)
        label = f"{case.fn.__name__}[{case.label}]" if case.label else case.fn.__name__
        out.append(pytest.param(case.fn, case.args, id=label))
    return out


SCALAR_INPUT = _scalar_input_cases()


def test_scalar_input_cases_cover_loops_and_branches():
    fns = {p.values[0] for p in SCALAR_INPUT}
    for fn in (cf.piecewise, cf.branches_in_loop, cf.loops_in_branches, cf.newton_sqrt,
               cf.for_break, cf.return_in_loop, cf.while_in_for, cf.early_return):
        assert fn in fns, fn.__name__


@pytest.mark.parametrize("fn, args", SCALAR_INPUT)
def test_grad_of_grad_matches_fd_of_grad(fn, args):
    df = sg.grad(fn)
    ddf = sg.grad(df)
    got = ddf(*args)
    assert isinstance(got, float)
    expected = numeric_grad(df, args, 0)
    assert_close(got, expected, rtol=1e-5, atol=1e-7)


def test_third_derivative():
    def cubic_loop(x):
        s = 0.0
        for i in range(4):
            if s < 10.0:
                s = s + x ** 3 * (i + 1)
        return s
    d3 = sg.grad(sg.grad(sg.grad(cubic_loop)))
    # s = 10 x^3 at x = 0.5 (all four terms; s stays below 10): d3 = 60
    assert_close(d3(0.5), 60.0, rtol=1e-10)


def _inner_loss(w):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.sin(w * (i + 1.0)) ** 2)
    return s


def calls_grad_inside(x):
    return np.sum(sg.grad(_inner_loss)(x) * x)


def _task_loss(w, x):
    return np.sum((np.tanh(w * x) - 0.3) ** 2)


def maml_steps(w, x):
    for step in range(2):
        w = w - 0.1 * sg.grad(_task_loss)(w, x)
    return _task_loss(w, x)


def grad_inside_branch(x):
    if np.sum(x) > 0.0:
        g = sg.grad(_inner_loss)(x)
    else:
        g = x * 1.0
    return np.sum(g * g)


@pytest.mark.parametrize("fn, args, wrt", [
    (calls_grad_inside, (X3,), 0),
    (calls_grad_inside, (X4 * 0.5,), 0),
    (maml_steps, (X3, np.array([0.5, -1.0, 2.0])), 0),
    (maml_steps, (X3, np.array([0.5, -1.0, 2.0])), 1),
    (grad_inside_branch, (X3,), 0),
    (grad_inside_branch, (-X3,), 0),
])
def test_grad_of_function_calling_grad(fn, args, wrt):
    got = sg.grad(fn, wrt=wrt)(*args)
    assert_close(got, numeric_grad(fn, args, wrt), rtol=1e-6, atol=1e-8)
    value, _ = sg.value_and_grad(fn, wrt=wrt)(*args)
    assert_close(value, fn(*args), rtol=1e-12)


# ---------------------------------------------------------------------------
# regressions found by the tests above, reduced
# ---------------------------------------------------------------------------

def branch_copies_name(x):
    if x > 1.0:
        a = 1 / x
        b = 0.0
    else:
        a = x * x
        b = a               # on this path b is a copy of a; on the other it is not
    return b + 3.0 * a


@pytest.mark.parametrize("x", [2.0, 0.5])
def test_branch_where_one_name_copies_another(x):
    """The reduced form of early_return's second derivative: first order already."""
    expected_value = branch_copies_name(x)
    expected = numeric_grad(branch_copies_name, (x,), 0)
    value, g = sg.value_and_grad(branch_copies_name)(x)
    assert_close(value, expected_value, rtol=1e-14)
    assert_close(g, expected, rtol=1e-6)
    value, t = sg.jvp(branch_copies_name, (x,), (1.0,))
    assert_close(value, expected_value, rtol=1e-14)
    assert_close(t, expected, rtol=1e-6)
    df = sg.grad(branch_copies_name)
    assert_close(sg.grad(df)(x), numeric_grad(df, (x,), 0), rtol=1e-5)


def test_second_order_of_functions_with_the_same_name():
    """tests/test_control_flow.py and tests/golden_programs.py both define `piecewise`
    (and `simulate`, `newton_sqrt`): each derivative of a derivative must read its own
    generated code, whatever else was compiled in between."""
    d_cf = sg.grad(cf.piecewise)
    d_cf(1.0)
    d_golden = sg.grad(golden.piecewise)
    d_golden(0.3, 0.7)
    assert_close(sg.grad(d_cf)(1.0), numeric_grad(d_cf, (1.0,), 0), rtol=1e-5)
    assert_close(sg.grad(d_golden)(0.3, 0.7), numeric_grad(d_golden, (0.3, 0.7), 0), rtol=1e-5)
    d_n1 = sg.grad(cf.newton_sqrt)
    d_n1(2.0)
    sg.grad(golden.newton_sqrt)(3.0)
    assert_close(sg.grad(d_n1)(2.0), -0.25 * 2.0 ** -1.5, rtol=1e-6)


def kinds_branch(x):
    if x > 0.5:
        return np.sin(x) * x
    return x * x


def test_second_order_after_the_gradient_ran_for_another_argument_kind():
    """The same function compiled for a float and for a 0-d array: the derivative of
    each compiled gradient must be built from that gradient's own code."""
    df = sg.grad(kinds_branch)
    df(0.8)
    df(np.array(0.8))
    expected = 2.0 * np.cos(0.8) - 0.8 * np.sin(0.8)
    assert_close(sg.grad(df)(0.8), expected, rtol=1e-12)
    assert_close(sg.grad(df)(np.array(0.8)), expected, rtol=1e-12)


def smooth_branches(x):
    if x > 0.5:
        y = np.sin(x) * x
    else:
        y = np.exp(x) - x * x
    return y * y


def smooth_branches_b(x):
    if x > 0.5:
        y = np.sin(x) * x
    else:
        y = np.exp(x) - x * x
    return y * y


def smooth_branches_c(x):
    if x > 0.5:
        y = np.sin(x) * x
    else:
        y = np.exp(x) - x * x
    return y * y


def smooth_vector(x):
    s = 0.0
    for i in range(2):
        s = s + np.sum(np.sin(x * (i + 1.0)) * x)
    return s * s


SECOND_ORDER_SOURCES = [
    pytest.param(lambda: sg.grad(sg.grad(smooth_branches)), (0.8,), id="grad-grad-float"),
    pytest.param(lambda: sg.grad(sg.grad(smooth_branches_b)), (np.array(0.8),), id="grad-grad-0d"),
    pytest.param(lambda: sg.jvp(sg.grad(smooth_branches_c)), (0.8, 1.0), id="jvp-grad-float"),
    pytest.param(lambda: sg.jvp(sg.grad(smooth_vector)), (X3, np.array([1.0, -0.5, 0.3])), id="jvp-grad-array"),
]


@pytest.mark.parametrize("make, args", SECOND_ORDER_SOURCES)
def test_second_order_source_runs_on_its_own(make, args):
    """`.source` is a plain NumPy function: run in a fresh namespace (its own imports
    only) it gives the same numbers as the derivative."""
    d = make()
    if isinstance(d, sg.Derivative) and d.variant == "grad":
        expected = d(*args)
    else:
        n = len(args) // 2
        expected = d(args[:n], args[n:])
    namespace = {}
    exec(compile(d.source, "<second-order source>", "exec"), namespace)
    fns = [v for k, v in namespace.items() if callable(v) and k.startswith("smooth_")]
    assert len(fns) == 1, list(namespace)
    got = fns[0](*args)
    if isinstance(expected, tuple):
        for a, e in zip(got, expected):
            assert_close(a, e, rtol=1e-14)
    else:
        assert_close(got, expected, rtol=1e-14)


# Reduced forms of the corpus programs whose second derivatives fail, each with
# its exact answer: one construct per case.

def r_and_condition(x):
    if x > 0.0 and x < 2.0:
        return x ** 3                       # f'' = 6x
    return x


def r_return_in_loop(x):
    y = x
    for k in range(3):
        y = y * 1.5 + x
        if y > 3.0:
            return y                        # linear in x: f'' = 0
    return y


def r_branches_save_different_values(x):
    y = x
    for k in range(3):
        if y > 1.0:
            y = y * 0.5
        else:
            t = y * x
            y = t * t
    return y


def r_nested_break(x, n):
    s = 0.0
    for i in range(n):
        for j in range(n):
            if j > i:
                break
            s = s + x ** 2                  # n (n + 1) / 2 terms: f'' = n (n + 1)
    return s


def r_continue(x, n):
    s = 0.0
    for i in range(n):
        if i == 2:
            continue
        s = s + x / (i + 1)
    return s * x                            # c x^2: f'' = 2c


def r_append(x):
    lst = []
    for i in range(3):
        lst.append(x * i)
    return lst[2] * lst[1]                  # 2 x^2: f'' = 4


def _branches_reference(x):
    return numeric_grad(sg.grad(r_branches_save_different_values), (x,), 0)


@pytest.mark.parametrize("fn, args, expected", [
    (r_and_condition, (0.5,), 3.0),
    (r_return_in_loop, (1.0,), 0.0),
    (r_branches_save_different_values, (0.9,), None),
    (r_nested_break, (0.8, 3), 12.0),
    (r_continue, (0.8, 4), 2.0 * (1.0 + 1.0 / 2.0 + 1.0 / 4.0)),
    (r_append, (0.7,), 4.0),
], ids=lambda v: getattr(v, "__name__", None))
def test_grad_of_grad_reduced(fn, args, expected):
    if expected is None:
        expected = _branches_reference(*args)
    assert_close(sg.grad(sg.grad(fn))(*args), expected, rtol=1e-6, atol=1e-9)


def r_fancy_read(x):
    return np.sum(x[np.array([0, 2])] ** 3)


def r_newaxis_read(x):
    return np.sum(x[:, np.newaxis] ** 3)


def r_list_used_twice(x):
    lst = []
    for i in range(3):
        lst.append(x[i])
    return np.sum(lst) * np.sum(lst)


def r_slice_augmented(x):
    u = x.copy()
    u[1:3] += x[0:2]
    return np.sum(u * u)


HV_X = np.array([0.5, -1.0, 2.0])
HV_V = np.array([1.0, 0.3, -0.7])


@pytest.mark.parametrize("fn, expected", [
    (r_fancy_read, 6.0 * HV_X * HV_V * np.array([1.0, 0.0, 1.0])),
    (r_newaxis_read, 6.0 * HV_X * HV_V),
    (r_list_used_twice, np.full(3, 2.0 * HV_V.sum())),
    (r_slice_augmented, None),
], ids=lambda v: getattr(v, "__name__", None))
def test_hvp_reduced(fn, expected):
    if expected is None:
        expected = _fd_of_grad(fn, (HV_X,), 0, HV_V)
    assert_close(sg.hvp(fn)(HV_X, HV_V), expected, rtol=1e-6, atol=1e-9)


def r_copy_before_loop(x):
    y = x * x
    t = y
    for i in range(2):
        t = t + y
        y = np.cos(t)
    return t + y


def test_jvp_reduced_copy_before_loop():
    value, t = sg.jvp(r_copy_before_loop, (0.8,), (1.0,))
    assert_close(value, r_copy_before_loop(0.8), rtol=1e-14)
    assert_close(t, numeric_grad(r_copy_before_loop, (0.8,), 0), rtol=1e-6)
