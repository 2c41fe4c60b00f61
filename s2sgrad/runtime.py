"""The few helpers that generated derivative code calls.

Each is small, plain NumPy, and has its own derivative rule in `rules`, so
that generated code can itself be differentiated.
"""
import numpy as np

__all__ = ["not_a_view", "unbroadcast", "zeros_like", "grad_seed", "sum_to", "unreduce", "reduce_count",
           "matmul_lhs", "matmul_rhs", "extremum_mask", "scatter", "prod_others",
           "owned", "part", "saved_part", "add_at", "dot_lhs", "dot_rhs", "shape_of", "split_last", "broadcast_like", "reduce_like", "add_values"]


class Shape:
    """What a loop keeps of a value the reverse sweep needs only the shape of."""
    __slots__ = ("dims",)

    def __init__(self, dims):
        self.dims = dims

    def __repr__(self):
        return f"Shape{self.dims}"


def shape_of(x):
    """Keep only the shape of `x` (helpers accept it wherever they need just a shape)."""
    return Shape(np.shape(x))


def _shape(x):
    return x.dims if isinstance(x, Shape) else np.shape(x)


def unbroadcast(g, x):
    """Sum `g` down to the shape of `x` (undoing NumPy broadcasting)."""
    shape = _shape(x)
    if np.shape(g) == shape:
        return g
    return sum_to(g, shape)


def sum_to(g, shape):
    g = np.asarray(g)
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape) if g.shape != shape else g


def zeros_like(x):
    """A zero adjoint for `x`: a float for a number, an array of x's shape for an
    array, and the same container of zeros for a dict, list or tuple (a list for
    a tuple, so that it can be filled in place)."""
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [zeros_like(v) for v in x]
    if isinstance(x, np.ndarray):
        return np.zeros_like(x, dtype=np.result_type(x.dtype, np.float64))
    if isinstance(x, (int, float, np.number)):
        return 0.0
    return np.zeros(_shape(x))


def grad_seed(result):
    """The adjoint 1 that starts the reverse sweep; `result` must be a scalar."""
    if np.size(result) != 1 or isinstance(result, (tuple, list, dict)):
        from .errors import S2SGradError
        raise S2SGradError(
            f"grad needs a scalar result, got shape {np.shape(result)}; "
            "use sg.vjp for a vector-Jacobian product or sg.jacobian for the full Jacobian")
    return np.ones_like(result, dtype=np.result_type(result, np.float64)) \
        if isinstance(result, np.ndarray) else 1.0


def unreduce(g, x, axis=None, keepdims=False):
    """Broadcast the adjoint of a reduction of `x` over `axis` back to x's shape."""
    shape = _shape(x)
    if axis is not None and not keepdims:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        g = np.expand_dims(g, tuple(a % len(shape) for a in axes))
    return np.broadcast_to(g, shape)


def reduce_count(x, axis=None):
    """How many elements a reduction of `x` over `axis` combines."""
    shape = _shape(x)
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return int(np.prod([shape[a] for a in axes]))


def matmul_lhs(g, a, b):
    """Adjoint of `a` in `a @ b`."""
    if np.ndim(a) == 2 and np.ndim(b) == 2:
        return g @ b.T
    if np.ndim(b) == 1:
        return np.multiply.outer(g, b) if np.ndim(a) >= 2 else g * b
    if np.ndim(a) == 1:
        return unbroadcast(b @ g[..., None], a[:, None])[..., 0] if np.ndim(b) > 2 else b @ g
    return unbroadcast(g @ np.swapaxes(b, -1, -2), a)


def matmul_rhs(g, a, b):
    """Adjoint of `b` in `a @ b`."""
    if np.ndim(a) == 2 and np.ndim(b) == 2:
        return a.T @ g
    if np.ndim(a) == 1:
        return a[:, None] * np.asarray(g)[..., None, :] if np.ndim(b) >= 2 else g * a
    if np.ndim(b) == 1:
        return unbroadcast(np.swapaxes(a, -1, -2) @ g[..., None], b[:, None])[..., 0]
    return unbroadcast(np.swapaxes(a, -1, -2) @ g, b)


def extremum_mask(x, ans, axis=None, keepdims=False):
    """Where `x` attains its max/min along `axis`, as weights that split ties equally."""
    hit = (x == unreduce(ans, x, axis, keepdims)).astype(np.result_type(x, np.float64))
    return hit / unreduce(np.sum(hit, axis=axis, keepdims=keepdims), x, axis, keepdims)


