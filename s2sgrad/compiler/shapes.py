"""Static shape facts: which values certainly have the same shape.

The same function runs with arguments of many shapes, so no shape is known at
compile time; what is known is how operations relate shapes. Each value gets
a *shape term*, a hashable description that two values share only if their
shapes are equal on every run:

- the term of an argument (or of any value nothing is known about) is its own;
- a number (Python or NumPy scalar, a full reduction) has the term `SCALAR`;
- an element-wise operation (operators, ufuncs, `np.where(c, a, b)`, `np.clip`,
  `a < b`) on NumPy operands whose terms, numbers aside, are one term T has T;
- `x.copy()`, `np.copy(x)`, `np.zeros_like(x)`, `np.roll(x, s)`, `np.flip(x)` have
  x's term, an in-place write `u[i] = v` keeps u's;
- an element `u[i]` of a vector (`np.zeros(n)`, a slice of one) is a number;
- `x[index]` has the term (x's term, the index), the index spelled so that equal
  index values give equal keys (`u[2:]`, `u[1:-1]` and `u[:-2]` all cut two
  elements off the first axis, whatever its length; `u[i]` and `u[i - 1]`, for a
  loop index i, both drop the axis);
- a branch's result has the arms' common term, a loop-carried value the initial
  value's term if one iteration keeps it (checked, not assumed: a value whose
  term the body changes gets a term of its own, per iteration).

Alongside, each value has a kind: 'scalar' (certainly a number: shape ()),
'array' (follows NumPy's broadcasting: an ndarray, a NumPy or Python number),
or None (anything else, e.g. a list, whose `+` concatenates). Only NumPy
operands take part in the element-wise rule. When in doubt a value keeps a
term of its own: the reverse sweep then keeps its `unbroadcast`.
"""

import builtins
import operator

import gast
import numpy as np

from . import concrete, ir
from .. import runtime, trees
from .index_keys import index_key
from .shape_items import SCALAR, Items, concrete as _concrete


_NUMBER_TYPES = (int, float, complex, bool, np.number, np.bool_)


class Shapes:
    """The result: `same(a, b)` and `kind(a)` for atoms of one graph."""

    def __init__(self, terms=None, kinds=None, ints=(), one_axis=(), specialised=False, values=None):
        self.specialised = specialised  # some shapes are known (code for one call's shapes)
        self.values = values or {}  # Var -> a Python int (or tuple of ints) it certainly holds
        self.assumed = ()  # module constants that code relies on: ((module dict, name, value), ...)
        self.spans = None  # what index keys know of loop windows (`x[i:i + k]`, index_keys.py)
        self.precision = None  # with known shapes: "float64", "real" or None (compiler/dtypes.py)
        self.floating = set()  # where every float is a float64: the float values (item_updates.py)
        self.terms = terms or {}
        self.kinds = kinds or {}
        self.ints = ints  # Python ints: loop indices, `i - 1`, len(x)
        self.one_axis = one_axis  # terms of vectors (shape (n,))

    def term(self, atom):
        if isinstance(atom, ir.Var):
            return self.terms.get(atom)
        if atom is not ir.UNDEFINED and isinstance(getattr(atom, "value", None), _NUMBER_TYPES):
            return SCALAR
        return None

    def kind(self, atom):
        if isinstance(atom, ir.Var):
            return self.kinds.get(atom)
        return "scalar" if self.term(atom) == SCALAR else None

    def known(self, atom):
        """`atom`'s shape if the specialised analysis knows it (() for a number), else None."""
        t = self.term(atom)
        if t == SCALAR:
            return ()
        return t[1] if t and t[0] == "shape" else None

    def same(self, a, b):
        """Do `a` and `b` certainly have the same shape (on every run)?"""
        t = self.term(a)
        return t is not None and t == self.term(b)

    def has_axes(self, atom):
        """Is `atom` certainly an array of at least one axis (a slice of one), never a number?"""
        t = self.term(atom)
        if t and t[0] == "shape":
            return len(t[1]) > 0
        if t in self.one_axis:
            return True  # (a vector: np.zeros(n), np.linspace(a, b, n), a slice of one)
        return (
            bool(t)
            and t[0] == "index"
            and any(k == "None" or (isinstance(k, tuple) and k[0] in ("cut", "slice")) for k in t[2])
        )

    def written_part_same(self, eqn):
        """`u[index] = v`: is v certainly shaped like u[index] (no broadcasting into it)?"""
        base, value = eqn.args[0], eqn.args[1]
        if self.kind(base) is None or self.term(base) is None:
            return False
        key = index_key(eqn.payload, eqn.args[2:], self.ints, self.values, self.spans)
        written = self.index_term(self.term(base), key)
        return written is not None and written == self.term(value)

    def index_term(self, base, key):
        """The term of x[index] for x of term `base`, the index's key `key`."""
        if key is None or base is None:
            return None
        if base in self.one_axis and key == ("int",):
            return SCALAR  # an element of a vector: a number
        if base[0] == "shape":
            shape = concrete.index(base[1], key)
            if shape is not None:
                return _concrete(shape)
        return ("index", base, key)


