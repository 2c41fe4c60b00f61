"""Compiled mode: ``jit=True`` compiles the generated derivative with Numba.

Numba compiles cost about a second each, so few functions are compiled here; the
whole corpora are surveyed by ``tests/benchmarks/survey_jit.py`` (slow, not run by
default) and the speed by ``tests/benchmarks/report_jit.py``.

* a scalar time loop with a data-dependent branch, a ``while`` loop until converged,
  an element loop over a 1-D grid: the compiled gradient equals the interpreted one
  to round-off and central differences; ``value_and_grad``, ``vjp`` (forward and
  backward both compiled) and ``jvp`` likewise;
* ``.source`` is exactly what Numba compiled (index loops, the compiled helpers);
  one compilation per argument signature;
* what Numba refuses is an S2SGradError naming the user's line and the construct and
  suggesting to drop jit=True; ``jit="auto"`` runs the interpreted derivative instead.
"""

import pickle

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

pytest.importorskip("numba")

DT = 0.01
TOL = 1e-12


def oscillator(k, c, x0, n):
    x, v = x0, 0.0
    for _ in range(n):
        a = -k * x - c * v
        if abs(a) > 10.0:
            a = 10.0 * np.sign(a)
        v = v + DT * a
        x = x + DT * v
    return (x - 1.0) ** 2


def cube_root(a, x0):
    """Newton's method until converged: a data-dependent number of steps."""
    x = x0
    while abs(x * x * x - a) > TOL:
        x = x - (x * x * x - a) / (3.0 * x * x)
    return x


def diffuse(u, kappa, steps):
    """An explicit heat equation written element by element."""
    n = u.shape[0]
    for _ in range(steps):
        new = np.zeros(n)
        for i in range(1, n - 1):
            new[i] = u[i] + kappa * (u[i - 1] - 2.0 * u[i] + u[i + 1])
        u = new
    return np.sum(u * u)


def running_sums(x, w):
    total = 0.0
    for _ in range(3):
        x = np.tanh(np.cumprod(x) * w)
        total = total + np.sum(x)
    return total


def scaled(p, t):
    return p["a"] * t


def _compiled(df):
    """The Numba dispatcher(s) behind a jit derivative's last call."""
    function = df._last.function
    return [f.compiled for f in function] if isinstance(function, tuple) else [function.compiled]


def test_a_scalar_loop_with_a_branch():
    df = sg.grad(oscillator, wrt=(0, 1), jit=True)
    args = (3.0, 0.4, 2.5, 300)  # the clamp is active early on
    got = df(*args)
    assert_close(got, sg.grad(oscillator, wrt=(0, 1))(*args), rtol=1e-13, atol=0)
    assert_close(got[0], numeric_grad(oscillator, args, 0), rtol=1e-6)
    df(1.0, 0.2, 0.5, 50)
    (dispatcher,) = _compiled(df)
    assert len(dispatcher.signatures) == 1  # compiled once for (float, float, float, int)
    source = df.source
    assert "reversed(" not in source and "for tape_k in range(tape_n - 1, -1, -1):" in source
    assert dispatcher.py_func.__code__.co_filename.startswith("<s2sgrad-jit:")
    assert "".join(__import__("linecache").getlines(dispatcher.py_func.__code__.co_filename)) == source
    assert isinstance(got[0], float)


def test_a_while_loop_until_converged():
    value, grads = sg.value_and_grad(cube_root, wrt=(0, 1), jit=True)(5.0, 1.0)
    assert_close(value, 5.0 ** (1 / 3), rtol=1e-12)
    assert_close(grads, sg.value_and_grad(cube_root, wrt=(0, 1))(5.0, 1.0)[1], rtol=1e-13, atol=1e-300)
    assert_close(grads[0], 5.0 ** (-2 / 3) / 3, rtol=1e-9)  # d(a^(1/3))/da
    value, tangent = sg.jvp(cube_root, (5.0, 1.0), (1.0, 0.0), jit=True)
    assert_close(tangent, grads[0], rtol=1e-13)


