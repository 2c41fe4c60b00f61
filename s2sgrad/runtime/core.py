"""The few helpers that generated derivative code calls.

Each is small, plain NumPy, and has its own derivative rule in
`rules/runtime_rules.py`, so that generated code can itself be differentiated.
The core engine's helpers are here; the adjoints that the NumPy rule table uses
(unconcat, solve_lhs, eigh_adjoint, ...) are in `numpy_adjoints.py`. The package
`s2sgrad.runtime` re-exports both, so generated code imports every helper from there.
"""

import itertools

import numpy as np

__all__ = [
    "seq_concat",
    "seq_repeat",
    "seq_repeat_r",
    "seq_slice",
    "seq_embed",
    "seq_unrepeat",
    "seq_tile",
    "not_a_view",
    "sole_item",
    "holds_array",
    "not_a_dict",
    "unbroadcast",
    "zeros_like",
    "grad_seed",
    "sum_to",
    "unreduce",
    "reduce_count",
    "matmul_lhs",
    "matmul_rhs",
    "extremum_mask",
    "times_extremum_mask",
    "scatter",
    "prod_others",
    "owned",
    "part",
    "saved_part",
    "restore_part",
    "add_at",
    "dot_lhs",
    "dot_rhs",
    "shape_of",
    "split_last",
    "split_off_last",
    "join_last",
    "broadcast_like",
    "reduce_like",
    "add_values",
    "fresh_copy",
]


class Shape:
    """What a loop keeps of a value the reverse sweep needs only the shape of."""

    __slots__ = ("dims",)

    def __init__(self, dims):
        self.dims = dims

    def __repr__(self):
        return f"Shape{self.dims}"


def shape_of(x):
    """Keep only the shape of `x` (helpers accept it wherever they need just a shape); of
    each item, for a list, tuple or dict."""
    if isinstance(x, dict):
        return {k: shape_of(v) for k, v in x.items()}
    if isinstance(x, list):
        return [shape_of(v) for v in x]
    if isinstance(x, tuple):  # a plain tuple, even for a named one (slogdet's result)
        return tuple(shape_of(v) for v in x)
    return Shape(np.shape(x))


def is_array(x):
    """Whether `x` is an array of some array library that dispatches NumPy's functions
    (NumPy, Dask, CuPy: they define `__array_function__`; NumPy scalars do not)."""
    return hasattr(type(x), "__array_function__")


def as_array(x, dtype=None):
    """`x` as an array of its own library: an array (NumPy, Dask, CuPy) stays one, cast
    to `dtype` if given, so that a Dask array stays lazy and a CuPy array on its GPU;
    numbers and lists become NumPy arrays (np.asarray would compute a Dask array)."""
    if is_array(x):
        return x if dtype is None or x.dtype == dtype else x.astype(dtype)
    return np.asarray(x, dtype=dtype)


def _float_dtype(x):
    return np.result_type(x.dtype if is_array(x) else x, np.float64)


def _shape(x):
    return x.dims if isinstance(x, Shape) else np.shape(x)


def unbroadcast(g, x):
    """Sum `g` down to the shape of `x` (undoing NumPy broadcasting). Adjoints of lists and
    tuples (of a list argument's items) add item by item: they pass as they are."""
    if isinstance(x, (list, tuple, dict)):
        if isinstance(x, (list, tuple)) and hasattr(g, "__len__") and len(g) != len(x):
            # `a + b` read as numbers where a and b were lists (a concatenation): never a wrong adjoint
            from ..errors import S2SGradError

            raise S2SGradError(
                f"a list or tuple of {len(x)} items was joined with + or * where s2sgrad took it for a number",
                None,
                "list concatenation",
                "write list(a) + list(b), so that s2sgrad reads a concatenation",
            )
        return g
    shape = _shape(x)
    if np.shape(g) == shape:
        return g
    return sum_to(g, shape)


