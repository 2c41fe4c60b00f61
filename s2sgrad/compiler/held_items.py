"""What lists, tuples and dicts hold, for the aliasing check: which values may be
containers (their items are arrays themselves, not copies), and which array an item
read out of one certainly is (`{"a": x, "b": y}["b"]` is y), so that a write into an
array is followed to the items that may be it and back (F68, F69)."""

import gast

from . import ir

SEQ_OPS = ("seq_concat", "seq_repeat", "seq_repeat_r")  # runtime's list joins and repeats


def holds_items(v, made_by, carried_of, containers, seen=()):
    """May v be a list, tuple or dict (made so, passed in, or a version of one)? Its items
    are arrays themselves, not copies: Python's `x op= y` on one changes what v holds."""
    if v in containers:
        return True
    if v in seen or not isinstance(v, ir.Var):
        return False
    seen += (v,)
    maker = made_by.get(v)
    if isinstance(maker, ir.Eqn):
        if maker.kind == "build" or maker.prim in (list, tuple, dict) or getattr(maker.prim, "__name__", "") in SEQ_OPS:
            return True
        return maker.kind in ("setitem", "append") and holds_items(maker.args[0], made_by, carried_of, containers, seen)
    if isinstance(maker, ir.If):
        k = maker.outs.index(v)
        return any(
            holds_items(a, made_by, carried_of, containers, seen) for a in (maker.then_outs[k], maker.else_outs[k])
        )
    if ir.is_loop(maker) or v in carried_of:
        loop, k = carried_of[v] if v in carried_of else (maker, maker.outs.index(v))
        return any(holds_items(a, made_by, carried_of, containers, seen) for a in (loop.inits[k], loop.body_outs[k]))
    return False


class ItemReads(dict):
    """{alias root: container} for items read out of lists, tuples or dicts (`d["a"]`,
    `lst[0][::2]`): a write into one changes an array the container holds. `reads[root]`
    keeps what each read of that root certainly gave: an item, or None where unknown."""

    def __init__(self):
        super().__init__()
        self.reads = {}


def item_reads(stmts, alias, made_by, carried_of, containers):
    """The `ItemReads` of `stmts`, by `alias` roots."""
    found = ItemReads()
    for s in stmts:
        if isinstance(s, ir.Eqn) and s.kind in ("getitem", "unpack") and isinstance(s.args[0], ir.Var):
            if holds_items(s.args[0], made_by, carried_of, containers):
                for k, o in enumerate(s.outs):
                    found[alias.find(o)] = s.args[0]
                    found.reads.setdefault(alias.find(o), []).append(built_item(s, k, made_by))
    return found


def may_hold(items, target, alias, known):
    """May one of `items` (what reads out of containers certainly gave, None where
    unknown) be the written array: unknown, that array, or a container itself?"""
    makers, carried_of, containers = known
    return any(
        item is None
        or (
            isinstance(item, ir.Var)
            and (alias.find(item) is alias.find(target) or holds_items(item, makers, carried_of, containers))
        )
        for item in items
    )


def built_item(read, k, made_by):
    """The atom that `read` (out k of a getitem or unpack) certainly gives: an item, by a
    literal key or index, of a dict, list or tuple built in the code and not changed
    since (`{"a": x, "b": y}["b"]` is y); None if unknown."""
    built = made_by.get(read.args[0])
    if not (isinstance(built, ir.Eqn) and built.kind == "build"):
        return None
    if read.kind == "unpack":
        return built.args[k] if built.payload in ("tuple", "list") and len(built.args) == len(read.outs) else None
    key = read.payload
    if len(read.args) != 1 or not isinstance(key, gast.Constant):
        return None
    if built.payload == "dict":
        keys = built.args[0::2]
        if all(isinstance(c, ir.Const) and type(c.value) in (str, int) for c in keys):
            values = {c.value: v for c, v in zip(keys, built.args[1::2])}
            return values.get(key.value) if type(key.value) in (str, int) else None
        return None
    in_range = type(key.value) is int and -len(built.args) <= key.value < len(built.args)
    return built.args[key.value] if built.payload in ("tuple", "list") and in_range else None
