"""The helpers that the NumPy rule table's derivatives call (rules/numpy_rules.py,
rules/linalg_rules.py), and the ones their own derivatives call (rules/runtime_rules.py,
rules/forward_rules.py), so that derivative code can be differentiated again.

Most are the VJP of one primitive: linear in their first argument `g`, reading the
others as values. A tuple-valued primitive (eigh, qr, split) gets `g` as the
sequence of its outputs' adjoints, where an output without one may be 0.0. Each
linear helper's transpose is here too (unconcat / reconcat, unpermute / repermute,
...). The package `s2sgrad.runtime` re-exports everything in `__all__`.
"""

import math

import numpy as np

from .jets import jet_adjoint_last, prefix_jets, times_jet
from .shapes import _float_dtype, _shape, as_array, unbroadcast, zeros_like

__all__ = [
    "log_of_softmax",
    "sinc_slope",
    "exponent_tangent",
    "power_slope",
    "power_slope_dy",
    "power_slope_dx",
    "divide_or_zero",
    "spread_resolved",
    "unconcat",
    "reconcat",
    "unsplit",
    "resplit",
    "untile",
    "unrepeat",
    "unpad",
    "pad_mode",
    "untake",
    "untake_along_axis",
    "undiag",
    "undiagonal",
    "unrollaxis",
    "unpermute",
    "repermute",
    "unique_adjoint",
    "reunique",
    "cumsum_adjoint",
    "cumprod_adjoint",
    "cumprod_tangent",
    "undiff",
    "trapezoid_y",
    "trapezoid_x",
    "average_weights",
    "average_weights_adjoint",
    "interp_fp",
    "interp_slope",
    "interp_slope_fp",
    "inner_lhs",
    "inner_rhs",
    "tensordot_lhs",
    "tensordot_rhs",
    "kron_lhs",
    "kron_rhs",
    "einsum_adjoint",
    "as_columns",
    "from_columns",
    "solve_lhs",
    "solve_rhs",
    "matrix_power_adjoint",
    "multi_dot_adjoint",
    "multi_dot_tangent",
    "norm_adjoint",
    "norm_curvature",
    "norm_ans_factor",
    "cholesky_adjoint",
    "eigh_adjoint",
    "qr_adjoint",
    "svdvals_adjoint",
    "svdvals_curvature",
    "convolve_adjoint",
    "correlate_lhs",
    "correlate_rhs",
    "no_adjoint",
    "svd_columns",
    "lstsq_residual_tangent",
    "select_adjoint",
    "reselect",
    "select_default",
]


class Parts(tuple):
    """The adjoints of the items of a list or tuple argument (`np.concatenate([a, b])`):
    item i is item i's adjoint, and `+` adds item by item, as adjoints add."""

    __array_ufunc__ = None  # ndarray + Parts defers to Parts.__radd__

    def __add__(self, other):
        return Parts(a + b for a, b in zip(self, other, strict=True))

    __radd__ = __add__


def _float(x):
    x = as_array(x)  # (a list of numbers and arrays: np.linalg.norm([x, y]))
    return as_array(x, _float_dtype(x))


def _axis(axis, ndim):
    return axis % ndim if ndim else 0


def _along(axis, ndim, index):
    """An index that applies `index` along `axis` of an ndim-d array."""
    return (slice(None),) * axis + (index,) + (slice(None),) * (ndim - axis - 1)


def _adjoint_of_output(g, i, like):
    """Output i's adjoint from a tuple output's adjoint, as an array shaped like `like`."""
    return np.broadcast_to(g[i], np.shape(like))


def exponent_tangent(t, ans, x):
    """The exponent's part of the tangent of ans = x ** y along (x, y) + s (., t):
    t * ans * log(x), and exactly 0 where t is 0. An exponent that does not move (an
    int, or a constant that shares a tuple with a moving value, which forward mode
    cannot tell apart) must not bring log of a negative base, nan, into the tangent."""
    with np.errstate(invalid="ignore", divide="ignore"):
        term = t * ans * np.log(x)
    out = np.where(as_array(t) == 0, 0.0, term)
    return out if np.ndim(out) else out[()]


def _python_numbers(*values):
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _falling(y, n):
    """y (y - 1) ... (y - n + 1): the factor the n-th derivative of x ** y brings down."""
    c = 1
    for k in range(n):
        c = c * np.subtract(y, k) if not _python_numbers(y) else c * (y - k)
    return c


def _falling_slope(y, n):
    """d/dy of `_falling(y, n)`."""
    total = 0
    for j in range(n):
        term = 1
        for k in range(n):
            if k != j:
                term = term * (np.subtract(y, k) if not _python_numbers(y) else y - k)
        total = total + term
    return total


def power_slope(x, y, n=1):
    """The n-th derivative of x ** y in x, y (y - 1) ... (y - n + 1) x ** (y - n), also
    where that formula breaks down: 0 where the factor is 0 (x ** 0 is 1 everywhere, at
    x = 0 too: every polynomial has a constant term; x ** 1 has no second derivative),
    and NumPy's inf at x = 0 for y < n on Python floats too (not ZeroDivisionError)."""
    c = _falling(y, n)
    if _python_numbers(x, y):
        if c == 0:
            return 0.0
        if x == 0 and y < n:
            return c * math.inf
        return c * x ** (y - n)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = c * np.power(np.asarray(x, dtype=np.result_type(x, 1.0)), np.subtract(y, n))
    out = np.where(np.asarray(c) == 0, 0.0, term)
    return out if np.ndim(out) else out[()]


def power_slope_dx(g, x, y, n=1):
    """g times d(power_slope(x, y, n)) / dx, exactly 0 where g is 0: a base that does not
    move (`(x - x) ** 1.5` is 0 for every x) brings no inf * 0 = nan into a second derivative."""
    with np.errstate(invalid="ignore"):
        term = g * power_slope(x, y, n + 1)
    if _python_numbers(g, term):
        return 0.0 if g == 0 else term
    out = np.where(np.asarray(g) == 0, 0.0, term)
    return out if np.ndim(out) else out[()]


