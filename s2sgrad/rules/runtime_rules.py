"""Rules for the runtime helpers that generated code calls, so that generated
code can itself be differentiated (grad of grad, forward over reverse).

Most helpers are linear in their first argument (the adjoint they move around):
forward mode re-runs them on tangents (`deflinear`), and their VJP is the
matching transpose, itself a helper or a NumPy call (unconcat <-> reconcat,
np.tile <-> untile, ...). Bilinear ones (matmul_lhs, inner_lhs, ...) are linear
in two arguments; the rest read their other arguments for shapes only (`nograd`).

Helpers that take primal values (cholesky_adjoint(g, L), norm_adjoint(g, x, ans),
...) also get derivatives in those; they are written with NumPy and the helpers
themselves, so they can be differentiated again. The exceptions raise
S2SGradError (tests/test_runtime_rules.py lists them): third derivatives of
np.linalg.norm and np.linalg.svdvals (norm_curvature and svdvals_curvature in x).
`add_at` is a statement, which the engine differentiates itself.

Products (prod_others, cumprod_adjoint / cumprod_tangent, multi_dot_adjoint /
multi_dot_tangent) take any number of trailing tangents: each derivative appends
one, so they close under differentiation (up to JET_SLOTS tangents).
"""

import inspect

import numpy as np

from .. import runtime as rt_impl
from .table import RULES, Rule, _key, _signature, defjvp, deflinear, defnondiff, defvjp, nograd
from .elementwise import np_ns
from .forward_rules import cholesky_tangent, diff_ends, eigh_tangent, gaps, qr_tangent, svdvals_tangent, sym_, t_
from .numpy_rules import unsupported
from .sym import Sym, rt


def _total(terms):
    """The sum of the tangent terms that are there (None: none is, the tangent is zero)."""
    terms = [t for t in terms if t is not None]
    if not terms:
        return None
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def _defvjp_as(signature_of, prim, *vjps):
    """defvjp for a helper whose first VJP is `nograd`: the signature comes from `signature_of`."""
    RULES[_key(prim)] = (prim, Rule(tuple(vjps), _signature(signature_of)))


def _ones_like(g):
    return np.ones_like(g) if isinstance(g, Sym) else 1.0


# -- the core engine's helpers ---------------------------------------------------------
defnondiff(
    rt_impl.pad_mode,
    rt_impl.not_a_view,
    rt_impl.sole_item,
    rt_impl.holds_array,
    rt_impl.not_a_dict,
    rt_impl.zeros_like,
    rt_impl.grad_seed,
    rt_impl.reduce_count,
    rt_impl.shape_of,
    rt_impl.extremum_mask,
    rt_impl.spread_resolved,
)

# linear in the adjoint they carry; their other arguments give shapes only
deflinear(
    rt_impl.unbroadcast,
    rt_impl.sum_to,
    rt_impl.unreduce,
    rt_impl.owned,
    rt_impl.part,
    rt_impl.saved_part,
    rt_impl.scatter,
    rt_impl.broadcast_like,
    rt_impl.split_last,
    rt_impl.split_off_last,
    rt_impl.reduce_like,
    rt_impl.times_extremum_mask,
    args=(0,),
)
# bilinear: lhs(g, a, b) = g b^T depends on g and b (a gives its shape), rhs(g, a, b) = a^T g on g and a
deflinear(rt_impl.matmul_lhs, rt_impl.dot_lhs, args=(0, 2))
deflinear(rt_impl.matmul_rhs, rt_impl.dot_rhs, args=(0, 1))

defvjp(rt_impl.unbroadcast, lambda G, ans, g, x: rt.broadcast_like(G, g), nograd)
defvjp(rt_impl.sum_to, lambda G, ans, g, shape: rt.broadcast_like(G, g), nograd)
defvjp(rt_impl.broadcast_like, lambda G, ans, t, like: rt.unbroadcast(G, t), nograd)
defvjp(
    rt_impl.unreduce,
    lambda G, ans, g, x, axis=None, keepdims=False: rt.reduce_like(G, g, axis, keepdims),
    nograd,
    nograd,
    nograd,
)
defvjp(
    rt_impl.reduce_like,
    lambda H, ans, G, g, axis=None, keepdims=False: rt.unreduce(H, G, axis, keepdims),
    nograd,
    nograd,
    nograd,
)
defvjp(rt_impl.owned, lambda G, ans, g: G)
defvjp(
    rt_impl.times_extremum_mask,
    lambda G, out, g, x, ans, axis=None, keepdims=False: rt.reduce_like(
        G * rt.extremum_mask(x, ans, axis, keepdims), g, axis, keepdims
    ),
    nograd,
    nograd,
    nograd,
    nograd,
)


def _jointly_linear(helper):
    """The forward rule of a helper linear in its arguments jointly (a + b, not a * b): the
    helper on the tangents, zeros for an argument without one."""

    def jvp(tangents, ans, *args):
        tangents = list(tangents) + [None] * (len(args) - len(tangents))
        return helper(*[t if t is not None else rt.zeros_like(a) for t, a in zip(tangents, args)])

    return jvp


