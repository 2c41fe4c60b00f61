"""Compiled mode (`jit=True`): the generated derivative rewritten for Numba's nopython mode.

The interpreted source is rewritten, not generated anew, so both modes compute the same
thing in the same order:
- a loop tape that is read backwards, `for ... in reversed(tape)`, becomes an index loop
  (`for k in range(len(tape) - 1, -1, -1)`), which Numba compiles; the tapes stay lists,
  typed by Numba from what the forward loop appends (tuples of numbers and arrays);
- the tape of a loop inside a loop is one list for all passes, the outer tape keeping
  where each pass's items start and end (`numba_tapes.py`): no list per pass;
- the runtime helpers come from `s2sgrad.runtime.numba_helpers`, whose Numba forms are
  chosen by argument types.
The source is then run as a module (its imports, the user's globals) and its function
given to `numba.njit`, which compiles once per argument signature on its first call.
`Derived.source` is the rewritten source: exactly what Numba compiles.

Numba reads the user's globals (module constants such as DT) once, when it compiles:
a later change to such a global is not seen by compiled code, unlike interpreted code.

Numba's refusals come at the first call; `JitFunction` turns them into an S2SGradError
naming the user's line (from the `# line N:` comment above the refused statement) and
the construct, with the hint to drop jit=True; with jit="auto" it runs the interpreted
derivative instead, for that argument signature.
"""

import ast
import itertools
import linecache
import re

from ..errors import Loc, S2SGradError
from . import numba_branches, numba_tapes
from .compile import _lines, _sources, origin, origin_loc

_serial = itertools.count(1)
_HELPERS = "s2sgrad.runtime.numba_helpers"
_HINT = "drop jit=True (the interpreted derivative runs this), or pass jit='auto' to fall back to it"


def lower(derived, func, mode):
    """A Derived whose function is the Numba-compiled form of `derived`'s (mode: True or "auto")."""
    from .pipeline import Derived  # (pipeline imports this module only through the API)

    fallback = derived.function
    if isinstance(fallback, tuple):  # a vjp: its forward and backward (their tapes pass between them)
        source = rewrite(derived.source, preallocate=False)
        made = Derived(source, None, derived.graph)
        made.function = tuple(
            JitFunction(f, g, source, func, mode, made) for f, g in zip(_load(source, func, fallback), fallback)
        )
        return made
    source = rewrite(derived.source)
    made = Derived(source, None, derived.graph)
    lists = rewrite(derived.source, preallocate=False)
    made.function = JitFunction(
        _load(source, func, fallback)[0], fallback, source, func, mode, made, lists if lists != source else None
    )
    return made


def rewrite(source, preallocate=True):
    """The generated source in the form Numba compiles (see the module's docstring). The
    rewrite is by lines, so that the `# line N:` comments stay where they are.
    `preallocate`: tapes of loops over a range kept in arrays (else lists)."""
    helpers = _numba_helpers()
    taken = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    source = numba_tapes.flatten(numba_branches.split(_numpy_calls(source), taken), taken)
    if preallocate:
        source = numba_tapes.preallocate(source, taken)
    ours, rest, body = [], [], []
    for line in source.splitlines():
        imported = _IMPORT.fullmatch(line)
        loop = _REVERSED.fullmatch(line)
        if imported:
            names = [n.strip() for n in imported.group(1).split(",")]
            ours += [n for n in names if n.split(" as ")[0] in helpers]
            rest += [n for n in names if n.split(" as ")[0] not in helpers]  # (Numba refuses them, by name)
            body.append(None)  # where the imports go
        elif loop:
            body += _index_loop(*loop.groups(), taken)
        elif _DEL.fullmatch(line):
            continue  # (Numba refuses `del`; compiled code holds its arrays to the end anyway: release.py)
        else:
            body.append(line)
    for helper in ("range_length", "tape_slot"):
        if any(f"{helper}(" in line for line in body if line):
            ours.append(helper)
    imports = [f"from {_HELPERS} import {', '.join(sorted(ours))}"] if ours else []
    imports += [f"from s2sgrad.runtime import {', '.join(rest)}"] if rest else []
    if None not in body and imports:  # (after the other imports, or first, before a blank line)
        last = max((i for i, text in enumerate(body) if text.startswith(("import ", "from "))), default=None)
        if last is None:
            body[:0] = [None, ""]
        else:
            body.insert(last + 1, None)
    if None in body:
        at = body.index(None)
        body[at : at + 1] = imports
    return "\n".join(body) + "\n"


