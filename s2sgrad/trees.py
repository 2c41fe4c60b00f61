"""Arguments, results and their derivatives as trees: dicts, lists and tuples whose
leaves are numbers or arrays. A leaf is named by its path, the keys and indices that
lead to it (`("enc", "W")` for `params["enc"]["W"]`)."""

import numpy as np


def is_container(value):
    return isinstance(value, (dict, list, tuple))


def leaves(tree, path=()):
    """(path, leaf) for every leaf, in order (dicts in their key order)."""
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
        tree = tree[key]
    return tree


def with_leaf(tree, path, new):
    """`tree` with the leaf at `path` replaced by `new` (the containers on the way copied)."""
    if not path:
        return new
    key, rest = path[0], path[1:]
    if isinstance(tree, dict):
        return {**tree, key: with_leaf(tree[key], rest, new)}
    items = list(tree)
    items[key] = with_leaf(tree[key], rest, new)
    return tuple(items) if isinstance(tree, tuple) else items


def map_leaves(fn, tree, path=()):
    """The tree of `fn(path, leaf)`, with the same containers (a tuple stays a tuple)."""
    if isinstance(tree, dict):
        return {key: map_leaves(fn, value, path + (key,)) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        items = [map_leaves(fn, value, path + (index,)) for index, value in enumerate(tree)]
        return tuple(items) if isinstance(tree, tuple) else items
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
