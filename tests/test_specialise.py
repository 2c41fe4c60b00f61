"""Code specialised on the shapes of a call's arguments (api.py, compiler/shapes.py).

The corpora run both ways: the specialised derivative (what a call runs) and the
generic one (what runs once a function has met too many shapes) agree, value for
value; finite differences check the corpora themselves elsewhere, so agreement
here is cheap. Then: the cache key holds shapes (a new shape is one new
transformation), the cache is bounded, and the benchmark programs' specialised
code has no shape bookkeeping.
"""

import copy

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad import api
from tests import test_corpus_classic, test_corpus_ml, test_corpus_simulation
from tests.benchmarks import apps, models
from tests.numeric import assert_close, numeric_grad

_ROWS = (
    [pytest.param(f, a, w, id=f"classic-{i}") for i, (f, a, w) in enumerate(test_corpus_classic.GRADS)]
    + [pytest.param(f, a, w, id=f"ml-{i}") for i, (f, a, w) in enumerate(test_corpus_ml.GRADS)]
    + [
        pytest.param(fn, args, tuple(wrts), id=f"sim-{name}")
        for name, (fn, args, wrts, _) in test_corpus_simulation.CASES.items()
    ]
)


def _leaves(x):
    if isinstance(x, dict):
        return [v for k in sorted(x, key=repr) for v in _leaves(x[k])]
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in _leaves(item)]
    return [x]


@pytest.mark.parametrize("f, args, wrt", _ROWS)
def test_specialised_and_generic_code_agree(f, args, wrt):
    df = sg.grad(f, wrt=wrt)
    specialised = df(*copy.deepcopy(args))
    values, kinds = df._bind(list(copy.deepcopy(args)), {})
    generic = df._shape(df._derived(kinds).function(*values), values)
    for a, b in zip(_leaves(specialised), _leaves(generic)):
        assert np.shape(a) == np.shape(b)
        assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_a_new_shape_is_one_new_transformation(monkeypatch):
    calls = []
    real = api.derive

    def counting(*a, **k):
        calls.append(k.get("arg_shapes", a[5] if len(a) > 5 else None))
        return real(*a, **k)

    monkeypatch.setattr(api, "derive", counting)

    def f(x, w):
        return np.sum(np.tanh(x @ w) ** 2)

    df = sg.grad(f, wrt=1)
    w = np.ones((3, 2)) * 0.1
    for rows in (4, 4, 5, 4, 5):
        df(np.ones((rows, 3)), w)
    assert calls == [((4, 3), (3, 2)), ((5, 3), (3, 2))]


def test_too_many_shapes_fall_back_to_generic_code(monkeypatch):
    monkeypatch.setattr(api, "SPECIALISATIONS", 2)

    def f(x, b):
        return np.sum((x + b) ** 2)

    df = sg.grad(f, wrt=1)
    b = np.array([0.5, -1.0])
    for rows in (1, 2, 3, 4):
        got = df(np.ones((rows, 2)), b)
        assert_close(got, 2 * rows * (1 + b))
    assert "unbroadcast(" in df.source  # the generic code, for rows 3 and 4
    assert "unbroadcast(" not in df.source_for(np.ones((1, 2)), b)


def test_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(api._Cache, "LIMIT", 3)
    cache = api._Cache()
    for i in range(5):
        cache[i] = i
    assert list(cache) == [2, 3, 4]
    cache.get(2)
    cache[5] = 5
    assert list(cache) == [4, 2, 5]


def test_integer_and_float_arguments_are_told_apart():
    def f(x, n):
        return x * n

    df = sg.grad(f)
    assert df(2.0, 3) == 3.0
    assert df(2.0, 1.5) == 1.5
    with pytest.raises(sg.S2SGradError, match="integer"):
        df(2, 3)


