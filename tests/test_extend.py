"""User-defined derivative rules (s2sgrad.extend), sg.stop_gradient and sg.check_grad.

* ``ext.defvjp`` on a user function (a numerically stable softplus) used in a
  loop: the gradient is the rule's, the rule's expression is inlined into the
  generated source and the user function is called by name; a rule
  registered after a first call takes effect on the next call.
* straight-through estimators: a rule ``g -> g`` on a wrapper of ``np.round``,
  and overriding the built-in ``np.sign`` (restored afterwards with
  ``ext.defnondiff``).
* a rule for a C function without Python source and without a built-in rule
  (``math.gamma``, whose derivative ``gamma(x) * digamma(x)`` is written with
  NumPy operations), in reverse and, via ``ext.defjvp`` / ``jvp=``, forward mode.
* ``ext.defnondiff`` on a user function: no derivative flows through it.
* ``sg.stop_gradient`` inside loops and branches, against finite differences
  of the function with the stopped values frozen.
* ``sg.check_grad`` on correct functions and on a deliberately wrong rule,
  also with dict / list / tuple arguments, where the report names the leaf
  (``params['W'][1, 0]``), and on a function writing into its argument.

Rules are global: the autouse fixture ``restore_rules`` registers this file's
rules for each test and puts the rule table back afterwards, so other test
files see the built-in table.
"""
import copy
import math
import re

import numpy as np
import pytest

import s2sgrad as sg
import s2sgrad.extend as ext
from s2sgrad import rules as _rules
from s2sgrad.rules import listing
from tests.numeric import assert_close, numeric_grad

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


@pytest.fixture(autouse=True)
def restore_rules():
    """Every test: snapshot the rule table, register this file's rules (see
    `_register_rules` at the end), and afterwards put the table back exactly as
    it was and drop compiled derivatives, so no rule leaks into other tests. (SciPy's
    rules load before the snapshot: `ext.defvjp` loads them, and they must outlive it.)"""
    _rules.load_optional(everything=True)
    tables = {name: getattr(_rules, name) for name in
              ("RULES", "NONDIFF", "JVPS", "LINEAR", "SCALAR_FUNCS", "REDUCTIONS", "ALWAYS_SCALAR")
              if hasattr(_rules, name)}
    saved = {name: copy.copy(table) for name, table in tables.items()}
    sg.api._cache.clear()
    _register_rules()
    yield
    for name, table in tables.items():
        table.clear()
        table.update(saved[name])
    sg.api._cache.clear()


def _code(source):
    """The generated source without its comments (which quote the user's lines)."""
    return "\n".join(line.split("#")[0] for line in source.splitlines())


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# ---------------------------------------------------------------------------
# a custom VJP on a user function
# ---------------------------------------------------------------------------

def softplus(x):
    return np.logaddexp(0.0, x)


def softplus_net(w, x, n):
    h = x
    for i in range(n):
        h = softplus(w * h - 0.5)
    return np.sum(h)


def _softplus_net_grad(w, x, n):
    """By hand: h_{k+1} = softplus(w h_k - 0.5), d h_{k+1} = sigmoid(.) (h_k dw + w dh_k)."""
    hs = [x]
    for _ in range(n):
        hs.append(np.logaddexp(0.0, w * hs[-1] - 0.5))
    dh = np.ones_like(x)
    dw = np.zeros_like(w)
    for k in reversed(range(n)):
        s = _sigmoid(w * hs[k] - 0.5)
        dw = dw + dh * s * hs[k]
        dh = dh * s * w
    return dw, dh


W3 = np.array([0.5, -1.2, 2.0])
X3 = np.array([0.8, -0.4, 0.3])
BIG = np.array([40.0, -800.0, 0.3])     # softplus must stay finite here


@pytest.mark.parametrize("x", [X3, BIG], ids=["moderate", "large"])
def test_custom_vjp_in_loop_matches_analytic(x):
    gw, gx = sg.grad(softplus_net, wrt=(0, 1))(W3, x, 3)
    ew, ex = _softplus_net_grad(W3, x, 3)
    assert np.all(np.isfinite(gw)) and np.all(np.isfinite(gx))
    assert_close(gw, ew, rtol=1e-12, atol=1e-300)
    assert_close(gx, ex, rtol=1e-12, atol=1e-300)
    if x is X3:
        assert_close(gw, numeric_grad(softplus_net, (W3, x, 3), 0), rtol=1e-6)


