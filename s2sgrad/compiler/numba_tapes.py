"""Nested loop tapes flattened for compiled code (`jit=True`).

The interpreted sweep gives an inner loop a fresh tape on every pass of the loop
around it and keeps that list on the outer loop's tape:

    tape_1 = []
    for _ in range(n):
        tape = []
        while abs(r) > TOL:
            ...
            tape.append((t_4, y_1))
        tape_1.append((t_3, tape, y))
    for t_3, tape, y in reversed(tape_1):
        for t_4, y_1 in reversed(tape):

Compiled, each of those lists is an allocation, and a list of lists costs reference
counting on every push and pop. Flattened, the inner loop appends to one list made
before the outermost loop, and the outer tape keeps where each pass's items start and
end:

    tape = []
    tape_1 = []
    for _ in range(n):
        tape_lo = len(tape)
        while abs(r) > TOL:
            ...
            tape.append((t_4, y_1))
        tape_1.append((t_3, tape_lo, len(tape), y))
    for t_3, tape_lo, tape_hi, y in reversed(tape_1):
        for tape_k in range(tape_hi - 1, tape_lo - 1, -1):
            t_4, y_1 = tape[tape_k]

The same items are read in the same order. A tape is flattened only in that exact
shape (made at the top of a loop's body, kept whole on that loop's own tape, read
back once); any other use leaves it as it is. Where the outermost tape leaves its
function (a vjp's forward returns it to the backward), the flat lists travel with it:
`tape_1` becomes `(tape_1, tape)` there, stored and loaded alike.

The rewrite edits lines (of the statements it changes), so the `# line N:` comments
stay where they are.
"""

import ast


def flatten(source, taken):
    """`source` with its nested tapes flattened; `taken`: the names in use (new names
    are added to it)."""
    tree = ast.parse(source)
    tapes = Finder(tree).tapes
    nested = [t for t in tapes.values() if _nested_in(t, tapes)]
    roots = {}
    for tape in nested:
        root = tape
        while root.outer is not None:
            root = tapes[root.outer]
        roots.setdefault(root.name, []).append(tape)
    roots = {r: inner for r, inner in roots.items() if _passes_through(tapes[r])}
    if not roots:
        return source
    lines = source.splitlines()
    edits = {}  # line number -> the lines that replace it
    regenerate = set()  # statements whose line is written again from their (edited) node
    bounds = {}  # a flattened tape's reverse loop -> (tape, lo, hi)
    for root, inner in roots.items():
        made = tapes[root].made
        indent = indent_of(lines[made.lineno - 1])
        edits[made.lineno] = [f"{indent}{t.name} = []" for t in inner] + [lines[made.lineno - 1]]
        for tape in inner:
            outer = tapes[tape.outer]
            lo, hi = fresh(f"{tape.name}_lo", taken), fresh(f"{tape.name}_hi", taken)
            edits[tape.made.lineno] = [f"{indent_of(lines[tape.made.lineno - 1])}{lo} = len({tape.name})"]
            pushed = [_name(lo), ast.Call(_name("len"), [_name(tape.name)], [])]
            _put(outer.append, outer.append.value.args[0], tape.kept, pushed)
            _put(outer.reverse, outer.reverse.target, tape.bound, [_name(lo, 1), _name(hi, 1)])
            regenerate.update((outer.append, outer.reverse))
            bounds[tape.reverse] = (tape, lo, hi)
        for use in tapes[root].uses:  # (where it leaves or enters its function: a vjp's saved values)
            carried = ast.Tuple([_name(t, use.node.ctx) for t in [root] + [t.name for t in inner]], use.node.ctx)
            _substitute(use.statement, use.node, carried)
            regenerate.add(use.statement)
    regenerate.update(bounds)
    for statement in regenerate:
        indent = indent_of(lines[statement.lineno - 1])
        if statement in bounds:
            tape, lo, hi = bounds[statement]
            k = fresh(f"{tape.name}_k", taken)
            text = [
                f"{indent}for {k} in range({hi} - 1, {lo} - 1, -1):",
                f"{indent}    {target_text(statement.target)} = {tape.name}[{k}]",
            ]
        elif isinstance(statement, ast.For):  # (its header only)
            text = [f"{indent}for {target_text(statement.target)} in {ast.unparse(statement.iter)}:"]
        else:
            text = [indent + ast.unparse(statement)]
        edits[statement.lineno] = text
    out = []
    for number, line in enumerate(lines, 1):
        out += edits.get(number, [line])
    return "\n".join(out) + "\n"


