"""Rules for np.select, the aliases and identities NumPy keeps for real inputs
(row_stack, real_if_close), and the functions declared non-differentiable: counts and
bins (histogram...), and np.angle, constant for real inputs. Complex values are out of
scope: a complex-valued function has no rule, so differentiating through it is an error."""

import numpy as np

from .. import runtime as rt_impl
from .table import RULES, _key, defjvp, defnondiff, deflinear, defvjp, family, nograd
from .elementwise import np_ns
from .sym import rt

family(
    "Shape, joining and indexing",
    np.select,
    notes=["select: each choice's adjoint where its condition is the first that holds, the default's where none does."],
)

defvjp(
    np.select,
    None,
    lambda g, ans, condlist, choicelist, default=0: rt.select_adjoint(g, condlist, choicelist),
    lambda g, ans, condlist, choicelist, default=0: rt.select_default(g, condlist, default),
)


def _select_jvp(tangents, ans, condlist, choicelist, default=0):
    """Linear in the choices and the default jointly (not one at a time)."""
    t_choices = tangents[1] if len(tangents) > 1 else None
    t_default = tangents[2] if len(tangents) > 2 else None
    if t_choices is None:
        return rt.select_default(t_default, condlist, ans)
    return np_ns.select(
        condlist, t_choices, 0.0 if t_default is None else t_default
    )  # (np.select would iterate the Syms)


defjvp(np.select, _select_jvp)
deflinear(rt_impl.select_adjoint, rt_impl.reselect, rt_impl.select_default, args=(0,))
defvjp(rt_impl.select_adjoint, lambda G, ans, g, condlist, choicelist: rt.reselect(G, condlist, g), nograd, nograd)
defvjp(rt_impl.reselect, lambda G, ans, parts, condlist, like: rt.select_adjoint(G, condlist, parts), nograd, nograd)
defvjp(
    rt_impl.select_default,
    lambda G, ans, g, condlist, default: rt.select_default(G, condlist, g),
    nograd,
    nograd,
)

if hasattr(np, "row_stack"):  # np.vstack under its old name (deprecated in NumPy 2.0)
    RULES[_key(np.row_stack)] = (np.row_stack, RULES[_key(np.vstack)][1])
    deflinear(np.row_stack)
    family("Shape, joining and indexing", np.row_stack)

# real inputs: real_if_close is the identity
defvjp(np.real_if_close, lambda g, ans, a, tol=100: g)
deflinear(np.real_if_close, args=(0,))
family("Element-wise", np.real_if_close)

defnondiff(
    np.angle,  # 0 or pi for a real input
    np.histogram,
    np.histogram_bin_edges,
    np.histogram2d,
    np.histogramdd,
    np.linalg.matrix_rank,
    np.isfortran,
    np.result_type,
    np.can_cast,
    np.min_scalar_type,
)
