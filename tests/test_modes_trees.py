"""Forward mode, Jacobians, Hessians and Hessian-vector products with container
arguments (lists, tuples and dicts of arrays and floats) and with ``wrt``
selecting several arguments, against central finite differences.

* ``sg.jvp``: the tangent against differences of ``f`` along the tangents
  (every leaf of every argument moved); a tangent whose structure or shape is
  not its argument's is an ``S2SGradError`` (NumPy would broadcast it).
* ``sg.jacobian`` in the three modes: for each wrt argument, the result's
  structure holding the argument's structure of blocks ``J[q][p]`` of shape
  ``q.shape + p.shape``, each against differences of ``f`` moving one leaf
  element at a time; a function writing into its argument is differentiated
  at the point it was given, every column.
* ``sg.hvp``: against differences of ``sg.grad`` along ``v``, the result with
  the argument's structure (a tuple stays a tuple, a float a float), a
  1-tuple wrt gives a 1-tuple; ``sg.hessian`` with a tuple wrt gives the
  blocks ``H[i][j]`` of shape ``shape_i + shape_j``, symmetric.
* Arguments: ``hvp`` and ``jvp`` with defaults left out and keywords; a
  ``wrt`` naming one argument twice and ``hvp`` w.r.t. an integer are errors.
"""
import copy

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad import trees
from tests import test_containers as ct
from tests.numeric import assert_close

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

EPS = 1e-6


# ---------------------------------------------------------------------------
# programs
# ---------------------------------------------------------------------------

def list_model(ws, x):
    return np.sum(np.tanh(ws[0] * x) * ws[1]) + ws[2] * np.sum(x * x)


def tuple_model(p, x):
    a, b = p
    return np.sum(np.sin(a * x)) * b + b * b * np.sum(x)


def dict_model(params, x):
    return np.sum(np.tanh(params["W"] @ x + params["b"]) ** 2) * params["scale"]


def list_map(ws, x):                    # an array result
    return np.tanh(ws[0] * x) * ws[1] + ws[2] * x


def dict_pair(params, x):               # a tuple result
    h = np.tanh(params["W"] @ x + params["b"])
    return h * params["scale"], np.sum(h * h)


def matrix_pair(A, x):
    return np.sum(np.tanh(A @ x) ** 2) + np.sum(x ** 3)


def writes_argument(x, a):              # writes into x: each column at the point given
    for i in range(1, len(x)):
        x[i] = a * x[i - 1] + np.sin(x[i])
    return x * 1.0


X3 = np.array([0.5, -1.0, 0.25])
WS = [np.array([0.3, -0.5, 0.8]), np.array([1.2, 0.4, -0.7]), 0.6]
PAIR = (np.array([0.4, 0.9, -0.3]), 0.7)
PARAMS = {"W": np.array([[0.2, -0.4, 0.5], [0.7, 0.1, -0.3]]), "b": np.array([0.1, -0.2]), "scale": 1.3}
A23 = np.array([[0.5, -1.2, 0.8], [1.4, 0.3, -0.7]])


# ---------------------------------------------------------------------------
# finite differences over trees
# ---------------------------------------------------------------------------

def _moved(args, tangents, step):
    return [trees.map_leaves(lambda p, a: a + step * trees.get(t, p), arg) if t is not None else copy.deepcopy(arg)
            for arg, t in zip(args, tangents)]


def _difference(f, args, tangents, eps=EPS):
    plus, minus = f(*_moved(args, tangents, eps)), f(*_moved(args, tangents, -eps))
    return trees.map_leaves(lambda q, p: (np.asarray(p, dtype=float) - np.asarray(trees.get(minus, q), dtype=float))
                            / (2 * eps), plus)


def _random_like(tree, seed):
    rng = np.random.default_rng(seed)
    return trees.map_leaves(lambda _, a: rng.uniform(-1.0, 1.0, np.shape(a)) if isinstance(a, np.ndarray)
                            else float(rng.uniform(-1.0, 1.0)), tree)


def _assert_tree_close(actual, expected, rtol=1e-6, atol=1e-8, exact_types=True):
    got, want = list(trees.leaves(actual)), list(trees.leaves(expected))
    assert [p for p, _ in got] == [p for p, _ in want], f"structure {actual!r} vs {expected!r}"
    if exact_types:
        assert type(actual) is type(expected)
    for (path, a), (_, e) in zip(got, want):
        assert np.shape(a) == np.shape(e), f"leaf {path}: shape {np.shape(a)} vs {np.shape(e)}"
        if exact_types:
            assert isinstance(a, float) == isinstance(e, float), f"leaf {path}: {type(a).__name__}"
        assert_close(a, e, rtol=rtol, atol=atol)


