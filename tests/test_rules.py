"""Every derivative rule in the table, checked against central finite differences.

Each table row is a small expression over the parameters ``x`` (and ``y``,
``lo``, ``hi``, ...). Because s2sgrad compiles from source, ``make_function``
writes each row as a module-level ``def`` into a ``.py`` file under pytest's
``tmp_path``, imports it and hands back the function::

    def f(x, y):
        return np.sum(W * (EXPR))      # W: a fixed random weight array

The random projection ``W`` makes any output shape a scalar whose gradient sees
every output element (and its position: a transposed or reshaped result with the
wrong layout fails). A scalar output is returned as is, so a Python float stays
a Python float. ``sg.grad`` of that function is compared with
``tests.numeric.numeric_grad`` in float64 (rtol 1e-6) for each ``wrt`` choice;
every test also checks the gradient's structure (an ndarray of the argument's
shape and a float dtype for an array, a Python float for a float) and that the
arguments are not mutated.

The tables cover:

* element-wise NumPy functions at shapes (), (3,), (2, 3) and on Python floats,
  inside each function's domain; binary ones and the operators
  ``+ - * / ** %`` at broadcasting pairs w.r.t. each argument and both; unary
  ``-`` and ``+``; the ``operator`` functions called directly;
* the ``math`` twins on Python floats (``math.log`` with and without a base);
* ``np.where``, ``np.clip`` / ``x.clip`` (inside, below, above the bounds) and
  the builtins ``abs``, ``float``, ``max(a, b)``, ``min(a, b)``;
* reductions ``sum mean prod max amax min amin`` over every axis choice with
  and without ``keepdims``, as functions and as methods;
* ``dot``, ``matmul``, ``@``, ``x.dot`` for vector and matrix shapes, batched
  ``matmul``; reshape, transpose, ``.T``, ravel, flatten, copies, ``astype``,
  ``.real``; building lists and tuples; indexing reads (ints, slices, ``...``,
  ``None``, repeated integer lists whose adjoints accumulate, boolean masks);
* ``MORE_ROWS`` and ``SHAPE_MORE_ROWS``: the rest of the table by family --
  ldexp, nan_to_num, real / imag / conj; reductions with options (ddof,
  weights, nan inputs), cumulative sums and products (exact at zero factors),
  diff, trapezoid, interp, bincount, unique; joining lists and tuples
  (concatenate, stack, hstack, ...) w.r.t. each item; splitting and the
  tuple-valued np.linalg functions read by index and unpacked; products (vdot,
  inner, outer, tensordot, kron, cross, vecdot, every einsum form including
  repeated labels and '...'); solve, inv, det, slogdet, matrix_power,
  cholesky, eigh, qr, svdvals, every norm order; convolve / correlate in every
  mode and length order; squeeze, pad, take, diag, trace, sort, ...; and the
  unsupported cases that must be compile-time errors;
* the subgradient conventions stated in ``s2sgrad/rules/*.py``, pinned with
  exact expected values rather than finite differences;
* a coverage test: every name in ``s2sgrad.rules.listing.differentiable()``
  must be used by some row here, so a new rule without a test fails;
* a ``hypothesis`` property test on random shapes and values.
"""
import ast
import builtins
import copy
import importlib.util
import itertools
import math
import operator
import sys
import types
import zlib
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import s2sgrad as sg
from s2sgrad.rules import listing
from tests.numeric import assert_close, numeric_grad

# None of the inputs below leaves a function's domain, so a NumPy warning means
# the derivative code computed something the primal did not (0/0, log of <= 0).
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

RTOL = 1e-6


# ---------------------------------------------------------------------------
# machinery: functions from source text, inputs, the finite-difference check
# ---------------------------------------------------------------------------

TEMPLATE = '''\
import math
import operator

import numpy as np

W = 1.0


def value({params}):
    return {expr}


def projected({params}):
    return np.sum(W * ({expr}))


def scalar({params}):
    return {expr}
'''

_made = itertools.count()


def make_function(tmp_path, params, expr, args):
    """The row ``expr`` as a module-level function of ``params``, scalar-valued at ``args``."""
    name = f"rule_row_{next(_made)}"
    path = tmp_path / f"{name}.py"
    path.write_text(TEMPLATE.format(params=", ".join(params), expr=expr))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    out = module.value(*copy.deepcopy(args))
    if np.ndim(out) == 0:
        return module.scalar
    module.W = np.random.default_rng(zlib.crc32(expr.encode())).standard_normal(np.shape(out))
    return module.projected


@dataclass(frozen=True)
class Sample:
    """Draws values in [lo, hi], or in [-hi, -lo] u [lo, hi] if ``signed``."""
    lo: float
    hi: float
    signed: bool = False

    def __call__(self, rng, shape):
        if shape is float:
            return float(self(rng, ()))
        v = rng.uniform(self.lo, self.hi, shape)
        if self.signed:
            v = v * rng.choice([-1.0, 1.0], shape)
        return np.asarray(v, dtype=np.float64)


ANY = Sample(-2.0, 2.0)
POS = Sample(0.5, 2.5)
NONZERO = Sample(0.3, 2.0, signed=True)
UNIT = Sample(-0.8, 0.8)


def rng_for(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def shape_id(shape):
    if shape is float:
        return "float"
    return "x".join(map(str, shape)) if shape else "0d"


def wrt_id(wrt):
    return "wrt" + ("".join(map(str, wrt)) if isinstance(wrt, tuple) else str(wrt))


def check_structure(grad, arg):
    if isinstance(arg, np.ndarray):
        assert isinstance(grad, np.ndarray), f"gradient of an array is {type(grad).__name__}"
        assert grad.shape == arg.shape
        assert grad.dtype == np.float64
    elif isinstance(arg, np.floating):
        assert isinstance(grad, np.floating), f"gradient of a NumPy scalar is {type(grad).__name__}"
    else:
        assert type(grad) is float, f"gradient of a float is {type(grad).__name__}"


def check_grad(f, args, wrt, rtol=RTOL):
    """sg.grad(f, wrt) at ``args`` matches central differences, for each wrt index."""
    before = copy.deepcopy(args)
    got = sg.grad(f, wrt=wrt)(*args)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b, err_msg="an argument was mutated")
    indices = wrt if isinstance(wrt, tuple) else (wrt,)
    grads = got if isinstance(wrt, tuple) else (got,)
    assert len(grads) == len(indices)
    for i, g in zip(indices, grads):
        check_structure(g, args[i])
        assert_close(g, numeric_grad(f, list(args), i), rtol=rtol)


def check_row(tmp_path, params, expr, args, wrt):
    check_grad(make_function(tmp_path, params, expr, args), args, wrt)


WRT_XY = [0, 1, (0, 1)]
WRT_XYZ = [0, 1, 2, (0, 1, 2)]


# ---------------------------------------------------------------------------
# element-wise NumPy functions
# ---------------------------------------------------------------------------

UNARY = {
    "negative": ANY,
    "exp": ANY, "exp2": ANY, "expm1": ANY,
    "log": POS, "log2": POS, "log10": POS, "log1p": Sample(-0.5, 2.0),
    "sqrt": POS, "cbrt": NONZERO, "square": ANY, "reciprocal": NONZERO,
    "sin": ANY, "cos": ANY, "tan": Sample(-1.2, 1.2),
    "arcsin": UNIT, "arccos": UNIT, "arctan": ANY,
    "acos": UNIT, "acosh": Sample(1.2, 3.0),          # NumPy 2 spellings (same ufuncs)
    "sinh": ANY, "cosh": ANY, "tanh": ANY,
    "arcsinh": ANY, "arccosh": Sample(1.2, 3.0), "arctanh": UNIT,
    "absolute": NONZERO, "abs": NONZERO, "fabs": NONZERO,
    "deg2rad": ANY, "rad2deg": ANY, "degrees": ANY, "radians": ANY,
    "positive": ANY, "conjugate": ANY, "conj": ANY, "sinc": ANY,
}
UNARY = {name: domain for name, domain in UNARY.items() if hasattr(np, name)}
UNARY_SHAPES = [(), (3,), (2, 3), float]

UNARY_ROWS = [pytest.param(f"np.{name}(x)", domain, shape, id=f"{name}-{shape_id(shape)}")
              for name, domain in UNARY.items() for shape in UNARY_SHAPES]


@pytest.mark.parametrize("expr, domain, shape", UNARY_ROWS)
def test_unary_elementwise(tmp_path, expr, domain, shape):
    x = domain(rng_for(expr, shape), shape)
    check_row(tmp_path, ["x"], expr, [x], 0)


def remainder_args(rng, sx, sy):
    """x % y away from the jumps of floor(x / y)."""
    while True:
        x, y = ANY(rng, sx), Sample(0.5, 2.0, signed=True)(rng, sy)
        frac = np.asarray(x / y) % 1.0
        if np.all((frac > 0.1) & (frac < 0.9)):
            return x, y


def fmod_args(rng, sx, sy):
    """fmod(x, y) away from the jumps of trunc(x / y)."""
    while True:
        x, y = ANY(rng, sx), Sample(0.5, 2.0, signed=True)(rng, sy)
        frac = np.abs(np.asarray(x / y)) % 1.0
        if np.all((frac > 0.1) & (frac < 0.9)):
            return x, y


def independent(dx, dy):
    return lambda rng, sx, sy: (dx(rng, sx), dy(rng, sy))


BINARY = {
    "add": independent(ANY, ANY),
    "subtract": independent(ANY, ANY),
    "multiply": independent(ANY, ANY),
    "true_divide": independent(ANY, NONZERO),
    "divide": independent(ANY, NONZERO),
    "power": independent(POS, Sample(-1.5, 2.5)),
    "pow": independent(POS, Sample(-1.5, 2.5)),
    "arctan2": independent(NONZERO, NONZERO),
    "hypot": independent(NONZERO, NONZERO),
    "logaddexp": independent(ANY, ANY),
    "maximum": independent(ANY, ANY),
    "minimum": independent(ANY, ANY),
    "fmax": independent(ANY, ANY),
    "fmin": independent(ANY, ANY),
    "remainder": remainder_args,
    "mod": remainder_args,
    "fmod": fmod_args,
    "logaddexp2": independent(ANY, ANY),
    "float_power": independent(POS, Sample(-1.5, 2.5)),
    "copysign": independent(NONZERO, NONZERO),
    "heaviside": independent(NONZERO, ANY),
}
BINARY = {name: args for name, args in BINARY.items() if hasattr(np, name)}
BINARY_SHAPES = [((2, 3), (1, 3)), ((2, 3), (3,)), ((2, 3), ()), ((), (2, 3)), ((3,), (3,)),
                 (float, float), (float, (2, 3)), ((2, 3), float)]


def pair_id(sx, sy):
    return f"{shape_id(sx)},{shape_id(sy)}"


BINARY_ROWS = [pytest.param(f"np.{name}(x, y)", draw, sx, sy, wrt,
                            id=f"{name}-{pair_id(sx, sy)}-{wrt_id(wrt)}")
               for name, draw in BINARY.items() for sx, sy in BINARY_SHAPES for wrt in WRT_XY]

OPERATORS = {"+": BINARY["add"], "-": BINARY["subtract"], "*": BINARY["multiply"],
             "/": BINARY["true_divide"], "**": BINARY["power"], "%": remainder_args}
OPERATOR_ROWS = [pytest.param(f"x {op} y", draw, sx, sy, wrt, id=f"x{op}y-{pair_id(sx, sy)}-{wrt_id(wrt)}")
                 for op, draw in OPERATORS.items() for sx, sy in BINARY_SHAPES for wrt in WRT_XY]

# the operator module's functions called directly (the same rules as the operators)
OPERATOR_FUNCS = {"add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
                  "pow": "power", "mod": "remainder"}
OPERATOR_FUNC_ROWS = [pytest.param(f"operator.{op}(x, y)", BINARY[name], sx, sy, (0, 1),
                                   id=f"operator.{op}-{pair_id(sx, sy)}")
                      for op, name in OPERATOR_FUNCS.items() for sx, sy in [((2, 3), (3,)), (float, float)]]


@pytest.mark.parametrize("expr, draw, sx, sy, wrt", BINARY_ROWS + OPERATOR_ROWS + OPERATOR_FUNC_ROWS)
def test_binary_elementwise(tmp_path, expr, draw, sx, sy, wrt):
    x, y = draw(rng_for(expr, sx, sy), sx, sy)
    check_row(tmp_path, ["x", "y"], expr, [x, y], wrt)


UNARY_OP_ROWS = [pytest.param(expr, shape, id=f"{expr}-{shape_id(shape)}")
                 for expr in ["-x", "+x", "-(x * x)", "operator.neg(x)", "operator.pos(x)"]
                 for shape in UNARY_SHAPES]


@pytest.mark.parametrize("expr, shape", UNARY_OP_ROWS)
def test_unary_operators(tmp_path, expr, shape):
    check_row(tmp_path, ["x"], expr, [ANY(rng_for(expr, shape), shape)], 0)