def analyse(graph, arg_kinds, scalars, arg_shapes=None):
    """Shapes of `graph`'s values; `scalars` is `analysis.kinds`'s answer. `arg_shapes`
    (specialised code): each array argument's shape, None for the others."""
    moving, seen = set(), {}  # what earlier passes learnt about loop-carried values (see `_Walk.loop`)
    ints = {s.index for s in ir.walk(graph.body) if isinstance(s, ir.For)}
    arg_shapes = arg_shapes or [None] * len(graph.params)
    while True:
        walk = _Walk(scalars, moving, seen, set(ints))
        walk.specialised = any(s is not None for s in arg_shapes)
        for p, k, shape in zip(graph.params, arg_kinds, arg_shapes):
            term = _concrete(shape) if shape is not None and k == "array" else _own(p)
            walk.set(p, term, _param_kind(p, k, scalars))
            if trees.is_shape_tree(shape) and k in ("container", "dict"):
                walk.trees[p] = shape
        walk.block(graph.body)
        if not walk.revised:
            found = walk.shapes()
            found.assumed = tuple(walk.assumed.values())
            return found


def _param_kind(p, k, scalars):
    if p in scalars:
        return "scalar"
    return "array" if k == "array" else None


def _own(v):
    return ("own", v.id)


def _join_kind(a, b):
    if a == b:
        return a
    return "array" if {a, b} == {"array", "scalar"} else None


