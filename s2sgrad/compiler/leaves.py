"""Container arguments split into their leaves (code specialised on a call's shapes).

A model whose parameters come in a NamedTuple, a dict or a dataclass reads them
as `p.W`, `p["W"]` (in the SSA graph: `p[0]`, `p["W"]`). Generic code must treat
`p` as a container: its adjoint is a container of zeros filled by `add_at`, and
a read inside a loop is repeated and taped on every iteration. When the call
showed the container's structure (`trees.shape_tree`) and every use of `p` is a
read of one of its items by a literal key, `p` is *split*: each item is read
once, at the top of the function (a read of a known key of an argument that
nothing writes cannot fail and gives the same object wherever it stands), equal
reads become one, and the reverse sweep builds `p`'s adjoint at the end as a
literal of its items' adjoints (`[dW, db]`, `{"W": dW, "b": db}`). Items that are
containers themselves are split the same way.
"""

import gast

from . import ir
from .codegen import name
from .hoist import _substitute
from .. import trees
from ..rules.sym import Sym, rt


def split(graph, arg_kinds, arg_shapes):
    """Split the container parameters of `graph` that can be (see the module); ->
    {Var: (shape tree, {key: Var of the item read})} for every split container."""
    candidates = [
        (p, known)
        for p, kind, known in zip(graph.params, arg_kinds, arg_shapes or ())
        if kind in ("container", "dict") and trees.is_shape_tree(known)
    ]
    if not candidates:
        return {}
    uses = _uses(graph)
    found, moved, renamed = {}, [], {}
    while candidates:
        v, known = candidates.pop(0)
        reads = _item_reads(v, known, uses.get(v, ()), renamed)
        if reads is None:
            continue
        items = {}
        for key, eqn in reads:
            out = eqn.outs[0]
            if key in items:
                renamed[out] = items[key]  # the same item read again
                uses.setdefault(items[key], []).extend(uses.get(out, ()))
                continue
            items[key] = out
            moved.append(eqn)
            sub = trees.subtree(known, key)
            if trees.is_shape_tree(sub):
                candidates.append((out, sub))
        found[v] = (known, items)
    if not found:
        return {}
    _remove(graph.body, {id(place) for v in found for place in uses.get(v, ())})
    graph.body[:0] = moved  # (a container's read before its items': program order)
    if renamed:
        for stmt in graph.body:
            _substitute(stmt, renamed)
        graph.result = renamed.get(graph.result, graph.result)
        graph.aux = renamed.get(graph.aux, graph.aux)
    return found


def _item_reads(v, known, places, renamed):
    """[(key, getitem Eqn)] if every use of `v` reads an item by a literal key, else None."""
    reads = []
    for place in places:
        if not (
            isinstance(place, ir.Eqn)
            and place.kind == "getitem"
            and len(place.args) == 1
            and renamed.get(place.args[0], place.args[0]) is v
            and not place.kwargs
            and isinstance(place.payload, gast.Constant)
        ):
            return None
        key = place.payload.value
        if trees.subtree(known, key) is ...:
            return None
        if type(key) is int and key < 0 and known[0] == "list":
            key += len(known[1])
        reads.append((key, place))
    return reads


def _uses(graph):
    """Var -> the statements (or "result") that read it, in program order."""
    uses = {}

    def note(atoms, place):
        for a in atoms:
            if isinstance(a, ir.Var):
                uses.setdefault(a, []).append(place)

    for stmt in ir.walk(graph.body):
        note(ir.reads(stmt), stmt)
        for results in ir.region_results(stmt):
            note(results, stmt)
    note([graph.result, graph.aux], "result")
    return uses


def _remove(block, ids):
    block[:] = [s for s in block if id(s) not in ids]
    for stmt in block:
        for sub in ir.sub_blocks(stmt):
            _remove(sub, ids)


class Adjoints:
    """The reverse sweep's side of a split: the adjoint of each item read, and the
    containers' adjoints as literals of them."""

    def __init__(self, found):
        self.found = found  # split Var -> (shape tree, {key: item Var})
        self.items = {}  # item Var -> its adjoint (a node), None for none

    def read_back(self, rev, eqn):
        """`t = p[key]` backwards: t's adjoint is p's item's (the reads stand first in
        the function, so the sweep ends with them: nothing overwrites it after)."""
        out = eqn.outs[0]
        if out in self.found:
            self.items[out] = self.literal(rev, out)
        else:
            held = rev.state.get(out)
            self.items[out] = name(held) if held else None
        return []

    def literal(self, rev, v):
        """v's adjoint: a list or dict literal of its items' (zeros for items not reached)."""
        known, items = self.found[v]
        nodes = []
        for key, _ in known[1]:
            item = items.get(key)
            node = self.items.get(item) if item is not None else None
            if node is None and item is not None:
                node = rev.zeros(item)
            elif node is None:
                read = gast.Subscript(name(rev.names.var(v)), gast.Constant(key, None), gast.Load())
                node = rev.emit.fix_roots(rt.zeros_like(Sym(read)).node)
            nodes.append(node)
        if known[0] == "dict":
            return gast.Dict([gast.Constant(k, None) for k, _ in known[1]], nodes)
        return gast.List(nodes, gast.Load())
