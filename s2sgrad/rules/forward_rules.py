"""Forward-mode rules beyond what the element-wise table gives for free.

Element-wise rules need nothing here: their VJP is `g * d`, so `t * d` is the
JVP. Linear (and multilinear) primitives re-run themselves on tangents. The
few others get an explicit JVP, one line each.
"""
import builtins


import numpy as np

from . import deflinear, defjvp
from .sym import rt

deflinear(np.sum, np.mean, np.reshape, np.transpose, np.ravel, np.array, np.asarray, np.asanyarray, np.copy,
          np.ascontiguousarray, np.matmul, np.dot, builtins.float,
          ("method", "sum"), ("method", "mean"), ("method", "reshape"), ("method", "transpose"),
          ("method", "ravel"), ("method", "flatten"), ("method", "copy"), ("method", "astype"),
          ("method", "dot"), ("attr", "T"), ("attr", "real"))
for _name in ("squeeze", "expand_dims", "swapaxes", "moveaxis", "cumsum", "diff", "roll", "flip", "fliplr",
              "flipud", "tile", "repeat", "trace", "diagonal", "triu", "tril", "broadcast_to", "outer", "inner",
              "vdot", "tensordot", "kron", "einsum", "convolve", "correlate", "take", "concatenate", "stack",
              "hstack", "vstack", "column_stack", "atleast_1d", "atleast_2d", "nansum", "trapezoid", "trapz"):
    if hasattr(np, _name):
        deflinear(getattr(np, _name))
for _name in ("squeeze", "swapaxes", "cumsum", "trace", "diagonal", "repeat", "take"):
    deflinear(("method", _name))
import operator  # noqa: E402
deflinear(operator.matmul)


def _reduction(weights):
    def jvp(tangents, ans, a, axis=None, dtype=None, out=None, keepdims=False):
        return np.sum(tangents[0] * weights(ans, a, axis, keepdims), axis=axis, keepdims=keepdims)
    return jvp


_prod_jvp = _reduction(lambda ans, a, axis, keepdims: rt.prod_others(a, axis))
_extremum_jvp = _reduction(lambda ans, a, axis, keepdims: rt.extremum_mask(a, ans, axis, keepdims))
for _prim in (np.prod, ("method", "prod")):
    defjvp(_prim, _prod_jvp)
for _prim in (np.max, np.amax, np.min, np.amin, ("method", "max"), ("method", "min")):
    defjvp(_prim, lambda tangents, ans, a, axis=None, out=None, keepdims=False:
           _extremum_jvp(tangents, ans, a, axis, None, out, keepdims))