def sum_to(g, shape):
    g = as_array(g)
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    elif extra < 0:
        # `u[1:] = v` may write a v of shape (1, n) into n elements (NumPy drops leading 1s)
        g = g.reshape((1,) * -extra + g.shape)
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
    if is_array(x):
        return np.zeros_like(x, dtype=_float_dtype(x))
    if isinstance(x, (int, float, np.number)):
        return 0.0
    return np.zeros(_shape(x))


def grad_seed(result):
    """The adjoint 1 that starts the reverse sweep; `result` must be a scalar."""
    if isinstance(result, (tuple, list, dict)) or getattr(result, "size", np.size(result)) != 1:
        from ..errors import S2SGradError

        if isinstance(result, tuple):
            raise S2SGradError(
                f"grad needs a scalar result, got a tuple of {len(result)} values",
                hint="if the function returns (loss, aux), pass has_aux=True: "
                "sg.grad(f, has_aux=True) gives (gradient, aux)",
            )
        raise S2SGradError(
            f"grad needs a scalar result, got shape {np.shape(result)}; "
            "use sg.vjp for a vector-Jacobian product or sg.jacobian for the full Jacobian"
        )
    return np.ones_like(result, dtype=_float_dtype(result)) if is_array(result) else 1.0


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
        return a[:, None] * as_array(g)[..., None, :] if np.ndim(b) >= 2 else g * a
    if np.ndim(b) == 1:
        return unbroadcast(np.swapaxes(a, -1, -2) @ g[..., None], b[:, None])[..., 0]
    return unbroadcast(np.swapaxes(a, -1, -2) @ g, b)


def extremum_mask(x, ans, axis=None, keepdims=False):
    """Where `x` attains its max/min along `axis`, as weights that split ties equally."""
    hit = x == unreduce(ans, x, axis, keepdims)
    weights = hit.astype(np.result_type(x, np.float64))
    if np.count_nonzero(hit) == np.size(ans) and not np.isnan(ans).any():
        return weights  # one extremum in each window (each has one, none is NaN): no ties to split
    return weights / _window_count(hit, axis)


def times_extremum_mask(g, x, ans, axis=None, keepdims=False):
    """`unreduce(g, x, axis, keepdims) * extremum_mask(x, ans, axis, keepdims)`, the
    adjoint of a max/min reduction (ties split equally), with the split made on `g`,
    of the reduction's shape: each window's `g` divided by its count of extrema,
    where the mask divides all of `x` (four times the elements for a 2 x 2 pool)."""
    hit = x == unreduce(ans, x, axis, keepdims)
    dtype = np.result_type(g, x, np.float64)  # (the product with the mask's float weights had it)
    if np.count_nonzero(hit) != np.size(ans) or np.isnan(ans).any():
        counts = _window_count(hit, axis)  # (0 in a window whose extremum is NaN: NaN there, as the mask gives)
        if axis is not None and not keepdims:
            counts = np.squeeze(counts, axis=tuple(sorted({a % np.ndim(x) for a in np.atleast_1d(axis).tolist()})))
        elif axis is None:
            counts = np.reshape(counts, np.shape(ans))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.multiply(unreduce(np.true_divide(g, counts, dtype=dtype), x, axis, keepdims), hit, dtype=dtype)
    return np.multiply(unreduce(g, x, axis, keepdims), hit, dtype=dtype)


def _window_count(hit, axis):
    """How many elements of each window (the axes `axis` of `hit`) are true, kept as
    size-1 axes. Small windows (a 2 x 2 pool) are added up from their views: NumPy's
    sum over interleaved axes (2, 4) of a 6-D array is four times slower."""
    if axis is None:
        return np.sum(hit)
    axes = sorted({a % hit.ndim for a in ((axis,) if isinstance(axis, int) else axis)})
    sizes = [hit.shape[a] for a in axes]
    if not 0 < int(np.prod(sizes)) <= 8 or axes == [hit.ndim - 1]:
        return np.sum(hit, axis=tuple(axes), keepdims=True)
    total = None
    for place in itertools.product(*(range(n) for n in sizes)):
        index = [slice(None)] * hit.ndim
        for a, k in zip(axes, place):
            index[a] = slice(k, k + 1)
        piece = hit[tuple(index)]
        total = piece.astype(np.uint8) if total is None else np.add(total, piece.view(np.uint8), out=total)
    return total


