"""Rules for np.gradient, np.unwrap and the polynomials (polyval, polyfit, vander).

np.gradient is linear in f: its adjoint is the transpose of NumPy's own stencils
(runtime/stencils.py), for every spacing form and edge order; the spacing has no rule
(a varying spacing is an error). np.unwrap moves its input by multiples of the period,
which are locally constant: its derivative is the identity. polyfit is linear in y
(the least-squares solution pinv(V) y, V the weighted Vandermonde matrix); x and w
have no rule there."""

import numpy as np

from .. import runtime as rt_impl
from .table import defjvp, deflinear, defvjp, family, nograd
from .elementwise import np_ns
from .forward_rules import t_
from .numpy_rules import SIGNALS, unsupported
from .sym import rt

family(
    SIGNALS,
    notes=[
        "gradient: linear in f, every spacing form and edge order; the spacing has no derivative.",
        "unwrap: the identity (the jumps it removes are locally constant).",
        "polyval: p's first axis holds the coefficients, the highest power first; "
        "polyfit: a derivative in y only (x and w have none), full=False and cov=False.",
    ],
)


def _no_tangents(tangents, first, what):
    if any(t is not None for t in tangents[first:]):
        raise unsupported(what, hint="compute it outside the differentiated code")


# -- np.gradient ------------------------------------------------------------------------------------
defvjp(
    np.gradient,
    lambda g, ans, f, *varargs, axis=None, edge_order=1: rt.gradient_adjoint(
        g, f, *varargs, axis=axis, edge_order=edge_order
    ),
    None,
)


def _gradient_jvp(tangents, ans, f, *varargs, axis=None, edge_order=1):
    _no_tangents(tangents, 1, "np.gradient in its spacing")
    return np.gradient(tangents[0], *varargs, axis=axis, edge_order=edge_order)


defjvp(np.gradient, _gradient_jvp)
deflinear(rt_impl.gradient_adjoint, args=(0,))
defvjp(
    rt_impl.gradient_adjoint,
    lambda G, ans, g, f, *varargs, axis=None, edge_order=1: np.gradient(G, *varargs, axis=axis, edge_order=edge_order),
    nograd,
    nograd,
)

# -- np.unwrap ----------------------------------------------------------------------------------------
defvjp(np.unwrap, lambda g, ans, p, discont=None, axis=-1, *, period=2 * np.pi: g, None, None)
defjvp(np.unwrap, lambda tangents, ans, p, discont=None, axis=-1, **kw: tangents[0])


# -- polynomials -------------------------------------------------------------------------------------
def _derivative_coefficients(p):
    """The coefficients of p' (p's leading axis holds the highest power first)."""
    n = np.shape(p)[0]
    return (p[:-1].T * np_ns.arange(n - 1, 0, -1)).T


def _powers(x, n):
    """x ** (n - 1), ..., x ** 0 stacked along a new first axis."""
    return np.reshape(np.moveaxis(np.vander(np.ravel(x), n), -1, 0), (n,) + np.shape(x))


def _polyval_p(g, ans, p, x):
    """p[k]'s adjoint is g * x ** (n - 1 - k), summed where p[k] broadcast against x (the
    coefficient axis moved last, so the broadcast axes are the leading ones)."""
    terms = np.moveaxis(np.expand_dims(g, 0) * _powers(x, np.shape(p)[0]), 0, -1)
    return np.moveaxis(rt.unbroadcast(terms, np.moveaxis(p, 0, -1)), -1, 0)


defvjp(
    np.polyval,
    _polyval_p,
    lambda g, ans, p, x: g * np.polyval(_derivative_coefficients(p), x),
)


def _polyval_jvp(tangents, ans, p, x):
    tp, tx = tangents[0], tangents[1] if len(tangents) > 1 else None
    terms = [np.polyval(tp, x) if tp is not None else None]
    terms.append(tx * np.polyval(_derivative_coefficients(p), x) if tx is not None else None)
    terms = [t for t in terms if t is not None]
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


defjvp(np.polyval, _polyval_jvp)


def _vander_columns(g, increasing):
    """Columns by decreasing power."""
    if increasing is True:
        return g[..., ::-1]
    if increasing is not False:
        raise unsupported("np.vander with increasing computed at run time")
    return g


defvjp(
    np.vander,
    lambda g, ans, x, N=None, increasing=False: np.polyval(
        _derivative_coefficients(t_(_vander_columns(g, increasing))), x
    ),
)