# powers and quotients with a literal on one side, and NumPy scalars
LITERAL_ROWS = [
    ("x ** 2", POS), ("x ** 3.0", ANY), ("x ** 0.5", POS), ("x ** -1", NONZERO),
    ("2.0 ** x", ANY), ("np.power(x, 3)", ANY), ("np.power(2.5, x)", ANY),
    ("1.0 / x", NONZERO), ("3.0 - x", ANY), ("7.5 % x", Sample(2.2, 2.4)), ("x % 1.5", Sample(0.2, 1.3)),
]


@pytest.mark.parametrize("expr, domain", [pytest.param(e, d, id=e) for e, d in LITERAL_ROWS])
@pytest.mark.parametrize("shape", [(2, 3), float], ids=shape_id)
def test_literal_operands(tmp_path, expr, domain, shape):
    check_row(tmp_path, ["x"], expr, [domain(rng_for(expr, shape), shape)], 0)


@pytest.mark.parametrize("expr", ["x * y + np.sin(x)", "np.hypot(x, y) / y", "x ** y"])
def test_numpy_scalar_arguments(tmp_path, expr):
    """np.float64 arguments give np.float64 gradients."""
    args = [np.float64(1.3), np.float64(0.7)]
    check_row(tmp_path, ["x", "y"], expr, args, (0, 1))


# ---------------------------------------------------------------------------
# math twins on Python floats
# ---------------------------------------------------------------------------

MATH_UNARY = {
    "sin": ANY, "cos": ANY, "tan": Sample(-1.2, 1.2), "asin": UNIT, "acos": UNIT, "atan": ANY,
    "sinh": ANY, "cosh": ANY, "tanh": ANY, "asinh": ANY, "acosh": Sample(1.2, 3.0), "atanh": UNIT,
    "exp": ANY, "exp2": ANY, "expm1": ANY, "log": POS, "log2": POS, "log10": POS,
    "log1p": Sample(-0.5, 2.0), "sqrt": POS, "cbrt": NONZERO, "fabs": NONZERO,
    "degrees": ANY, "radians": ANY, "erf": ANY, "erfc": ANY,
}
MATH_ROWS = [(f"math.{name}(x)", {"x": domain}) for name, domain in MATH_UNARY.items() if hasattr(math, name)]
MATH_ROWS += [
    ("math.atan2(x, y)", {"x": NONZERO, "y": NONZERO}),
    ("math.hypot(x, y)", {"x": NONZERO, "y": NONZERO}),
    ("math.pow(x, y)", {"x": POS, "y": Sample(-1.5, 2.5)}),
    ("math.pow(x, 3)", {"x": ANY}),
    ("math.log(x, 2.0)", {"x": POS}),
    ("math.log(x, 10)", {"x": POS}),
    # a varying base: w.r.t. x only, the rule has no adjoint for `base` (an error, by the contract)
    ("math.log(x, b)", {"x": POS, "b": Sample(1.5, 3.0)}),
    ("math.sin(x) * math.exp(y) + math.sqrt(x * x + y)", {"x": ANY, "y": POS}),
    ("math.copysign(x, y)", {"x": NONZERO, "y": NONZERO}),
    # fmod truncates x / y, remainder rounds it to nearest: away from their jumps
    ("math.fmod(x, y)", {"x": Sample(2.2, 2.4, signed=True), "y": Sample(0.9, 1.0)}),
    ("math.remainder(x, y)", {"x": Sample(2.1, 2.3, signed=True), "y": Sample(0.95, 1.0)}),
    ("math.ldexp(x, 3)", {"x": ANY}),
]


@pytest.mark.parametrize("expr, domains, wrt", [
    pytest.param(expr, domains, wrt, id=f"{expr}-{wrt_id(wrt)}")
    for expr, domains in MATH_ROWS
    for wrt in ([0] if len(domains) == 1 or "b" in domains else WRT_XY)])
def test_math_functions(tmp_path, expr, domains, wrt):
    rng = rng_for(expr)
    args = [domain(rng, float) for domain in domains.values()]
    check_row(tmp_path, list(domains), expr, args, wrt)


# ---------------------------------------------------------------------------
# selection: where, clip, builtins
# ---------------------------------------------------------------------------

STRADDLE = np.array([[-1.2, -0.3, 0.2], [0.9, 1.5, -0.05]])    # inside, below and above +-0.5 / 0.4
SELECT_ROWS = [
    # (id, params, expr, args, wrts)
    ("where", ["x", "y"], "np.where(x > 0.0, x, y)", [STRADDLE, STRADDLE[::-1] * 2.0], WRT_XY),
    ("where-broadcast", ["x", "y"], "np.where(x > y, x * y, np.sin(y))",
     [STRADDLE, np.array([0.1, -0.4, 0.3])], WRT_XY),
    ("where-float", ["x", "y"], "np.where(x > 0.0, x ** 2, y)", [STRADDLE, 0.7], WRT_XY),
    ("clip", ["x"], "np.clip(x, -0.5, 0.4)", [STRADDLE], [0]),
    ("clip-keywords", ["x"], "np.clip(x, a_min=-0.5, a_max=0.4)", [STRADDLE], [0]),
    ("clip-no-min", ["x"], "np.clip(x, None, 0.4)", [STRADDLE], [0]),
    ("clip-no-max", ["x"], "np.clip(x, -0.5, None)", [STRADDLE], [0]),
    ("clip-method", ["x"], "x.clip(-0.5, 0.4)", [STRADDLE], [0]),
    ("clip-method-min-only", ["x"], "x.clip(-0.5)", [STRADDLE], [0]),
    ("clip-method-keywords", ["x", "hi"], "x.clip(max=hi) + x.clip(min=-0.5)", [STRADDLE, 0.4], [0, 1, (0, 1)]),
    ("item", ["x", "y"], "x.item() * y + y[:1].item()", [np.array([[1.3]]), STRADDLE[0]], WRT_XY),
    ("clip-array-bounds", ["x", "lo", "hi"], "np.clip(x, lo, hi)",
     [STRADDLE, np.array([-0.5, -0.5, 0.6]), np.array([0.4, 1.0, 0.8])], [0, 1, 2, (0, 1, 2)]),
    ("clip-float-bounds", ["x", "lo", "hi"], "np.clip(x, lo, hi)", [STRADDLE, -0.5, 0.4], [0, 1, 2, (0, 1, 2)]),
    ("clip-float", ["x"], "np.clip(x, -0.5, 0.4)", [-1.2], [0]),
    ("clip-float-inside", ["x"], "np.clip(x, -0.5, 0.4)", [0.2], [0]),
    ("clip-float-above", ["x"], "np.clip(x, -0.5, 0.4)", [0.9], [0]),
    ("abs-float", ["x"], "abs(x)", [-1.3], [0]),
    ("abs-array", ["x"], "abs(x)", [STRADDLE], [0]),
    ("float-0d", ["x", "y"], "float(x) * y", [np.array(1.3), 0.7], WRT_XY),
    ("float-float", ["x"], "float(x * x)", [1.3], [0]),
    ("max-first", ["x", "y"], "max(x, y)", [1.5, -0.5], WRT_XY),
    ("max-second", ["x", "y"], "max(x, y)", [-1.5, 0.5], WRT_XY),
    ("max-literal", ["x"], "max(x * x, 1.0)", [1.5], [0]),
    ("min-first", ["x", "y"], "min(x, y)", [-1.5, 0.5], WRT_XY),
    ("min-second", ["x", "y"], "min(x, y)", [1.5, -0.5], WRT_XY),
    ("min-literal", ["x"], "min(1.0, x * x)", [0.5], [0]),
    # builtin max/min of several arguments and of sequences (nested two-argument calls, loops)
    ("max-three-first", ["x", "y", "z"], "max(x, y, z)", [1.5, -0.5, 0.2], WRT_XYZ),
    ("max-three-middle", ["x", "y", "z"], "max(x * x, y, z)", [0.5, 1.5, 0.2], WRT_XYZ),
    ("max-three-last", ["x", "y", "z"], "max(x, y, np.sin(z))", [-0.5, 0.1, 1.2], WRT_XYZ),
    ("min-three-middle", ["x", "y", "z"], "min(x, y * 2.0, z)", [1.5, -0.5, 0.2], WRT_XYZ),
    ("max-four-literal", ["x", "y"], "max(x, 0.1, y, -2.0)", [-0.5, 0.7], WRT_XY),
    ("max-list-literal", ["x", "y"], "max([x, y * y, x * y])", [1.3, -0.7], WRT_XY),
    ("min-tuple-literal", ["x", "y"], "min((x, y * y))", [1.3, -0.7], WRT_XY),
    ("max-one-item", ["x"], "max([x * 3.0])", [1.3], [0]),
    ("max-array-items", ["x"], "max(x) * min(x)", [STRADDLE[0]], [0]),
    ("max-generator", ["x"], "max(x[i] * x[i + 1] for i in range(len(x) - 1))", [STRADDLE[1]], [0]),
    ("min-comprehension", ["x", "y"], "min([np.sin(v) * y for v in x])", [STRADDLE[0], 0.7], WRT_XY),
    # builtin sum: a loop over comprehensions, generators and sequences, 0 + a + b over literals
    ("sum-generator", ["x", "y"], "sum(x[i] * y[i] for i in range(len(x)))", [STRADDLE[0], STRADDLE[1]], WRT_XY),
    ("sum-comprehension-if", ["x"], "sum([v * v for v in x if v > 0.0])", [STRADDLE[1]], [0]),
    ("sum-list-literal", ["x", "y"], "sum([x, y * y, x * y])", [1.3, -0.7], WRT_XY),
    ("sum-tuple-start", ["x", "y"], "np.sum(sum((x, np.sin(x)), y))", [STRADDLE, STRADDLE[0]], WRT_XY),
    ("sum-start-keyword", ["x", "y"], "np.sum(sum([x * x for _ in range(2)], start=y))", [STRADDLE[0], 0.5],
     WRT_XY),
    ("sum-array-rows", ["x"], "np.sum(sum(x) ** 2)", [STRADDLE], [0]),
    ("sum-of-arrays", ["x", "y"], "np.sum(sum(w * y for w in x))", [STRADDLE, STRADDLE[1]], WRT_XY),
    ("sum-nested-generator", ["x"], "sum(x[i] * x[j] for i in range(3) for j in range(i))", [STRADDLE[0]], [0]),
    # dicts: a literal, dict(k=v) and dict(mapping) carry each key's adjoint
    ("dict-literal", ["x", "y"], "np.sum({'a': x, 'b': y * 2.0}['b'] * x)", [STRADDLE[0], STRADDLE[1]], WRT_XY),
    ("dict-keywords", ["x", "y"], "dict(a=x, b=y)['a'] * y", [1.3, -0.7], WRT_XY),
    ("dict-copy", ["x", "y"], "np.sum(dict({'a': x, 'b': y})['a'] * y)", [STRADDLE[0], STRADDLE[1]], WRT_XY),
    ("list", ["x", "y"], "np.array([x, y * y, x * y])", [1.3, -0.7], WRT_XY),
    ("list-arrays", ["x", "y"], "np.array([x, y * 2.0])", [STRADDLE[0], STRADDLE[1]], WRT_XY),
    ("tuple", ["x", "y"], "np.array((x * y, y))", [1.3, -0.7], WRT_XY),
    # list(...), tuple(...) of a sequence or an array's rows, sorted(...) of a list (rules/sequence_rules.py)
    ("list-of-rows", ["x", "y"], "np.sum(np.array(list(np.outer(x, x))) * y)", [STRADDLE[0], STRADDLE[1]], WRT_XY),
    ("tuple-of-list", ["x", "y"], "tuple([x, y * x])[1] * x", [1.3, -0.7], WRT_XY),
    ("sorted-list", ["x", "y"], "sorted([x, y * 2.0, x * y])[0] * y + sorted([x, y], reverse=True)[1]",
     [1.3, -0.7], WRT_XY),
    ("astype", ["x"], "np.sin(x).astype(np.float64)", [STRADDLE], [0]),
    ("real", ["x"], "(x * x).real", [STRADDLE], [0]),
]


@pytest.mark.parametrize("params, expr, args, wrt", [
    pytest.param(params, expr, args, wrt, id=f"{name}-{wrt_id(wrt)}")
    for name, params, expr, args, wrts in SELECT_ROWS for wrt in wrts])
def test_selection_and_builtins(tmp_path, params, expr, args, wrt):
    check_row(tmp_path, params, expr, args, wrt)


# ---------------------------------------------------------------------------
# reductions
# ---------------------------------------------------------------------------

AXES = [None, 0, 1, -1, (0, 1)]
REDUCTIONS = [("sum", True), ("mean", True), ("prod", True), ("max", True), ("amax", False),
              ("min", True), ("amin", False), ("std", True), ("var", True), ("ptp", False),
              ("average", False), ("nansum", False), ("nanmean", False), ("nanprod", False),
              ("nanmax", False), ("nanmin", False), ("nanvar", False), ("nanstd", False),
              ]    # (name, is also an ndarray method)