def fd_jacobian_tree(f, args, argnum, eps=EPS):
    """The Jacobian as jacobian() gives it: the result's structure, each leaf q holding the
    argument's structure of blocks of shape q.shape + p.shape."""
    out = f(*copy.deepcopy(args))
    x = args[argnum]
    columns = {}
    for p, leaf in trees.leaves(x):
        cols = []
        for k in np.ndindex(np.shape(leaf)):
            unit = np.zeros(np.shape(leaf))
            unit[k] = 1.0
            direction = trees.with_leaf(trees.zeros_like(x), p, unit if np.shape(leaf) else 1.0)
            tangents = [direction if i == argnum else None for i in range(len(args))]
            cols.append(_difference(f, args, tangents, eps))
        columns[p] = cols

    def block(q, p, out_leaf):
        stacked = np.array([np.asarray(trees.get(c, q)) for c in columns[p]])
        return np.moveaxis(stacked, 0, -1).reshape(np.shape(out_leaf) + np.shape(trees.get(x, p)))
    return trees.map_leaves(lambda q, o: trees.map_leaves(lambda p, _: block(q, p, o), x), out)


# ---------------------------------------------------------------------------
# jvp
# ---------------------------------------------------------------------------

JVPS = [
    (list_model, (WS, X3)),
    (tuple_model, (PAIR, X3)),
    (dict_model, (PARAMS, X3)),
    (list_map, (WS, X3)),
    (dict_pair, (PARAMS, X3)),
    (ct.mlp, (ct.PARAMS, ct.X2)),
    (ct.nested_dict, (ct.NESTED, ct.X2)),
    (ct.nested_list, (ct.NESTED_LIST, ct.X2)),
    (ct.list_arg_mixed, ([ct.X3, 0.5, 2.0], 1.3)),
]


@pytest.mark.parametrize("fn, args", JVPS, ids=[f"{fn.__name__}-{k}" for k, (fn, _) in enumerate(JVPS)])
def test_jvp_of_container_arguments(fn, args):
    tangents = [_random_like(a, seed=k) for k, a in enumerate(args)]
    value, tangent = sg.jvp(fn, copy.deepcopy(args), tangents)
    _assert_tree_close(value, fn(*copy.deepcopy(args)), rtol=1e-12, atol=1e-14, exact_types=False)
    _assert_tree_close(tangent, _difference(fn, args, tangents), exact_types=False)


BAD_TANGENTS = [
    (list_model, (WS, X3), ([np.ones(3), np.ones(3)], X3), "for ws of structure [shape (3,), shape (3,)]"),
    (list_model, (WS, X3), ([np.ones(3), np.ones(2), 1.0], X3), "for ws[1] of shape (2,); ws[1] has shape (3,)"),
    (list_model, (WS, X3), (WS, 1.0), "for x of shape (); x has shape (3,)"),
    (dict_model, (PARAMS, X3), ({"W": np.ones((2, 3)), "b": np.ones(2)}, X3), "for params of structure"),
    (dict_model, (PARAMS, X3), ({"W": np.ones(3), "b": np.ones(2), "scale": 1.0}, X3),
     "for params['W'] of shape (3,); params['W'] has shape (2, 3)"),
    (tuple_model, (PAIR, X3), (np.ones(3), X3), "for p of shape (3,); p has structure (shape (3,), shape ())"),
]


@pytest.mark.parametrize("fn, args, tangents, message", BAD_TANGENTS,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(BAD_TANGENTS)])
def test_jvp_tangent_must_match_its_argument(fn, args, tangents, message):
    with pytest.raises(sg.S2SGradError) as info:
        sg.jvp(fn, args, tangents)
    text = str(info.value)
    assert text.startswith(f"jvp of {fn.__name__} got a tangent") and message in text, text


# ---------------------------------------------------------------------------
# jacobian
# ---------------------------------------------------------------------------

