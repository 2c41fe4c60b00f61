"""What a checkpointed loop's state and a tape entry hold in memory, for the
schedule's budget of k states (schedule.py): the bytes of their arrays (header and
data) and other objects (a Shape, a float); of a tape entry, only what the states
around its step do not hold."""

import sys
import weakref

import numpy as np

from .shapes import Shape

_SINGLETONS = (bool, np.bool_, type(None))  # (no memory of their own)
# objects an entry holds that hold no array: numbers, strings, the Shapes a tape keeps
_OPAQUE_FREE = (int, float, complex, str, bytes, np.number, Shape)
_NUMBERS = frozenset({int, float, complex, np.float64})  # (asked first: a state's usual non-arrays)


def _leaves(value):
    """The objects in `value`, tuples, lists and dicts looked into (without building
    a collection of them: the schedule measures at its peak of memory)."""
    stack = [value]
    while stack:
        x = stack.pop()
        if isinstance(x, (tuple, list)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
        elif not isinstance(x, _SINGLETONS):
            yield x


def _root(a):
    """The array owning a's memory."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _bytes(x):
    if isinstance(x, np.ndarray):  # (an array owning its data counts it in its size; a view its header)
        return sys.getsizeof(x) + (x.nbytes if x.base is not None else 0)
    dims = getattr(x, "dims", None)  # a Shape a tape keeps
    return sys.getsizeof(x) + (sys.getsizeof(dims) if isinstance(dims, tuple) else 0)


def state_bytes(state):
    """A loop state's bytes (an object it holds twice counted twice); 0 for a state
    without arrays (a loop over numbers), whose entries the schedule does not measure."""
    if not any(isinstance(x, np.ndarray) for x in _leaves(state)):
        return 0
    return sum(_bytes(x) for x in _leaves(state))


def _held_ids(states):
    """The ids of what the states hold: their objects and the arrays owning their arrays' memory."""
    ids = set()
    stack = list(states)
    while stack:
        x = stack.pop()
        kind = type(x)
        if kind is tuple or kind is list:
            stack.extend(x)
            continue
        ids.add(id(x))
        if kind is np.ndarray and x.base is None or kind in _NUMBERS:
            continue
        if isinstance(x, np.ndarray):
            ids.add(id(_root(x)))
        elif isinstance(x, (tuple, list)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
    return ids


def entry_bytes(item, states, older, large):
    """(bytes, owners, shares): the bytes of what a tape entry holds that the `states`
    do not (an object it holds twice counted twice), the arrays of `large` bytes or
    more owning the memory of its views, and whether it holds anything of the states
    (or an object it does not look into, which might). A view counts its own bytes
    (less than a slice of a temporary may keep alive), none if it is of an array in
    `older`, the large owners of an earlier step's views: an array two steps read was
    made before them (`xs[t]`, a row of an input). (Small owners are not remembered:
    a view of one is small.) Runs once per held entry, so plain arrays, the common
    case, take a short way."""
    shared = _held_ids(states)
    total, owners, shares = 0, {}, False
    stack = [item]
    while stack:
        x = stack.pop()
        kind = type(x)
        if kind is tuple or kind is list:
            stack.extend(x)
        elif kind is np.ndarray and x.base is None:  # an array owning its data
            if id(x) not in shared:
                total += _HEADER + x.nbytes
            else:
                shares = True
        elif isinstance(x, (tuple, list)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, _SINGLETONS):
            continue
        elif id(x) in shared:  # (a number both hold: nothing a step could change)
            shares = shares or not isinstance(x, _OPAQUE_FREE)
        elif isinstance(x, np.ndarray):
            root = _root(x)
            if id(root) in shared:
                shares = True
                continue
            if root.nbytes >= large:
                seen = older.get(id(root))
                if seen is not None and seen() is root:
                    owners[id(root)] = seen
                    continue
                owners[id(root)] = weakref.ref(root)
            total += _bytes(x)
        else:
            shares = shares or not isinstance(x, _OPAQUE_FREE)
            total += _bytes(x)
    return total, owners, shares


_HEADER = sys.getsizeof(np.empty(0))  # an array's own object, without its data
