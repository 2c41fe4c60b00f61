"""scipy.stats: logpdf, pdf, cdf, logcdf, sf, logsf of each distribution w.r.t. the values,
the shape parameters (logpdf, pdf) and loc / scale, against central differences in
reverse and forward mode, and second order (the harness: tests/scipy_rows.py)."""
import numpy as np
import pytest
import scipy.stats as st

import s2sgrad as sg
from tests.scipy_rows import (check_forward, check_reverse, check_second, covered, draw, listed, params_of)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

LOC, SCALE = 0.1, 1.3
Z_ANY, Z_POS, Z_UNIT = draw((2, 3), -2.0, 2.0), draw((2, 3), 0.3, 3.0), draw((2, 3), 0.1, 0.9)
DISTRIBUTIONS = {  # name: (standard values z, shape parameters)
    "norm": (Z_ANY, []),
    "t": (Z_ANY, [draw((3,), 2.0, 6.0)]),
    "gamma": (Z_POS, [1.7]),
    "beta": (Z_UNIT, [draw((3,), 1.5, 3.0), 2.5]),
    "expon": (Z_POS, []),
    "laplace": (draw((2, 3), 0.2, 2.0) * np.array([1.0, -1.0, 1.0]), []),
    "logistic": (Z_ANY, []),
    "cauchy": (Z_ANY, []),
    "uniform": (Z_UNIT, []),
    "gumbel_r": (Z_ANY, []),
    "gumbel_l": (Z_ANY, []),
    "chi2": (Z_POS, [draw((3,), 1.5, 5.0)]),
    "pareto": (1.0 + Z_POS, [2.5]),
}
SHAPE_NAMES = {"t": ["df"], "gamma": ["a"], "beta": ["a", "b"], "chi2": ["df"], "pareto": ["b"]}
METHODS = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]
Q = draw((2, 3), 0.1, 0.9, salt=3)


def rows():
    out = []
    for name, (z, shapes) in DISTRIBUTIONS.items():
        x = LOC + SCALE * z
        names = SHAPE_NAMES.get(name, [])
        for method in METHODS:
            varying = names if method in ("logpdf", "pdf") else []
            fixed = [repr(float(np.ravel(s)[0])) if isinstance(s, np.ndarray) else repr(s)
                     for n, s in zip(names, shapes) if n not in varying]
            params = ["x", *varying, "loc", "scale"]
            args = [Q if method in ("ppf", "isf") else x, *[s for n, s in zip(names, shapes) if n in varying], LOC,
                    SCALE]
            call = ", ".join(["x", *varying, *fixed])
            expr = f"scipy.stats.{name}.{method}({call}, loc, scale)"
            out.append((f"{name}.{method}", params, expr, args, method in ("logpdf", "logsf", "ppf")))
            if method == "logpdf":
                kw = f"scipy.stats.{name}.{method}({call}, loc=loc, scale=scale)"
                out.append((f"{name}.{method}-keywords", params, kw, args, False))
    return out


