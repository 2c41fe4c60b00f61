"""Element-wise rules: one local derivative per function, shared by the NumPy
ufunc and its `math` twin. `m` is the module the rule's own calls go to
(`np` for ufuncs, `math` for math functions, so scalar code stays scalar).

Conventions at the points where a derivative does not exist: the `family`
notes below (docs/supported.md shows them).
"""

import math
from functools import partial

import numpy as np

from .table import defelementwise, defnondiff, defvjp, family
from .sym import NP, Namespace, rt

family(
    "Element-wise",
    module=__name__,
    notes=[
        "abs'(0) = fabs'(0) = 0, and copysign(x, y) has derivative 0 in x at x = 0 (the same as "
        "np.sign(x)); in y it is 0 (a step).",
        "heaviside(x1, x2) has derivative 0 in x1 (a step) and `x1 == 0` in x2.",
        "sinc'(0) = 0 (the limit).",
        "conjugate / conj and real are the identity and imag is the constant 0: inputs are real "
        "(complex values are not supported).",
        "nan_to_num passes the adjoint where x is finite and gives 0 where x was replaced (nan, +-inf).",
        "fmod, remainder, math.remainder: away from their jumps, d/dy = -trunc(x / y), -floor(x / y), -round(x / y).",
        "maximum / minimum / fmax / fmin: ties between two varying values split the adjoint equally; "
        "against a literal constant the varying side gets 0 (relu'(0) = 0).",
        "clip passes the adjoint on the closed interval [a_min, a_max].",
    ],
)

LN2, LN10 = math.log(2.0), math.log(10.0)

# name: d(ans, x) -- VJP is g * d
UNARY = {
    "negative": lambda m, ans, x: -1,
    "exp": lambda m, ans, x: ans,
    "exp2": lambda m, ans, x: ans * LN2,
    "expm1": lambda m, ans, x: ans + 1,
    "log": lambda m, ans, x: 1 / x,
    "log2": lambda m, ans, x: 1 / (x * LN2),
    "log10": lambda m, ans, x: 1 / (x * LN10),
    "log1p": lambda m, ans, x: 1 / (1 + x),
    "sqrt": lambda m, ans, x: 0.5 / ans,
    "cbrt": lambda m, ans, x: 1 / (3 * ans**2),
    "square": lambda m, ans, x: 2 * x,
    "reciprocal": lambda m, ans, x: -(ans**2),
    "sin": lambda m, ans, x: m.cos(x),
    "cos": lambda m, ans, x: -m.sin(x),
    "tan": lambda m, ans, x: 1 + ans**2,
    "arcsin": lambda m, ans, x: 1 / m.sqrt(1 - x**2),
    "arccos": lambda m, ans, x: -1 / m.sqrt(1 - x**2),
    "arctan": lambda m, ans, x: 1 / (1 + x**2),
    "sinh": lambda m, ans, x: m.cosh(x),
    "cosh": lambda m, ans, x: m.sinh(x),
    "tanh": lambda m, ans, x: 1 - ans**2,
    "arcsinh": lambda m, ans, x: 1 / m.sqrt(x**2 + 1),
    "arccosh": lambda m, ans, x: 1 / m.sqrt(x**2 - 1),
    "arctanh": lambda m, ans, x: 1 / (1 - x**2),
    "absolute": lambda m, ans, x: np.sign(x),  # abs'(0) = 0
    "fabs": lambda m, ans, x: np.sign(x),
    "deg2rad": lambda m, ans, x: math.pi / 180,
    "rad2deg": lambda m, ans, x: 180 / math.pi,
    "radians": lambda m, ans, x: math.pi / 180,
    "degrees": lambda m, ans, x: 180 / math.pi,
    "positive": lambda m, ans, x: 1,
    "conjugate": lambda m, ans, x: 1,
    "sinc": lambda m, ans, x: rt.sinc_slope(x),
    "erf": lambda m, ans, x: 2 / math.sqrt(math.pi) * m.exp(-(x * x)),  # (x * x: a float power is slower)
    "erfc": lambda m, ans, x: -2 / math.sqrt(math.pi) * m.exp(-(x * x)),
}


def _power_slope(m, ans, x, y):
    """y * x ** (y - 1) as written where that is safe for a literal exponent (0 for
    x ** 0; at x = 0 for y >= 1); a helper that knows the limits otherwise."""
    if isinstance(y, (int, float)) and not isinstance(y, bool):
        if y == 0:
            return 0.0
        if y >= 1 or y < 0:  # (a negative power already fails or is inf at x = 0)
            return y * x ** (y - 1)
    return rt.power_slope(x, y)


def times_power_slope(g, x, y):
    """g * d(x ** y)/dx; where that slope is not a literal's safe form, exactly 0 where g
    is 0 (a base that does not move brings no inf * 0 = nan: `(x - x) ** 1.5` under hvp)."""
    if isinstance(y, (int, float)) and not isinstance(y, bool) and (y == 0 or y >= 1 or y < 0):
        return g * _power_slope(None, None, x, y)
    return rt.power_slope_dx(g, x, y, 0)


