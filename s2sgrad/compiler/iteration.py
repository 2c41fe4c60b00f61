"""Lowering of iteration: `for <target> in <iterable>` as a loop over `range`
(mixed into `lower._Lowerer`).

A sequence is read by index: `for x in xs`, `enumerate`, `zip` (of zips too),
`reversed`, a dict's keys, `.items()`/`.values()`. The iterable is hoisted into a
hidden name where the loop rebinds its own; a value that might be a dict is
checked at run time (iterating it gives keys, not `d[0]`, `d[1]`, ...).
"""

import gast
import numpy as np

from .nodes import (
    assign as _assign,
    call as _call,
    const as _const,
    copy_loc as _copy_loc,
    is_call_to as _is_call_to,
    is_method_call as _is_method_call,
    load_copy as _load_copy,
    name as _name,
    subscript as _subscript,
)


class IterationLowering:
    """The loop headers of `_Lowerer` (`checkpoint_marker`, `is_builtin`, `fresh` are its)."""

    def for_header(self, s):
        """Rewrite `for <target> in <iterable>` as a loop over `range`; returns statements
        to run before the loop and statements that start each iteration."""
        it = s.iter
        snapshots = self.checkpoint_marker(it)
        if snapshots is not None:
            s.iter = it = it.args[0]
            if self.markers:
                s.checkpoint = snapshots
                if not _is_call_to(it, "range"):
                    raise self.parsed.error(s, "sg.checkpointed needs a range(...) to loop over", "checkpointed loop")
        elif _is_call_to(it, "range"):
            self.checkpoint_by_option(s)
        if _is_call_to(it, "range"):
            if isinstance(s.target, gast.Name):
                return [], []
            raise self.parsed.error(s.target, "a range loop needs a single name as target", "for")
        if _is_call_to(it, "enumerate") and it.args and _structured(it.args[0]):
            return self.enumerate_structured(s, it)
        index = self.fresh("i")
        pre, header = [], []
        if _is_call_to(it, "reversed") and len(it.args) == 1 and not it.keywords:
            # for x in reversed(seq): read seq[::-1] (a range stays a range)
            it = s.iter = gast.Subscript(
                it.args[0], gast.Slice(None, None, gast.UnaryOp(gast.USub(), gast.Constant(1, None))), gast.Load()
            )
            _copy_loc(it, s)
        if (
            _is_call_to(it, "enumerate")
            and len(it.args) in (1, 2)
            and not it.keywords
            and isinstance(s.target, gast.Tuple)
            and len(s.target.elts) == 2
        ):
            seq = self.hoist(it.args[0], pre, s, "seq")
            count, item = s.target.elts
            start = it.args[1] if len(it.args) == 2 else None
            counted = _name(index) if start is None else gast.BinOp(_name(index), gast.Add(), start)
            header.append(_copy_loc(gast.Assign([count], counted, None), s))
            header.append(_copy_loc(gast.Assign([item], _subscript(seq, index), None), s))
            length = _call("len", [_name(seq)])
        elif self.holds_dict(it) is True:
            # for k in d: loop over its keys
            it = s.iter = _copy_loc(gast.Call(gast.Attribute(it, "keys", gast.Load()), [], []), s)
            return self.for_header(s)
        elif _is_method_call(it, ("items", "values", "keys")):
            # for k, v in d.items(): loop over the keys and read d[k]
            mapping = self.hoist(it.func.value, pre, s, "map")
            keys = self.fresh("keys")
            keys_call = gast.Call(gast.Attribute(_name(mapping), "keys", gast.Load()), [], [])
            pre.append(_copy_loc(_assign(keys, _call("list", [keys_call])), s))
            key = _subscript(keys, index)
            value = gast.Subscript(_name(mapping), key, gast.Load())
            if it.func.attr == "items":
                if not (isinstance(s.target, gast.Tuple) and len(s.target.elts) == 2):
                    raise self.parsed.error(s, "unpack .items() into two names", "for")
                header.append(_copy_loc(gast.Assign([s.target.elts[0]], _subscript(keys, index), None), s))
                header.append(
                    _copy_loc(
                        gast.Assign(
                            [s.target.elts[1]],
                            gast.Subscript(_name(mapping), _load_copy(s.target.elts[0]), gast.Load()),
                            None,
                        ),
                        s,
                    )
                )
            else:
                header.append(_copy_loc(gast.Assign([s.target], value if it.func.attr == "values" else key, None), s))
            length = _call("len", [_name(keys)])
        elif (
            _is_call_to(it, "zip")
            and it.args
            and not it.keywords
            and isinstance(s.target, gast.Tuple)
            and len(s.target.elts) == len(it.args)
        ):
            pairs = _zip_pairs(s.target, it)
            seqs = [self.hoist(a, pre, s, "seq") for _, a in pairs]
            for (target, _), seq in zip(pairs, seqs):
                header.append(_copy_loc(gast.Assign([target], _subscript(seq, index), None), s))
            lengths = [_call("len", [_name(q)]) for q in seqs]
            length = lengths[0] if len(lengths) == 1 else _call("min", lengths)
        else:
            seq = self.sequence(it, pre, s)
            header.append(_copy_loc(gast.Assign([s.target], _subscript(seq, index), None), s))
            length = _call("len", [_name(seq)])
        s.iter = _copy_loc(_call("range", [length]), s)
        s.target = _name(index, True)
        return pre, header

    def enumerate_structured(self, s, it):
        """`for k, (a, b) in enumerate(zip(xs, ys))` (or of .items(), reversed(...)):
        the inner loop's header, then the count from its index."""
        if len(it.args) > 2 or it.keywords or not (isinstance(s.target, gast.Tuple) and len(s.target.elts) == 2):
            raise self.parsed.error(s, "unpack enumerate(...) into a count and an item", "for")
        count, item = s.target.elts
        start = it.args[1] if len(it.args) == 2 else None
        s.iter, s.target = it.args[0], item
        pre, header = self.for_header(s)
        counted = _name(s.target.id) if start is None else gast.BinOp(_name(s.target.id), gast.Add(), start)
        return pre, [_copy_loc(gast.Assign([count], counted, None), s)] + header

    def reassigned(self, name):
        return any(
            isinstance(n, gast.Name) and n.id == name and isinstance(n.ctx, gast.Store)
            for n in gast.walk(self.parsed.node)
        )

    def sequence(self, expr, pre, s):
        """The name of a sequence to read by index (`for x in xs`, `max(xs)`). A dict gives
        its keys when iterated, not `d[0]`, `d[1]`, ...: where the value might be one, a
        check at run time stops with an error (the loop would read the wrong items)."""
        seq = self.hoist(expr, pre, s, "seq")
        if self.holds_dict(expr) is not False:
            where = _const(str(self.parsed.loc(s)))
            pre.append(_copy_loc(gast.Expr(gast.Call(_name(".rt.not_a_dict"), [_name(seq), where], [])), s))
        return seq

    def holds_dict(self, node, seen=()):
        """True if `node` certainly holds a dict, False if it certainly does not, None if
        that is known only at run time. Judged from the function's text: parameters by
        the kinds of the arguments, local names by every value assigned to them."""
        if isinstance(node, (gast.Dict, gast.DictComp)) or _is_call_to(node, "dict"):
            return True if not _is_call_to(node, "dict") or self.is_builtin("dict") else None
        if (
            isinstance(node, (gast.List, gast.Tuple, gast.ListComp, gast.Constant, gast.UnaryOp, gast.Compare))
            or (isinstance(node, gast.BinOp) and not isinstance(node.op, gast.BitOr))
            or (isinstance(node, gast.Subscript) and isinstance(node.slice, gast.Slice))
        ):
            return False
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and self.is_builtin(node.func.id):
            not_dicts = ("list", "tuple", "range", "sorted", "len", "float", "zip", "enumerate", "reversed")
            return False if node.func.id in not_dicts else None
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute):
            root = node.func
            while isinstance(root, gast.Attribute):
                root = root.value
            module = (
                isinstance(root, gast.Name)
                and root.id not in self.local_names
                and getattr(self.parsed.resolve(root.id), "__name__", "").split(".")[0] == "numpy"
            )
            return False if module else None
        if not isinstance(node, gast.Name) or node.id in seen:
            return None
        if node.id in self.params:
            if self.dicts is None or self.reassigned(node.id):
                return None  # a helper's parameter: its argument is not known here
            return node.id in self.dicts
        values = self.assigned.get(node.id)
        if node.id not in self.local_names:
            value = self.parsed.resolve(node.id)
            return isinstance(value, dict) if isinstance(value, (dict, list, tuple, np.ndarray)) else None
        if not values:
            return None
        kinds = {self.holds_dict(v, seen + (node.id,)) for v in values}
        return kinds.pop() if len(kinds) == 1 else None

    def hoist(self, expr, pre, s, stem):
        """A name for the sequence a loop reads by index. Python iterates the object the
        iterable held when the loop started: a name the loop rebinds (`for r in v: v = ...`)
        is read through a hidden name bound before the loop."""
        if isinstance(expr, gast.Name):
            augmented = _augmented(s, expr.id)
            if augmented is not None:
                raise self.parsed.error(
                    augmented,
                    f"this loop iterates '{expr.id}', and an augmented assignment to '{expr.id}' "
                    "in its body would change that sequence while it is iterated",
                    "augmented assignment",
                    f"write {expr.id} = {expr.id} ... (a new value), or iterate a copy",
                )
            if expr.id not in _rebound(s):
                return expr.id
        name = self.fresh(stem)
        pre.append(_copy_loc(_assign(name, expr), s))
        return name