defjvp(rt_impl.add_values, _jointly_linear(rt.add_values))
defvjp(rt_impl.add_values, lambda G, ans, a, b: G, lambda G, ans, a, b: G)
defvjp(
    rt_impl.part, lambda G, ans, g, index, like: rt.scatter(rt.broadcast_like(G, g[index]), g, index), nograd, nograd
)
defvjp(rt_impl.saved_part, lambda G, ans, x, index: rt.scatter(G, x, index), nograd)
defvjp(rt_impl.scatter, lambda G, ans, g, x, index: G[index], nograd, nograd)
defvjp(rt_impl.split_last, lambda G, ans, g: rt.join_last(G[0], G[1]))
defvjp(rt_impl.split_off_last, lambda G, ans, g: rt.join_last(G[0], G[1]))
defjvp(rt_impl.join_last, _jointly_linear(rt.join_last))
defvjp(
    rt_impl.join_last, lambda G, ans, last, rest: rt.split_last(G)[0], lambda G, ans, last, rest: rt.split_last(G)[1]
)
# the transposes of the bilinear helpers
defvjp(
    rt_impl.matmul_lhs,
    lambda G, ans, g, a, b: rt.unbroadcast(np.matmul(G, b), g),
    nograd,
    lambda G, ans, g, a, b: rt.matmul_rhs(g, G, b),
)
defvjp(
    rt_impl.matmul_rhs,
    lambda G, ans, g, a, b: rt.unbroadcast(np.matmul(a, G), g),
    lambda G, ans, g, a, b: rt.matmul_lhs(g, a, G),
    nograd,
)
defvjp(rt_impl.dot_lhs, lambda G, ans, g, a, b: np.dot(G, b), nograd, lambda G, ans, g, a, b: rt.dot_rhs(g, G, b))
defvjp(rt_impl.dot_rhs, lambda G, ans, g, a, b: np.dot(a, G), lambda G, ans, g, a, b: rt.dot_lhs(g, a, G), nograd)


# -- products: helpers with trailing tangents ---------------------------------------------
JET_SLOTS = 4  # tangents a product helper takes: derivatives up to this order + 1


def _jet_rules(helper, lead, primal, adjoint=None, tangent=None):
    """Rules for helper(*lead, *tangents), linear in each tangent, smooth in lead[primal].

    `lead`: (name, default) of the leading parameters (default `inspect._empty` when
    required). An adjoint-type helper (`tangent` names its forward partner) takes an
    adjoint g first and is linear in it; a tangent-type helper (`adjoint` names its
    partner) computes a directional derivative. Differentiating either appends a
    tangent, and the transposes swap the two kinds, so the family closes."""
    names = [n for n, _ in lead]
    has_g = tangent is not None

    def split(args):
        args = list(args)
        values = args[: len(lead)] + [d for _, d in lead[len(args) :]]
        return values, [t for t in args[len(lead) :] if t is not None]

    def call(name, values, ts):
        if len(ts) > JET_SLOTS:
            raise unsupported(
                f"a derivative of order {len(ts) + 1} through {name}",
                hint=f"the product rules go up to order {JET_SLOTS + 1}",
            )
        return getattr(rt, name)(*values, *ts)

    def jvp(tangents, ans, *args):
        values, ts = split(args)
        tangents = list(tangents) + [None] * (len(lead) + len(ts) - len(tangents))
        terms = [call(helper, [tangents[0]] + values[1:], ts)] if has_g and tangents[0] is not None else []
        terms += [
            call(helper, values, ts[:k] + [tangents[len(lead) + k]] + ts[k + 1 :])
            for k in range(len(ts))
            if tangents[len(lead) + k] is not None
        ]
        if tangents[primal] is not None:
            terms.append(call(helper, values, ts + [tangents[primal]]))
        return _total(terms)

    def vjp_for(slot):
        def vjp(G, ans, *args):
            values, ts = split(args)
            if has_g and slot == 0:  # g -> the derivative in the direction G
                return call(tangent, values[1:], ts + [G])
            rest = ts if slot == primal else ts[: slot - len(lead)] + ts[slot - len(lead) + 1 :]
            if adjoint is not None:  # a tangent-type helper: its transpose
                return call(adjoint, [G] + values, rest)
            return call(helper, values, rest + [G])

        return vjp

    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [inspect.Parameter(n, kind) for n in ("G", "ans")]
    params += [inspect.Parameter(n, kind, default=d) for n, d in lead]
    params += [inspect.Parameter(f"t{k}", kind, default=None) for k in range(JET_SLOTS)]
    vjps = []
    for slot in range(len(lead) + JET_SLOTS):
        linear = slot == primal or slot >= len(lead) or (has_g and slot == 0)
        vjps.append(vjp_for(slot) if linear else nograd)
        if linear:
            vjps[-1].__signature__ = inspect.Signature(params)
    prim = getattr(rt_impl, helper)
    defvjp(prim, *vjps)
    defjvp(prim, jvp)
    return names


_REQUIRED = inspect.Parameter.empty
_jet_rules("prod_others", [("a", _REQUIRED), ("axis", None)], primal=0)
_jet_rules(
    "cumprod_adjoint",
    [("g", _REQUIRED), ("a", _REQUIRED), ("axis", None), ("include_initial", False)],
    primal=1,
    tangent="cumprod_tangent",
)
_jet_rules(
    "cumprod_tangent",
    [("a", _REQUIRED), ("axis", None), ("include_initial", False)],
    primal=0,
    adjoint="cumprod_adjoint",
)
_jet_rules("multi_dot_adjoint", [("g", _REQUIRED), ("arrays", _REQUIRED)], primal=1, tangent="multi_dot_tangent")
_jet_rules("multi_dot_tangent", [("arrays", _REQUIRED)], primal=0, adjoint="multi_dot_adjoint")