def scatter(g, x, index):
    """Adjoint of `x[index]`: `g` added into a zero array shaped like `x` (repeats add up);
    for a dict or list, into a container of zeros like it."""
    out = zeros_like(x)
    if isinstance(out, (dict, list)):
        out[index] = g
    elif _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts)


def prod_others(a, axis=None, *tangents):
    """For each element, the product of the other elements it is reduced with (the
    derivative of `prod`), exact when some factors are zero. With tangents t_1 .. t_m
    (each shaped like `a`): the derivative of that in those directions, i.e. element j
    gets the (m+1)-th derivative of the product contracted with e_j, t_1, .., t_m."""
    a = as_array(a, _float_dtype(a))
    ts = [np.broadcast_to(t, a.shape) for t in tangents]
    axes = (
        tuple(range(a.ndim)) if axis is None else tuple(x % a.ndim for x in ((axis,) if np.ndim(axis) == 0 else axis))
    )
    rest = [x for x in range(a.ndim) if x not in axes]
    order = rest + list(axes)

    def last(x):  # the reduced axes moved to the end, as one axis
        moved = np.transpose(x, order)
        return moved.reshape(moved.shape[: len(rest)] + (-1,))

    moved_shape = np.transpose(a, order).shape
    if ts:
        flat = last(a)
        to_last = np.zeros(flat.shape)
        to_last[..., -1] = 1.0  # the product is the last cumulative product
        out = jet_adjoint_last(to_last, flat, [last(t) for t in ts])
    else:
        out = _prod_others_last(last(a))
    return np.transpose(out.reshape(moved_shape), np.argsort(order))


def _prod_others_last(a):
    ones = np.ones_like(a[..., :1])
    left = np.concatenate([ones, np.cumprod(a[..., :-1], axis=-1)], axis=-1)
    right = np.concatenate([np.cumprod(a[..., :0:-1], axis=-1)[..., ::-1], ones], axis=-1)
    return left * right


# Derivatives of products of any order, exact at zero factors: expand
# prod_k (a_k + eps_1 t_1k + ... + eps_m t_mk) and keep the square-free terms, one
# coefficient per subset S of the tangents (a bitmask). The coefficient of
# eps_1 ... eps_m is the m-th derivative in the directions t_1 .. t_m.


def times_jet(poly, factor, tangents, mul=np.multiply):
    """poly * (factor + sum_i eps_i tangents[i]), square-free terms only; poly maps a
    bitmask to a coefficient, None being the empty product."""
    out = {}
    for s, c in poly.items():
        for bit, f in [(0, factor)] + [(1 << i, t) for i, t in enumerate(tangents)]:
            if s & bit:
                continue
            term = f if c is None else mul(c, f)
            out[s | bit] = term if s | bit not in out else out[s | bit] + term
    return out


def prefix_jets(a, tangents):
    """jets[j]: the coefficients of prod_{k < j} (a_k + sum_i eps_i t_ik) along the last axis."""
    jets = [{0: np.ones(a.shape[:-1])}]
    for k in range(a.shape[-1]):
        jets.append(times_jet(jets[-1], a[..., k], [t[..., k] for t in tangents]))
    return jets


