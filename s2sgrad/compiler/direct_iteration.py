"""Clean-up of generated code: a loop that reads a sequence by index only to take its
items iterates the sequence again, as the user wrote it.

Lowering (`iteration.py`) turns `for strike in STRIKES` into
`n = len(STRIKES); for i in range(n): strike = STRIKES[i]`, since a taped loop's
reverse walks the same indices backwards. Where the generated code reads `i` nowhere
else (the forward sweep of a loop whose reverse runs inside it, `sum_loops.py`, or one
whose reverse does not read the items) the index is overhead on every pass:

    for strike in STRIKES:

The sequence must be a module-level list, tuple, array or range (never a dict: a
user's `for i in range(len(d)): d[i]` reads values, iterating `d` gives keys), a name
the generated function never binds and the loop body does not otherwise mention (so
the body cannot grow or rebind it while it is iterated); `n` is dropped only where
nothing else reads it.
"""

import gast

from .codegen import walk


def iterate_directly(body, is_sequence):
    """Rewrite, in place, every `for i in range(len(S))` / `for i in range(n)` (with
    `n = len(S)` before it) whose body starts `x = S[i]` and reads `i` nowhere else;
    `is_sequence(S)`: S names a module-level sequence (not a dict)."""
    loads, stores = _name_counts(body)
    _rewrite_block(body, loads, stores, is_sequence)


def _rewrite_block(stmts, loads, stores, is_sequence):
    k = 0
    while k < len(stmts):
        st = stmts[k]
        for block in _blocks_of(st):
            _rewrite_block(block, loads, stores, is_sequence)
        found = _indexed_loop(st, loads, stores)
        if found is not None and is_sequence(found[0]) and not stores.get(found[0]):
            seq, length = found
            length_at = _length_definition(stmts[:k], length, seq) if length is not None else None
            if length is None or length_at is not None:
                st.target = st.body[0].targets[0]
                st.iter = gast.Name(seq, gast.Load(), None, None)
                del st.body[0]
                if not st.body:
                    st.body.append(gast.Pass())
                if length_at is not None and loads.get(length, 0) == 1:
                    del stmts[length_at]
                    k -= 1
        k += 1


def _blocks_of(st):
    return [b for b in (getattr(st, f, None) for f in ("body", "orelse", "finalbody")) if isinstance(b, list)]


def _indexed_loop(st, loads, stores):
    """(sequence name, length name or None) of `for i in range(<n or len(S)>): x = S[i]; ...`
    that may iterate S itself; else None."""
    if not (isinstance(st, gast.For) and isinstance(st.target, gast.Name) and not st.orelse and st.body):
        return None
    it = st.iter
    if not (_is_call(it, "range") and len(it.args) == 1 and not it.keywords):
        return None
    first, index = st.body[0], st.target.id
    if not (isinstance(first, gast.Assign) and len(first.targets) == 1 and isinstance(first.targets[0], gast.Name)):
        return None
    item = first.value
    if not (isinstance(item, gast.Subscript) and isinstance(item.value, gast.Name)):
        return None
    if not (isinstance(item.slice, gast.Name) and item.slice.id == index):
        return None
    seq = item.value.id
    if loads.get(index, 0) != 1 or stores.get(index, 0) != 1 or first.targets[0].id in (seq, index):
        return None
    if any(isinstance(n, gast.Name) and n.id == seq for rest in st.body[1:] for n in walk(rest)):
        return None
    bound = it.args[0]
    if _is_call(bound, "len") and len(bound.args) == 1 and _is_name(bound.args[0], seq):
        return seq, None
    return (seq, bound.id) if isinstance(bound, gast.Name) else None


def _length_definition(before, length, seq):
    """The position of `length = len(seq)` among the statements `before` the loop, with
    neither name bound again after it; else None."""
    for at in range(len(before) - 1, -1, -1):
        st = before[at]
        if (
            isinstance(st, gast.Assign)
            and len(st.targets) == 1
            and _is_name(st.targets[0], length)
            and _is_call(st.value, "len")
            and len(st.value.args) == 1
            and _is_name(st.value.args[0], seq)
        ):
            return at
        if any(isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store) and n.id in (length, seq) for n in walk(st)):
            return None
    return None


def _name_counts(body):
    loads, stores = {}, {}
    for st in body:
        for n in walk(st):
            if isinstance(n, gast.Name):
                counts = stores if isinstance(n.ctx, gast.Store) else loads
                counts[n.id] = counts.get(n.id, 0) + 1
    return loads, stores


def _is_call(node, fname):
    return isinstance(node, gast.Call) and _is_name(node.func, fname)


def _is_name(node, ident):
    return isinstance(node, gast.Name) and node.id == ident