_IMPORT = re.compile(r"from s2sgrad\.runtime import (.+)")
_DEL = re.compile(r"\s+del \w+(, \w+)*")
_SEQUENCES = {"concatenate", "stack", "hstack", "vstack", "column_stack"}


def _numpy_calls(source):
    """NumPy calls in the form Numba takes, the same for NumPy: `np.concatenate([a, b])`
    as `np.concatenate((a, b))` (and np.stack, ...: Numba takes a tuple of arrays), and
    `np.roll(g, s, None)` as `np.roll(g, s)` (Numba's has no axis argument). Simple
    statements on one line."""
    lines = source.splitlines()
    edits = {}
    for statement in ast.walk(ast.parse(source)):
        if not isinstance(statement, (ast.Assign, ast.AugAssign, ast.Expr, ast.Return)):
            continue
        calls = [c for c in ast.walk(statement) if _numpy_call(c) and _fixed(c)]
        if calls and statement.lineno == statement.end_lineno:
            line = lines[statement.lineno - 1]
            edits[statement.lineno] = line[: len(line) - len(line.lstrip())] + ast.unparse(statement)
    if not edits:
        return source
    return "\n".join(edits.get(number, line) for number, line in enumerate(lines, 1)) + "\n"


def _numpy_call(node):
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "np"
    )


def _fixed(call):
    """Edit `call` into Numba's form if it needs it; whether it did."""
    if call.func.attr in _SEQUENCES and call.args and isinstance(call.args[0], ast.List):
        call.args[0] = ast.Tuple(call.args[0].elts, ast.Load())
        return True
    if call.func.attr == "roll" and len(call.args) == 3 and _is_none(call.args[2]):
        del call.args[2]
        return True
    return False


def _is_none(node):
    return isinstance(node, ast.Constant) and node.value is None


_REVERSED = re.compile(r"(\s*)for (.+) in reversed\((.+)\):")


def _index_loop(indent, targets, iterable, taken):
    """The header of `for targets in reversed(iterable):` as an index loop, and the line that
    binds the targets (Numba has no reversed()); `iterable` is a tape (a name), or a range."""
    node = ast.parse(iterable, mode="eval").body
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" and not node.keywords:
        bounds = [ast.unparse(a) for a in node.args]
        if len(bounds) == 1:
            return [f"{indent}for {targets} in range({_minus_one(bounds[0])}, -1, -1):"]
        if len(bounds) == 2:
            return [f"{indent}for {targets} in range({_minus_one(bounds[1])}, {_minus_one(bounds[0])}, -1):"]
        k = _fresh_k(targets, taken)
        start, _, step = bounds
        return [
            f"{indent}for {k} in range(range_length({', '.join(bounds)}) - 1, -1, -1):",
            f"{indent}    {targets} = {start} + {k} * {step}",
        ]
    k = _fresh_k(iterable if isinstance(node, ast.Name) else targets, taken)
    return [f"{indent}for {k} in range(len({iterable}) - 1, -1, -1):", f"{indent}    {targets} = {iterable}[{k}]"]


def _minus_one(expr):
    return str(int(expr) - 1) if re.fullmatch(r"-?\d+", expr) else f"{expr} - 1"


def _fresh_k(stem, taken):
    return numba_tapes.fresh(re.sub(r"\W", "_", stem.split(",")[0].strip()) + "_k", taken)


def _numba_helpers():
    from ..runtime import numba_helpers

    return set(numba_helpers.__all__)


def _runtime_helpers():
    from .. import runtime

    return set(runtime.__all__)


def _load(source, func, interpreted=None):
    """The functions `source` defines, compiled by Numba (lazily: at their first call),
    run with the user's globals and closure values in scope."""
    import numba

    return [numba.njit(f) for f in define(source, func, interpreted)]