def test_custom_vjp_is_inlined_and_the_function_called_by_name():
    df = sg.grad(softplus_net)
    df(W3, X3, 3)
    src = df.source
    code = _code(src)
    assert "softplus(" in code                    # the forward sweep calls the user function
    assert "np.tanh(0.5 *" in code                 # the rule's expression, inlined
    assert "logaddexp" not in code                 # the body is not inlined any more
    namespace = {"softplus": softplus}           # the source runs given the user's function
    exec(compile(src, "<custom vjp source>", "exec"), namespace)
    assert_close(namespace["softplus_net_grad"](W3, X3, 3), df(W3, X3, 3), rtol=1e-15)


def test_rule_registered_after_first_call_takes_effect():
    def clipped(x):
        return np.tanh(x)

    def model(x):
        s = 0.0
        for i in range(3):
            s = s + np.sum(clipped(x * (i + 1.0)))
        return s

    df = sg.grad(model)
    exact = df(X3)                               # no rule yet: the helper is inlined
    assert_close(exact, numeric_grad(model, (X3,), 0), rtol=1e-6)
    assert "np.tanh" in _code(df.source) and "clipped(" not in _code(df.source)

    ext.defvjp(clipped, lambda g, ans, x: 2.0 * g)    # a surrogate gradient
    surrogate = df(X3)
    assert_close(surrogate, np.full(3, 2.0 * (1.0 + 2.0 + 3.0)), rtol=1e-14)
    assert "clipped(" in _code(df.source)

    ext.defvjp(clipped, lambda g, ans, x: g * (1.0 - ans * ans))   # the true derivative
    assert_close(df(X3), exact, rtol=1e-12)


def test_forward_rule_registered_after_first_call_takes_effect():
    def soft_step(x):
        return np.tanh(x)

    def model(x):
        return np.sum(soft_step(x) * x)

    fwd = sg.jvp(model)
    ones = np.ones(3)
    _, exact = fwd((X3,), (ones,))
    assert_close(exact, np.sum(np.tanh(X3) + X3 * (1.0 - np.tanh(X3) ** 2)), rtol=1e-13)
    ext.defvjp(soft_step, lambda g, ans, x: 2.0 * g, jvp=lambda t, ans, x: 2.0 * t[0])
    value, surrogate = fwd((X3,), (ones,))
    assert_close(value, model(X3), rtol=1e-14)
    assert_close(surrogate, np.sum(np.tanh(X3) + 2.0 * X3), rtol=1e-13)
    assert "soft_step(" in _code(fwd.source)


def test_custom_vjp_with_two_arguments_and_none():
    def scaled_softplus(x, beta):
        return np.logaddexp(0.0, beta * x) / beta

    ext.defvjp(scaled_softplus, lambda g, ans, x, beta: g * _sigmoid(beta * x), None)

    def f(x, beta):
        return np.sum(scaled_softplus(x, beta) * x)

    g = sg.grad(f)(X3, 2.0)
    expected = scaled_softplus(X3, 2.0) + X3 * _sigmoid(2.0 * X3)
    assert_close(g, expected, rtol=1e-12)
    assert_close(g, numeric_grad(f, (X3, 2.0), 0), rtol=1e-6)


# ---------------------------------------------------------------------------
# straight-through estimators
# ---------------------------------------------------------------------------

def quantize(w):
    return np.round(w)


def quantized_loss(w, x):
    s = 0.0
    for i in range(2):
        s = s + np.sum(np.tanh(quantize(w * 4.0) * x) ** 2) * (i + 1.0)
    return s


def identity_loss(w, x):
    s = 0.0
    for i in range(2):
        s = s + np.sum(np.tanh((w * 4.0) * x) ** 2) * (i + 1.0)
    return s


def quantized_linear(w, x):
    return np.sum(quantize(w) * x) + np.sum(x * x)


def identity_linear(w, x):
    return np.sum(w * x) + np.sum(x * x)