def jet_adjoint_last(g, a, tangents):
    """sum_{k >= j} g_k times the (m+1)-th derivative of cumprod(a)_k contracted with e_j and
    the m tangents, for each j along the last axis (m = 0: the adjoint of cumprod)."""
    n, full = a.shape[-1], (1 << len(tangents)) - 1
    before = prefix_jets(a, tangents)
    out = np.zeros(np.broadcast_shapes(a.shape, np.shape(g)))
    after = {}  # the coefficients of sum_{k >= j} g_k prod_{j < i <= k} (...)
    for j in range(n - 1, -1, -1):
        if j < n - 1:
            after = times_jet(after, a[..., j + 1], [t[..., j + 1] for t in tangents])
        after[0] = after[0] + g[..., j] if 0 in after else g[..., j]
        out[..., j] = sum(c * after[full ^ s] for s, c in before[j].items() if full ^ s in after)
    return out


def not_a_view(x, message, where=None, item=False):
    """Stop if `x` shares memory with another array (the derivative would miss a change);
    with `item`, if `x` is an array at all (a list's item is the array itself). `where`
    is the user's "file:line"."""
    if isinstance(x, np.ndarray) and (item or x.base is not None):
        from ..errors import S2SGradError

        raise S2SGradError(message, _user_loc(where), "aliasing")


def sole_item(container, item, where=None):
    """Stop if `item`, an array in `container`, is a view or is shared by another of its
    items: `container[k] op= y` changes the array in place, there too, in Python."""
    if isinstance(container, (list, tuple, dict)) and isinstance(item, np.ndarray):
        values = container.values() if isinstance(container, dict) else container
        if item.base is not None or sum(np.may_share_memory(v, item) for v in values if isinstance(v, np.ndarray)) > 1:
            from ..errors import S2SGradError

            raise S2SGradError(
                "this augmented assignment changes an array in place that another item of the list "
                "(or a view) shares, which cannot be differentiated",
                _user_loc(where),
                "aliasing",
                "write lst[k] = lst[k] + ... (a new array), or build the list from copies",
            )


def not_a_dict(x, where):
    """Stop if `x` is a dict where the lowering reads it as a sequence (`for x in xs` at
    `where`, 'file:line'): iterating a dict gives its keys, not d[0], d[1], ..."""
    if isinstance(x, dict):
        from ..errors import S2SGradError

        raise S2SGradError(
            "this loops over a dict, which gives its keys; s2sgrad could not tell it was a dict when it read the code",
            _user_loc(where),
            "dict iteration",
            "write for k in d.keys(), for k, v in d.items() or for v in d.values()",
        )


def holds_array(value):
    """Is `value` something `x op= y` changes in place (an array, a list), not a number?
    (A helper's augmented assignment to its argument: compiler/calls.py.)"""
    return not isinstance(value, (int, float, complex, np.number, np.bool_))


def _user_loc(where):
    """The Loc of a 'file:line' the compiler wrote into generated code (None: unknown)."""
    if not where:
        return None
    import linecache
    from ..errors import Loc

    filename, _, line = where.rpartition(":")
    return Loc(filename, int(line), 0, linecache.getline(filename, int(line)))


class Items(list):
    """The adjoints of a list's or tuple's items, owned to be updated in place: `+` and `+=`
    add item by item, as adjoints add (a plain list's `+=` would extend it)."""

    __array_ufunc__ = None  # ndarray + Items defers to Items.__radd__

    def __add__(self, other):
        return Items(add_values(a, b) for a, b in zip(self, other, strict=True))

    __radd__ = __add__

    def __iadd__(self, other):
        self[:] = self + other
        return self


def owned(g):
    """A float array of g's values that no one else holds (to update in place); for the
    adjoints of a list or tuple's items, a list of such (Items), for a dict, a dict."""
    if isinstance(g, dict):
        return {k: owned(v) for k, v in g.items()}
    if isinstance(g, (list, tuple)):
        return Items(owned(v) for v in g)
    if is_array(g) and not isinstance(g, np.ndarray):
        return g.astype(_float_dtype(g), copy=True)  # (a Dask array stays lazy, a CuPy one on its GPU)
    return np.array(g, dtype=_float_dtype(g), copy=True)