def _vander_jvp(tangents, ans, x, N=None, increasing=False):
    n = np.shape(ans)[-1]
    slopes = np.pad(np.vander(x, n - 1) * np_ns.arange(n - 1, 0, -1), ((0, 0), (0, 1)))
    return _vander_columns(slopes, increasing) * tangents[0][:, None]


defjvp(np.vander, _vander_jvp)


def _polyfit_plain(full, cov):
    if full is not False or cov is not False:
        raise unsupported("np.polyfit with full=True or cov=True", hint="differentiate the coefficients only")


def _polyfit_y(g, ans, x, y, deg, rcond=None, full=False, w=None, cov=False):
    _polyfit_plain(full, cov)
    lhs = np.vander(x, deg + 1)
    if w is not None:
        lhs = lhs * np.reshape(w, (-1, 1))
    gy = t_(np.linalg.pinv(lhs)) @ g
    return gy if w is None else (gy.T * w).T


def _polyfit_jvp(tangents, ans, x, y, deg, rcond=None, full=False, w=None, cov=False):
    _polyfit_plain(full, cov)
    if tangents[0] is not None or any(t is not None for t in tangents[2:]):
        raise unsupported("np.polyfit in x, deg or w", hint="only y has a derivative")
    return np.polyfit(x, tangents[1], deg, rcond, w=w)


defvjp(np.polyfit, None, _polyfit_y, None)
defjvp(np.polyfit, _polyfit_jvp)
family(SIGNALS, np.gradient, np.unwrap, np.polyval, np.polyfit, np.vander)


# polynomial arithmetic on coefficient arrays (the highest power first)
def _tail(g, a):
    """The part of a longer result that `a` was added into (aligned at the end)."""
    return g[np.shape(g)[0] - np.shape(a)[0] :]


def _either(t, like):
    return t if t is not None else rt.zeros_like(like)


defvjp(np.polyadd, lambda g, ans, a1, a2: _tail(g, a1), lambda g, ans, a1, a2: _tail(g, a2))
defvjp(np.polysub, lambda g, ans, a1, a2: _tail(g, a1), lambda g, ans, a1, a2: -_tail(g, a2))
for _prim in (np.polyadd, np.polysub):  # jointly linear in both
    defjvp(
        _prim,
        lambda tangents, ans, a1, a2, _prim=_prim: _prim(
            _either(tangents[0], a1), _either(tangents[1] if len(tangents) > 1 else None, a2)
        ),
    )
defvjp(
    np.polymul,
    lambda g, ans, a1, a2: rt.convolve_adjoint(g, a1, a2, "full"),
    lambda g, ans, a1, a2: rt.convolve_adjoint(g, a2, a1, "full"),
)
deflinear(np.polymul)


def _literal_order(m, name):
    if not isinstance(m, int):
        raise unsupported(f"{name} with an order computed at run time", hint="pass m as an integer literal")
    return m


def _polyder_vjp(g, ans, p, m=1):
    for _ in range(_literal_order(m, "np.polyder")):  # the transpose of p -> p', m times
        g = np.append(g * np_ns.arange(np.shape(g)[0], 0, -1), 0.0)
    return g


def _polyint_vjp(g, ans, p, m=1, k=None):
    for _ in range(_literal_order(m, "np.polyint")):  # the transpose of p -> its antiderivative
        g = g[:-1] / np_ns.arange(np.shape(g)[0] - 1, 0, -1)
    return g


defvjp(np.polyder, _polyder_vjp)
defvjp(np.polyint, _polyint_vjp)
deflinear(np.polyder, args=(0,))
# affine in p (the integration constants k): the tangent integrates with zero constants
defjvp(np.polyint, lambda tangents, ans, p, m=1, k=None: np.polyint(tangents[0], m))


def _ediff1d_ends(to_end, to_begin):
    if to_end is not None or to_begin is not None:
        raise unsupported(
            "np.ediff1d with to_end or to_begin", hint="np.concatenate the ends with np.diff(np.ravel(a))"
        )


def _ediff1d_vjp(g, ans, ary, to_end=None, to_begin=None):
    _ediff1d_ends(to_end, to_begin)
    return np.reshape(rt.undiff(g, np.ravel(ary), 1, -1, None, None), np.shape(ary))


def _ediff1d_jvp(tangents, ans, ary, to_end=None, to_begin=None):
    _ediff1d_ends(to_end, to_begin)
    return np.ediff1d(tangents[0])


defvjp(np.ediff1d, _ediff1d_vjp)
defjvp(np.ediff1d, _ediff1d_jvp)
family(SIGNALS, np.polyadd, np.polysub, np.polymul, np.polyder, np.polyint, np.ediff1d)