def reduction_rows():
    rows = []
    for func, has_method in REDUCTIONS:
        forms = [f"np.{func}(x, "] + ([f"x.{func}("] if has_method else [])
        for form, axis, keepdims in itertools.product(forms, AXES, [False, True]):
            expr = f"{form}axis={axis}, keepdims={keepdims})"
            rows.append(pytest.param(expr, (2, 3), id=expr))
        rows += [pytest.param(f"np.{func}(x)", (2, 3), id=f"np.{func}(x)"),
                 pytest.param(f"np.{func}(x, 1)", (2, 3), id=f"np.{func}(x,1)"),
                 pytest.param(f"np.{func}(x, axis=(0, 2))", (2, 3, 4), id=f"np.{func}-3d-axis(0,2)"),
                 pytest.param(f"np.{func}(x, axis=-2, keepdims=True)", (2, 3, 4), id=f"np.{func}-3d-axis-2"),
                 pytest.param(f"np.{func}(x)", (3,), id=f"np.{func}-1d"),
                 pytest.param(f"np.{func}(x, axis=0)", (3,), id=f"np.{func}-1d-axis0")]
        if has_method:
            rows += [pytest.param(f"x.{func}()", (2, 3), id=f"x.{func}()"),
                     pytest.param(f"x.{func}(1)", (2, 3), id=f"x.{func}(1)"),
                     pytest.param(f"x.{func}(axis=(1, 2))", (2, 3, 4), id=f"x.{func}-3d")]
    return rows


REDUCTION_ROWS = reduction_rows()


@pytest.mark.parametrize("expr, shape", REDUCTION_ROWS)
def test_reductions(tmp_path, expr, shape):
    # distinct values away from zero: no ties for max/min, no zero factor for prod
    x = Sample(0.5, 1.5, signed=True)(rng_for(expr, shape), shape)
    check_row(tmp_path, ["x"], expr, [x], 0)


@pytest.mark.parametrize("expr", ["np.prod(x)", "np.prod(x, axis=1)", "x.prod(axis=0, keepdims=True)"])
def test_prod_with_a_zero_factor(tmp_path, expr):
    """prod is smooth at a zero entry: its derivative there is the product of the others."""
    x = np.array([[0.0, 2.0, -1.5], [1.5, 0.5, 3.0]])
    check_row(tmp_path, ["x"], expr, [x], 0)


# ---------------------------------------------------------------------------
# linear algebra
# ---------------------------------------------------------------------------

VECTOR_MATRIX_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4))]
BATCHED_SHAPES = [((5, 2, 3), (3, 4)), ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
                  ((2, 3), (5, 3, 4)), ((1, 2, 3), (5, 3, 4)), ((5, 2, 3), (1, 3, 4))]
MATMUL_FORMS = ["np.matmul(x, y)", "x @ y", "operator.matmul(x, y)"]
DOT_FORMS = ["np.dot(x, y)", "x.dot(y)"]
LINALG_CASES = (
    [(form, sx, sy) for form in MATMUL_FORMS + DOT_FORMS for sx, sy in VECTOR_MATRIX_SHAPES]
    + [(form, sx, sy) for form in MATMUL_FORMS[:2] for sx, sy in BATCHED_SHAPES]
    # np.dot agrees with matmul when the second factor is at most 2-d ...
    + [("np.dot(x, y)", (5, 2, 3), (3, 4)), ("np.dot(x, y)", (2, 3, 4), (4,))]
    # ... and otherwise has its own rules: a scalar factor multiplies; for an N-d
    # second factor it sums over the last axis of x and the second-to-last of y
    + [("np.dot(x, y)", (), (3,)), ("np.dot(x, y)", (2, 3), ()), ("np.dot(x, y)", (2, 3), (4, 3, 5))]
)


@pytest.mark.parametrize("expr, sx, sy, wrt", [
    pytest.param(expr, sx, sy, wrt, id=f"{expr}-{pair_id(sx, sy)}-{wrt_id(wrt)}")
    for expr, sx, sy in LINALG_CASES for wrt in WRT_XY])
def test_linear_algebra(tmp_path, expr, sx, sy, wrt):
    rng = rng_for(expr, sx, sy)
    check_row(tmp_path, ["x", "y"], expr, [ANY(rng, sx), ANY(rng, sy)], wrt)


# ---------------------------------------------------------------------------
# shape functions and indexing
# ---------------------------------------------------------------------------

SHAPE_ROWS = [
    ("np.reshape(x, (3, 2))", (2, 3)), ("np.reshape(x, shape=(3, 2))", (2, 3)), ("np.reshape(x, -1)", (2, 3)), ("np.reshape(x, (4, -1))", (2, 3, 2)),
    ("x.reshape((3, 2))", (2, 3)), ("x.reshape(3, 2)", (2, 3)), ("x.reshape(-1)", (2, 3)),
    ("x.reshape(2, 1, 3)", (6,)),
    ("np.transpose(x)", (2, 3)), ("np.transpose(x)", (2, 3, 4)), ("np.transpose(x, (1, 2, 0))", (2, 3, 4)),
    ("np.transpose(x, axes=(2, 0, 1))", (2, 3, 4)), ("np.permute_dims(x, (1, 2, 0))", (2, 3, 4)),
    ("x.transpose()", (2, 3)), ("x.transpose(1, 0)", (2, 3)), ("x.transpose(1, 2, 0)", (2, 3, 4)),
    ("x.transpose((1, 2, 0))", (2, 3, 4)), ("x.transpose((1, 0))", (2, 3)), ("x.T", (2, 3)), ("x.T", (2, 3, 4)),
    ("np.ravel(x)", (2, 3)), ("x.ravel()", (2, 3)), ("x.flatten()", (2, 3)), ("x.T.flatten()", (2, 3)),
    ("np.array(x)", (2, 3)), ("np.asarray(x)", (2, 3)), ("np.asanyarray(x)", (2, 3)),
    ("np.ascontiguousarray(x.T)", (2, 3)), ("np.copy(x)", (2, 3)), ("x.copy()", (2, 3)),
    ("np.array(x) * x", (2, 3)),
]


@pytest.mark.parametrize("expr, shape", [pytest.param(e, s, id=f"{e}-{shape_id(s)}") for e, s in SHAPE_ROWS])
def test_shape_functions(tmp_path, expr, shape):
    check_row(tmp_path, ["x"], expr, [ANY(rng_for(expr, shape), shape)], 0)


INDEX_ROWS = [
    "x[1]", "x[-1]", "x[1:3]", "x[1:]", "x[2:]", "x[:2]", "x[-1:]", "x[3:0:-1]", "x[::2]", "x[..., 1:]", "x[:, 1]", "x[0, 1:]", "x[..., 0]", "x[None, 1]", "x[1, 2]",
    "x[-1, -1] * x[0, 0]", "x[[0, 2, 2]]", "x[[0, 2, 2], [1, 1, 0]]", "x[:, [2, 0, 2]]",
    "x[[0, 2, 2], 1:]", "x[1:, [2, 0, 2]]", "x[x > 0.0]", "x[1][2] * x[1]", "x[1:][:, ::-1]", "np.sin(x)[::-1, 1:]",
]


@pytest.mark.parametrize("expr", INDEX_ROWS)
def test_indexing(tmp_path, expr):
    x = ANY(rng_for(expr), (4, 3))
    check_row(tmp_path, ["x"], expr, [x], 0)


@pytest.mark.parametrize("expr", ["x[1]", "x[[0, 2, 2]]", "x[1:]", "x[-2:]", "x[::-1]", "x[x > 0.0]"])
def test_indexing_1d(tmp_path, expr):
    check_row(tmp_path, ["x"], expr, [ANY(rng_for(expr, 1), (4,))], 0)


# ---------------------------------------------------------------------------
# more element-wise functions, reductions, shape, joining, linear algebra
# ---------------------------------------------------------------------------

def draw(shape, domain=ANY, salt=0):
    """A fixed sample of `domain` for one table entry."""
    return domain(rng_for("draw", shape_id(shape), domain, salt), shape)


def spd(shape, salt=0):
    """Well-conditioned square matrices: random plus 3 on the diagonal."""
    return draw(shape, ANY, salt) + 3.0 * np.eye(shape[-1])


def increasing(n, salt=0):
    return np.cumsum(draw((n,), Sample(0.3, 1.0), salt))


def available(expr):
    """Does this NumPy have everything `expr` calls? (NumPy 2 added np.linalg.vecdot, x.mT, ...)"""
    for node in ast.walk(ast.parse(expr, mode="eval")):
        path = []
        while isinstance(node, ast.Attribute):
            path.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id == "np":
            owner = np
            for part in reversed(path):
                owner = getattr(owner, part, None)
                if owner is None:
                    return False
        elif path and path[0] == "mT" and not hasattr(np.ndarray, "mT"):
            return False
    return True


WITH_NAN = np.array([[0.3, np.nan, -1.2, 0.9], [np.nan, 0.8, 1.7, -0.4]])
ZERO_FACTOR = np.array([[0.0, 2.0, -1.5], [1.5, 0.5, 0.0]])