def define(source, func, interpreted=None):
    """The functions `source` (rewritten for Numba) defines, as Python runs them, with
    `func`'s globals and closure values in scope; the source is registered as a file
    whose lines lead to the user's (`interpreted`: the generated code it rewrites)."""
    filename = f"<s2sgrad-jit:{func.__qualname__}:{next(_serial)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    _sources[filename] = func.__code__.co_filename  # (for `origin`: the user's line of a compiled line)
    if interpreted is not None:
        _lines[filename] = lambda: _line_origins(source, interpreted)
    scope = {name: _frozen(value) for name, value in func.__globals__.items()}
    for name, cell in zip(func.__code__.co_freevars, func.__closure__ or ()):
        try:
            scope[name] = cell.cell_contents
        except ValueError:
            pass
    exec(compile(source, filename, "exec"), scope)
    return [scope[n.name] for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]


class JitFunction:
    """A Numba-compiled derivative: Numba's refusals become S2SGradErrors naming the
    user's line (or, with jit="auto", the interpreted derivative runs)."""

    def __init__(self, compiled, interpreted, source, func, mode, derived, lists=None):
        import numba

        self.compiled, self.interpreted = compiled, interpreted
        self.source, self.func, self.mode = source, func, mode
        self.derived = derived  # (whose .source follows what is compiled)
        self.lists = lists  # the source with list tapes, if the arrays' is refused
        self._refused = set()  # argument signatures Numba refused (jit="auto")
        # (NotImplementedError: what compiled code raises where Numba's NumPy differs from
        # NumPy's as it runs, e.g. reshaping a transposed array: "incompatible shape")
        self._caught = (numba.core.errors.NumbaError, ValueError, TypeError, NotImplementedError)
        self._typing = numba.core.errors.TypingError

    def __call__(self, *args):
        if self._refused and _signature(args) in self._refused:
            return self.interpreted(*args)
        try:
            return self.compiled(*args)
        except Exception as exc:
            compiling = _while_compiling(exc)  # (else: raised by the compiled code as it ran)
            if not compiling and not isinstance(exc, self._caught):
                raise
            if self.lists is not None and (compiling or isinstance(exc, self._typing)):
                # A tape's arrays need one type per item; a value that changes type
                # (a sum started at 0, an int, then a float) does not have one: lists
                # unify such types, as Numba does for the variable itself.
                self.source = self.derived.source = self.lists
                self.compiled, self.lists = _load(self.source, self.func, self.interpreted)[0], None
                return self(*args)
            untyped = [a for a in args if _untyped(a)]
            if not untyped and not compiling and not _from_numba(exc):
                raise
            if self.mode == "auto":
                self._refused.add(_signature(args))
                return self.interpreted(*args)
            if untyped:
                raise S2SGradError(
                    f"jit=True: Numba cannot compile the derivative of {self.func.__qualname__} for an argument "
                    f"of type {type(untyped[0]).__name__} (Numba compiles numbers, NumPy arrays and tuples of them)",
                    None,
                    "jit argument",
                    _HINT,
                ) from None
            raise self._error(exc) from None

    def _error(self, exc):
        message = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))  # (Numba colours its messages)
        construct = _construct(message)
        said = [t.strip() for t in message.splitlines() if t.strip() and not t.lstrip().startswith(_NOISE)]
        detail = construct or (said or [type(exc).__name__])[0][:200]
        found = re.findall(r'File "(<s2sgrad-jit:[^"]*>)", line (\d+)', message) or _lowered_at(exc)
        where = origin(found[-1][0], int(found[-1][1])) if found else ""  # "model.py:12: h = W @ h"
        user = re.fullmatch(r"(.*):(\d+): (.*)", where)
        loc = Loc(user.group(1), int(user.group(2)), 0, user.group(3)) if user else None
        return S2SGradError(
            f"jit=True: Numba cannot compile the derivative of {self.func.__qualname__}: {detail}",
            loc,
            construct or "jit",
            _HINT,
        )


def _signature(args):
    """What Numba compiles one function for: the arguments' Numba types (Python types where
    Numba has none)."""
    return tuple(type(a) if _untyped(a) else _typeof(a) for a in args)