def part(g, index, like):
    """A copy of g[index], summed to the shape of `like` (the value written there)."""
    if isinstance(g, (dict, list)):
        return g[index]  # an item's adjoint, which the sweep does not change in place
    if not _is_basic(index):
        _refuse_repeats(g, index)
    piece = g[index]
    if np.shape(piece) == _shape(like):
        return piece.copy() if is_array(piece) else piece
    out = sum_to(piece, _shape(like))
    # (a reshape is a view of g; other array libraries: copied, as sharing cannot be asked)
    shares = np.may_share_memory(out, g) if isinstance(g, np.ndarray) else is_array(out)
    return out.copy() if shares else out


def _refuse_repeats(g, index):
    hits = np.arange(np.size(g)).reshape(np.shape(g))[index]
    if np.unique(hits).size != np.size(hits):
        from ..errors import S2SGradError

        raise S2SGradError(
            "an assignment x[index] = v whose index repeats an element has no defined result "
            "in NumPy (and `x[index] += v` does not add the repeats)",
            hint="use np.add.at(x, index, v), or an index without repeats",
        )


class _Missing:
    """What `d[key] = ...` overwrites when `key` is new to the dict."""

    def __repr__(self):
        return "MISSING"


MISSING = _Missing()


def saved_part(x, index):
    """A copy of what `x[index] = ...` is about to overwrite (MISSING for a new dict key)."""
    if isinstance(x, dict) and index not in x:
        return MISSING
    piece = x[index]
    return piece.copy() if is_array(piece) else piece


def restore_part(x, index, saved):
    """Undo `x[index] = ...` on a container: put back the saved item, or remove a key the write added."""
    if saved is MISSING:
        del x[index]
    else:
        x[index] = saved


def fresh_copy(saved):
    """(Forward mode also copies a list's tangent with it: a list stays a list.)
    A copy of what a vjp's forward saved, for one run of its backward, which restores
    overwritten array parts and pops appended items in place (so that a pullback can run
    again). Arrays are copied, and a view stays a view of its base's copy: the backward
    reads views after restoring their base. Lists, tuples and dicts are rebuilt with the
    same sharing, a checkpointed loop's schedule with its states; other values (numbers,
    shapes, the loop's step functions) are shared."""
    memo = {}

    def copy(x):
        if id(x) in memo:
            return memo[id(x)]
        if isinstance(x, np.ndarray):
            out = _copy_array(x, copy)
        elif isinstance(x, list):
            out = memo[id(x)] = type(x)()
            out.extend(copy(v) for v in x)
        elif isinstance(x, tuple):
            out = tuple(copy(v) for v in x)
        elif isinstance(x, dict):
            out = memo[id(x)] = {}
            out.update((k, copy(v)) for k, v in x.items())
        elif hasattr(x, "copied"):  # a checkpointed loop's schedule
            out = x.copied(copy)
        else:
            out = x
        memo[id(x)] = out
        return out

    return copy(saved)


def _copy_array(x, copy):
    """x copied; for a view, the same view of (one shared) copy of the array owning the memory."""
    root = x.base
    while isinstance(root, np.ndarray) and root.base is not None and isinstance(root.base, np.ndarray):
        root = root.base
    if not isinstance(root, np.ndarray) or not (root.flags.c_contiguous or root.flags.f_contiguous):
        return x.copy(order="K")  # not a view, or of memory laid out unlike an array's
    raw = copy(root).reshape(-1, order="A").view(np.uint8)
    offset = x.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    first = raw[offset : offset + x.dtype.itemsize].view(x.dtype)
    return np.lib.stride_tricks.as_strided(first, x.shape, x.strides)