JACOBIANS = [
    (list_map, (WS, X3), 0),
    (list_map, (WS, X3), (0, 1)),
    (list_map, (WS, X3), (1, "ws")),
    (dict_pair, (PARAMS, X3), 0),
    (dict_pair, (PARAMS, X3), (1, 0)),
    (list_model, (WS, X3), (0, 1)),
    (tuple_model, (PAIR, X3), 0),
    (dict_model, (PARAMS, X3), "params"),
    (ct.nested_dict, (ct.NESTED, ct.X2), (0, 1)),
    (matrix_pair, (A23, X3), (0, 1)),
    (writes_argument, (X3, 0.6), (0, 1)),
]


def _index(fn, w):
    import inspect
    return list(inspect.signature(fn).parameters).index(w) if isinstance(w, str) else w


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
@pytest.mark.parametrize("fn, args, wrt", JACOBIANS,
                         ids=[f"{c[0].__name__}-{k}-wrt={c[2]!r}" for k, c in enumerate(JACOBIANS)])
def test_jacobian_of_containers_and_several_arguments(fn, args, wrt, mode):
    got = sg.jacobian(fn, wrt, mode=mode)(*copy.deepcopy(args))
    ws = wrt if isinstance(wrt, tuple) else (wrt,)
    if isinstance(wrt, tuple):
        assert isinstance(got, tuple) and len(got) == len(ws)
    else:
        got = (got,)
    for w, J in zip(ws, got):
        _assert_tree_close(J, fd_jacobian_tree(fn, args, _index(fn, w)), exact_types=False)


def test_jacobian_forward_and_reverse_agree_on_containers():
    fwd = sg.jacobian(dict_pair, (0, 1), mode="forward")(PARAMS, X3)
    rev = sg.jacobian(dict_pair, (0, 1), mode="reverse")(PARAMS, X3)
    _assert_tree_close(fwd, rev, rtol=1e-10, atol=1e-12)


def test_jacobian_layout_of_a_dict_argument():
    J = sg.jacobian(list_map, wrt=0)(WS, X3)       # array result, list argument
    assert isinstance(J, list) and [np.shape(b) for b in J] == [(3, 3), (3, 3), (3,)]
    J = sg.jacobian(dict_pair, wrt=0)(PARAMS, X3)  # tuple result, dict argument
    assert isinstance(J, tuple) and list(J[0]) == ["W", "b", "scale"]
    assert np.shape(J[0]["W"]) == (2, 2, 3) and np.shape(J[1]["b"]) == (2,) and np.shape(J[1]["scale"]) == ()


def ignores_second(x, ws):
    return x * 2.0 + np.sum(ws[0]) if ws else x * 2.0


@pytest.mark.parametrize("mode", ["forward", "reverse"])
@pytest.mark.parametrize("ws, shapes", [([], []), ([np.ones(0)], [(2, 0)])], ids=["empty-list", "empty-array"])
def test_jacobian_wrt_an_argument_with_no_elements(mode, ws, shapes):
    J_x, J_ws = sg.jacobian(ignores_second, wrt=(0, 1), mode=mode)(X3[:2], ws)
    assert_close(J_x, 2.0 * np.eye(2), rtol=0, atol=0)
    assert isinstance(J_ws, list) and [np.shape(b) for b in J_ws] == shapes


# ---------------------------------------------------------------------------
# hvp and hessian
# ---------------------------------------------------------------------------

HVPS = [
    (list_model, (WS, X3), 0),
    (list_model, (WS, X3), 1),
    (list_model, (WS, X3), (0, 1)),
    (list_model, (WS, X3), (1, 0)),
    (list_model, (WS, X3), (0,)),
    (tuple_model, (PAIR, X3), 0),
    (tuple_model, (PAIR, X3), (0, 1)),
    (dict_model, (PARAMS, X3), "params"),
    (dict_model, (PARAMS, X3), ("x", "params")),
    (ct.mlp, (ct.PARAMS, ct.X2), (0, 1)),
    (ct.nested_dict, (ct.NESTED, ct.X2), 0),
    (ct.tuple_of_dict, ((ct.PARAMS, 0.7), ct.X2), 0),
    (matrix_pair, (A23, X3), (0, 1)),
    (matrix_pair, (A23, X3), (1,)),
]


