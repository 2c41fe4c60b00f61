"""Rules for Python itself: operators, builtins, `math` leftovers, and the
array methods and attributes (`x.sum()`, `x.T`) mapped onto NumPy's rules."""

import builtins
import math
import operator

import numpy as np

from .table import ALWAYS_SCALAR, REDUCTIONS, RULES, _key, defelementwise, defnondiff, defvjp, family
from .elementwise import BINARY, UNARY, np_ns, times_power_slope
from .numpy_rules import _inside
from .sym import Sym, rt, where
from functools import partial

family("Shape, joining and indexing", module=__name__)
family("Linear algebra", operator.matmul)

# operators are the element-wise ufuncs they call
for op, name in [
    (operator.add, "add"),
    (operator.sub, "subtract"),
    (operator.mul, "multiply"),
    (operator.truediv, "true_divide"),
    (operator.pow, "power"),
    (operator.mod, "remainder"),
]:
    defelementwise(op, *[partial(d, np_ns) for d in BINARY[name]])
defelementwise(operator.neg, partial(UNARY["negative"], np_ns))
defelementwise(operator.pos, lambda ans, x: 1)
defvjp(operator.matmul, lambda g, ans, a, b: rt.matmul_lhs(g, a, b), lambda g, ans, a, b: rt.matmul_rhs(g, a, b))
defnondiff(
    operator.floordiv,
    operator.invert,
    operator.and_,
    operator.or_,
    operator.xor,
    operator.lshift,
    operator.rshift,
    keeps_scalars=True,
)

# builtins
defelementwise(builtins.abs, lambda ans, x: np.sign(x))
defvjp(builtins.float, lambda g, ans, x: g, keeps_scalars=True, elementwise=True)
# np.float64(x) is float(x) for a number and a float64 copy for an array
defvjp(np.float64, lambda g, ans, x: g, keeps_scalars=True, elementwise=True)


# Python's max/min return the first of equal arguments, so ties go to it.
defvjp(
    builtins.max,
    lambda g, ans, x, y: where(x >= y, g, 0.0),
    lambda g, ans, x, y: where(x >= y, 0.0, g),
    keeps_scalars=True,
    elementwise=True,
)
defvjp(
    builtins.min,
    lambda g, ans, x, y: where(x <= y, g, 0.0),
    lambda g, ans, x, y: where(x <= y, 0.0, g),
    keeps_scalars=True,
    elementwise=True,
)
defnondiff(
    builtins.len,
    builtins.int,
    builtins.round,
    builtins.bool,
    builtins.range,
    builtins.isinstance,
    math.factorial,
    keeps_scalars=True,
)
# (generated code builds the index of `x[i:i + k]` with slice(i, t): forward over reverse)
defnondiff(builtins.slice)
defvjp(
    math.log,
    lambda g, ans, x, base=None: g / x if base is None else g / (x * np_ns.log(base)),
    keeps_scalars=True,
    elementwise=True,
)
defvjp(  # (the base's part 0 where its adjoint is: elementwise.times_power_slope)
    [math.pow, operator.pow, np.power, np.float_power],
    lambda g, ans, x, y: times_power_slope(g, x, y),
    lambda g, ans, x, y: g * ans * np_ns.log(x),
    keeps_scalars=True,
    elementwise=True,
)


# array methods and attributes share the function rules: x.sum(...) is np.sum(x, ...)
def _alias(key, func):
    RULES[key] = (key, RULES[_key(func)][1])


for method, func in [
    ("sum", np.sum),
    ("mean", np.mean),
    ("prod", np.prod),
    ("max", np.max),
    ("min", np.min),
    ("dot", np.dot),
    ("ravel", np.ravel),
    ("copy", np.copy),
]:
    _alias(("method", method), func)


def _method_reshape(g, ans, a, *shape, **kwargs):
    return np.reshape(g, np.shape(a))


def _method_transpose(g, ans, a, *axes):
    if not axes or (len(axes) == 1 and axes[0] is None):
        return np.transpose(g)
    if len(axes) == 1:
        axes = axes[0]
    return np.transpose(g, tuple(int(i) for i in np.argsort(axes)) if not isinstance(axes, Sym) else np.argsort(axes))


defvjp(("method", "reshape"), _method_reshape)
defvjp(("method", "flatten"), lambda g, ans, a, order="C": np.reshape(g, np.shape(a)))
defvjp(("method", "transpose"), _method_transpose)
defvjp(("method", "astype"), lambda g, ans, a, dtype, *args, **kwargs: g)
# x.clip(lo) and x.clip(max=hi) are valid, unlike np.clip(x, lo): the method's bounds are optional
defvjp(
    ("method", "clip"),
    lambda g, ans, a, min=None, max=None: g * _inside(a, min, max),
    lambda g, ans, a, min=None, max=None: g * (a < min),
    lambda g, ans, a, min=None, max=None: g * (a > max),
    elementwise=True,
)
# x.item() of a size-1 array is its one number (x.item(i) picks one: write x.flat[i] or x[i])
defvjp(("method", "item"), lambda g, ans, a: np.reshape(g, np.shape(a)))
defvjp(("attr", "T"), lambda g, ans, a: np.transpose(g))
defvjp(("attr", "real"), lambda g, ans, a: g)
defnondiff(
    ("attr", "shape"),
    ("attr", "ndim"),
    ("attr", "size"),
    ("attr", "dtype"),
    ("method", "argmax"),
    ("method", "argmin"),
    ("method", "argsort"),
    ("method", "nonzero"),
    ("method", "any"),
    ("method", "all"),
    ("method", "keys"),
)
ALWAYS_SCALAR.update(
    _key(k)
    for k in (("attr", "ndim"), ("attr", "size"), builtins.len, np.ndim, np.size, ("method", "item"), builtins.float)
)  # (float(x) is a Python float, or raises: an array of more than one element)
for name in ("sum", "mean", "prod", "max", "min"):
    REDUCTIONS.add(_key(("method", name)))
    REDUCTIONS.add(_key(getattr(np, name)))
REDUCTIONS.update(_key(f) for f in (np.amax, np.amin))

# containers: reading x[i] and building tuples / lists
defvjp("getitem", lambda g, ans, x, *index: None)  # replaced by the engine (index template)
defvjp(["tuple", "list", "dict"], lambda g, ans, *items: None)  # per-item adjoint g[i] / g[key], by the engine
# dict(mapping) is a shallow copy: the adjoint passes through, key by key
defvjp(builtins.dict, lambda g, ans, mapping: g)

from . import sequence_rules  # noqa: E402,F401  (list(x), tuple(x), sorted(x))
from . import forward_rules  # noqa: E402,F401  (forward mode: linear primitives and explicit JVPs)
from . import runtime_rules  # noqa: E402,F401  (generated code is differentiable too)
