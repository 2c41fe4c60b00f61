"""Rules for linear algebra and 1-d signals: products (vdot, inner, outer,
einsum, tensordot, kron, cross, vecdot), np.linalg (solve, inv, det, slogdet,
norm, cholesky, eigh, qr, ...) and convolve / correlate. Most rules call one
adjoint helper in runtime.py.

Conventions: the `family` notes below (docs/supported.md shows them).
"""

import numpy as np

from .. import runtime
from .table import ALWAYS_SCALAR, FULL_WITH_ORDER, REDUCTIONS, _key, defvjp, family
from .elementwise import np_ns
from .numpy_rules import as_sym, unsupported
from .sym import Sym, rt

linalg = np.linalg
family(
    "Linear algebra",
    module=__name__,
    notes=[
        "Inputs are real: nothing is conjugated (vdot, vecdot, correlate).",
        "cholesky, eigh, eigvalsh read one triangle of a symmetric input; the adjoint is the symmetric "
        "matrix that gives the derivative along symmetric perturbations (as autograd and JAX do).",
        "eigh, eigvalsh, svdvals and the matrix 2-norm and nuclear norm assume distinct eigenvalues / "
        "singular values (the adjoint divides by their gaps).",
        "qr: the reduced factorisation of a matrix with at least as many rows as columns.",
        "norm: the 2-norm and the Frobenius norm have adjoint 0 at 0; ties of the inf-norms and of the "
        "matrix 1- and inf-norms split the adjoint equally; ord=0 (a count) has no rule.",
        "Tuple results (slogdet, eigh, qr): output i's adjoint is read as g[i].",
    ],
)


def _t(x):
    return np.swapaxes(x, -1, -2)


# -- products -----------------------------------------------------------------------
defvjp(
    np.vdot, lambda g, ans, a, b: g * np.reshape(b, np.shape(a)), lambda g, ans, a, b: g * np.reshape(a, np.shape(b))
)
defvjp(np.inner, lambda g, ans, a, b: rt.inner_lhs(g, a, b), lambda g, ans, a, b: rt.inner_rhs(g, a, b))
defvjp(
    np.outer,
    lambda g, ans, a, b, out=None: np.reshape(g @ np.ravel(b), np.shape(a)),
    lambda g, ans, a, b, out=None: np.reshape(np.ravel(a) @ g, np.shape(b)),
)
defvjp(
    np.tensordot,
    lambda g, ans, a, b, axes=2: rt.tensordot_lhs(g, a, b, axes),
    lambda g, ans, a, b, axes=2: rt.tensordot_rhs(g, a, b, axes),
)
defvjp(np.kron, lambda g, ans, a, b: rt.kron_lhs(g, a, b), lambda g, ans, a, b: rt.kron_rhs(g, a, b))
defvjp(linalg.multi_dot, lambda g, ans, arrays, out=None: rt.multi_dot_adjoint(g, arrays))


def _vector_last(x, axis):
    """x with its vector axis last (as np.cross reads it)."""
    return x if axis == -1 else np.moveaxis(x, axis, -1)


