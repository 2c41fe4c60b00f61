"""Every kind of callable a JAX / autograd user hands to the API: lambdas, bound
methods, callable objects, partials, static methods, bare library functions, and
NamedTuple / dataclass parameters, has_aux. Each is checked against central finite
differences (tests/numeric.py), first and, where it can appear, second order."""

import functools
import linecache
import operator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

X = np.array([0.3, -0.7, 1.1])
DT = 0.01


def loss(w, data):
    return np.sum((w * data - 1.0) ** 2)


class Model:
    scale = 0.5  # a class constant read through self

    def __init__(self, w, alpha):
        self.w = w
        self.config = Config(alpha)

    def predict(self, x):
        return np.tanh(self.w * x) * self.scale

    def loss(self, x):
        return np.sum((self.predict(x) - 0.2) ** 2) + self.config.alpha * np.sum(x**2)

    def __call__(self, x):
        return self.loss(x)

    @staticmethod
    def smooth(x):
        return np.sum(np.log1p(x**2))


class Config:
    def __init__(self, alpha):
        self.alpha = alpha


MODEL = Model(np.array([0.5, -1.5, 2.0]), 0.1)


def scaled(x, a, b=2.0):
    return np.sum(np.sin(a * x) * b)


# (id, callable, arguments, wrt): the gradient w.r.t. args[wrt] against finite differences of the callable
FIRST_ORDER = [
    ("lambda", lambda x: np.sum(x**2 * np.cos(x)), (X,), 0),
    ("lambda two args", lambda x, y: np.sum(x * y) ** 2, (X, X + 1.0), 1),
    ("lambda closure", lambda w: loss(w, X), (X + 0.5,), 0),
    ("lambda reads module constant", lambda y: np.sum(y + DT * y**3), (X,), 0),
    ("lambda scalar", lambda t: t**3 - 2.0 * t, (1.5,), 0),
    ("bound method", MODEL.loss, (X,), 0),
    ("callable object", MODEL, (X,), 0),
    ("staticmethod via class", Model.smooth, (X,), 0),
    ("staticmethod via object", MODEL.smooth, (X,), 0),
    ("partial positional", functools.partial(scaled, X), (0.7,), 0),
    ("partial keyword", functools.partial(scaled, b=3.0), (X, 0.7), 1),
    ("partial of lambda", functools.partial(lambda a, x: np.sum(a * x**2), 2.0), (X,), 0),
    ("np.sin", np.sin, (0.4,), 0),
    ("np.tanh", np.tanh, (0.4,), 0),
    ("np.sum", np.sum, (X,), 0),
    ("np.linalg.det", np.linalg.det, (np.array([[2.0, 0.3], [0.1, 1.5]]),), 0),
    ("np.prod", np.prod, (X,), 0),
    ("math-like builtin abs", abs, (-1.3,), 0),
    ("operator.mul first", operator.mul, (2.0, 3.0), 0),
    ("operator.mul second", operator.mul, (2.0, 3.0), 1),
    ("np.dot", np.dot, (X, X + 2.0), 1),
]


@pytest.mark.parametrize("f, args, wrt", [r[1:] for r in FIRST_ORDER], ids=[r[0] for r in FIRST_ORDER])
def test_gradient_of_any_callable(f, args, wrt):
    assert_close(sg.grad(f, wrt=wrt)(*args), numeric_grad(f, args, wrt), rtol=1e-6)


@pytest.mark.parametrize("f, args, wrt", [r[1:] for r in FIRST_ORDER], ids=[r[0] for r in FIRST_ORDER])
def test_value_and_grad_and_vjp_agree(f, args, wrt):
    value, g = sg.value_and_grad(f, wrt=wrt)(*args)
    assert_close(value, f(*args))
    out, pullback = sg.vjp(f, wrt=wrt)(*args)
    assert_close(pullback(1.0), g)


@pytest.mark.parametrize("f, args, wrt", [r[1:] for r in FIRST_ORDER], ids=[r[0] for r in FIRST_ORDER])
def test_check_grad_takes_any_callable(f, args, wrt):
    assert sg.check_grad(f, *args, wrt=wrt).ok


# second order: hvp and hessian of the callable, against finite differences of its gradient
SECOND_ORDER = [
    ("lambda", lambda x: np.sum(np.sin(x) * x**2), (X,)),
    ("bound method", MODEL.loss, (X,)),
    ("callable object", MODEL, (X,)),
    ("partial", functools.partial(scaled, a=0.7), (X,)),
    ("np.prod", np.prod, (X + 1.0,)),
]