def add_at(g, index, values):
    """g[index] += values, adding up repeated indices."""
    if isinstance(g, (dict, list)):
        g[index] = add_values(g[index], values)
        return
    if isinstance(values, Items):  # (a list's adjoint into an array's: `np.stack(hs)` and `hs[1:]`)
        values = list(values)
    if _is_basic(index):
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


def split_off_last(g):
    """`split_last` that leaves g as it is: the functional flavour of a gradient (one to be
    differentiated again) never shortens a list that another name may still hold."""
    if isinstance(g, list):
        return g[-1], type(g)(g[:-1])  # (a list of adjoints stays `Items`)
    return g[-1], g[:-1]


def join_last(last, rest):
    """The transpose of `split_last`: the rest's adjoint with the last element's put back."""
    if isinstance(rest, (list, tuple)):
        return list(rest) + [last]
    return np.concatenate([rest, np.expand_dims(last, 0)])


def broadcast_like(t, ans):
    """A tangent spread to the shape of the result it belongs to (forward mode's unbroadcast)."""
    if isinstance(ans, (list, tuple, dict)):
        return t
    shape = _shape(ans)
    return t if np.shape(t) == shape else np.broadcast_to(t, shape)


def reduce_like(G, g, axis=None, keepdims=False):
    """The transpose of `unreduce`: sum `G` back to the shape of the reduced `g`."""
    return np.reshape(np.sum(G, axis=axis, keepdims=keepdims), np.shape(g))


def add_values(a, b):
    """a + b for adjoints that may be containers: element by element (lists and
    tuples of adjoints, dicts by key), plain + for numbers and arrays."""
    if isinstance(a, dict):
        # a key one side lacks has a zero adjoint there (a dict's adjoint may keep
        # entries, set to 0, for keys that later writes added)
        both = {k: add_values(v, b[k]) if k in b else v for k, v in a.items()}
        both.update((k, v) for k, v in b.items() if k not in a)
        return both
    if isinstance(a, (list, tuple)):
        return [add_values(x, y) for x, y in zip(a, b)]
    if isinstance(b, (list, tuple)):
        return [add_values(x, y) for x, y in zip(a, b)]
    return a + b


# -- lists and tuples joined with + and repeated with * -----------------------------------
# The SSA builder gives `a + b` and `a * n` these primitives when an operand is certainly a
# list or tuple (generated code still spells the operator): their adjoints are the parts
# of the result's adjoint, not its broadcast sum.


def seq_concat(a, b):
    """`a + b` for lists or tuples: concatenation (also of tangents held as Items, whose
    own `+` adds item by item)."""
    if isinstance(a, Items) or isinstance(b, Items):
        return Items(list(a) + list(b))
    return a + b


def seq_repeat(a, n):
    """`a * n` for a list or tuple: repetition."""
    return a * n


def seq_repeat_r(n, a):
    """`n * a` for a list or tuple: repetition."""
    return n * a


def _offset(start):
    return start if isinstance(start, int) else len(start)


def seq_slice(g, like, start=0):
    """The part of a sequence adjoint `g` that belongs to `like`: len(like) items from
    `start` (an int, or a sequence whose length is the offset)."""
    start = _offset(start)
    return list(g)[start : start + len(like)]


def seq_embed(G, like, start=0):
    """The transpose of `seq_slice`: G's items at `start` in zeros shaped like `like`."""
    out = zeros_like(list(like))
    start = _offset(start)
    out[start : start + len(G)] = list(G)
    return out


def seq_unrepeat(g, like):
    """The adjoint of `like * n` from the adjoint `g` of the result: the items of each
    repetition added up."""
    items, m = list(g), len(like)
    out = items[:m]
    for k in range(m, len(items), m):
        out = [add_values(x, y) for x, y in zip(out, items[k : k + m])]
    return out


def seq_tile(G, like):
    """The transpose of `seq_unrepeat`: G repeated to the length of `like`."""
    items = list(G)
    return items * (len(like) // len(items)) if items else []