class _Walk(Items):
    """One pass over the graph under the current loop assumptions."""

    def __init__(self, scalars, moving, seen, ints):
        self.scalars = scalars
        self.moving = moving  # loop-carried Vars whose shape an iteration may change
        self.seen = seen  # loop-carried Var -> the kinds its value had so far, joined
        self.ints = ints
        self.specialised = False
        self.values = {}  # Var -> its value where it is a known shape, an int of one (x.shape[0]), a constant
        self.assumed = {}  # (id of module dict, name) -> (dict, name, value): constants read as known values
        self.trees = {}  # Var -> the shape tree of a container argument (or of an item of one)
        self.items = {}  # Var -> {key: (term, kind)}: a dict built here with literal keys (shape_items.py)
        self.spans = ({}, {})  # `t = i + c`: {t: (i, c)}; a loop index's known {i: (first, last)}
        self.one_axis = set()
        self.terms, self.kinds = {}, {}
        self.revised = False  # an assumption about a loop-carried value did not hold

    def set(self, v, term, kind):
        if v in self.scalars:
            term, kind = SCALAR, "scalar"
        self.terms[v], self.kinds[v] = term, kind

    def shapes(self):
        found = Shapes(self.terms, self.kinds, self.ints, self.one_axis, self.specialised, self.values)
        found.spans = self.spans
        return found

    def block(self, stmts):
        for stmt in stmts:
            if isinstance(stmt, ir.Eqn):
                self.eqn(stmt)
            elif isinstance(stmt, ir.If):
                self.branch(stmt)
            else:
                self.loop(stmt)

    def branch(self, s):
        self.block(s.then)
        self.block(s.orelse)
        known = self.shapes()
        for o, a, b in zip(s.outs, s.then_outs, s.else_outs):
            term = known.term(a) if known.same(a, b) else _own(o)
            self.set(o, term, _join_kind(known.kind(a), known.kind(b)))
            if a in self.items and self.items[a] == self.items.get(b):
                self.items[o] = self.items[a]

    def loop(self, s):
        """Carried values are assumed to keep the initial value's term (unless an earlier
        pass saw the body change it: then a term of their own, valid in one iteration)
        and the kinds seen so far; a body that breaks an assumption asks for another pass."""
        known, start = self.shapes(), {}
        items = self.carried_items(s, dict(self.items))
        for c, i in zip(s.carried, s.inits):
            term = None if c in self.moving else known.term(i)
            kind = _join_kind(known.kind(i), self.seen.get(c, known.kind(i)))
            start[c] = (term, kind)
            self.set(c, term if term is not None else _own(c), kind)
        if isinstance(s, ir.For):
            self.set(s.index, SCALAR, "scalar")
            self.index_range(s)
        else:
            self.block(s.cond_block)
        self.block(s.body)
        known = self.shapes()
        for c, b, o in zip(s.carried, s.body_outs, s.outs):
            term, kind = start[c]
            if term is not None and known.term(b) != term:
                self.moving.add(c)
                self.revised = True
            if _join_kind(kind, known.kind(b)) != kind:
                self.seen[c] = _join_kind(kind, known.kind(b))
                self.revised = True
            self.set(o, term if term is not None else _own(o), kind)
        self.settle_items(s, items)

    def eqn(self, e):
        for o in e.outs:
            self.set(o, _own(o), None)
        if e.kind == "unpack":
            self.unpack(e)
        elif e.kind == "opaque" and e.prim == "read" and self.specialised:
            self.constant(e)
        elif e.kind == "attr" and self.specialised and e.args:
            self.attribute(e)
        if len(e.outs) != 1:
            return
        out, known = e.outs[0], self.shapes()
        if _integer(e, self.ints):
            self.ints.add(out)
        self.offset(e, out)
        if e.kind in ("setitem", "add_at"):
            self.set(out, known.term(e.args[0]), known.kind(e.args[0]))
            self.dict_write(e, out, known)
        elif e.kind == "build" and e.payload == "dict":
            self.built_dict(e, out, known)
        elif e.kind == "getitem" and known.kind(e.args[0]) is not None:
            self.index(e, out, known)
        elif e.kind == "getitem" and e.args[0] in self.trees:
            self.item(e, out)
        elif e.kind == "getitem" and e.args[0] in self.items:
            self.dict_item(e, out)
        elif _broadcasts(e):
            self.broadcast(e, out, known)
            if e.kind == "binop":
                self.known_facts(e, out, known)  # (`h - 3 + 1` of sizes known here: a size too)
        elif e.kind == "call" and e.prim is runtime.log_of_softmax:  # (np.log(p): p's shape)
            self.set(out, known.term(e.args[1]), known.kind(e.args[1]))
        elif (_copies(e) or _moves_elements(e)) and known.kind(e.args[0]) == "array":
            self.set(out, known.term(e.args[0]), "array")
        elif e.kind == "call" and any(e.prim is f for f in _MAKERS):
            self.set(out, _own(out), "array")
            if _one_axis(e, known):
                self.set(out, _length_term(e) or _own(out), "array")
                self.one_axis.add(self.terms[out])
            self.known_facts(e, out, known)
        else:
            self.known_facts(e, out, known)

    def index(self, e, out, known):
        key = index_key(e.payload, e.args[1:], self.ints, self.values, self.spans)
        term = known.index_term(known.term(e.args[0]), key)
        self.set(out, term if term is not None else _own(out), "array")
        if (
            known.term(e.args[0]) in self.one_axis
            and key is not None
            and len(key) == 1
            and isinstance(key[0], tuple)
            and key[0][0] in ("cut", "slice")
        ):
            self.one_axis.add(term)  # a slice of a vector is one

    def broadcast(self, e, out, known):
        operands = e.atoms
        if not all(known.kind(a) in ("array", "scalar") for a in operands):
            if isinstance(e.prim, np.ufunc):
                self.set(out, _own(out), "array")  # a ufunc makes an array of anything
            return
        terms = {known.term(a) for a in operands} - {SCALAR}
        term = terms.pop() if len(terms) == 1 else (SCALAR if not terms else _own(out))
        shapes = [known.known(a) for a in operands]
        if len(terms) > 1 and None not in shapes and concrete.broadcast(shapes) is not None:
            term = _concrete(concrete.broadcast(shapes))
        self.set(out, term if term is not None else _own(out), "array")


