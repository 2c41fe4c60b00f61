"""The shapes analysis's facts about values that are not arrays (a mixin of
shapes._Walk): sizes and module constants known at compile time (`b, c = x.shape`,
`KERNEL = 3`), numbers in attributes of module-level objects (`CELL.leak`), the
items of container arguments (`p["W"]`) and of dicts the function builds with
literal keys (`p = {"w": W.copy()}`, `p["w"] = p["w"] * 0.9`).
"""

import operator

import gast
import numpy as np

from . import ir
from .. import trees
from .concrete_facts import shape_facts

SCALAR = ("scalar",)


def concrete(shape):
    """The term of a value whose shape is known (specialised code): equal shapes, equal terms;
    an element of an array (shape ()) is a number."""
    return SCALAR if shape == () else ("shape", tuple(shape))


class OfType:
    """An assumption on a module-level value's type alone (`CELL.leak` holds a float),
    where its value may change from call to call: api.py checks it with `holds` and
    keys the code made for it with `key`."""

    __slots__ = ("type",)

    def __init__(self, kind):
        self.type = kind

    def holds(self, now):
        return type(now) is self.type

    def key(self, now):
        return type(now)

    def __eq__(self, other):
        return isinstance(other, OfType) and other.type is self.type

    def __hash__(self):
        return hash(self.type)


class OfArray:
    """An assumption on a module-level array's shape and dtype (`KE = np.array(...)`,
    `MODEL.W`), where its values may change from call to call (a model trained
    between calls)."""

    __slots__ = ("shape", "dtype")

    def __init__(self, array):
        self.shape, self.dtype = array.shape, array.dtype

    def holds(self, now):
        return type(now) is np.ndarray and now.shape == self.shape and now.dtype == self.dtype

    def key(self, now):
        return (np.ndarray, now.shape, now.dtype.str) if type(now) is np.ndarray else type(now)

    def __eq__(self, other):
        return isinstance(other, OfArray) and (other.shape, other.dtype) == (self.shape, self.dtype)

    def __hash__(self):
        return hash((self.shape, self.dtype.str))


def _assumption(value):
    """What specialised code may assume of a module-level value it reads, read only
    through it: a number's type, an array's shape and dtype; None for anything else."""
    if type(value) in (float, int):
        return OfType(type(value))
    if type(value) is np.ndarray:
        return OfArray(value)
    return None


def _int_constant(v):
    return type(v) is int or (type(v) is tuple and all(type(i) is int for i in v))