def test_an_element_loop_over_a_grid():
    u = np.sin(np.linspace(0.0, 3.0, 30))
    df = sg.grad(diffuse, wrt=(0, 1), jit=True)
    du, dkappa = df(u, 0.2, 8)
    expected = sg.grad(diffuse, wrt=(0, 1))(u, 0.2, 8)
    assert_close(du, expected[0], rtol=1e-13, atol=1e-15)
    assert_close(dkappa, expected[1], rtol=1e-13)
    assert_close(du, numeric_grad(diffuse, (u, 0.2, 8), 0), rtol=1e-6)
    assert isinstance(du, np.ndarray) and du.shape == u.shape
    assert "from s2sgrad.runtime.numba_helpers import" in df.source  # the helpers' compiled forms


def test_vjp_compiles_forward_and_backward():
    value, pullback = sg.vjp(oscillator, wrt=(0, 1), jit=True)(2.0, 0.3, 0.5, 100)
    assert value == oscillator(2.0, 0.3, 0.5, 100)
    assert_close(pullback(2.0), 2.0 * np.array(sg.grad(oscillator, wrt=(0, 1))(2.0, 0.3, 0.5, 100)), rtol=1e-13)


def test_what_numba_refuses_names_the_line():
    x = np.array([0.3, -0.2, 0.5])
    with pytest.raises(sg.S2SGradError) as info:
        sg.grad(running_sums, jit=True)(x, 0.7)
    message = str(info.value)
    assert f"{__file__}:{running_sums.__code__.co_firstlineno + 3}" in message
    assert "x = np.tanh(np.cumprod(x) * w)" in message and "cumprod_adjoint" in message
    assert "drop jit=True" in message
    with pytest.raises(sg.S2SGradError, match="argument of type dict"):
        sg.grad(scaled, jit=True)({"a": 2.0}, 1.5)


def test_auto_falls_back_to_the_interpreted_derivative():
    x = np.array([0.3, -0.2, 0.5])
    df = sg.grad(running_sums, jit="auto")
    assert_close(df(x, 0.7), sg.grad(running_sums)(x, 0.7), rtol=0, atol=0)
    assert_close(df(x, 0.7), numeric_grad(running_sums, (x, 0.7), 0), rtol=1e-6)
    with pytest.raises(sg.S2SGradError, match="jit must be"):
        sg.grad(running_sums, jit="yes")


def test_a_jit_derivative_pickles_with_its_option():
    again = pickle.loads(pickle.dumps(sg.grad(cube_root, jit=True)))
    assert again.jit is True and again.wrt == (0,)


@pytest.mark.parametrize("bounds", [(7,), (2, 9), (9, 2, -3), (1, 10, 4), (5, 5, 2), (0, -6, -2)])
def test_reversed_loops_become_index_loops(bounds):
    """The rewrite alone (run by Python here, no compilation): same visits, same order."""
    from s2sgrad.compiler.numba_lowering import rewrite

    spelled = ", ".join(map(str, bounds))
    source = (
        "def visits(tape):\n"
        "    out = []\n"
        f"    for i in reversed(range({spelled})):\n"
        "        out.append(i)\n"
        "    for a, b in reversed(tape):\n"
        "        out.append(a * b)\n"
        "    return out\n"
    )
    compiled = rewrite(source)
    assert "reversed" not in compiled
    before, after = {}, {}
    exec(source, before)
    exec(compiled, after)
    tape = [(1, 2), (3, 4), (5, 6)]
    assert after["visits"](tape) == before["visits"](tape) == [*reversed(range(*bounds)), 30, 12, 2]


def chain_energy(q, rates, p):
    """The runtime helpers with compiled forms: adjoints of np.diff, np.cumsum, np.diag,
    np.linalg.norm, x ** y of a variable exponent; np.concatenate of a list of constants."""
    stretch = np.diff(q)
    work = np.cumsum(stretch * rates[:-1])
    A = np.diag(rates)
    edges = np.concatenate([np.zeros(1), np.cumsum(np.full(q.shape, 0.5))])
    return np.sum(work) + np.linalg.norm(q) ** p + np.sum((A @ q) ** 2) + np.sum(np.diff(edges) * q)


