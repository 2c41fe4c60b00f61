"""Derivatives beyond one process: pickling, process pools, a Dask cluster, Dask arrays.

* Every kind of derivative function (grad, value_and_grad, vjp and its pullback,
  jvp, hvp, jacobian, hessian) pickles by reference -- the user's function and
  the options -- and gives the same numbers after a round trip, which equal
  central differences.
* A ``ProcessPoolExecutor`` (spawned workers: the derivative is generated again
  there) and a real ``dask.distributed.LocalCluster`` with two worker processes
  map gradients over parameter sets (``client.map(df, thetas)``) and run a
  pullback sent to a worker.
* Dask arrays go through the generated code and its runtime helpers without
  being computed: a chunked heat equation (slice updates, ``np.roll``,
  ``np.concatenate``, whose adjoint cuts by slicing: Dask has no ``np.split``) and an MLP
  on a chunked batch give lazy Dask gradients equal to the NumPy ones.
"""

import concurrent.futures
import importlib.util
import multiprocessing
import pickle

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

DT = 0.01
ALPHA = 0.1


def oscillator(k, c, x0, n):
    """A damped oscillator with a data-dependent clamp (the README's program)."""
    x, v = x0, 0.0
    for _ in range(n):
        a = -k * x - c * v
        if abs(a) > 10.0:
            a = 10.0 * np.sign(a)
        v = v + DT * a
        x = x + DT * v
    return (x - 1.0) ** 2


def energy(w, x):
    return np.sum(np.tanh(w * x) ** 2) + w[0] * w[-1]


def arrays_out(w, x):
    return np.sin(w) * x, np.sum(w**2)


def heat_slices(u0, kappa, steps):
    u = u0
    for _ in range(steps):
        lap = np.zeros_like(u)
        lap[1:-1] = u[:-2] - 2 * u[1:-1] + u[2:]
        u = u + ALPHA * kappa * lap
    return np.sum(u**2)


def heat_roll(u0, kappa, steps):
    u = u0
    for _ in range(steps):
        u = u + ALPHA * kappa * (np.roll(u, 1) - 2 * u + np.roll(u, -1))
    return np.sum(u**2)


def heat_concat(u0, kappa, steps):
    u = u0
    for _ in range(steps):
        lap = u[:-2] - 2 * u[1:-1] + u[2:]
        u = u + ALPHA * kappa * np.concatenate([np.zeros(1), lap, np.zeros(1)])
    return np.sum(u**2)


def mlp_loss(W1, b1, W2, X, y):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2
    return np.mean((out - y) ** 2)


W = np.array([0.3, -0.7, 1.1, 0.4])
X = np.array([0.5, 1.5, -0.2, 0.9])


def _flat(x):
    return np.hstack([_flat(v) for v in x]) if isinstance(x, tuple) else np.ravel(x)


def _roundtrip(obj):
    return pickle.loads(pickle.dumps(obj))


def test_grad_family_pickles_by_reference():
    for make in (sg.grad, sg.value_and_grad):
        df = make(oscillator, wrt=(0, 1))
        payload = pickle.dumps(df)
        assert len(payload) < 500  # the function and options, not generated code
        again = pickle.loads(payload)
        assert_close(_flat(again(2.0, 0.3, 0.5, 50)), _flat(df(2.0, 0.3, 0.5, 50)), rtol=0, atol=0)
        assert again.source == df.source
    got = _roundtrip(sg.grad(oscillator, wrt="c", checkpoints=3))(2.0, 0.3, 0.5, 50)
    assert_close(got, numeric_grad(oscillator, (2.0, 0.3, 0.5, 50), 1), rtol=1e-6)


def test_vjp_and_its_pullback_pickle():
    value, pullback = _roundtrip(sg.vjp(arrays_out))(W, X)
    cot = (np.array([1.0, -2.0, 0.5, 3.0]), 0.7)
    expected = numeric_grad(lambda w: np.sum(arrays_out(w, X)[0] * cot[0]) + arrays_out(w, X)[1] * cot[1], (W,), 0)
    assert_close(pullback(cot), expected)
    # the pullback alone travels: its saved forward values and its vjp, the backward regenerated
    assert_close(_roundtrip(pullback)(cot), expected)
    assert_close(_roundtrip(pullback)(cot), _roundtrip(pullback)(cot), rtol=0, atol=0)


def test_forward_and_second_order_pickle():
    tangent = np.array([1.0, 0.5, -1.0, 2.0])
    value, out = _roundtrip(sg.jvp(energy))((W, X), (tangent, np.zeros(4)))
    assert_close(out, numeric_grad(lambda w: energy(w, X), (W,), 0) @ tangent)
    g = sg.grad(energy)
    hv = _roundtrip(sg.hvp(energy))(W, X, tangent)
    assert_close(hv, (g(W + 1e-6 * tangent, X) - g(W - 1e-6 * tangent, X)) / 2e-6, rtol=1e-5)
    assert_close(_roundtrip(sg.jacobian(sg.grad(energy)))(W, X), _roundtrip(sg.hessian(energy))(W, X))
    blocks = _roundtrip(sg.hessian(energy, wrt=(0, 1)))(W, X)
    assert_close(blocks[0][0], sg.hessian(energy)(W, X), rtol=0, atol=0)
    jac = _roundtrip(sg.jacobian(arrays_out, mode="reverse"))
    assert_close(jac(W, X)[1], 2 * W)
    assert jac.mode == "reverse"


def test_a_process_pool_maps_a_gradient():
    df = sg.grad(oscillator, wrt=(0, 1))
    ks = [1.5, 2.0, 2.5, 3.0]
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        got = list(pool.map(df, ks, [0.3] * 4, [0.5] * 4, [60] * 4))
    for k, g in zip(ks, got):
        assert_close(g, df(k, 0.3, 0.5, 60), rtol=0, atol=0)
    assert_close(got[0][0], numeric_grad(oscillator, (1.5, 0.3, 0.5, 60), 0), rtol=1e-6)