@pytest.mark.parametrize("f, args", [r[1:] for r in SECOND_ORDER], ids=[r[0] for r in SECOND_ORDER])
def test_second_order(f, args):
    v = np.array([0.2, -1.0, 0.5])
    grad_f = sg.grad(f)
    expected_h = np.array([numeric_grad(lambda x: grad_f(x)[k], args, 0) for k in range(3)])
    assert_close(sg.hessian(f)(*args), expected_h, rtol=1e-5, atol=1e-7)
    assert_close(sg.hvp(f)(*args, v), expected_h @ v, rtol=1e-5, atol=1e-7)
    assert_close(sg.grad(lambda x: np.sum(grad_f(x) * v))(*args), expected_h @ v, rtol=1e-5, atol=1e-7)


FORWARD = [
    ("lambda", lambda x: np.sin(x) * x, (X,)),
    ("np.cumsum", np.cumsum, (X,)),
    ("bound method", MODEL.predict, (X,)),
    ("partial", functools.partial(np.multiply, 3.0), (X,)),
]


@pytest.mark.parametrize("f, args", [r[1:] for r in FORWARD], ids=[r[0] for r in FORWARD])
def test_jacobian_both_modes(f, args):
    expected = np.array([numeric_grad(lambda x: f(x)[k], args, 0) for k in range(3)])
    for mode in ("forward", "reverse"):
        assert_close(sg.jacobian(f, mode=mode)(*args), expected, rtol=1e-6)
    value, tangent = sg.jvp(f, args, (np.ones(3),))
    assert_close(tangent, expected @ np.ones(3), rtol=1e-6)


def test_two_lambdas_on_one_line_are_told_apart():
    da, db = sg.grad(lambda x: x**2), sg.grad(lambda y: y**3)
    assert da(2.0) == pytest.approx(4.0) and db(2.0) == pytest.approx(12.0)
    same_names = [sg.grad(lambda x: x**2), sg.grad(lambda x: x**3)]
    assert [d(2.0) for d in same_names] == pytest.approx([4.0, 12.0])


def test_lambda_inside_a_multi_line_call():
    import scipy.optimize

    data = np.array([1.0, 2.0, -0.5])
    result = scipy.optimize.minimize(
        lambda p: loss(p, data),
        np.zeros(3),
        jac=sg.grad(lambda p: loss(p, data)),
        method="BFGS",
    )
    assert result.success
    assert_close(result.x * data, np.ones(3), rtol=1e-5)


def test_lambda_typed_in_a_notebook_cell():
    cell = "import numpy as np\nf = (lambda x: np.sum(np.exp(x)))\n"
    filename = "<ipython-input-7-0123456789ab>"
    linecache.cache[filename] = (len(cell), None, cell.splitlines(True), filename)
    namespace = {}
    exec(compile(cell, filename, "exec"), namespace)
    assert_close(sg.grad(namespace["f"])(X), np.exp(X))


def test_lambda_without_source_is_a_clear_error():
    namespace = {}
    exec("f = lambda x: x * 2", namespace)
    with pytest.raises(sg.S2SGradError, match="cannot find the source of the lambda"):
        sg.grad(namespace["f"])(1.0)


class Params(NamedTuple):
    w: np.ndarray
    b: float


@dataclass
class Layer:
    w: np.ndarray
    b: float

    def forward(self, x):
        return np.tanh(self.w * x + self.b)

    @property
    def norm(self):
        return np.sum(self.w**2)


@dataclass(frozen=True)
class Frozen:
    w: np.ndarray
    scale: float


def nt_loss(p, x):
    return np.sum((p.w * x + p.b) ** 2)


def layer_loss(layer, x):
    return np.sum(layer.forward(x) ** 2) + 0.1 * layer.norm


def frozen_loss(q, x):
    return np.sum(np.sin(q.w * x) * q.scale)


CONTAINERS = [
    ("namedtuple", nt_loss, Params(X + 1.0, 0.3)),
    ("dataclass with a method and a property", layer_loss, Layer(X - 0.2, 0.4)),
    ("frozen dataclass", frozen_loss, Frozen(X, 1.5)),
]


def _leafwise_numeric(f, params, x):
    """Finite differences field by field, in the class of `params`."""
    names = type(params)._fields if hasattr(type(params), "_fields") else list(vars(params))
    out = {}
    for name in names:
        value = getattr(params, name)

        def at(v, name=name):
            changed = (
                params._replace(**{name: v})
                if hasattr(params, "_replace")
                else type(params)(**{**vars(params), name: v})
            )
            return f(changed, X)

        out[name] = numeric_grad(at, (value,), 0)
    return out


