"""SciPy is optional; library code is never differentiated from its source; a user's rule
may call SciPy's functions."""
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import s2sgrad as sg
import s2sgrad.extend as ext
from s2sgrad.compiler.callees import is_library_function

pytest.importorskip("scipy")
import scipy  # noqa: E402
import scipy.linalg  # noqa: E402
import scipy.special  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_import_and_numpy_rules_without_scipy():
    """With scipy unimportable, `import s2sgrad`, a gradient and the listing all work."""
    code = textwrap.dedent("""
        import sys
        sys.modules["scipy"] = None          # import scipy raises ImportError
        import numpy as np
        import s2sgrad as sg
        from s2sgrad.rules import listing
        assert not any(m.startswith("scipy") for m in sys.modules if sys.modules[m] is not None)
        import tests.scipy_optional_helper as h
        print(sg.grad(h.f)(np.array([0.5, 1.0])).round(6).tolist(), len(listing.differentiable()))
    """)
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    grads, count = out.stdout.split("] ")
    assert np.allclose(eval(grads + "]"), np.cos([0.5, 1.0]))
    assert 0 < int(count) < len(__import__("s2sgrad.rules.listing").rules.listing.differentiable())


def test_import_s2sgrad_does_not_import_scipy():
    code = "import sys; import s2sgrad; print(any(m.split('.')[0] == 'scipy' for m in sys.modules))"
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def polar_part(a):
    return np.sum(scipy.linalg.polar(a)[0])


def test_library_function_without_rule_is_refused_by_name():
    with pytest.raises(sg.S2SGradError, match=r"no derivative rule for scipy\.linalg\.polar") as info:
        sg.grad(polar_part)(np.eye(2) * 2.0)
    assert "s2sgrad.extend" in str(info.value)
    assert "_polar" not in str(info.value)  # SciPy's own source is not read


def test_library_test_sees_installed_and_user_code():
    import json

    assert is_library_function(scipy.linalg.polar)
    assert is_library_function(json.dumps)  # the standard library
    assert not is_library_function(polar_part)


@pytest.fixture
def forget():
    """Drop the rules a test registers for its own functions, so that none leaks out."""
    from s2sgrad import rules

    registered = []
    yield registered.append
    for fn in registered:
        rules.RULES.pop(rules._key(fn), None)
        rules.JVPS.pop(rules._key(fn), None)
        rules.SCALAR_FUNCS.discard(rules._key(fn))
    sg.api._cache.clear()


def my_gammaln(x):
    return scipy.special.gammaln(x)


def total(x):
    return np.sum(my_gammaln(x) * 2.0)


def test_user_rule_calls_a_scipy_ufunc(forget):
    forget(my_gammaln)
    ext.defvjp(my_gammaln, lambda g, ans, x: g * scipy.special.digamma(x))
    x = np.array([0.7, 1.5, 3.0])
    np.testing.assert_allclose(sg.grad(total)(x), 2.0 * scipy.special.digamma(x), rtol=1e-12)
    assert "scipy.special.psi(x)" in sg.grad(total).source


def softplus(x):
    return np.logaddexp(0.0, x)


def smooth(x):
    return np.sum(softplus(x))


def test_user_rule_calls_any_ufunc(forget):
    forget(softplus)
    ext.defelementwise(softplus, lambda ans, x: scipy.special.expit(x))
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(sg.grad(smooth)(x), scipy.special.expit(x), rtol=1e-12)
    np.testing.assert_allclose(sg.hvp(smooth)(x, np.ones(3)), scipy.special.expit(x) * scipy.special.expit(-x),
                               rtol=1e-12)


def erf_scalar(x):
    return math.erf(x)


def erf_total(x):
    return erf_scalar(x) * 3.0


def test_user_rule_calls_a_math_function(forget):
    forget(erf_scalar)
    ext.defelementwise(erf_scalar, lambda ans, x: 2.0 / math.sqrt(math.pi) * ext.call(math.exp, -x * x))
    assert sg.grad(erf_total)(0.4) == pytest.approx(3.0 * 2.0 / math.sqrt(math.pi) * math.exp(-0.16), rel=1e-12)
    assert "math.exp(-x * x)" in sg.grad(erf_total).source


def test_math_function_on_a_symbolic_value_says_what_to_do(forget):
    forget(erf_scalar)
    ext.defelementwise(erf_scalar, lambda ans, x: 2.0 / math.sqrt(math.pi) * math.exp(-x * x))
    with pytest.raises(sg.S2SGradError, match=r"s2sgrad\.extend\.call") as info:
        sg.grad(erf_total)(0.4)
    assert "test_scipy_optional.py" in str(info.value)      # the line of the rule's use
