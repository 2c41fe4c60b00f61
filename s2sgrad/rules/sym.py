"""Symbolic values: rules are plain Python lambdas run on `Sym`s, which record
the NumPy code they would run as gast expressions instead of running it.

`np.cos(x)` on a Sym goes through NumPy's `__array_ufunc__` / `__array_function__`
protocols and comes back as the expression `np.cos(x)`; arithmetic, indexing,
attributes and method calls build the matching expression nodes. Python numbers
stay numbers, so `y * x ** (y - 1)` with a literal `y = 2` becomes `2 * x`.
Names: `.np` is NumPy, `.math` math, `.scipy` SciPy, `.rt.NAME` a runtime helper,
`.obj:N` any other callable a rule calls (`external`); codegen spells them.
"""

import sys

import gast
import numpy as np

NP = ".np"


def _name(id_):
    return gast.Name(id_, gast.Load(), None, None)


def _dotted(path):
    """`.np.linalg.solve` -> Attribute(Attribute(Name('.np'), 'linalg'), 'solve')."""
    node = None
    parts = path.split(".")
    if path.startswith("."):
        parts = ["." + parts[1]] + parts[2:]
    for part in parts:
        node = _name(part) if node is None else gast.Attribute(node, part, gast.Load())
    return node


def to_node(value):
    """A gast expression for a Sym or a plain Python value."""
    if isinstance(value, Sym):
        return value.node
    if isinstance(value, tuple):
        return gast.Tuple([to_node(v) for v in value], gast.Load())
    if isinstance(value, list):
        return gast.List([to_node(v) for v in value], gast.Load())
    if isinstance(value, slice):
        return gast.Slice(*(None if p is None else to_node(p) for p in (value.start, value.stop, value.step)))
    if isinstance(value, (bool, type(None), str)) or value is Ellipsis:
        return gast.Constant(value, None)
    if isinstance(value, (int, float, np.number)):
        value = value.item() if isinstance(value, np.number) else value
        if value < 0:
            return gast.UnaryOp(gast.USub(), gast.Constant(-value, None))
        return gast.Constant(value, None)
    raise TypeError(f"cannot put {value!r} into generated code")


def _is_reciprocal(node):
    return (
        isinstance(node, gast.BinOp)
        and isinstance(node.op, gast.Div)
        and isinstance(node.left, gast.Constant)
        and node.left.value == 1
    )


class Namespace:
    """`ns.NAME(args)` in a rule: a call of NAME from a module spelled `root`."""

    def __init__(self, root):
        self.root = root

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, **kwargs: call(_dotted(f"{self.root}.{name}"), args, kwargs)


def _is(value, number):
    return not isinstance(value, Sym) and isinstance(value, (int, float)) and value == number


_numpy_paths = {}


def numpy_path(func):
    """How generated code spells a NumPy callable, e.g. '.np.linalg.solve'."""
    if not _numpy_paths:
        for prefix, module in (("", np), ("linalg.", np.linalg), ("fft.", np.fft)):
            for name in dir(module):
                obj = getattr(module, name)
                if callable(obj):
                    _numpy_paths.setdefault(id(obj), f"{NP}.{prefix}{name}")
    return _numpy_paths.get(id(func))


# modules whose public functions generated code spells by their dotted path
_PUBLIC_MODULES = ("scipy.special", "scipy.linalg", "scipy.stats", "math")
OBJECTS = []  # `.obj:N` -> (the name to bind it to, the object)


def external(obj, stem):
    """A placeholder root for `obj` (a module or a callable) that codegen binds to `stem`."""
    for i, (_, known) in enumerate(OBJECTS):
        if known is obj:
            return f".obj:{i}"
    OBJECTS.append((stem, obj))
    return f".obj:{len(OBJECTS) - 1}"


def callable_node(func):
    """How generated code spells a callable that a rule applies to a Sym: NumPy's by their
    NumPy path, SciPy's and math's by their public module path (`scipy.special.digamma`),
    any other ufunc or C function by its own name, bound to the object itself."""
    path = numpy_path(func)
    if path is not None:
        return _dotted(path)
    name = getattr(func, "__name__", None)
    for module_name in _PUBLIC_MODULES:
        module = sys.modules.get(module_name)
        if module is not None and name and getattr(module, name, None) is func:
            root, _, rest = module_name.partition(".")
            node = _name(external(sys.modules[root], root))
            for part in rest.split(".") if rest else []:
                node = gast.Attribute(node, part, gast.Load())
            return gast.Attribute(node, name, gast.Load())
    if not callable(func) or not name:
        raise TypeError(f"rule uses {func!r}, which generated code cannot name")
    return _name(external(func, name))


def times_slope(g, d):
    """`g * d`, an element-wise rule's adjoint, spelled so that `g` meets the slope's
    constant factor first and is divided by the slope's denominator first:
    `g * 1.128 * np.exp(-(x * x))` for erf (a power-of-two scale already on `g`, as
    the 0.5 of a normal CDF, then folds into the constant: compiler/algebra.py), and
    `g / y * ans` for `x / y` (the same `g / y` as x's adjoint, which clean-up then
    reuses), `g * 0.5 / ans` for sqrt. Each is the same product rounded in another
    order."""
    if not (isinstance(g, Sym) and isinstance(d, Sym) and isinstance(d.node, gast.BinOp)):
        return g * d
    node = d.node
    if isinstance(node.op, gast.Mult) and _is_constant(node.left):
        return (g * Sym(node.left)) * Sym(node.right)
    if _is_reciprocal(node):
        return g * d  # (`g / y`: Sym's product knows it)
    if isinstance(node.op, gast.Div) and _is_constant(node.left):
        return (g * Sym(node.left)) / Sym(node.right)  # (sqrt: `g * 0.5 / ans`)
    if isinstance(node.op, gast.Div):
        top = node.left
        if isinstance(top, gast.UnaryOp) and isinstance(top.op, gast.USub):
            return -((g / Sym(node.right)) * Sym(top.operand))
        return (g / Sym(node.right)) * Sym(top)
    return g * d