@pytest.mark.parametrize("f, params", [r[1:] for r in CONTAINERS], ids=[r[0] for r in CONTAINERS])
def test_gradient_comes_back_in_the_parameters_class(f, params):
    g = sg.grad(f)(params, X)
    assert type(g) is type(params)
    expected = _leafwise_numeric(f, params, X)
    for name, value in expected.items():
        assert_close(getattr(g, name), value, rtol=1e-6)
    assert sg.check_grad(f, params, X).ok


@pytest.mark.parametrize("f, params", [r[1:] for r in CONTAINERS], ids=[r[0] for r in CONTAINERS])
def test_hvp_of_a_parameters_class(f, params):
    v = sg.grad(f)(params, X)  # any direction of the parameters' structure
    hv = sg.hvp(f)(params, X, v)
    assert type(hv) is type(params)
    grad_f = sg.grad(f)
    names = list(_leafwise_numeric(f, params, X))

    def directional(t):  # d/dt of <grad f(params + t v), e_name> by differences
        moved = type(params)(**{n: getattr(params, n) + t * getattr(v, n) for n in names})
        return grad_f(moved, X)

    plus, minus = directional(1e-6), directional(-1e-6)
    for n in names:
        assert_close(getattr(hv, n), (getattr(plus, n) - getattr(minus, n)) / 2e-6, rtol=1e-5, atol=1e-7)


class Affine:
    """A user class registered as a container."""

    def __init__(self, a, c):
        self.a, self.c = a, c


sg.register_container(Affine, lambda p: {"a": p.a, "c": p.c}, lambda d: Affine(d["a"], d["c"]))


def test_registered_container():
    p = Affine(X + 0.5, 0.25)
    f = lambda p, x: np.sum(np.exp(p.a * x) + p.c * x)  # noqa: E731
    g = sg.grad(f)(p, X)
    assert isinstance(g, Affine)
    assert_close(g.a, X * np.exp(p.a * X))
    assert_close(g.c, np.sum(X))


def test_differentiating_a_bound_methods_object():
    layer = Layer(X - 0.2, 0.4)
    g = sg.grad(layer.forward, wrt="self")
    expected = _leafwise_numeric(lambda lay, x: np.sum(lay.forward(x)), layer, X)
    out = sg.jacobian(lambda lay: np.sum(lay.forward(X)))(layer)
    for name, value in expected.items():
        assert_close(getattr(out, name), value, rtol=1e-6)
    with pytest.raises(sg.S2SGradError, match="vjp|jacobian"):
        g(X)  # a vector result: grad refuses it and names vjp and jacobian


def test_unbound_method_keeps_working():
    assert_close(sg.grad(Model.loss, wrt=1)(MODEL, X), numeric_grad(MODEL.loss, (X,), 0))


def test_plain_object_as_wrt_says_what_to_do():
    with pytest.raises(sg.S2SGradError, match="dataclass|register_container"):
        sg.grad(Model.loss)(MODEL, X)


def test_has_aux():
    def f(w, x):
        pred = w * x
        total = np.sum(pred**2)
        return total, {"pred": pred, "n": 3}

    g, aux = sg.grad(f, has_aux=True)(X, X + 1.0)
    assert_close(g, numeric_grad(lambda w, x: f(w, x)[0], (X, X + 1.0), 0))
    assert_close(aux["pred"], X * (X + 1.0)) and aux["n"] == 3
    (value, aux2), g2 = sg.value_and_grad(f, has_aux=True)(X, X + 1.0)
    assert_close(value, f(X, X + 1.0)[0])
    assert_close(g2, g)
    lam = sg.grad(lambda w: (np.sum(w**3), w * 2), has_aux=True)
    g3, aux3 = lam(X)
    assert_close(g3, 3 * X**2) and assert_close(aux3, 2 * X)


def test_tuple_result_without_has_aux_suggests_it():
    with pytest.raises(sg.S2SGradError, match="has_aux=True"):
        sg.grad(lambda w: (np.sum(w**2), w))(X)


def test_bare_ufunc_never_mentions_its_keyword_options():
    with pytest.raises(sg.S2SGradError) as info:
        sg.grad(np.sin)(X)  # a vector result
    assert "where" not in str(info.value) and "out=" not in str(info.value)
    assert_close(sg.vjp(np.sin)(X)[1](np.ones(3)), np.cos(X))


def test_fresh_lambda_each_step_reuses_the_generated_code(monkeypatch):
    from s2sgrad import api

    # an empty cache: a full one (after other tests) drops an old entry for each new one
    monkeypatch.setattr(api, "_cache", api._Cache())
    data = [X * k for k in range(1, 6)]
    w = np.ones(3)
    before = len(api._cache)
    for batch in data:
        step = sg.grad(lambda w: loss(w, batch))(w)
        assert_close(step, numeric_grad(loss, (w, batch), 0))
        w = w - 0.01 * step
    assert len(api._cache) - before == 1