# -- the NumPy table's helpers: each linear one with its transpose -------------------------
defvjp(
    rt_impl.power_slope,
    lambda g, ans, x, y, n=1: rt.power_slope_dx(g, x, y, n),
    lambda g, ans, x, y, n=1: rt.power_slope_dy(g, x, y, n),
    None,
    elementwise=True,
    keeps_scalars=True,
)
defvjp(  # g * power_slope(x, y, n + 1), 0 where g is 0: linear in g
    rt_impl.power_slope_dx,
    lambda G, ans, g, x, y, n=1: rt.power_slope_dx(G, x, y, n),
    lambda G, ans, g, x, y, n=1: rt.power_slope_dx(G * g, x, y, n + 1),
    lambda G, ans, g, x, y, n=1: rt.power_slope_dy(G * g, x, y, n + 1),
    None,
    elementwise=True,
    keeps_scalars=True,
)
defvjp(
    rt_impl.divide_or_zero,
    lambda g, ans, a, b: rt.divide_or_zero(g, b),
    lambda g, ans, a, b: -rt.divide_or_zero(g * ans, b),
    elementwise=True,
    keeps_scalars=True,
)
# log(p) for p = softmax(x) (compiler/log_softmax.py): log-softmax's derivative in x; p, made
# from x, is read as a value (its own derivative is in the one in x)
defvjp(
    rt_impl.log_of_softmax,
    lambda g, ans, x, p, axis: g - p * np.sum(g, axis=axis, keepdims=True),
    nograd,
    nograd,
)
defjvp(
    rt_impl.log_of_softmax,
    lambda tangents, ans, x, p, axis: (
        None if tangents[0] is None else tangents[0] - np.sum(p * tangents[0], axis=axis, keepdims=True)
    ),
)
defvjp(
    rt_impl.sinc_slope, lambda g, ans, x, n=1: g * rt.sinc_slope(x, n + 1), None, elementwise=True, keeps_scalars=True
)

deflinear(
    rt_impl.unconcat,
    rt_impl.reconcat,
    rt_impl.unsplit,
    rt_impl.resplit,
    rt_impl.untile,
    rt_impl.unrepeat,
    rt_impl.unpad,
    rt_impl.untake,
    rt_impl.untake_along_axis,
    rt_impl.undiag,
    rt_impl.undiagonal,
    rt_impl.unrollaxis,
    rt_impl.unpermute,
    rt_impl.repermute,
    rt_impl.unique_adjoint,
    rt_impl.reunique,
    rt_impl.cumsum_adjoint,
    rt_impl.undiff,
    rt_impl.average_weights,
    rt_impl.average_weights_adjoint,
    rt_impl.interp_slope_fp,
    rt_impl.as_columns,
    rt_impl.from_columns,
    args=(0,),
)
defvjp(rt_impl.unconcat, lambda G, ans, g, arrays, axis=0: rt.reconcat(G, g, arrays, axis), nograd, nograd)
defvjp(rt_impl.reconcat, lambda G, ans, parts, g, arrays, axis=0: rt.unconcat(G, arrays, axis), nograd, nograd, nograd)
defvjp(
    rt_impl.unsplit,
    lambda G, ans, g, ary, indices_or_sections, axis=0: rt.resplit(G, ary, indices_or_sections, axis),
    nograd,
    nograd,
    nograd,
)
defvjp(
    rt_impl.resplit,
    lambda G, ans, t, ary, indices_or_sections, axis=0: rt.unsplit(G, ary, indices_or_sections, axis),
    nograd,
    nograd,
    nograd,
)
defvjp(rt_impl.untile, lambda G, ans, g, A, reps: np.tile(G, reps), nograd, nograd)
defvjp(rt_impl.unrepeat, lambda G, ans, g, a, repeats, axis=None: np.repeat(G, repeats, axis), nograd, nograd, nograd)


def _pad_mode(mode):
    if isinstance(mode, Sym):
        raise unsupported("np.pad with a mode computed at run time")
    return "constant" if mode in ("constant", "empty") else mode


defvjp(
    rt_impl.unpad,
    lambda G, ans, g, array, pad_width, mode="constant": np.pad(G, pad_width, mode=_pad_mode(mode)),
    nograd,
    nograd,
    nograd,
)
defvjp(
    rt_impl.untake,
    lambda G, ans, g, a, indices, axis=None, mode="raise": np.take(G, indices, axis, mode=mode),
    nograd,
    nograd,
    nograd,
    nograd,
)
defvjp(
    rt_impl.untake_along_axis,
    lambda G, ans, g, arr, indices, axis=-1: np.take_along_axis(G, indices, axis),
    nograd,
    nograd,
    nograd,
)
defvjp(rt_impl.undiag, lambda G, ans, g, v, k=0: np.diag(G, k), nograd, nograd)
defvjp(rt_impl.unrollaxis, lambda G, ans, g, a, axis, start=0: np.rollaxis(G, axis, start), nograd, nograd, nograd)
defvjp(
    rt_impl.undiagonal,
    lambda G, ans, g, a, offset=0, axis1=0, axis2=1: rt.unbroadcast(np.diagonal(G, offset, axis1, axis2), g),
    nograd,
    nograd,
    nograd,
    nograd,
)
# sort and unique: the order, and which elements are equal, are locally constant in a
defvjp(
    rt_impl.unpermute,
    lambda G, ans, g, a, sorted_, axis=-1: rt.unbroadcast(rt.repermute(G, a, sorted_, axis), g),
    nograd,
    nograd,
    nograd,
)
defvjp(
    rt_impl.repermute,
    lambda G, ans, t, a, sorted_, axis=-1: rt.unbroadcast(rt.unpermute(G, a, sorted_, axis), t),
    nograd,
    nograd,
    nograd,
)
defvjp(rt_impl.unique_adjoint, lambda G, ans, g, ar: rt.unbroadcast(rt.reunique(G, ar), g), nograd)
defvjp(rt_impl.reunique, lambda G, ans, t, ar: rt.unbroadcast(rt.unique_adjoint(G, ar), t), nograd)


