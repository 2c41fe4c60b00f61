"""Statements that change a value in place, as the SSA builder sees them:
`lst.append(v)` and `np.add.at(u, i, v)` become new versions of the value;
writes it cannot follow (`lst.sort()`, `out=`, `np.copyto`, an augmented
assignment to a name that shares its array) are refused here, with the line."""

import numpy as np

import gast

from . import ir

_AUG = {
    gast.Add: "+",
    gast.Sub: "-",
    gast.Mult: "*",
    gast.Div: "/",
    gast.Pow: "**",
    gast.FloorDiv: "//",
    gast.Mod: "%",
    gast.MatMult: "@",
}
_MUTATING_METHODS = {
    "extend",
    "insert",
    "pop",
    "remove",
    "sort",
    "reverse",
    "clear",
    "update",
    "setdefault",
    "popitem",
    "fill",
    "resize",
    "put",
    "itemset",
    "partition",
    "setfield",
    "byteswap",
}
_MUTATING_FUNCTIONS = [np.copyto, np.put, np.place, np.putmask, np.fill_diagonal, np.random.shuffle, np.put_along_axis]


def _is_ufunc_at(obj, ufunc=None):
    """`np.add.at` and the other ufuncs' unbuffered in-place `.at` (a new bound method each time)."""
    owner = getattr(obj, "__self__", None)
    return isinstance(owner, np.ufunc) and getattr(obj, "__name__", None) == "at" and ufunc in (None, owner)


def _spell(node):
    parts = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, gast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def guard_not_view(value, message, loc, item=False):
    """An effect statement `not_a_view(value, message, where)`: fails at run time, naming the
    user's line `where`, if value is a view (`item`: if it is an array at all, as the item
    of a list or dict is the array itself, not a copy of a part)."""
    args = [gast.Name(".1", gast.Load(), None, None), gast.Constant(message, None), gast.Constant(_where(loc), None)]
    if item:
        args.append(gast.Constant(True, None))
    template = gast.Expr(gast.Call(gast.Name(".rt.not_a_view", gast.Load(), None, None), args, []))
    return ir.Eqn([], "effect", [value], {}, loc, "effect", template)


def guard_sole_item(container, item, loc):
    """`sole_item(container, item, where)`: fails at run time if item is an array that
    another item of container shares (Python's `lst[k] op= y` changes it there too)."""
    args = [gast.Name(f".{k}", gast.Load(), None, None) for k in (1, 2)] + [gast.Constant(_where(loc), None)]
    template = gast.Expr(gast.Call(gast.Name(".rt.sole_item", gast.Load(), None, None), args, []))
    return ir.Eqn([], "effect", [container, item], {}, loc, "effect", template)


def _where(loc):
    """ "file:line" of the user's code for `loc` (through generated code differentiated again)."""
    from .compile import origin_loc

    if loc is None:
        return None
    user = origin_loc(loc.filename, loc.lineno) if loc.filename.startswith("<s2sgrad:") else None
    return f"{(user or loc).filename}:{(user or loc).lineno}"


OTHER, SAME, WRITTEN = "other", "same", "written"


def _builds(eqn):
    return isinstance(eqn, ir.Eqn) and eqn.kind == "build"


def _slot(build, index):
    """The atom a literal list / tuple / dict holds at a constant index, or None."""
    if not isinstance(index, gast.Constant):
        return None
    if build.payload == "dict":
        keys = build.args[0::2]
        found = [k for k, key in enumerate(keys) if isinstance(key, ir.Const) and key.value == index.value]
        return build.args[2 * found[0] + 1] if len(found) == 1 else None
    k = index.value
    return build.args[k] if isinstance(k, int) and -len(build.args) <= k < len(build.args) else None


def same_object(block, start, end):
    """What `end` may be, path by path, relative to the array `start`: a set of OTHER
    (another object), SAME (that array, unchanged), WRITTEN (that array, changed in
    place on the way: setitem chains, `x op= y`, branches and loops of them)."""
    made = {o: st for st in ir.walk(block) for o in st.outs}

    def paths(v, start, seen=()):
        if v is start:
            return {SAME}
        st = made.get(v)
        if st is None or v in seen:
            return {OTHER}
        seen += (v,)
        if isinstance(st, ir.Eqn) and (st.kind in ("setitem", "append", "add_at") or st.overwrites is not None):
            # (x op= y: Python keeps x's array; lst.append(v) keeps the list)
            before = paths(st.args[0] if st.overwrites is None else st.overwrites, start, seen)
            return {OTHER if p == OTHER else WRITTEN for p in before}
        if not isinstance(st, (ir.If, ir.For, ir.While)):
            return {OTHER}
        k = st.outs.index(v)
        if isinstance(st, ir.If):
            return paths(st.then_outs[k], start, seen) | paths(st.else_outs[k], start, seen)
        before, each = paths(st.inits[k], start, seen), paths(st.body_outs[k], st.carried[k], seen)
        after = {OTHER} if OTHER in each else set()  # (a pass that makes a new object)
        if each - {OTHER}:
            after |= {WRITTEN if p == SAME and WRITTEN in each else p for p in before}
        return before | after  # (no pass at all: the initial value)

    return paths(end, start)