def test_straight_through_estimator():
    w = np.array([0.3, -0.7, 0.45])
    x = np.array([0.2, -0.3, 0.25])
    got = sg.grad(quantized_loss)(w, x)
    # the derivative of the loss at the quantized value, passed straight through:
    # quantize(4 w) is what the identity version sees when given round(4 w) / 4
    expected = sg.grad(identity_loss)(np.round(w * 4.0) / 4.0, x)
    assert_close(got, expected, rtol=1e-12)
    assert np.all(got != 0.0)
    # where the loss is linear in quantize(w), the gradient is exactly the identity's
    assert_close(sg.grad(quantized_linear)(w, x), sg.grad(identity_linear)(w, x), rtol=0, atol=0)
    # with respect to x the quantized value is used as it is
    assert_close(sg.grad(quantized_linear, wrt=1)(w, x), np.round(w) + 2.0 * x, rtol=1e-14)


def sign_weighted(x):
    return np.sum(np.sign(x) * x * x)


@pytest.fixture
def sign_override():
    ext.defvjp(np.sign, lambda g, ans, x: g)
    yield
    ext.defnondiff(np.sign)


def test_override_builtin_sign_then_restore(sign_override):
    x = np.array([0.5, -1.5, 2.0])
    with_ste = sg.grad(sign_weighted)(x)
    assert_close(with_ste, 2.0 * np.sign(x) * x + x * x, rtol=1e-14)
    ext.defnondiff(np.sign)                       # back to the built-in declaration
    restored = sg.grad(sign_weighted)(x)
    assert_close(restored, 2.0 * np.abs(x), rtol=1e-14)
    assert_close(restored, numeric_grad(sign_weighted, (x,), 0), rtol=1e-6)


def test_sign_is_non_differentiable_by_default():
    """The built-in declaration (as the override test leaves it, and as every test starts)."""
    x = np.array([0.5, -1.5, 2.0])
    assert_close(sg.grad(sign_weighted)(x), 2.0 * np.abs(x), rtol=1e-14)
    assert _rules._key(np.sign) in _rules.NONDIFF
    assert _rules._key(np.sign) not in _rules.RULES


# ---------------------------------------------------------------------------
# a rule for a C function without Python source: math.gamma
# ---------------------------------------------------------------------------

def digamma(x):
    """psi(x) for x > 0: psi(x) = psi(x + 6) - sum_{k<6} 1/(x+k), and the
    asymptotic series at x + 6 (error below 1e-11). Straight-line NumPy, so a
    rule can build it on symbolic values."""
    y = x + 6.0
    shift = 1.0 / x + 1.0 / (x + 1.0) + 1.0 / (x + 2.0) + 1.0 / (x + 3.0) + 1.0 / (x + 4.0) + 1.0 / (x + 5.0)
    iy2 = 1.0 / (y * y)
    series = iy2 * (1.0 / 12.0 - iy2 * (1.0 / 120.0 - iy2 * (1.0 / 252.0 - iy2 * (1.0 / 240.0 - iy2 / 132.0))))
    return np.log(y) - 0.5 / y - series - shift


def test_digamma_helper():
    assert_close(digamma(1.0), -0.5772156649015329, rtol=1e-10)
    assert_close(digamma(0.5), -1.9635100260214235, rtol=1e-10)
    assert_close(digamma(3.7), (math.lgamma(3.7 + 1e-6) - math.lgamma(3.7 - 1e-6)) / 2e-6, rtol=1e-7)


def gamma_loop(x, n):
    s = 0.0
    for i in range(n):
        if x > 2.0:
            s = s + math.gamma(x - 0.1 * i) * 0.5
        else:
            s = s + math.gamma(x + 0.1 * i) * x
    return s


def _gamma_loop_grad(x, n):
    g = 0.0
    for i in range(n):
        if x > 2.0:
            u = x - 0.1 * i
            g += 0.5 * math.gamma(u) * digamma(u)
        else:
            u = x + 0.1 * i
            g += math.gamma(u) + x * math.gamma(u) * digamma(u)
    return g


def test_math_gamma_has_no_rule():
    assert "math.gamma" not in listing.differentiable()
    with pytest.raises(sg.S2SGradError) as info:
        sg.grad(gamma_loop)(1.3, 3)
    assert "gamma" in str(info.value)