# (id, params, expr, args, wrts): checked against finite differences for each wrt
MORE_ROWS = [
    # element-wise
    ("ldexp", ["x"], "np.ldexp(x, 3)", [draw((2, 3))], [0]),
    ("ldexp-array", ["x"], "np.ldexp(x, np.array([1, -2, 0]))", [draw((2, 3))], [0]),
    ("ldexp-float", ["x"], "np.ldexp(x, 2)", [1.3], [0]),
    ("nan_to_num", ["x"], "np.nan_to_num(x, posinf=5.0, neginf=-5.0)",
     [np.array([[0.3, np.nan, np.inf], [-np.inf, 0.8, -1.1]])], [0]),
    ("nan_to_num-float", ["x"], "np.nan_to_num(x)", [1.3], [0]),
    ("real", ["x"], "np.real(x) * x", [draw((2, 3))], [0]),
    ("imag", ["x"], "np.imag(x) + x", [draw((2, 3))], [0]),
    ("imag-attr", ["x"], "x.imag + np.sin(x)", [draw((2, 3))], [0]),
    ("conj-method", ["x"], "x.conj() * x", [draw((2, 3))], [0]),
    ("conjugate-method", ["x"], "x.conjugate()", [draw((2, 3))], [0]),
    ("digitize-nondiff", ["x"], "x * np.digitize(x, np.array([0.0, 1.0]))", [draw((2, 3), NONZERO)], [0]),
    ("searchsorted-nondiff", ["x"], "x * np.searchsorted(np.sort(x), 0.5)", [draw((4,))], [0]),
    # reductions with options
    ("std-ddof", ["x"], "np.std(x, ddof=1)", [draw((2, 3))], [0]),
    ("var-axis-ddof", ["x"], "np.var(x, axis=0, ddof=1)", [draw((3, 2))], [0]),
    ("var-correction", ["x"], "np.var(x, 1, correction=1, keepdims=True)", [draw((2, 3))], [0]),
    ("std-method-ddof", ["x"], "x.std(axis=1, ddof=1, keepdims=True)", [draw((2, 3))], [0]),
    ("nanstd-ddof", ["x"], "np.nanstd(x, axis=1, ddof=1)", [WITH_NAN], [0]),
    ("nansum-nan", ["x"], "np.nansum(x, axis=1)", [WITH_NAN], [0]),
    ("nanmean-nan", ["x"], "np.nanmean(x)", [WITH_NAN], [0]),
    ("nanprod-nan", ["x"], "np.nanprod(x, axis=0)", [WITH_NAN], [0]),
    ("nanmax-nan", ["x"], "np.nanmax(x, axis=1)", [WITH_NAN], [0]),
    ("nanmin-nan", ["x"], "np.nanmin(x)", [WITH_NAN], [0]),
    ("nanvar-nan", ["x"], "np.nanvar(x, axis=1, keepdims=True)", [WITH_NAN], [0]),
    ("average-weights", ["x", "w"], "np.average(x, weights=w)", [draw((2, 3)), draw((2, 3), POS)], WRT_XY),
    ("average-weights-axis", ["x", "w"], "np.average(x, axis=1, weights=w)", [draw((2, 3)), draw((3,), POS)],
     WRT_XY),
    ("average-weights-axis0", ["x", "w"], "np.average(x, 0, w, keepdims=True)", [draw((2, 3)), draw((2,), POS)],
     WRT_XY),
    ("average-weights-3d", ["x", "w"], "np.average(x, axis=-1, weights=w)", [draw((2, 3, 4)), draw((4,), POS)],
     WRT_XY),
    ("cumsum", ["x"], "np.cumsum(x)", [draw((2, 3))], [0]),
    ("cumsum-axis", ["x"], "np.cumsum(x, axis=0)", [draw((2, 3))], [0]),
    ("cumsum-method", ["x"], "x.cumsum(-1)", [draw((2, 3, 2))], [0]),
    ("cumprod", ["x"], "np.cumprod(x)", [draw((2, 3))], [0]),
    ("cumprod-axis", ["x"], "np.cumprod(x, axis=1)", [draw((2, 3, 2))], [0]),
    ("cumprod-method", ["x"], "x.cumprod(axis=0)", [draw((3, 2))], [0]),
    # cumprod is smooth at a zero factor; its rule is exact there
    ("cumprod-zero", ["x"], "np.cumprod(x)", [ZERO_FACTOR], [0]),
    ("cumprod-zero-axis", ["x"], "np.cumprod(x, axis=1)", [ZERO_FACTOR], [0]),
    ("cumulative_sum", ["x"], "np.cumulative_sum(x)", [draw((4,))], [0]),
    ("cumulative_sum-initial", ["x"], "np.cumulative_sum(x, axis=0, include_initial=True)", [draw((2, 3))], [0]),
    ("cumulative_prod", ["x"], "np.cumulative_prod(x, axis=1)", [draw((2, 3))], [0]),
    ("cumulative_prod-initial", ["x"], "np.cumulative_prod(x, include_initial=True)", [ZERO_FACTOR[0]], [0]),
    ("diff", ["x"], "np.diff(x)", [draw((2, 4))], [0]),
    ("diff-axis0", ["x"], "np.diff(x, axis=0)", [draw((3, 2))], [0]),
    ("diff-n2", ["x"], "np.diff(x, n=2)", [draw((5,))], [0]),
    ("diff-positional", ["x"], "np.diff(x, 2, 0)", [draw((4, 2))], [0]),
    ("diff-prepend", ["x"], "np.diff(x, prepend=0.5)", [draw((2, 3))], [0]),
    ("diff-append", ["x"], "np.diff(x, 2, axis=1, append=np.ones((2, 2)))", [draw((2, 3))], [0]),
    ("trapezoid", ["y"], "np.trapezoid(y)", [draw((2, 4))], [0]),
    ("trapezoid-dx", ["y", "d"], "np.trapezoid(y, dx=d, axis=0)", [draw((3, 2)), 0.7], WRT_XY),
    ("trapezoid-x", ["y", "x"], "np.trapezoid(y, x)", [draw((2, 4)), increasing(4)], WRT_XY),
    ("trapezoid-x-1d", ["y", "x"], "np.trapezoid(y, x)", [draw((4,)), increasing(4, 1)], WRT_XY),
    ("trapezoid-x-2d", ["y", "x"], "np.trapezoid(y, x, axis=0)",
     [draw((3, 2)), np.stack([increasing(3, 2), increasing(3, 3)], axis=1)], WRT_XY),
    ("interp", ["x", "fp"], "np.interp(x, np.array([0.0, 0.5, 1.5, 2.0]), fp)",
     [np.array([-0.3, 0.2, 0.7, 1.2, 1.9, 2.4]), draw((4,))], WRT_XY),
    ("interp-left-right", ["x", "fp"], "np.interp(x, np.array([0.0, 0.5, 1.5, 2.0]), fp, left=-1.0, right=3.0)",
     [np.array([[-0.3, 0.2, 0.7], [1.2, 1.9, 2.4]]), draw((4,))], WRT_XY),
    ("interp-float", ["x", "fp"], "np.interp(x, np.array([0.0, 1.0, 2.0]), fp)", [0.3, draw((3,))], WRT_XY),
    ("bincount-weights", ["w"], "np.bincount(np.array([0, 2, 2, 1]), weights=w)", [draw((4,))], [0]),
    ("bincount-positional", ["w"], "np.bincount(np.array([3, 0, 3]), w, minlength=5)", [draw((3,))], [0]),
    ("unique", ["x"], "np.unique(x)", [draw((2, 3))], [0]),
    ("unique-counts", ["x"], "np.unique(x, return_counts=True)[0]", [draw((2, 3))], [0]),
    # joining: a list or tuple argument gets one adjoint per item
    ("concatenate", ["x", "y"], "np.concatenate([x, y])", [draw((2, 3)), draw((1, 3))], WRT_XY),
    ("concatenate-axis1", ["x", "y"], "np.concatenate((x, y), axis=1)", [draw((2, 3)), draw((2, 2))], WRT_XY),
    ("concatenate-none", ["x", "y"], "np.concatenate([x, y], axis=None)", [draw((2, 3)), draw((4,))], WRT_XY),
    ("concatenate-three", ["x", "y"], "np.concatenate([x, np.sin(x), y])", [draw((3,)), draw((2,))], WRT_XY),
    ("concatenate-constant", ["x"], "np.concatenate([np.ones(2), x])", [draw((3,))], [0]),
    ("stack", ["x", "y"], "np.stack([x, y])", [draw((2, 3)), draw((2, 3))], WRT_XY),
    ("stack-axis", ["x", "y"], "np.stack((x, y * x), axis=-1)", [draw((2, 3)), draw((2, 3))], WRT_XY),
    ("stack-floats", ["x", "y"], "np.stack([x, y * x, y])", [1.3, -0.7], WRT_XY),
    ("hstack-1d", ["x", "y"], "np.hstack([x, y])", [draw((3,)), draw((2,))], WRT_XY),
    ("hstack-2d", ["x", "y"], "np.hstack((x, y))", [draw((2, 3)), draw((2, 1))], WRT_XY),
    ("vstack-1d", ["x", "y"], "np.vstack([x, y])", [draw((3,)), draw((3,))], WRT_XY),
    ("vstack-2d", ["x", "y"], "np.vstack([x, y])", [draw((2, 3)), draw((1, 3))], WRT_XY),
    ("column_stack", ["x", "y"], "np.column_stack([x, y])", [draw((3,)), draw((3, 2))], WRT_XY),
    ("dstack", ["x", "y"], "np.dstack([x, y])", [draw((2, 3)), draw((2, 3))], WRT_XY),
    ("append", ["x", "y"], "np.append(x, y)", [draw((2, 3)), draw((2,))], WRT_XY),
    ("append-axis", ["x", "y"], "np.append(x, y, axis=0)", [draw((2, 3)), draw((1, 3))], WRT_XY),
    # constructors whose values are arguments: a grid over a differentiated length
    ("full", ["x"], "np.full((2, 3), x)", [1.3], [0]),
    ("full-row", ["x"], "np.full((2, 3), x)", [draw((3,))], [0]),
    ("full_like", ["x", "y"], "np.full_like(y, x) * y", [0.7, draw((2, 3))], WRT_XY),
    ("linspace", ["x", "y"], "np.linspace(x, y, 5)", [0.3, 1.7], WRT_XY),
    ("linspace-open", ["x", "y"], "np.linspace(x, y, 4, endpoint=False)", [0.3, 1.7], WRT_XY),
    ("linspace-arrays", ["x", "y"], "np.linspace(x, y, 3)", [draw((2,)), draw((2,))], WRT_XY),
    ("arange", ["x", "y"], "np.arange(x, 2.0, y)", [0.25, 0.3], WRT_XY),
    ("arange-stop-step", ["y"], "np.arange(2.0, step=y)", [0.3], [0]),
    # splitting: a tuple result read by index
    ("split", ["x"], "np.split(x, 3)[1]", [draw((6,))], [0]),
    ("split-indices", ["x"], "np.split(x, [1, 3], axis=1)[2] * np.split(x, [1, 3], axis=1)[0]", [draw((2, 4))], [0]),
    ("array_split", ["x"], "np.array_split(x, 3)[2] * np.sum(np.array_split(x, 3)[0])", [draw((7,))], [0]),
    ("hsplit", ["x"], "np.hsplit(x, [1])[1]", [draw((2, 3))], [0]),
    ("vsplit", ["x"], "np.vsplit(x, 2)[0]", [draw((4, 3))], [0]),
    ("dsplit", ["x"], "np.dsplit(x, 2)[1]", [draw((2, 2, 4))], [0]),
    # tuple-valued linear algebra, read by index
    ("slogdet", ["x"], "np.linalg.slogdet(x)[1]", [spd((3, 3))], [0]),
    ("slogdet-batched", ["x"], "np.linalg.slogdet(x)[1]", [spd((2, 3, 3))], [0]),
    ("eigh-values", ["x"], "np.linalg.eigh(x + x.T)[0]", [draw((3, 3))], [0]),
    ("eigh-vectors", ["x"], "np.linalg.eigh(x + x.T)[1] ** 2", [draw((3, 3))], [0]),
    ("eigh-both", ["x"], "np.linalg.eigh(x + x.T)[1][0] ** 2 * np.linalg.eigh(x + x.T)[0]", [draw((3, 3))], [0]),
    ("qr-square-q", ["x"], "np.linalg.qr(x)[0]", [draw((3, 3))], [0]),
    ("qr-square-r", ["x"], "np.linalg.qr(x)[1]", [draw((3, 3))], [0]),
    ("qr-tall-r", ["x"], "np.linalg.qr(x)[1]", [draw((4, 3))], [0]),
    ("qr-tall-q", ["x"], "np.linalg.qr(x)[0]", [draw((4, 3))], [0]),
    # linear algebra
    ("vdot", ["x", "y"], "np.vdot(x, y)", [draw((2, 3)), draw((2, 3), salt=1)], WRT_XY),
    ("vdot-1d", ["x", "y"], "np.vdot(x, y)", [draw((3,)), draw((3,), salt=1)], WRT_XY),
    ("inner-1d", ["x", "y"], "np.inner(x, y)", [draw((3,)), draw((3,), salt=1)], WRT_XY),
    ("inner-2d-1d", ["x", "y"], "np.inner(x, y)", [draw((2, 3)), draw((3,))], WRT_XY),
    ("inner-2d", ["x", "y"], "np.inner(x, y)", [draw((2, 3)), draw((4, 3))], WRT_XY),
    ("inner-3d", ["x", "y"], "np.inner(x, y)", [draw((2, 2, 3)), draw((4, 3))], WRT_XY),
    ("inner-scalar", ["x", "y"], "np.inner(x, y)", [1.3, draw((3,))], WRT_XY),
    ("outer", ["x", "y"], "np.outer(x, y)", [draw((3,)), draw((4,))], WRT_XY),
    ("outer-flattens", ["x", "y"], "np.outer(x, y)", [draw((2, 2)), draw((3,))], WRT_XY),
    ("linalg.outer", ["x", "y"], "np.linalg.outer(x, y)", [draw((3,)), draw((2,))], WRT_XY),
    ("tensordot", ["x", "y"], "np.tensordot(x, y)", [draw((2, 3, 4)), draw((3, 4, 2))], WRT_XY),
    ("tensordot-1", ["x", "y"], "np.tensordot(x, y, 1)", [draw((2, 3)), draw((3, 4))], WRT_XY),
    ("tensordot-pairs", ["x", "y"], "np.tensordot(x, y, axes=([1, 0], [0, 1]))", [draw((3, 2, 4)), draw((2, 3, 2))],
     WRT_XY),
    ("tensordot-0", ["x", "y"], "np.tensordot(x, y, axes=0)", [draw((2,)), draw((3,))], WRT_XY),
    ("linalg.tensordot", ["x", "y"], "np.linalg.tensordot(x, y, axes=1)", [draw((2, 3)), draw((3,))], WRT_XY),
    ("kron", ["x", "y"], "np.kron(x, y)", [draw((2, 3)), draw((2, 2))], WRT_XY),
    ("kron-1d", ["x", "y"], "np.kron(x, y)", [draw((3,)), draw((2,))], WRT_XY),
    ("kron-mixed", ["x", "y"], "np.kron(x, y)", [draw((2, 3)), draw((4,))], WRT_XY),
    ("cross", ["x", "y"], "np.cross(x, y)", [draw((3,)), draw((3,), salt=1)], WRT_XY),
    ("cross-broadcast", ["x", "y"], "np.cross(x, y)", [draw((4, 3)), draw((3,))], WRT_XY),
    ("cross-broadcast-3d", ["x", "y"], "np.cross(x, y)", [draw((2, 1, 3)), draw((4, 3))], WRT_XY),
    ("cross-axis", ["x", "y"], "np.cross(x, y, axis=0)", [draw((3, 2)), draw((3, 2), salt=1)], WRT_XY),
    ("linalg.cross", ["x", "y"], "np.linalg.cross(x, y)", [draw((2, 3)), draw((2, 3), salt=1)], WRT_XY),
    ("vecdot", ["x", "y"], "np.vecdot(x, y)", [draw((2, 3)), draw((3,))], WRT_XY),
    ("vecdot-1d", ["x", "y"], "np.vecdot(x, y)", [draw((3,)), draw((3,), salt=1)], WRT_XY),
    ("linalg.vecdot", ["x", "y"], "np.linalg.vecdot(x, y, axis=0)", [draw((3, 2)), draw((3, 2), salt=1)], WRT_XY),
    ("matrix_transpose", ["x"], "np.matrix_transpose(x)", [draw((2, 3, 4))], [0]),
    ("linalg.matrix_transpose", ["x"], "np.linalg.matrix_transpose(x) * 2.0", [draw((2, 3))], [0]),
    ("mT", ["x"], "x.mT", [draw((2, 3, 4))], [0]),
    ("linalg.matmul", ["x", "y"], "np.linalg.matmul(x, y)", [draw((2, 3)), draw((3, 4))], WRT_XY),
    ("linalg.trace", ["x"], "np.linalg.trace(x)", [draw((2, 3, 3))], [0]),
    ("linalg.trace-2d", ["x"], "np.linalg.trace(x, offset=1)", [draw((3, 4))], [0]),
    ("linalg.diagonal", ["x"], "np.linalg.diagonal(x, offset=-1)", [draw((2, 3, 4))], [0]),
    ("multi_dot", ["x", "y", "z"], "np.linalg.multi_dot([x, y, z])",
     [draw((2, 3)), draw((3, 4)), draw((4, 2))], [0, 1, 2, (0, 1, 2)]),
    ("multi_dot-vectors", ["x", "y", "z"], "np.linalg.multi_dot([x, y, z])",
     [draw((3,)), draw((3, 4)), draw((4,))], [(0, 1, 2)]),
    ("solve", ["x", "y"], "np.linalg.solve(x, y)", [spd((3, 3)), draw((3,))], WRT_XY),
    ("solve-matrix", ["x", "y"], "np.linalg.solve(x, y)", [spd((3, 3)), draw((3, 2))], WRT_XY),
    ("solve-batched", ["x", "y"], "np.linalg.solve(x, y)", [spd((2, 3, 3)), draw((2, 3, 2))], WRT_XY),
    ("solve-batched-vector", ["x", "y"], "np.linalg.solve(x, y)", [spd((2, 3, 3)), draw((3,))], WRT_XY),
    ("inv", ["x"], "np.linalg.inv(x)", [spd((3, 3))], [0]),
    ("inv-batched", ["x"], "np.linalg.inv(x)", [spd((2, 3, 3))], [0]),
    ("det", ["x"], "np.linalg.det(x)", [spd((3, 3))], [0]),
    ("det-batched", ["x"], "np.linalg.det(x)", [spd((2, 3, 3))], [0]),
    ("matrix_power", ["x"], "np.linalg.matrix_power(x, 3)", [draw((3, 3))], [0]),
    ("matrix_power-1", ["x"], "np.linalg.matrix_power(x, 1) * x", [draw((3, 3))], [0]),
    ("matrix_power-negative", ["x"], "np.linalg.matrix_power(x, -2)", [spd((3, 3))], [0]),
    ("cholesky", ["x"], "np.linalg.cholesky(x @ x.T + np.eye(3))", [draw((3, 3))], [0]),
    ("cholesky-upper", ["x"], "np.linalg.cholesky(x @ x.T + np.eye(3), upper=True)", [draw((3, 3))], [0]),
    ("cholesky-batched", ["x"], "np.linalg.cholesky(x @ np.swapaxes(x, -1, -2) + np.eye(3))", [draw((2, 3, 3))],
     [0]),
    ("eigvalsh", ["x"], "np.linalg.eigvalsh(x + x.T)", [draw((3, 3))], [0]),
    ("eigvalsh-upper", ["x"], "np.linalg.eigvalsh(x + x.T, UPLO='U')", [draw((3, 3))], [0]),
    ("svdvals", ["x"], "np.linalg.svdvals(x)", [draw((3, 4))], [0]),
    ("svdvals-tall-batched", ["x"], "np.linalg.svdvals(x)", [draw((2, 4, 3))], [0]),
    ("norm", ["x"], "np.linalg.norm(x)", [draw((3,))], [0]),
    ("norm-fro", ["x"], "np.linalg.norm(x)", [draw((2, 3))], [0]),
    ("norm-3d", ["x"], "np.linalg.norm(x)", [draw((2, 3, 2))], [0]),
    ("norm-1", ["x"], "np.linalg.norm(x, 1)", [draw((3,), NONZERO)], [0]),
    ("norm-inf", ["x"], "np.linalg.norm(x, np.inf)", [draw((3,), NONZERO)], [0]),
    ("norm-minus-inf", ["x"], "np.linalg.norm(x, ord=-np.inf)", [draw((3,), NONZERO)], [0]),
    ("norm-3", ["x"], "np.linalg.norm(x, 3)", [draw((3,), NONZERO)], [0]),
    ("norm-half", ["x"], "np.linalg.norm(x, 0.5)", [draw((3,), NONZERO)], [0]),
    ("norm-axis", ["x"], "np.linalg.norm(x, axis=1)", [draw((2, 3))], [0]),
    ("norm-axis-keepdims", ["x"], "np.linalg.norm(x, 1, axis=0, keepdims=True)", [draw((2, 3), NONZERO)], [0]),
    ("norm-axes-fro", ["x"], "np.linalg.norm(x, axis=(0, 2))", [draw((2, 3, 2))], [0]),
    ("norm-matrix-1", ["x"], "np.linalg.norm(x, 1)", [draw((3, 4), NONZERO)], [0]),
    ("norm-matrix-minus-1", ["x"], "np.linalg.norm(x, -1)", [draw((3, 4), NONZERO)], [0]),
    ("norm-matrix-inf", ["x"], "np.linalg.norm(x, np.inf)", [draw((3, 4), NONZERO)], [0]),
    ("norm-matrix-minus-inf", ["x"], "np.linalg.norm(x, -np.inf)", [draw((3, 4), NONZERO)], [0]),
    ("norm-matrix-fro", ["x"], "np.linalg.norm(x, 'fro')", [draw((3, 4))], [0]),
    ("norm-matrix-nuc", ["x"], "np.linalg.norm(x, 'nuc')", [draw((3, 4))], [0]),
    ("norm-matrix-2", ["x"], "np.linalg.norm(x, 2)", [draw((3, 4))], [0]),
    ("norm-matrix-minus-2", ["x"], "np.linalg.norm(x, -2)", [draw((4, 3))], [0]),
    ("norm-matrix-axes", ["x"], "np.linalg.norm(x, 1, axis=(2, 0))", [draw((3, 2, 4), NONZERO)], [0]),
    ("vector_norm", ["x"], "np.linalg.vector_norm(x, ord=1, axis=0)", [draw((2, 3), NONZERO)], [0]),
    ("vector_norm-axes", ["x"], "np.linalg.vector_norm(x, axis=(0, 1))", [draw((2, 3, 2))], [0]),
    ("vector_norm-all", ["x"], "np.linalg.vector_norm(x)", [draw((2, 3))], [0]),
    ("matrix_norm", ["x"], "np.linalg.matrix_norm(x)", [draw((2, 3, 4))], [0]),
    ("matrix_norm-nuc", ["x"], "np.linalg.matrix_norm(x, ord='nuc', keepdims=True)", [draw((2, 3, 4))], [0]),
]
MORE_ROWS += [
    (f"{func}-{mode}-{m},{n}", ["x", "y"], f"np.{func}(x, y, '{mode}')", [draw((m,)), draw((n,), salt=1)], WRT_XY)
    for func in ("convolve", "correlate") for mode in ("full", "same", "valid")
    for m, n in [(5, 3), (3, 5), (4, 4), (6, 3), (3, 6), (2, 5)]]