def scatter(g, x, index):
    """Adjoint of `x[index]`: `g` added into a zero array shaped like `x` (repeats add up)."""
    out = zeros_like(x)
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts)


def prod_others(a, axis=None):
    """For each element, the product of the other elements it is reduced with
    (the derivative of `prod`), exact when some factors are zero."""
    a = np.asarray(a, dtype=np.result_type(a, np.float64))
    if axis is None:
        return _prod_others_last(a.reshape(-1)).reshape(a.shape)
    axes = tuple(x % a.ndim for x in ((axis,) if np.ndim(axis) == 0 else axis))
    rest = [x for x in range(a.ndim) if x not in axes]
    moved = np.transpose(a, rest + list(axes))
    flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
    out = _prod_others_last(flat).reshape(moved.shape)
    return np.transpose(out, np.argsort(rest + list(axes)))


def _prod_others_last(a):
    ones = np.ones_like(a[..., :1])
    left = np.concatenate([ones, np.cumprod(a[..., :-1], axis=-1)], axis=-1)
    right = np.concatenate([np.cumprod(a[..., :0:-1], axis=-1)[..., ::-1], ones], axis=-1)
    return left * right


def not_a_view(x, message):
    """Stop if `x` shares memory with another array (the derivative would miss a change)."""
    if isinstance(x, np.ndarray) and x.base is not None:
        from .errors import S2SGradError
        raise S2SGradError(message)


def owned(g):
    """A float array of g's values that no one else holds (to update in place)."""
    return np.array(g, dtype=np.result_type(g, np.float64), copy=True)


def part(g, index, like):
    """A copy of g[index], summed to the shape of `like` (the value written there)."""
    if not _is_basic(index):
        _refuse_repeats(g, index)
    piece = g[index]
    if np.shape(piece) == _shape(like):
        return np.array(piece, copy=True) if isinstance(piece, np.ndarray) else piece
    return sum_to(piece, _shape(like))


def _refuse_repeats(g, index):
    hits = np.arange(np.size(g)).reshape(np.shape(g))[index]
    if np.unique(hits).size != np.size(hits):
        from .errors import S2SGradError
        raise S2SGradError("an assignment x[index] = v whose index repeats an element has no defined result "
                           "in NumPy (and `x[index] += v` does not add the repeats)",
                           hint="use np.add.at(x, index, v), or an index without repeats")


def saved_part(x, index):
    """A copy of what `x[index] = ...` is about to overwrite."""
    piece = x[index]
    return piece.copy() if isinstance(piece, np.ndarray) else piece


def add_at(g, index, values):
    """g[index] += values, adding up repeated indices."""
    if isinstance(g, (dict, list)):
        g[index] = add_values(g[index], values)
    elif _is_basic(index):
        g[index] += values
    else:
        np.add.at(g, index, values)


def dot_lhs(g, a, b):
    """Adjoint of `a` in `np.dot(a, b)` (any dimensions)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    if np.ndim(b) == 1:
        return np.multiply.outer(g, b)
    contracted = np.ndim(b) - 2
    others = [i for i in range(np.ndim(b)) if i != contracted]
    return np.tensordot(g, b, axes=(list(range(np.ndim(a) - 1, np.ndim(g))), others))


def dot_rhs(g, a, b):
    """Adjoint of `b` in `np.dot(a, b)` (any dimensions)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    lead = list(range(np.ndim(a) - 1))
    if np.ndim(b) == 1:
        return np.tensordot(a, g, axes=(lead, list(range(np.ndim(g)))))
    return np.moveaxis(np.tensordot(a, g, axes=(lead, lead)), 0, -2)


def split_last(g):
    """(adjoint of a list's last element, adjoint of the rest): undoes an append."""
    if isinstance(g, list):
        return g.pop(), g
    return g[-1], g[:-1]


def broadcast_like(t, ans):
    """A tangent spread to the shape of the result it belongs to (forward mode's unbroadcast)."""
    shape = _shape(ans)
    return t if np.shape(t) == shape else np.broadcast_to(t, shape)


# -- adjoints of the extended rule table (rules/numpy_rules.py, rules/linalg_rules.py) --
# Each is the VJP of one primitive, linear in `g`, and reads its other arguments
# only as values. A tuple-valued primitive (eigh, qr, split) gets `g` as the
# sequence of its outputs' adjoints, where an output without one may be 0.0.

