"""Specialised code that follows module-level int constants (`KERNEL = 3`, then
`oh = h - KERNEL + 1`), slices with computed bounds (`x[:, :n - CUT]`), reshapes
to sizes known at compile time, and dicts the function builds with literal keys
(compiler/shapes.py, shape_items.py, index_keys.py, concrete_facts.py).

The constants' values are part of what the code is specialised on: a derivative
checks them on each call and specialises again when one changed (api.py). Each
row: the specialised code has no shape bookkeeping, it agrees with the generic
code, and both match central finite differences.
"""

import sys

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad import api
from s2sgrad.runtime import extremum_mask, times_extremum_mask, unreduce
from tests.numeric import assert_close, numeric_grad

KERNEL = 3
POOL = 2
CUT = 2
SHAPE = (4, 6)
THIS = sys.modules[__name__]

_HELPERS = ("unreduce(", "unbroadcast(", "shape_of(", "matmul_lhs(", "matmul_rhs(", "np.shape(")


def _windows(x, k=KERNEL):
    n = x.shape[1]
    cols = [x[:, i : i + n - k + 1] for i in range(k)]
    return np.stack(cols, axis=-1).reshape(x.shape[0] * (n - KERNEL + 1), KERNEL)


def conv_pool(x, w, v):
    """1-D convolution by windows (module constants in the helper and here), ReLU, max-pool."""
    b, n = x.shape
    out = n - KERNEL + 1
    conv = (_windows(x) @ w).reshape(b, out)
    act = np.maximum(conv, 0.0)
    pooled = act.reshape(b, out // POOL, POOL).max(axis=2)
    return np.sum(np.tanh(pooled @ v) ** 2)


def trimmed(x, w):
    """A slice whose bound is computed from a size and a constant."""
    n = x.shape[1]
    y = x[:, : n - CUT] * w[: n - CUT]
    return np.sum(np.sin(y) * y[:, ::-1])


def stencil(u, k):
    """Interior slices with computed bounds: u[1:n - 1] and friends."""
    n = len(u)
    lap = u[: n - 2] - 2.0 * u[1 : n - 1] + u[2:n]
    return np.sum((k * lap) ** 2) + np.sum(u[1 : n - 1] ** 3)


def reshaped(x, w):
    """x.reshape of a tuple constant: a shape known without x's."""
    return np.sum(np.cos(x.reshape(SHAPE) @ w))


def local_dict(W, x):
    """A dict of parameters made here, an item rebound in a loop."""
    p = {"w": W.copy(), "b": np.zeros(3)}
    for _ in range(2):
        p["w"] = p["w"] * 0.9
    return np.sum(np.tanh(x @ p["w"] + p["b"]) ** 2)


def dict_alias(W, x):
    p = {"w": W.copy(), "b": np.zeros(3)}
    q = p
    q["w"] = W[:2] * 2.0  # (through another name: p["w"] has two rows now)
    return np.sum(np.tanh(x[:, :2] @ p["w"] + p["b"]) ** 2)


def dict_branch(W, x):
    p = {"w": W.copy()}
    if np.sum(x) > 0:
        p["w"] = W[1:] * 3.0
    return np.sum(np.sin(p["w"]) * x[: len(p["w"])])


def dict_shrinks(W, x):
    p = {"w": W}
    for _ in range(3):
        p["w"] = p["w"][1:] * 1.5  # (one row fewer each time: not one shape)
    return np.sum(np.cos(p["w"]) * x[: len(p["w"])])


def windows(x, w):
    """x[i:i + KERNEL] for i in range(n - KERNEL + 1): every window has KERNEL items."""
    n = len(x)
    acc = 0.0
    for i in range(n - KERNEL + 1):
        acc = acc + np.tanh(np.sum(x[i : i + KERNEL] * w))
    return acc


def ragged_windows(x, w):
    """x[i:i + KERNEL] for i in range(n): the last windows are shorter (not one shape)."""
    acc = 0.0
    for i in range(len(x)):
        piece = x[i : i + KERNEL]
        acc = acc + np.sum(piece * w[: len(piece)]) ** 2
    return acc


def _inputs(name):
    rng = np.random.default_rng(len(name))
    return {
        "conv_pool": (rng.standard_normal((3, 10)), rng.standard_normal(KERNEL), rng.standard_normal(4)),
        "trimmed": (rng.standard_normal((3, 7)), rng.standard_normal(7)),
        "stencil": (rng.standard_normal(8), 0.7),
        "reshaped": (rng.standard_normal(24), rng.standard_normal((6, 2))),
        "windows": (rng.standard_normal(8), rng.standard_normal(KERNEL)),
        "ragged_windows": (rng.standard_normal(6), rng.standard_normal(KERNEL)),
        "local_dict": (rng.standard_normal((4, 3)), rng.standard_normal((5, 4))),
        "dict_alias": (rng.standard_normal((4, 3)), rng.standard_normal((5, 4))),
        "dict_branch": (rng.standard_normal((4, 3)), rng.standard_normal((4, 3)) + 0.5),
        "dict_shrinks": (rng.standard_normal((5, 3)), rng.standard_normal((5, 3))),
    }[name]


_ROWS = [
    # (the shape of a list of slices stacked is not followed: np.shape(cols) stays in dx's sweep)
    pytest.param(conv_pool, (0, 1, 2), _HELPERS[:-1], id="conv_pool"),
    pytest.param(trimmed, (0, 1), _HELPERS, id="trimmed"),
    pytest.param(stencil, (0, 1), _HELPERS, id="stencil"),
    pytest.param(reshaped, (0, 1), _HELPERS, id="reshaped"),
    # (the item rebound in the loop tapes its shape for the dict's adjoint: part(dp, "w", shape))
    pytest.param(windows, (0, 1), _HELPERS, id="windows"),
    pytest.param(ragged_windows, (0, 1), (), id="ragged_windows"),
    pytest.param(local_dict, (0, 1), tuple(h for h in _HELPERS if h != "shape_of("), id="local_dict"),
    pytest.param(dict_alias, (0, 1), (), id="dict_alias"),
    pytest.param(dict_branch, (0, 1), (), id="dict_branch"),
    pytest.param(dict_shrinks, (0, 1), (), id="dict_shrinks"),
]


def _check(f, args, wrt, grads):
    for i, g in zip(wrt, grads):
        assert_close(g, numeric_grad(f, list(args), i), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f, wrt, helpers", _ROWS)
def test_specialised_code_follows_constants_and_computed_bounds(f, wrt, helpers):
    args = _inputs(f.__name__)
    df = sg.grad(f, wrt=wrt)
    source = df.source_for(*args)
    assert not [h for h in helpers if h in source], source
    specialised = df(*args)
    values, kinds = df._bind(list(args), {})
    generic = df._shape(df._derived(kinds).function(*values), values)
    for a, b in zip(specialised, generic):
        assert_close(a, b, rtol=1e-12, atol=1e-14)
    _check(f, args, wrt, specialised)
    _check(f, args, wrt, generic)


def test_a_changed_constant_specialises_again(monkeypatch):
    calls = []
    real = api.derive

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(api, "derive", counting)
    monkeypatch.setattr(api, "_cache", api._Cache())
    monkeypatch.setattr(api, "_shape_sets", {})
    x, w = _inputs("trimmed")
    df = sg.grad(trimmed, wrt=(0, 1))
    for cut, compiled in ((2, 1), (2, 1), (1, 2), (4, 3), (2, 3), (1, 3)):
        monkeypatch.setattr(THIS, "CUT", cut)
        grads = df(x, w)
        assert len(calls) == compiled
        assert f"[:, :{7 - cut}]" in df.source or "n - CUT" in df.source
        _check(trimmed, (x, w), (0, 1), grads)
        assert np.count_nonzero(grads[1]) == 7 - cut  # (the rows the slice reads)


def test_a_changed_constant_in_a_helper_specialises_again(monkeypatch):
    x, w, v = _inputs("conv_pool")
    df = sg.grad(conv_pool, wrt=(0, 1, 2))
    _check(conv_pool, (x, w, v), (0, 1, 2), df(x, w, v))
    monkeypatch.setattr(THIS, "POOL", 4)  # (10 - 3 + 1 = 8 outputs: two windows)
    _check(conv_pool, (x, w, v[:2]), (0, 1, 2), df(x, w, v[:2]))
    monkeypatch.setattr(THIS, "POOL", 4.0)  # (not an int: // gives a float, reshape refuses it)
    with pytest.raises(TypeError):
        conv_pool(x, w, v[:2])
    with pytest.raises(TypeError):
        df(x, w, v[:2])


def test_a_constant_that_keeps_changing_falls_back_to_generic_code(monkeypatch):
    monkeypatch.setattr(api, "SPECIALISATIONS", 3)
    monkeypatch.setattr(api, "_shape_sets", {})
    x, w = _inputs("trimmed")
    df = sg.grad(trimmed, wrt=(0, 1))
    for cut in (1, 2, 3, 4, 5):
        monkeypatch.setattr(THIS, "CUT", cut)
        _check(trimmed, (x, w), (0, 1), df(x, w))
    assert "unbroadcast(" in df.source or "unreduce(" in df.source or "shape_of(" in df.source


def test_a_pullback_made_before_a_constant_changed_keeps_its_code(monkeypatch):
    x, w = _inputs("trimmed")
    expected = [numeric_grad(trimmed, [x, w], i) for i in (0, 1)]
    value, pullback = sg.vjp(trimmed, wrt=(0, 1))(x, w)
    monkeypatch.setattr(THIS, "CUT", 3)  # (the pullback is the derivative where it was made)
    for g, e in zip(pullback(1.0), expected):
        assert_close(g, e, rtol=1e-6, atol=1e-8)


def _tie_split(x, ans, axis, keepdims):
    """The definition: weights 1 / (number of extrema) where x attains ans."""
    full = ans if keepdims or axis is None else np.expand_dims(ans, axis)
    hit = (x == full).astype(float)
    return hit / np.sum(hit, axis=axis, keepdims=True)


_POOLED = np.maximum(np.arange(-8.0, 16.0).reshape(2, 2, 3, 2), 0.0)  # (ReLU zeros tie in a pool)


# (x, axis, keepdims): windows with and without ties and NaN, small and large
_WINDOWS = [
    (np.array([[1.0, 3.0, 2.0], [0.5, -1.0, 4.0]]), 1, False),  # no ties: the fast path
    (np.array([[1.0, 3.0, 3.0], [0.0, 0.0, 0.0]]), 1, False),  # ties
    (np.array([[1.0, 3.0, 3.0], [0.0, 0.0, 0.0]]), -1, True),
    (np.array([[np.nan, 3.0, 3.0], [2.0, 0.0, 0.0]]), 1, False),  # a NaN window beside a tie
    (np.array([[np.nan, 3.0, 1.0], [2.0, 2.0, 0.0]]), 1, False),  # NaN and a tie: as many hits as windows
    (_POOLED, (1, 3), False),  # small windows: added up from views
    (_POOLED, (1, 3), True),
    (_POOLED, (-3, 0), False),
    (_POOLED, 2, False),
    (np.zeros((3, 10, 2)), (1, 2), False),  # a window of 20: NumPy's sum
    (np.array([5.0, 1.0, 5.0]), None, False),
    (np.array([5.0, 1.0, 5.0], dtype=np.float32), 0, True),
]


@pytest.mark.parametrize("x, axis, keepdims", _WINDOWS)
def test_extremum_mask_splits_ties_and_keeps_nan(x, axis, keepdims):
    ans = np.max(x, axis=axis, keepdims=keepdims)
    with np.errstate(invalid="ignore"):
        expected = _tie_split(x, ans, axis, keepdims)
        got = extremum_mask(x, ans, axis, keepdims)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("x, axis, keepdims", _WINDOWS)
def test_times_extremum_mask_is_the_adjoint_times_the_mask(x, axis, keepdims):
    """The max/min reduction's adjoint splits ties on the small adjoint (divided by each
    window's count of maxima) where the mask divides all of x: the same numbers (ties
    of 2, 4: exactly; of 3: to a rounding), the same NaN, the same dtype."""
    ans = np.max(x, axis=axis, keepdims=keepdims)
    g = np.linspace(-1.5, 2.0, np.size(ans)).reshape(np.shape(ans))
    for adjoint in (g, g.astype(np.float32)) + ((1.0,) if axis is None else ()):  # (a float: a full reduction's seed)
        with np.errstate(invalid="ignore"):
            expected = unreduce(adjoint, x, axis, keepdims) * extremum_mask(x, ans, axis, keepdims)
            got = times_extremum_mask(adjoint, x, ans, axis, keepdims)
        assert got.dtype == expected.dtype and got.shape == x.shape
        np.testing.assert_allclose(got, expected, rtol=1e-15, atol=0)


def _patches_loss(x, w):
    cols = np.stack([x[:, i : i + 60] for i in range(5)], axis=-1)  # (64, 60, 5): 150 KB
    flat = cols.transpose(0, 2, 1).reshape(x.shape[0] * 5, 60)
    h = np.tanh(flat @ w)
    return np.sum(h**2)


def test_a_large_array_is_released_after_its_last_read():
    """compiler/release.py: the 150 KB stack of patches is deleted once reshaped (its
    size known through the reshape), before the rest runs; the gradient is unchanged;
    an array of 15 KB is not released."""
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((64, 64)), rng.standard_normal((60, 3)) / 8
    df = sg.grad(_patches_loss, wrt=1)
    got = df(x, w)
    source = df.source
    assert "    del cols\n" in source and source.index("del cols") < source.index("np.tanh"), source
    assert_close(got, numeric_grad(_patches_loss, (x, w), 1))
    small = sg.grad(_patches_loss, wrt=1)
    assert_close(small(x[:8], w), numeric_grad(_patches_loss, (x[:8], w), 1))
    assert "del " not in small.source and "del " in sg.grad(_patches_loss, wrt=1).source_for(x, w)


# -- module-level arrays, and arrays in attributes of module-level objects ----------

KE = np.array([[1.0, -1.0], [-1.0, 1.0]])
N_EL = 4


class Layer:
    """A model the module makes; its method reads arrays and a number from `self`."""

    def __init__(self):
        self.W = 0.3 * np.random.default_rng(0).standard_normal((3, 3))
        self.b = np.array([0.1, -0.2, 0.05])
        self.scale = 0.5

    def __call__(self, h):
        return np.tanh(self.W @ h + self.b) * self.scale


LAYER = Layer()


def stiffness(k, x):
    """A 1-D stiffness matrix assembled from the module's element matrix KE."""
    K = np.zeros((N_EL + 1, N_EL + 1))
    for e in range(N_EL):
        K[e : e + 2, e : e + 2] += k[e] * KE
    return x @ K @ x


def layered(x, target):
    h = x
    for _ in range(3):
        h = LAYER(h) + 0.1 * h
    return np.sum((h - target) ** 2)


_K, _XK = np.array([1.0, 2.0, 0.5, 1.5]), np.array([0.3, -0.8, 1.1, 0.5, -0.2])
_XL, _TL = np.array([0.2, -0.4, 0.9]), np.array([0.1, 0.0, -0.1])


@pytest.mark.parametrize("f, args", [(stiffness, (_K, _XK)), (layered, (_XL, _TL))], ids=["KE", "LAYER.W"])
def test_module_arrays_have_their_shapes(f, args):
    """A module-level array (`KE`) and an array in a module-level object's attribute
    (`self.W` of LAYER) have their shapes in specialised code, assumed with their dtypes:
    the code reading them keeps no shape bookkeeping."""
    df = sg.grad(f, wrt=0)
    assert_close(df(*args), numeric_grad(f, args, 0))
    source = sg.source(df, *args)
    # (x @ K @ x of the assembled K keeps its matmul helpers: K's shape after the loop is not followed)
    for helper in _HELPERS if f is layered else ("unreduce(", "unbroadcast(", "shape_of("):
        assert helper not in source, source


def test_a_module_array_assumed_by_shape_and_dtype(monkeypatch):
    """New values of LAYER.W (a model trained between calls) reuse the code; a new dtype
    makes new code, which is right too."""
    df = sg.grad(layered)
    made = df._specialised(df._values((_XL, _TL), {}))
    monkeypatch.setattr(LAYER, "W", LAYER.W * 1.5)
    assert df._specialised(df._values((_XL, _TL), {})) is made
    assert_close(df(_XL, _TL), numeric_grad(layered, (_XL, _TL), 0))
    monkeypatch.setattr(LAYER, "W", LAYER.W.astype(np.float32))
    assert df._specialised(df._values((_XL, _TL), {})) is not made
    assert_close(df(_XL, _TL), numeric_grad(layered, (_XL, _TL), 0))
