"""Whole derivative matrices built from the API's products: `jacobian` (one JVP
per input element or one VJP per output element), `hvp` (forward mode over the
generated gradient) and `hessian` (a forward Jacobian of the gradient)."""

from __future__ import annotations

import copy
from typing import Callable

import numpy as np

from . import trees
from .api import Wrt, Derivative, grad, vjp
from .forward_mode import jvp
from .arguments import _check_differentiable, _kinds, _normalize_wrt
from .shaping import _layout, _like
from .callables import target_of
from .errors import S2SGradError


def jacobian(f: Callable, wrt: Wrt = 0, mode: str = "auto") -> Callable:
    """The full Jacobian of `f` w.r.t. the argument(s) `wrt` (a tuple of them for a tuple
    wrt). For an array (or scalar) result and an array argument: an array of shape
    `result.shape + argument.shape`. A result that is a tuple, list or dict of arrays
    gives that container of Jacobians; an argument that is a container gives, in place
    of each array, the container of Jacobians, one per leaf (`J[q][p]` is the Jacobian of
    result leaf q w.r.t. argument leaf p, of shape `q.shape + p.shape`).

    mode: "forward" (one JVP per input element), "reverse" (one VJP per output
    element), or "auto": forward when there are fewer inputs than outputs."""
    return _Jacobian(f, wrt, mode)


class _Jacobian:
    """`jacobian(f, wrt, mode)` as a callable object, which pickles as f and its options
    (so that it can be mapped over a process pool or a Dask cluster)."""

    def __init__(self, f, wrt, mode):
        if mode not in ("auto", "forward", "reverse"):
            raise S2SGradError(f"mode must be 'auto', 'forward' or 'reverse', not {mode!r}")
        self.f, self.wrt = f, wrt
        self.indices, self.single = _normalize_wrt(target_of(f), wrt)
        self.mode = mode  # after a call: the mode that call used ("forward" or "reverse")
        self._asked = mode

    def __reduce__(self):
        return _Jacobian, (self.f, self.wrt, self._asked)

    def __call__(self, *args, **kwargs):
        f, indices = self.f, self.indices
        target = target_of(f)
        values = target.values(args, kwargs)
        _check_differentiable(target, target.full_names, values, indices)
        chosen = self._asked
        if chosen == "auto":
            n_in = sum(trees.size(values[i]) for i in indices)
            chosen = "forward" if n_in < trees.size(_evaluate(f, target, values)) else "reverse"
        blocks = _forward_jacobian(f, values, indices) if chosen == "forward" else _reverse_jacobian(f, values, indices)
        self.mode = chosen
        return blocks[0] if self.single else tuple(blocks)


def _evaluate(f, target, values):
    """f at the full argument list `values` (a bound method's self or a partial's
    arguments included), on copies of them."""
    values = copy.deepcopy(values)
    if isinstance(f, Derivative):
        return f._run(values, _kinds(values, f.wrt))
    return target.function(*values)


def _forward_jacobian(f, values, indices):
    """One JVP per element of each argument leaf (each on a copy of the arguments: a
    function that writes into an argument would move the point)."""
    fn = jvp(f)
    zeros = [trees.zeros_like(values[i]) for i in indices]
    blocks = []
    for n, i in enumerate(indices):
        columns = {}  # argument leaf -> the JVP of each of its unit tangents
        for path, leaf in trees.leaves(values[i]):
            columns[path] = []
            for k in np.ndindex(np.shape(leaf)):
                unit = np.zeros(np.shape(leaf))
                unit[k] = 1.0
                tangents = list(zeros)
                tangents[n] = trees.with_leaf(zeros[n], path, unit if np.shape(leaf) else 1.0)
                columns[path].append(fn._along(copy.deepcopy(values), tangents, indices)[1])
        # the result's structure (an argument with no elements gives no column to take it from)
        out = next((c[0] for c in columns.values() if c), None)
        if out is None:
            out = _evaluate(f, target_of(f), values)

        def block(q, p, out_leaf, columns=columns, arg=values[i]):
            shape = np.shape(out_leaf) + np.shape(trees.get(arg, p))
            if not columns[p]:
                return np.zeros(shape)
            stacked = np.array([np.asarray(trees.get(c, q), dtype=float) for c in columns[p]])
            return np.moveaxis(stacked, 0, -1).reshape(shape)

        blocks.append(_nested(out, values[i], block))
    return blocks


