"""Rules for scipy.stats: the log-densities, densities and distribution functions of
the common distributions, in the module-function form `norm.logpdf(x, loc, scale)`
(loaded by rules/optional.py once the program imports scipy.stats).

`scipy.stats.norm.logpdf` is a new bound method at each access; the table keys it
by the distribution object and the function (table._key), so one rule serves
every access.

A continuous distribution here is a location-scale family: with z = (x - loc) / scale
and the standard log-density log f(z; shapes), each rule needs only the score
d log f / dz and the derivatives in the shape parameters. Then
- logpdf: d/dx = score / scale, d/dloc = -d/dx, d/dscale = -(score z + 1) / scale;
- pdf: the same times the density;
- cdf / sf: d/dx = +- pdf, d/dloc = -+ pdf, d/dscale = -+ pdf z; logcdf / logsf divide
  by the function (exp(logpdf - ans)). SciPy's own logpdf gives the density, so the
  derivative has a rule again (second order).
"""

import inspect

import numpy as np
import scipy
import scipy.stats as stats

from .table import family, defelementwise, defjvp, defvjp, spelled
from .sym import Namespace, external, rt

family(
    "SciPy stats",
    module=__name__,
    notes=[
        "Module-function form `scipy.stats.norm.logpdf(x, loc, scale)`, by position or keyword (forward mode "
        "too: `loc=`, `scale=` and shape parameters such as `df=` are placed by position); a distribution "
        "frozen in the function (`d = norm(mu, s)`, then `d.logpdf(x)`) is read as that form.",
        "Derivatives inside the support: expon below loc, and gamma and beta at the ends, are not covered; "
        "laplace at x = loc has slope 0 (sign(0)).",
        "cdf, logcdf, sf, logsf have no derivative in the shape parameters (df of t, a of gamma, a and b of "
        "beta: SciPy has none as a function); logpdf and pdf have.",
        "poisson (logpmf, pmf, cdf, sf, logcdf, logsf) in mu, bernoulli (logpmf, pmf) in p; the counts k and loc "
        "have none.",
        "ppf and isf: in q, loc and scale (the slope of the inverse, 1 / density at the result).",
        "dirichlet.logpdf: x holds the quantiles along its first axis, as SciPy reads it.",
        "multivariate_normal reads cov as symmetric: its adjoint is the symmetric matrix (as for np.linalg.cholesky).",
    ],
)


SCIPY = external(scipy, "scipy")
sp = Namespace(SCIPY + ".special")
P = inspect.Parameter


def _signature(shapes, loc=True, scale=True, first="x"):
    names = ["ans", first, *shapes]
    params = [P(n, P.POSITIONAL_OR_KEYWORD) for n in names]
    if loc:
        params.append(P("loc", P.POSITIONAL_OR_KEYWORD, default=0))
    if scale:
        params.append(P("scale", P.POSITIONAL_OR_KEYWORD, default=1))
    return inspect.Signature(params)