class Items:
    """Mixed into shapes._Walk (which has `set`, `values`, `trees`, `items`, `assumed`)."""

    def unpack(self, e):
        """`b, c, h, w = images.shape`: each name holds its item of a shape known here."""
        whole = e.args[0].value if isinstance(e.args[0], ir.Const) else self.values.get(e.args[0])
        if isinstance(whole, tuple) and len(whole) == len(e.outs) and all(type(v) is int for v in whole):
            for out, v in zip(e.outs, whole):
                self.values[out] = v
                self.set(out, SCALAR, "scalar")

    def constant(self, e):
        """`oh = h - KERNEL + 1`: a module-level int (or tuple of ints) is a known value in
        specialised code, which then holds only while the module keeps that value (the
        derivative checks it on each call and specialises again if it changed: api.py)."""
        g = e.args[0]
        if isinstance(g, ir.Global) and g.home is not None and _int_constant(g.value):
            self.values[e.outs[0]] = g.value
            self.assumed[(id(g.home), g.path)] = (g.home, g.path, g.value)
        elif isinstance(g, ir.Global) and g.home is not None and type(g.value) is np.ndarray:
            self.set(e.outs[0], concrete(g.value.shape), "array")  # (`KE`: its shape, assumed)
            self.assumed[(id(g.home), g.path)] = (g.home, g.path, OfArray(g.value))

    def attribute(self, e):
        """`CELL.leak`, a number held in an attribute of a module-level object (a method of
        a model the module made reads `self.leak`): a number in specialised code, which then
        holds while the attribute holds a number of that type (checked on each call, as a
        module constant's value is; its value may change). An array there (`MODEL.W`) has
        its shape, assumed with its dtype."""
        g, name = e.args[0], e.prim[1]
        home = getattr(g.value, "__dict__", None) if isinstance(g, ir.Global) else None
        assumed = _assumption(home.get(name)) if isinstance(home, dict) else None
        if isinstance(assumed, OfType):
            self.set(e.outs[0], SCALAR, "scalar")
        elif isinstance(assumed, OfArray):
            self.set(e.outs[0], concrete(assumed.shape), "array")  # (`MODEL.W`: its shape, assumed)
        if assumed is not None:
            self.assumed[(id(home), name)] = (home, name, assumed)

    def known_facts(self, e, out, known):
        """What shapes known at compile time tell about `e` (specialised code)."""
        found = shape_facts(e, known, self.values)
        if found is None:
            return
        what, value = found
        if what == "value":
            self.values[out] = value
            if type(value) is int:
                self.set(out, SCALAR, "scalar")  # (a size, an int: a number)
        elif known.kind(e.args[0]) == "array" or what == "made":
            self.set(out, concrete(value), "array")

    def item(self, e, out):
        """`p["W"]`, `p[0]` of a container argument whose leaves' shapes the call showed;
        `p[i]` of a list whose items all have one structure."""
        if len(e.args) == 1 and isinstance(e.payload, gast.Constant):
            found = trees.subtree(self.trees[e.args[0]], e.payload.value)
        elif len(e.args) == 2 and isinstance(e.payload, gast.Name) and e.args[1] in self.ints:
            found = trees.common_item(self.trees[e.args[0]])
        else:
            return
        if trees.is_shape_tree(found):
            self.trees[out] = found
        elif isinstance(found, tuple):
            self.set(out, concrete(found), "array")

    def built_dict(self, e, out, known):
        """`{"w": w, "b": b}` with literal keys: each item's (term, kind)."""
        keys = e.args[0::2]
        if all(isinstance(k, ir.Const) and type(k.value) in (str, int) for k in keys):
            self.items[out] = {k.value: (known.term(v), known.kind(v)) for k, v in zip(keys, e.args[1::2])}

    def dict_write(self, e, out, known):
        """`p["w"] = v` on a dict followed here: the new version's items."""
        base = e.args[0]
        if e.kind == "setitem" and base in self.items and len(e.args) == 2 and _literal_key(e.payload):
            self.items[out] = dict(
                self.items[base], **{e.payload.value: (known.term(e.args[1]), known.kind(e.args[1]))}
            )

    def dict_item(self, e, out):
        """`p["w"]` of a dict followed here."""
        found = self.items[e.args[0]].get(e.payload.value) if _literal_key(e.payload) and len(e.args) == 1 else None
        if found is not None and found[0] is not None:
            self.set(out, *found)

    def carried_items(self, s, known_items):
        """A loop: a carried dict keeps its items if one iteration does (checked after the
        body by `settle_items`; another pass otherwise, with the dict not followed)."""
        start = {}
        for c, i in zip(s.carried, s.inits):
            if i in known_items and ("items", c.id) not in self.moving:
                start[c] = self.items[c] = known_items[i]
        return start

    def settle_items(self, s, start):
        for c, b, o in zip(s.carried, s.body_outs, s.outs):
            if c in start and self.items.get(b) != start[c]:
                self.moving.add(("items", c.id))
                self.revised = True
            elif c in start:
                self.items[o] = start[c]

    def index_range(self, s):
        """`for i in range(n)` (or range(a, b)) with known ints: i's first and last values."""
        bounds = [b.value if isinstance(b, ir.Const) else self.values.get(b) for b in s.bounds]
        if not all(type(b) is int for b in bounds) or not 1 <= len(bounds) <= 2:
            return
        first, end = (0, bounds[0]) if len(bounds) == 1 else bounds
        if 0 <= first < end:
            self.spans[1][s.index] = (first, end - 1)

    def offset(self, e, out):
        """`t = i + c` (or c + i) of a loop index i and a known int c."""
        if e.kind != "binop" or len(e.args) != 2 or e.prim is not operator.add:
            return
        for i, c in (e.args, e.args[::-1]):
            c = c.value if isinstance(c, ir.Const) else self.values.get(c)
            if i in self.spans[1] and type(c) is int:
                self.spans[0][out] = (i, c)
                return


def _literal_key(payload):
    return isinstance(payload, gast.Constant) and type(payload.value) in (str, int)