__all__ += ["sinc_slope", "unconcat", "unsplit", "untile", "unrepeat", "unpad", "untake",
            "untake_along_axis", "undiag", "undiagonal", "unpermute", "unique_adjoint", "cumsum_adjoint",
            "cumprod_adjoint", "undiff", "trapezoid_y", "trapezoid_x", "average_weights",
            "average_weights_adjoint", "interp_fp", "interp_slope", "inner_lhs", "inner_rhs",
            "tensordot_lhs", "tensordot_rhs", "kron_lhs", "kron_rhs", "einsum_adjoint",
            "solve_lhs", "solve_rhs", "matrix_power_adjoint", "multi_dot_adjoint", "norm_adjoint",
            "cholesky_adjoint", "eigh_adjoint", "qr_adjoint", "svdvals_adjoint", "convolve_adjoint",
            "correlate_lhs", "correlate_rhs"]


class Parts(tuple):
    """The adjoints of the items of a list or tuple argument (`np.concatenate([a, b])`):
    item i is item i's adjoint, and `+` adds item by item, as adjoints add."""
    __array_ufunc__ = None      # ndarray + Parts defers to Parts.__radd__

    def __add__(self, other):
        return Parts(a + b for a, b in zip(self, other, strict=True))

    __radd__ = __add__


def _float(x):
    return np.asarray(x, dtype=np.result_type(x, np.float64))


def _axis(axis, ndim):
    return axis % ndim if ndim else 0


def _along(axis, ndim, index):
    """An index that applies `index` along `axis` of an ndim-d array."""
    return (slice(None),) * axis + (index,) + (slice(None),) * (ndim - axis - 1)


def _adjoint_of_output(g, i, like):
    """Output i's adjoint from a tuple output's adjoint, as an array shaped like `like`."""
    return np.broadcast_to(g[i], np.shape(like))


def sinc_slope(x):
    """d sinc(x) / dx, with its limit 0 at x = 0."""
    x = _float(x)
    zero = x == 0
    safe = np.where(zero, 1.0, x)
    px = np.pi * safe
    return np.where(zero, 0.0, (np.cos(px) - np.sin(px) / px) / safe)[()]


