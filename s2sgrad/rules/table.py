"""The rule table itself and the functions that fill it (the contract is in
`rules/__init__.py`). The rule modules import this one, never the package,
so that the package can import them without a cycle."""

import inspect
import types
from dataclasses import dataclass

from .sym import times_slope


@dataclass
class Rule:
    vjps: tuple  # per positional parameter: a lambda or None (no derivative)
    signature: inspect.Signature
    elementwise: bool = False
    keeps_scalars: bool = False  # scalar arguments give a scalar result


RULES = {}
NONDIFF = set()
LINEAR = {}  # key -> positions of the arguments it is linear in (None: every one)
JVPS = {}  # explicit forward-mode rules: key -> fn(tangents, ans, *args, **kwargs)
SCALAR_FUNCS = set()  # primitives that return scalars for scalar arguments
REDUCTIONS = set()  # reductions: a scalar when called without axis
ALWAYS_SCALAR = set()  # a scalar whatever the arguments
FULL_WITH_ORDER = set()  # reductions whose second positional argument is an order, not an axis

# How docs/supported.md groups and spells the rules (rules/listing.py reads these).
FAMILIES = {}  # key -> family, for rules labelled one by one
MODULE_FAMILIES = {}  # rules module -> the family of the rules its VJPs are defined in
FAMILY_NOTES = {}  # family -> its conventions (a list of sentences), shown next to it
NAMES = {}  # key -> its spelling, where the listing cannot find the primitive by identity


def _key(prim):
    if isinstance(prim, (str, tuple)):
        return prim
    if isinstance(prim, types.MethodType):
        # `scipy.stats.norm.logpdf` is a new bound method at each access: key it by
        # the object it is bound to and the function
        return ("bound", id(prim.__self__), id(prim.__func__))
    return id(prim)


def _signature(fn):
    params = list(inspect.signature(fn).parameters.values())[2:]
    return inspect.Signature(params)


def defvjp(prims, *vjps, elementwise=False, keeps_scalars=False):
    """Register VJPs (one per positional argument, None where there is none)."""
    template = next(v for v in vjps if v is not None and v is not nograd)  # nograd takes anything
    rule = Rule(tuple(vjps), _signature(template), elementwise, keeps_scalars)
    for prim in prims if isinstance(prims, list) else [prims]:
        RULES[_key(prim)] = (prim, rule)
        if keeps_scalars:
            SCALAR_FUNCS.add(_key(prim))


def defelementwise(prims, *derivatives, keeps_scalars=True):
    """Element-wise primitive: give each argument's local derivative `(ans, *args) -> d`.
    (`keeps_scalars=False`: a number in gives a 0-d array out, as scipy.special.polygamma.)"""

    def vjp_of(d):
        if d is None:
            return None
        params = list(inspect.signature(d).parameters.values())  # with their defaults

        def vjp(g, ans, *args, **kwargs):
            return times_slope(g, d(ans, *args, **kwargs))

        vjp.__module__ = getattr(d, "func", d).__module__  # its family: the module that states it
        vjp.__signature__ = inspect.Signature(
            [inspect.Parameter("g", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + params
        )
        return vjp

    defvjp(prims, *map(vjp_of, derivatives), elementwise=True, keeps_scalars=keeps_scalars)


def deflinear(*prims, args=None):
    """Primitives linear in each of the arguments at positions `args` (all by default:
    sum, reshape, matmul, ...): forward mode applies the primitive itself to the
    tangent of each such argument in turn. Other arguments are read only for
    their shapes or as constants: their tangents contribute nothing."""
    for prim in prims:
        LINEAR[_key(prim)] = args


def nograd(*args, **kwargs):
    """A VJP slot for an argument the result does not depend on in value (a shape)."""
    return None


def defjvp(prim, jvp):
    """An explicit forward-mode rule: `jvp(tangents, ans, *args, **kwargs)`, where
    `tangents[i]` is argument i's tangent or None."""
    JVPS[_key(prim)] = jvp


def defnondiff(*prims, keeps_scalars=False):
    for prim in prims:
        NONDIFF.add(_key(prim))
        if keeps_scalars:
            SCALAR_FUNCS.add(_key(prim))


def family(name, *prims, module=None, notes=None):
    """Group rules under the family `name` on docs/supported.md: the primitives `prims`,
    or every rule whose VJPs are defined in the rules module `module` (a `__name__`).
    `notes`, the family's conventions, are shown next to it."""
    for prim in prims:
        FAMILIES[_key(prim)] = name
    if module is not None:
        MODULE_FAMILIES[module] = name
    if notes:
        FAMILY_NOTES[name] = FAMILY_NOTES.get(name, []) + list(notes)


def spelled(prim, name):
    """How docs/supported.md spells a primitive it cannot find in a module by identity."""
    NAMES[_key(prim)] = name


class _Lookup:
    """What the passes ask of the table, keyed by an Eqn."""

    @staticmethod
    def key(eqn):
        if eqn.kind == "build":
            return eqn.payload
        return _key(eqn.prim)

    def rule(self, eqn):
        entry = RULES.get(self.key(eqn))
        return entry[1] if entry else None

    def is_linear(self, eqn):
        return self.key(eqn) in LINEAR

    def linear_args(self, eqn):
        return LINEAR.get(self.key(eqn))

    def jvp(self, eqn):
        return JVPS.get(self.key(eqn))

    def is_nondiff(self, eqn):
        if eqn.kind == "opaque":
            return eqn.boolean
        return self.key(eqn) in NONDIFF

    def scalar_out(self, eqn):
        """Is the result a scalar whenever the arguments are (element-wise ops)?"""
        if eqn.kind in ("binop", "unop"):
            return True
        return self.key(eqn) in SCALAR_FUNCS

    def always_scalar(self, eqn):
        """Is the result a scalar whatever the arguments (a full reduction, len, ndim)?"""
        key = self.key(eqn)
        if key in REDUCTIONS:
            if key in FULL_WITH_ORDER:  # np.linalg.norm(x, 3), norm(x, ord="fro"): no axis, a number
                return len(eqn.args) <= 2 and set(eqn.kwargs) <= {"ord"}
            return len(eqn.args) == 1 and not eqn.kwargs  # x.sum() or np.sum(x)
        return key in ALWAYS_SCALAR or _math_number(eqn.prim)


# The math module's functions give a Python number whatever their arguments (an array of
# one element is read as its number, anything else raises); these give a bool instead.
_MATH_BOOLS = ("isclose", "isfinite", "isinf", "isnan")


def _math_number(prim):
    return getattr(prim, "__module__", None) == "math" and getattr(prim, "__name__", None) not in _MATH_BOOLS


lookup = _Lookup()