def _reverse_jacobian(f, values, indices):
    """One VJP per element of each result leaf."""
    names = target_of(f).full_names
    value, pullback = vjp(f, wrt=tuple(names[i] for i in indices))._run(values, _kinds(values, indices))
    zeros = trees.zeros_like(value)
    rows = {}
    for q, out_leaf in trees.leaves(value):
        rows[q] = []
        for k in np.ndindex(np.shape(out_leaf)):
            unit = np.zeros(np.shape(out_leaf))
            unit[k] = 1.0
            rows[q].append(pullback(trees.with_leaf(zeros, q, unit if np.shape(out_leaf) else 1.0)))
    blocks = []
    for n, i in enumerate(indices):

        def block(q, p, out_leaf, n=n, i=i):
            stacked = np.array([np.asarray(trees.get(row[n], p), dtype=float) for row in rows[q]])
            return stacked.reshape(np.shape(out_leaf) + np.shape(trees.get(values[i], p)))

        blocks.append(_nested(value, values[i], block))
    return blocks


def _nested(out, arg, block):
    """The Jacobian blocks in the result's structure, each leaf q holding the argument's
    structure of blocks `block(q, p, out_leaf)` (a bare block where either is not a container)."""
    return trees.map_leaves(lambda q, out_leaf: trees.map_leaves(lambda p, _: block(q, p, out_leaf), arg), out)


def hvp(f: Callable, wrt: Wrt = 0) -> Callable:
    """`hvp(f, wrt)(*args, v)`: the Hessian of scalar `f` times `v`, without forming
    the Hessian (forward mode over the generated gradient). `v` has the structure of
    the argument (a tuple of such for a tuple wrt), and so has the result."""
    return _HVP(f, wrt)


class _HVP:
    """`hvp(f, wrt)` as a callable object that pickles as f and wrt."""

    def __init__(self, f, wrt):
        self.f, self.wrt = f, wrt
        self.df = grad(f, wrt=wrt)
        self.target = self.df.target
        self.indices, self.single = self.df.wrt, self.df.single
        self.names = self.target.full_names
        self.forward_over_reverse = jvp(self.df)

    def __reduce__(self):
        return _HVP, (self.f, self.wrt)

    def __call__(self, *args, **kwargs):
        target, indices, single, names = self.target, self.indices, self.single, self.names
        if not args:
            raise S2SGradError(f"hvp of {target.qualname} takes the arguments, then the direction v")
        *args, v = args
        args = target.values(args, kwargs)
        _check_differentiable(target, names, args, indices)
        if not single and (not isinstance(v, (tuple, list)) or len(v) != len(indices)):
            raise S2SGradError(
                f"hvp of {target.qualname} with wrt={self.wrt!r} needs v as a tuple of "
                f"{len(indices)} directions, one per argument, not {_layout(v)}"
            )
        owner = f"hvp of {target.qualname}"
        tangents = [_like(t, args[i], owner, "direction v", names[i]) for t, i in zip([v] if single else v, indices)]
        out = self.forward_over_reverse._along(args, tangents, indices)[1]
        return self.df._shape(out, args)


def hessian(f: Callable, wrt: Wrt = 0) -> Callable:
    """The Hessian of scalar `f`: forward mode over the generated gradient, one
    Hessian-vector product per input element. For a tuple wrt, `H[i][j]` is the block
    of the arguments wrt[i] and wrt[j], of shape `shape_i + shape_j`."""
    if not isinstance(wrt, (tuple, list)):
        return jacobian(grad(f, wrt=wrt), wrt=wrt, mode="forward")
    return _Hessian(f, wrt)


class _Hessian:
    """The Hessian for a tuple wrt, in blocks; pickles as f and wrt."""

    def __init__(self, f, wrt):
        self.f, self.wrt = f, wrt
        self.H = jacobian(grad(f, wrt=wrt), wrt=wrt, mode="forward")

    def __reduce__(self):
        return _Hessian, (self.f, self.wrt)

    def __call__(self, *args, **kwargs):
        by_argument = self.H(*args, **kwargs)  # [j][i]: the derivative of gradient i along argument j
        n = len(self.wrt)
        return tuple(tuple(by_argument[j][i] for j in range(n)) for i in range(n))