def _derivative(signature, body):
    """A local derivative `(ans, x, *shapes, loc=0, scale=1) -> d` from `body(values)`."""

    def d(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return body(bound.arguments)

    d.__signature__ = signature
    return d


def _z(v, at="x"):
    return (v[at] - v["loc"]) / v["scale"]


def _shape_values(v, shapes):
    return [v[s] for s in shapes]


# name: (shape parameters, score(z, *shapes), {shape: d logpdf / d shape (z, *shapes)})
CONTINUOUS = {
    "norm": ((), lambda z: -z, {}),
    "t": (
        ("df",),
        lambda z, df: -(df + 1) * z / (df + z**2),
        {
            "df": lambda z, df: (
                (
                    sp.psi((df + 1) / 2)
                    - sp.psi(df / 2)
                    - 1 / df
                    - np.log1p(z**2 / df)
                    + (df + 1) * z**2 / (df * (df + z**2))
                )
                / 2
            )
        },
    ),
    "gamma": (("a",), lambda z, a: (a - 1) / z - 1, {"a": lambda z, a: np.log(z) - sp.psi(a)}),
    "beta": (
        ("a", "b"),
        lambda z, a, b: (a - 1) / z - (b - 1) / (1 - z),
        {
            "a": lambda z, a, b: np.log(z) - sp.psi(a) + sp.psi(a + b),
            "b": lambda z, a, b: np.log1p(-z) - sp.psi(b) + sp.psi(a + b),
        },
    ),
    "expon": ((), lambda z: -1.0 + 0.0 * z, {}),
    "laplace": ((), lambda z: -np.sign(z), {}),
    "logistic": ((), lambda z: -np.tanh(z / 2), {}),
    "cauchy": ((), lambda z: -2 * z / (1 + z**2), {}),
    "uniform": ((), lambda z: 0.0 * z, {}),
    "gumbel_r": ((), lambda z: np.expm1(-z), {}),
    "gumbel_l": ((), lambda z: -np.expm1(z), {}),
    "chi2": (("df",), lambda z, df: (df / 2 - 1) / z - 0.5, {"df": lambda z, df: (np.log(z / 2) - sp.psi(df / 2)) / 2}),
    "pareto": (("b",), lambda z, b: -(b + 1) / z, {"b": lambda z, b: 1 / b - np.log(z)}),
}


def _logpdf_rule(shapes, score, shape_scores, factor):
    """The local derivatives of logpdf (factor 1) or pdf (factor: the density, ans)."""
    sig = _signature(shapes)

    def s(v):
        return score(_z(v), *_shape_values(v, shapes))

    def times(v, d):
        return d * v["ans"] if factor else d

    dx = _derivative(sig, lambda v: times(v, s(v) / v["scale"]))
    dloc = _derivative(sig, lambda v: times(v, -s(v) / v["scale"]))
    dscale = _derivative(sig, lambda v: times(v, -(s(v) * _z(v) + 1) / v["scale"]))
    dshapes = [
        _derivative(sig, lambda v, name=name: times(v, shape_scores[name](_z(v), *_shape_values(v, shapes))))
        for name in shapes
    ]
    return [dx, *dshapes, dloc, dscale]


def _cdf_rule(name, shapes, sign, log):
    """cdf (sign 1) / sf (sign -1), or their logarithms: the density over the value for log."""
    sig = _signature(shapes)
    dist = Namespace(f"{SCIPY}.stats.{name}")

    def density(v):
        logpdf = dist.logpdf(v["x"], *_shape_values(v, shapes), v["loc"], v["scale"])
        return sign * np.exp(logpdf - v["ans"]) if log else sign * np.exp(logpdf)

    dx = _derivative(sig, density)
    dloc = _derivative(sig, lambda v: -density(v))
    dscale = _derivative(sig, lambda v: -density(v) * _z(v))
    return [dx, *[None for _ in shapes], dloc, dscale]


def _quantile_rule(name, shapes, sign):
    """ppf (sign 1) / isf (sign -1): the inverse's slope 1 / density at the result; loc shifts it,
    scale stretches it."""
    sig = _signature(shapes, first="q")
    dist = Namespace(f"{SCIPY}.stats.{name}")

    def dq(v):
        return sign * np.exp(-dist.logpdf(v["ans"], *_shape_values(v, shapes), v["loc"], v["scale"]))

    dloc = _derivative(sig, lambda v: 1.0)
    dscale = _derivative(sig, lambda v: _z(v, "ans"))
    return [_derivative(sig, dq), *[None for _ in shapes], dloc, dscale]


def _register(name, method, derivatives):
    prim = getattr(getattr(stats, name), method)
    defelementwise(prim, *derivatives)
    spelled(prim, f"scipy.stats.{name}.{method}")


for _name, (_shapes, _score, _shape_scores) in CONTINUOUS.items():
    _register(_name, "logpdf", _logpdf_rule(_shapes, _score, _shape_scores, False))
    _register(_name, "pdf", _logpdf_rule(_shapes, _score, _shape_scores, True))
    for _method, _sign, _log in (("cdf", 1, False), ("sf", -1, False), ("logcdf", 1, True), ("logsf", -1, True)):
        _register(_name, _method, _cdf_rule(_name, _shapes, _sign, _log))
    _register(_name, "ppf", _quantile_rule(_name, _shapes, 1))
    _register(_name, "isf", _quantile_rule(_name, _shapes, -1))

# discrete: d/d(parameter) of the log-probability of the count k
_POISSON = _signature(["mu"], scale=False)
_BERNOULLI = _signature(["p"], scale=False)
_POISSON_SCORE = lambda v: v["x"] / v["mu"] - 1  # noqa: E731
_BERNOULLI_SCORE = lambda v: v["x"] / v["p"] - (1 - v["x"]) / (1 - v["p"])  # noqa: E731
_register("poisson", "logpmf", [None, _derivative(_POISSON, _POISSON_SCORE), None])
_register("poisson", "pmf", [None, _derivative(_POISSON, lambda v: v["ans"] * _POISSON_SCORE(v)), None])
_register("bernoulli", "logpmf", [None, _derivative(_BERNOULLI, _BERNOULLI_SCORE), None])
_register("bernoulli", "pmf", [None, _derivative(_BERNOULLI, lambda v: v["ans"] * _BERNOULLI_SCORE(v)), None])


def _poisson_tail(sign, log):
    """d/dmu P(X <= k) = -pmf(floor(k)); the survival function the opposite; logs divide by the value."""
    poisson = Namespace(f"{SCIPY}.stats.poisson")

    def d(v):
        logpmf = poisson.logpmf(np.floor(v["x"]), v["mu"], v["loc"])
        return sign * np.exp(logpmf - v["ans"]) if log else sign * np.exp(logpmf)

    return [None, _derivative(_POISSON, d), None]


for _method, _sign, _log in (("cdf", -1, False), ("sf", 1, False), ("logcdf", -1, True), ("logsf", 1, True)):
    _register("poisson", _method, _poisson_tail(_sign, _log))


# -- dirichlet.logpdf(x, alpha): x holds the quantiles along its first axis ((k,) or (k, n)) --------
def _column(alpha, x):
    """alpha (k,) as a column against x's trailing axes."""
    return np.reshape(alpha, (-1,) + (1,) * (np.ndim(x) - 1))


def _dirichlet_alpha_slope(x, alpha):
    a = _column(alpha, x)
    return np.log(x) + sp.psi(np.sum(alpha)) - sp.psi(a)


_dirichlet = stats.dirichlet.logpdf
defvjp(
    _dirichlet,
    lambda g, ans, x, alpha: np.expand_dims(g, 0) * (_column(alpha, x) - 1) / x,
    lambda g, ans, x, alpha: np.reshape(
        rt.unbroadcast(np.expand_dims(g, 0) * _dirichlet_alpha_slope(x, alpha), _column(alpha, x)), np.shape(alpha)
    ),
)


def _dirichlet_jvp(tangents, ans, x, alpha):
    total = None
    if tangents[0] is not None:
        total = np.sum(tangents[0] * (_column(alpha, x) - 1) / x, axis=0)
    if tangents[1] is not None:
        term = np.sum(_column(tangents[1], x) * _dirichlet_alpha_slope(x, alpha), axis=0)
        total = term if total is None else total + term
    return total


defjvp(_dirichlet, _dirichlet_jvp)
spelled(_dirichlet, "scipy.stats.dirichlet.logpdf")


# -- multivariate_normal: x (..., d) against mean (d,) and a symmetric cov (d, d) --------------------
def _mvn_scaled(x, mean, cov):
    """cov^-1 (x - mean), row by row (..., d)."""
    r = x if mean is None else x - mean
    return np.linalg.solve(cov, r[..., None])[..., 0]


def _mvn_cov(g, s, cov):
    """d/dcov of sum g logpdf = (sum_n g_n s_n s_n^T - sum(g) cov^-1) / 2 (symmetric)."""
    rows = np.reshape(s, (-1, np.shape(cov)[-1]))
    return (np.swapaxes(rows, -1, -2) @ (np.reshape(g, (-1, 1)) * rows) - np.sum(g) * np.linalg.inv(cov)) / 2


def _mvn_rules(density):
    """VJPs of logpdf (density False) or pdf (True: the adjoint times the density)."""

    def gs(g, ans):
        return g * ans if density else g

    return (
        lambda g, ans, x, mean=None, cov=1, allow_singular=False: (
            -np.expand_dims(gs(g, ans), -1) * _mvn_scaled(x, mean, cov)
        ),
        lambda g, ans, x, mean=None, cov=1, allow_singular=False: rt.unbroadcast(
            np.expand_dims(gs(g, ans), -1) * _mvn_scaled(x, mean, cov), mean
        ),
        lambda g, ans, x, mean=None, cov=1, allow_singular=False: _mvn_cov(gs(g, ans), _mvn_scaled(x, mean, cov), cov),
    )


def _mvn_jvp(density):
    def jvp(tangents, ans, x, mean=None, cov=1, allow_singular=False):
        s = _mvn_scaled(x, mean, cov)
        total = None
        terms = []
        if tangents[0] is not None:
            terms.append(-np.sum(s * tangents[0], axis=-1))
        if len(tangents) > 1 and tangents[1] is not None:
            terms.append(np.sum(s * tangents[1], axis=-1))
        if len(tangents) > 2 and tangents[2] is not None:
            t = tangents[2]
            terms.append((np.sum(s * (s @ t), axis=-1) - np.trace(np.linalg.solve(cov, t))) / 2)
        for term in terms:
            total = term if total is None else total + term
        return total * ans if density else total

    return jvp


for _method, _density in (("logpdf", False), ("pdf", True)):
    _prim = getattr(stats.multivariate_normal, _method)
    defvjp(_prim, *_mvn_rules(_density))
    defjvp(_prim, _mvn_jvp(_density))
    spelled(_prim, f"scipy.stats.multivariate_normal.{_method}")