def preallocate(source, taken):
    """`source` with the tapes of loops over a range kept in arrays made for the loop's
    trip count, one per item of the tape's tuples (a loop of n passes over a tape of
    (a, b) items):

        tape_n = 0
        tape_size = len(range(n))
        for _ in range(n):
            ...
            if tape_n == 0:
                tape_0 = tape_slot(tape_size, a)
                tape_1 = tape_slot(tape_size, b)
            tape_0[tape_n] = a
            tape_1[tape_n] = b
            tape_n += 1
        for tape_k in range(tape_n - 1, -1, -1):
            a = tape_0[tape_k]
            b = tape_1[tape_k]

    Compiled, `tape_slot` makes an array of the item's own type (Numba's, for this
    signature) where the item is a number, a list of that many references otherwise;
    made on the first pass, where the item's type is known (a loop of no passes makes
    none and reads none). Uncompiled, it is a list: the same values as the list tape.
    Only a tape that stays in its function and whose loop is the next statement."""
    tree = ast.parse(source)
    tapes = [t for t in Finder(tree).tapes.values() if _counted(t)]
    if not tapes:
        return source
    lines = source.splitlines()
    edits = {}
    for tape in tapes:
        items = tape.append.value.args[0]
        items = items.elts if isinstance(items, ast.Tuple) else [items]
        n, size, k = (fresh(f"{tape.name}_{s}", taken) for s in ("n", "size", "k"))
        slots = [fresh(f"{tape.name}_{j}", taken) for j in range(len(items))]
        indent = indent_of(lines[tape.made.lineno - 1])
        bounds = ", ".join(map(ast.unparse, tape.following.iter.args))
        edits[tape.made.lineno] = [f"{indent}{n} = 0", f"{indent}{size} = len(range({bounds}))"]
        indent = indent_of(lines[tape.append.lineno - 1])
        values = [ast.unparse(item) for item in items]
        edits[tape.append.lineno] = (
            [f"{indent}if {n} == 0:"]
            + [f"{indent}    {slot} = tape_slot({size}, {value})" for slot, value in zip(slots, values)]
            + [f"{indent}{slot}[{n}] = {value}" for slot, value in zip(slots, values)]
            + [f"{indent}{n} += 1"]
        )
        indent = indent_of(lines[tape.reverse.lineno - 1])
        target = tape.reverse.target
        targets = target.elts if isinstance(target, ast.Tuple) else [target]
        edits[tape.reverse.lineno] = [f"{indent}for {k} in range({n} - 1, -1, -1):"] + [
            f"{indent}    {ast.unparse(t)} = {slot}[{k}]" for t, slot in zip(targets, slots)
        ]
    out = []
    for number, line in enumerate(lines, 1):
        out += edits.get(number, [line])
    return "\n".join(out) + "\n"


def _counted(tape):
    """Is `tape` pushed once per pass of a loop over a range that follows its making,
    read back once and used nowhere else?"""
    loop = tape.following
    if tape.count != 3 or tape.uses or tape.reverse is None or loop is None or loop is not tape.append_in:
        return False
    if not (isinstance(loop, ast.For) and tape.append in loop.body and isinstance(loop.iter, ast.Call)):
        return False
    call = loop.iter
    if not (isinstance(call.func, ast.Name) and call.func.id == "range" and 1 <= len(call.args) <= 3):
        return False
    if call.keywords or not all(isinstance(a, (ast.Name, ast.Constant)) for a in call.args):
        return False
    items = tape.append.value.args[0]
    target = tape.reverse.target
    arity = len(items.elts) if isinstance(items, ast.Tuple) else 1
    return arity == (len(target.elts) if isinstance(target, ast.Tuple) else 1) and arity > 0