def _is_constant(node):
    """A number written in the code: `2`, `1.5`, `-0.5`."""
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        node = node.operand
    return isinstance(node, gast.Constant) and type(node.value) in (int, float)


class Sym:
    """A value in generated code: an expression that rules compose."""

    __slots__ = ("node",)
    __hash__ = object.__hash__

    def __init__(self, node):
        self.node = node

    # arithmetic, with the few simplifications that keep generated code clean
    def _bin(self, op, other, reflected=False):
        left, right = (other, self) if reflected else (self, other)
        return Sym(gast.BinOp(to_node(left), op, to_node(right)))

    def __add__(self, o):
        return self if _is(o, 0) else self._bin(gast.Add(), o)

    def __radd__(self, o):
        return self if _is(o, 0) else self._bin(gast.Add(), o, True)

    def __sub__(self, o):
        return self if _is(o, 0) else self._bin(gast.Sub(), o)

    def __rsub__(self, o):
        return -self if _is(o, 0) else self._bin(gast.Sub(), o, True)

    def __mul__(self, o):
        if _is(o, 1):
            return self
        if isinstance(o, Sym) and _is_reciprocal(o.node):
            return self._bin(gast.Div(), Sym(o.node.right))
        if _is(o, -1):
            return -self
        return self._bin(gast.Mult(), o)

    def __rmul__(self, o):
        if _is(o, 1):
            return self
        if _is(o, -1):
            return -self
        return self._bin(gast.Mult(), o, True)

    def __truediv__(self, o):
        return self if _is(o, 1) else self._bin(gast.Div(), o)

    def __rtruediv__(self, o):
        return self._bin(gast.Div(), o, True)

    def __pow__(self, o):
        return self if _is(o, 1) else self._bin(gast.Pow(), o)

    def __rpow__(self, o):
        return self._bin(gast.Pow(), o, True)

    def __matmul__(self, o):
        return self._bin(gast.MatMult(), o)

    def __rmatmul__(self, o):
        return self._bin(gast.MatMult(), o, True)

    def __and__(self, o):
        return self._bin(gast.BitAnd(), o)

    def __rand__(self, o):
        return self._bin(gast.BitAnd(), o, True)

    def __neg__(self):
        node = self.node
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
            return Sym(node.operand)
        return Sym(gast.UnaryOp(gast.USub(), node))

    def __abs__(self):
        return Sym(gast.Call(_name("abs"), [self.node], []))

    def _cmp(self, op, other):
        return Sym(gast.Compare(self.node, [op], [to_node(other)]))

    def __gt__(self, o):
        return self._cmp(gast.Gt(), o)

    def __ge__(self, o):
        return self._cmp(gast.GtE(), o)

    def __lt__(self, o):
        return self._cmp(gast.Lt(), o)

    def __le__(self, o):
        return self._cmp(gast.LtE(), o)

    def __eq__(self, o):
        return self._cmp(gast.Eq(), o)

    def __ne__(self, o):
        return self._cmp(gast.NotEq(), o)

    def __getitem__(self, index):
        return Sym(gast.Subscript(self.node, to_node(index), gast.Load()))

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return Sym(gast.Attribute(self.node, attr, gast.Load()))

    def __call__(self, *args, **kwargs):
        return call(self.node, args, kwargs)

    def __bool__(self):
        from ..errors import S2SGradError

        # (an argument the rule needs at compile time, a mode or an order, came in as a value)
        raise S2SGradError(
            "the derivative needs this argument as a constant written in the call, not a value computed or passed in",
            hint="write the constant in the call (or give it a module-level name)",
        )

    def __iter__(self):  # (else Python iterates through __getitem__ without end)
        raise TypeError("a rule iterated over a value known only at run time")

    def __float__(self):  # math.exp(x) and other functions of numbers, on a symbolic value
        from ..errors import S2SGradError

        # a user's rule asked for it: an error the user can act on, not an internal one
        raise S2SGradError(
            "a rule applied a function of numbers (math.*, a C function) to a value known only at run time",
            hint="use its NumPy / SciPy ufunc, or s2sgrad.extend.call(fn, x)",
        )

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__":
            return NotImplemented
        return call(callable_node(ufunc), inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return call(callable_node(func), args, kwargs)


def call(func_node, args, kwargs):
    return Sym(
        gast.Call(func_node, [to_node(a) for a in args], [gast.keyword(k, to_node(v)) for k, v in kwargs.items()])
    )


def where(cond, a, b):
    """`a if cond else b` in generated code (for scalars; np.where for arrays)."""
    return Sym(gast.IfExp(to_node(cond), to_node(a), to_node(b)))


class _Helpers:
    """`rt.NAME(args)` in a rule: a call of the runtime helper NAME."""

    def __getattr__(self, name):
        from .. import runtime

        if name not in runtime.__all__:
            raise AttributeError(f"runtime has no helper {name}")
        return lambda *args, **kwargs: call(_dotted(f".rt.{name}"), args, kwargs)


rt = _Helpers()
