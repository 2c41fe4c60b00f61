"""What in-place writes ask of the reverse sweep (`InPlace`): which adjoints are
one array updated in place, which arrays must have their overwritten parts
saved, and which values may be Python containers (their adjoints add item by
item, never with `+=`) or certainly are dicts.
"""

import gast

from . import ir


def _runtime_helpers():
    from .. import runtime

    # (like their argument: an adjoint of a container is one; split_last gives a list's
    # last adjoint and the rest, a list: generated code differentiated again)
    return (runtime.zeros_like, runtime.owned), (runtime.split_last, runtime.join_last)


_LIKE_ITS_ARGUMENT, _LIST_HELPERS = _runtime_helpers()


def _splits():
    from .. import runtime

    return (runtime.split_last, runtime.split_off_last)


_SPLITS = _splits()  # (last, rest) of a list's adjoint, in generated code: a tuple holding a list


def _makes_a_container(prim):
    """list(...), tuple(...), dict(...), sorted(...), and a NamedTuple class called in the code."""
    if prim in (list, tuple, dict, sorted):
        return True
    return isinstance(prim, type) and issubclass(prim, tuple) and hasattr(prim, "_fields")


def _container_flows(st, found, certain):
    """The values `st` makes that are containers if the values in `found` are (with
    `certain`: that are dicts if those are)."""
    if isinstance(st, ir.Eqn):
        if certain:
            if (st.kind == "build" and st.payload == "dict") or (st.kind == "call" and st.prim is dict):
                return st.outs
        elif st.kind in ("build", "append") or (
            st.kind == "call" and (_makes_a_container(st.prim) or st.prim in _LIST_HELPERS)
        ):
            return st.outs
        if st.kind in ("setitem", "add_at") and st.args[0] in found:
            return st.outs  # the same container, written
        if st.kind == "call" and st.prim in _LIKE_ITS_ARGUMENT and st.args and st.args[0] in found:
            return st.outs  # an adjoint of a container (in generated code)
        if st.kind == "call" and st.prim in _SPLITS and not certain:
            return st.outs
        if st.kind == "method" and st.payload == "copy" and st.args and st.args[0] in found:
            return st.outs  # (the functional flavour's copy before a write: reverse.copy_before)
        if st.kind in ("getitem", "unpack") and st.args[0] in found and not certain:
            return st.outs  # an item may itself be a container (a tape entry)
        return []
    joined = all if certain else any

    def known(v):
        return v in found or (certain and v is ir.UNDEFINED)

    if isinstance(st, ir.If):
        return [o for o, a, b in zip(st.outs, st.then_outs, st.else_outs) if joined(map(known, (a, b)))]
    return [
        v
        for c, i, b, y in zip(st.carried, st.inits, st.body_outs, st.outs)
        if joined(map(known, (i, b)))
        for v in (c, y)
    ]


def _maybe_containers(stmts, params):
    """Values that may be Python lists, tuples or dicts (their adjoints are added
    element by element, never with `+=`, which would concatenate lists)."""
    found = set(params)
    changed = True
    while changed:
        changed = False
        for st in stmts:
            for v in _container_flows(st, found, certain=False):
                if v not in found:
                    found.add(v)
                    changed = True
    return found


def _certain_dicts(stmts, params, maybe):
    """The values that certainly are dicts, not an item of one (the greatest fixed
    point below `maybe`: a loop may carry a dict it writes into)."""
    found = set(maybe)
    changed = True
    while changed:
        made = set(params)
        for st in stmts:
            made.update(_container_flows(st, found, certain=True))
        changed = not found <= made
        found &= made
    return found


def read_out_numbers(graph, shapes):
    """Elements read out of an array by one integer per axis (`u[i - 1]`, `A[i, j]`), in
    code specialised on shapes: NumPy numbers, which share memory with nothing."""
    found = set()
    for e in ir.walk(graph.body):
        if isinstance(e, ir.Eqn) and e.kind == "getitem":
            axes = _axes(shapes, e.args[0])
            if axes and _integer_positions(e.payload, e.args[1:], shapes.ints) == axes:
                found.add(e.outs[0])
    return found


def _axes(shapes, atom):
    """How many axes the array `atom` certainly has (None if not known, or not an array)."""
    known = shapes.known(atom)
    if known is not None:
        return len(known)
    return 1 if shapes.term(atom) in shapes.one_axis else None


def _integer_positions(template, atoms, ints):
    """How many integers the index template holds, if it holds nothing else."""
    entries = template.elts if isinstance(template, gast.Tuple) else [template]
    for node in entries:
        if isinstance(node, gast.Name) and node.id.startswith("."):
            atom = atoms[int(node.id[1:]) - 1]
            if isinstance(atom, ir.Var) and atom in ints:
                continue
            node = gast.Constant(getattr(atom, "value", None), None)
        if not (isinstance(node, gast.Constant) and type(node.value) is int):
            return None
    return len(entries)


_BEFORE_ALL = (-1, ())  # where the parameters are made