def _rebound(loop):
    """The names a `for` loop's target and body bind."""
    if not isinstance(loop, gast.For):
        return set()
    names = set()
    for node in [loop.target] + loop.body:
        for sub in gast.walk(node):
            if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Store):
                names.add(sub.id)
    return names


def _augmented(loop, name):
    """The first `name op= ...` in a `for` loop's body, or None."""
    for node in loop.body if isinstance(loop, gast.For) else ():
        for sub in gast.walk(node):
            if isinstance(sub, gast.AugAssign) and isinstance(sub.target, gast.Name) and sub.target.id == name:
                return sub
    return None


def _structured(it):
    """An iterable whose items the loop header unpacks itself (not a plain sequence)."""
    return any(_is_call_to(it, f) for f in ("zip", "reversed", "enumerate")) or _is_method_call(
        it, ("items", "values", "keys")
    )


def _zip_pairs(target, it):
    """(name, sequence) for `for a, b in zip(xs, ys)`, flattening zips of zips:
    `for (x0, x1), y in zip(zip(xs[:-1], xs[1:]), ys)` reads x0 from xs[:-1], x1 from xs[1:]
    and y from ys, and stops at the shortest of them, as Python does."""
    pairs = []
    for elt, arg in zip(target.elts, it.args):
        if (
            _is_call_to(arg, "zip")
            and arg.args
            and not arg.keywords
            and isinstance(elt, gast.Tuple)
            and len(elt.elts) == len(arg.args)
        ):
            pairs += _zip_pairs(elt, arg)
        else:
            pairs.append((elt, arg))
    return pairs