@pytest.mark.parametrize("x", [1.3, 2.6])
def test_rule_for_c_function(x):
    ext.defvjp(math.gamma, lambda g, ans, x: g * ans * digamma(x))
    df = sg.grad(gamma_loop)
    got = df(x, 3)
    assert isinstance(got, float)
    assert_close(got, _gamma_loop_grad(x, 3), rtol=1e-9)
    assert_close(got, numeric_grad(gamma_loop, (x, 3), 0), rtol=1e-6)
    assert "math.gamma(" in _code(df.source) and "np.log(" in _code(df.source)
    # no forward rule was given: forward mode says so instead of guessing
    with pytest.raises(sg.S2SGradError):
        sg.jvp(gamma_loop, (x, 3), (1.0, None))


@pytest.mark.parametrize("how", ["defjvp", "jvp="])
@pytest.mark.parametrize("x", [1.3, 2.6])
def test_forward_rule_for_c_function(how, x):
    vjp = lambda g, ans, x: g * ans * digamma(x)          # noqa: E731
    jvp = lambda t, ans, x: t[0] * ans * digamma(x)       # noqa: E731
    if how == "defjvp":
        ext.defvjp(math.gamma, vjp)
        ext.defjvp(math.gamma, jvp)
    else:
        ext.defvjp(math.gamma, vjp, jvp=jvp)
    value, tangent = sg.jvp(gamma_loop, (x, 3), (0.7, None))
    assert_close(value, gamma_loop(x, 3), rtol=1e-14)
    eps = 1e-6
    fd = (gamma_loop(x + 0.7 * eps, 3) - gamma_loop(x - 0.7 * eps, 3)) / (2 * eps)
    assert_close(tangent, fd, rtol=1e-6)
    assert_close(tangent, 0.7 * _gamma_loop_grad(x, 3), rtol=1e-9)
    fwd = sg.jvp(gamma_loop)
    fwd((x, 3), (1.0, None))
    assert "math.gamma(" in _code(fwd.source) and "np.log(" in _code(fwd.source)
    # reverse mode still works next to it, and agrees
    assert_close(sg.grad(gamma_loop)(x, 3), tangent / 0.7, rtol=1e-12)


def test_user_function_with_vjp_and_jvp():
    def smooth_abs(x):
        return np.sqrt(x * x + 0.01)

    ext.defvjp(smooth_abs, lambda g, ans, x: g * x / ans,
               jvp=lambda t, ans, x: t[0] * x / ans)

    def f(x, w):
        s = 0.0
        for i in range(3):
            s = s + np.sum(smooth_abs(x - w * i))
        return s

    x, w = np.array([0.3, -0.2, 1.5]), 0.4
    tx = np.array([1.0, -0.5, 0.25])
    value, t = sg.jvp(f, (x, w), (tx, 0.0))
    eps = 1e-6
    assert_close(value, f(x, w), rtol=1e-14)
    assert_close(t, (f(x + eps * tx, w) - f(x - eps * tx, w)) / (2 * eps), rtol=1e-6)
    assert_close(sg.grad(f)(x, w) @ tx, t, rtol=1e-12)
    J = sg.jacobian(f, wrt=(0, 1), mode="forward")(x, w)
    Jr = sg.jacobian(f, wrt=(0, 1), mode="reverse")(x, w)
    assert_close(J[0], Jr[0], rtol=1e-12)
    assert_close(J[1], Jr[1], rtol=1e-12)


def smooth_abs(x):
    return np.sqrt(x * x + 0.01)


def smooth_abs_model(x):
    s = 0.0
    for i in range(2):
        s = s + np.sum(smooth_abs(x - 0.3 * i) * x)
    return s


def test_second_order_through_a_custom_rule():
    """hvp is forward mode over the generated gradient, which inlines the VJP rule."""
    x = np.array([0.3, -0.2, 1.5])
    v = np.array([1.0, -0.5, 0.25])
    df = sg.grad(smooth_abs_model)
    eps = 1e-6
    expected = (df(x + eps * v) - df(x - eps * v)) / (2 * eps)
    assert_close(sg.hvp(smooth_abs_model)(x, v), expected, rtol=1e-5, atol=1e-8)


def my_exp(x):
    return np.exp(x)


def uses_my_exp(x, w):
    return np.sum(my_exp(x * w) * x)