STAGE_WEIGHTS = [0.5, 0.3, 0.2]  # (a module-level list: compiled as a tuple, frozen)


def euler_path(k, x0, n):
    """A list built by append and read back (its adjoint undoes each append)."""
    path = [x0]
    for _ in range(n):
        path.append(path[-1] - DT * k * path[-1] ** 3)
    total = 0.0
    for i, w in enumerate(STAGE_WEIGHTS):
        total = total + w * path[n - i]
    return total


def test_helpers_with_compiled_forms():
    q, rates = np.array([0.3, -0.4, 1.1, 0.7]), np.array([0.5, 1.5, 0.8, 1.2])
    df = sg.grad(chain_energy, wrt=(0, 1, 2), jit=True)
    got = df(q, rates, 1.7)
    expected = sg.grad(chain_energy, wrt=(0, 1, 2))(q, rates, 1.7)
    for a, b in zip(got, expected):
        assert_close(a, b, rtol=1e-12, atol=1e-14)
    for i in range(3):
        assert_close(got[i], numeric_grad(chain_energy, (q, rates, 1.7), i), rtol=1e-6)
    source = df.source
    for helper in ("undiff", "cumsum_adjoint", "undiag", "norm_adjoint", "power_slope_dx"):
        assert f"{helper}(" in source
    assert "np.concatenate((" in source  # (a tuple: Numba takes no list)

    dpath = sg.grad(euler_path, wrt=(0, 1), jit=True)
    got = dpath(2.0, 0.8, 30)
    assert "split_last(" in dpath.source
    assert_close(got, sg.grad(euler_path, wrt=(0, 1))(2.0, 0.8, 30), rtol=1e-12, atol=0)
    assert_close(got[0], numeric_grad(euler_path, (2.0, 0.8, 30), 0), rtol=1e-6)


def logistic_clipped(r, x0):
    x = x0
    for _ in range(20):
        x = x + DT * r * x * (1.0 - x)
        x = np.clip(x, 0.0, 1.0)
    return x


def test_a_refusal_in_the_forward_sweep_names_the_line():
    with pytest.raises(sg.S2SGradError) as info:
        sg.grad(logistic_clipped, jit=True)(3.0, 0.2)
    message = str(info.value)
    assert f"{__file__}:{logistic_clipped.__code__.co_firstlineno + 4}" in message  # np.clip's line
    assert "x = np.clip(x, 0.0, 1.0)" in message and "the call clip(float64, float64, float64)" in message


def _squashed(x, w):
    y = np.tanh(x * 2.0)
    z = np.exp(y) * 0.5
    return np.sum(z * w)


def test_arrays_released_early_compile():
    """Specialised code `del`s a large array after its last read (compiler/release.py);
    Numba refuses `del`, so the compiled form keeps it (and compiles)."""
    x = np.random.default_rng(3).standard_normal((200, 100))  # 160 KB arrays
    plain = sg.grad(_squashed, wrt=1)
    expected = plain(x, 1.5)
    assert "    del y\n" in plain.source
    df = sg.grad(_squashed, wrt=1, jit=True)
    assert_close(df(x, 1.5), expected, rtol=1e-12)
    (dispatcher,) = _compiled(df)
    assert len(dispatcher.signatures) == 1 and "del " not in df.source  # (compiled, not the fallback)


def _flattened_transpose(x):
    z = np.tanh(x * 2.0).T.reshape(16)
    return np.sum(z**2 * np.arange(16.0))


def test_numba_run_time_limits_fall_back_or_are_refused():
    """Numba reshapes only contiguous arrays and raises NotImplementedError ("incompatible
    shape for array") as the compiled code runs: jit="auto" runs the interpreted derivative,
    jit=True says so in an S2SGradError (found by helper perf3; a raw exception before)."""
    x = np.random.default_rng(5).standard_normal((4, 4))
    assert_close(sg.grad(_flattened_transpose, jit="auto")(x), numeric_grad(_flattened_transpose, (x,), 0))
    with pytest.raises(sg.S2SGradError, match="jit=True: Numba cannot compile .*incompatible shape"):
        sg.grad(_flattened_transpose, jit=True)(x)
