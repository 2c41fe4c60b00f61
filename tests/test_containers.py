"""Containers, helper functions, closures and module state.

* dict / list / tuple arguments (an MLP with a dict of parameters, a float
  leaf, nested lists, tuples): the gradient has the argument's structure --
  dict with the same keys, list, tuple, arrays of the same shapes, floats for
  float leaves -- also inside a ``wrt`` tuple that mixes a dict and an array;
* ``for k, v in params.items()``, ``for w in ws``, ``a, b = pair`` for a tuple
  argument and a tuple built in the function, helpers returning tuples;
* dicts built in the function: literals, ``dict(k=v)``, ``dict(p)`` copies, new
  keys assigned (string and int keys, in loops), dict comprehensions, nested
  dicts, and iterating them; builtin ``sum`` / ``max`` / ``min`` over dict
  values, lists and tuples;
* helper functions (inlined): several levels deep, in loops, keyword and
  default arguments; closures; module-level constants that change between
  calls; recursion is refused;
* a helper that mutates module state: ``f(x) + f(x)`` with ``f(x) = x * c``
  after ``c += 1`` has derivative 3 (or the compiler refuses).

Every gradient is compared with central finite differences that perturb one
leaf element at a time on a deep copy of the arguments; ``value_and_grad``
must return ``f(*args)`` and the call must leave the arguments unchanged.
"""
import copy
import inspect
import sys

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")
THIS_MODULE = sys.modules[__name__]


# ---------------------------------------------------------------------------
# finite differences over containers
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