def _cross_vjp(first):
    """a x b: <g, a x b> = <a, b x g> = <b, g x a>, summed over broadcast vectors, each
    vector axis (axisa, axisb, axisc, or axis for all three) moved last and back."""

    def vjp(g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
        if axis is not None:
            axisa = axisb = axisc = axis
        a_, b_, g_ = _vector_last(a, axisa), _vector_last(b, axisb), _vector_last(g, axisc)
        if first:
            return _vector_last(rt.unbroadcast(np.cross(b_, g_), a_), axisa)
        return _vector_last(rt.unbroadcast(np.cross(g_, a_), b_), axisb)

    return vjp


# (Not marked element-wise: that promises a VJP of the form g * d, which forward mode relies on.)
defvjp(np.cross, _cross_vjp(True), _cross_vjp(False))

# -- einsum: operand k's adjoint is an einsum of g with the other operands ---------------
MAX_EINSUM_OPERANDS = 8


def _einsum_sublists(*args, **kwargs):
    raise unsupported(
        "np.einsum with subscripts or sublists computed at run time",
        hint="write the subscripts as a string literal: np.einsum('ij,jk->ik', a, b)",
    )


def _labels(sublist):
    """An einsum sublist ([0, 1], [Ellipsis, 0]) as subscript letters ('ab', '...a')."""
    if not isinstance(sublist, (list, tuple)) or not all(isinstance(i, int) or i is Ellipsis for i in sublist):
        _einsum_sublists()
    return "".join(
        "..." if i is Ellipsis else "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[i] for i in sublist
    )


def _as_subscripts(args):
    """np.einsum's arguments as (subscripts, operands, slot -> operand index): the sublist
    form np.einsum(a, [0, 1], b, [1, 2], [0, 2]) becomes ('ab,bc->ac', (a, b))."""
    args = [a for a in args if a is not None]
    if isinstance(args[0], str):
        return args[0], tuple(args[1:]), lambda slot: slot - 1
    if isinstance(args[0], Sym) and len(args) == 1:
        _einsum_sublists()
    pairs = len(args) // 2
    spec = ",".join(_labels(s) for s in args[1 : 2 * pairs : 2])
    if len(args) % 2:
        spec += "->" + _labels(args[-1])
    return spec, tuple(args[0 : 2 * pairs : 2]), lambda slot: slot // 2


def _einsum_vjp(slot):
    def vjp(g, ans, *args, **kwargs):
        subscripts, operands, operand_of = _as_subscripts(args)
        return _einsum_operand_vjp(g, subscripts, operands, operand_of(slot))

    return vjp


def _einsum_operand_vjp(g, subscripts, operands, k):
    if "..." in subscripts:  # the ellipsis' length is known at run time only
        return rt.einsum_adjoint(g, k, subscripts, *operands)
    inputs, output = runtime.einsum_parse(subscripts)
    if len(inputs) != len(operands):
        raise unsupported(f"np.einsum('{subscripts}') with {len(operands)} operands")
    spec, extras = runtime.einsum_transpose(inputs, output, k)
    dims = [np.shape(operands[k])[p] for _, p in extras]
    made = [np_ns.eye(n) if kind == "eye" else np_ns.ones(n) for (kind, _), n in zip(extras, dims)]
    others = operands[:k] + operands[k + 1 :]
    return rt.unbroadcast(np_ns.einsum(spec, g, *others, *made), operands[k])


def _einsum_rules():
    """A VJP per slot: 'subscripts' (an operand in the sublist form), then the operands (or,
    in the sublist form, operands and sublists in turn)."""
    import inspect

    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [inspect.Parameter(n, kind) for n in ("g", "ans", "subscripts")]
    params += [inspect.Parameter(f"operand{k}", kind, default=None) for k in range(MAX_EINSUM_OPERANDS)]
    params.append(inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))

    first = _einsum_vjp(0)
    first.__signature__ = inspect.Signature(params)  # the rule's signature: one slot per operand
    return [first] + [_einsum_vjp(slot) for slot in range(1, MAX_EINSUM_OPERANDS + 1)]


defvjp(np.einsum, *_einsum_rules())

# -- np.linalg -------------------------------------------------------------------------
defvjp(linalg.solve, lambda g, ans, a, b: rt.solve_lhs(g, a, b, ans), lambda g, ans, a, b: rt.solve_rhs(g, a, b))
defvjp(linalg.inv, lambda g, ans, a: -(_t(ans) @ g @ _t(ans)))
defvjp(linalg.det, lambda g, ans, a: np.expand_dims(as_sym(g * ans), (-2, -1)) * _t(linalg.inv(a)))
defvjp(linalg.slogdet, lambda g, ans, a: np.expand_dims(as_sym(g[1]), (-2, -1)) * _t(linalg.inv(a)))
defvjp(linalg.matrix_power, lambda g, ans, a, n: rt.matrix_power_adjoint(g, a, n))
defvjp(
    linalg.cholesky,
    lambda g, ans, a, upper=False: rt.cholesky_adjoint(_t(g), _t(ans)) if upper else rt.cholesky_adjoint(g, ans),
)
defvjp(linalg.eigh, lambda g, ans, a, UPLO="L": rt.eigh_adjoint(g, ans[0], ans[1]))
defvjp(linalg.eigvalsh, lambda g, ans, a, UPLO="L": rt.eigh_adjoint((g, 0.0), ans, linalg.eigh(a, UPLO)[1]))


