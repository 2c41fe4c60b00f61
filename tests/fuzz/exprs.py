"""Random expressions of a known shape, as source text.

Types are ``S`` (a scalar), ``N`` (shape (n,)), ``M`` (shape (m,)) and ``MN``
(shape (m, n)); when m == n, ``N`` and ``M`` are one shape and the square
forms (``@`` of two matrices, ``inv``, ``det``, ``solve``, ``trace``) become
possible. Every template keeps its argument inside the function's domain the
way users do it (``np.log(1.0 + a ** 2)``, ``np.sqrt(a ** 2 + 0.5)``) so that
most programs have a finite value; the oracles discard the rest.
"""

# (name for the coverage count, template); "{0}" is the argument
UNARY = [
    ("sin", "np.sin({0})"), ("cos", "np.cos({0})"), ("tanh", "np.tanh({0})"), ("arctan", "np.arctan({0})"),
    ("arcsinh", "np.arcsinh({0})"), ("sinh", "np.sinh(0.5 * {0})"), ("cosh", "np.cosh(0.5 * {0})"),
    ("exp", "np.exp(-{0} ** 2)"), ("exp", "np.exp(0.5 * {0})"), ("expm1", "np.expm1(0.3 * {0})"),
    ("exp2", "np.exp2(0.3 * {0})"), ("square", "np.square({0})"), ("negative", "np.negative({0})"),
    ("positive", "np.positive({0})"), ("abs", "np.abs({0})"), ("fabs", "np.fabs({0})"), ("sinc", "np.sinc({0})"),
    ("cbrt", "np.cbrt(2.0 + {0})"), ("deg2rad", "np.deg2rad({0})"), ("radians", "np.radians(30.0 * {0})"),
    ("log", "np.log(1.0 + {0} ** 2)"), ("log", "np.log(np.cosh({0}))"), ("log1p", "np.log1p({0} ** 2)"),
    ("log2", "np.log2(0.5 + {0} ** 2)"), ("log10", "np.log10(2.0 + np.sin({0}))"),
    ("sqrt", "np.sqrt({0} ** 2 + 0.5)"), ("reciprocal", "np.reciprocal(1.5 + np.cos({0}))"),
    ("arcsin", "np.arcsin(0.9 * np.tanh({0}))"), ("arccos", "np.arccos(0.5 * np.sin({0}))"),
    ("arctanh", "np.arctanh(0.8 * np.tanh({0}))"), ("arccosh", "np.arccosh(1.5 + {0} ** 2)"),
    ("tan", "np.tan(0.7 * np.tanh({0}))"), ("clip", "np.clip({0}, -0.6, 0.8)"), ("pow", "{0} ** 2"),
    ("pow", "{0} ** 3"), ("pow", "np.abs({0}) ** 1.5"), ("float_power", "np.float_power(1.0 + {0} ** 2, 0.5)"),
    ("maximum", "np.maximum({0}, 0.0)"), ("where", "np.where({0} > 0.1, {0}, 0.5 * {0})"),
    ("heaviside", "{0} * np.heaviside({0}, 0.5)"), ("nan_to_num", "np.nan_to_num({0})"),
]

# SciPy functions with rules (the program imports scipy.special / scipy.stats when it uses one)
SCIPY_UNARY = [
    ("special.expit", "scipy.special.expit({0})"), ("special.erf", "scipy.special.erf({0})"),
    ("special.gammaln", "scipy.special.gammaln(1.5 + {0} ** 2)"), ("special.log_expit", "scipy.special.log_expit({0})"),
    ("special.xlogy", "scipy.special.xlogy(1.5, 1.0 + {0} ** 2)"), ("special.erfc", "scipy.special.erfc({0})"),
    ("stats.norm.logpdf", "scipy.stats.norm.logpdf({0}, 0.1, 1.3)"), ("stats.norm.cdf", "scipy.stats.norm.cdf({0})"),
    ("stats.t.logpdf", "scipy.stats.t.logpdf({0}, 3.0)"),
]
SCIPY_SHAPED = [
    ("special.logsumexp", "scipy.special.logsumexp({0})", ("N",), "S", False),
    ("special.logsumexp", "scipy.special.logsumexp({0}, axis=1)", ("MN",), "M", False),
    ("special.softmax", "scipy.special.softmax({0})", ("N",), "N", False),
    ("special.log_softmax", "scipy.special.log_softmax({0}, axis=1)", ("MN",), "MN", False),
]

