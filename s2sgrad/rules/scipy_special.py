"""Rules for scipy.special (loaded by rules/optional.py once the program imports it).

Each element-wise function states its local derivative, written with SciPy's
own functions, so that the derivative has a rule too (digamma -> polygamma,
i0 -> i1 -> iv, ...) and second order closes. Generated code calls them as
`scipy.special.NAME`.
"""

import math

import numpy as np
import scipy
import scipy.special as special

from .table import family, spelled, defelementwise, defjvp, defvjp
from .sym import Namespace, Sym, external, rt

from .numpy_rules import unsupported

family(
    "SciPy special",
    module=__name__,
    notes=[
        "Derivatives are with respect to the real arguments where SciPy has the derivative as a function; the"
        " integer or order arguments have none (an error if they vary): polygamma and multigammaln in n / d, "
        "jv, yv, iv, ive, kv in the order v, expn in n, gammainc / gammaincc in a, betainc / betaincc in a "
        "and b, hyp1f1 / hyp2f1 in their parameters, zeta in x (the exponent; the Hurwitz q is differentiable).",
        "xlogy(0, y) and xlog1py(0, y) have derivative log(y) / log1p(y) in x and 0 in y; entr and rel_entr "
        "outside their domains (where they are inf) are not covered.",
        "i0e, i1e, ive at x = 0 use sign(0) = 0 (the one-sided derivatives differ).",
        "exprel near 0 and boxcox / inv_boxcox at lmbda = 0 use their limits.",
        "logsumexp with b: the derivative in b is exp(a - result) (times sign with return_sign); the sign "
        "output has derivative 0.",
    ],
)


sp = Namespace(external(scipy, "scipy") + ".special")
SQRT_PI, SQRT_2PI = math.sqrt(math.pi), math.sqrt(2 * math.pi)


def _safe(x, small):
    """x where it is not `small`, 1 where it is: a denominator for np.where's other arm."""
    return np.where(small, 1.0, x)


# -- one argument: name -> d(ans, x) ------------------------------------------------------------
UNARY = {
    "expit": lambda ans, x: ans * (1 - ans),
    "logit": lambda ans, x: 1 / (x * (1 - x)),
    "log_expit": lambda ans, x: sp.expit(-x),
    "erf": lambda ans, x: 2 / SQRT_PI * np.exp(-(x**2)),
    "erfc": lambda ans, x: -2 / SQRT_PI * np.exp(-(x**2)),
    "erfinv": lambda ans, x: SQRT_PI / 2 * np.exp(ans**2),
    "erfcinv": lambda ans, x: -SQRT_PI / 2 * np.exp(ans**2),
    "erfcx": lambda ans, x: 2 * x * ans - 2 / SQRT_PI,
    "ndtr": lambda ans, x: np.exp(-(x**2) / 2) / SQRT_2PI,
    "ndtri": lambda ans, x: SQRT_2PI * np.exp(ans**2 / 2),
    "log_ndtr": lambda ans, x: np.exp(-(x**2) / 2 - ans) / SQRT_2PI,
    "gamma": lambda ans, x: ans * sp.psi(x),
    "gammaln": lambda ans, x: sp.psi(x),
    "loggamma": lambda ans, x: sp.psi(x),
    "psi": lambda ans, x: sp.polygamma(1, x),
    "i0": lambda ans, x: sp.i1(x),
    "i0e": lambda ans, x: sp.i1e(x) - np.sign(x) * ans,
    "i1": lambda ans, x: (sp.i0(x) + sp.iv(2, x)) / 2,
    "i1e": lambda ans, x: (sp.i0e(x) + sp.ive(2, x)) / 2 - np.sign(x) * ans,
    "j0": lambda ans, x: -sp.j1(x),
    "j1": lambda ans, x: (sp.j0(x) - sp.jv(2, x)) / 2,
    "y0": lambda ans, x: -sp.y1(x),
    "y1": lambda ans, x: (sp.y0(x) - sp.yv(2, x)) / 2,
    "entr": lambda ans, x: -np.log(x) - 1,
    "exp1": lambda ans, x: -np.exp(-x) / x,
    "expi": lambda ans, x: np.exp(x) / x,
    "spence": lambda ans, x: np.log(x) / (1 - x),
    "expm1": lambda ans, x: ans + 1,
    "log1p": lambda ans, x: 1 / (1 + x),
    # exprel(x) = (e^x - 1) / x; its slope (e^x - exprel(x)) / x tends to 1/2 + x/3 + x^2/8
    "exprel": lambda ans, x: np.where(
        np.abs(x) < 1e-3, 0.5 + x / 3 + x**2 / 8, (np.exp(x) - ans) / _safe(x, np.abs(x) < 1e-3)
    ),
}