@pytest.mark.parametrize("fn, args, wrt", HVPS, ids=[f"{c[0].__name__}-{k}-wrt={c[2]!r}" for k, c in enumerate(HVPS)])
def test_hvp_of_containers_and_several_arguments(fn, args, wrt):
    ws = [_index(fn, w) for w in (wrt if isinstance(wrt, tuple) else (wrt,))]
    directions = [_random_like(args[i], seed=7 + i) for i in ws]
    v = tuple(directions) if isinstance(wrt, tuple) else directions[0]
    tangents = [directions[ws.index(i)] if i in ws else None for i in range(len(args))]
    expected = _difference(sg.grad(fn, wrt=wrt), args, tangents)
    got = sg.hvp(fn, wrt)(*copy.deepcopy(args), v)
    _assert_tree_close(got, expected, rtol=1e-5, atol=1e-7)      # also: the gradient's structure and types


def test_hvp_direction_must_match_its_argument():
    with pytest.raises(sg.S2SGradError, match=r"hvp of list_model got a direction v for ws\[2\] of shape \(3,\)"):
        sg.hvp(list_model)(WS, X3, [np.ones(3), np.ones(3), np.ones(3)])
    with pytest.raises(sg.S2SGradError, match="needs v as a tuple of 2 directions"):
        sg.hvp(list_model, (0, 1))(WS, X3, WS)


@pytest.mark.parametrize("fn, args, wrt", [
    (matrix_pair, (A23, X3), (0, 1)),
    (tuple_model, (PAIR, X3), (1, 0)),
    (list_model, (WS, X3), (0, 1)),
], ids=["matrix_pair", "tuple_model", "list_model"])
def test_hessian_blocks_of_several_arguments(fn, args, wrt):
    H = sg.hessian(fn, wrt)(*copy.deepcopy(args))
    assert isinstance(H, tuple) and len(H) == len(wrt)
    df = sg.grad(fn, wrt=wrt)
    for i, wi in enumerate(wrt):
        for j, wj in enumerate(wrt):
            # H[i][j]: gradient i differentiated along argument j
            reference = fd_jacobian_tree(lambda *a: df(*a)[i], args, _index(fn, wj))
            _assert_tree_close(H[i][j], reference, rtol=1e-5, atol=1e-7, exact_types=False)
    # symmetry of the array blocks: H[0][1] is H[1][0] with the axes swapped
    if all(isinstance(args[_index(fn, w)], np.ndarray) for w in wrt):
        a, b = (np.ndim(args[_index(fn, w)]) for w in wrt)
        assert_close(H[0][1], np.moveaxis(H[1][0], list(range(b)), list(range(a, a + b))), rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------
# arguments: defaults, keywords, a wrt naming one argument twice, integers
# ---------------------------------------------------------------------------

def with_default(x, scale=2.0):
    return np.sum(np.sin(x)) * scale * scale


@pytest.mark.parametrize("call, kwargs", [((X3,), {}), ((X3, 3.0), {}), ((X3,), {"scale": 3.0})],
                         ids=["default", "positional", "keyword"])
def test_hvp_and_jvp_with_defaults_and_keywords(call, kwargs):
    full = list(call) + [kwargs.get("scale", 2.0)] * (len(call) == 1)
    v = _random_like(X3, seed=3)
    expected = _difference(sg.grad(with_default), full, [v, None])
    assert_close(sg.hvp(with_default)(*call, v, **kwargs), expected, rtol=1e-5, atol=1e-7)
    if not kwargs:
        # an argument left to its default is a constant: it gets no tangent
        value, tangent = sg.jvp(with_default, call, (v,) + (0.0,) * (len(call) - 1))
        assert_close(value, with_default(*full), rtol=1e-14)
        assert_close(tangent, _difference(with_default, full, [v, None]), rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: sg.grad(with_default, wrt=(0, "x")),
    lambda: sg.vjp(with_default, wrt=(1, 1)),
    lambda: sg.jacobian(with_default, wrt=(0, 0)),
    lambda: sg.hvp(with_default, wrt=("scale", "scale")),
    lambda: sg.hessian(with_default, wrt=(0, 0)),
], ids=["grad", "vjp", "jacobian", "hvp", "hessian"])
def test_wrt_naming_an_argument_twice_is_an_error(make):
    """hvp with wrt=(0, 0) generated a function with two parameters of one name (a SyntaxError)."""
    with pytest.raises(sg.S2SGradError, match="names the argument '(x|scale)' of with_default twice"):
        make()


def test_hvp_wrt_an_integer_is_an_error():
    with pytest.raises(sg.S2SGradError, match="cannot differentiate with_default with respect to 'scale'"):
        sg.hvp(with_default, wrt=1)(X3, 3, 1.0)
