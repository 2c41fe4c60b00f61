"""Second-order and Jacobian benchmarks (pytest-benchmark).

Skipped in the normal test run (pyproject adds ``--benchmark-skip``); run with

    OPENBLAS_NUM_THREADS=1 python -m pytest tests/benchmarks/test_bench_second_order.py --benchmark-only

``report_second_order.py`` prints the same timings as a Markdown table.

Groups
------
``hvp mlp wrt=W1`` / ``hvp mlp wrt=all``
    ``sg.hvp(mlp_loss, wrt)(*args, v)`` against ``sg.grad(mlp_loss, wrt)`` on
    the MLP of ``models.py`` (784-256-10, batch 256, float64), for ``W1`` alone
    and for the tuple ``(W1, b1, W2, b2)``. Target: hvp / grad <= 4.
``jacobian 1000->3`` / ``jacobian 3->1000``
    ``sg.jacobian(f, wrt=0, mode=...)`` for ``mode`` in forward, reverse and
    auto on a wide map (``wide``: R^1000 -> R^3) and a tall one
    (``tall``: R^3 -> R^1000). Forward mode costs one JVP per input element,
    reverse mode one VJP per output element, so forward should win on the tall
    map and reverse on the wide one; ``auto`` should match the cheaper one plus
    one evaluation of ``f`` (it evaluates ``f`` to learn the output size).

The tests that do not take the ``benchmark`` fixture run in the normal test
run: they check that the timed derivatives are right (against each other and
against central finite differences on small sizes) and that ``mode="auto"``
chooses the cheaper mode.
"""

import timeit

import numpy as np
import pytest

import s2sgrad as sg
from tests.benchmarks import models

N_WIDE = 1000  # inputs of the wide map
N_TALL = 1000  # outputs of the tall map


# ---------------------------------------------------------------------------
# The maps for the Jacobian benchmarks (plain NumPy, as a user writes them)
# ---------------------------------------------------------------------------


def wide(x, w):
    """R^n -> R^3: three reductions of ``x``."""
    return np.array([np.sum(np.sin(x)), np.sum(x**2), x @ w])


def tall(p, t):
    """R^3 -> R^m: a sine curve ``a * sin(b * t) + c`` sampled on the grid ``t``."""
    a, b, c = p[0], p[1], p[2]
    return a * np.sin(t * b) + c


def make_wide_inputs(n=N_WIDE, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n), np.linspace(-1.0, 1.0, n)


def make_tall_inputs(m=N_TALL):
    return np.array([1.5, 0.7, -0.2]), np.linspace(0.0, 10.0, m)


# name -> (label, function, input builder, the mode that should be cheaper)
JACOBIAN_MAPS = {
    "wide": ("jacobian 1000->3", wide, make_wide_inputs, "reverse"),
    "tall": ("jacobian 3->1000", tall, make_tall_inputs, "forward"),
}
MODES = ("forward", "reverse", "auto")


# ---------------------------------------------------------------------------
# Hessian-vector products on the MLP
# ---------------------------------------------------------------------------

HVP_WRT = {"W1": 0, "all": models.MLP_WRT}


def hvp_direction(args, wrt, seed=1):
    """A random direction shaped like the ``wrt`` argument(s)."""
    rng = np.random.default_rng(seed)
    if isinstance(wrt, tuple):
        return tuple(rng.standard_normal(np.shape(args[i])) for i in wrt)
    return rng.standard_normal(np.shape(args[wrt]))


def make_hvp_case(wrt, args=None):
    """``(args, v, grad_fn, hvp_fn)`` with both derivatives built and called once
    (the first call transforms and compiles)."""
    args = models.make_mlp_inputs() if args is None else args
    v = hvp_direction(args, wrt)
    df = sg.grad(models.mlp_loss, wrt=wrt)
    hv = sg.hvp(models.mlp_loss, wrt=wrt)
    df(*args)
    hv(*args, v)
    return args, v, df, hv


def make_jacobians(name):
    """``(args, {mode: jacobian function})``, each called once before timing."""
    _, f, inputs, _ = JACOBIAN_MAPS[name]
    args = inputs()
    jacs = {mode: sg.jacobian(f, wrt=0, mode=mode) for mode in MODES}
    for jac in jacs.values():
        jac(*args)
    return args, jacs


# ---------------------------------------------------------------------------
# Correctness (these run in the normal test run)
# ---------------------------------------------------------------------------


def small_mlp():
    return models.make_mlp_inputs(batch=6, n_in=5, n_hidden=4, n_out=3, seed=2)


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


@pytest.mark.parametrize("which", sorted(HVP_WRT))
def test_hvp_matches_finite_differences_of_the_gradient(which):
    """H v against (grad(w + eps v) - grad(w - eps v)) / (2 eps) on a small MLP.

    (On the full-size MLP a step large enough for central differences moves
    many ReLU pre-activations across zero, so the differences there measure the
    kinks, not the Hessian; small sizes keep every pre-activation away from 0.)
    """
    wrt = HVP_WRT[which]
    args, v, df, hv = make_hvp_case(wrt, small_mlp())
    idx, vs = _as_tuple(wrt), _as_tuple(v)
    eps = 1e-6

    def moved(sign):
        moved_args = list(args)
        for i, d in zip(idx, vs):
            moved_args[i] = args[i] + sign * eps * d
        return _as_tuple(df(*moved_args))

    fd = [(p - m) / (2 * eps) for p, m in zip(moved(1.0), moved(-1.0))]
    got = _as_tuple(hv(*args, v))
    assert len(got) == len(fd)
    for g, e in zip(got, fd):
        assert np.shape(g) == np.shape(e)
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-8)