MORE_ROWS += [("convolve-default", ["x", "y"], "np.convolve(x, y)", [draw((4,)), draw((2,))], WRT_XY),
              ("correlate-default", ["x", "y"], "np.correlate(x, y)", [draw((4,)), draw((2,))], WRT_XY),
              ("correlate-keyword", ["x", "y"], "np.correlate(x, y, mode='same')", [draw((2,)), draw((4,))],
               WRT_XY)]

EINSUM_ROWS = [
    # (subscripts, operand shapes)
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("i,i", [(3,), (3,)]),
    ("i,i->", [(3,), (3,)]), ("ij->", [(2, 3)]), ("ij->j", [(2, 3)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
    ("ijk->kji", [(2, 3, 4)]), ("ij,kj", [(2, 3), (4, 3)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("i,j->ij", [(2,), (3,)]), ("ij,j->", [(2, 3), (3,)]),
    ("ii,i->i", [(3, 3), (3,)]), ("iij->ji", [(2, 2, 3)]), ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 4)]), ("...i,i->...", [(2, 3), (3,)]), ("i...,i->...", [(3, 2), (3,)]),
    ("...ii->...i", [(2, 3, 3)]), ("...", [(2, 3)]), ("i...->...", [(3, 2, 2)]),
    ("a...b,b...->...a", [(2, 3, 4), (4, 3)]),
]
MORE_ROWS += [
    (f"einsum-{spec}", ["x", "y", "z"][:len(shapes)],
     f"np.einsum('{spec}', {', '.join(['x', 'y', 'z'][:len(shapes)])})",
     [draw(s, salt=i) for i, s in enumerate(shapes)],
     list(range(len(shapes))) + ([tuple(range(len(shapes)))] if len(shapes) > 1 else []))
    for spec, shapes in EINSUM_ROWS]
MORE_ROWS += [("einsum-same-operand", ["x"], "np.einsum('ij,ij->', x, x)", [draw((2, 3))], [0]),
              ("einsum-constant", ["x"], "np.einsum('ij,j->i', x, np.arange(3.0))", [draw((2, 3))], [0])]



def nearly_singular(shape, salt=0, smallest=1e-2):
    """Valid but ill-conditioned matrices: distinct singular values from 2 down to `smallest`."""
    rng = rng_for("nearly-singular", shape, salt)
    m, n = shape[-2:]
    k = min(m, n)
    u = np.linalg.qr(rng.standard_normal(shape[:-2] + (m, m)))[0][..., :k]
    v = np.linalg.qr(rng.standard_normal(shape[:-2] + (n, n)))[0][..., :k]
    return (u * np.geomspace(2.0, smallest, k)) @ np.swapaxes(v, -1, -2)


QUANTILE_METHODS = ["linear", "lower", "higher", "nearest", "midpoint", "inverted_cdf", "averaged_inverted_cdf",
                    "closest_observation", "interpolated_inverted_cdf", "hazen", "weibull", "median_unbiased",
                    "normal_unbiased"]
GRID = "np.array([0.0, 0.4, 1.1, 1.5, 2.6])"      # a non-uniform coordinate grid
FIT_X = "np.array([0.0, 0.5, 1.0, 1.7, 2.2])"
# The rest of what people use (issue 13): order statistics, the SVD family, gradient,
# polynomials, select, cross with axis arguments, einsum sublists, np.r_ / np.c_.
MORE_ROWS += [
    ("quantile", ["x"], "np.quantile(x, 0.3)", [draw((3, 4))], [0]),
    ("quantile-q-array-axis", ["x"], "np.quantile(x, [0.1, 0.5, 0.85], axis=1)", [draw((3, 5))], [0]),
    ("quantile-axes-keepdims", ["x"], "np.quantile(x, 0.4, axis=(0, 2), keepdims=True)", [draw((2, 3, 4))], [0]),
    ("quantile-positional", ["x"], "np.quantile(x, 0.7, 0)", [draw((4, 2))], [0]),
    ("percentile", ["x"], "np.percentile(x, 30)", [draw((2, 5))], [0]),
    ("percentile-midpoint", ["x"], "np.percentile(x, [25, 75], axis=-1, method='midpoint')", [draw((3, 4))], [0]),
    ("median", ["x"], "np.median(x)", [draw((3, 3))], [0]),
    ("median-even-axis", ["x"], "np.median(x, axis=0)", [draw((4, 3))], [0]),
    ("median-keepdims", ["x"], "np.median(x, axis=1, keepdims=True)", [draw((3, 5))], [0]),
    ("median-float", ["x"], "np.median(np.stack([x, x * x, 2.0 - x]))", [1.3], [0]),
    ("nanmedian", ["x"], "np.nanmedian(x, axis=1)", [WITH_NAN], [0]),
    ("nanmedian-all", ["x"], "np.nanmedian(x)", [WITH_NAN], [0]),
    ("nanquantile", ["x"], "np.nanquantile(x, [0.2, 0.9], axis=1)", [WITH_NAN], [0]),
    ("nanpercentile", ["x"], "np.nanpercentile(x, 40, axis=0, method='hazen')", [WITH_NAN], [0]),
]
MORE_ROWS += [(f"quantile-{m}", ["x"], f"np.quantile(x, [0.15, 0.62], axis=0, method='{m}')", [draw((5, 3))], [0])
              for m in QUANTILE_METHODS]
MORE_ROWS += [
    # the SVD family, on well-conditioned and on nearly singular matrices
    ("svd-values", ["x"], "np.linalg.svd(x, compute_uv=False)", [draw((3, 4))], [0]),
    ("svd-values-nearly-singular", ["x"], "np.linalg.svd(x, compute_uv=False)", [nearly_singular((4, 3))], [0]),
    ("svd-values-batched", ["x"], "np.linalg.svd(x, compute_uv=False)", [draw((2, 3, 3))], [0]),
    ("svd-s", ["x"], "np.linalg.svd(x)[1]", [draw((3, 3))], [0]),
    ("svd-u", ["x"], "np.linalg.svd(x)[0] ** 2", [draw((3, 3))], [0]),
    ("svd-vh", ["x"], "np.linalg.svd(x)[2] ** 2", [draw((3, 3))], [0]),
    ("svd-product", ["x"], "(np.linalg.svd(x)[0] * np.linalg.svd(x)[1]) @ np.linalg.svd(x)[2]", [draw((3, 3))],
     [0]),
    ("svd-thin-tall", ["x"], "np.linalg.svd(x, full_matrices=False)[0] ** 2", [draw((4, 3))], [0]),
    ("svd-thin-wide", ["x"], "np.linalg.svd(x, full_matrices=False)[2] ** 2", [draw((3, 4))], [0]),
    ("svd-full-tall-values", ["x"], "np.linalg.svd(x)[1] * np.linalg.svd(x)[2][0]", [draw((4, 3))], [0]),
    ("svd-nearly-singular", ["x"], "np.linalg.svd(x, full_matrices=False)[0] ** 2", [nearly_singular((4, 3))], [0]),
    ("svd-batched", ["x"], "np.linalg.svd(x)[2] ** 2", [draw((2, 3, 3))], [0]),
    ("svd-hermitian", ["x"], "np.linalg.svd(x + x.T, hermitian=True)[1]", [spd((3, 3))], [0]),
    ("pinv-square", ["x"], "np.linalg.pinv(x)", [spd((3, 3))], [0]),
    ("pinv-tall", ["x"], "np.linalg.pinv(x)", [draw((4, 3))], [0]),
    ("pinv-wide", ["x"], "np.linalg.pinv(x)", [draw((2, 4))], [0]),
    ("pinv-nearly-singular", ["x"], "np.linalg.pinv(x)", [nearly_singular((4, 3))], [0]),
    ("pinv-batched", ["x"], "np.linalg.pinv(x)", [draw((2, 4, 3))], [0]),
    ("lstsq", ["x", "y"], "np.linalg.lstsq(x, y, rcond=None)[0]", [draw((4, 3)), draw((4,))], WRT_XY),
    ("lstsq-matrix", ["x", "y"], "np.linalg.lstsq(x, y)[0]", [draw((5, 3)), draw((5, 2))], WRT_XY),
    ("lstsq-square", ["x", "y"], "np.linalg.lstsq(x, y)[0]", [spd((3, 3)), draw((3,))], WRT_XY),
    ("lstsq-nearly-singular", ["x", "y"], "np.linalg.lstsq(x, y)[0]", [nearly_singular((4, 3)), draw((4,))],
     WRT_XY),
    ("cond", ["x"], "np.linalg.cond(x)", [spd((3, 3))], [0]),
    ("cond-tall", ["x"], "np.linalg.cond(x)", [draw((4, 3))], [0]),
    ("cond-nearly-singular", ["x"], "np.linalg.cond(x)", [nearly_singular((3, 3), smallest=0.05)], [0]),
    ("cond-minus-2", ["x"], "np.linalg.cond(x, -2)", [spd((3, 3))], [0]),
    ("cond-fro", ["x"], "np.linalg.cond(x, 'fro')", [spd((3, 3))], [0]),
    ("cond-1", ["x"], "np.linalg.cond(x, 1)", [spd((3, 3))], [0]),
    ("cond-inf-batched", ["x"], "np.linalg.cond(x, np.inf)", [spd((2, 3, 3))], [0]),
    ("cond-nuc", ["x"], "np.linalg.cond(x, 'nuc')", [spd((3, 3))], [0]),
    # gradient: every spacing form and edge order
    ("gradient", ["x"], "np.gradient(x)", [draw((5,))], [0]),
    ("gradient-dx", ["x"], "np.gradient(x, 0.3)", [draw((5,))], [0]),
    ("gradient-edge2", ["x"], "np.gradient(x, edge_order=2)", [draw((5,))], [0]),
    ("gradient-coordinates", ["x"], f"np.gradient(x, {GRID}, edge_order=2)", [draw((5,))], [0]),
    ("gradient-coordinates-edge1", ["x"], f"np.gradient(x, {GRID}, axis=1)", [draw((2, 5))], [0]),
    ("gradient-2d", ["x"], "np.gradient(x)[0] * np.gradient(x)[1]", [draw((3, 4))], [0]),
    ("gradient-2d-spacings", ["x"], "np.gradient(x, 0.5, 2.0, axis=(0, 1))[1]", [draw((3, 4))], [0]),
    ("gradient-axis", ["x"], "np.gradient(x, axis=1, edge_order=2)", [draw((3, 4))], [0]),
    ("gradient-3d-axes", ["x"], "np.gradient(x, axis=(0, 2))[0] + np.gradient(x, axis=(0, 2))[1]",
     [draw((3, 2, 4))], [0]),
    ("gradient-two-points", ["x"], "np.gradient(x)", [draw((2,))], [0]),
    ("unwrap", ["x"], "np.unwrap(x)", [draw((6,)) * 4.0], [0]),
    ("unwrap-axis-period", ["x"], "np.unwrap(x, axis=0, period=1.0)", [draw((4, 3)) * 2.0], [0]),
    # polynomials
    ("polyval", ["p", "x"], "np.polyval(p, x)", [draw((4,)), draw((3,), salt=1)], WRT_XY),
    ("polyval-float", ["p", "x"], "np.polyval(p, x)", [draw((3,)), 0.7], WRT_XY),
    ("polyval-2d-x", ["p", "x"], "np.polyval(p, x)", [draw((2,)), draw((2, 3))], WRT_XY),
    ("vander", ["x"], "np.vander(x)", [draw((4,))], [0]),
    ("vander-increasing", ["x"], "np.vander(x, 3, increasing=True)", [draw((4,))], [0]),
    ("polyfit", ["y"], f"np.polyfit({FIT_X}, y, 2)", [draw((5,))], [0]),
    ("polyfit-columns", ["y"], f"np.polyfit({FIT_X}, y, 1)", [draw((5, 2))], [0]),
    ("polyfit-weighted", ["y"], f"np.polyfit({FIT_X}, y, 2, w=np.array([1.0, 2.0, 0.5, 1.0, 1.5]))",
     [draw((5,))], [0]),
    # selection, aliases, index tricks
    ("select", ["x", "y"], "np.select([x > 0.5, x < -0.5], [x ** 2, y], default=0.3)",
     [draw((2, 3)), draw((2, 3), salt=1)], WRT_XY),
    ("select-broadcast-default", ["x", "y"], "np.select([x > 0.0, x > -1.0], [y, 2.0], x)",
     [draw((2, 3)), draw((3,))], WRT_XY),
    ("row_stack", ["x", "y"], "np.row_stack([x, y])", [draw((2, 3)), draw((3,))], WRT_XY),
    ("real_if_close", ["x"], "np.real_if_close(x) * x", [draw((2, 3))], [0]),
    ("r_", ["x", "y"], "np.r_[x, y, 1.5]", [draw((3,)), draw((2,))], WRT_XY),
    ("r_-2d", ["x", "y"], "np.r_[x, y]", [draw((2, 3)), draw((1, 3))], WRT_XY),
    ("c_", ["x", "y"], "np.c_[x, y]", [draw((3,)), draw((3, 2))], WRT_XY),
    ("cross-axisa-axisb", ["x", "y"], "np.cross(x, y, axisa=0, axisb=0)", [draw((3, 2)), draw((3, 2), salt=1)],
     WRT_XY),
    ("cross-axisc", ["x", "y"], "np.cross(x, y, axisa=0, axisc=0)", [draw((3, 4)), draw((4, 3))], WRT_XY),
    ("cross-axis-3d", ["x", "y"], "np.cross(x, y, axis=1)", [draw((2, 3, 2)), draw((2, 3, 2), salt=1)], WRT_XY),
    ("cross-axisb-broadcast", ["x", "y"], "np.cross(x, y, axisb=0)", [draw((2, 3)), draw((3, 1))], WRT_XY),
    ("einsum-sublists", ["x", "y"], "np.einsum(x, [0, 1], y, [1, 2], [0, 2])", [draw((2, 3)), draw((3, 4))],
     WRT_XY),
    ("einsum-sublists-implicit", ["x", "y"], "np.einsum(x, [0, 1], y, [0, 1])", [draw((2, 3)), draw((2, 3), salt=1)],
     WRT_XY),
    ("einsum-sublists-ellipsis", ["x", "y"], "np.einsum(x, [Ellipsis, 0], y, [0])", [draw((2, 3)), draw((3,))],
     WRT_XY),
    ("einsum-optimize", ["x", "y", "z"], "np.einsum('ij,jk,kl->il', x, y, z, optimize=True)",
     [draw((2, 3)), draw((3, 4)), draw((4, 2))], [(0, 1, 2)]),
    # covariance and correlation, nan-ignoring cumulative sums and products, matvec / vecmat
    ("cov", ["x"], "np.cov(x)", [draw((3, 5))], [0]),
    ("cov-rowvar-bias", ["x"], "np.cov(x, rowvar=False, bias=True)", [draw((5, 2))], [0]),
    ("cov-1d-ddof", ["x"], "np.cov(x, ddof=2)", [draw((5,))], [0]),
    ("corrcoef", ["x"], "np.corrcoef(x)", [draw((3, 5))], [0]),
    ("corrcoef-rowvar", ["x"], "np.corrcoef(x, rowvar=False)", [draw((6, 2))], [0]),
    ("nancumsum", ["x"], "np.nancumsum(x, axis=1)", [WITH_NAN], [0]),
    ("nancumsum-flat", ["x"], "np.nancumsum(x)", [WITH_NAN], [0]),
    ("nancumprod", ["x"], "np.nancumprod(x, axis=0)", [WITH_NAN], [0]),
    ("matvec", ["x", "y"], "np.matvec(x, y)", [draw((2, 3, 4)), draw((4,))], WRT_XY),
    ("vecmat", ["x", "y"], "np.vecmat(x, y)", [draw((2, 3)), draw((3, 4))], WRT_XY),
    ("polyadd", ["x", "y"], "np.polyadd(x, y)", [draw((3,)), draw((5,), salt=1)], WRT_XY),
    ("polysub", ["x", "y"], "np.polysub(x, y)", [draw((4,)), draw((2,), salt=1)], WRT_XY),
    ("polymul", ["x", "y"], "np.polymul(x, y)", [draw((3,)), draw((4,), salt=1)], WRT_XY),
    ("polyder", ["x"], "np.polyder(x)", [draw((4,))], [0]),
    ("polyder-2", ["x"], "np.polyder(x, 2)", [draw((5,))], [0]),
    ("polyint", ["x"], "np.polyint(x)", [draw((3,))], [0]),
    ("polyint-2", ["x"], "np.polyint(x, 2, k=[1.0, 2.0])", [draw((3,))], [0]),
    ("ediff1d", ["x"], "np.ediff1d(x)", [draw((2, 3))], [0]),
    # declared non-differentiable: their results are constants
    ("gcd-nondiff", ["x"], "x * np.gcd(np.array([4, 6, 9]), 3)", [draw((3,))], [0]),
    ("histogram-nondiff", ["x"], "np.sum(x) * np.histogram(x, bins=3)[0]", [draw((6,))], [0]),
    ("angle-nondiff", ["x"], "x * np.angle(x)", [draw((2, 3), NONZERO)], [0]),
]

@pytest.mark.parametrize("params, expr, args, wrt", [
    pytest.param(params, expr, args, wrt, id=f"{name}-{wrt_id(wrt)}")
    for name, params, expr, args, wrts in MORE_ROWS for wrt in wrts if available(expr)])
def test_more_rules(tmp_path, params, expr, args, wrt):
    check_row(tmp_path, params, expr, args, wrt)


# one-argument shape and reordering functions, at random values of one shape
SHAPE_MORE_ROWS = [
    ("np.squeeze(x)", (1, 3, 1)), ("np.squeeze(x, axis=0)", (1, 3)), ("x.squeeze()", (2, 1)),
    ("np.squeeze(x)", (1, 1)), ("np.expand_dims(x, 1)", (2, 3)), ("np.expand_dims(x, axis=(0, 2))", (3,)),
    ("np.atleast_1d(x)", ()), ("np.atleast_2d(x)", (3,)), ("np.atleast_3d(x)", (2, 3)),
    ("np.broadcast_to(x, (4, 2, 3))", (2, 3)), ("np.broadcast_to(x, (2, 3))", (1, 3)),
    ("np.swapaxes(x, 0, 2)", (2, 3, 4)), ("x.swapaxes(0, 1)", (2, 3)), ("np.moveaxis(x, 0, -1)", (2, 3, 4)),
    ("np.moveaxis(x, (0, 1), (2, 0))", (2, 3, 4)), ("np.rollaxis(x, 2)", (2, 3, 4)),
    ("np.rollaxis(x, 0, 3)", (2, 3, 4)), ("np.rollaxis(x, -1, 1)", (2, 3, 4)), ("np.rollaxis(x, 1, -1)", (2, 3, 4)),
    ("np.diagflat(x)", (2, 2)), ("np.diagflat(x, -1)", (3,)), ("np.float64(x)", (2, 3)), ("np.float64(x)", ()),
    ("np.roll(x, 2)", (2, 3)), ("np.roll(x, -1, axis=1)", (2, 3)), ("np.roll(x, (1, 2), axis=(0, 1))", (2, 3)),
    ("np.flip(x)", (2, 3)), ("np.flip(x, axis=1)", (2, 3)), ("np.fliplr(x)", (2, 3)), ("np.flipud(x)", (2, 3)),
    ("np.rot90(x)", (2, 3)), ("np.rot90(x, 3, axes=(1, 2))", (2, 3, 4)), ("np.rot90(x, k=2)", (2, 3)),
    ("np.tile(x, 2)", (2, 3)), ("np.tile(x, (2, 1, 2))", (2, 3)), ("np.tile(x, (3, 1))", (3,)),
    ("np.repeat(x, 2)", (2, 3)), ("np.repeat(x, 3, axis=1)", (2, 3)), ("np.repeat(x, [1, 0, 2], axis=1)", (2, 3)),
    ("x.repeat(2, axis=0)", (2, 3)),
    ("np.pad(x, 1)", (2, 3)), ("np.pad(x, ((1, 0), (2, 1)))", (2, 3)), ("np.pad(x, 2, mode='edge')", (2, 3)),
    ("np.pad(x, (1, 2), mode='reflect')", (3, 4)), ("np.pad(x, 2, mode='symmetric')", (2, 3)),
    ("np.pad(x, 3, mode='wrap')", (2, 3)), ("np.pad(x, 1, constant_values=0.5)", (2, 3)),
    ("np.take(x, [0, 2, 2])", (2, 3)), ("np.take(x, [2, 0, 2], axis=1)", (2, 3)), ("x.take([1, 1], axis=0)", (2, 3)),
    ("np.take(x, [[0, 1], [1, 1]], axis=0)", (2, 3)), ("np.take(x, [4, -1], mode='wrap')", (3,)),
    ("np.take(x, [5, -2], axis=1, mode='clip')", (2, 3)),
    ("np.take_along_axis(x, np.argsort(x, axis=1), axis=1)", (2, 3)),
    ("np.take_along_axis(x, np.array([[0, 0], [2, 1]]), axis=1)", (2, 3)),
    ("np.take_along_axis(x, np.array([[1, 0, 1]]), axis=0)", (2, 3)),
    ("np.take_along_axis(x, np.array([3, 3, 0]), axis=None)", (2, 3)),
    ("np.diag(x)", (3,)), ("np.diag(x, 1)", (3,)), ("np.diag(x, -1)", (2, 3)), ("np.diag(x)", (3, 3)),
    ("np.diagonal(x)", (3, 3)), ("np.diagonal(x, 1)", (3, 4)), ("np.diagonal(x, -1, 1, 2)", (2, 3, 4)),
    ("x.diagonal()", (3, 4)), ("x.diagonal(offset=1, axis1=1, axis2=0)", (3, 4)),
    ("np.trace(x)", (3, 3)), ("np.trace(x, 1)", (3, 4)), ("np.trace(x, axis1=1, axis2=2)", (2, 3, 4)),
    ("x.trace()", (3, 3)), ("x.trace(-1)", (3, 4)),
    ("np.triu(x)", (3, 3)), ("np.triu(x, 1)", (3, 4)), ("np.tril(x, -1)", (3, 3)), ("np.tril(x)", (2, 3, 3)),
    ("np.sort(x)", (2, 3)), ("np.sort(x, axis=0)", (3, 2)), ("np.sort(x, axis=None)", (2, 3)),
    ("np.partition(x, 1)", (2, 4)), ("np.partition(x, (0, 2), axis=0)", (4, 2)),
]


@pytest.mark.parametrize("expr, shape", [pytest.param(e, s, id=f"{e}-{shape_id(s)}")
                                         for e, s in SHAPE_MORE_ROWS if available(e)])
def test_more_shape_functions(tmp_path, expr, shape):
    check_row(tmp_path, ["x"], expr, [ANY(rng_for(expr, shape), shape)], 0)


def make_source_function(tmp_path, source, name):
    path = tmp_path / f"source_{next(_made)}.py"
    path.write_text("import numpy as np\n\n\n" + source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return getattr(module, name)


def test_a_list_argument_used_twice(tmp_path):
    """The per-item adjoints of a list add item by item (not as list concatenation)."""
    f = make_source_function(tmp_path, '''
def f(x, y):
    parts = [x, y]
    joined = np.concatenate(parts) * np.arange(1.0, 7.0)
    stacked = np.stack(parts, axis=1) * np.arange(6.0).reshape(3, 2)
    again = np.concatenate(parts)
    return np.sum(joined) + np.sum(stacked ** 2) + np.sum(np.sin(again))
''', "f")
    check_grad(f, [draw((3,)), draw((3,), salt=1)], (0, 1))


TUPLE_SOURCES = {
    "eigh": ("""
def f(x):
    w, v = np.linalg.eigh(x + x.T)
    return np.sum(w * v[0] ** 2)
""", (3, 3)),
    "eigh-vectors-only": ("""
def f(x):
    w, v = np.linalg.eigh(x @ x.T)
    return np.sum(v[:, 1:] ** 2 * np.arange(6.0).reshape(3, 2))
""", (3, 3)),
    "qr": ("""
def f(x):
    q, r = np.linalg.qr(x)
    return np.sum(q * np.arange(12.0).reshape(4, 3)) + np.sum(r ** 2)
""", (4, 3)),
    "qr-r-only": ("""
def f(x):
    q, r = np.linalg.qr(x)
    return np.sum(np.diag(r) ** 2)
""", (4, 3)),
    "slogdet": ("""
def f(x):
    sign, logdet = np.linalg.slogdet(x @ x.T + np.eye(3))
    return logdet * sign
""", (3, 3)),
    "array_split": ("""
def f(x):
    first, second, third = np.array_split(x, 3, axis=1)
    return np.sum(first ** 2) + np.sum(np.sin(third))
""", (2, 7)),
    "unique": ("""
def f(x):
    values, counts = np.unique(x, return_counts=True)
    return np.sum(values ** 2 * counts)
""", (5,)),
}


@pytest.mark.parametrize("name", TUPLE_SOURCES)
def test_tuple_results_unpacked(tmp_path, name):
    """Tuple-valued functions through `a, b = f(x)`: outputs without an adjoint are zeros."""
    source, shape = TUPLE_SOURCES[name]
    check_grad(make_source_function(tmp_path, source, "f"), [draw(shape, salt=len(name))], 0)


@pytest.mark.parametrize("expr, shape", [
    ("np.pad(x, 1, mode='mean')", (3,)), ("np.pad(x, 1, mode='reflect', reflect_type='odd')", (3,)),
    ("np.einsum(x, [0, 1], np.array([0, 1]))", (2, 3)), ("np.linalg.norm(x, 0)", (3,)), ("np.linalg.qr(x, mode='complete')[0]", (3, 2)),
    ("np.unique(x, axis=0)", (2, 3)), ("np.average(x, weights=np.ones(3), returned=True)[0]", (3,)),
    ("np.interp(x, np.array([0.0, 1.0]), np.array([0.0, 1.0]), period=2.0)", (3,)),
    ("np.std(x, where=x > 0.0)", (3,)),
    # issue 13's refusals: what has no unique derivative, or no rule, is an error
    ("np.linalg.svd(x)[0]", (3, 2)), ("np.linalg.svd(x)[2] ** 2", (2, 3)),
    ("np.linalg.lstsq(x, np.ones(3))[1]", (3, 2)), ("np.linalg.lstsq(x, np.ones(3))[3]", (3, 2)),
    ("np.quantile(x, 0.5, method='inverted_cdf', weights=np.ones(3))", (3,)),
    ("np.polyfit(np.arange(3.0), x, 1, cov=True)[0]", (3,)),
    ("np.piecewise(x, [x > 0.0], [np.sin, np.cos])", (3,)),
    # a random draw's parameters: a silent zero once (reparameterize: x + np.random.standard_normal(3))
    ("np.random.normal(x, 1.0)", (3,)), ("np.random.uniform(0.0, x)", (3,)),
    ("np.linspace(0.0, x, 3, axis=-1)", (2,)),
])
def test_unsupported_cases_are_errors(tmp_path, expr, shape):
    f = make_function(tmp_path, ["x"], expr, [ANY(rng_for(expr), shape)])
    with pytest.raises(sg.S2SGradError, match="no derivative rule"):
        sg.grad(f)(ANY(rng_for(expr), shape))


@pytest.mark.parametrize("expr, match", [
    ("np.r_[0:2, x]", "np.r_.* with slices or string directives cannot be differentiated"),
    ("np.quantile(np.ones(3), np.abs(x[0]) / 3.0)", "np.quantile in q has no derivative rule"),
    ("np.gradient(x ** 2, np.abs(x[0]) + 1.0)", "np.gradient has no derivative with respect to 'varargs'"),
    ("np.polyfit(x, np.ones(3), 1)", "np.polyfit has no derivative with respect to 'x'"),
])
def test_refusals_name_what_has_no_derivative(tmp_path, expr, match):
    x = ANY(rng_for(expr), (3,))
    f = make_function(tmp_path, ["x"], expr, [x])
    with pytest.raises(sg.S2SGradError, match=match):
        sg.grad(f)(x) if "in q" not in match else sg.jvp(f, [x], [np.ones(3)])


# ---------------------------------------------------------------------------
# subgradient conventions: exact values at the kinks, as the rule table states
# ---------------------------------------------------------------------------

A = np.array([0.0, 1.5, -2.0, 0.0])
TIE = np.array([1.0, 2.0, -0.5])
TIE_OTHER = np.array([1.0, 0.5, -0.5])        # ties at 0 and 2; x wins at 1
ROWS_TIE = np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0]])