def _put(statement, value, name, nodes):
    """Put `nodes` where the Name node `name` is in `value`: an item of that tuple, or
    the whole value (which becomes a tuple)."""
    if value is name:
        _substitute(statement, name, ast.Tuple(nodes, name.ctx))
    else:
        at = next(i for i, e in enumerate(value.elts) if e is name)
        value.elts[at : at + 1] = nodes


def _substitute(tree, old, new):
    """Put the node `new` where the node `old` is in `tree`."""
    for node in ast.walk(tree):
        for field, value in ast.iter_fields(node):
            if value is old:
                setattr(node, field, new)
                return
            if isinstance(value, list) and any(item is old for item in value):
                value[[i for i, item in enumerate(value) if item is old][0]] = new
                return


def target_text(node):
    """A loop's target as written: `a, b`, not `(a, b)` (and `a,` for a tuple of one)."""
    if not isinstance(node, ast.Tuple):
        return ast.unparse(node)
    return ", ".join(map(ast.unparse, node.elts)) + ("," if len(node.elts) == 1 else "")


def _name(name, ctx=None):
    return ast.Name(name, ast.Store() if ctx == 1 else ctx or ast.Load())


def fresh(stem, taken):
    name, n = stem, 1
    while name in taken:
        n += 1
        name = f"{stem}{n}"
    taken.add(name)
    return name


def indent_of(line):
    return line[: len(line) - len(line.lstrip())]


class _Use:
    def __init__(self, node, statement):
        self.node, self.statement = node, statement


class _Tape:
    """Where a tape (a list made by `name = []`) is made, pushed and read back."""

    def __init__(self, name):
        self.name = name
        self.made = self.append = self.reverse = None
        self.following = None  # the statement after the one that makes it
        self.made_in = self.append_in = None  # the loop whose body holds the statement directly
        self.count = 0  # statements that make, push or read it back (one each, or it is left alone)
        self.uses = []  # its other uses, as _Use
        self.outer = None  # the tape that keeps it (found by _nested_in) ...
        self.kept = self.bound = None  # ... its Name in that tape's push, and in its reverse loop's target