def test_hvp_matches_the_hessian():
    args = small_mlp()
    v = hvp_direction(args, 0)
    H = sg.hessian(models.mlp_loss, wrt=0)(*args)
    assert H.shape == args[0].shape * 2
    expected = np.tensordot(H, v, axes=v.ndim)
    np.testing.assert_allclose(sg.hvp(models.mlp_loss, wrt=0)(*args, v), expected, rtol=1e-10, atol=1e-12)


def numeric_jacobian(f, args, eps=1e-6):
    """Central-difference Jacobian of ``f`` w.r.t. its first (array) argument."""
    x = np.asarray(args[0], dtype=float)
    rest = args[1:]
    cols = []
    for k in range(x.size):
        e = np.zeros_like(x)
        e.flat[k] = eps
        cols.append((np.asarray(f(x + e, *rest)) - np.asarray(f(x - e, *rest))) / (2 * eps))
    return np.stack(cols, axis=-1).reshape(np.shape(f(x, *rest)) + x.shape)


@pytest.mark.parametrize("name", sorted(JACOBIAN_MAPS))
def test_jacobian_modes_agree_with_finite_differences_small(name):
    _, f, inputs, _ = JACOBIAN_MAPS[name]
    args = inputs(7)
    expected = numeric_jacobian(f, args)
    for mode in MODES:
        got = sg.jacobian(f, wrt=0, mode=mode)(*args)
        assert got.shape == expected.shape, mode
        np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-8, err_msg=mode)


@pytest.mark.parametrize("name", sorted(JACOBIAN_MAPS))
def test_jacobian_modes_agree_at_benchmark_size(name):
    args, jacs = make_jacobians(name)
    out = {mode: jac(*args) for mode, jac in jacs.items()}
    n_out = np.size(JACOBIAN_MAPS[name][1](*args))
    assert out["forward"].shape == (n_out, np.size(args[0]))
    np.testing.assert_allclose(out["forward"], out["reverse"], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(out["auto"], out[JACOBIAN_MAPS[name][3]])


@pytest.mark.parametrize("name", sorted(JACOBIAN_MAPS))
def test_auto_mode_chooses_the_cheaper_mode(name, monkeypatch):
    """After a call ``jacobian(...).mode`` is the mode auto chose; this also watches
    which of s2sgrad.jacobians' two Jacobian builders it called."""
    from s2sgrad import jacobians as api

    _, f, inputs, cheaper = JACOBIAN_MAPS[name]
    args = inputs()
    called = []
    for mode in ("forward", "reverse"):
        builder = getattr(api, f"_{mode}_jacobian")

        def spy(*a, _builder=builder, _mode=mode, **k):
            called.append(_mode)
            return _builder(*a, **k)

        monkeypatch.setattr(api, f"_{mode}_jacobian", spy)
    jac = sg.jacobian(f, wrt=0, mode="auto")
    assert jac.mode == "auto"
    jac(*args)
    assert called == [cheaper]
    assert jac.mode == cheaper


@pytest.mark.parametrize("name", sorted(JACOBIAN_MAPS))
def test_the_mode_auto_chooses_is_faster(name):
    """Timed: the mode ``auto`` picks really is the faster one at the benchmark
    size (the gap is about two orders of magnitude, so one best-of-3 is enough)."""
    args, jacs = make_jacobians(name)
    cheaper = JACOBIAN_MAPS[name][3]
    other = "forward" if cheaper == "reverse" else "reverse"
    t = {mode: min(timeit.repeat(lambda: jacs[mode](*args), number=1, repeat=3)) for mode in (cheaper, other)}
    assert t[cheaper] < t[other], t


# ---------------------------------------------------------------------------
# Benchmarks
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=sorted(HVP_WRT))
def hvp_case(request):
    return request.param, make_hvp_case(HVP_WRT[request.param])


def test_mlp_forward(benchmark):
    benchmark.group = "hvp mlp forward"
    args = models.make_mlp_inputs()
    benchmark(models.mlp_loss, *args)


def test_mlp_grad(benchmark, hvp_case):
    which, (args, _, df, _) = hvp_case
    benchmark.group = f"hvp mlp wrt={which}"
    benchmark(df, *args)


def test_mlp_hvp(benchmark, hvp_case):
    which, (args, v, _, hv) = hvp_case
    benchmark.group = f"hvp mlp wrt={which}"
    benchmark(hv, *args, v)


@pytest.fixture(scope="module", params=sorted(JACOBIAN_MAPS))
def jacobian_case(request):
    return request.param, make_jacobians(request.param)


@pytest.mark.parametrize("mode", MODES)
def test_jacobian(benchmark, jacobian_case, mode):
    name, (args, jacs) = jacobian_case
    benchmark.group = JACOBIAN_MAPS[name][0]
    benchmark(jacs[mode], *args)