CONVENTION_ROWS = [
    # (id, params, scalar expr, args, wrt, expected gradient)
    # elementwise.py, python_rules.py: abs'(0) = 0 (the rule is np.sign)
    ("np.abs-at-0", ["x"], "np.sum(np.abs(x))", [A], 0, [0.0, 1.0, -1.0, 0.0]),
    ("np.absolute-at-0", ["x"], "np.sum(np.absolute(x))", [A], 0, [0.0, 1.0, -1.0, 0.0]),
    ("np.fabs-at-0", ["x"], "np.sum(np.fabs(x))", [A], 0, [0.0, 1.0, -1.0, 0.0]),
    ("abs-at-0", ["x"], "abs(x)", [0.0], 0, 0.0),
    ("abs-array-at-0", ["x"], "np.sum(abs(x))", [A], 0, [0.0, 1.0, -1.0, 0.0]),
    ("math.fabs-at-0", ["x"], "math.fabs(x)", [0.0], 0, 0.0),
    # numpy_rules._split_ties: against a literal the varying side gets 0 at a tie (relu'(0) = 0)
    ("relu", ["x"], "np.sum(np.maximum(x, 0.0))", [A], 0, [0.0, 1.0, 0.0, 0.0]),
    ("relu-literal-first", ["x"], "np.sum(np.maximum(0.0, x))", [A], 0, [0.0, 1.0, 0.0, 0.0]),
    ("relu-int-literal", ["x"], "np.sum(np.maximum(x, 0))", [A], 0, [0.0, 1.0, 0.0, 0.0]),
    ("relu-float", ["x"], "np.maximum(x, 0.0)", [0.0], 0, 0.0),
    ("fmax-literal", ["x"], "np.sum(np.fmax(x, 0.0))", [A], 0, [0.0, 1.0, 0.0, 0.0]),
    ("minimum-literal", ["x"], "np.sum(np.minimum(x, 0.0))", [A], 0, [0.0, 0.0, 1.0, 0.0]),
    ("fmin-literal-first", ["x"], "np.sum(np.fmin(0.0, x))", [A], 0, [0.0, 0.0, 1.0, 0.0]),
    # ... and ties between two varying values split the adjoint 0.5 / 0.5
    ("maximum-tie", ["x", "y"], "np.sum(np.maximum(x, y))", [TIE, TIE_OTHER], (0, 1),
     ([0.5, 1.0, 0.5], [0.5, 0.0, 0.5])),
    ("minimum-tie", ["x", "y"], "np.sum(np.minimum(x, y))", [TIE, TIE_OTHER], (0, 1),
     ([0.5, 0.0, 0.5], [0.5, 1.0, 0.5])),
    ("fmax-tie", ["x", "y"], "np.sum(np.fmax(x, y))", [TIE, TIE_OTHER], (0, 1),
     ([0.5, 1.0, 0.5], [0.5, 0.0, 0.5])),
    ("fmin-tie", ["x", "y"], "np.sum(np.fmin(x, y))", [TIE, TIE_OTHER], (0, 1),
     ([0.5, 0.0, 0.5], [0.5, 1.0, 0.5])),
    ("maximum-of-itself", ["x"], "np.sum(np.maximum(x, x))", [TIE], 0, [1.0, 1.0, 1.0]),
    ("maximum-tie-broadcast", ["x", "y"], "np.sum(np.maximum(x, y))", [ROWS_TIE, np.array([2.0, 1.0, 5.0])],
     (0, 1), ([[1.0, 0.5, 0.0], [0.5, 1.0, 0.0]], [0.5, 0.5, 2.0])),
    ("maximum-tie-floats", ["x", "y"], "np.maximum(x, y)", [1.0, 1.0], (0, 1), (0.5, 0.5)),
    # numpy_rules: clip passes the adjoint on the closed interval [a_min, a_max]
    ("clip-at-bounds", ["x"], "np.sum(np.clip(x, -0.5, 0.5))", [np.array([-0.5, 0.5, 0.0, 1.0, -1.0])], 0,
     [1.0, 1.0, 1.0, 0.0, 0.0]),
    ("clip-method-at-bounds", ["x"], "np.sum(x.clip(-0.5, 0.5))", [np.array([-0.5, 0.5, 0.7])], 0,
     [1.0, 1.0, 0.0]),
    ("clip-float-at-bound", ["x"], "np.clip(x, -0.5, 0.5)", [0.5], 0, 1.0),
    ("clip-no-min-at-bound", ["x"], "np.sum(np.clip(x, None, 0.5))", [np.array([0.5, 0.7])], 0, [1.0, 0.0]),
    ("clip-bounds-at-bound", ["x", "lo", "hi"], "np.sum(np.clip(x, lo, hi))",
     [np.array([-0.5, 0.5, -1.0, 1.0]), -0.5, 0.5], (0, 1, 2), ([1.0, 1.0, 0.0, 0.0], 1.0, 1.0)),
    # numpy_rules._extremum / runtime.extremum_mask: ties of a max/min reduction split equally
    ("max-tie", ["x"], "np.max(x)", [np.array([1.0, 3.0, 3.0])], 0, [0.0, 0.5, 0.5]),
    ("amax-tie", ["x"], "np.amax(x)", [np.array([3.0, 3.0, 3.0])], 0, [1 / 3, 1 / 3, 1 / 3]),
    ("min-tie", ["x"], "np.min(x)", [np.array([1.0, 3.0, 1.0])], 0, [0.5, 0.0, 0.5]),
    ("amin-tie", ["x"], "np.amin(x)", [np.array([1.0, 1.0, 3.0])], 0, [0.5, 0.5, 0.0]),
    ("max-tie-method", ["x"], "x.max()", [ROWS_TIE], 0, [[0.5, 0.0, 0.5], [0.0, 0.0, 0.0]]),
    ("max-tie-axis1", ["x"], "np.sum(np.max(x, axis=1))", [ROWS_TIE], 0,
     [[0.5, 0.0, 0.5], [1 / 3, 1 / 3, 1 / 3]]),
    ("max-tie-axis0-keepdims", ["x"], "np.sum(np.max(x, axis=0, keepdims=True))", [ROWS_TIE], 0,
     [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]),
    ("min-tie-axis-1", ["x"], "np.sum(x.min(axis=-1))", [ROWS_TIE], 0, [[0.0, 1.0, 0.0], [1 / 3, 1 / 3, 1 / 3]]),
    # python_rules: builtin max/min return the first of equal arguments, so ties go to it
    ("max-builtin-tie", ["x", "y"], "max(x, y)", [1.0, 1.0], (0, 1), (1.0, 0.0)),
    ("min-builtin-tie", ["x", "y"], "min(x, y)", [1.0, 1.0], (0, 1), (1.0, 0.0)),
    ("max-builtin-tie-literal-first", ["x"], "max(1.0, x)", [1.0], 0, 0.0),
    ("min-builtin-tie-literal-second", ["x"], "min(x, 1.0)", [1.0], 0, 1.0),
    # ... also of several arguments and over a sequence: to the first of the equal ones
    ("max-builtin-three-tie", ["x", "y", "z"], "max(x, y, z)", [1.0, 2.0, 2.0], (0, 1, 2), (0.0, 1.0, 0.0)),
    ("min-builtin-three-tie", ["x", "y", "z"], "min(x, y, z)", [2.0, 1.0, 1.0], (0, 1, 2), (0.0, 1.0, 0.0)),
    ("max-builtin-list-tie", ["x", "y", "z"], "max([x, y, z])", [2.0, 1.0, 2.0], (0, 1, 2), (1.0, 0.0, 0.0)),
    ("min-builtin-sequence-tie", ["x"], "min(x)", [np.array([1.0, 0.5, 0.5])], 0, [0.0, 1.0, 0.0]),
    ("max-builtin-generator-tie", ["x"], "max(v * v for v in x)", [np.array([-2.0, 1.0, 2.0])], 0,
     [-4.0, 0.0, 0.0]),
    # elementwise.py: sinc'(0) = 0; copysign has derivative 0 in x at x = 0 and 0 in y;
    # heaviside's derivative is 0 in x1 and (x1 == 0) in x2; nan_to_num gives 0 where it replaced
    ("sinc-at-0", ["x"], "np.sinc(x)", [0.0], 0, 0.0),
    ("copysign-at-0", ["x", "y"], "np.sum(np.copysign(x, y))", [np.array([0.0, 1.5, -1.5]), np.array([-1.0, -2.0, 3.0])],
     (0, 1), ([0.0, -1.0, -1.0], [0.0, 0.0, 0.0])),
    ("heaviside-at-0", ["x", "h"], "np.sum(np.heaviside(x, h))", [np.array([0.0, 1.0, -1.0, 0.0]), 0.5], (0, 1),
     ([0.0, 0.0, 0.0, 0.0], 2.0)),
    ("nan_to_num-replaced", ["x"], "np.sum(np.nan_to_num(x, posinf=5.0))", [np.array([np.nan, np.inf, 1.5])], 0,
     [0.0, 0.0, 1.0]),
    # numpy_rules: nan entries of nan-reductions get 0, ties split equally
    ("nanmax-tie-nan", ["x"], "np.nanmax(x)", [np.array([np.nan, 2.0, 2.0, 1.0])], 0, [0.0, 0.5, 0.5, 0.0]),
    ("nanmin-nan", ["x"], "np.sum(np.nanmin(x, axis=0))", [np.array([[np.nan, 2.0], [1.0, 2.0]])], 0,
     [[0.0, 0.5], [1.0, 0.5]]),
    ("ptp-ties", ["x"], "np.ptp(x)", [np.array([1.0, 3.0, 3.0, 1.0])], 0, [-0.5, 0.5, 0.5, -0.5]),
    # numpy_rules: sort gives each slot's adjoint to one equal element, in stable order
    ("sort-ties", ["x"], "np.sum(np.sort(x) * np.array([1.0, 2.0, 3.0]))", [np.array([2.0, 1.0, 2.0])], 0,
     [2.0, 1.0, 3.0]),
    # ... while unique splits a value's adjoint equally among the elements equal to it
    ("unique-ties", ["x"], "np.sum(np.unique(x) * np.array([1.0, 3.0]))", [np.array([2.0, 1.0, 2.0])], 0,
     [1.5, 1.0, 1.5]),
    # numpy_rules: interp's slope at a knot is the right-hand segment's; 0 from the last knot on
    ("interp-at-knots", ["x"], "np.sum(np.interp(x, np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])))",
     [np.array([0.0, 1.0, 3.0, 4.0, -1.0])], 0, [2.0, 0.5, 0.0, 0.0, 0.0]),
    # linalg_rules: the 2-norm's adjoint at 0 is 0; ties of the inf-norm split equally
    ("norm-at-0", ["x"], "np.linalg.norm(x)", [np.zeros(3)], 0, [0.0, 0.0, 0.0]),
    ("norm-inf-tie", ["x"], "np.linalg.norm(x, np.inf)", [np.array([-2.0, 1.0, 2.0])], 0, [-0.5, 0.0, 0.5]),
    ("norm-matrix-1-tie", ["x"], "np.linalg.norm(x, 1)", [np.array([[1.0, -2.0], [-2.0, 1.0]])], 0,
     [[0.5, -0.5], [-0.5, 0.5]]),
    # order_statistics: the adjoint goes to the order statistics interpolated between, ties in stable order
    ("median-ties", ["x"], "np.median(x)", [np.array([2.0, 1.0, 2.0, 3.0])], 0, [0.5, 0.0, 0.5, 0.0]),
    ("median-tie-odd", ["x"], "np.median(x)", [np.array([2.0, 1.0, 2.0, 3.0, 2.0])], 0, [0.0, 0.0, 1.0, 0.0, 0.0]),
    ("quantile-all-equal", ["x"], "np.quantile(x, 0.25)", [np.array([1.0, 1.0, 1.0])], 0, [0.5, 0.5, 0.0]),
    # calculus_rules: unwrap's jumps are locally constant
    ("unwrap-jump", ["x"], "np.sum(np.unwrap(x) * np.array([1.0, 2.0, 3.0]))", [np.array([0.0, 3.0, -3.0])], 0,
     [1.0, 2.0, 3.0]),
]


