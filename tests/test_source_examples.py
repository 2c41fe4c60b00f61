"""`sg.source(df, *example_args)`: the generated source specialised on example
arguments, as a call with them runs it; the generic source (what `.source` gives
before any call) says in its first lines that it is the any-shape form.

Each specialised source is run as printed (its own import lines, the user's module
globals) and checked against central finite differences."""

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad import api
from tests.numeric import assert_close, numeric_grad

DT = 0.01
U0 = np.linspace(0.0, 1.0, 7) ** 2


def heat(u0, r, steps):
    u = u0.copy()
    for _ in range(steps):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.sum(u**2)


def simulate(k, c, x0, n):
    x, v = x0, 0.0
    for _ in range(n):
        a = -k * x - c * v
        if abs(a) > 10.0:
            a = 10.0 * np.sign(a)
        v = v + DT * a
        x = x + DT * v
    return (x - 1.0) ** 2


def softmax_loss(W, x, y):
    z = W @ x
    p = np.exp(z - np.max(z))
    p = p / np.sum(p)
    return -np.log(p[y])


RNG = np.random.default_rng(3)
W0, X0 = RNG.normal(size=(4, 3)), RNG.normal(size=3)


def run_printed(source, name, *args):
    """Run a printed source as a user would paste it: its imports, the module's globals."""
    namespace = dict(globals())
    exec(compile(source, "<printed>", "exec"), namespace)
    return namespace[name](*args)


CASES = [
    # function, example args, wrt, generated name, a word only the generic code has
    pytest.param(heat, (U0, 0.25, 20), (0, 1), "heat_grad", "unbroadcast", id="heat"),
    pytest.param(simulate, (2.0, 0.3, 0.5, 300), (0, 1), "simulate_grad", "grad_seed", id="simulate-scalars"),
    pytest.param(softmax_loss, (W0, X0, 2), 0, "softmax_loss_grad", "unbroadcast", id="softmax"),
]


@pytest.mark.parametrize("f, args, wrt, name, generic_only", CASES)
def test_example_args_give_the_specialised_source_and_it_runs_right(f, args, wrt, name, generic_only):
    df = sg.grad(f, wrt=wrt)
    generic = df.source
    assert generic.startswith(api.GENERIC_NOTE)
    assert "sg.source(df, *example_args)" in generic.splitlines()[1]
    specialised = sg.source(df, *args)
    assert not specialised.startswith("#")
    assert generic_only in generic and generic_only not in specialised
    wrts = wrt if isinstance(wrt, tuple) else (wrt,)
    got = run_printed(specialised, name, *args)
    got = got if isinstance(wrt, tuple) else (got,)
    for g, i in zip(got, wrts):
        assert_close(g, numeric_grad(f, args, i), rtol=1e-5, atol=1e-7)
    # what a call with these arguments runs is that source
    df(*args)
    assert df.source == specialised


def test_keyword_example_args_and_value_and_grad():
    dvg = sg.value_and_grad(heat, wrt="r")
    by_keyword = sg.source(dvg, U0, r=0.25, steps=20)
    assert by_keyword == sg.source(dvg, U0, 0.25, 20)
    value, dr = run_printed(by_keyword, "heat_value_and_grad", U0, 0.25, 20)
    assert_close(value, heat(U0, 0.25, 20))
    assert_close(dr, numeric_grad(heat, (U0, 0.25, 20), 1), rtol=1e-5)


def test_vjp_source_for_examples():
    f = sg.vjp(softmax_loss)
    assert f.source.startswith(api.GENERIC_NOTE)
    printed = sg.source(f, W0, X0, 2)
    assert not printed.startswith("#") and "def softmax_loss_backward(saved, dresult):" in printed
    value, saved = run_printed(printed, "softmax_loss_forward", W0, X0, 2)
    assert_close(value, softmax_loss(W0, X0, 2))
    namespace = dict(globals())
    exec(printed, namespace)
    assert_close(namespace["softmax_loss_backward"](saved, 2.0), 2.0 * numeric_grad(softmax_loss, (W0, X0, 2), 0))


def test_jvp_source_for_examples_follows_the_argument_kinds():
    fj = sg.jvp(simulate)
    generic = fj.source  # (forward code is not specialised on shapes: no note)
    assert not generic.startswith("#")
    printed = sg.source(fj, 2.0, 0.3, 0.5, 300)  # n is an int: no tangent
    assert "def simulate_jvp(k, c, x0, n, k_dot, c_dot, x0_dot):" in printed
    value, tangent = run_printed(printed, "simulate_jvp", 2.0, 0.3, 0.5, 300, 1.0, 0.0, 0.0)
    assert_close(value, simulate(2.0, 0.3, 0.5, 300))
    assert_close(tangent, numeric_grad(simulate, (2.0, 0.3, 0.5, 300), 0), rtol=1e-5)


def test_generic_code_a_call_runs_carries_the_note(monkeypatch):
    """Past SPECIALISATIONS shape combinations a call runs the generic code: its source says so."""
    monkeypatch.setattr(api, "SPECIALISATIONS", 1)
    df = sg.grad(heat)
    df(U0[:5], 0.25, 3)
    assert not df.source.startswith("#")
    assert_close(df(U0, 0.25, 3), numeric_grad(heat, (U0, 0.25, 3), 0), rtol=1e-5)
    assert df.source.startswith(api.GENERIC_NOTE)


def test_no_note_where_the_code_has_no_shapes_to_specialise():
    ds = sg.grad(simulate, wrt=(0, 1))
    ds(2.0, 0.3, 0.5, 10)
    assert not ds.source.startswith("#")


def test_show_prints_the_specialised_source(capsys):
    df = sg.grad(heat)
    sg.show(df, U0, 0.25, 20)
    assert capsys.readouterr().out == sg.source(df, U0, 0.25, 20) + "\n"


@pytest.mark.parametrize("not_a_derivative", [np.sin, lambda x: x * x, "f"])
def test_source_of_something_not_a_derivative_says_what_to_pass(not_a_derivative):
    with pytest.raises(sg.S2SGradError, match=r"not a derivative: pass sg.grad\("):
        sg.source(not_a_derivative)
    with pytest.raises(sg.S2SGradError, match="not a derivative"):
        sg.show(not_a_derivative, 1.0)


class _Scaled:
    def __init__(self, scale):
        self.scale = scale

    def step(self, h, w):
        return np.tanh(self.scale * (h @ w))

    def loss(self, w, x):
        h = x
        for _ in range(2):
            h = h + 0.1 * self.step(h, w)
        return np.sum(h**2)


def test_example_args_of_a_bound_method_give_its_specialised_source():
    """sg.source(df, *args) never builds the generic form first (a method's object is no array)."""
    model = _Scaled(1.3)
    w, x = np.eye(3) * 0.5, np.arange(6.0).reshape(2, 3) / 6
    text = sg.source(sg.grad(model.loss), w, x)
    assert "def loss_grad(self, w, x)" in text, text
    assert_close(sg.grad(model.loss)(w, x), numeric_grad(model.loss, [w, x], 0))