# calls that always return an ndarray
_MAKERS = (np.zeros, np.ones, np.empty, np.full, np.arange, np.linspace, np.eye, np.identity, np.array)


def _one_axis(e, known):
    """np.zeros(n), np.full(n, v), np.arange(a, b), np.linspace(a, b, n) for numbers: a vector."""
    if set(e.kwargs) - {"dtype"}:
        return False
    numbers = [known.kind(a) == "scalar" for a in e.args]
    if e.prim in (np.zeros, np.ones, np.empty, np.full):
        return bool(numbers) and numbers[0]
    return e.prim in (np.arange, np.linspace) and bool(numbers) and all(numbers)


def _length_term(e):
    """The term of a vector made with its length given (`np.zeros(n)`, `np.full(n, v)`,
    `np.linspace(a, b, n)`): vectors made with one length atom have one shape."""
    if e.prim is np.linspace:
        size = e.args[2] if len(e.args) > 2 else ir.Const(50)
    elif e.prim in (np.zeros, np.ones, np.empty, np.full):
        size = e.args[0]
    else:
        return None
    if isinstance(size, ir.Var):
        return ("length", size.id)
    if isinstance(size, ir.Const) and type(size.value) is int:
        return _concrete((size.value,))
    return None


_LIKE = (np.copy, np.zeros_like, np.ones_like, np.empty_like)
_INTEGER_OPS = (operator.add, operator.sub, operator.mul, operator.floordiv, operator.mod, operator.neg)


def _copies(e):
    """x.copy(), np.copy(x), np.zeros_like(x), np.full_like(x, v): an array of x's shape."""
    if e.kind == "method":
        return e.prim == ("method", "copy") and len(e.args) == 1 and not e.kwargs
    if e.kind != "call" or set(e.kwargs) - {"dtype"}:
        return False
    return (any(e.prim is f for f in _LIKE) and len(e.args) == 1) or (e.prim is np.full_like and len(e.args) == 2)


def _moves_elements(e):
    """np.roll(x, shift), np.flip(x): x's elements moved, in an array of x's shape (np.roll
    without an axis rolls the flattened array and gives it x's shape back)."""
    return e.kind == "call" and e.args and (e.prim is np.roll or e.prim is np.flip)


def _integer(e, ints):
    """A Python int made from loop indices and int literals (`i - 1`), or len(x)."""

    def is_int(a):
        return a in ints or (isinstance(a, ir.Const) and type(a.value) is int)

    if e.kind in ("binop", "unop"):
        return any(e.prim is op for op in _INTEGER_OPS) and all(map(is_int, e.args))
    return e.kind == "call" and e.prim is len


def _broadcasts(e):
    if e.kind in ("binop", "unop"):
        return e.prim is not operator.matmul and not getattr(e.prim, "__name__", "").startswith("seq_")
    if e.kind == "opaque":
        return _simple_comparison(e.payload)
    if e.kind != "call":
        return False
    if isinstance(e.prim, np.ufunc):
        return e.prim.nout == 1 and not e.kwargs and e.prim.signature is None  # (np.matmul is a gufunc)
    if e.prim is np.where:
        return len(e.args) == 3 and not e.kwargs  # (np.where(c) gives indices)
    if e.prim is builtins.abs:
        return len(e.args) == 1  # (abs(x) of an array or a number is element-wise)
    return e.prim is np.clip


_COMPARISONS = (gast.Eq, gast.NotEq, gast.Lt, gast.LtE, gast.Gt, gast.GtE)


def _simple_comparison(template):
    """`a < b` of two names or literals (element-wise on arrays; a chain is an `and`)."""
    return (
        isinstance(template, gast.Compare)
        and len(template.ops) == 1
        and isinstance(template.ops[0], _COMPARISONS)
        and all(
            isinstance(n, gast.Constant) or (isinstance(n, gast.Name) and n.id.startswith("."))
            for n in (template.left, template.comparators[0])
        )
    )  # (a module's name is no atom)