@pytest.mark.parametrize("params, expr, args, wrt, expected", [
    pytest.param(params, expr, args, wrt, expected, id=name)
    for name, params, expr, args, wrt, expected in CONVENTION_ROWS])
def test_subgradient_conventions(tmp_path, params, expr, args, wrt, expected):
    got = sg.grad(make_function(tmp_path, params, expr, args), wrt=wrt)(*args)
    indices, grads, wanted = (wrt, got, expected) if isinstance(wrt, tuple) else ((wrt,), (got,), (expected,))
    for i, g, e in zip(indices, grads, wanted):
        check_structure(g, args[i])
        assert_close(g, e, rtol=1e-15, atol=0)


# ---------------------------------------------------------------------------
# every rule in the table is exercised by some row above
# ---------------------------------------------------------------------------

MODULES = {"np": np, "math": math, "operator": operator}
BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv", ast.Pow: "pow",
          ast.Mod: "mod", ast.MatMult: "matmul"}
UNARYOPS = {ast.USub: "neg", ast.UAdd: "pos"}
DATA = (ast.Name, ast.BinOp, ast.UnaryOp, ast.Call, ast.Subscript, ast.Attribute)  # not literals, slices

# Entries of listing.differentiable() that no row needs to use. Keep this empty
# unless a rule cannot be reached from user code (and say why).
NOT_ROW_TESTED = set()


