"""The structured SSA graph.

A `Graph` is a function: parameters, a body `Block` and a result atom. A block
is a list of statements, each one of

  Eqn    outs = prim(args, kwargs)          one operation; `kind` says how it prints
  If     outs = if cond {then} else {orelse}     the outs are phis of the branch outs
  For    outs = for index in range(*bounds) carry (carried <- inits) {body}
  While  outs = while {cond_block; cond} carry (carried <- inits) {body}

Every value is assigned once. Loops carry values through `carried` (the value
at the start of an iteration), `body_outs` (its value at the end) and `outs`
(the value after the loop). A loop may end early when its `exit` atom is true at
the end of an iteration. Atoms are `Var`, `Const` (a Python value) or `Global`
(a name that the user's code reads from its module, closure or builtins).
"""
from dataclasses import dataclass, field
from typing import Any, Optional


class Var:
    """An SSA value. `hint` is the user's name (or a stem) codegen starts from."""
    __slots__ = ("hint", "id")
    _count = 0

    def __init__(self, hint):
        Var._count += 1
        self.hint = hint
        self.id = Var._count

    def __repr__(self):
        return f"{self.hint}#{self.id}"


@dataclass(frozen=True)
class Const:
    value: Any

    def __repr__(self):
        return repr(self.value)


class _Undefined:
    """The value of a name on a path that never assigned it (Python would raise
    there if the name were read; it only flows into phis)."""

    def __repr__(self):
        return "undefined"


UNDEFINED = Const(_Undefined())


@dataclass(frozen=True)
class Global:
    """A free name of the user's code: `path` is how to spell it (e.g. 'np.pi').

    `foreign` marks a name read by an inlined helper from its own module or
    closure; codegen binds `root` (the object the path starts from) for it."""
    path: str
    value: Any = field(compare=False, hash=False)
    root: Any = field(default=None, compare=False, hash=False)
    foreign: bool = field(default=False, compare=False, hash=False)

    def __repr__(self):
        return self.path


@dataclass(eq=False)
class Eqn:
    outs: list
    prim: Any            # rule key: a callable, an operator, or ('method', name) / ('attr', name)
    args: list
    kwargs: dict
    loc: Any
    kind: str            # call | method | attr | binop | unop | getitem | build | unpack | opaque | effect
    payload: Any = None  # callee source, operator node, index template, or opaque template
    boolean: bool = False  # an opaque expression whose value is a bool (no derivative)

    @property
    def atoms(self):
        return list(self.args) + list(self.kwargs.values())


@dataclass(eq=False)
class If:
    cond: Any
    then: list
    orelse: list
    outs: list
    then_outs: list
    else_outs: list
    loc: Any


@dataclass(eq=False)
class For:
    index: Var
    bounds: list         # the atoms passed to range()
    carried: list
    inits: list
    body: list
    body_outs: list
    outs: list
    loc: Any
    exit: Optional[Any] = None


@dataclass(eq=False)
class While:
    carried: list
    inits: list
    cond_block: list
    cond: Any
    body: list
    body_outs: list
    outs: list
    loc: Any
    exit: Optional[Any] = None


@dataclass(eq=False)
class Graph:
    name: str
    params: list
    body: list
    result: Any
    parsed: Any = None


def is_loop(stmt):
    return isinstance(stmt, (For, While))


def sub_blocks(stmt):
    if isinstance(stmt, If):
        return [stmt.then, stmt.orelse]
    if isinstance(stmt, For):
        return [stmt.body]
    if isinstance(stmt, While):
        return [stmt.cond_block, stmt.body]
    return []


def reads(stmt):
    """Atoms a statement reads at its own level (not inside its blocks)."""
    if isinstance(stmt, Eqn):
        return stmt.atoms
    if isinstance(stmt, If):
        return [stmt.cond]
    if isinstance(stmt, For):
        return list(stmt.bounds) + list(stmt.inits)
    return list(stmt.inits)


def region_results(stmt):
    """Atoms a region's blocks hand back to it: branch outs, loop body outs, conditions."""
    if isinstance(stmt, If):
        return [stmt.then_outs, stmt.else_outs]
    if isinstance(stmt, For):
        return [stmt.body_outs + ([stmt.exit] if stmt.exit is not None else [])]
    if isinstance(stmt, While):
        return [[stmt.cond], stmt.body_outs + ([stmt.exit] if stmt.exit is not None else [])]
    return []


def defines(stmt):
    """Vars a statement defines at the level of the block it stands in."""
    return list(stmt.outs)


def walk(block):
    """Every statement in a block, nested ones included, in program order."""
    for stmt in block:
        yield stmt
        for sub in sub_blocks(stmt):
            yield from walk(sub)


# -- printing -------------------------------------------------------------

def _atom(a):
    return repr(a)


def _outs(vs):
    return ", ".join(map(repr, vs)) or "_"


def format_graph(graph):
    lines = [f"{{ lambda {' '.join(map(repr, graph.params))}."]
    _format_block(graph.body, lines, 1)
    lines.append(f"  in ({_atom(graph.result)}) }}")
    return "\n".join(lines)


def _format_block(block, lines, depth):
    pad = "  " * depth + "  "
    for s in block:
        where = f"  # line {s.loc.lineno}" if s.loc else ""
        if isinstance(s, Eqn):
            name = s.prim if isinstance(s.prim, str) else getattr(s.prim, "__name__", s.prim)
            if isinstance(s.prim, tuple):
                name = ".".join(s.prim)
            args = [_atom(a) for a in s.args] + [f"{k}={_atom(v)}" for k, v in s.kwargs.items()]
            lines.append(f"{pad}{_outs(s.outs)} = {name} {' '.join(args)}{where}")
        elif isinstance(s, If):
            lines.append(f"{pad}{_outs(s.outs)} = if {_atom(s.cond)} {{{where}")
            _format_block(s.then, lines, depth + 1)
            lines.append(f"{pad}  -> ({', '.join(map(_atom, s.then_outs))})")
            lines.append(f"{pad}}} else {{")
            _format_block(s.orelse, lines, depth + 1)
            lines.append(f"{pad}  -> ({', '.join(map(_atom, s.else_outs))})")
            lines.append(f"{pad}}}")
        else:
            carry = ", ".join(f"{c!r} <- {_atom(i)}" for c, i in zip(s.carried, s.inits))
            if isinstance(s, For):
                head = f"for[{s.index!r} in range({', '.join(map(_atom, s.bounds))}); carry=({carry})]"
            else:
                head = f"while[carry=({carry})]"
            lines.append(f"{pad}{_outs(s.outs)} = {head} {{{where}")
            if isinstance(s, While):
                _format_block(s.cond_block, lines, depth + 1)
                lines.append(f"{pad}  while {_atom(s.cond)}")
            _format_block(s.body, lines, depth + 1)
            tail = f" exit if {_atom(s.exit)}" if s.exit is not None else ""
            lines.append(f"{pad}  -> ({', '.join(map(_atom, s.body_outs))}){tail}")
            lines.append(f"{pad}}}")