def _sizes_unpacked(x, W):
    batch, n_in = x.shape
    n_out = W.shape[1]
    pairs = (x @ W).reshape(batch * n_out // 2, 2)  # sizes computed from unpacked ones
    return np.sum(np.tanh(pairs) ** 2) + np.sum(x.reshape(n_in, batch) ** 3 * 0.5)


def test_sizes_unpacked_from_a_shape_are_followed():
    x, W = np.linspace(-1.0, 1.0, 12).reshape(4, 3), np.linspace(0.5, -0.5, 6).reshape(3, 2)
    df = sg.grad(_sizes_unpacked, wrt=(0, 1))
    source = df.source_for(x, W)
    assert "unreduce(" not in source and "shape_of(" not in source, source
    for i, g in enumerate(df(x, W)):
        assert_close(g, numeric_grad(_sizes_unpacked, [x, W], i), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(
    "f, args, wrt",
    [
        (apps.rk4, apps.make_rk4_inputs(20), (0, 1)),
        (models.rnn_loss, models.make_rnn_inputs(steps=3, batch=2, n_in=2, n_hidden=3, n_out=2), (0, 1, 2, 3)),
        (test_corpus_simulation.heat_1d, (np.linspace(0.0, 1.0, 9), 0.2), (0, 1)),
        (apps.lorenz96, apps.make_lorenz96_inputs(n_vars=6, n=4), (0, 1)),  # (np.roll keeps the shape)
    ],
    ids=["rk4", "rnn", "heat", "lorenz96"],
)
def test_benchmark_code_has_no_shape_bookkeeping(f, args, wrt):
    source = sg.grad(f, wrt=wrt).source_for(*args)
    for helper in ("unbroadcast(", "unreduce(", "reduce_count(", "shape_of(", "matmul_lhs(", "matmul_rhs("):
        assert helper not in source, source


@pytest.mark.parametrize("budget", [0, 8])
def test_a_pickled_pullback_runs_the_backward_of_its_forward(monkeypatch, budget):
    """The saved values are those of the forward's code (specialised or generic): an
    unpickled pullback generates that same code again, whatever the budget is then."""
    import pickle

    monkeypatch.setattr(api, "SPECIALISATIONS", budget)
    x0, forcing, n = apps.make_lorenz96_inputs(n_vars=6, n=4, seed=2)
    value, pullback = sg.vjp(apps.lorenz96, wrt=(0, 1))(x0, forcing, n)
    monkeypatch.setattr(api, "SPECIALISATIONS", 8 - budget)
    again = pickle.loads(pickle.dumps(pullback))
    for a, b in zip(again(1.0), apps.lorenz96_grad_hand(x0, forcing, n)):
        assert_close(a, b, rtol=1e-10)


def _rolled_cube(x):
    return np.sum(np.rollaxis(x, 1) ** 3)


def _rolled_tanh(x):
    return np.sum(np.tanh(np.rollaxis(x, 1)) ** 2)


def _rolled_times_row(x, y):
    return np.sum(np.rollaxis(x, 1) ** 2 * y)  # y (2,) broadcasts: not x's shape


def _rolled_scaled(x, k):
    return np.sum(np.exp(np.rollaxis(x, 1) * 0.5)) * k


# (function, args, wrt, whether the seed's unreduce is folded): compiler/specialise.fold_seed_products
SEED_PRODUCTS = [
    (_rolled_cube, (np.arange(6.0).reshape(2, 3) / 5,), 0, True),
    (_rolled_tanh, (np.arange(6.0).reshape(2, 3) / 5,), 0, True),
    (_rolled_times_row, (np.arange(6.0).reshape(2, 3) / 5, np.array([0.5, -2.0])), (0, 1), False),
    (_rolled_scaled, (np.arange(6.0).reshape(2, 3) / 5, 1.5), (0, 1), False),  # the seed is k, not a number
    (_rolled_cube, (np.arange(6.0, dtype=np.float32).reshape(2, 3) / 5,), 0, False),  # float32: kept
]


@pytest.mark.parametrize("f, args, wrt, folded", SEED_PRODUCTS, ids=lambda v: getattr(v, "__name__", None))
def test_a_sum_seed_times_a_value_of_its_shape_is_a_number(f, args, wrt, folded):
    """`unreduce(1.0, x, None, False) * e` is `1.0 * e` where e has x's shape (the shapes
    analysis does not follow np.rollaxis, but x and e are element-wise in the same
    value); the gradient is unchanged (against differences, and the generic code)."""
    df = sg.grad(f, wrt=wrt)
    got = df(*args)
    assert ("unreduce(" not in df.source) == folded, df.source
    got = got if isinstance(wrt, tuple) else (got,)
    for k, i in enumerate(wrt if isinstance(wrt, tuple) else (wrt,)):
        if args[i].dtype == np.float64 if isinstance(args[i], np.ndarray) else True:
            assert_close(got[k], numeric_grad(f, args, i))
    values, kinds = df._bind(list(args), {})
    generic = df._shape(df._derived(kinds).function(*values), values)
    for a, b in zip(got, generic if isinstance(wrt, tuple) else (generic,)):
        assert np.shape(a) == np.shape(b) and np.asarray(a).dtype == np.asarray(b).dtype
        assert_close(a, b, rtol=1e-6, atol=1e-7)