MVN_X, MVN_MEAN = draw((4, 3), -1.0, 1.0), draw((3,), -0.5, 0.5)
MVN_C = draw((3, 3), -0.5, 0.5, salt=1)
ROWS = rows() + [
    ("norm-default", ["x"], "scipy.stats.norm.logpdf(x)", [Z_ANY], True),
    ("norm-float", ["x", "m"], "scipy.stats.norm.cdf(x, m)", [0.3, -0.2], False),
    ("norm-broadcast", ["x", "m", "s"], "scipy.stats.norm.logpdf(x, m, s)",
     [Z_ANY, draw((3,), -0.5, 0.5), draw((2, 1), 0.5, 2.0)], True),
    ("poisson", ["mu"], "scipy.stats.poisson.logpmf(np.array([[0, 3, 1], [2, 5, 1]]), mu)", [draw((3,), 0.5, 4.0)],
     True),
    ("bernoulli", ["p"], "scipy.stats.bernoulli.logpmf(np.array([[0, 1, 1], [1, 0, 1]]), p)",
     [draw((2, 3), 0.1, 0.9)], True),
    ("bernoulli.pmf", ["p"], "scipy.stats.bernoulli.pmf(np.array([[0, 1, 1], [1, 0, 1]]), p)",
     [draw((2, 3), 0.1, 0.9)], True),
    *[(f"poisson.{m}", ["mu"], f"scipy.stats.poisson.{m}(np.array([[0.0, 3.0, 1.5], [2.0, 5.0, 1.0]]), mu)",
       [draw((3,), 0.5, 4.0)], m in ("cdf", "logsf")) for m in ("pmf", "cdf", "sf", "logcdf", "logsf")],
    ("dirichlet", ["x", "alpha"], "scipy.stats.dirichlet.logpdf(x / np.sum(x), alpha)",
     [draw((3,), 0.2, 1.0), draw((3,), 0.8, 3.0)], True),
    ("dirichlet-batch", ["x", "alpha"], "scipy.stats.dirichlet.logpdf(x / np.sum(x, axis=0), alpha)",
     [draw((3, 4), 0.2, 1.0), draw((3,), 0.8, 3.0)], True),
    # frozen distributions made inside the function
    ("norm-frozen", ["x", "m", "s"], "scipy.stats.norm(m, s).logpdf(x)", [Z_ANY, 0.2, 1.4], True),
    ("t-frozen-keywords", ["x", "m"], "scipy.stats.t(4.0, loc=m).logcdf(x)", [Z_ANY, 0.3], False),
    ("dirichlet-frozen", ["x", "alpha"], "scipy.stats.dirichlet(alpha).logpdf(x / np.sum(x))",
     [draw((3,), 0.2, 1.0), draw((3,), 0.8, 3.0)], True),
    # cov is built symmetric positive definite from a free matrix c
    ("multivariate_normal", ["x", "mean", "c"],
     "scipy.stats.multivariate_normal.logpdf(x, mean, c @ c.T + np.eye(3))", [MVN_X, MVN_MEAN, MVN_C], True),
    ("multivariate_normal-one", ["x", "mean", "c"],
     "scipy.stats.multivariate_normal.pdf(x, mean, c @ c.T + 0.5 * np.eye(3))", [MVN_X[0], MVN_MEAN, MVN_C], True),
    ("multivariate_normal-nearly-singular", ["x", "c"],
     "scipy.stats.multivariate_normal.logpdf(x, None, c @ c.T + 1e-3 * np.eye(3))",
     [MVN_X * 0.05, np.array([[1.0, 0.0, 0.0], [0.99, 0.1, 0.0], [0.5, 0.5, 0.3]])], False),
]


@pytest.mark.parametrize("params, expr, args", params_of(ROWS, "all"))
def test_reverse(tmp_path, params, expr, args):
    check_reverse(tmp_path, params, expr, args, rtol=1e-5)


@pytest.mark.parametrize("params, expr, args", params_of([r for r in ROWS if "=" not in r[2]], "all"))
def test_forward(tmp_path, params, expr, args):
    check_forward(tmp_path, params, expr, args)


@pytest.mark.parametrize("params, expr, args", params_of(ROWS, "second"))
def test_second_order(tmp_path, params, expr, args):
    check_second(tmp_path, params, expr, args, rtol=1e-4)


def test_every_stats_rule_has_rows():
    assert listed("scipy.stats.") - covered(ROWS) == set()


def normal_loss(x, mu, log_sigma):
    """A user's model: the negative log-likelihood, loc and scale by keyword."""
    return -np.sum(st.norm.logpdf(x, loc=mu, scale=np.exp(log_sigma)))


def test_module_alias_and_keywords():
    x = np.array([0.3, -1.2, 2.0])
    got = sg.grad(normal_loss, wrt=(1, 2))(x, 0.4, -0.1)
    s = np.exp(-0.1)
    r = (x - 0.4) / s
    np.testing.assert_allclose(got, (-np.sum(r) / s, np.sum(1 - r**2)), rtol=1e-12)


def frozen_in_loop(x, mu, s):
    """A frozen distribution made once, its methods called in a loop and inline."""
    d = st.norm(mu, scale=s)
    total = 0.0
    for i in range(2):
        total = total + np.sum(d.logpdf(x[i]) + st.t(3.0, mu).cdf(x[i]))
    return total + st.multivariate_normal(np.zeros(3), np.eye(3) * s).logpdf(x[0])


def test_frozen_distributions():
    x = np.array([[0.3, 1.2, 2.0], [0.1, -0.5, 0.7]])
    check_reverse_of(frozen_in_loop, [x, 0.2, 1.3])


def check_reverse_of(f, args):
    from tests.numeric import assert_close, numeric_grad
    grads = sg.grad(f, wrt=tuple(range(len(args))))(*args)
    for i, g in enumerate(grads):
        assert_close(g, numeric_grad(f, list(args), i), rtol=1e-6)


def frozen_interval(p, mu):
    return np.sum(st.norm(mu, 1.0).interval(p)[0])


def test_frozen_method_without_rule_is_refused():
    with pytest.raises(sg.S2SGradError, match=r"no derivative rule for the method \.interval\(\)"):
        sg.grad(frozen_interval, wrt=1)(np.array([0.2, 0.6]), 0.5)
