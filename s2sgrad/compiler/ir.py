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
    closure; codegen binds `root` (the object the path starts from) for it.
    `home`: for a plain name found in a module's globals, that dict (specialised
    code may assume an int constant's value: it checks the dict on each call)."""

    path: str
    value: Any = field(compare=False, hash=False)
    root: Any = field(default=None, compare=False, hash=False)
    foreign: bool = field(default=False, compare=False, hash=False)
    home: Any = field(default=None, compare=False, hash=False, repr=False)

    def __repr__(self):
        return self.path


@dataclass(eq=False)
class Eqn:
    outs: list
    prim: Any  # rule key: a callable, an operator, or ('method', name) / ('attr', name)
    args: list
    kwargs: dict
    loc: Any
    kind: str  # call | method | attr | binop | unop | getitem | build | unpack | opaque | effect
    payload: Any = None  # callee source, operator node, index template, or opaque template
    boolean: bool = False  # an opaque expression whose value is a bool (no derivative)
    # `x op= y`: the value whose array Python changes in place (the generated code
    # rebinds x to a new array, so what else sees that array is checked: aliasing.py)
    overwrites: Any = None
    item_of: Any = None  # `lst[k] op= y`: the value whose item it changes (a write if that holds items)

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
class Loop:
    """What a For and a While share: the values carried around the body, the exit
    test that may end it early, and the snapshots of a checkpointed loop."""

    carried: list
    inits: list
    body: list
    body_outs: list
    outs: list
    loc: Any
    exit: Optional[Any] = field(default=None, kw_only=True)
    checkpoint: Optional[Any] = field(default=None, kw_only=True)  # snapshots, for a checkpointed loop


@dataclass(eq=False)
class For(Loop):
    index: Var
    bounds: list  # the atoms passed to range()


@dataclass(eq=False)
class While(Loop):
    cond_block: list
    cond: Any


@dataclass(eq=False)
class Graph:
    name: str
    params: list
    body: list
    result: Any
    parsed: Any = None
    aux: Any = None  # has_aux: the auxiliary output, computed but not differentiated


def is_loop(stmt):
    return isinstance(stmt, Loop)


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
        return list(stmt.bounds) + list(stmt.inits) + ([stmt.checkpoint] if stmt.checkpoint is not None else [])
    return list(stmt.inits) + ([stmt.checkpoint] if stmt.checkpoint is not None else [])


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
#
def hint_name(name):
    """The hint of a Var made for a name: compiler-made names keep their leading
    '.' (a temporary); user names are kept."""
    if name.startswith("."):
        return "." + (name.lstrip(".").rstrip("0123456789") or "t")
    return name
