"""The harness the SciPy rule tests share (tests/test_scipy_*.py).

A row is (id, params, expr, args, second): ``expr`` over ``params`` becomes a
module-level function ``np.sum(W * (EXPR))`` (tests/test_rules.make_function)
and is checked in reverse mode (``sg.grad`` w.r.t. every parameter against
central differences), forward mode (``sg.jvp`` along random tangents against
the central difference of ``f``) and, where ``second``, second order
(``sg.hvp`` against central differences of ``sg.grad`` along a random
direction). ``covered`` gives the listing names the rows call, for the
coverage tests.
"""
import ast
import copy
import importlib.util
import itertools
import sys
import zlib

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad.rules import listing
from tests.numeric import assert_close, numeric_grad
from tests.test_rules import rng_for

pytest.importorskip("scipy")
import scipy  # noqa: E402
import scipy.linalg  # noqa: E402
import scipy.special  # noqa: E402
import scipy.stats  # noqa: E402

EPS = 1e-6


def draw(shape, lo=-1.0, hi=1.0, salt=0):
    """Values in [lo, hi] (a Python float for shape float)."""
    rng = rng_for("draw", shape, lo, hi, salt)
    if shape is float:
        return float(rng.uniform(lo, hi))
    return rng.uniform(lo, hi, shape)


def spd(n, cond=3.0, salt=0):
    """A symmetric positive definite matrix with condition number about `cond`."""
    rng = rng_for("spd", n, cond, salt)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (q * np.geomspace(1.0, cond, n)) @ q.T


TEMPLATE = """\
import numpy as np
import scipy
import scipy.linalg
import scipy.special
import scipy.stats

W = 1.0


def value({params}):
    return {expr}


def f({params}):
    return np.sum(W * ({expr}))
"""
_made = itertools.count()


def _function(tmp_path, params, expr, args):
    """The row as a module-level function, scalar-valued (a random projection W)."""
    name = f"scipy_row_{next(_made)}"
    path = tmp_path / f"{name}.py"
    path.write_text(TEMPLATE.format(params=", ".join(params), expr=expr))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    out = module.value(*copy.deepcopy(args))
    module.W = np.random.default_rng(zlib.crc32(expr.encode())).standard_normal(np.shape(out))
    return module.f


def check_reverse(tmp_path, params, expr, args, rtol=1e-6):
    f = _function(tmp_path, params, expr, args)
    wrt = tuple(range(len(params)))
    grads = sg.grad(f, wrt=wrt)(*args)
    for i, g in enumerate(grads):
        assert np.shape(g) == np.shape(args[i])
        assert_close(g, numeric_grad(f, list(args), i), rtol=rtol, atol=1e-7)


def _tangents(args, key):
    rng = rng_for("tangent", key)
    return [float(rng.standard_normal()) if isinstance(a, float) else rng.standard_normal(np.shape(a)) for a in args]


def check_forward(tmp_path, params, expr, args, rtol=1e-5):
    f = _function(tmp_path, params, expr, args)
    ts = _tangents(args, expr)
    value, tangent = sg.jvp(f, args, ts)
    assert_close(value, f(*args), rtol=1e-12, atol=1e-12)
    ends = [f(*[a + step * t for a, t in zip(args, ts)]) for step in (EPS, -EPS)]
    assert_close(tangent, (ends[0] - ends[1]) / (2 * EPS), rtol=rtol, atol=1e-7)


def check_second(tmp_path, params, expr, args, rtol=1e-5):
    """hvp w.r.t. every parameter against central differences of the gradient."""
    f = _function(tmp_path, params, expr, args)
    wrt = tuple(range(len(params)))
    vs = tuple(_tangents(args, ("hvp", expr)))
    got = sg.hvp(f, wrt=wrt)(*args, vs)
    df = sg.grad(f, wrt=wrt)
    eps = 1e-5
    ends = [df(*[a + step * v for a, v in zip(args, vs)]) for step in (eps, -eps)]
    for i in range(len(params)):
        assert_close(got[i], (np.asarray(ends[0][i]) - ends[1][i]) / (2 * eps), rtol=rtol, atol=1e-6)


def params_of(rows, check):
    """pytest params (params, expr, args) of the rows (all, or those claiming second order)."""
    return [pytest.param(p, e, a, id=i) for i, p, e, a, second in rows if check != "second" or second]


SCIPY_MODULES = {"scipy": scipy}


def _object(node):
    if isinstance(node, ast.Name):
        return SCIPY_MODULES.get(node.id, np if node.id == "np" else None)
    if isinstance(node, ast.Attribute):
        owner = _object(node.value)
        return None if owner is None else getattr(owner, node.attr, None)
    return None


def covered(rows):
    """The listing names of the SciPy functions the rows call."""
    found = set()
    for _, _, expr, _, _ in rows:
        for node in ast.walk(ast.parse(expr, mode="eval")):
            if isinstance(node, ast.Call):
                obj = _object(node.func)
                if obj is not None:
                    found.add(listing._spell(obj))
    return found


def listed(prefix):
    return {name for name in listing.differentiable() if name.startswith(prefix)}