def unconcat(g, arrays, axis=0):
    """Adjoint of np.concatenate(arrays, axis) and its kin: g cut into the items' pieces,
    each shaped like its item. axis None: the items were flattened; 'h': hstack's axis."""
    g = np.asarray(g)
    shapes = [np.shape(a) for a in arrays]
    if axis is None:
        cuts = np.cumsum([int(np.prod(s)) for s in shapes])[:-1]
        return Parts(p.reshape(s) for p, s in zip(np.split(g.reshape(-1), cuts), shapes))
    if axis == "h":
        axis = 0 if g.ndim == 1 else 1
    axis = _axis(axis, g.ndim)
    across = g.size // g.shape[axis]        # elements of one slice along the axis
    cuts = np.cumsum([int(np.prod(s)) // across for s in shapes])[:-1]
    return Parts(p.reshape(s) for p, s in zip(np.split(g, cuts, axis=axis), shapes))


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
    g = np.asarray(g)
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


def unpad(g, array, pad_width, mode="constant"):
    """Adjoint of np.pad for the modes that copy values (constant, empty, edge, reflect,
    symmetric, wrap): each padded element's adjoint goes back to the element it copies."""
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
    g = np.asarray(g)
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


def unique_adjoint(g, ar):
    """Adjoint of np.unique(ar)'s values: each value's adjoint split equally among the
    elements equal to it (as ties of max split)."""
    _, inverse, counts = np.unique(np.ravel(ar), return_inverse=True, return_counts=True)
    return (np.asarray(g)[inverse] / counts[inverse]).reshape(np.shape(ar))


def cumsum_adjoint(g, a, axis=None, include_initial=False):
    """Adjoint of np.cumsum / np.cumulative_sum: a cumulative sum from the end."""
    g = np.asarray(g)
    ax = 0 if axis is None else _axis(axis, g.ndim)
    if include_initial:
        g = np.take(g, np.arange(1, g.shape[ax]), axis=ax)
    out = np.flip(np.cumsum(np.flip(g, ax), axis=ax), ax)
    return out.reshape(np.shape(a))


def cumprod_adjoint(g, a, axis=None, include_initial=False):
    """Adjoint of np.cumprod, exact when factors are zero: element j gets
    prod(a[:j]) * s[j], where s[j] = g[j] + a[j + 1] * s[j + 1] (a sweep from the end)."""
    shape = np.shape(a)
    a, g = _float(a), np.asarray(g)
    if axis is None:
        a, ax = a.reshape(-1), 0
    else:
        ax = _axis(axis, a.ndim)
    if include_initial:
        g = np.take(g, np.arange(1, g.shape[ax]), axis=ax)
    a, s = np.moveaxis(a, ax, -1), np.array(np.moveaxis(g, ax, -1), dtype=a.dtype)
    for j in range(a.shape[-1] - 2, -1, -1):
        s[..., j] += a[..., j + 1] * s[..., j + 1]
    before = np.concatenate([np.ones_like(a[..., :1]), np.cumprod(a[..., :-1], axis=-1)], axis=-1)
    return np.moveaxis(before * s, -1, ax).reshape(shape)


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
        return np.asarray(dx, dtype=np.float64)
    x = np.asarray(x)
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
    weights = np.pad(half, pad[:axis] + [(0, 1)] + pad[axis + 1:]) \
        + np.pad(half, pad[:axis] + [(1, 0)] + pad[axis + 1:])
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
    gw = np.asarray(gw)
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
    x, xp = _float(x), np.asarray(xp)
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
    x, xp, fp = _float(x), np.asarray(xp), np.asarray(fp)
    j, _, width = _interp_cells(x, xp)
    if len(xp) < 2:
        return np.zeros(x.shape)[()]
    slope = (fp[j + 1] - fp[j]) / width
    return np.where((x < xp[0]) | (x >= xp[-1]), 0.0, slope)[()]


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
    paired = [xa[xb.index(i)] for i in sorted(xb)]      # the axes of a that b's leftover axes pair with
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
    return np.tensordot(blocks, np.reshape(b, sb), axes=(list(range(1, 2 * d, 2)), list(range(d)))) \
        .reshape(np.shape(a))


def kron_rhs(g, a, b):
    """Adjoint of `b` in np.kron(a, b)."""
    blocks, sa, sb, d = _kron_blocks(g, a, b)
    return np.tensordot(blocks, np.reshape(a, sa), axes=(list(range(0, 2 * d, 2)), list(range(d)))) \
        .reshape(np.shape(b))


def einsum_transpose(inputs, output, k):
    """The einsum that gives operand k's adjoint, for explicit subscripts without '...':
    (spec, extras). Its operands are g, the other operands in order, then one per extra:
    ('eye', p), an identity the size of operand k's axis p (its label repeats there), or
    ('ones', p), ones along axis p (a label that only operand k sums over)."""
    letters = set("".join(inputs) + output)
    fresh = (c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in letters)
    others = inputs[:k] + inputs[k + 1:]
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
    dots = "".join(spare[:max(counts)])
    inputs = [s.replace("...", dots[len(dots) - c:] if c else "") for s, c in zip(inputs, counts)]
    return inputs, output.replace("...", dots)


def einsum_adjoint(g, k, subscripts, *operands):
    """Adjoint of operand k of np.einsum(subscripts, *operands), for any subscripts."""
    inputs, output = einsum_parse(subscripts, [np.ndim(op) for op in operands])
    spec, extras = einsum_transpose(inputs, output, k)
    shape = np.shape(operands[k])
    made = [np.eye(shape[p]) if kind == "eye" else np.ones(shape[p]) for kind, p in extras]
    others = operands[:k] + operands[k + 1:]
    return unbroadcast(np.einsum(spec, g, *others, *made), operands[k])


def solve_rhs(g, a, b):
    """Adjoint of `b` in np.linalg.solve(a, b): solve(a^T, g)."""
    at = np.swapaxes(a, -1, -2)
    if np.ndim(b) == 1:
        return unbroadcast(np.linalg.solve(at, np.asarray(g)[..., None])[..., 0], b)
    return unbroadcast(np.linalg.solve(at, g), b)


def solve_lhs(g, a, b, ans):
    """Adjoint of `a` in x = np.linalg.solve(a, b): -solve(a^T, g) x^T."""
    at = np.swapaxes(a, -1, -2)
    if np.ndim(b) == 1:
        gb = np.linalg.solve(at, np.asarray(g)[..., None])
        return unbroadcast(-gb * np.asarray(ans)[..., None, :], a)
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


def multi_dot_adjoint(g, arrays):
    """Adjoints of the factors of np.linalg.multi_dot(arrays), one per factor."""
    shapes = [np.shape(m) for m in arrays]
    mats = [np.asarray(m) for m in arrays]
    if mats[0].ndim == 1:
        mats[0] = mats[0][None, :]
    if mats[-1].ndim == 1:
        mats[-1] = mats[-1][:, None]
    g = np.reshape(g, (mats[0].shape[0], mats[-1].shape[1]))
    left = [np.eye(mats[0].shape[0])]
    for m in mats[:-1]:
        left.append(left[-1] @ m)
    right = [np.eye(mats[-1].shape[1])]
    for m in reversed(mats[1:]):
        right.append(m @ right[-1])
    right.reverse()
    return Parts((l.T @ g @ r.T).reshape(s) for l, r, s in zip(left, right, shapes))


def _safe_divide(x, y):
    zero = y == 0
    return np.where(zero, 0.0, x / np.where(zero, 1.0, y))


def norm_adjoint(g, x, ans, ord=None, axis=None, keepdims=False, kind=None):
    """Adjoint of np.linalg.norm (kind None), vector_norm (kind 'vector') or matrix_norm
    (kind 'matrix'). Ties of max/min norms split equally; the 2-norm's adjoint at 0 is 0."""
    x = _float(x)
    if axis is None:
        axes = tuple(range(x.ndim)) if kind != "matrix" else (x.ndim - 2, x.ndim - 1)
        matrix = kind == "matrix" or (kind is None and x.ndim == 2 and ord is not None)
    else:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        axes = tuple(a % x.ndim for a in axes)
        matrix = kind == "matrix" or (kind is None and len(axes) == 2)
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
            top = slice(0, 1) if ord == 2 else slice(-1, None)    # the largest / smallest
            d = u[..., :, top] @ vt[..., top, :]
    elif ord in (1, -1, np.inf, -np.inf):
        over = -2 if ord in (1, -1) else -1        # 1: max column sum; inf: max row sum
        sums = np.sum(np.abs(xm), axis=over, keepdims=True)
        best = np.max(sums, axis=-1 if over == -2 else -2, keepdims=True) if ord in (1, np.inf) \
            else np.min(sums, axis=-1 if over == -2 else -2, keepdims=True)
        hit = (sums == best).astype(x.dtype)
        d = np.sign(xm) * hit / np.sum(hit, axis=(-2, -1), keepdims=True)
    else:
        raise _not_differentiable(f"np.linalg.norm with ord={ord!r} on matrices")
    return g * np.moveaxis(d, (-2, -1), axes)


def _not_differentiable(what):
    from .errors import S2SGradError
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
    return (u * np.asarray(g)[..., None, :]) @ vt


def _full_signal(g, m, n, mode, offset_same):
    """The adjoint of a 'same' or 'valid' 1-d convolution, put into the 'full' length."""
    if mode == "full":
        return _float(g)
    out = np.zeros(m + n - 1)
    start = offset_same if mode == "same" else min(m, n) - 1
    out[start:start + len(g)] = g
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
    return np.correlate(_correlate_full(g, a, v, mode), np.asarray(v)[::-1], "valid")


def correlate_rhs(g, a, v, mode="valid"):
    """Adjoint of `v` in np.correlate(a, v, mode) (real values)."""
    return np.correlate(_correlate_full(g, a, v, mode), a, "valid")[::-1]


def reduce_like(G, g, axis=None, keepdims=False):
    """The transpose of `unreduce`: sum `G` back to the shape of the reduced `g`."""
    return np.reshape(np.sum(G, axis=axis, keepdims=keepdims), np.shape(g))


def add_values(a, b):
    """a + b for adjoints that may be containers: element by element (lists and
    tuples of adjoints, dicts by key), plain + for numbers and arrays."""
    if isinstance(a, dict):
        return {k: add_values(v, b[k]) if k in b else v for k, v in a.items()}
    if isinstance(a, (list, tuple)):
        return [add_values(x, y) for x, y in zip(a, b)]
    if isinstance(b, (list, tuple)):
        return [add_values(x, y) for x, y in zip(a, b)]
    return a + b