def module_attribute(node):
    """The object a dotted name such as ``np.linalg.norm`` names, or None if it is not one."""
    if isinstance(node, ast.Name):
        return MODULES.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = module_attribute(node.value)
        if isinstance(owner, types.ModuleType):
            return getattr(owner, node.attr, None)
    return None


def used_rules(expr):
    """The listing spellings (as in listing.differentiable()) of the rules ``expr`` calls."""
    tree = ast.parse(expr, mode="eval")
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp):
            found.add(f"operator.{BINOPS[type(node.op)]}")
        elif isinstance(node, ast.UnaryOp) and type(node.op) in UNARYOPS \
                and not isinstance(node.operand, ast.Constant):
            found.add(f"operator.{UNARYOPS[type(node.op)]}")
        elif isinstance(node, ast.Subscript):
            found.add("x[index]")
        elif isinstance(node, ast.Attribute):
            obj = module_attribute(node)
            if obj is None:
                found.add(f"x.{node.attr}()" if id(node) in called else f"x.{node.attr}")
            elif callable(obj):
                found.add(listing._spell(obj))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and hasattr(builtins, node.func.id):
            found.add(node.func.id)
        elif isinstance(node, (ast.List, ast.Tuple)) and any(isinstance(e, DATA) for e in node.elts):
            found.add("[a, b, ...]" if isinstance(node, ast.List) else "(a, b, ...)")
        elif isinstance(node, ast.Dict) and any(isinstance(v, DATA) for v in node.values):
            found.add("{k: v, ...}")
    return found


def all_row_expressions():
    exprs = [p.values[0] for p in UNARY_ROWS + BINARY_ROWS + OPERATOR_ROWS + OPERATOR_FUNC_ROWS + UNARY_OP_ROWS
             + REDUCTION_ROWS]
    exprs += [e for e, _ in LITERAL_ROWS] + [e for e, _ in MATH_ROWS] + [e for e, _, _ in LINALG_CASES]
    exprs += [e for e, _ in SHAPE_ROWS] + INDEX_ROWS
    exprs += [row[2] for row in SELECT_ROWS] + [row[2] for row in CONVENTION_ROWS]
    exprs += [row[2] for row in MORE_ROWS] + [e for e, _ in SHAPE_MORE_ROWS]
    return exprs


def test_every_rule_has_a_row():
    covered = set().union(*map(used_rules, all_row_expressions()))
    missing = set(listing.differentiable()) - covered - NOT_ROW_TESTED
    missing = {name for name in missing if not name.startswith("scipy.")}  # tests/test_scipy_*.py
    assert not missing, f"rules without a test row in tests/test_rules.py: {sorted(missing)}"


def test_coverage_walker_sees_the_spellings():
    assert used_rules("np.sum(x.T @ y[0], axis=1) + abs(-x) % x.max()") == {
        "np.sum", "x.T", "operator.matmul", "x[index]", "operator.add", "abs", "operator.neg",
        "operator.mod", "x.max()"}
    assert used_rules("np.arccos(x) / np.true_divide(x, -1.0)") == {"np.acos", "np.divide", "operator.truediv"}
    assert used_rules("np.linalg.norm(x.mT, np.inf)") == {"np.linalg.norm", "x.mT"}


# ---------------------------------------------------------------------------
# property test: random shapes and values
# ---------------------------------------------------------------------------

def tanh_square(x, a, b):
    return np.sum(np.tanh(a * x + b) ** 2)


def composition(x, y):
    z = x * y + np.sin(x)
    s = np.sqrt(y * y + 1.0)
    return np.sum(np.log1p(z ** 2) * s + np.exp(-y ** 2) / (1.0 + x ** 2)) + np.mean(np.cos(z) * y)


FLOATS = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def tanh_square_args(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
    x = draw(hnp.arrays(np.float64, shape, elements=FLOATS))
    a = draw(st.one_of(FLOATS, hnp.arrays(np.float64, shape, elements=FLOATS)))
    b_shape = shape[draw(st.integers(0, len(shape))):]
    b = draw(hnp.arrays(np.float64, b_shape, elements=FLOATS))
    return x, a, b


@settings(max_examples=30, deadline=None, derandomize=True, database=None)
@given(tanh_square_args())
def test_property_tanh_square(args):
    check_grad(tanh_square, list(args), (0, 1, 2))


@settings(max_examples=30, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_property_composition(data):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
    x = data.draw(hnp.arrays(np.float64, shape, elements=FLOATS))
    y = data.draw(st.one_of(FLOATS, hnp.arrays(np.float64, shape, elements=FLOATS)))
    check_grad(composition, [x, y], (0, 1))
