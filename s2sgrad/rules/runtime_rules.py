"""Rules for the runtime helpers that generated code calls, so that generated
code can itself be differentiated (grad of grad, forward over reverse).

Most helpers are linear in their first argument (the adjoint they move around):
forward mode re-runs them on tangents, and their VJP is the matching
transpose, itself a helper or a NumPy call.
"""
import numpy as np

from .. import runtime as rt_impl
from . import deflinear, defnondiff, defvjp, nograd
from .sym import rt

defnondiff(rt_impl.not_a_view, rt_impl.zeros_like, rt_impl.grad_seed, rt_impl.reduce_count, rt_impl.shape_of,
           rt_impl.extremum_mask)

# linear in the adjoint they carry; their other arguments give shapes only
deflinear(rt_impl.unbroadcast, rt_impl.sum_to, rt_impl.unreduce, rt_impl.owned, rt_impl.part,
          rt_impl.saved_part, rt_impl.scatter, rt_impl.broadcast_like, rt_impl.split_last, args=(0,))
# bilinear: lhs(g, a, b) = g b^T depends on g and b (a gives its shape), rhs(g, a, b) = a^T g on g and a
deflinear(rt_impl.matmul_lhs, rt_impl.dot_lhs, args=(0, 2))
deflinear(rt_impl.matmul_rhs, rt_impl.dot_rhs, args=(0, 1))

defvjp(rt_impl.unbroadcast, lambda G, ans, g, x: rt.broadcast_like(G, g), nograd)
defvjp(rt_impl.sum_to, lambda G, ans, g, shape: rt.broadcast_like(G, g), nograd)
defvjp(rt_impl.broadcast_like, lambda G, ans, t, like: rt.unbroadcast(G, t), nograd)
defvjp(rt_impl.unreduce, lambda G, ans, g, x, axis=None, keepdims=False: rt.reduce_like(G, g, axis, keepdims),
       nograd, nograd, nograd)
defvjp(rt_impl.owned, lambda G, ans, g: G)
deflinear(rt_impl.add_values)
defvjp(rt_impl.add_values, lambda G, ans, a, b: G, lambda G, ans, a, b: G)
defvjp(rt_impl.part, lambda G, ans, g, index, like: rt.scatter(rt.broadcast_like(G, g[index]), g, index),
       nograd, nograd)
defvjp(rt_impl.saved_part, lambda G, ans, x, index: rt.scatter(G, x, index), nograd)
defvjp(rt_impl.scatter, lambda G, ans, g, x, index: G[index], nograd, nograd)
# the transposes of the bilinear helpers
defvjp(rt_impl.matmul_lhs, lambda G, ans, g, a, b: rt.unbroadcast(np.matmul(G, b), g), nograd,
       lambda G, ans, g, a, b: rt.matmul_rhs(g, G, b))
defvjp(rt_impl.matmul_rhs, lambda G, ans, g, a, b: rt.unbroadcast(np.matmul(a, G), g),
       lambda G, ans, g, a, b: rt.matmul_lhs(g, a, G), nograd)
defvjp(rt_impl.dot_lhs, lambda G, ans, g, a, b: np.dot(G, b), nograd, lambda G, ans, g, a, b: rt.dot_rhs(g, G, b))
defvjp(rt_impl.dot_rhs, lambda G, ans, g, a, b: np.dot(a, G), lambda G, ans, g, a, b: rt.dot_lhs(g, a, G), nograd)