# ---------------------------------------------------------------------------
# a real Dask cluster: two worker processes, started and closed here
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_client_maps_a_gradient_over_parameters(client):
    df = sg.value_and_grad(oscillator, wrt=(0, 1))
    ks = np.linspace(1.0, 3.0, 8)
    futures = client.map(df, ks, c=0.3, x0=0.5, n=60)
    results = client.gather(futures)
    assert len({w for w in client.who_has(futures).values() for w in w}) >= 1
    for k, (value, (dk, dc)) in zip(ks, results):
        assert value == oscillator(k, 0.3, 0.5, 60)
        assert_close(dk, numeric_grad(oscillator, (k, 0.3, 0.5, 60), 0), rtol=1e-6)
        assert_close(dc, numeric_grad(oscillator, (k, 0.3, 0.5, 60), 1), rtol=1e-6)


def test_a_pullback_runs_on_a_worker(client):
    value, pullback = sg.vjp(arrays_out)(W, X)
    cot = (np.ones(4), 2.0)
    assert_close(client.submit(pullback, cot).result(), pullback(cot), rtol=0, atol=0)
    hvp = sg.hvp(energy)
    assert_close(client.submit(hvp, W, X, X).result(), hvp(W, X, X), rtol=0, atol=0)


# ---------------------------------------------------------------------------
# Dask arrays through the generated code: lazy in, lazy out
# ---------------------------------------------------------------------------


def _no_compute(*args, **kwargs):
    raise AssertionError("the derivative computed a Dask array")


@pytest.mark.parametrize("f", [heat_slices, heat_roll, heat_concat])
def test_a_chunked_heat_equation(f):
    da = pytest.importorskip("dask.array")
    import dask

    u0 = np.sin(np.linspace(0.0, 3.0, 40)) + 0.1
    df = sg.grad(f, wrt=(0, 1))
    with dask.config.set(scheduler=_no_compute):
        du, dkappa = df(da.from_array(u0, chunks=10), 0.5, 2)  # four chunks
    assert isinstance(du, da.Array) and du.shape == u0.shape and du.npartitions > 1
    assert isinstance(dkappa, da.Array)
    expected = df(u0, 0.5, 2)
    assert_close(du.compute(scheduler="sync"), expected[0], rtol=1e-12)
    assert_close(dkappa.compute(scheduler="sync"), expected[1], rtol=1e-12)
    assert_close(expected[0], numeric_grad(f, (u0, 0.5, 2), 0), rtol=1e-6)


def test_an_mlp_on_a_chunked_batch():
    da = pytest.importorskip("dask.array")
    import dask

    rng = np.random.default_rng(3)
    params = [rng.normal(size=(3, 6)), rng.normal(size=6), rng.normal(size=6)]
    Xb, yb = rng.normal(size=(64, 3)), rng.normal(size=64)
    df = sg.grad(mlp_loss, wrt=(0, 1, 2))
    with dask.config.set(scheduler=_no_compute):
        lazy = df(*params, da.from_array(Xb, chunks=(16, 3)), da.from_array(yb, chunks=16))
    expected = df(*params, Xb, yb)
    for g, e, p in zip(lazy, expected, params):
        assert isinstance(g, da.Array) and g.shape == p.shape
        assert_close(g.compute(scheduler="sync"), e, rtol=1e-12)
    assert_close(expected[0], numeric_grad(mlp_loss, (*params, Xb, yb), 0), rtol=1e-6)


def test_a_dask_argument_in_a_process_free_sweep():
    """The gradient w.r.t. a Dask array is a Dask array of its chunks; a dask.delayed
    sweep of gradients (threads) agrees with NumPy."""
    dask = pytest.importorskip("dask")
    df = sg.grad(energy)
    tasks = [dask.delayed(df)(W * s, X) for s in (0.5, 1.0, 2.0)]
    for s, g in zip((0.5, 1.0, 2.0), dask.compute(*tasks, scheduler="threads")):
        assert_close(g, numeric_grad(energy, (W * s, X), 0))


@pytest.mark.skipif(importlib.util.find_spec("cupy") is None, reason="CuPy is not installed")
def test_cupy_arrays_stay_on_the_gpu():
    cp = pytest.importorskip("cupy")
    try:
        cp.cuda.runtime.getDeviceCount()
    except Exception:
        pytest.skip("no GPU")
    u0 = np.sin(np.linspace(0.0, 3.0, 40)) + 0.1
    for f in (heat_slices, heat_roll):
        du, dkappa = sg.grad(f, wrt=(0, 1))(cp.asarray(u0), 0.5, 6)
        assert isinstance(du, cp.ndarray)
        expected = sg.grad(f, wrt=(0, 1))(u0, 0.5, 6)
        assert_close(cp.asnumpy(du), expected[0], rtol=1e-10)


def test_map_grad_on_a_client_a_pool_and_here(client):
    df = sg.grad(oscillator, wrt=(0, 1))
    args_list = [(k, 0.3, 0.5, 60) for k in (1.5, 2.0, 2.5)]
    expected = [df(*args) for args in args_list]
    assert sg.map_grad(df, args_list) == expected
    assert sg.map_grad(df, args_list, client=client) == expected  # (the same code, run on the workers)
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert sg.map_grad(df, args_list[:2], client=pool) == expected[:2]
    assert sg.map_grad(sg.grad(np.sin), [0.5, 1.0]) == [np.cos(0.5), np.cos(1.0)]  # (single arguments)
    assert_close(expected[0][0], numeric_grad(oscillator, args_list[0], 0), rtol=1e-6)