def assert_tree_close(actual, expected, rtol=1e-6, atol=1e-8, where="grad"):
    """Same structure (dict keys, list / tuple, float vs array, shapes) and close leaves."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected a dict, got {type(actual).__name__}"
        assert set(actual) == set(expected), f"{where}: keys {sorted(actual)} != {sorted(expected)}"
        for k in expected:
            assert_tree_close(actual[k], expected[k], rtol, atol, f"{where}[{k!r}]")
    elif isinstance(expected, (list, tuple)):
        assert type(actual) is type(expected), \
            f"{where}: expected a {type(expected).__name__}, got {type(actual).__name__}"
        assert len(actual) == len(expected), f"{where}: length {len(actual)} != {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_tree_close(a, e, rtol, atol, f"{where}[{i}]")
    elif isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray), f"{where}: expected an ndarray, got {type(actual).__name__}"
        assert actual.shape == expected.shape, f"{where}: shape {actual.shape} != {expected.shape}"
        assert actual.dtype.kind == "f", f"{where}: dtype {actual.dtype}"
        assert_close(actual, expected, rtol=rtol, atol=atol)
    else:
        assert isinstance(actual, float) and not isinstance(actual, np.ndarray), \
            f"{where}: expected a float, got {type(actual).__name__}"
        assert_close(actual, expected, rtol=rtol, atol=atol)


def assert_tree_equal(actual, expected):
    pa = list(_leaf_paths(actual))
    pe = list(_leaf_paths(expected))
    assert [p for p, _ in pa] == [p for p, _ in pe], "argument structure changed"
    for (path, a), (_, e) in zip(pa, pe):
        assert type(a) is type(e), f"argument leaf {path} changed type"
        assert np.array_equal(np.asarray(a), np.asarray(e)), f"argument leaf {path} was modified"


def _argnum(f, w):
    if isinstance(w, str):
        return list(inspect.signature(f).parameters).index(w)
    return w


def check(f, args, wrt=0):
    """grad and value_and_grad of f against finite differences and f itself."""
    wrts = wrt if isinstance(wrt, tuple) else (wrt,)
    expected_value = f(*copy.deepcopy(args))
    expected = tuple(fd_grad(f, args, _argnum(f, w)) for w in wrts)

    for variant in ("grad", "value_and_grad"):
        call_args = copy.deepcopy(args)
        out = getattr(sg, variant)(f, wrt=wrt)(*call_args)
        assert_tree_equal(call_args, args)
        if variant == "value_and_grad":
            value, g = out
            assert_close(value, expected_value, rtol=1e-12, atol=1e-12)
        else:
            g = out
        if isinstance(wrt, tuple):
            assert isinstance(g, tuple) and len(g) == len(wrt), f"{variant}: expected a tuple of {len(wrt)}"
            got = g
        else:
            got = (g,)
        for w, a, e in zip(wrts, got, expected):
            assert_tree_close(a, e, where=f"{variant} wrt={w!r}")


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

RNG = np.random.default_rng(7)
X2 = np.array([0.6, -0.9])
X3 = np.array([0.4, -1.1, 0.7])
W3 = np.array([0.9, 0.3, -0.5])


def _params():
    return {
        "W1": RNG.normal(size=(3, 2)) * 0.8,
        "b1": RNG.normal(size=3) * 0.3,
        "W2": RNG.normal(size=(2, 3)) * 0.8,
        "b2": RNG.normal(size=2) * 0.3,
        "scale": 1.3,
    }


PARAMS = _params()
NESTED = {"enc": {"W": RNG.normal(size=(3, 2)) * 0.7, "b": RNG.normal(size=3) * 0.2},
          "dec": {"W": RNG.normal(size=(1, 3)) * 0.7},
          "unused": np.array([1.0, 2.0])}
WS = [RNG.normal(size=(3, 2)) * 0.7, RNG.normal(size=(3, 3)) * 0.7, RNG.normal(size=(2, 3)) * 0.7]
NESTED_LIST = [[RNG.normal(size=(3, 2)) * 0.7, RNG.normal(size=3) * 0.2], [RNG.normal(size=3)], 0.8]
PAIR = (np.array([0.3, -0.7, 1.1]), 1.7)


# ---------------------------------------------------------------------------
# container arguments
# ---------------------------------------------------------------------------

def mlp(params, x):
    h = np.tanh(params["W1"] @ x + params["b1"])
    out = params["W2"] @ h + params["b2"]
    return np.sum(out ** 2) * params["scale"]


def mlp_items_reg(params, x, lam):
    loss = mlp(params, x)
    reg = 0.0
    for k, v in params.items():
        reg = reg + lam * np.sum(v * v)
    return loss + reg


def mlp_keys_loop(params, x):
    total = 0.0
    for k in params:
        total = total + np.sum(params[k] ** 2) * np.sum(x)
    return total


def nested_dict(params, x):
    h = np.tanh(params["enc"]["W"] @ x + params["enc"]["b"])
    return np.sum(params["dec"]["W"] @ h)


def for_over_list(ws, x):
    h = x
    for w in ws:
        h = np.tanh(w @ h)
    return np.sum(h * h)


def list_index_loop(ws, x):
    h = x
    for i in range(len(ws)):
        h = np.sin(ws[i] @ h) + 0.1 * i
    return np.sum(h)


def dict_keys_values(params, x):
    total = 0.0
    for k in params.keys():
        total = total + np.sum(params[k] * 0.5)
    for v in params.values():
        total = total + np.sum(v * v) * np.sum(x)
    return total


def list_zip(ws, bs):
    s = 0.0
    for w, b in zip(ws, bs):
        s = s + np.sum(w * w) * b
    return s


def list_enumerate(ws, bs):
    s = 0.0
    for i, w in enumerate(ws):
        s = s + (i + 1.0) * np.sum(np.sin(w)) * bs[i]
    return s


def list_enumerate_zip(ws, bs):
    s = 0.0
    for i, (w, b) in enumerate(zip(ws, bs)):
        s = s + (i + 1.0) * np.sum(w) * b
    return s


def nested_list(ws, x):
    h = np.tanh(ws[0][0] @ x + ws[0][1])
    return np.sum(ws[1][0] * h) * ws[2]


def tuple_arg(pair, x):
    a, b = pair
    return np.sum(a * x) * b + b ** 2


def tuple_index_arg(pair, x):
    return np.sum(pair[0] * np.sin(x)) / pair[1]


def tuple_built_inside(x):
    pair = (x * 2.0, np.sin(x))
    a, b = pair
    c, d = b, a
    return np.sum(a * b) + np.sum(c * d * x)


def tuple_of_dict(state, x):
    params, gain = state
    return mlp(params, x) * gain


def list_arg_mixed(items, y):
    return np.sum(items[0] * y) + items[1] * items[2] * y


# dicts built in the function: literals, new keys, comprehensions, copies

def dict_literal(w, b):
    p = {"w": w, "b": b}
    return np.sum(p["w"] * np.tanh(p["b"]))


def dict_new_keys(params, x):
    p = dict(params)
    p["h"] = np.tanh(p["W1"] @ x + p["b1"])
    p["out"] = p["W2"] @ p["h"] + p["b2"]
    return np.sum(p["out"] ** 2) * p["scale"]


def dict_copy_overwritten(params, x):
    p = dict(params)
    p["W1"] = p["W1"] * 2.0
    return mlp(p, x) + np.sum(params["W1"] * p["W1"])


def dict_comprehension(params, x):
    halved = {k: v * 0.5 for k, v in params.items()}
    return mlp(halved, x) + np.sum(halved["W1"])


def dict_comprehension_filtered(params):
    sizes = {k: np.sum(v * v) for k, v in params.items() if k != "scale"}
    total = 0.0
    for k in sizes:
        total = total + sizes[k] * len(k)
    return total


def dict_int_keys_in_loop(ws, x):
    layers = {}
    for i, w in enumerate(ws):
        layers[i] = w * 1.5
    h = x
    for i in range(len(layers)):
        h = np.tanh(layers[i] @ h)
    return np.sum(h * h)


def dict_nested_built(params, x):
    model = {"enc": {"W": params["W1"], "b": params["b1"]}, "dec": dict(W=params["W2"], b=params["b2"])}
    h = np.tanh(model["enc"]["W"] @ x + model["enc"]["b"])
    return np.sum(model["dec"]["W"] @ h + model["dec"]["b"])


def dict_nested_items(params, x):
    total = 0.0
    for name, layer in params.items():
        if name != "unused":
            for k, v in layer.items():
                total = total + np.sum(np.sin(v)) * np.sum(x)
    return total


# builtin sum / max / min over containers

def sum_over_dict_values(params, lam):
    return lam * sum(np.sum(v ** 2) for v in params.values())


def sum_over_list(xs, x):
    return np.sum(sum(xs) * x) + sum(xs[1:], xs[0])[0]


def max_min_over_list(bs, y):
    return max(bs) * y + min(b * y for b in bs)


CONTAINERS = [
    (mlp, (PARAMS, X2), (0, 1, (0, 1), ("params", "x"), ("x", "params"))),
    (mlp_items_reg, (PARAMS, X2, 0.05), (0, (0, 1, 2))),
    (mlp_keys_loop, (PARAMS, X2), (0, (0, 1))),
    (nested_dict, (NESTED, X2), (0, (1, 0))),
    (for_over_list, (WS, X2), (0, 1, (0, 1))),
    (list_index_loop, (WS, X2), (0, (0, 1))),
    (dict_keys_values, (PARAMS, X2), (0, (0, 1))),
    (list_zip, ([X3, X2 * 2.0], [0.5, -1.5]), (0, 1, (0, 1))),
    (list_enumerate, ([X3, X2 * 2.0], [0.5, -1.5]), (0, 1, (0, 1))),
    (nested_list, (NESTED_LIST, X2), (0, (0, 1))),
    (tuple_arg, (PAIR, X3), (0, 1, (0, 1))),
    (tuple_index_arg, (PAIR, X3), (0, (1, 0))),
    (tuple_built_inside, (X3,), (0,)),
    (tuple_of_dict, ((PARAMS, 0.7), X2), (0, (0, 1))),
    (list_arg_mixed, ([X3, 0.5, 2.0], 1.3), (0, (0, 1))),
    (dict_literal, (X3, W3), (0, 1, (0, 1))),
    (dict_new_keys, (PARAMS, X2), (0, 1, (0, 1))),
    (dict_copy_overwritten, (PARAMS, X2), (0, (0, 1))),
    (dict_comprehension, (PARAMS, X2), (0, (0, 1))),
    (dict_comprehension_filtered, (PARAMS,), (0,)),
    (dict_int_keys_in_loop, (WS[:2] + [RNG.normal(size=(3, 3))], X2), (0, 1, (0, 1))),
    (dict_nested_built, (PARAMS, X2), (0, (0, 1))),
    (dict_nested_items, (NESTED, X2), (0, (0, 1))),
    (sum_over_dict_values, (PARAMS, 0.3), (0, (0, 1))),
    (sum_over_list, ([X3, W3, X3 * W3], X3), (0, 1, (0, 1))),
    (max_min_over_list, ([0.5, -1.5, 2.0], 1.3), (0, 1, (0, 1))),
    (max_min_over_list, ((0.5, -1.5, 2.0), -0.7), (0, 1, (0, 1))),
]


def _cases(table):
    out = []
    for k, (fn, args, wrts) in enumerate(table):
        for w in wrts:
            out.append(pytest.param(fn, args, w, id=f"{fn.__name__}-{k}-wrt{w}"))
    return out


@pytest.mark.parametrize("fn, args, wrt", _cases(CONTAINERS))
def test_container_arguments(fn, args, wrt):
    check(fn, args, wrt)


def _dict_and_builtins(x):
    p = {"a": x, "b": x * x}
    q = {k: v * 2.0 for k, v in p.items()}
    q["c"] = max(q["a"], 0.5, q["b"]) * 3.0
    return q["a"] * q["b"] + q["c"] + sum(x ** k for k in range(4))


@pytest.mark.parametrize("x", [0.7, 1.3])
def test_second_order_through_built_dicts_and_builtins(x):
    """grad(grad(f)) and hvp run through the dict writes, sum and max of the first derivative."""
    expected = fd_grad(sg.grad(_dict_and_builtins), (x,), 0)
    assert_close(sg.grad(sg.grad(_dict_and_builtins))(x), expected, rtol=1e-6)
    assert_close(sg.hvp(_dict_and_builtins)(x, 1.0), expected, rtol=1e-6)


def test_enumerate_zip_refused_or_right():
    args = ([X3, X2 * 2.0], [0.5, -1.5])
    try:
        check(list_enumerate_zip, args, (0, 1))
    except sg.S2SGradError:
        pass


def test_gradient_structure_is_explicit():
    """The structure spelled out, independent of the helpers above."""
    g = sg.grad(mlp)(copy.deepcopy(PARAMS), X2.copy())
    assert isinstance(g, dict) and set(g) == set(PARAMS)
    for k, v in PARAMS.items():
        if isinstance(v, float):
            assert isinstance(g[k], float)
        else:
            assert isinstance(g[k], np.ndarray) and g[k].shape == v.shape
    gl = sg.grad(nested_list)(copy.deepcopy(NESTED_LIST), X2.copy())
    assert type(gl) is list and type(gl[0]) is list and type(gl[1]) is list
    assert isinstance(gl[2], float)
    gt = sg.grad(tuple_arg)(PAIR, X3)
    assert type(gt) is tuple and isinstance(gt[0], np.ndarray) and isinstance(gt[1], float)
    gp, gx = sg.grad(mlp, wrt=("params", "x"))(copy.deepcopy(PARAMS), X2.copy())
    assert isinstance(gp, dict) and isinstance(gx, np.ndarray) and gx.shape == (2,)


def test_nested_dict_structure():
    gn = sg.grad(nested_dict)(copy.deepcopy(NESTED), X2.copy())
    assert set(gn) == {"enc", "dec", "unused"} and set(gn["enc"]) == {"W", "b"}
    assert isinstance(gn["unused"], np.ndarray) and gn["unused"].shape == (2,)
    assert np.all(gn["unused"] == 0.0)


def test_container_function_reused_with_other_shapes():
    params = {"W1": RNG.normal(size=(4, 3)), "b1": RNG.normal(size=4) * 0.1,
              "W2": RNG.normal(size=(1, 4)) * 0.5, "b2": np.array([0.1]), "scale": 0.5}
    check(mlp, (params, X3), (0, 1))
    check(for_over_list, (WS[:2] + [RNG.normal(size=(1, 3))], X2), (0, 1))


# ---------------------------------------------------------------------------
# helpers, tuples returned by helpers, closures
# ---------------------------------------------------------------------------

def _stats(x):
    return np.sum(x), np.sum(x * x)


def helper_tuple_return(x):
    m, s = _stats(x)
    n = len(x)
    return s / n - (m / n) ** 2


def _affine(W, b, x):
    return W @ x + b


def _layer(W, b, x, scale=1.0):
    return np.tanh(_affine(W, b, x)) * scale


def _forward(params, x, depth=1):
    h = _layer(params["W1"], params["b1"], x, 1.0)
    out = _layer(params["W2"], b=params["b2"], x=h, scale=params["scale"])
    for i in range(depth - 1):
        out = out * 0.5 + _affine(np.eye(2), params["b2"], out)
    return out


def helpers_deep(params, x):
    return np.sum(_forward(params, x, 1) ** 2) + np.sum(_forward(params, x, depth=3))


def _inner(x, p=2.0):
    return x ** p


def _middle(x, scale=1.0):
    return _inner(x, 2.0) * scale + _inner(x, p=3.0)


def _outer(x, w):
    return np.sum(_middle(x * w, scale=0.5))


def helpers_keywords(x, w):
    return _outer(x, w) + _outer(w=x, x=w) + np.sum(_inner(p=1.5, x=w * w))


def helpers_defaults(x, w):
    return np.sum(_inner(x) * _middle(w)) + np.sum(_layer(np.outer(w, x), w, x))


def helpers_in_loop(x, w):
    s = 0.0
    for i in range(3):
        s = s + _middle(x[i] * w, scale=i + 1.0)
        if i > 0:
            s = s * _inner(x[i - 1], p=1.0)
    return np.sum(s)


def _apply_twice(x, w):
    m, s = _stats(x * w)
    m2, s2 = _stats(np.sin(x) * m)
    return m2 + s2 * s


def helper_tuples_in_loop(x, w):
    total = 0.0
    for i in range(2):
        a, b = _stats(x * (i + 1.0))
        total = total + a * b + _apply_twice(x, w)
    return total


def make_closure(scale, shift):
    def closure(x):
        return np.sum(np.sin(x * scale) + shift * x) * scale
    return closure


closure_f = make_closure(1.5, np.array([0.25, -0.5, 1.0]))


def make_closure_with_helper(W):
    def closure(x):
        h = _layer(W, 0.1, x, 1.0)
        return np.sum(h * h) + _outer(x, x)
    return closure


closure_g = make_closure_with_helper(np.array([[0.4, -0.3, 0.9], [1.1, 0.2, -0.6]]))


HELPERS = [
    (helper_tuple_return, (X3,), (0,)),
    (helpers_deep, (PARAMS, X2), (0, 1, (0, 1))),
    (helpers_keywords, (X3, W3), (0, 1, (0, 1))),
    (helpers_defaults, (X3, W3), (0, 1, (0, 1))),
    (helpers_in_loop, (X3, W3), (0, 1)),
    (helper_tuples_in_loop, (X3, W3), (0, 1)),
    (closure_f, (X3,), (0,)),
    (closure_g, (X3,), (0,)),
]


@pytest.mark.parametrize("fn, args, wrt", _cases(HELPERS))
def test_helpers_and_closures(fn, args, wrt):
    check(fn, args, wrt)


def make_adjustable():
    k = 1.0

    def adjustable(x):
        return k * np.sum(x ** 2)

    def set_k(value):
        nonlocal k
        k = value

    return adjustable, set_k


adjustable, set_adjustable_k = make_adjustable()


def test_closure_cell_changes_are_followed():
    df = sg.grad(adjustable)
    for k in (1.0, 2.5, -0.5):
        set_adjustable_k(k)
        assert_close(df(X3), 2 * k * X3)
        assert_close(df(X3), fd_grad(adjustable, (X3,), 0))
    set_adjustable_k(1.0)


# ---------------------------------------------------------------------------
# module-level constants
# ---------------------------------------------------------------------------

SCALE = 2.0
OFFSET = np.array([0.1, -0.2, 0.3])
TABLE = {"gain": 1.5}


def _scaled(x):
    return SCALE * x


def uses_constants(x):
    return SCALE * np.sum((x - OFFSET) ** 2) + np.sum(_scaled(x)) * TABLE["gain"]


def test_module_constants(monkeypatch):
    df = sg.grad(uses_constants)
    vdf = sg.value_and_grad(uses_constants)
    check(uses_constants, (X3,), 0)
    for scale, offset, gain in ((3.0, OFFSET, 1.5), (-1.0, np.array([1.0, 0.0, -1.0]), 1.5),
                                (0.5, OFFSET, -2.0)):
        monkeypatch.setattr(THIS_MODULE, "SCALE", scale)
        monkeypatch.setattr(THIS_MODULE, "OFFSET", offset)
        monkeypatch.setitem(TABLE, "gain", gain)
        expected = 2 * scale * (X3 - offset) + scale * gain
        assert_close(df(X3), expected)
        assert_close(df(X3), fd_grad(uses_constants, (X3,), 0))
        value, g = vdf(X3)
        assert_close(value, uses_constants(X3), rtol=1e-12)
        assert_close(g, expected)


# ---------------------------------------------------------------------------
# recursion
# ---------------------------------------------------------------------------

def recursive(x, n):
    if n == 0:
        return x
    return x * recursive(x, n - 1)


def _ping(x, n):
    if n <= 0:
        return x
    return _pong(x * 2.0, n - 1)


def _pong(x, n):
    return _ping(np.sin(x), n)


def mutual_recursion(x, n):
    return _ping(x, n)


@pytest.mark.parametrize("fn", [recursive, mutual_recursion])
@pytest.mark.parametrize("variant", ["grad", "value_and_grad"])
def test_recursion_refused(fn, variant):
    with pytest.raises(sg.S2SGradError):
        getattr(sg, variant)(fn)(0.7, 3)


# ---------------------------------------------------------------------------
# module state mutated by a helper
# ---------------------------------------------------------------------------

c = 0
STATE = {"c": 0}
COUNTS = [0]


def _bump_global(x):
    global c
    c += 1
    return x * c


def twice_global(x):
    return _bump_global(x) + _bump_global(x)


def _bump_state(x):
    STATE["c"] += 1
    return x * STATE["c"]


def twice_state(x):
    return _bump_state(x) + _bump_state(x)


def _bump_list(x):
    COUNTS[0] = COUNTS[0] + 1
    return x * COUNTS[0]


def twice_list(x):
    return _bump_list(x) + _bump_list(x)


LOG = []


def _bump_append(x):
    LOG.append(1.0)
    return x * len(LOG)


def twice_append(x):
    return _bump_append(x) + _bump_append(x)


def _bump_update(x):
    STATE.update(c=STATE["c"] + 1)
    return x * STATE["c"]


def twice_update(x):
    return _bump_update(x) + _bump_update(x)


def _reset():
    global c
    c = 0
    STATE["c"] = 0
    COUNTS[0] = 0
    LOG.clear()


@pytest.mark.parametrize("fn", [twice_global, twice_state, twice_list, twice_append, twice_update])
@pytest.mark.parametrize("variant", ["grad", "value_and_grad"])
@pytest.mark.parametrize("x", [2.0, np.array(2.0)])
def test_helper_mutating_module_state(fn, variant, x):
    """f(x) + f(x) with c incremented before use, from 0: the derivative is 3, or a refusal."""
    _reset()
    assert fn(2.0) == 6.0                       # Python's own semantics
    _reset()
    try:
        out = getattr(sg, variant)(fn)(x)
    except sg.S2SGradError:
        _reset()
        return
    if variant == "value_and_grad":
        value, g = out
        assert_close(value, 6.0)
    else:
        g = out
    assert_close(g, 3.0)
    _reset()