def power_slope_dy(g, x, y, n=1):
    """g times d(power_slope(x, y, n)) / dy, exactly 0 where g is 0 (an exponent that does
    not move must not bring the nan of log of a negative base or 0 * inf into a second
    derivative: under hvp an integer exponent read back from a tape has tangent 0)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        base = np.asarray(x, dtype=np.result_type(x, 1.0))
        power = np.power(base, np.subtract(y, n))
        term = g * power * (_falling_slope(y, n) + _falling(y, n) * np.log(base))
    out = np.where(np.asarray(g) == 0, 0.0, term)
    return out if np.ndim(out) else out[()]


def log_of_softmax(x, p, axis):
    """`np.log(p)` where p is the softmax of x along `axis` (`exp(x)` over its sum, dims
    kept): what the user's code computes; its derivative in x is log-softmax's
    (rules/runtime_rules.py), p read as it is (compiler/log_softmax.py)."""
    return np.log(p)


def divide_or_zero(a, b):
    """a / b, and 0 where b is 0: the derivative of a function that is constant (0) at
    the points where b vanishes, such as np.std of one element or of equal values."""
    if _python_numbers(a, b):
        return a / b if b != 0 else 0.0
    zero = np.asarray(b) == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(zero, 0.0, np.divide(a, np.where(zero, 1.0, b)))
    return out if np.ndim(out) else out[()]


def spread_resolved(ans, a, axis=None, keepdims=False):
    """1.0 where np.std's result `ans` is above the rounding of `a`'s values along the
    axis, 0.0 where it is not. Values equal up to rounding (the rows of np.stack([y] * 3))
    have a computed std that is noise, and a slope (a - mean) / std that is noise / noise;
    the equal-values convention (0, as abs'(0) = 0) holds there too."""
    a = np.asarray(a)
    dtype = a.dtype if np.issubdtype(a.dtype, np.inexact) else np.float64
    size = np.abs(np.where(np.isnan(a), 0.0, a))  # (nanstd's values: the NaNs do not count)
    floor = 16 * np.finfo(dtype).eps * np.max(size, axis=axis, keepdims=keepdims, initial=0.0)
    out = (np.asarray(ans) > floor).astype(np.float64)
    return out if np.ndim(out) else float(out)


def sinc_slope(x, n=1):
    """The n-th derivative of np.sinc at x (d sinc(x) / dx by default, 0 at x = 0).
    From x sinc(x) = sin(pi x) / pi: x f^(n) + n f^(n-1) = pi^(n-1) sin(pi x + n pi / 2);
    near 0, where that recurrence cancels, the Taylor series instead."""
    x = _float(x)
    near = np.abs(x) < 0.5
    safe = np.where(near, 1.0, x)
    far = np.sinc(safe)
    for k in range(1, n + 1):
        far = (np.pi ** (k - 1) * np.sin(np.pi * safe + k * np.pi / 2) - k * far) / safe
    small = np.where(near, x, 0.0)
    series = np.zeros_like(x)
    for k in range((n + 1) // 2, (n + 1) // 2 + 30):  # the terms of x^(2k) that survive n derivatives
        coefficient = (
            (-1) ** k * np.pi ** (2 * k) / math.factorial(2 * k + 1) * math.factorial(2 * k) / math.factorial(2 * k - n)
        )
        series = series + coefficient * small ** (2 * k - n)
    return np.where(near, series, far)[()]


def unconcat(g, arrays, axis=0):
    """Adjoint of np.concatenate(arrays, axis) and its kin: g cut into the items' pieces,
    each shaped like its item. axis None: the items were flattened; 'h': hstack's axis."""
    g = as_array(g)
    shapes = [np.shape(a) for a in arrays]
    if axis is None:
        cuts = np.cumsum([int(np.prod(s)) for s in shapes])[:-1]
        return Parts(p.reshape(s) for p, s in zip(_cut(g.reshape(-1), cuts, 0), shapes))
    if axis == "h":
        axis = 0 if g.ndim == 1 else 1
    axis = _axis(axis, g.ndim)
    across = g.size // g.shape[axis]  # elements of one slice along the axis
    cuts = np.cumsum([int(np.prod(s)) // across for s in shapes])[:-1]
    return Parts(p.reshape(s) for p, s in zip(_cut(g, cuts, axis), shapes))


def _cut(g, cuts, axis):
    """np.split(g, cuts, axis) by slicing (Dask has no np.split: slices keep it lazy)."""
    bounds = [0, *(int(c) for c in cuts), g.shape[axis]]
    return [g[_along(axis, g.ndim, slice(a, b))] for a, b in zip(bounds, bounds[1:])]


def reconcat(parts, g, arrays, axis=0):
    """The transpose of `unconcat`: the items' adjoints (or tangents) joined into one array
    shaped like `g`, as np.concatenate(arrays, axis) (or hstack, ...) joins the items."""
    shape = _shape(g)
    parts = [np.broadcast_to(p, np.shape(a)) for p, a in zip(parts, arrays, strict=True)]
    if axis is None:
        return np.concatenate([np.ravel(p) for p in parts]).reshape(shape)
    if axis == "h":
        axis = 0 if len(shape) == 1 else 1
    axis = _axis(axis, len(shape))
    return np.concatenate([p.reshape(shape[:axis] + (-1,) + shape[axis + 1 :]) for p in parts], axis=axis)


def unsplit(g, ary, indices_or_sections, axis=0):
    """Adjoint of np.split / np.array_split: the pieces' adjoints put back side by side."""
    out = zeros_like(ary)
    if axis == "h":
        axis = 0 if out.ndim == 1 else 1
    axis = _axis(axis, out.ndim)
    pieces = np.array_split(np.arange(out.shape[axis]), indices_or_sections)
    for i, piece in enumerate(pieces):
        if piece.size:
            out[_along(axis, out.ndim, slice(piece[0], piece[-1] + 1))] += g[i]
    return out


def resplit(t, ary, indices_or_sections, axis=0):
    """The transpose of `unsplit`: t (shaped like ary) cut as np.array_split cuts ary."""
    t = np.broadcast_to(t, np.shape(ary))
    if axis == "h":
        axis = 0 if t.ndim == 1 else 1
    return Parts(np.array_split(t, indices_or_sections, axis=axis))


def untile(g, A, reps):
    """Adjoint of np.tile(A, reps): the copies of each element summed."""
    shape = np.shape(A)
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    d = max(len(shape), len(reps))
    full = (1,) * (d - len(shape)) + tuple(shape)
    reps = (1,) * (d - len(reps)) + reps
    g = np.reshape(g, [n for pair in zip(reps, full) for n in pair])
    return g.sum(axis=tuple(range(0, 2 * d, 2))).reshape(shape)


def unrepeat(g, a, repeats, axis=None):
    """Adjoint of np.repeat(a, repeats, axis): the copies of each element summed."""
    shape = np.shape(a)
    g = as_array(g)
    if axis is None:
        g, axis = g.reshape(-1), 0
        n = int(np.prod(shape))
    else:
        axis = _axis(axis, len(shape))
        n = shape[axis]
    owner = np.repeat(np.arange(n), np.broadcast_to(repeats, (n,)))
    moved = np.moveaxis(g, axis, 0)
    out = np.zeros((n,) + moved.shape[1:], dtype=np.result_type(g, np.float64))
    np.add.at(out, owner, moved)
    return np.moveaxis(out, 0, axis).reshape(shape)


_COPYING_PAD_MODES = ("constant", "empty", "edge", "reflect", "symmetric", "wrap")


def pad_mode(mode):
    """The mode that pads a tangent as np.pad(x, width, mode) pads x (its padding
    values are constants: 'empty' pads the tangent with zeros); for a mode passed in
    as an argument, checked here at run time."""
    if mode not in _COPYING_PAD_MODES:
        raise _not_differentiable(f"np.pad with mode={mode!r}")
    return "constant" if mode == "empty" else mode


def unpad(g, array, pad_width, mode="constant"):
    """Adjoint of np.pad for the modes that copy values (constant, empty, edge, reflect,
    symmetric, wrap): each padded element's adjoint goes back to the element it copies."""
    if mode not in _COPYING_PAD_MODES:
        raise _not_differentiable(f"np.pad with mode={mode!r}")
    shape = np.shape(array)
    index = np.arange(int(np.prod(shape))).reshape(shape)
    if mode in ("constant", "empty"):
        spread = np.pad(index, pad_width, mode="constant", constant_values=-1)
    else:
        spread = np.pad(index, pad_width, mode=mode)
    keep = spread >= 0
    return np.bincount(spread[keep], weights=_float(g)[keep], minlength=index.size).reshape(shape)


def untake(g, a, indices, axis=None, mode="raise"):
    """Adjoint of np.take(a, indices, axis): g added at the taken places (repeats add up)."""
    out = np.zeros(np.shape(a), dtype=np.result_type(a, np.float64))
    target = out.reshape(-1) if axis is None else out
    axis = 0 if axis is None else _axis(axis, out.ndim)
    n = target.shape[axis]
    indices = np.asarray(indices)
    if mode == "wrap":
        indices = indices % n
    elif mode == "clip":
        indices = np.clip(indices, 0, n - 1)
    np.add.at(target, _along(axis, target.ndim, indices), g)
    return out.reshape(np.shape(a))


def untake_along_axis(g, arr, indices, axis=-1):
    """Adjoint of np.take_along_axis(arr, indices, axis): g added at the taken places."""
    out = zeros_like(arr)
    if axis is None:
        np.add.at(out.reshape(-1), indices, g)
        return out
    g = as_array(g)
    axis = _axis(axis, out.ndim)
    grids = np.ogrid[tuple(slice(n) for n in g.shape)]
    index = tuple(indices if d == axis else np.minimum(grids[d], out.shape[d] - 1) for d in range(out.ndim))
    np.add.at(out, index, g)
    return out


def undiag(g, v, k=0):
    """Adjoint of np.diag(v, k): the k-th diagonal of g for a vector v, else v's shape
    with g on its k-th diagonal."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k).copy()
    return undiagonal(g, v, k, 0, 1)


def unrollaxis(g, a, axis, start=0):
    """Adjoint of np.rollaxis(a, axis, start): move the axis back from where it went."""
    n = np.ndim(a)
    axis = axis % n
    start = start + n if start < 0 else start
    return np.moveaxis(g, start - 1 if axis < start else start, axis)


def undiagonal(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of np.diagonal(a, offset, axis1, axis2): g written on that diagonal (g may
    broadcast along it, as for np.trace)."""
    out = zeros_like(a)
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))
    n = min(view.shape[-2] - max(-offset, 0), view.shape[-1] - max(offset, 0))
    rows, cols = np.arange(n) + max(-offset, 0), np.arange(n) + max(offset, 0)
    view[..., rows, cols] = g
    return out


def unpermute(g, a, ans, axis=-1):
    """Adjoint of a result that reorders `a` along `axis` (np.sort, np.partition): each
    element of `ans` is matched with the element of `a` it equals, in stable order."""
    shape = np.shape(a)
    if axis is None:
        a, ans, g, axis = np.ravel(a), np.ravel(ans), np.ravel(g), 0
    source = np.argsort(a, axis=axis, kind="stable")
    taken = np.take_along_axis(np.broadcast_to(g, np.shape(ans)), np.argsort(ans, axis=axis, kind="stable"), axis)
    out = zeros_like(a)
    np.put_along_axis(out, source, taken, axis)
    return out.reshape(shape)


def repermute(t, a, ans, axis=-1):
    """The transpose of `unpermute`: t (shaped like a) reordered as ans reorders a -- the
    forward derivative of np.sort and np.partition."""
    shape = np.shape(ans)
    t = np.broadcast_to(t, np.shape(a))
    if axis is None:
        a, ans, t, axis = np.ravel(a), np.ravel(ans), np.ravel(t), 0
    source = np.argsort(a, axis=axis, kind="stable")
    out = np.zeros(np.shape(ans), dtype=np.result_type(t, np.float64))
    np.put_along_axis(out, np.argsort(ans, axis=axis, kind="stable"), np.take_along_axis(t, source, axis), axis)
    return out.reshape(shape)


def unique_adjoint(g, ar):
    """Adjoint of np.unique(ar)'s values: each value's adjoint split equally among the
    elements equal to it (as ties of max split)."""
    _, inverse, counts = np.unique(np.ravel(ar), return_inverse=True, return_counts=True)
    return (as_array(g)[inverse] / counts[inverse]).reshape(np.shape(ar))


def reunique(t, ar):
    """The transpose of `unique_adjoint`: for each value of np.unique(ar), the mean of t over
    the elements equal to it -- the forward derivative of np.unique's values."""
    _, inverse, counts = np.unique(np.ravel(ar), return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=np.ravel(np.broadcast_to(t, np.shape(ar))), minlength=counts.size)
    return sums / counts


def cumsum_adjoint(g, a, axis=None, include_initial=False):
    """Adjoint of np.cumsum / np.cumulative_sum: a cumulative sum from the end."""
    g = as_array(g)
    ax = 0 if axis is None else _axis(axis, g.ndim)
    if include_initial:
        g = np.take(g, np.arange(1, g.shape[ax]), axis=ax)
    out = np.flip(np.cumsum(np.flip(g, ax), axis=ax), ax)
    return out.reshape(np.shape(a))


def _cumulative(a, tangents, axis):
    """a and its tangents as float arrays with the cumulative axis last (flattened for None)."""
    shape = np.shape(a)
    a = _float(a)
    ts = [np.broadcast_to(t, shape) for t in tangents]
    if axis is None:
        a, ts, ax = a.reshape(-1), [t.reshape(-1) for t in ts], 0
    else:
        ax = _axis(axis, a.ndim)
    return np.moveaxis(a, ax, -1), [np.moveaxis(t, ax, -1) for t in ts], ax


def cumprod_adjoint(g, a, axis=None, include_initial=False, *tangents):
    """Adjoint of np.cumprod, exact when factors are zero: element j gets
    prod(a[:j]) * s[j], where s[j] = g[j] + a[j + 1] * s[j + 1] (a sweep from the end).
    With tangents t_1 .. t_m: its derivative in those directions (the m-th derivative of
    that adjoint, linear in g and in each tangent)."""
    shape = np.shape(a)
    a, ts, ax = _cumulative(a, tangents, axis)
    g = as_array(g)
    if include_initial:
        g = np.take(g, np.arange(1, g.shape[ax]), axis=ax)
    out = jet_adjoint_last(np.moveaxis(g, ax, -1), a, ts)
    return np.moveaxis(out, -1, ax).reshape(shape)


def cumprod_tangent(a, axis=None, include_initial=False, *tangents):
    """The derivative of np.cumprod(a, axis) (or np.cumulative_prod) in the directions
    t_1 .. t_m (at least one): the m-th derivative, exact when factors are zero."""
    a, ts, ax = _cumulative(a, tangents, axis)
    full = (1 << len(ts)) - 1
    jets = prefix_jets(a, ts)[0 if include_initial else 1 :]
    out = np.stack([np.broadcast_to(j.get(full, 0.0), a.shape[:-1]) for j in jets], axis=-1)
    return np.moveaxis(out, -1, ax)


def undiff(g, a, n=1, axis=-1, prepend=None, append=None):
    """Adjoint of np.diff: n times the transpose of one difference, then the part over `a`."""
    g = _float(g)
    for _ in range(n):
        g = -np.diff(g, axis=axis, prepend=0.0, append=0.0)
    axis = _axis(axis, g.ndim)
    start = 0 if prepend is None else 1 if np.ndim(prepend) == 0 else np.shape(prepend)[axis]
    return np.take(g, np.arange(start, start + np.shape(a)[axis]), axis=axis)


def _trapezoid_steps(y, x, dx, axis):
    if x is None:
        return as_array(dx, np.float64)
    x = as_array(x)
    if x.ndim == 1:
        shape = [1] * np.ndim(y)
        shape[axis] = -1
        return np.diff(x).reshape(shape)
    return np.diff(x, axis=axis)


def trapezoid_y(g, y, x=None, dx=1.0, axis=-1):
    """Adjoint of y in np.trapezoid: half of each neighbouring step."""
    axis = _axis(axis, np.ndim(y))
    half = np.broadcast_to(_trapezoid_steps(y, x, dx, axis) / 2, np.shape(np.diff(y, axis=axis)))
    pad = [(0, 0)] * np.ndim(y)
    weights = np.pad(half, pad[:axis] + [(0, 1)] + pad[axis + 1 :]) + np.pad(
        half, pad[:axis] + [(1, 0)] + pad[axis + 1 :]
    )
    return unbroadcast(np.expand_dims(g, axis) * weights, y)


def trapezoid_x(g, y, x, axis=-1):
    """Adjoint of x in np.trapezoid(y, x): each step's adjoint is the mean of its two
    y values; the steps are differences of x."""
    axis = _axis(axis, np.ndim(y))
    y = _float(y)
    means = (np.take(y, np.arange(1, y.shape[axis]), axis) + np.take(y, np.arange(y.shape[axis] - 1), axis)) / 2
    steps = np.expand_dims(g, axis) * means
    if np.ndim(x) == 1:
        steps = np.sum(steps, axis=tuple(d for d in range(steps.ndim) if d != axis))
        return -np.diff(steps, prepend=0.0, append=0.0)
    return unbroadcast(-np.diff(steps, axis=axis, prepend=0.0, append=0.0), x)


def average_weights(weights, a, axis=None):
    """np.average's weights broadcast like `a` (1-d weights lie along `axis`)."""
    w = _float(weights)
    shape = np.shape(a)
    if w.shape != shape and w.ndim == 1 and axis is not None:
        along = [1] * len(shape)
        along[_axis(axis, len(shape))] = -1
        w = w.reshape(along)
    return np.broadcast_to(w, shape)


def average_weights_adjoint(gw, weights, axis=None):
    """An adjoint shaped like np.average's `a`, summed back to the shape of its weights."""
    shape = np.shape(weights)
    gw = as_array(gw)
    if gw.shape != shape and len(shape) == 1 and axis is not None:
        axis = _axis(axis, gw.ndim)
        return np.sum(gw, axis=tuple(d for d in range(gw.ndim) if d != axis))
    return unbroadcast(gw, weights)


def _interp_cells(x, xp):
    j = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, max(len(xp) - 2, 0))
    if len(xp) < 2:
        return j, np.zeros(np.shape(x)), np.zeros(np.shape(x))
    width = xp[j + 1] - xp[j]
    return j, (x - xp[j]) / width, width


def interp_fp(g, x, xp, fp, left=None, right=None):
    """Adjoint of fp in np.interp(x, xp, fp): each g goes to the two points around its x
    (to the end point outside xp, unless `left` / `right` replace the value there)."""
    x, xp = _float(x), as_array(xp)
    g = np.broadcast_to(g, x.shape)
    j, t, _ = _interp_cells(x, xp)
    t = np.clip(t, 0.0, 1.0)
    if left is not None:
        g = np.where(x < xp[0], 0.0, g)
    if right is not None:
        g = np.where(x > xp[-1], 0.0, g)
    out = np.zeros(np.shape(fp))
    np.add.at(out, j, g * (1 - t))
    if len(xp) > 1:
        np.add.at(out, j + 1, g * t)
    return out


def interp_slope(x, xp, fp, left=None, right=None):
    """d np.interp(x, xp, fp) / dx: the slope of the segment holding x (the right-hand one
    at a knot), 0 outside xp."""
    x, xp, fp = _float(x), as_array(xp), as_array(fp)
    j, _, width = _interp_cells(x, xp)
    if len(xp) < 2:
        return np.zeros(x.shape)[()]
    slope = (fp[j + 1] - fp[j]) / width
    return np.where((x < xp[0]) | (x >= xp[-1]), 0.0, slope)[()]


def interp_slope_fp(g, x, xp, fp, left=None, right=None):
    """The transpose of interp_slope in fp (which it is linear in): each g, divided by its
    segment's width, goes to the segment's right end and, negated, to its left end."""
    x, xp = _float(x), as_array(xp)
    out = np.zeros(np.shape(fp))
    if len(xp) < 2:
        return out
    j, _, width = _interp_cells(x, xp)
    share = np.where((x < xp[0]) | (x >= xp[-1]), 0.0, np.broadcast_to(g, x.shape) / width)
    np.add.at(out, j + 1, share)
    np.add.at(out, j, -share)
    return out


def inner_lhs(g, a, b):
    """Adjoint of `a` in np.inner(a, b) (a sum over the last axes)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    nb = np.ndim(b) - 1
    return np.tensordot(g, b, axes=(list(range(np.ndim(g) - nb, np.ndim(g))), list(range(nb))))


def inner_rhs(g, a, b):
    """Adjoint of `b` in np.inner(a, b)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    na = np.ndim(a) - 1
    return np.tensordot(g, a, axes=(list(range(na)), list(range(na))))


def _tensordot_axes(axes, na, nb):
    if np.ndim(axes) == 0:
        return list(range(na - axes, na)), list(range(axes))
    xa, xb = axes
    xa = [xa] if np.ndim(xa) == 0 else list(xa)
    xb = [xb] if np.ndim(xb) == 0 else list(xb)
    return [i % na for i in xa], [i % nb for i in xb]


def tensordot_lhs(g, a, b, axes=2):
    """Adjoint of `a` in np.tensordot(a, b, axes)."""
    xa, xb = _tensordot_axes(axes, np.ndim(a), np.ndim(b))
    free_a = [i for i in range(np.ndim(a)) if i not in xa]
    free_b = [i for i in range(np.ndim(b)) if i not in xb]
    r = np.tensordot(g, b, axes=(list(range(len(free_a), np.ndim(g))), free_b))
    paired = [xa[xb.index(i)] for i in sorted(xb)]  # the axes of a that b's leftover axes pair with
    return np.transpose(r, np.argsort(free_a + paired))


def tensordot_rhs(g, a, b, axes=2):
    """Adjoint of `b` in np.tensordot(a, b, axes)."""
    xa, xb = _tensordot_axes(axes, np.ndim(a), np.ndim(b))
    free_a = [i for i in range(np.ndim(a)) if i not in xa]
    free_b = [i for i in range(np.ndim(b)) if i not in xb]
    r = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
    paired = [xb[xa.index(i)] for i in sorted(xa)]
    return np.transpose(r, np.argsort(paired + free_b))


def _kron_blocks(g, a, b):
    """g of np.kron(a, b) as (a0, b0, a1, b1, ...), with the shapes padded to one length."""
    d = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (d - np.ndim(a)) + np.shape(a)
    sb = (1,) * (d - np.ndim(b)) + np.shape(b)
    return np.reshape(g, [n for pair in zip(sa, sb) for n in pair]), sa, sb, d


def kron_lhs(g, a, b):
    """Adjoint of `a` in np.kron(a, b)."""
    blocks, sa, sb, d = _kron_blocks(g, a, b)
    return np.tensordot(blocks, np.reshape(b, sb), axes=(list(range(1, 2 * d, 2)), list(range(d)))).reshape(np.shape(a))


def kron_rhs(g, a, b):
    """Adjoint of `b` in np.kron(a, b)."""
    blocks, sa, sb, d = _kron_blocks(g, a, b)
    return np.tensordot(blocks, np.reshape(a, sa), axes=(list(range(0, 2 * d, 2)), list(range(d)))).reshape(np.shape(b))


def einsum_transpose(inputs, output, k):
    """The einsum that gives operand k's adjoint, for explicit subscripts without '...':
    (spec, extras). Its operands are g, the other operands in order, then one per extra:
    ('eye', p), an identity the size of operand k's axis p (its label repeats there), or
    ('ones', p), ones along axis p (a label that only operand k sums over)."""
    letters = set("".join(inputs) + output)
    fresh = (c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in letters)
    others = inputs[:k] + inputs[k + 1 :]
    target, extras, subs = [], [], []
    for p, c in enumerate(inputs[k]):
        if c in target:
            new = next(fresh)
            extras.append(("eye", p))
            subs.append(c + new)
            c = new
        target.append(c)
    present = set(output + "".join(others) + "".join(subs))
    for p, c in enumerate(inputs[k]):
        if c not in present:
            extras.append(("ones", p))
            subs.append(c)
            present.add(c)
    return ",".join([output] + others + subs) + "->" + "".join(target), extras


def einsum_parse(subscripts, ndims=None):
    """Explicit subscripts (inputs, output) of an einsum; with `ndims`, '...' becomes letters."""
    subscripts = subscripts.replace(" ", "")
    lhs, arrow, output = subscripts.partition("->")
    inputs = lhs.split(",")
    if not arrow:
        once = sorted(c for c in set(lhs) if c.isalpha() and lhs.count(c) == 1)
        output = ("..." if "..." in lhs else "") + "".join(once)
    if ndims is None or "..." not in subscripts:
        return inputs, output
    spare = [c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjihgfedcba" if c not in subscripts]
    counts = [n - (len(s) - 3) if "..." in s else 0 for s, n in zip(inputs, ndims)]
    dots = "".join(spare[: max(counts)])
    inputs = [s.replace("...", dots[len(dots) - c :] if c else "") for s, c in zip(inputs, counts)]
    return inputs, output.replace("...", dots)


def einsum_adjoint(g, k, subscripts, *operands):
    """Adjoint of operand k of np.einsum(subscripts, *operands), for any subscripts."""
    inputs, output = einsum_parse(subscripts, [np.ndim(op) for op in operands])
    spec, extras = einsum_transpose(inputs, output, k)
    shape = np.shape(operands[k])
    made = [np.eye(shape[p]) if kind == "eye" else np.ones(shape[p]) for kind, p in extras]
    others = operands[:k] + operands[k + 1 :]
    return unbroadcast(np.einsum(spec, g, *others, *made), operands[k])


def as_columns(v, b):
    """v as a stack of matrices, as np.linalg.solve(a, b) reads b: a 1-d b is one column."""
    return as_array(v)[..., None] if np.ndim(b) == 1 else v


def from_columns(m, b):
    """The inverse of as_columns."""
    return m[..., 0] if np.ndim(b) == 1 else m


def solve_rhs(g, a, b):
    """Adjoint of `b` in np.linalg.solve(a, b): solve(a^T, g)."""
    at = np.swapaxes(a, -1, -2)
    if np.ndim(b) == 1:
        return unbroadcast(np.linalg.solve(at, as_array(g)[..., None])[..., 0], b)
    return unbroadcast(np.linalg.solve(at, g), b)


def solve_lhs(g, a, b, ans):
    """Adjoint of `a` in x = np.linalg.solve(a, b): -solve(a^T, g) x^T."""
    at = np.swapaxes(a, -1, -2)
    if np.ndim(b) == 1:
        gb = np.linalg.solve(at, as_array(g)[..., None])
        return unbroadcast(-gb * as_array(ans)[..., None, :], a)
    return unbroadcast(-np.linalg.solve(at, g) @ np.swapaxes(ans, -1, -2), a)


def matrix_power_adjoint(g, a, n):
    """Adjoint of `a` in np.linalg.matrix_power(a, n): sum of (a^T)^i g (a^T)^(n-1-i)."""
    if n < 0:
        inv = np.linalg.inv(a)
        g_inv = matrix_power_adjoint(g, inv, -n)
        inv_t = np.swapaxes(inv, -1, -2)
        return -inv_t @ g_inv @ inv_t
    at = np.swapaxes(a, -1, -2)
    powers = [np.broadcast_to(np.eye(np.shape(a)[-1]), np.shape(a))]
    for _ in range(n - 1):
        powers.append(powers[-1] @ at)
    out = np.zeros(np.shape(a))
    for i in range(n):
        out = out + powers[i] @ g @ powers[n - 1 - i]
    return out


def _factors(arrays, tangent_lists):
    """multi_dot's factors as matrices (a 1-d first factor is a row, a 1-d last one a
    column), with each list of tangents shaped the same way (0.0 for a constant factor)."""
    shapes = [np.shape(m) for m in arrays]
    forms = [s if len(s) == 2 else (1, s[0]) if k == 0 else (s[0], 1) for k, s in enumerate(shapes)]
    mats = [np.reshape(m, f) for m, f in zip(arrays, forms)]
    ts = [[np.broadcast_to(t, s).reshape(f) for t, s, f in zip(tl, shapes, forms, strict=True)] for tl in tangent_lists]
    return mats, ts, shapes


def _chain_jets(mats, ts, reverse=False):
    """jets[j]: the coefficients of the product of the factors before j (after j, if reverse)."""
    order = range(len(mats) - 1, -1, -1) if reverse else range(len(mats))
    mul = (lambda c, f: f @ c) if reverse else np.matmul
    jets = [{0: None}]
    for k in order:
        jets.append(times_jet(jets[-1], mats[k], [t[k] for t in ts], mul))
    return jets[::-1][1:] if reverse else jets


def multi_dot_adjoint(g, arrays, *tangent_lists):
    """Adjoints of the factors of np.linalg.multi_dot(arrays), one per factor. With lists of
    tangents t_1 .. t_m (one tangent per factor each): their derivative in those
    directions, linear in g and in each list."""
    mats, ts, shapes = _factors(arrays, tangent_lists)
    g = np.reshape(g, (mats[0].shape[0], mats[-1].shape[1]))
    full = (1 << len(ts)) - 1
    left, right = _chain_jets(mats, ts), _chain_jets(mats, ts, reverse=True)
    parts = []
    for j, shape in enumerate(shapes):
        total = np.zeros(mats[j].shape)
        for s, before in left[j].items():
            if full ^ s in right[j]:
                after = right[j][full ^ s]
                term = g if before is None else before.T @ g
                total = total + (term if after is None else term @ after.T)
        parts.append(total.reshape(shape))
    return Parts(parts)


def multi_dot_tangent(arrays, *tangent_lists):
    """The derivative of np.linalg.multi_dot(arrays) in the directions t_1 .. t_m (lists of
    one tangent per factor, at least one list): the m-th derivative."""
    mats, ts, shapes = _factors(arrays, tangent_lists)
    out = _chain_jets(mats, ts)[-1].get((1 << len(ts)) - 1, 0.0)
    return np.reshape(np.broadcast_to(out, (mats[0].shape[0], mats[-1].shape[1])), shapes[0][:-1] + shapes[-1][1:])


def _safe_divide(x, y):
    zero = y == 0
    return np.where(zero, 0.0, x / np.where(zero, 1.0, y))


def _norm_axes(x, ord, axis, kind):
    """(the axes a norm reduces, whether it is a matrix norm)."""
    if axis is None:
        axes = tuple(range(x.ndim)) if kind != "matrix" else (x.ndim - 2, x.ndim - 1)
        return axes, kind == "matrix" or (kind is None and x.ndim == 2 and ord is not None)
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = tuple(a % x.ndim for a in axes)
    return axes, kind == "matrix" or (kind is None and len(axes) == 2)


def norm_adjoint(g, x, ans, ord=None, axis=None, keepdims=False, kind=None):
    """Adjoint of np.linalg.norm (kind None), vector_norm (kind 'vector') or matrix_norm
    (kind 'matrix'). Ties of max/min norms split equally; the 2-norm's adjoint at 0 is 0."""
    x = _float(x)
    axes, matrix = _norm_axes(x, ord, axis, kind)
    if not keepdims:
        g, ans = np.expand_dims(g, axes), np.expand_dims(ans, axes)
    if ord in (None, "fro") or (ord == 2 and not matrix):
        return g * _safe_divide(x, ans)
    if not matrix:
        if ord == 1:
            return g * np.sign(x)
        if ord in (np.inf, -np.inf):
            hit = (np.abs(x) == ans).astype(x.dtype)
            return g * np.sign(x) * hit / np.sum(hit, axis=axes, keepdims=True)
        if ord == 0:
            raise _not_differentiable("np.linalg.norm with ord=0 (a count)")
        return g * np.sign(x) * _safe_divide(np.abs(x) ** (ord - 1), ans ** (ord - 1))
    xm = np.moveaxis(x, axes, (-2, -1))
    if ord in ("nuc", 2, -2):
        u, s, vt = np.linalg.svd(xm, full_matrices=False)
        if ord == "nuc":
            d = u @ vt
        else:
            top = slice(0, 1) if ord == 2 else slice(-1, None)  # the largest / smallest
            d = u[..., :, top] @ vt[..., top, :]
    elif ord in (1, -1, np.inf, -np.inf):
        over = -2 if ord in (1, -1) else -1  # 1: max column sum; inf: max row sum
        sums = np.sum(np.abs(xm), axis=over, keepdims=True)
        best = (
            np.max(sums, axis=-1 if over == -2 else -2, keepdims=True)
            if ord in (1, np.inf)
            else np.min(sums, axis=-1 if over == -2 else -2, keepdims=True)
        )
        hit = (sums == best).astype(x.dtype)
        d = np.sign(xm) * hit / np.sum(hit, axis=(-2, -1), keepdims=True)
    else:
        raise _not_differentiable(f"np.linalg.norm with ord={ord!r} on matrices")
    return g * np.moveaxis(d, (-2, -1), axes)


def norm_curvature(g, x, ans, t, ord=None, axis=None, keepdims=False, kind=None):
    """The derivative of norm_adjoint(g, x, ans, ...) in x along t, with ans held fixed
    (a symmetric map: its own transpose). For a p-norm the adjoint is
    g sign(x) |x|^(p-1) / ans^(p-1); the piecewise-linear norms (1, inf, the matrix 1 and
    inf norms) have 0 here; the nuclear norm and the matrix 2-norms, whose adjoint is
    g U diag(w) V^T, that of the singular values (svdvals_curvature)."""
    x = _float(x)
    axes, matrix = _norm_axes(x, ord, axis, kind)
    if not keepdims:
        g, ans = np.expand_dims(g, axes), np.expand_dims(ans, axes)
    if matrix and ord in ("nuc", 2, -2):
        xm, tm = np.moveaxis(x, axes, (-2, -1)), np.moveaxis(np.broadcast_to(t, x.shape), axes, (-2, -1))
        k = min(xm.shape[-2:])
        weights = np.ones(k) if ord == "nuc" else np.eye(k)[0 if ord == 2 else -1]
        return g * np.moveaxis(
            svdvals_curvature(np.broadcast_to(weights, xm.shape[:-2] + (k,)), xm, tm), (-2, -1), axes
        )
    p = _norm_power(ord, matrix)
    if p in (1, np.inf, -np.inf):
        return np.zeros(np.broadcast_shapes(x.shape, np.shape(t)))
    if p == 2:
        return g * _safe_divide(t, ans)
    return g * (p - 1) * np.abs(x) ** (p - 2) * t / ans ** (p - 1)


def norm_ans_factor(x, ord=None, axis=None, kind=None):
    """d norm_adjoint / d ans = norm_adjoint * norm_ans_factor / ans: 1 - p for a p-norm
    (the adjoint is proportional to ans^(1-p)), 0 for the inf-norms and the matrix norms
    other than Frobenius (their adjoint does not depend on ans)."""
    _, matrix = _norm_axes(_float(x), ord, axis, kind)
    if matrix and ord not in (None, "fro"):
        return 0.0
    p = _norm_power(ord, matrix)
    return 0.0 if p in (np.inf, -np.inf) else 1.0 - p


def _norm_power(ord, matrix):
    """The p of a p-norm (2 for Frobenius); raises for the norms without a second derivative."""
    if ord in (None, "fro"):
        return 2
    if matrix:
        return np.inf if ord in (np.inf, -np.inf) else 1
    if ord == 0:
        raise _not_differentiable("np.linalg.norm with ord=0 (a count)")
    return ord


def _not_differentiable(what):
    from ..errors import S2SGradError

    return S2SGradError(f"{what} has no derivative rule")


def cholesky_adjoint(g, L):
    """Adjoint of A in L = np.linalg.cholesky(A), symmetric (A's perturbations are):
    Murray (2016), A_bar = sym(L^-T Phi(L^T g) L^-1), Phi = lower triangle, half diagonal."""
    lt = np.swapaxes(L, -1, -2)
    phi = np.tril(lt @ g) * (1 - 0.5 * np.eye(np.shape(L)[-1]))
    s = np.linalg.solve(lt, np.swapaxes(np.linalg.solve(lt, np.swapaxes(phi, -1, -2)), -1, -2))
    return (s + np.swapaxes(s, -1, -2)) / 2


def eigh_adjoint(g, w, v):
    """Adjoint of A in w, v = np.linalg.eigh(A), symmetric:
    V (diag(w_bar) + F * (V^T v_bar)) V^T with F[i, j] = 1 / (w[j] - w[i]) off the diagonal
    (distinct eigenvalues)."""
    gw, gv = _adjoint_of_output(g, 0, w), _adjoint_of_output(g, 1, v)
    vt = np.swapaxes(v, -1, -2)
    gap = w[..., None, :] - w[..., :, None]
    off = ~np.eye(np.shape(w)[-1], dtype=bool)
    f = np.where(off, 1.0, 0.0) / np.where(off, gap, 1.0)
    out = v @ (f * (vt @ gv) + gw[..., :, None] * np.eye(np.shape(w)[-1])) @ vt
    return (out + np.swapaxes(out, -1, -2)) / 2


def qr_adjoint(g, q, r):
    """Adjoint of A in q, r = np.linalg.qr(A) (reduced, rows >= columns):
    (q_bar + q copyltu(M)) r^-T with M = r r_bar^T - q_bar^T q."""
    if np.shape(q)[-2] < np.shape(q)[-1] or np.shape(q)[-1] != np.shape(r)[-2]:
        raise _not_differentiable("np.linalg.qr of a matrix with more columns than rows")
    gq, gr = _adjoint_of_output(g, 0, q), _adjoint_of_output(g, 1, r)
    m = r @ np.swapaxes(gr, -1, -2) - np.swapaxes(gq, -1, -2) @ q
    copied = np.tril(m) + np.swapaxes(np.tril(m, -1), -1, -2)
    b = gq + q @ copied
    return np.swapaxes(np.linalg.solve(r, np.swapaxes(b, -1, -2)), -1, -2)


def svdvals_adjoint(g, x):
    """Adjoint of x in np.linalg.svdvals(x): U diag(g) V^T (distinct singular values)."""
    u, _, vt = np.linalg.svd(x, full_matrices=False)
    return (u * as_array(g)[..., None, :]) @ vt


def svdvals_curvature(g, x, t):
    """The derivative of svdvals_adjoint(g, x) = U diag(g) V^T in x along t (the Hessian of
    <g, svdvals(x)>: a symmetric map). From the reduced SVD's derivative, with P = U^T t V
    and F[i, j] = 1 / (s[j]^2 - s[i]^2) off the diagonal: dU = U (F * (P S + S P^T))
    + (I - U U^T) t V S^-1, and dV likewise. Distinct, nonzero singular values."""
    u, s, vt = np.linalg.svd(_float(x), full_matrices=False)
    v, g = np.swapaxes(vt, -1, -2), as_array(g)[..., None, :]
    p = np.swapaxes(u, -1, -2) @ t @ v
    pt, row, col = np.swapaxes(p, -1, -2), s[..., None, :], s[..., :, None]
    off = 1.0 - np.eye(s.shape[-1])
    f = off / (row**2 - col**2 + (1.0 - off))
    du = u @ (f * (p * row + col * pt)) + (t @ v - u @ p) / row
    dv = v @ (f * (col * p + pt * row)) + (np.swapaxes(t, -1, -2) @ u - v @ pt) / row
    return (du * g) @ vt + (u * g) @ np.swapaxes(dv, -1, -2)


def _full_signal(g, m, n, mode, offset_same):
    """The adjoint of a 'same' or 'valid' 1-d convolution, put into the 'full' length."""
    if mode == "full":
        return _float(g)
    out = np.zeros(m + n - 1)
    start = offset_same if mode == "same" else min(m, n) - 1
    out[start : start + len(g)] = g
    return out


def convolve_adjoint(g, a, v, mode="full"):
    """Adjoint of `a` in np.convolve(a, v, mode) (and of v, with a and v swapped)."""
    m, n = len(a), len(v)
    return np.correlate(_full_signal(g, m, n, mode, (min(m, n) - 1) // 2), v, "valid")


def _correlate_full(g, a, v, mode):
    m, n = len(a), len(v)
    return _full_signal(g, m, n, mode, min(m, n) // 2 if m < n else (min(m, n) - 1) // 2)


def correlate_lhs(g, a, v, mode="valid"):
    """Adjoint of `a` in np.correlate(a, v, mode) (real values)."""
    return np.correlate(_correlate_full(g, a, v, mode), as_array(v)[::-1], "valid")


def correlate_rhs(g, a, v, mode="valid"):
    """Adjoint of `v` in np.correlate(a, v, mode) (real values)."""
    return np.correlate(_correlate_full(g, a, v, mode), a, "valid")[::-1]


def no_adjoint(g, what, start=None, axis=-1):
    """0.0 where a derivative has no rule for an output the function reads, so an adjoint
    that reaches it (nonzero, from `start` on along `axis` if given) is an error, not dropped."""
    part = np.asarray(g)
    if start is not None and part.ndim:
        part = np.take(part, np.arange(start, part.shape[axis]), axis=axis)
    if np.any(part != 0):
        raise _not_differentiable(what)
    return 0.0


def svd_columns(g, u, s, vh):
    """How many singular vectors np.linalg.svd's derivative reads (len(s)); with
    full_matrices=True, the extra ones of a non-square matrix are not unique, so an adjoint
    on them (or, in forward mode, `g` None, any) is an error."""
    k = np.shape(s)[-1]
    if np.shape(u)[-1] == k and np.shape(vh)[-2] == k:
        return k
    what = "np.linalg.svd(a, full_matrices=True) of a non-square matrix (its extra singular vectors are not unique)"
    if g is None:
        raise _not_differentiable(what + " in forward mode")
    no_adjoint(g[0], what, k, -1)
    no_adjoint(g[2], what, k, -2)
    return k


def lstsq_residual_tangent(e, de, residuals):
    """The tangent of np.linalg.lstsq's residuals, sum(e ** 2, axis=0) with e = b - a x:
    2 sum(e de, axis=0) (a^T e = 0 removes x's own tangent); empty when they are."""
    if np.size(residuals) == 0:
        return np.zeros(np.shape(residuals))
    return np.reshape(2 * np.sum(e * de, axis=0), np.shape(residuals))


def _select_masks(condlist, shape):
    """Where np.select takes each choice: its condition is the first one that holds."""
    taken = np.zeros(shape, dtype=bool)
    masks = []
    for cond in condlist:
        mask = np.broadcast_to(cond, shape) & ~taken
        masks.append(mask)
        taken = taken | mask
    return masks, ~taken


def select_adjoint(g, condlist, choicelist):
    """The adjoints of np.select's choices, one per choice (Parts)."""
    masks, _ = _select_masks(condlist, np.shape(g))
    return Parts(unbroadcast(np.where(m, g, 0.0), c) for m, c in zip(masks, choicelist))


def reselect(parts, condlist, like):
    """The transpose of select_adjoint: each part where its condition is the first that holds."""
    masks, _ = _select_masks(condlist, np.shape(like))
    out = np.zeros(np.shape(like))
    for m, part in zip(masks, parts):
        out = out + np.where(m, part, 0.0)
    return out


def select_default(g, condlist, default):
    """The adjoint of np.select's default: where no condition holds (its own transpose)."""
    _, none = _select_masks(condlist, np.broadcast_shapes(np.shape(g), *map(np.shape, condlist)))
    return unbroadcast(np.where(none, g, 0.0), default)