def _typeof(value):
    import numba

    return numba.typeof(value)


def _untyped(value):
    import numba

    try:
        numba.typeof(value)
        return False
    except ValueError:
        return True


def _lowered_at(exc):
    """[(file, line)] of the statement Numba's lowering was at when it raised (its
    internal errors name no line in their message), or []."""
    found = []
    tb = exc.__traceback__
    while tb is not None:
        loc = getattr(tb.tb_frame.f_locals.get("self"), "loc", None)
        if str(getattr(loc, "filename", "")).startswith("<s2sgrad-jit:"):
            found.append((loc.filename, str(loc.line)))
        tb = tb.tb_next
    return found


def _frozen(value):
    """A module-level list of numbers as a tuple: Numba freezes globals when it compiles,
    and can freeze a tuple, not a list (the compiled code reads it, as before)."""
    if type(value) is list and value and len({type(v) for v in value}) == 1 and type(value[0]) in (int, float):
        return tuple(value)  # (of one type: a tuple of ints and floats is not indexable by a variable)
    return value


def _line_origins(source, interpreted):
    """{line of `source`: the user's Loc} for the lines it keeps from the generated code
    it rewrites (the forward sweep's statements: they carry no `# line N:` comment)."""
    code = getattr(interpreted[0] if isinstance(interpreted, tuple) else interpreted, "__code__", None)
    if code is None:
        return {}
    theirs = [line.strip() for line in linecache.getlines(code.co_filename)]
    table, at = {}, 0
    for number, line in enumerate(source.splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        found = next((i for i in range(at, min(at + 40, len(theirs))) if theirs[i] == text), None)
        if found is not None:
            loc = origin_loc(code.co_filename, found + 1)
            if loc is not None:
                table[number] = loc
            at = found + 1
    return table


def _while_compiling(exc):
    """Was `exc` raised while Numba compiled (its own errors, and the odd internal one:
    a NotImplementedError of its lowering)?"""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.replace("\\", "/").endswith("numba/core/compiler.py"):
            return True
        tb = tb.tb_next
    return False


def _from_numba(exc):
    import numba

    if isinstance(exc, (numba.core.errors.NumbaError, NotImplementedError)) or _NONE.search(str(exc)):
        return True
    from ..runtime.numba_helpers import JitBroadcastError

    return isinstance(exc, JitBroadcastError)


_NOISE = ("Failed in ", "During:", "File ", "- ", "^", "Resolution failure", "Rewrite", "Internal error")
_NONE = re.compile(r"^expected \w+, got None$")


def _construct(message):
    """What Numba refused, in a few words, from its message."""
    for pattern, words in (
        (_NONE.pattern, "a value that is None on some path (an early exit from a loop)"),
        (r"Untyped global name '([^']+)'", "the name '{}' (not compilable by Numba)"),
        (r">>> (\w+\(.*\))", "the call {} (Numba implements it for other argument types)"),
        (r"No implementation of function Function\(<function (\w+) at", "the call {}(...) with these argument types"),
        (r"No implementation of function Function\(<[^>]*?(\w+)>\)", "the call {}(...) with these argument types"),
        (r"No implementation of function Function\(([^)]+)\)", "the call {} with these argument types"),
        (r"Unknown attribute '([^']+)'", "the attribute '{}'"),
        (r"Cannot unify (.*)", "a variable holding values of different types ({})"),
        (r"reflected list\(reflected list", "a list of lists"),
        (r"non-precise type (\S+)", "a value of non-precise type {}"),
    ):
        found = re.search(pattern, message)
        helper = found.groups()[0].split("(")[0] if found and found.groups() else None
        if helper in _numba_helpers():
            return (
                f"the runtime helper '{helper}' with these argument types (its compiled form takes "
                "numbers and arrays of equal shapes: no broadcasting, no batches of matrices)"
            )
        if helper in _runtime_helpers():
            return f"the runtime helper '{helper}', which has no compiled form"
        if found:
            return words.format(*[g.strip()[:120] for g in found.groups()])
    return ""