def _cumsum_transpose(G, ans, g, a, axis=None, include_initial=False):
    if isinstance(include_initial, Sym):
        raise unsupported("np.cumulative_sum with include_initial computed at run time")
    if include_initial:
        return np.cumulative_sum(G, axis=axis, include_initial=True)
    return np.cumsum(G, axis)


defvjp(rt_impl.cumsum_adjoint, _cumsum_transpose, nograd, nograd, nograd)


# undiff is the transpose of a -> diff(a) with the prepended / appended values held at 0
defvjp(
    rt_impl.undiff,
    lambda G, ans, g, a, n=1, axis=-1, prepend=None, append=None: np.diff(G, n, axis, **diff_ends(prepend, append)),
    nograd,
    nograd,
    nograd,
    nograd,
    nograd,
)

# trapezoid_y(g, y, x, dx) is linear in g and in the steps (x, or dx when x is None);
# trapezoid_x(g, y, x) is linear in g and y, and reads x for its shape
deflinear(rt_impl.trapezoid_y, args=(0, 2, 3))
deflinear(rt_impl.trapezoid_x, args=(0, 1))
defvjp(
    rt_impl.trapezoid_y,
    lambda G, ans, g, y, x=None, dx=1.0, axis=-1: rt.unbroadcast(np.trapezoid(G, x, dx, axis), g),
    nograd,
    lambda G, ans, g, y, x=None, dx=1.0, axis=-1: rt.trapezoid_x(g, G, x, axis),
    lambda G, ans, g, y, x=None, dx=1.0, axis=-1: (
        np.sum(G * rt.trapezoid_y(g, y, None, 1.0, axis)) if x is None else rt.zeros_like(dx)
    ),
    nograd,
)
defvjp(
    rt_impl.trapezoid_x,
    lambda G, ans, g, y, x, axis=-1: rt.unbroadcast(np.trapezoid(y, G, axis=axis), g),
    lambda G, ans, g, y, x, axis=-1: rt.trapezoid_y(g, y, G, 1.0, axis),
    nograd,
    nograd,
)

defvjp(
    rt_impl.average_weights,
    lambda G, ans, weights, a, axis=None: rt.average_weights_adjoint(G, weights, axis),
    nograd,
    nograd,
)
defvjp(
    rt_impl.average_weights_adjoint,
    lambda G, ans, gw, weights, axis=None: rt.average_weights(G, gw, axis),
    nograd,
    nograd,
)


# interp: interp_fp(g, x, ...) is linear in g and piecewise linear in x; interp_slope is
# linear in fp and piecewise constant in x. The knots xp have no derivative (as in np.interp).
def _zero_outside(bound):
    return None if bound is None else 0.0


def _no_xp(*args, **kwargs):
    raise unsupported("the derivative of np.interp with respect to xp")


def _interp_fp_jvp(tangents, ans, g, x, xp, fp, left=None, right=None):
    tg, tx = tangents[0], tangents[1] if len(tangents) > 1 else None
    if len(tangents) > 2 and tangents[2] is not None:
        _no_xp()
    return _total(
        [
            rt.interp_fp(tg, x, xp, fp, left, right) if tg is not None else None,
            rt.interp_slope_fp(g * tx, x, xp, fp, left, right) if tx is not None else None,
        ]
    )


defjvp(rt_impl.interp_fp, _interp_fp_jvp)
defvjp(
    rt_impl.interp_fp,
    lambda G, ans, g, x, xp, fp, left=None, right=None: rt.unbroadcast(
        np.interp(x, xp, G, left=_zero_outside(left), right=_zero_outside(right)), g
    ),
    lambda G, ans, g, x, xp, fp, left=None, right=None: g * rt.interp_slope(x, xp, G, left, right),
    _no_xp,
    nograd,
    nograd,
    nograd,
)
deflinear(rt_impl.interp_slope, args=(2,))


def _interp_slope_fp(G, ans, x, xp, fp, left=None, right=None):
    return rt.interp_slope_fp(G, x, xp, fp, left, right)


_defvjp_as(_interp_slope_fp, rt_impl.interp_slope, nograd, _no_xp, _interp_slope_fp, nograd, nograd)
defvjp(
    rt_impl.interp_slope_fp,
    lambda G, ans, g, x, xp, fp, left=None, right=None: rt.interp_slope(x, xp, G, left, right),
    nograd,
    _no_xp,
    nograd,
    nograd,
    nograd,
)