# -- an order and x: name -> d/dx(ans, v, x) -------------------------------------------------------
ORDER = {
    "jv": lambda ans, v, x: (sp.jv(v - 1, x) - sp.jv(v + 1, x)) / 2,
    "yv": lambda ans, v, x: (sp.yv(v - 1, x) - sp.yv(v + 1, x)) / 2,
    "iv": lambda ans, v, x: (sp.iv(v - 1, x) + sp.iv(v + 1, x)) / 2,
    "ive": lambda ans, v, x: (sp.ive(v - 1, x) + sp.ive(v + 1, x)) / 2 - np.sign(x) * ans,
    "kv": lambda ans, v, x: -(sp.kv(v - 1, x) + sp.kv(v + 1, x)) / 2,
    # regularised incomplete gamma: d/dx P(a, x) = x^(a-1) e^-x / Gamma(a)
    "gammainc": lambda ans, a, x: np.exp((a - 1) * np.log(x) - x - sp.gammaln(a)),
    "gammaincc": lambda ans, a, x: -np.exp((a - 1) * np.log(x) - x - sp.gammaln(a)),
    "expn": lambda ans, n, x: -sp.expn(n - 1, x),
}

# -- two real arguments: name -> (d/dx, d/dy) ---------------------------------------------------------
BINARY = {
    "beta": (lambda ans, a, b: ans * (sp.psi(a) - sp.psi(a + b)), lambda ans, a, b: ans * (sp.psi(b) - sp.psi(a + b))),
    "betaln": (lambda ans, a, b: sp.psi(a) - sp.psi(a + b), lambda ans, a, b: sp.psi(b) - sp.psi(a + b)),
    "xlogy": (lambda ans, x, y: np.log(y), lambda ans, x, y: x / y),
    "xlog1py": (lambda ans, x, y: np.log1p(y), lambda ans, x, y: x / (1 + y)),
    "rel_entr": (lambda ans, x, y: np.log(x / y) + 1, lambda ans, x, y: -x / y),
    "kl_div": (lambda ans, x, y: np.log(x / y), lambda ans, x, y: 1 - x / y),
    "poch": (lambda ans, z, m: ans * (sp.psi(z + m) - sp.psi(z)), lambda ans, z, m: ans * sp.psi(z + m)),
}

for _name, _d in UNARY.items():
    defelementwise(getattr(special, _name), _d)
for _name, _d in ORDER.items():
    defelementwise(getattr(special, _name), None, _d)
for _name, (_dx, _dy) in BINARY.items():
    defelementwise(getattr(special, _name), _dx, _dy)
spelled(special.jv, "scipy.special.jv")  # (jn is the same function)

