"""Rules for NumPy's non-element-wise functions: selection, reductions, linear
algebra and shape. Each is a VJP per argument; see rules/__init__.py."""
import numpy as np

from . import defvjp, defnondiff
from . import elementwise  # noqa: F401  (element-wise rules first)
from .sym import Sym, rt


def _split_ties(g, x, y, strict_first):
    """Maximum/minimum: the adjoint goes to the winner. Ties between two values
    split it equally; against a literal constant the varying side gets 0, so
    `np.maximum(x, 0)` has derivative 0 at x = 0 (relu'(0) = 0)."""
    if not isinstance(y, Sym):
        return g * strict_first
    return g * (strict_first + 0.5 * (x == y))


def _max_x(g, ans, x, y):
    return _split_ties(g, x, y, x > y)


def _max_y(g, ans, x, y):
    return _split_ties(g, y, x, y > x)


def _min_x(g, ans, x, y):
    return _split_ties(g, x, y, x < y)


def _min_y(g, ans, x, y):
    return _split_ties(g, y, x, y < x)


defvjp([np.maximum, np.fmax], _max_x, _max_y, elementwise=True, keeps_scalars=True)
defvjp([np.minimum, np.fmin], _min_x, _min_y, elementwise=True, keeps_scalars=True)
defvjp(np.where, None,
       lambda g, ans, condition, x, y: np.where(condition, g, 0.0),
       lambda g, ans, condition, x, y: np.where(condition, 0.0, g), elementwise=True)
# clip passes the adjoint on the closed interval [a_min, a_max]
defvjp(np.clip,
       lambda g, ans, a, a_min, a_max: g * _inside(a, a_min, a_max),
       lambda g, ans, a, a_min, a_max: g * (a < a_min),
       lambda g, ans, a, a_min, a_max: g * (a > a_max), elementwise=True)


def _inside(a, lo, hi):
    if lo is None:
        return a <= hi
    if hi is None:
        return a >= lo
    return (a >= lo) & (a <= hi)


# -- reductions --------------------------------------------------------------
def _sum(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return rt.unreduce(g, a, axis, keepdims)


def _mean(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return rt.unreduce(g, a, axis, keepdims) / rt.reduce_count(a, axis)


def _prod(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return rt.unreduce(g, a, axis, keepdims) * rt.prod_others(a, axis)


def _extremum(g, ans, a, axis=None, out=None, keepdims=False):
    return rt.unreduce(g, a, axis, keepdims) * rt.extremum_mask(a, ans, axis, keepdims)


defvjp(np.sum, _sum)
defvjp(np.mean, _mean)
defvjp(np.prod, _prod)
defvjp([np.max, np.amax, np.min, np.amin], _extremum)

# -- linear algebra ------------------------------------------------------------
defvjp(np.matmul, lambda g, ans, a, b: rt.matmul_lhs(g, a, b), lambda g, ans, a, b: rt.matmul_rhs(g, a, b))
defvjp(np.dot, lambda g, ans, a, b: rt.dot_lhs(g, a, b), lambda g, ans, a, b: rt.dot_rhs(g, a, b))

# -- shape -----------------------------------------------------------------------


def _inverse_axes(axes):
    if isinstance(axes, Sym):
        return np.argsort(axes)
    return tuple(int(i) for i in np.argsort(axes))


defvjp(np.reshape, lambda g, ans, a, *shape, **kw: np.reshape(g, np.shape(a)))
defvjp(np.transpose, lambda g, ans, a, axes=None: np.transpose(g) if axes is None
       else np.transpose(g, _inverse_axes(axes)))
defvjp([np.array, np.asarray, np.asanyarray, np.copy, np.ascontiguousarray],
       lambda g, ans, a, *args, **kwargs: g)
defvjp(np.ravel, lambda g, ans, a, order="C": np.reshape(g, np.shape(a)))

defnondiff(np.shape, np.ndim, np.size, np.argmax, np.argmin, np.argsort, np.zeros, np.ones,
           np.empty, np.full, np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.arange,
           np.linspace, np.eye, np.identity, np.nonzero, np.count_nonzero, np.any, np.all,
           np.argwhere, np.isclose, np.allclose, np.array_equal)
defnondiff(*[getattr(np.random, name) for name in dir(np.random)
             if callable(getattr(np.random, name)) and not name.startswith("_")])