# -- products of two arrays: bilinear, each transposes into the other ---------------------
deflinear(
    rt_impl.inner_lhs,
    rt_impl.tensordot_lhs,
    rt_impl.kron_lhs,
    rt_impl.convolve_adjoint,
    rt_impl.correlate_lhs,
    args=(0, 2),
)
deflinear(rt_impl.inner_rhs, rt_impl.tensordot_rhs, rt_impl.kron_rhs, rt_impl.correlate_rhs, args=(0, 1))
defvjp(
    rt_impl.inner_lhs,
    lambda G, ans, g, a, b: rt.unbroadcast(np.inner(G, b), g),
    nograd,
    lambda G, ans, g, a, b: rt.inner_rhs(g, G, b),
)
defvjp(
    rt_impl.inner_rhs,
    lambda G, ans, g, a, b: rt.unbroadcast(np.inner(a, G), g),
    lambda G, ans, g, a, b: rt.inner_lhs(g, a, G),
    nograd,
)
defvjp(
    rt_impl.tensordot_lhs,
    lambda G, ans, g, a, b, axes=2: np.tensordot(G, b, axes),
    nograd,
    lambda G, ans, g, a, b, axes=2: rt.tensordot_rhs(g, G, b, axes),
    nograd,
)
defvjp(
    rt_impl.tensordot_rhs,
    lambda G, ans, g, a, b, axes=2: np.tensordot(a, G, axes),
    lambda G, ans, g, a, b, axes=2: rt.tensordot_lhs(g, a, G, axes),
    nograd,
    nograd,
)
defvjp(rt_impl.kron_lhs, lambda G, ans, g, a, b: np.kron(G, b), nograd, lambda G, ans, g, a, b: rt.kron_rhs(g, G, b))
defvjp(rt_impl.kron_rhs, lambda G, ans, g, a, b: np.kron(a, G), lambda G, ans, g, a, b: rt.kron_lhs(g, a, G), nograd)
# convolve_adjoint(g, a, v) is the adjoint of a in np.convolve(a, v) (and of v with a, v swapped)
defvjp(
    rt_impl.convolve_adjoint,
    lambda G, ans, g, a, v, mode="full": np.convolve(G, v, mode),
    nograd,
    lambda G, ans, g, a, v, mode="full": rt.convolve_adjoint(g, v, G, mode),
    nograd,
)
defvjp(
    rt_impl.correlate_lhs,
    lambda G, ans, g, a, v, mode="valid": np.correlate(G, v, mode),
    nograd,
    lambda G, ans, g, a, v, mode="valid": rt.correlate_rhs(g, G, v, mode),
    nograd,
)
defvjp(
    rt_impl.correlate_rhs,
    lambda G, ans, g, a, v, mode="valid": np.correlate(a, G, mode),
    lambda G, ans, g, a, v, mode="valid": rt.correlate_lhs(g, a, G, mode),
    nograd,
    nograd,
)


# einsum_adjoint(g, k, subscripts, *operands): linear in g and in every operand but the k-th,
# which it reads for its shape
def _einsum_k(k):
    if isinstance(k, Sym):
        raise unsupported("einsum_adjoint with an operand number computed at run time")
    return k


def _einsum_jvp(tangents, ans, g, k, subscripts, *operands):
    k = _einsum_k(k)
    tangents = list(tangents) + [None] * (3 + len(operands) - len(tangents))
    terms = [rt.einsum_adjoint(tangents[0], k, subscripts, *operands) if tangents[0] is not None else None]
    for j, t in enumerate(tangents[3:]):
        if t is not None and j != k:
            terms.append(rt.einsum_adjoint(g, k, subscripts, *operands[:j], t, *operands[j + 1 :]))
    return _total(terms) if any(t is not None for t in terms) else rt.zeros_like(ans)


def _einsum_vjps():
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    slots = 8
    params = [inspect.Parameter(n, kind) for n in ("G", "ans", "g", "k", "subscripts")]
    params += [inspect.Parameter(f"operand{j}", kind, default=None) for j in range(slots)]

    def of_g(G, ans, g, k, subscripts, *operands):
        k = _einsum_k(k)
        operands = [o for o in operands if o is not None]
        return np.einsum(subscripts, *operands[:k], G, *operands[k + 1 :])

    def of_operand(j):
        def vjp(G, ans, g, k, subscripts, *operands):
            k = _einsum_k(k)
            operands = [o for o in operands if o is not None]
            if j == k:  # read for its shape only
                return rt.zeros_like(operands[k])
            return rt.einsum_adjoint(g, j, subscripts, *operands[:k], G, *operands[k + 1 :])

        return vjp

    vjps = [of_g, nograd, nograd] + [of_operand(j) for j in range(slots)]
    for v in vjps:
        if v is not nograd:
            v.__signature__ = inspect.Signature(params)
    return vjps


defvjp(rt_impl.einsum_adjoint, *_einsum_vjps())
defjvp(rt_impl.einsum_adjoint, _einsum_jvp)

# -- linear algebra -------------------------------------------------------------------------
# solve_rhs(g, a, b) = a^-T g and solve_lhs(g, a, b, x) = -(a^-T g) x^T (summed to a's shape),
# with b's 1-d-ness telling vectors from matrices (as_columns makes every right side a matrix)


def _solved(g, a, b):
    return np.linalg.solve(t_(a), rt.as_columns(g, b))


def _solve_rhs_jvp(tangents, ans, g, a, b):
    tg, ta = tangents[0], tangents[1] if len(tangents) > 1 else None
    return _total(
        [
            rt.solve_rhs(tg, a, b) if tg is not None else None,
            rt.unbroadcast(rt.from_columns(-np.linalg.solve(t_(a), t_(ta) @ _solved(g, a, b)), b), b)
            if ta is not None
            else None,
        ]
    )


def _solve_lhs_jvp(tangents, ans, g, a, b, x):
    tangents = list(tangents) + [None] * (4 - len(tangents))
    tg, ta, tx = tangents[0], tangents[1], tangents[3]
    return _total(
        [
            rt.solve_lhs(tg, a, b, x) if tg is not None else None,
            rt.solve_lhs(g, a, b, tx) if tx is not None else None,
            rt.unbroadcast(np.linalg.solve(t_(a), t_(ta) @ _solved(g, a, b)) @ t_(rt.as_columns(x, b)), a)
            if ta is not None
            else None,
        ]
    )