# name: (d/dx, d/dy)
BINARY = {
    "add": (lambda m, ans, x, y: 1, lambda m, ans, x, y: 1),
    "subtract": (lambda m, ans, x, y: 1, lambda m, ans, x, y: -1),
    "multiply": (lambda m, ans, x, y: y, lambda m, ans, x, y: x),
    "true_divide": (lambda m, ans, x, y: 1 / y, lambda m, ans, x, y: -ans / y),
    "power": (_power_slope, lambda m, ans, x, y: ans * m.log(x)),
    "arctan2": (lambda m, ans, x, y: y / (x**2 + y**2), lambda m, ans, x, y: -x / (x**2 + y**2)),
    # at the cone's apex (0, 0) the least-norm subgradient 0, as np.linalg.norm's
    "hypot": (lambda m, ans, x, y: rt.divide_or_zero(x, ans), lambda m, ans, x, y: rt.divide_or_zero(y, ans)),
    "logaddexp": (lambda m, ans, x, y: m.exp(x - ans), lambda m, ans, x, y: m.exp(y - ans)),
    "remainder": (lambda m, ans, x, y: 1, lambda m, ans, x, y: -m.floor(x / y)),
    "fmod": (lambda m, ans, x, y: 1, lambda m, ans, x, y: -m.trunc(x / y)),
    "logaddexp2": (lambda m, ans, x, y: m.exp2(x - ans), lambda m, ans, x, y: m.exp2(y - ans)),
    "float_power": (_power_slope, lambda m, ans, x, y: ans * m.log(x)),
    "copysign": (lambda m, ans, x, y: np.sign(x) * m.copysign(1.0, y), lambda m, ans, x, y: 0.0),
    "heaviside": (lambda m, ans, x, y: 0.0, lambda m, ans, x, y: x == 0),
}

# math's spelling of a NumPy name, where it has the function
MATH_NAMES = {
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arcsinh": "asinh",
    "arccosh": "acosh",
    "arctanh": "atanh",
    "arctan2": "atan2",
    "power": "pow",
    "deg2rad": "radians",
    "rad2deg": "degrees",
}
# NumPy names whose math namesake is registered elsewhere or is another function
# (math.remainder rounds to nearest where np.remainder floors)
MATH_ONLY_NUMPY = {
    "cbrt",
    "square",
    "reciprocal",
    "negative",
    "absolute",
    "logaddexp",
    "exp2",
    "add",
    "subtract",
    "multiply",
    "true_divide",
    "remainder",
    "radians",
    "degrees",
}
# math-only functions (NumPy has no erf)
MATH_ONLY = {"erf", "erfc"}

np_ns, math_ns = Namespace(NP), Namespace(".math")


def _register(table, arity):
    for name, ds in table.items():
        ds = ds if arity == 2 else (ds,)
        if name in MATH_ONLY:
            defelementwise(getattr(math, name), *[partial(d, math_ns) for d in ds])
            continue
        defelementwise(getattr(np, name), *[partial(d, np_ns) for d in ds])
        math_name = MATH_NAMES.get(name, name)
        if name not in MATH_ONLY_NUMPY and hasattr(math, math_name):
            defelementwise(getattr(math, math_name), *[partial(d, math_ns) for d in ds])


_register(UNARY, 1)
_register(BINARY, 2)
defelementwise(math.exp2 if hasattr(math, "exp2") else np.exp2, partial(UNARY["exp2"], math_ns))
defelementwise(math.cbrt if hasattr(math, "cbrt") else np.cbrt, partial(UNARY["cbrt"], math_ns))

defelementwise(math.remainder, lambda ans, x, y: 1, lambda ans, x, y: -np.round(x / y))
# ldexp(x1, x2) = x1 * 2 ** x2 with an integer exponent
defelementwise([np.ldexp, math.ldexp], lambda ans, x, i: 2.0**i, None)
defvjp(
    np.nan_to_num,
    lambda g, ans, x, copy=True, nan=0.0, posinf=None, neginf=None: g * np.isfinite(x),
    keeps_scalars=True,
)
defvjp(np.real, lambda g, ans, val: g, keeps_scalars=True)
defvjp(np.imag, lambda g, ans, val: 0.0 * g, keeps_scalars=True)

defnondiff(
    np.sign,
    np.floor,
    np.ceil,
    np.round,
    np.around,
    np.rint,
    np.trunc,
    np.fix,
    np.isnan,
    np.isfinite,
    np.isinf,
    np.floor_divide,
    np.greater,
    np.greater_equal,
    np.less,
    np.less_equal,
    np.equal,
    np.not_equal,
    np.logical_and,
    np.logical_or,
    np.logical_not,
    np.logical_xor,
    np.signbit,
    np.isneginf,
    np.isposinf,
    np.isreal,
    np.iscomplex,
    np.spacing,
    math.floor,
    math.ceil,
    math.trunc,
    math.isnan,
    math.isinf,
    math.isfinite,
    math.isclose,
    math.gcd,
    math.lcm,
    math.comb,
    math.perm,
    keeps_scalars=True,
)