def test_defelementwise_reverse_and_forward():
    x = np.array([0.3, -0.2, 1.5])
    w = 0.7
    gx, gw = sg.grad(uses_my_exp, wrt=(0, 1))(x, w)
    assert_close(gx, np.exp(x * w) * (1.0 + w * x), rtol=1e-13)
    assert_close(gw, np.sum(np.exp(x * w) * x * x), rtol=1e-13)     # broadcast summed away
    assert isinstance(gw, float)
    v = np.array([1.0, 0.5, -2.0])
    value, t = sg.jvp(uses_my_exp, (x, w), (v, 0.25))
    assert_close(value, uses_my_exp(x, w), rtol=1e-14)
    assert_close(t, gx @ v + gw * 0.25, rtol=1e-12)


# ---------------------------------------------------------------------------
# defnondiff on a user function
# ---------------------------------------------------------------------------

def frozen_scale(x):
    return np.sin(x) + 2.0          # smooth: finite differences would see a derivative


def uses_frozen(x):
    return np.sum(frozen_scale(x) * x + x * x)


def only_frozen(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(frozen_scale(x * i))
    return s


def test_defnondiff_user_function():
    x = np.array([0.3, -1.1, 2.0])
    g = sg.grad(uses_frozen)(x)
    assert_close(g, frozen_scale(x) + 2.0 * x, rtol=1e-14)
    zero = sg.grad(only_frozen)(x)                # no error, and exactly zero
    assert isinstance(zero, np.ndarray) and zero.shape == x.shape
    assert np.all(zero == 0.0)
    value, t = sg.jvp(uses_frozen, (x,), (np.ones(3),))
    assert_close(value, uses_frozen(x), rtol=1e-14)
    assert_close(t, np.sum(frozen_scale(x) + 2.0 * x), rtol=1e-12)
    src = sg.grad(uses_frozen).source
    assert "frozen_scale(" in _code(src) and "np.cos" not in _code(src)


# ---------------------------------------------------------------------------
# stop_gradient
# ---------------------------------------------------------------------------

def _frozen_fd(f, args, argnum, monkeypatch):
    """Finite differences of f with every sg.stop_gradient value frozen at what it
    was at `args` (recorded in a first evaluation, replayed in the others)."""
    record = []
    with monkeypatch.context() as m:
        m.setattr(sg, "stop_gradient", lambda v: record.append(copy.deepcopy(v)) or v)
        f(*copy.deepcopy(args))

    def replay(*a):
        it = iter(record)
        with monkeypatch.context() as m:
            m.setattr(sg, "stop_gradient", lambda v: next(it))
            out = f(*a)
        assert next(it, None) is None, "the control flow changed under the step"
        return out
    return numeric_grad(replay, args, argnum)


def stop_in_loop_and_branch(x, n):
    s = x
    for i in range(n):
        c = sg.stop_gradient(s)
        if c > 1.0:
            s = s * 0.5 + np.sin(x * i) * sg.stop_gradient(x)
        else:
            s = s * x + c
    return s


def stop_array(x, w):
    h = x * 1.0
    for i in range(3):
        scale = sg.stop_gradient(np.sum(h * h))
        if scale > 1.0:
            h = np.tanh(w * h) / scale
        else:
            h = h * w + sg.stop_gradient(h) * 0.5
    return np.sum(h * x)


def stop_everything(x):
    return np.sum(sg.stop_gradient(x) ** 2)


def stop_identity(x):
    y = sg.stop_gradient(x)
    return np.sum(y * x)


def test_stop_gradient_is_the_identity():
    x = np.array([0.3, -1.2])
    assert sg.stop_gradient(x) is x
    assert sg.stop_gradient(2.5) == 2.5
    value, g = sg.value_and_grad(stop_identity)(x)
    assert_close(value, np.sum(x * x), rtol=1e-15)
    assert_close(g, x, rtol=1e-15)


def test_stop_gradient_zero_adjoint():
    x = np.array([0.3, -1.2, 0.7])
    g = sg.grad(stop_everything)(x)
    assert isinstance(g, np.ndarray) and g.shape == x.shape and np.all(g == 0.0)
    _, t = sg.jvp(stop_everything, (x,), (np.ones(3),))
    assert np.all(np.asarray(t) == 0.0)


@pytest.mark.parametrize("x, n", [(0.9, 6), (1.3, 5), (0.4, 4)])
def test_stop_gradient_in_loop_and_branch(monkeypatch, x, n):
    df = sg.value_and_grad(stop_in_loop_and_branch)
    value, g = df(x, n)
    assert_close(value, stop_in_loop_and_branch(x, n), rtol=1e-14)
    expected = _frozen_fd(stop_in_loop_and_branch, (x, n), 0, monkeypatch)
    assert_close(g, expected, rtol=1e-6)
    # stopping really changes the answer here: the plain derivative differs
    assert abs(g - numeric_grad(stop_in_loop_and_branch, (x, n), 0)) > 1e-3
    _, t = sg.jvp(stop_in_loop_and_branch, (x, n), (1.0, None))
    assert_close(t, g, rtol=1e-12)


@pytest.mark.parametrize("x", [np.array([0.3, -0.4, 0.2]), np.array([1.5, -0.9, 0.8])])
def test_stop_gradient_arrays(monkeypatch, x):
    w = np.array([0.9, -1.1, 0.6])
    gx, gw = sg.grad(stop_array, wrt=(0, 1))(x, w)
    assert_close(gx, _frozen_fd(stop_array, (x, w), 0, monkeypatch), rtol=1e-6)
    assert_close(gw, _frozen_fd(stop_array, (x, w), 1, monkeypatch), rtol=1e-6)


# ---------------------------------------------------------------------------
# check_grad
# ---------------------------------------------------------------------------

def smooth_model(w, x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(np.tanh(w * x * (i + 1.0)) ** 2)
    return s


def _scalar_model(x, n):
    s = x
    for i in range(n):
        if s > 1.0:
            s = np.sqrt(s) * x
        else:
            s = s * x + 0.5
    return s


def test_check_grad_ok():
    w = np.array([0.3, -0.7, 1.1])
    x = np.array([0.5, 0.25, -0.4])
    report = sg.check_grad(smooth_model, w, x, 3)
    assert isinstance(report, sg.GradCheck)
    assert report.ok is True
    assert report.max_rel_error < 1e-7
    assert report.argument == "w"
    both = sg.check_grad(smooth_model, w, x, 3, wrt=(0, 1))
    assert both.ok and both.max_rel_error < 1e-7
    scalar = sg.check_grad(_scalar_model, 0.7, 5)                 # a float argument
    assert scalar.ok and scalar.max_rel_error < 1e-7


def wrong_square(x):
    return x * x


def uses_wrong_rule(a, weights):
    return np.sum(wrong_square(weights) * a)


WEIGHTS = np.array([1.0, -2.0, 0.05, 3.0])      # worst relative error at the small one: index 2


def test_check_grad_wrong_rule_raises_naming_argument_and_index():
    with pytest.raises(sg.S2SGradError) as info:
        sg.check_grad(uses_wrong_rule, 1.5, WEIGHTS, wrt=1)
    message = str(info.value)
    assert "weights" in message, message
    assert "[2]" in message, message


def test_check_grad_wrong_rule_2d_index():
    weights = WEIGHTS.reshape(2, 2)
    with pytest.raises(sg.S2SGradError) as info:
        sg.check_grad(uses_wrong_rule, 1.5, weights, wrt="weights")
    message = str(info.value)
    assert "weights" in message and "1, 0" in message, message


def test_check_grad_report_without_raising():
    report = sg.check_grad(uses_wrong_rule, 1.5, WEIGHTS, wrt=1, raise_error=False)
    assert report.ok is False
    assert report.argument == "weights"
    assert tuple(report.index) == (2,)
    assert_close(report.analytic, 1.5 * (2.0 * 0.05 + 0.01), rtol=1e-12)
    assert_close(report.numeric, 1.5 * 2.0 * 0.05, rtol=1e-6)
    assert_close(report.max_rel_error, 0.01 / 0.11, rtol=1e-4)
    assert "weights" in str(report)
    # the first argument is right: checked alone it passes, and a tuple wrt still finds the error
    assert sg.check_grad(uses_wrong_rule, 1.5, WEIGHTS, wrt=0).ok
    both = sg.check_grad(uses_wrong_rule, 1.5, WEIGHTS, wrt=(0, 1), raise_error=False)
    assert not both.ok and both.argument == "weights" and tuple(both.index) == (2,)


def wrong_in_dict(params, x):
    return np.sum(wrong_square(params["W"]) @ x) + np.sum(np.tanh(params["b"]))


def wrong_in_nested(params, x):
    h = np.tanh(params["enc"]["W"] @ x + params["enc"]["b"])
    return np.sum(wrong_square(params["dec"]["W"]) @ h)


def wrong_in_list(ws, x):
    return np.sum(ws[0] * x) + ws[1] * np.sum(wrong_square(ws[2]))


def wrong_in_tuple(pair, x):
    a, b = pair
    return np.sum(np.sin(a * x)) + wrong_square(b) * 3.0


def writes_into_x(params, x):
    x[0] = x[0] * params["scale"]
    return np.sum(np.tanh(params["W"] @ x)) * params["scale"]


W22 = np.array([[1.0, -2.0], [0.05, 3.0]])    # the wrong rule errs most at the small entry
X2 = np.array([0.5, 1.5])
NESTED = {"enc": {"W": np.array([[0.3, -0.2], [0.8, 0.5]]), "b": np.array([0.1, -0.3])},
          "dec": {"W": np.array([[1.2, 0.04]])}}

# (function, arguments, wrt, where the worst error is when the derivative is wrong, or None)
CHECK_CONTAINERS = [
    (wrong_in_dict, ({"W": W22, "b": np.array([0.1, 0.2])}, X2), 0, "params['W'][1, 0]"),
    (wrong_in_dict, ({"W": W22, "b": np.array([0.1, 0.2])}, X2), (1, 0), "params['W'][1, 0]"),
    (wrong_in_dict, ({"W": W22, "b": np.array([0.1, 0.2])}, X2), 1, None),
    (wrong_in_nested, (NESTED, X2), 0, "params['dec']['W'][0, 1]"),
    (wrong_in_nested, (NESTED, X2), "x", None),
    (wrong_in_list, ([X2, 0.7, np.array([2.0, 0.02])], X2), 0, "ws[2][1]"),
    (wrong_in_list, ((X2, 0.7, np.array([2.0, 0.02])), X2), (0, 1), "ws[2][1]"),
    (wrong_in_tuple, ((X2, 0.03), X2), 0, "pair[1]"),
    (wrong_in_tuple, ((X2, 0.03), X2), 1, None),
    (writes_into_x, ({"W": W22, "scale": 0.8}, X2.copy()), (0, 1), None),
]


@pytest.mark.parametrize("fn, args, wrt, where", CHECK_CONTAINERS,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(CHECK_CONTAINERS)])
def test_check_grad_container_arguments(fn, args, wrt, where):
    before = copy.deepcopy(args)
    report = sg.check_grad(fn, *args, wrt=wrt, raise_error=False)
    for a, b in zip(args, before):      # every evaluation on copies, also for a function writing into them
        for (pa, la), (pb, lb) in zip(_tree_leaves(a), _tree_leaves(b)):
            assert pa == pb and np.array_equal(la, lb)
    if where is None:
        assert report.ok and report.max_rel_error < 1e-7, str(report)
        return
    assert not report.ok and report.where == where, str(report)
    with pytest.raises(sg.S2SGradError, match=re.escape(f"at {where}: derivative")):
        sg.check_grad(fn, *args, wrt=wrt)


def test_check_grad_container_report_fields():
    report = sg.check_grad(wrong_in_nested, NESTED, X2, raise_error=False)
    assert report.argument == "params" and report.leaf == ("dec", "W") and tuple(report.index) == (0, 1)
    h = np.tanh(NESTED["enc"]["W"] @ X2 + NESTED["enc"]["b"])
    assert_close(report.numeric, 2.0 * 0.04 * h[1], rtol=1e-6)
    assert_close(report.analytic, (2.0 * 0.04 + 0.01) * h[1], rtol=1e-12)


def _tree_leaves(tree, path=()):
    from s2sgrad import trees
    return list(trees.leaves(tree, path))


def _register_rules():
    """The rules this file's module-level functions use (registered per test)."""
    ext.defvjp(softplus, lambda g, ans, x: g * 0.5 * (1.0 + np.tanh(0.5 * x)))
    ext.defvjp(quantize, lambda g, ans, w: g)
    ext.defvjp(smooth_abs, lambda g, ans, x: g * x / ans, jvp=lambda t, ans, x: t[0] * x / ans)
    ext.defelementwise(my_exp, lambda ans, x: ans)
    ext.defnondiff(frozen_scale)
    ext.defvjp(wrong_square, lambda g, ans, x: g * (2.0 * x + 0.01))   # off by 0.01: deliberately wrong
