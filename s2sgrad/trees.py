"""Arguments, results and their derivatives as trees: dicts, lists and tuples (a
NamedTuple among them) whose leaves are numbers or arrays, and objects of classes
that are containers too: dataclasses, and classes registered with
`register_container`. Such an object is seen as the dict of its fields. A leaf is
named by its path, the keys and indices that lead to it (`("enc", "W")` for
`params["enc"]["W"]`)."""

import dataclasses

import numpy as np

_registered = {}  # class -> (flatten, unflatten)


def register_container(cls, flatten, unflatten):
    """Let objects of `cls` be differentiated field by field, like a dataclass:
    `flatten(obj)` gives a dict {field name: value} (the values: numbers, arrays or
    other containers), `unflatten(fields)` builds an object from such a dict (the
    gradient comes back as one). Inside differentiated code, `obj.name` reads a field.

        sg.register_container(Params, lambda p: {"w": p.w, "b": p.b}, lambda d: Params(d["w"], d["b"]))
    """
    if not isinstance(cls, type):
        raise TypeError(f"register_container takes a class, not {cls!r}")
    _registered[cls] = (flatten, unflatten)


def is_record(value):
    """An object differentiated as the dict of its fields (a dataclass instance or a
    registered class's), not a plain dict, list or tuple."""
    cls = type(value)
    if cls in _PLAIN and cls not in _registered:  # (the common case, on every call: no dataclass check)
        return False
    return cls in _registered or (dataclasses.is_dataclass(cls) and not isinstance(value, type))


_PLAIN = frozenset((float, int, bool, complex, np.ndarray, np.float64, np.float32, list, tuple, dict, type(None)))


def is_namedtuple(value):
    return isinstance(value, tuple) and hasattr(type(value), "_fields")


def fields(record):
    """A record's fields as a dict."""
    cls = type(record)
    if cls in _registered:
        return dict(_registered[cls][0](record))
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}


def field_names(cls):
    """A dataclass's field names; None for a registered class (known only per object)."""
    if cls in _registered or not dataclasses.is_dataclass(cls):
        return None
    return [f.name for f in dataclasses.fields(cls)]


def rebuild(template, items):
    """An object like `template` (a record, a NamedTuple, a list or tuple) from new
    contents: a dict of fields for a record, a sequence of items otherwise."""
    cls = type(template)
    if cls in _registered:
        return _registered[cls][1](dict(items))
    if is_record(template):
        try:
            return cls(**items)
        except TypeError:  # fields not taken by __init__ (init=False)
            made = object.__new__(cls)
            for name, value in items.items():
                object.__setattr__(made, name, value)
            return made
    if is_namedtuple(template):
        return cls(*items)
    return tuple(items) if isinstance(template, tuple) else list(items)


def as_data(tree):
    """The tree with every record replaced by the dict of its fields."""
    if is_record(tree):
        tree = fields(tree)
    if isinstance(tree, dict):
        return {k: as_data(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)) and any(is_container(v) for v in tree):
        return rebuild(tree, [as_data(v) for v in tree])
    return tree


def is_container(value):
    return isinstance(value, (dict, list, tuple)) or is_record(value)


def leaves(tree, path=()):
    """(path, leaf) for every leaf, in order (dicts in their key order)."""
    if is_record(tree):
        tree = fields(tree)
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from leaves(value, path + (key,))
    elif isinstance(tree, (list, tuple)):
        for index, value in enumerate(tree):
            yield from leaves(value, path + (index,))
    else:
        yield path, tree


def get(tree, path):
    for key in path:
        tree = fields(tree)[key] if is_record(tree) else tree[key]
    return tree


def with_leaf(tree, path, new):
    """`tree` with the leaf at `path` replaced by `new` (the containers on the way copied)."""
    if not path:
        return new
    key, rest = path[0], path[1:]
    if is_record(tree):
        items = fields(tree)
        return rebuild(tree, {**items, key: with_leaf(items[key], rest, new)})
    if isinstance(tree, dict):
        return {**tree, key: with_leaf(tree[key], rest, new)}
    items = list(tree)
    items[key] = with_leaf(tree[key], rest, new)
    return rebuild(tree, items)


def map_leaves(fn, tree, path=()):
    """The tree of `fn(path, leaf)`, with the same containers (a tuple stays a tuple)."""
    if is_record(tree):
        return rebuild(tree, map_leaves(fn, fields(tree), path))
    if isinstance(tree, dict):
        return {key: map_leaves(fn, value, path + (key,)) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return rebuild(tree, [map_leaves(fn, value, path + (index,)) for index, value in enumerate(tree)])
    return fn(path, tree)


def zeros_like(tree):
    """Zeros in the tree's structure: arrays of the leaves' shapes, 0.0 for numbers."""
    return map_leaves(lambda _, leaf: np.zeros(np.shape(leaf)) if isinstance(leaf, np.ndarray) else 0.0, tree)


def size(tree):
    """The number of scalars in the tree."""
    return sum(int(np.size(leaf)) for _, leaf in leaves(tree))


def path_text(name, path):
    """`params['W'][0]` for the path ("W", 0) under the name `params`."""
    return name + "".join(f"[{key!r}]" for key in path)


def shape_tree(value):
    """What code specialised on a call's shapes knows of an argument, hashable: an
    array's shape; for a container, `("tree", ((key, shape tree), ...))` with the keys
    generated code indexes it by (a record's fields, a sequence's positions): `("dict", ...)`
    for a dict or a record, `("list", ...)` for a list or a tuple; None
    for anything else, and for a container without arrays."""
    if type(value) is np.ndarray:
        return value.shape
    if type(value) in (float, np.float64, np.float32):
        return ()
    if is_record(value):
        value = fields(value)
    if isinstance(value, dict):
        kind, items = "dict", tuple((k, shape_tree(v)) for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        kind, items = "list", tuple((i, shape_tree(v)) for i, v in enumerate(value))
    else:
        return None
    return (kind, items) if any(s is not None for _, s in items) else None


def is_shape_tree(known):
    return isinstance(known, tuple) and len(known) == 2 and known[0] in ("dict", "list")


def subtree(known, key):
    """The shape tree of `known`'s item at `key` (a negative position counts from the
    end); `...` when the key is not one of its items."""
    items = dict(known[1])
    if type(key) is int and key < 0 and known[0] == "list":
        key += len(items)
    return items.get(key, ...) if isinstance(key, (int, str)) and type(key) is not bool else ...


def common_item(known):
    """The shape tree every item of the list `known` has (`...` if they differ)."""
    subs = {sub for _, sub in known[1]}
    return subs.pop() if known[0] == "list" and len(subs) == 1 else ...