def _program_order(block):
    """(value -> where it is made, write -> where it runs): a position in program order
    and the loops around. A loop's or branch's results are made at its end; a loop's
    carried values at its head, inside it."""
    made_at, written_at, counter = {}, {}, iter(range(1 << 62))

    def visit(block, loops):
        for st in block:
            at = (next(counter), loops)
            if isinstance(st, ir.Eqn):
                written_at[id(st)] = at
                made_at.update((o, at) for o in st.outs)
                continue
            inner = loops + (id(st),) if ir.is_loop(st) else loops
            made_at.update((c, (at[0], inner)) for c in getattr(st, "carried", ()))
            for sub in ir.sub_blocks(st):
                visit(sub, inner)
            made_at.update((o, (next(counter), loops)) for o in st.outs)

    visit(block, ())
    return made_at, written_at


def _may_run_after(write_at, made_at):
    """May the write run after the value was made (later in the code, or on a later lap
    of a loop around both)? If not, the value is read intact whenever it is read."""
    (w, write_loops), (m, made_loops) = write_at, made_at
    return w > m or bool(set(write_loops) & set(made_loops))


class InPlace:
    """What in-place writes ask of the sweep.

    `buffered`: values whose adjoint is one array updated in place (arrays
    written in place, and arrays read by index), so that a write or an indexed
    read costs the size of the part, not of the array. `restore`: the arrays
    whose overwritten parts must be saved, because the sweep reads old values
    (a value made after every write that may change it, or a number, needs none).
    `numbers`: values that share memory with no array.
    """

    def __init__(
        self, graph, active, value_reads=None, container_params=(), dict_params=(), numbers=(), functional=False
    ):
        from .sharing import unions

        # The functional flavour, for a gradient that is differentiated again: every write
        # goes into a copy (`copies`), the sweep rebinds a name to the old array instead
        # of restoring parts in place, so correctness never depends on sharing a buffer.
        self.functional = functional

        self.versions, self.aliases = unions(graph)
        stmts = list(ir.walk(graph.body))
        self.containers = _maybe_containers(stmts, container_params)
        self.dicts = dicts = _certain_dicts(stmts, dict_params, self.containers)
        self.writes = [e for e in stmts if isinstance(e, ir.Eqn) and e.kind in ("setitem", "append", "add_at")]
        written = {self.versions.find(w.outs[0]) for w in self.writes}
        every = {v for st in stmts for v in st.outs} | set(graph.params)
        every |= {c for st in stmts if ir.is_loop(st) for c in st.carried}
        self.buffered = {v for v in every if v in active and self.versions.find(v) in written}
        self.buffered |= {
            e.args[0]
            for e in stmts
            if isinstance(e, ir.Eqn)
            and e.kind in ("getitem", "unpack")
            and isinstance(e.args[0], ir.Var)
            and e.args[0] in active
        }
        overwritten = {w.args[0] for w in self.writes}
        for st in stmts:
            if ir.is_loop(st):
                for c, i, b in zip(st.carried, st.inits, st.body_outs):
                    if self.versions.find(c) in written:
                        # (what a pass leaves is the next pass's carried value, written again)
                        overwritten |= {c} | {a for a in (i, b) if isinstance(a, ir.Var)}
            elif isinstance(st, ir.If):
                for a in st.then_outs + st.else_outs:
                    if isinstance(a, ir.Var) and self.versions.find(a) in written:
                        overwritten.add(a)
        self.restore = set()
        made_at, written_at = _program_order(graph.body)
        shares = self._sharing(graph, stmts)
        for r in value_reads or ():
            for w in self.writes:
                group = self.versions.find(w.args[0])
                if not _may_run_after(written_at[id(w)], made_at.get(r, _BEFORE_ALL)):
                    continue  # (the sweep reads r before it undoes any write made after r)
                # (a write into a dict replaces an item: the items read before stay as they were)
                if (self.versions.find(r) is group and r in overwritten) or (
                    self.versions.find(r) is not group
                    and r not in numbers  # (an element read out, u[i - 1], is a copy)
                    and shares(r, w.args[0])
                    and w.args[0] not in dicts
                ):
                    self.restore.add(group)

    def _sharing(self, graph, stmts):
        """May two values be one array's memory: one memory (`aliases`), or one of them is
        an item read out of a list or dict that may hold the other (`v = d["a"]` where
        `d = {"a": t}`: a write into v changes t, F68)?"""
        from .sharing import unions

        holds = unions(graph, items=True)[1]
        items = {
            self.aliases.find(o)
            for e in stmts
            if isinstance(e, ir.Eqn) and e.kind in ("getitem", "unpack") and e.args and e.args[0] in self.containers
            for o in e.outs
        }

        def shares(a, b):
            if self.aliases.find(a) is self.aliases.find(b):
                return True
            return bool({self.aliases.find(a), self.aliases.find(b)} & items) and holds.find(a) is holds.find(b)

        return shares

    def own_arguments(self, graph, names):
        """`x = x.copy()` first for each argument the function writes into: a derivative
        never changes the caller's data (docs/language.md), and sees what f sees."""
        from .codegen import assign, call, name

        if self.functional:
            return []  # (every write copies first)
        written = {self.versions.find(w.outs[0]) for w in self.writes}
        return [
            assign(names.var(p), call(gast.Attribute(name(names.var(p)), "copy", gast.Load()), []))
            for p in graph.params
            if self.versions.find(p) in written
        ]

    def copies(self, write):
        """Whether the forward sweep copies the array before this write (functional flavour)."""
        return self.functional and write.kind in ("setitem", "add_at", "append") and isinstance(write.args[0], ir.Var)

    def needs_restore(self, write):
        return self.versions.find(write.args[0]) in self.restore