def _with_defaults(x, k=0.5, steps=4):
    for _ in range(steps):
        x = x - k * x**2
    return np.sum(x)


# (id, function, args, kwargs, wrt, the differentiated arguments' values, the function of
# them): arguments bound by the derivative as Python binds them (defaults, keywords,
# a partial's and a method's values)
MODEL = Model(np.array([0.4, -0.2, 0.9]), 0.3)
BINDINGS = [
    ("defaults", _with_defaults, (X,), {}, 0, (X,), lambda x: _with_defaults(x)),
    ("keyword", _with_defaults, (X,), {"steps": 2}, 0, (X,), lambda x: _with_defaults(x, 0.5, 2)),
    ("keyword wrt", _with_defaults, (X,), {"k": 0.25}, (0, 1), (X, 0.25), lambda x, k: _with_defaults(x, k)),
    (
        "all by keyword",
        _with_defaults,
        (),
        {"x": X, "k": 0.1, "steps": 3},
        (0, 1),
        (X, 0.1),
        lambda x, k: _with_defaults(x, k, 3),
    ),
    (
        "partial keyword",
        functools.partial(_with_defaults, steps=2),
        (X,),
        {},
        0,
        (X,),
        lambda x: _with_defaults(x, 0.5, 2),
    ),
    (
        "partial keyword overridden",
        functools.partial(_with_defaults, steps=2),
        (X,),
        {"steps": 5},
        0,
        (X,),
        lambda x: _with_defaults(x, 0.5, 5),
    ),
    ("bound method", MODEL.loss, (X,), {}, 0, (X,), lambda x: MODEL.loss(x)),
]


@pytest.mark.parametrize("f, args, kwargs, wrt, at, plain", [r[1:] for r in BINDINGS], ids=[r[0] for r in BINDINGS])
def test_arguments_bind_as_python_binds_them(f, args, kwargs, wrt, at, plain):
    got = sg.grad(f, wrt=wrt)(*args, **kwargs)
    got = got if isinstance(wrt, tuple) else (got,)
    assert len(got) == len(at)
    for k, g in enumerate(got):
        assert np.shape(g) == np.shape(at[k])
        assert_close(g, numeric_grad(plain, at, k))


@pytest.mark.parametrize(
    "args, kwargs, fragment",
    [
        ((), {}, "missing a required argument: 'x'"),
        ((X, 0.5, 4, 9), {}, "too many positional arguments"),
        ((X,), {"x": X}, "multiple values for argument 'x'"),
        ((X,), {"rate": 0.1}, "got an unexpected keyword argument 'rate'"),
    ],
)
def test_a_wrong_call_names_what_is_wrong(args, kwargs, fragment):
    with pytest.raises(sg.S2SGradError, match=f"cannot call _with_defaults: {fragment}"):
        sg.grad(_with_defaults)(*args, **kwargs)


WEIGHTS = np.array([1.0, 2.0, 3.0])


def _weighted(x, c=WEIGHTS):
    return np.sum(c * x)


def test_a_default_is_the_functions_own_object():
    """A default is read at each call from the function's own default (an array
    changed in place since is seen, as by a Python call)."""
    df = sg.grad(_weighted)
    assert_close(df(X), [1.0, 2.0, 3.0])
    WEIGHTS[:] = [-1.0, 0.5, 4.0]
    try:
        assert_close(df(X), [-1.0, 0.5, 4.0])
    finally:
        WEIGHTS[:] = [1.0, 2.0, 3.0]


# -- positional-only parameters -------------------------------------------------------


def scaled(v, /, k=2.0):
    return v * k


def bilinear(x, y, /, k=2.0):
    return np.sum(scaled(x, k=k) * np.tanh(y)) * k


def test_positional_only_parameters_of_the_function_and_its_helpers():
    x, y = np.array([1.0, 2.0, -0.5]), np.array([0.3, -0.2, 0.7])
    gx, gy = sg.grad(bilinear, wrt=(0, 1))(x, y)
    assert_close(gx, numeric_grad(bilinear, (x, y), 0))
    assert_close(gy, numeric_grad(bilinear, (x, y), 1))
    assert_close(sg.grad(bilinear)(x, y, k=1.5), numeric_grad(lambda a, b: bilinear(a, b, k=1.5), (x, y), 0))
    value, tangent = sg.jvp(bilinear, (x, y), (y, x))
    assert_close(tangent, np.dot(gx, y) + np.dot(gy, x))
    with pytest.raises(sg.S2SGradError, match="positional only"):
        sg.grad(bilinear)(x=x, y=y)  # (as Python refuses it)