# in x only: betainc(a, b, x)' = x^(a-1) (1-x)^(b-1) / B(a, b); hypergeometric: shifted parameters
_BETA_DENSITY = lambda ans, a, b, x: np.exp((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - sp.betaln(a, b))  # noqa: E731
defelementwise(special.betainc, None, None, _BETA_DENSITY)
defelementwise(special.betaincc, None, None, lambda ans, a, b, x: -_BETA_DENSITY(ans, a, b, x))
defelementwise(special.hyp1f1, None, None, lambda ans, a, b, x: a / b * sp.hyp1f1(a + 1, b + 1, x))
defelementwise(special.hyp2f1, None, None, None, lambda ans, a, b, c, x: a * b / c * sp.hyp2f1(a + 1, b + 1, c + 1, x))

# polygamma(n, x) returns a 0-d array for a number
defelementwise(special.polygamma, None, lambda ans, n, x: sp.polygamma(n + 1, x), keeps_scalars=False)
# zeta(x, q): the Hurwitz q only (SciPy has no derivative in the exponent)
defelementwise(special.zeta, None, lambda ans, x, q=None: -x * sp.zeta(x + 1, q))


def _multigammaln_slope(ans, a, d):
    """d/da log Gamma_d(a) = sum_j digamma(a - j/2), j < d (d a literal integer)."""
    if isinstance(d, Sym):
        raise unsupported("scipy.special.multigammaln with a dimension d computed at run time")
    total = sp.psi(a)
    for j in range(1, d):
        total = total + sp.psi(a - j / 2)
    return total


defelementwise(special.multigammaln, _multigammaln_slope, None)


# boxcox(x, l) = (x^l - 1) / l, log(x) at l = 0; inv_boxcox(y, l) = (l y + 1)^(1/l), e^y at l = 0
def _boxcox_dl(ans, x, lmbda):
    zero = lmbda == 0
    return np.where(zero, np.log(x) ** 2 / 2, (x**lmbda * np.log(x) - ans) / _safe(lmbda, zero))


def _inv_boxcox_dl(ans, y, lmbda):
    zero = lmbda == 0
    lsafe = _safe(lmbda, zero)
    general = ans * (y / (lsafe * (lmbda * y + 1)) - np.log1p(lmbda * y) / lsafe**2)
    return np.where(zero, -ans * y**2 / 2, general)


defelementwise(special.boxcox, lambda ans, x, lmbda: x ** (lmbda - 1), _boxcox_dl)
defelementwise(special.inv_boxcox, lambda ans, y, lmbda: ans ** (1 - lmbda), _inv_boxcox_dl)


# -- softmax, log_softmax, logsumexp: reductions along `axis` (None: all of them) --------------------
def _sum(x, axis):
    return np.sum(x, axis=axis, keepdims=True)


defvjp(special.softmax, lambda g, ans, x, axis=None: ans * (g - _sum(g * ans, axis)))
defjvp(special.softmax, lambda tangents, ans, x, axis=None: ans * (tangents[0] - _sum(tangents[0] * ans, axis)))
defvjp(special.log_softmax, lambda g, ans, x, axis=None: g - np.exp(ans) * _sum(g, axis))
defjvp(special.log_softmax, lambda tangents, ans, x, axis=None: tangents[0] - _sum(np.exp(ans) * tangents[0], axis))


def _lse_weights(ans, a, axis, b, keepdims, return_sign):
    """d logsumexp / d a, spread over a's shape: b exp(a - result) (times the sign)."""
    result = ans[0] if return_sign else ans
    w = np.exp(a - rt.unreduce(result, a, axis, keepdims))
    if return_sign:
        w = w * rt.unreduce(ans[1], a, axis, keepdims)
    return w, (w if b is None else w * b)


def _lse_a(g, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    return (
        rt.unreduce(g[0] if return_sign else g, a, axis, keepdims)
        * _lse_weights(ans, a, axis, b, keepdims, return_sign)[1]
    )


def _lse_b(g, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    spread = rt.unreduce(g[0] if return_sign else g, a, axis, keepdims)
    return rt.unbroadcast(spread * _lse_weights(ans, a, axis, b, keepdims, return_sign)[0], b)


def _lse_jvp(tangents, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    w, wb = _lse_weights(ans, a, axis, b, keepdims, return_sign)
    terms = [tangents[0] * wb if tangents[0] is not None else None]
    if len(tangents) > 2 and tangents[2] is not None:
        terms.append(tangents[2] * w)
    total = terms[0] if terms[0] is not None else None
    for t in terms[1:]:
        total = t if total is None else total + t
    tangent = np.sum(total, axis=axis, keepdims=keepdims)
    return (tangent, rt.zeros_like(ans[1])) if return_sign else tangent


defvjp(special.logsumexp, _lse_a, None, _lse_b)
defjvp(special.logsumexp, _lse_jvp)