defjvp(rt_impl.solve_rhs, _solve_rhs_jvp)
defvjp(
    rt_impl.solve_rhs,
    lambda G, ans, g, a, b: rt.unbroadcast(np.linalg.solve(a, G), g),
    lambda G, ans, g, a, b: rt.solve_lhs(g, a, b, np.linalg.solve(a, G)),
    nograd,
)
defjvp(rt_impl.solve_lhs, _solve_lhs_jvp)
defvjp(
    rt_impl.solve_lhs,
    lambda G, ans, g, a, b, x: rt.unbroadcast(rt.from_columns(-np.linalg.solve(a, G @ rt.as_columns(x, b)), b), g),
    lambda G, ans, g, a, b, x: rt.unbroadcast(_solved(g, a, b) @ t_(np.linalg.solve(a, G @ rt.as_columns(x, b))), a),
    nograd,
    lambda G, ans, g, a, b, x: rt.unbroadcast(rt.from_columns(-(t_(G) @ _solved(g, a, b)), b), x),
)
defvjp(rt_impl.as_columns, lambda G, ans, v, b: rt.from_columns(G, b), nograd)
defvjp(rt_impl.from_columns, lambda G, ans, m, b: rt.as_columns(G, b), nograd)


# matrix_power_adjoint(g, a, n) = sum_i (a^T)^i g (a^T)^(n-1-i) is linear in g. Its derivative in
# a along t is the sum of the diagonal blocks of the same helper on block matrices:
# matrix_power_adjoint([[0, g], [0, 0]], [[a, t], [0, a]], n) (a symmetric map: its own transpose).
def _blocks(top_left, top_right, bottom_left, bottom_right):
    return np.concatenate(
        [np.concatenate([top_left, top_right], axis=-1), np.concatenate([bottom_left, bottom_right], axis=-1)], axis=-2
    )


def _matrix_power_second(g, a, t, n):
    zero = rt.zeros_like(a)
    out = rt.matrix_power_adjoint(_blocks(zero, g, zero, zero), _blocks(a, t, zero, a), n)
    k = np.shape(a)[-1]
    return out[..., :k, :k] + out[..., k:, k:]


defjvp(
    rt_impl.matrix_power_adjoint,
    lambda tangents, ans, g, a, n: _total(
        [
            rt.matrix_power_adjoint(tangents[0], a, n) if tangents[0] is not None else None,
            _matrix_power_second(g, a, tangents[1], n) if len(tangents) > 1 and tangents[1] is not None else None,
        ]
    ),
)
defvjp(
    rt_impl.matrix_power_adjoint,
    lambda G, ans, g, a, n: rt.matrix_power_adjoint(G, t_(a), n),
    lambda G, ans, g, a, n: _matrix_power_second(g, a, G, n),
    nograd,
)


# norm_adjoint(g, x, ans) = g w(x, ans): linear in g; its x-derivative is norm_curvature (a
# diagonal map); w is proportional to ans^(1-p), so its ans-derivative is norm_ans_factor / ans.
def _norm_axes(axis, kind):
    return (-2, -1) if kind == "matrix" and axis is None else axis


def _norm_weights_dot(G, g, x, ans, ord, axis, keepdims, kind):
    """sum over the reduced axes of G * w: the transpose of g -> norm_adjoint(g, ...)."""
    weights = rt.norm_adjoint(_ones_like(g), x, ans, ord, axis, keepdims, kind)
    return rt.reduce_like(G * weights, g, _norm_axes(axis, kind), keepdims)


def _norm_adjoint_jvp(tangents, ans, g, x, r, ord=None, axis=None, keepdims=False, kind=None):
    tangents = list(tangents) + [None] * (3 - len(tangents))
    tg, tx, tr = tangents[:3]
    return _total(
        [
            rt.norm_adjoint(tg, x, r, ord, axis, keepdims, kind) if tg is not None else None,
            rt.norm_curvature(g, x, r, tx, ord, axis, keepdims, kind) if tx is not None else None,
            rt.norm_adjoint(
                g * rt.norm_ans_factor(x, ord, axis, kind) * rt.divide_or_zero(tr, r), x, r, ord, axis, keepdims, kind
            )
            if tr is not None
            else None,
        ]
    )


defjvp(rt_impl.norm_adjoint, _norm_adjoint_jvp)
defvjp(
    rt_impl.norm_adjoint,
    lambda G, ans, g, x, r, ord=None, axis=None, keepdims=False, kind=None: _norm_weights_dot(
        G, g, x, r, ord, axis, keepdims, kind
    ),
    lambda G, ans, g, x, r, ord=None, axis=None, keepdims=False, kind=None: rt.norm_curvature(
        g, x, r, G, ord, axis, keepdims, kind
    ),
    lambda G, ans, g, x, r, ord=None, axis=None, keepdims=False, kind=None: (
        rt.norm_ans_factor(x, ord, axis, kind)
        * rt.divide_or_zero(g, r)  # (the adjoint at a zero norm is 0: so is its derivative)
        * _norm_weights_dot(G, g, x, r, ord, axis, keepdims, kind)
    ),
    nograd,
    nograd,
    nograd,
    nograd,
)
defnondiff(rt_impl.norm_ans_factor)