class Finder:
    """The tapes of a module and the statements that use them."""

    def __init__(self, tree):
        self.tapes = {}
        self.spoiled = set()  # names made or pushed more than once, or used otherwise
        for node in ast.walk(tree):
            if _is_new_list(node):
                name = node.targets[0].id
                tape = self.tapes.setdefault(name, _Tape(name))
                if tape.made is not None:
                    self.spoiled.add(name)
                tape.made = node
        for function in tree.body:
            if isinstance(function, ast.FunctionDef):
                self._block(function.body, None)
        for name in self.spoiled:
            self.tapes.pop(name, None)

    def _block(self, statements, loop):
        for at, statement in enumerate(statements):
            self._statement(statement, loop)
            if _is_new_list(statement) and statement.targets[0].id in self.tapes:
                self.tapes[statement.targets[0].id].following = statements[at + 1] if at + 1 < len(statements) else None

    def _statement(self, statement, loop):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self._spoil_names(statement)  # (tapes of a nested function: left alone)
            return
        tape = self._role(statement, loop)
        if isinstance(statement, (ast.For, ast.While)):
            self._uses(statement.iter if isinstance(statement, ast.For) else statement.test, statement, tape)
            if isinstance(statement, ast.For):
                self._uses(statement.target, statement, None)
            self._block(statement.body, statement)
            self._block(statement.orelse, loop)
        elif isinstance(statement, (ast.If, ast.With, ast.Try)):
            for field in ("test", "items"):
                if hasattr(statement, field):
                    self._uses(getattr(statement, field), statement, None)
            for field in ("body", "orelse", "finalbody"):
                self._block(getattr(statement, field, []), loop)
            for handler in getattr(statement, "handlers", []):
                self._block(handler.body, loop)
        elif tape is None or statement is not tape.made:
            self._uses(statement, statement, tape)

    def _role(self, statement, loop):
        """The tape `statement` makes (`t = []`), pushes (`t.append(...)`) or reads back
        (`for ... in reversed(t)`), noted; None for other statements."""
        if _is_new_list(statement):
            name = statement.targets[0].id
            tape = self.tapes.get(name)
            tape.made_in = loop
            tape.count += 1
            return tape
        name = _pushed(statement) or _reversed(statement)
        tape = self.tapes.get(name)
        if tape is None:
            return None
        if _pushed(statement):
            if tape.append is not None:
                self.spoiled.add(name)
            tape.append, tape.append_in = statement, loop
        else:
            if tape.reverse is not None:
                self.spoiled.add(name)
            tape.reverse = statement
        tape.count += 1
        return tape

    def _uses(self, node, statement, tape):
        """Note the Names of tapes in `node` (but the tape that `statement` makes, pushes
        or reads back, in that role)."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in self.tapes:
                if tape is not None and sub.id == tape.name and _is_role(sub, statement):
                    continue
                self.tapes[sub.id].uses.append(_Use(sub, statement))

    def _spoil_names(self, node):
        self.spoiled.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in self.tapes)


def _is_new_list(node):
    return (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.List)
        and not node.value.elts
    )


def _pushed(statement):
    """The name of the list that `name.append(item)` pushes to, or None."""
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        call = statement.value
        if (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "append"
            and isinstance(call.func.value, ast.Name)
        ):
            if len(call.args) == 1 and not call.keywords:
                return call.func.value.id
    return None


def _reversed(statement):
    """The name of the list that `for ... in reversed(name):` reads back, or None."""
    if isinstance(statement, ast.For) and isinstance(statement.iter, ast.Call):
        call = statement.iter
        if isinstance(call.func, ast.Name) and call.func.id == "reversed" and len(call.args) == 1:
            if isinstance(call.args[0], ast.Name):
                return call.args[0].id
    return None


def _is_role(name, statement):
    """Is the Name `name` the list that `statement` pushes to or reads back?"""
    if _pushed(statement):
        return statement.value.func.value is name
    return _reversed(statement) is not None and statement.iter.args[0] is name


def _nested_in(tape, tapes):
    """Is `tape` a tape in exactly the shape flattened (see the module's docstring)?
    Notes the tape that keeps it."""
    if tape.count != 3 or tape.made_in is None or tape.append_in is None or tape.reverse is None:
        return False
    if tape.made not in tape.made_in.body or len(tape.uses) != 2:
        return False
    kept, bound = sorted(tape.uses, key=lambda use: _pushed(use.statement) is None)
    outer = _pushed(kept.statement)
    if outer is None or outer not in tapes or kept.statement is not tapes[outer].append:
        return False
    keeper = tapes[outer]
    if keeper.append_in is not tape.made_in or keeper.append not in tape.made_in.body:
        return False
    if bound.statement is not keeper.reverse or not _item_of(kept.node, keeper.append.value.args[0]):
        return False
    if not _item_of(bound.node, keeper.reverse.target):
        return False
    if not any(node is tape.reverse for node in ast.walk(keeper.reverse)):
        return False
    tape.outer, tape.kept, tape.bound = outer, kept.node, bound.node
    return True


def _item_of(name, value):
    """Is the Name node `name` the value itself or an item of the tuple `value`?"""
    return value is name or (isinstance(value, ast.Tuple) and any(e is name for e in value.elts))


def _passes_through(root):
    """Can the outermost tape carry its flattened tapes where else it goes (a vjp's
    saved values): each other use a whole value, target or tuple item, on one line?"""
    if root.count != 3:
        return False
    for use in root.uses:
        statement = use.statement
        if not isinstance(statement, (ast.Return, ast.Assign)) or statement.lineno != statement.end_lineno:
            return False
        whole = statement.value is use.node or any(t is use.node for t in getattr(statement, "targets", []))
        item = any(isinstance(n, ast.Tuple) and any(e is use.node for e in n.elts) for n in ast.walk(statement))
        if not (whole or item):
            return False
    return True