# scalar-only spellings (math module, builtins)
SCALAR_UNARY = [
    ("math.sin", "math.sin({0})"), ("math.exp", "math.exp(-{0} * {0})"), ("math.tanh", "math.tanh({0})"),
    ("math.sqrt", "math.sqrt(1.0 + {0} * {0})"), ("math.log", "math.log(2.0 + math.cos({0}))"),
    ("math.atan", "math.atan({0})"), ("abs", "abs({0})"), ("float", "float({0})"), ("math.erf", "math.erf({0})"),
]

BINARY = [
    ("add", "({0} + {1})"), ("sub", "({0} - {1})"), ("mul", "{0} * {1}"), ("mul", "({0} * {1})"),
    ("div", "{0} / (1.0 + {1} ** 2)"), ("div", "({0} / (2.0 + np.cos({1})))"), ("arctan2", "np.arctan2({0}, 1.5 + {1} ** 2)"),
    ("hypot", "np.hypot({0}, {1})"), ("maximum", "np.maximum({0}, {1})"), ("minimum", "np.minimum({0}, {1})"),
    ("fmax", "np.fmax({0}, {1})"), ("fmin", "np.fmin({0}, {1})"), ("logaddexp", "np.logaddexp({0}, {1})"),
    ("logaddexp2", "np.logaddexp2({0}, {1})"), ("power", "np.power(1.0 + {0} ** 2, 0.5 * np.tanh({1}))"),
    ("multiply", "np.multiply({0}, {1})"), ("add", "np.add({0}, {1})"), ("subtract", "np.subtract({0}, {1})"),
    ("divide", "np.divide({0}, 1.5 + np.sin({1}))"), ("where", "np.where({0} > {1}, {0}, {1} * 0.5)"),
    ("copysign", "np.copysign({0}, {1})"), ("clip", "np.clip({0}, -1.0, 1.0 + {1} ** 2)"),
]