def _third_norm(*args, **kwargs):
    raise unsupported("a third derivative of np.linalg.norm")


def _norm_curvature_jvp(tangents, ans, g, x, r, t, ord=None, axis=None, keepdims=False, kind=None):
    tangents = list(tangents) + [None] * (4 - len(tangents))
    if tangents[1] is not None or tangents[2] is not None:
        _third_norm()
    return _total(
        [
            rt.norm_curvature(tangents[0], x, r, t, ord, axis, keepdims, kind) if tangents[0] is not None else None,
            rt.norm_curvature(g, x, r, tangents[3], ord, axis, keepdims, kind) if tangents[3] is not None else None,
        ]
    )


defjvp(rt_impl.norm_curvature, _norm_curvature_jvp)
defvjp(
    rt_impl.norm_curvature,
    lambda G, ans, g, x, r, t, ord=None, axis=None, keepdims=False, kind=None: rt.reduce_like(
        G * rt.norm_curvature(_ones_like(g), x, r, t, ord, axis, keepdims, kind), g, _norm_axes(axis, kind), keepdims
    ),
    _third_norm,
    _third_norm,
    lambda G, ans, g, x, r, t, ord=None, axis=None, keepdims=False, kind=None: rt.norm_curvature(
        g, x, r, G, ord, axis, keepdims, kind
    ),
    nograd,
    nograd,
    nograd,
    nograd,
)


# cholesky_adjoint(g, L) = sym(L^-T Phi(L^T g) L^-1). Along t in L its derivative is
# cholesky_adjoint(L^-T t^T g, L) - 2 sym(L^-T t^T ans); its transpose in g is the
# forward derivative of cholesky (cholesky_tangent).
def _cholesky_second(g, L, t, ans):
    return rt.cholesky_adjoint(np.linalg.solve(t_(L), t_(t) @ g), L) - 2 * sym_(np.linalg.solve(t_(L), t_(t) @ ans))


def _cholesky_second_transpose(G, g, L, ans):
    k = cholesky_tangent(G, L)
    return t_(np.linalg.solve(L, k @ t_(g))) - 2 * t_(np.linalg.solve(L, sym_(G) @ ans))


defjvp(
    rt_impl.cholesky_adjoint,
    lambda tangents, ans, g, L: _total(
        [
            rt.cholesky_adjoint(tangents[0], L) if tangents[0] is not None else None,
            _cholesky_second(g, L, tangents[1], ans) if len(tangents) > 1 and tangents[1] is not None else None,
        ]
    ),
)
defvjp(
    rt_impl.cholesky_adjoint,
    lambda G, ans, g, L: cholesky_tangent(G, L),
    lambda G, ans, g, L: _cholesky_second_transpose(G, g, L, ans),
)


# eigh_adjoint((gw, gv), w, v) = sym(V M V^T) with M = diag(gw) + F * (V^T gv),
# F[i, j] = 1 / (w[j] - w[i]) off the diagonal
def _eigh_parts(g, w, v):
    gw, gv = rt.broadcast_like(g[0], w), rt.broadcast_like(g[1], v)
    f = gaps(w)
    m = gw[..., :, None] * np_ns.eye(np.shape(w)[-1]) + f * (t_(v) @ gv)
    return gw, gv, f, m


def _eigh_adjoint_jvp(tangents, ans, g, w, v):
    tangents = list(tangents) + [None] * (3 - len(tangents))
    tg, tw, tv = tangents
    terms = [rt.eigh_adjoint(tg, w, v) if tg is not None else None]
    if tw is not None or tv is not None:
        gw, gv, f, m = _eigh_parts(g, w, v)
        dm = []
        if tw is not None:
            dm.append(-f * f * (tw[..., None, :] - tw[..., :, None]) * (t_(v) @ gv))
        if tv is not None:
            dm.append(f * (t_(tv) @ gv))
            terms.append(sym_(tv @ (m + t_(m)) @ t_(v)))
        terms.append(sym_(v @ _total(dm) @ t_(v)))
    return _total(terms)


def _eigh_adjoint_w(G, ans, g, w, v):
    gw, gv, f, m = _eigh_parts(g, w, v)
    h = (t_(v) @ sym_(G) @ v) * (t_(v) @ gv) * f * f
    return np.sum(h, axis=-1) - np.sum(h, axis=-2)


def _eigh_adjoint_v(G, ans, g, w, v):
    gw, gv, f, m = _eigh_parts(g, w, v)
    s = sym_(G)
    return s @ v @ (m + t_(m)) + gv @ t_(f * (t_(v) @ s @ v))


defjvp(rt_impl.eigh_adjoint, _eigh_adjoint_jvp)
defvjp(rt_impl.eigh_adjoint, lambda G, ans, g, w, v: eigh_tangent(G, w, v), _eigh_adjoint_w, _eigh_adjoint_v)


# qr_adjoint((gq, gr), q, r) = B r^-T with B = gq + q C(M), M = r gr^T - gq^T q and
# C(M) = tril(M) + tril(M, -1)^T; its transpose in g is the forward derivative of qr
def _copyltu(m):
    return np.tril(m) + t_(np.tril(m, -1))


def _right_solve(x, r):
    """x r^-T."""
    return t_(np.linalg.solve(r, t_(x)))


def _qr_parts(g, q, r):
    gq, gr = rt.broadcast_like(g[0], q), rt.broadcast_like(g[1], r)
    return gq, gr, r @ t_(gr) - t_(gq) @ q


