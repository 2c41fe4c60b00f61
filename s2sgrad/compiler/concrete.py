"""Shape arithmetic on shapes known at compile time (code specialised on the
shapes of one call's arguments, see shapes.py).

Each function takes concrete shapes (tuples of ints) and returns the shape of
the result, or None when it cannot tell (then the value keeps a generic term
and the sweep keeps its run-time bookkeeping).
"""

import numpy as np


def broadcast(shapes):
    """NumPy's broadcasting of operand shapes; None if they do not broadcast."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


def matmul(a, b):
    """The shape of `a @ b`."""
    if not a or not b:
        return None
    a2 = a if len(a) > 1 else (1,) + a
    b2 = b if len(b) > 1 else b + (1,)
    if a2[-1] != b2[-2]:
        return None
    batch = broadcast([a2[:-2], b2[:-2]])
    if batch is None:
        return None
    out = batch + (a2[-2], b2[-1])
    if len(b) == 1:
        out = out[:-1]
    if len(a) == 1:
        out = out[:-2] + out[-1:] if len(b) > 1 else out[:-1]
    return out


def index(shape, key):
    """The shape of x[index] for x of `shape`, the index given by its key
    (shapes.index_key); None unless every part of the key is static."""
    first = [(slice(k[3], k[3] + k[2]) if isinstance(k, tuple) and k[0] == "window" else k) for k in key]
    last = [(slice(k[4], k[4] + k[2]) if isinstance(k, tuple) and k[0] == "window" else k) for k in key]
    if first != list(key):  # x[i:i + c] for i in a known range: one shape if the first and last windows agree
        a, b = _index(shape, first), _index(shape, last)
        return a if a == b else None
    return _index(shape, key)


def _index(shape, key):
    parts = []
    for k in key:
        if isinstance(k, slice):
            parts.append(k)
            continue
        if k == "int":
            parts.append(0)  # (any valid integer drops its axis)
        elif k == "None":
            parts.append(None)
        elif k == "Ellipsis":
            parts.append(Ellipsis)
        elif isinstance(k, tuple) and k[0] == "cut":
            parts.append(slice(k[1], None))  # keeps max(0, n - cut), as `a:-b` with a + b = cut
        elif isinstance(k, tuple) and k[0] == "slice" and all(b is None or type(b) is int for b in k[1:]):
            parts.append(slice(*k[1:]))
        else:
            return None
    try:
        probe = np.broadcast_to(np.zeros((), np.int8), shape)  # no memory for any shape
        return probe[tuple(parts)].shape
    except (IndexError, TypeError, ValueError):
        return None


def reduce(shape, axis, keepdims):
    """The shape of a reduction of x of `shape` over `axis` (None: all axes)."""
    if axis is None:
        return tuple(1 for _ in shape) if keepdims else ()
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if not all(type(a) is int and -len(shape) <= a < len(shape) for a in axes):
        return None
    axes = {a % len(shape) for a in axes}
    return tuple((1 if i in axes else n) for i, n in enumerate(shape) if keepdims or i not in axes)


def reshape(shape, new):
    """The shape of x.reshape(new) for x of `shape` (one -1 allowed)."""
    new = (new,) if isinstance(new, int) else tuple(new)
    if not all(type(n) is int for n in new) or sum(n == -1 for n in new) > 1:
        return None
    size = int(np.prod(shape))
    known = int(np.prod([n for n in new if n != -1]))
    if -1 in new:
        if known == 0 or size % known:
            return None
        new = tuple(size // known if n == -1 else n for n in new)
    return new if int(np.prod(new)) == size else None


def unbroadcast_axes(target, source):
    """How to sum a value of shape `source` (broadcast from `target`) back to
    `target`: (axes to sum, whether a reshape to `target` follows), or None."""
    lead = len(source) - len(target)
    if lead < 0 or broadcast([target, source]) != source:
        return None
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(target) if n == 1 and source[lead + i] != 1)
    return axes, any(a >= lead for a in axes)
