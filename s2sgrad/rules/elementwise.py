"""Element-wise rules: one local derivative per function, shared by the NumPy
ufunc and its `math` twin. `m` is the module the rule's own calls go to
(`np` for ufuncs, `math` for math functions, so scalar code stays scalar)."""
import math
from functools import partial

import numpy as np

from . import defelementwise, defnondiff
from .sym import NP, Namespace

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
    "cbrt": lambda m, ans, x: 1 / (3 * ans ** 2),
    "square": lambda m, ans, x: 2 * x,
    "reciprocal": lambda m, ans, x: -ans ** 2,
    "sin": lambda m, ans, x: m.cos(x),
    "cos": lambda m, ans, x: -m.sin(x),
    "tan": lambda m, ans, x: 1 + ans ** 2,
    "arcsin": lambda m, ans, x: 1 / m.sqrt(1 - x ** 2),
    "arccos": lambda m, ans, x: -1 / m.sqrt(1 - x ** 2),
    "arctan": lambda m, ans, x: 1 / (1 + x ** 2),
    "sinh": lambda m, ans, x: m.cosh(x),
    "cosh": lambda m, ans, x: m.sinh(x),
    "tanh": lambda m, ans, x: 1 - ans ** 2,
    "arcsinh": lambda m, ans, x: 1 / m.sqrt(x ** 2 + 1),
    "arccosh": lambda m, ans, x: 1 / m.sqrt(x ** 2 - 1),
    "arctanh": lambda m, ans, x: 1 / (1 - x ** 2),
    "absolute": lambda m, ans, x: np.sign(x),       # abs'(0) = 0
    "fabs": lambda m, ans, x: np.sign(x),
    "deg2rad": lambda m, ans, x: math.pi / 180,
    "rad2deg": lambda m, ans, x: 180 / math.pi,
}

# name: (d/dx, d/dy)
BINARY = {
    "add": (lambda m, ans, x, y: 1, lambda m, ans, x, y: 1),
    "subtract": (lambda m, ans, x, y: 1, lambda m, ans, x, y: -1),
    "multiply": (lambda m, ans, x, y: y, lambda m, ans, x, y: x),
    "true_divide": (lambda m, ans, x, y: 1 / y, lambda m, ans, x, y: -ans / y),
    "power": (lambda m, ans, x, y: y * x ** (y - 1), lambda m, ans, x, y: ans * m.log(x)),
    "arctan2": (lambda m, ans, x, y: y / (x ** 2 + y ** 2), lambda m, ans, x, y: -x / (x ** 2 + y ** 2)),
    "hypot": (lambda m, ans, x, y: x / ans, lambda m, ans, x, y: y / ans),
    "logaddexp": (lambda m, ans, x, y: m.exp(x - ans), lambda m, ans, x, y: m.exp(y - ans)),
    "remainder": (lambda m, ans, x, y: 1, lambda m, ans, x, y: -m.floor(x / y)),
}

# math's spelling of a NumPy name, where it has the function
MATH_NAMES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
              "arccosh": "acosh", "arctanh": "atanh", "arctan2": "atan2", "power": "pow",
              "remainder": "fmod", "deg2rad": "radians", "rad2deg": "degrees"}
MATH_ONLY_NUMPY = {"cbrt", "square", "reciprocal", "negative", "absolute", "logaddexp",
                   "exp2", "add", "subtract", "multiply", "true_divide", "remainder"}

np_ns, math_ns = Namespace(NP), Namespace(".math")


def _register(table, arity):
    for name, ds in table.items():
        ds = ds if arity == 2 else (ds,)
        defelementwise(getattr(np, name), *[partial(d, np_ns) for d in ds])
        math_name = MATH_NAMES.get(name, name)
        if name not in MATH_ONLY_NUMPY and hasattr(math, math_name):
            defelementwise(getattr(math, math_name), *[partial(d, math_ns) for d in ds])


_register(UNARY, 1)
_register(BINARY, 2)
defelementwise(math.exp2 if hasattr(math, "exp2") else np.exp2, partial(UNARY["exp2"], math_ns))
defelementwise(math.cbrt if hasattr(math, "cbrt") else np.cbrt, partial(UNARY["cbrt"], math_ns))

defnondiff(np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc, np.fix, np.isnan, np.isfinite,
           np.isinf, np.floor_divide, np.greater, np.greater_equal, np.less, np.less_equal,
           np.equal, np.not_equal, np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
           math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite,
           keeps_scalars=True)