def _qr_adjoint_jvp(tangents, ans, g, q, r):
    tangents = list(tangents) + [None] * (3 - len(tangents))
    tg, tq, tr = tangents
    terms = [rt.qr_adjoint(tg, q, r) if tg is not None else None]
    if tq is not None or tr is not None:
        gq, gr, m = _qr_parts(g, q, r)
        dm = _total([tr @ t_(gr) if tr is not None else None, -(t_(gq) @ tq) if tq is not None else None])
        db = _total(
            [
                tq @ _copyltu(m) if tq is not None else None,
                q @ _copyltu(dm),
                -(ans @ t_(tr)) if tr is not None else None,
            ]
        )
        terms.append(_right_solve(db, r))
    return _total(terms)


def _qr_adjoint_q(G, ans, g, q, r):
    gq, gr, m = _qr_parts(g, q, r)
    p = _right_solve(G, t_(r))  # G r^-1
    z = t_(q) @ p
    return p @ t_(_copyltu(m)) - gq @ (np.tril(z) + np.tril(t_(z), -1))


def _qr_adjoint_r(G, ans, g, q, r):
    gq, gr, m = _qr_parts(g, q, r)
    p = _right_solve(G, t_(r))
    z = t_(q) @ p
    return -(t_(p) @ ans) + (np.tril(z) + np.tril(t_(z), -1)) @ gr


defjvp(rt_impl.qr_adjoint, _qr_adjoint_jvp)
defvjp(rt_impl.qr_adjoint, lambda G, ans, g, q, r: qr_tangent(G, q, r), _qr_adjoint_q, _qr_adjoint_r)


# svdvals_adjoint(g, x) = U diag(g) V^T: linear in g; its derivative in x is svdvals_curvature, the
# Hessian of <g, svdvals(x)> (symmetric, so also its transpose), linear in g and t. Third
# derivatives (of svdvals_curvature in x, and its transpose in g) have no rule.
def _third_svd(*args, **kwargs):
    raise unsupported("a third derivative of np.linalg.svdvals (or of a matrix 2-norm or nuclear norm)")


def _svdvals_adjoint_jvp(tangents, ans, g, x):
    tx = tangents[1] if len(tangents) > 1 else None
    return _total(
        [
            rt.svdvals_adjoint(tangents[0], x) if tangents[0] is not None else None,
            rt.svdvals_curvature(g, x, tx) if tx is not None else None,
        ]
    )


def _svdvals_curvature_jvp(tangents, ans, g, x, t):
    tangents = list(tangents) + [None] * (3 - len(tangents))
    if tangents[1] is not None:
        _third_svd()
    return _total(
        [
            rt.svdvals_curvature(tangents[0], x, t) if tangents[0] is not None else None,
            rt.svdvals_curvature(g, x, tangents[2]) if tangents[2] is not None else None,
        ]
    )


defjvp(rt_impl.svdvals_adjoint, _svdvals_adjoint_jvp)
defvjp(
    rt_impl.svdvals_adjoint,
    lambda G, ans, g, x: svdvals_tangent(G, x),
    lambda G, ans, g, x: rt.svdvals_curvature(g, x, G),
)
defjvp(rt_impl.svdvals_curvature, _svdvals_curvature_jvp)


def _svdvals_curvature_t(G, ans, g, x, t):
    return rt.svdvals_curvature(g, x, G)


_defvjp_as(_svdvals_curvature_t, rt_impl.svdvals_curvature, _third_svd, _third_svd, _svdvals_curvature_t)

# -- the SciPy rules' bookkeeping (runtime/scipy_adjoints.py) ---------------------------------
defnondiff(rt_impl.diagonal_offsets, rt_impl.block_diag_index, rt_impl.pivot_permutation)
defvjp(rt_impl.square_matrix, lambda g, ans, x: g)
defvjp(rt_impl.pair_adjoint, lambda g, ans, x: g[0])
deflinear(rt_impl.square_matrix, rt_impl.pair_adjoint)


# -- lists and tuples joined and repeated (core.seq_*): linear in the sequences ---------------
defvjp(
    rt_impl.seq_concat,
    lambda g, ans, a, b: rt.seq_slice(g, a, 0),
    lambda g, ans, a, b: rt.seq_slice(g, b, a),
)
defjvp(
    rt_impl.seq_concat,
    lambda tangents, ans, a, b: rt.seq_concat(
        tangents[0] if tangents[0] is not None else rt.zeros_like(a),
        tangents[1] if tangents[1] is not None else rt.zeros_like(b),
    ),
)
defvjp(rt_impl.seq_repeat, lambda g, ans, a, n: rt.seq_unrepeat(g, a), nograd)
defvjp(rt_impl.seq_repeat_r, nograd, lambda g, ans, n, a: rt.seq_unrepeat(g, a))
deflinear(rt_impl.seq_repeat, args=[0])
deflinear(rt_impl.seq_repeat_r, args=[1])
defvjp(rt_impl.seq_slice, lambda G, ans, g, like, start=0: rt.seq_embed(G, g, start), nograd, nograd)
defvjp(rt_impl.seq_embed, lambda H, ans, G, like, start=0: rt.seq_slice(H, G, start), nograd, nograd)
defvjp(rt_impl.seq_unrepeat, lambda G, ans, g, like: rt.seq_tile(G, g), nograd)
defvjp(rt_impl.seq_tile, lambda H, ans, G, like: rt.seq_unrepeat(H, G), nograd)
deflinear(rt_impl.seq_slice, rt_impl.seq_embed, rt_impl.seq_unrepeat, rt_impl.seq_tile, args=[0])
