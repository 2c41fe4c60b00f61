"""Starred forms: `a, *rest, b = value` (lowering), `f(*args, **kwargs)` and
`[*xs, y]` (SSA, where the items of `args` / `xs` are known).

A starred target becomes reads by position: `first, *_ = np.linalg.lstsq(...)` is
`.s = np.linalg.lstsq(...)`, `first = .s[0]`, `_ = list(.s[1:])`; a literal value
is split as written (`a, *b = x, y, z` -> `a, b = x, [y, z]`). A starred argument
or list item is replaced by the items of the tuple, list or dict it names, which
the SSA builder knows when they were built in the function (a literal, a helper's
`*args` / `**kwargs`); otherwise the length is not known where the code is made,
and that is refused.
"""

import gast

from . import ir
from .nodes import assign, call, const, copy_loc, name


def expanded(node):
    """The ids of the Starred nodes under `node` that the SSA builder expands: call
    arguments and items of list and tuple literals that are read."""
    found = set()
    for sub in gast.walk(node):
        if isinstance(sub, gast.Call):
            found |= {id(a) for a in sub.args if isinstance(a, gast.Starred)}
        elif isinstance(sub, (gast.List, gast.Tuple)) and isinstance(sub.ctx, gast.Load):
            found |= {id(e) for e in sub.elts if isinstance(e, gast.Starred)}
    return found


def in_call(call):
    """Does a call spread arguments (`f(*xs)`, `f(**kw)`)?"""
    return any(isinstance(a, gast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords)


def has_star(target):
    return isinstance(target, (gast.Tuple, gast.List)) and any(
        isinstance(e, gast.Starred) or has_star(e) for e in target.elts
    )


def unstar(lowerer, s):
    """The statements for an assignment to a starred target (others as they are)."""
    if not (isinstance(s, gast.Assign) and any(has_star(t) for t in s.targets)):
        return [s]
    if len(s.targets) != 1:
        raise lowerer.parsed.error(
            s, "a chained assignment to a starred target", "starred assignment", "assign once per statement"
        )
    return [copy_loc(new, s) for new in _split(lowerer, s.targets[0], s.value, s)]


def _split(lowerer, target, value, s):
    stars = [i for i, e in enumerate(target.elts) if isinstance(e, gast.Starred)]
    if len(stars) > 1:
        raise lowerer.parsed.error(s, "two starred names in one target", "starred assignment")
    literal = isinstance(value, (gast.Tuple, gast.List)) and not any(isinstance(e, gast.Starred) for e in value.elts)
    out = []
    if literal:
        items = _literal_parts(target, value, stars)
    else:
        held = lowerer.fresh("unpacked")
        out.append(assign(held, value))
        items = _indexed_parts(target, held, stars)
    for sub, part in zip(target.elts, items):
        sub = sub.value if isinstance(sub, gast.Starred) else sub
        out += _split(lowerer, sub, part, s) if has_star(sub) else [gast.Assign([sub], part, None)]
    return out


def _literal_parts(target, value, stars):
    if not stars:
        return list(value.elts)
    k, after = stars[0], len(target.elts) - stars[0] - 1
    cut = len(value.elts) - after
    return value.elts[:k] + [gast.List(value.elts[k:cut], gast.Load())] + value.elts[cut:]


def _indexed_parts(target, held, stars):
    n = len(target.elts)
    if not stars:
        return [gast.Subscript(name(held), const(i), gast.Load()) for i in range(n)]
    k, after = stars[0], n - stars[0] - 1
    before = [gast.Subscript(name(held), const(i), gast.Load()) for i in range(k)]
    rest = gast.Slice(const(k), const(-after) if after else None, None)
    middle = call("list", [gast.Subscript(name(held), rest, gast.Load())])
    tail = [gast.Subscript(name(held), const(i - after), gast.Load()) for i in range(after)]
    return before + [middle] + tail


# -- in the SSA builder -----------------------------------------------------------------------
def items_of(builder, atom, node, what):
    """The atoms a tuple or list (or, for `**`, a dict: (key, value) pairs) was built of."""
    made = builder.built.get(atom) if isinstance(atom, ir.Var) else None
    if made is None and isinstance(atom, ir.Const) and isinstance(atom.value, (tuple, list, dict)):
        value = atom.value
        return (
            [(ir.Const(k), ir.Const(v)) for k, v in value.items()]
            if isinstance(value, dict)
            else [ir.Const(v) for v in value]
        )
    if made is None or (made[0] == "dict") != (what == "**"):
        raise builder.parsed.error(
            node,
            f"'{what}' of a value whose items are not known where the code is made",
            "starred expression",
            "star a tuple, list or dict built in the function (or a helper's *args / **kwargs), "
            "or pass the items one by one",
        )
    kind, atoms = made
    if kind == "dict":
        return list(zip(atoms[0::2], atoms[1::2]))
    return list(atoms)


def call_arguments(builder, node, env):
    """The positional and keyword argument atoms of a call, `*xs` and `**kw` expanded."""
    args, kwargs = [], {}
    for a in node.args:
        if isinstance(a, gast.Starred):
            args += items_of(builder, builder.expr(a.value, env), a, "*")
        else:
            args.append(builder.expr(a, env))
    for k in node.keywords:
        if k.arg is None:
            for key, value in items_of(builder, builder.expr(k.value, env), k.value, "**"):
                if not isinstance(key, ir.Const) or not isinstance(key.value, str):
                    raise builder.parsed.error(k.value, "'**' of a dict whose keys are not known strings", "call")
                kwargs[key.value] = value
        else:
            kwargs[k.arg] = builder.expr(k.value, env)
    return args, kwargs


def literal_items(builder, node, env):
    """The atoms of a list or tuple literal, `*xs` items expanded."""
    out = []
    for e in node.elts:
        if isinstance(e, gast.Starred):
            out += items_of(builder, builder.expr(e.value, env), e, "*")
        else:
            out.append(builder.expr(e, env))
    return out
