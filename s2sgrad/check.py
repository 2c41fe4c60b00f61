"""check_grad: the generated derivative against central finite differences."""
from dataclasses import dataclass

import numpy as np

from .api import _normalize_wrt, grad
from .errors import S2SGradError


@dataclass
class GradCheck:
    """The outcome of `check_grad`: the worst relative error and where it is."""
    max_rel_error: float
    argument: str
    index: tuple
    analytic: float
    numeric: float
    tolerance: float

    @property
    def ok(self):
        return self.max_rel_error <= self.tolerance

    def __str__(self):
        where = f"{self.argument}[{', '.join(map(str, self.index))}]" if self.index else self.argument
        return (f"worst relative error {self.max_rel_error:.3g} at {where}: derivative {self.analytic:.10g}, "
                f"finite differences {self.numeric:.10g} (tolerance {self.tolerance:.3g})")


def check_grad(f, *args, wrt=0, eps=1e-6, rtol=1e-5, atol=1e-8, raise_error=True):
    """Compare `sg.grad(f, wrt)` at `args` with central differences of step `eps`
    (float64). The relative error of each element is |a - n| / max(|a|, |n|, atol / rtol).
    Returns a GradCheck; raises S2SGradError with that report when the worst
    error exceeds `rtol` (unless raise_error=False)."""
    import inspect
    indices, single = _normalize_wrt(f, wrt)
    names = list(inspect.signature(f).parameters)
    grads = grad(f, wrt=tuple(indices))(*args)
    worst = None
    for g, i in zip(grads, indices):
        x = args[i]
        g = np.asarray(g, dtype=float)
        base = np.array(x, dtype=float)
        for k in np.ndindex(base.shape):
            values = []
            for step in (eps, -eps):
                moved = base.copy()
                moved[k] += step
                trial = list(args)
                trial[i] = moved if isinstance(x, np.ndarray) else float(moved)
                values.append(float(np.sum(f(*trial))))
            numeric = (values[0] - values[1]) / (2 * eps)
            analytic = float(g[k])
            scale = max(abs(analytic), abs(numeric), atol / rtol)
            error = abs(analytic - numeric) / scale
            if worst is None or error > worst.max_rel_error:
                worst = GradCheck(error, names[i], k, analytic, numeric, rtol)
    if raise_error and not worst.ok:
        raise S2SGradError(f"gradient check of {f.__qualname__} failed: {worst}",
                           hint="if the function is not smooth at this point (a kink, a branch switch), "
                                "move the point or loosen rtol")
    return worst