def _qr(g, ans, a, mode="reduced"):
    if mode != "reduced":
        raise unsupported(f"np.linalg.qr with mode={mode!r}", hint="use the default mode='reduced'")
    return rt.qr_adjoint(g, ans[0], ans[1])


defvjp(linalg.qr, _qr)

_NORM_ORDS = (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)


def _norm_ord(ord):
    if isinstance(ord, Sym):
        return ord
    if isinstance(ord, str) and ord not in _NORM_ORDS or ord == 0:
        raise unsupported(f"np.linalg.norm with ord={ord!r}")
    return ord


defvjp(
    linalg.norm,
    lambda g, ans, x, ord=None, axis=None, keepdims=False: rt.norm_adjoint(g, x, ans, _norm_ord(ord), axis, keepdims),
)

family("Calculus, signals and polynomials", np.convolve, np.correlate)
ALWAYS_SCALAR.add(_key(np.vdot))
REDUCTIONS.add(_key(linalg.norm))
FULL_WITH_ORDER.add(_key(linalg.norm))


# -- 1-d signals -------------------------------------------------------------------------
defvjp(
    np.convolve,
    lambda g, ans, a, v, mode="full": rt.convolve_adjoint(g, a, v, mode),
    lambda g, ans, a, v, mode="full": rt.convolve_adjoint(g, v, a, mode),
)
defvjp(
    np.correlate,
    lambda g, ans, a, v, mode="valid": rt.correlate_lhs(g, a, v, mode),
    lambda g, ans, a, v, mode="valid": rt.correlate_rhs(g, a, v, mode),
)

# -- NumPy 2's array-API spellings, and what came with them ------------------------------
if hasattr(linalg, "vector_norm"):
    defvjp(linalg.outer, lambda g, ans, x1, x2: g @ x2, lambda g, ans, x1, x2: x1 @ g)
    defvjp(
        linalg.tensordot,
        lambda g, ans, x1, x2, axes=2: rt.tensordot_lhs(g, x1, x2, axes),
        lambda g, ans, x1, x2, axes=2: rt.tensordot_rhs(g, x1, x2, axes),
    )
    defvjp(
        linalg.matmul, lambda g, ans, x1, x2: rt.matmul_lhs(g, x1, x2), lambda g, ans, x1, x2: rt.matmul_rhs(g, x1, x2)
    )
    defvjp(
        linalg.cross,
        lambda g, ans, x1, x2, axis=-1: rt.unbroadcast(np.cross(x2, g, axis=axis), x1),
        lambda g, ans, x1, x2, axis=-1: rt.unbroadcast(np.cross(g, x1, axis=axis), x2),
    )
    defvjp(
        [np.vecdot, linalg.vecdot],
        lambda g, ans, x1, x2, axis=-1: rt.unbroadcast(np.expand_dims(as_sym(g), axis) * x2, x1),
        lambda g, ans, x1, x2, axis=-1: rt.unbroadcast(np.expand_dims(as_sym(g), axis) * x1, x2),
    )
    defvjp([np.matrix_transpose, linalg.matrix_transpose], lambda g, ans, x: _t(g))
    defvjp(
        linalg.trace,
        lambda g, ans, x, offset=0, dtype=None: rt.undiagonal(np.expand_dims(as_sym(g), -1), x, offset, -2, -1),
    )
    defvjp(linalg.diagonal, lambda g, ans, x, offset=0: rt.undiagonal(g, x, offset, -2, -1))
    defvjp(linalg.svdvals, lambda g, ans, x: rt.svdvals_adjoint(g, x))
    defvjp(
        linalg.vector_norm,
        lambda g, ans, x, axis=None, keepdims=False, ord=2: rt.norm_adjoint(
            g, x, ans, _norm_ord(ord), axis, keepdims, "vector"
        ),
    )
    defvjp(
        linalg.matrix_norm,
        lambda g, ans, x, keepdims=False, ord="fro": rt.norm_adjoint(
            g, x, ans, _norm_ord(ord), None, keepdims, "matrix"
        ),
    )
    REDUCTIONS.add(_key(linalg.vector_norm))
