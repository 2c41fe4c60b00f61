"""check_grad: the generated derivative against central finite differences."""

from __future__ import annotations

import copy
from typing import Any, Callable
from dataclasses import dataclass

import numpy as np

from . import trees
from .api import grad
from .arguments import _kinds, _normalize_wrt
from .callables import target_of
from .errors import S2SGradError
from .api import Wrt


@dataclass
class GradCheck:
    """The outcome of `check_grad`: the worst relative error and where it is: the
    argument, the leaf inside it when it is a dict / list / tuple (`leaf`, its keys
    and indices), and the element of that leaf (`index`)."""

    max_rel_error: float
    argument: str
    index: tuple
    analytic: float
    numeric: float
    tolerance: float
    leaf: tuple = ()

    @property
    def ok(self):
        return self.max_rel_error <= self.tolerance

    @property
    def where(self):
        """`params['W'][1, 0]`: the argument, the leaf, the element."""
        where = trees.path_text(self.argument, self.leaf)
        return f"{where}[{', '.join(map(str, self.index))}]" if self.index else where

    def __str__(self):
        return (
            f"worst relative error {self.max_rel_error:.3g} at {self.where}: derivative {self.analytic:.10g}, "
            f"finite differences {self.numeric:.10g} (tolerance {self.tolerance:.3g})"
        )


def check_grad(
    f: Callable,
    *args: Any,
    wrt: Wrt = 0,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    raise_error: bool = True,
) -> GradCheck:
    """Compare `sg.grad(f, wrt)` at `args` with central differences of step `eps`
    (float64), element by element of every argument in `wrt` (of every leaf, for a
    dict, list or tuple of arrays and floats). The relative error of each element is
    |a - n| / max(|a|, |n|, atol / rtol). Returns a GradCheck; raises S2SGradError
    with that report when the worst error exceeds `rtol` (unless raise_error=False)."""
    target = target_of(f)
    indices, _ = _normalize_wrt(target, wrt)
    names = target.full_names
    args = target.values(args, {})  # (a bound method's self, a partial's arguments first)
    # (each call on copies: a function that writes into its argument would move the point)
    df = grad(f, wrt=tuple(names[i] for i in indices))
    grads = df._run(copy.deepcopy(args), _kinds(args, df.wrt))
    worst = None
    for g, i in zip(grads, indices):
        for path, leaf in trees.leaves(args[i]):
            analytic = np.asarray(trees.get(g, path), dtype=float)
            for k in np.ndindex(np.shape(leaf)):
                numeric = _difference(target.function, args, i, path, k, eps)
                error = abs(float(analytic[k]) - numeric) / max(abs(float(analytic[k])), abs(numeric), atol / rtol)
                if worst is None or error > worst.max_rel_error:
                    worst = GradCheck(error, names[i], k, float(analytic[k]), numeric, rtol, path)
    if worst is None:
        raise S2SGradError(
            f"check_grad of {target.qualname}: the arguments {[names[i] for i in indices]} hold no numbers to check"
        )
    if raise_error and not worst.ok:
        raise S2SGradError(
            f"gradient check of {target.qualname} failed: {worst}",
            hint="if the function is not smooth at this point (a kink, a branch switch), move the point or loosen rtol",
        )
    return worst


def _difference(f, args, i, path, k, eps):
    """Central difference of f for element k of the leaf at `path` of argument i."""
    leaf = trees.get(args[i], path)
    values = []
    for step in (eps, -eps):
        moved = np.array(leaf, dtype=float)
        moved[k] += step
        trial = copy.deepcopy(list(args))
        trial[i] = trees.with_leaf(trial[i], path, moved if isinstance(leaf, np.ndarray) else float(moved))
        values.append(float(np.sum(f(*trial))))
    return (values[0] - values[1]) / (2 * eps)