# (name, template, argument types, result type, needs m == n)
SHAPED = [
    # reductions to a scalar
    ("sum", "np.sum({0})", ("N",), "S", False), ("sum", "np.sum({0})", ("MN",), "S", False),
    ("mean", "np.mean({0})", ("N",), "S", False), ("mean", "{0}.mean()", ("MN",), "S", False),
    ("max", "np.max({0})", ("N",), "S", False), ("max", "{0}.max()", ("MN",), "S", False),
    ("min", "np.min({0})", ("N",), "S", False), ("amin", "np.amin({0})", ("MN",), "S", False),
    ("amax", "np.amax({0})", ("M",), "S", False), ("prod", "np.prod(np.tanh({0}) + 1.5)", ("N",), "S", False),
    ("std", "np.std({0})", ("N",), "S", False), ("var", "np.var({0})", ("MN",), "S", False),
    ("ptp", "np.ptp({0})", ("N",), "S", False), ("norm", "np.linalg.norm({0})", ("N",), "S", False),
    ("norm", "np.linalg.norm({0})", ("MN",), "S", False), ("average", "np.average({0})", ("M",), "S", False),
    ("nansum", "np.nansum({0})", ("N",), "S", False), ("trapezoid", "np.trapezoid({0})", ("N",), "S", False),
    ("dot", "np.dot({0}, {1})", ("N", "N"), "S", False), ("vdot", "np.vdot({0}, {1})", ("M", "M"), "S", False),
    ("matmul", "({0} @ {1})", ("N", "N"), "S", False), ("inner", "np.inner({0}, {1})", ("N", "N"), "S", False),
    ("einsum", "np.einsum('ij,ij->', {0}, {1})", ("MN", "MN"), "S", False),
    ("logsumexp", "(np.max({0}) + np.log(np.sum(np.exp({0} - np.max({0})))))", ("N",), "S", False),
    ("sum", "{0}.sum()", ("M",), "S", False), ("item", "{0}[0]", ("N",), "S", False),
    ("item", "{0}[-1]", ("M",), "S", False), ("item", "{0}[1, 0]", ("MN",), "S", False),
    ("trace", "np.trace({0})", ("MN",), "S", True),
    ("det", "np.linalg.det({0} + 3.0 * np.eye({n}))", ("MN",), "S", True),
    ("slogdet", "np.linalg.slogdet({0} @ {0}.T + np.eye({n}))[1]", ("MN",), "S", True),
    # axis reductions and products of a matrix
    ("sum", "np.sum({0}, axis=0)", ("MN",), "N", False), ("sum", "{0}.sum(axis=1)", ("MN",), "M", False),
    ("mean", "np.mean({0}, axis=1)", ("MN",), "M", False), ("max", "np.max({0}, axis=0)", ("MN",), "N", False),
    ("min", "{0}.min(axis=1)", ("MN",), "M", False), ("prod", "np.prod(1.2 + np.sin({0}), axis=0)", ("MN",), "N", False),
    ("std", "np.std({0}, axis=0)", ("MN",), "N", False), ("var", "np.var({0}, axis=1)", ("MN",), "M", False),
    ("norm", "np.linalg.norm({0}, axis=1)", ("MN",), "M", False),
    ("logsumexp", "np.log(np.sum(np.exp({0}), axis=1))", ("MN",), "M", False),
    ("matvec", "({0} @ {1})", ("MN", "N"), "M", False), ("vecmat", "({0} @ {1})", ("M", "MN"), "N", False),
    ("dot", "np.dot({0}, {1})", ("MN", "N"), "M", False),
    ("einsum", "np.einsum('ij,j->i', {0}, {1})", ("MN", "N"), "M", False),
    ("row", "{0}[0]", ("MN",), "N", False), ("row", "{0}[-1, :]", ("MN",), "N", False),
    ("column", "{0}[:, 1]", ("MN",), "M", False), ("diag", "np.diag({0})", ("MN",), "N", True),
    ("solve", "np.linalg.solve({0} + 3.0 * np.eye({n}), {1})", ("MN", "N"), "N", True),
    ("matmul", "({0} @ {1})", ("MN", "MN"), "MN", True), ("inv", "np.linalg.inv({0} + 3.0 * np.eye({n}))", ("MN",), "MN", True),
    ("transpose", "{0}.T", ("MN",), "MN", True), ("cholesky", "np.linalg.cholesky({0} @ {0}.T + np.eye({n}))", ("MN",), "MN", True),
    # vectors to vectors
    ("sort", "np.sort({0})", ("N",), "N", False), ("cumsum", "np.cumsum({0})", ("N",), "N", False),
    ("cumprod", "np.cumprod(np.tanh({0}) + 1.0)", ("N",), "N", False), ("flip", "np.flip({0})", ("N",), "N", False),
    ("roll", "np.roll({0}, 1)", ("N",), "N", False), ("slice", "{0}[::-1]", ("M",), "M", False),
    ("concatenate", "np.concatenate([{0}[1:], {0}[:1]])", ("N",), "N", False),
    ("softmax", "(np.exp({0} - np.max({0})) / np.sum(np.exp({0} - np.max({0}))))", ("N",), "N", False),
    ("convolve", "np.convolve({0}, np.array([0.25, 0.5, 0.25]), mode='same')", ("N",), "N", False),
    ("take", "np.take({0}, np.arange({n})[::-1])", ("N",), "N", False), ("copy", "{0}.copy()", ("N",), "N", False),
    ("append", "np.append({0}[1:], {1})", ("N", "S"), "N", False),
    ("full", "np.full({n}, {0})", ("S",), "N", False), ("ones", "{0} * np.ones({m})", ("S",), "M", False),
    ("array", "np.array([{0}, {1}] + [0.5] * ({n} - 2))", ("S", "S"), "N", False),
    ("linspace", "np.linspace(0.0, {0}, {n})", ("S",), "N", False),
    # matrices
    ("outer", "np.outer({0}, {1})", ("M", "N"), "MN", False), ("broadcast", "{0}[:, None] * {1}", ("M", "N"), "MN", False),
    ("stack", "np.stack([{0}] * {m})", ("N",), "MN", False), ("tile", "np.tile({0}, ({m}, 1))", ("N",), "MN", False),
    ("flip", "np.flip({0}, axis=0)", ("MN",), "MN", False), ("cumsum", "np.cumsum({0}, axis=1)", ("MN",), "MN", False),
    ("roll", "np.roll({0}, 1, axis=1)", ("MN",), "MN", False), ("sort", "np.sort({0}, axis=1)", ("MN",), "MN", False),
    ("tril", "np.tril({0})", ("MN",), "MN", False), ("triu", "np.triu({0}, 1)", ("MN",), "MN", False),
    ("softmax", "(np.exp({0}) / np.sum(np.exp({0}), axis=1, keepdims=True))", ("MN",), "MN", False),
    ("reshape", "{0}.reshape({n}, {m}).T", ("MN",), "MN", False), ("ravel", "{0}.ravel().reshape({m}, {n})", ("MN",), "MN", False),
    ("vstack", "np.vstack([{0}[1:], {0}[:1]])", ("MN",), "MN", False),
    ("concatenate", "np.concatenate([{0}[:, 1:], {0}[:, :1]], axis=1)", ("MN",), "MN", False),
    ("pad", "np.pad({0}, 1)[1:-1, 1:-1]", ("MN",), "MN", False), ("where", "np.where({0} > 0.0, {0}, 0.1 * {0})", ("MN",), "MN", False),
]