class InPlaceEffects:
    """The SSA builder's checks of in-place effects (mixed into `ssa._Builder`)."""

    def mutating_call(self, call, env):
        """`lst.append(v)` becomes a new version of the list; other calls that change
        a local value in place cannot be followed and are refused. Returns True when
        the statement was handled."""
        if not isinstance(call, gast.Call):
            return False
        self.refuse_out(call)
        func = call.func
        if (
            isinstance(func, gast.Attribute)
            and isinstance(func.value, gast.Name)
            and (func.value.id in env or func.value.id in self.locals)
        ):
            owner = func.value.id
            if func.attr == "append" and len(call.args) == 1 and not call.keywords:
                old = self.name(func.value, env)
                value = self.expr(call.args[0], env)
                new = ir.Var(ir.hint_name(owner))
                self.emit(ir.Eqn([new], "append", [old, value], {}, self.parsed.loc(call), "append"))
                for name_, v in list(env.items()):
                    if v is old:
                        env[name_] = new
                return True
            if func.attr in _MUTATING_METHODS:
                raise self.parsed.error(
                    call,
                    f"'{owner}.{func.attr}(...)' changes '{owner}' in place, which cannot be differentiated",
                    "in-place method",
                    "build a new value instead (e.g. sorted(...), np.sort(...), x = x + ...)",
                )
        elif (
            isinstance(func, gast.Attribute)
            and isinstance(func.value, gast.Name)
            and (func.attr in _MUTATING_METHODS or func.attr == "append")
        ):
            owner = func.value.id
            raise self.parsed.error(
                call,
                f"'{owner}.{func.attr}(...)' changes module-level state, which the derivative cannot follow",
                "module state",
                f"pass '{owner}' in as an argument and return the new value",
            )
        if isinstance(func, (gast.Attribute, gast.Name)):
            path = self.static_path(func, env) if isinstance(func, gast.Attribute) else None
            obj = path[1] if path else (self.parsed.resolve(func.id) if isinstance(func, gast.Name) else None)
            from .. import runtime

            if (
                (obj is runtime.add_at or _is_ufunc_at(obj, np.add))
                and len(call.args) == 3
                and isinstance(call.args[0], gast.Name)
                and (call.args[0].id in env or call.args[0].id in self.locals)
            ):
                # np.add.at(u, index, values) in user code, add_at(g, index, values) in generated
                # code: a new version of u (g)
                old = self.name(call.args[0], env)
                index = self.expr(call.args[1], env)
                values = self.expr(call.args[2], env)
                new = ir.Var(ir.hint_name(call.args[0].id))
                self.emit(
                    ir.Eqn(
                        [new],
                        "add_at",
                        [old, values, index],
                        {},
                        self.parsed.loc(call),
                        "add_at",
                        gast.Name(".1", gast.Load(), None, None),
                    )
                )
                for name_, v in list(env.items()):
                    if v is old:
                        env[name_] = new
                return True
            if obj is runtime.restore_part:
                raise self.parsed.error(
                    call,
                    "this derivative puts back an entry of a dict or list that the "
                    "function overwrote, which cannot be differentiated again",
                    "second order",
                    "assign the new entries into a fresh dict, e.g. q = dict(p); q[k] = ...",
                )
            if any(obj is f for f in _MUTATING_FUNCTIONS) or _is_ufunc_at(obj):
                hint = (
                    "write a loop over the indices, e.g. out[i] = np.maximum(out[i], v[i]) (np.add.at is supported)"
                    if _is_ufunc_at(obj)
                    else "write the assignment out, e.g. x[index] = values"
                )
                raise self.parsed.error(
                    call,
                    f"'{_spell(func)}' writes into its argument in place, which cannot be differentiated",
                    "in-place function",
                    hint,
                )
        return False

    def refuse_out(self, call):
        """`np.exp(x, out=buf)` writes into buf behind the SSA's back: the derivative would read a
        stale buf (or none), so it is refused rather than silently wrong."""
        for k in call.keywords:
            if k.arg == "out" and not (isinstance(k.value, gast.Constant) and k.value.value is None):
                target = k.value.id if isinstance(k.value, gast.Name) else "result"
                raise self.parsed.error(
                    call,
                    f"'{_spell(call.func)}(..., out=...)' writes its result into "
                    "an existing array in place, which cannot be differentiated",
                    "out= argument",
                    f"assign the result instead: {target} = {_spell(call.func)}(...) without out=",
                )

    def check_augmented(self, s, env):
        """`x += y` on an array changes it in place; we rebind x, so no other name may share it."""
        target = s.targets[0].id
        current = env.get(target)
        if isinstance(current, ir.Var) and current in self.immutable:
            return  # a float is never changed in place: `y = a; y += b` rebinds y only
        if isinstance(current, ir.Var) and self.passed.get(target) is current:
            raise self.parsed.error(
                s,
                f"'{target} {_AUG.get(type(s.value.op), 'op')}= ...' would change the caller's array in place",
                "aliasing",
                f"write {target} = {target} ... (a new array) and return it",
            )
        others = [m for m, v in env.items() if v is current and m != target and not m.startswith(".")]
        if isinstance(current, ir.Var) and others:
            raise self.parsed.error(
                s,
                f"'{target}' and '{others[0]}' name the same value; an augmented "
                f"assignment to '{target}' would change both",
                "aliasing",
                f"write {target} = {target} + ... (a new value) or copy first",
            )

    def mark_overwrite(self, current, value):
        """`x op= y` changes x's array in place when x holds one: the equation that makes
        the new x records the old value, whose other names and views aliasing.py checks."""
        made = self.block[-1] if self.block else None
        if (
            isinstance(current, ir.Var)
            and current not in self.immutable
            and isinstance(made, ir.Eqn)
            and made.outs == [value]
            and made.kind in ("binop", "call")
        ):
            made.overwrites = current

    def mark_item_overwrite(self, stmt, value, env):
        """`lst[k] op= y` where the item is an array changes that array in place (Python runs
        `t = lst[k]; t op= y; lst[k] = t`): every other holder of it sees the write, while the
        generated code makes a new array. Nothing to do when the item is a number, or an array
        made for this one slot of a list literal that nothing else holds; otherwise the write
        is marked like `x op= y`, and aliasing.py refuses it where another value could see it.
        (On an array, `u[i] op= y` is a write into u, which the setitem follows: aliasing.py
        drops the mark where the base cannot hold items.)"""
        target = stmt.targets[0]
        base = env.get(target.value.id) if isinstance(target.value, gast.Name) else None
        made = self.block[-1] if self.block else None
        if base is None or not isinstance(made, ir.Eqn) or made.kind != "binop" or made.outs != [value]:
            return
        maker = self._made_here(base)
        item = made.args[0]
        if not isinstance(item, ir.Var) or item in self.immutable:
            return
        slot = _slot(maker, target.slice) if _builds(maker) else None
        if isinstance(slot, ir.Const) or slot in self.immutable:
            return
        if isinstance(slot, ir.Var) and self._only_in(slot, maker, base, item, env):
            if slot in self.view_made:  # a row of another array: fine only if it is a number
                message = (
                    "the item changed here is a view of another array, which an augmented assignment "
                    "would change in place; write lst[k] = lst[k] ... instead"
                )
                self.emit(guard_not_view(slot, message, self.parsed.loc(stmt)))
            return
        self.mark_overwrite(item, value)
        made.item_of = base  # (aliasing.py drops the mark where base is an array, else checks it)

    def _made_here(self, atom):
        return next((s for s in reversed(self.block) if isinstance(s, ir.Eqn) and atom in s.outs), None)

    def _only_in(self, slot, maker, base, item, env):
        """Is `slot` held by one item of the literal `maker` only, which nothing read out before?"""
        if maker.args.count(slot) != 1 or any(v is slot for n, v in env.items() if not n.startswith(".")):
            return False
        item_read = self._made_here(item)
        for s in ir.walk(self.block):
            if s is maker or s is item_read:
                continue
            if any(a is slot or a is base for a in ir.reads(s)):
                return False
        return True

    def check_loop_aliases(self, node, names, inits, carried, block, body_outs, env):
        """A loop that writes into an array in place must not leave another name
        of the same array behind (that name would change too)."""
        for n, init, c, out in zip(names, inits, carried, body_outs):
            if not isinstance(init, ir.Var) or init in self.immutable or WRITTEN not in same_object(block, c, out):
                continue  # (a number passed in: `y += ...` rebinds y only)
            others = [m for m, v in env.items() if v is init and m != n and not m.startswith(".")]
            if others:
                raise self.parsed.error(
                    node,
                    f"this loop writes into '{n}' in place, which also changes '{others[0]}' (the same array)",
                    "aliasing",
                    f"make a separate copy: {n} = {others[0]}.copy()",
                )
