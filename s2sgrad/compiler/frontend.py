"""Frontend: a Python function -> its gast tree, source locations and name resolution.

`parse_function(f)` returns a `Parsed` record: the `FunctionDef` node with line
numbers that match the file, and `resolve(name)` giving the object a free name
refers to (closure cell, module global or builtin).
"""

import ast
import builtins
import copy
import inspect
import linecache
import textwrap
from dataclasses import dataclass, field

import gast

from .compile import origin
from ..errors import Loc, S2SGradError

_MISSING = object()


@dataclass
class Parsed:
    func: object
    node: gast.FunctionDef
    filename: str
    lines: list  # the file's lines, for error carets
    closure: dict = field(default_factory=dict)
    made: dict = field(default_factory=dict)  # names the lowering gives functions it makes (try_blocks.py)

    def loc(self, node):
        lineno = getattr(node, "lineno", None) or 0
        line = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
        return Loc(self.filename, lineno, getattr(node, "col_offset", 0) or 0, line, origin(self.filename, lineno))

    def error(self, node, message, construct=None, hint=None):
        return S2SGradError(message, self.loc(node), construct, hint)

    def resolve(self, name):
        """The object a free name refers to now, or _MISSING."""
        if name in self.made:
            return self.made[name]
        if name in self.closure:
            try:
                return self.closure[name].cell_contents
            except ValueError:
                return _MISSING
        g = self.func.__globals__
        if name in g:
            return g[name]
        return getattr(builtins, name, _MISSING)

    def home(self, name):
        """The module dict a free name is read from (None: a closure cell, a builtin)."""
        if name in self.made or name in self.closure or name not in self.func.__globals__:
            return None
        return self.func.__globals__


def parse_function(func):
    """Parse `func`'s source into a gast FunctionDef whose line numbers match its file."""
    if not inspect.isfunction(func):
        raise S2SGradError(f"can only differentiate Python functions, got {type(func).__name__} {func!r}")
    made = getattr(func, "_s2sgrad_parsed", None)
    if made is not None:  # a function defined inside differentiated code (local_functions.as_function)
        node, filename, lines, closure = made
        return Parsed(func, copy.deepcopy(node), filename, lines, closure)
    if func.__name__ == "<lambda>":
        return _parse_lambda(func)
    try:
        lines, start = inspect.getsourcelines(func)
    except (OSError, TypeError) as exc:
        raise S2SGradError(
            f"cannot read the source of {func.__qualname__}: {exc}",
            hint="define the function in a file (not in an interactive string)",
        ) from None
    filename = inspect.getsourcefile(func) or func.__code__.co_filename
    # blank lines in front give the nodes the file's line numbers
    module = _to_gast(ast.parse("\n" * (start - 1) + textwrap.dedent("".join(lines))))
    node = module.body[0]
    if isinstance(node, gast.AsyncFunctionDef):
        line = lines[0].rstrip("\n")
        raise S2SGradError(
            f"'async def' {func.__qualname__} cannot be differentiated",
            Loc(inspect.getsourcefile(func) or "?", start, 0, line),
            "async def",
            "make it a plain def",
        )
    if not isinstance(node, gast.FunctionDef):
        raise S2SGradError(
            f"{func.__qualname__} is not defined by a def statement (a lambda?)", hint="write it as a def in a file"
        )
    node.decorator_list = []
    # (positional-only parameters are plain positional ones to the compiler; the calls
    # bind arguments as Python does, so they stay positional-only to the caller)
    node.args.args, node.args.posonlyargs = list(node.args.posonlyargs or []) + node.args.args, []
    all_lines = linecache.getlines(filename) if filename.startswith("<") else None  # generated code
    if not all_lines:
        try:
            all_lines = inspect.getsourcelines(inspect.getmodule(func))[0] if inspect.getmodule(func) else None
        except (OSError, TypeError):
            all_lines = None
    file_lines = all_lines or ([""] * (start - 1) + lines)
    # The caret column is relative to the dedented source; restore the indentation offset.
    indent = len(lines[0]) - len(lines[0].lstrip())
    if indent:
        for sub in gast.walk(node):
            if hasattr(sub, "col_offset") and sub.col_offset is not None:
                sub.col_offset += indent
    closure = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    return Parsed(func, node, filename, [line.rstrip("\n") for line in file_lines], closure)


def _parse_lambda(func):
    """A lambda as `def lambda_(params): return body`, found in its file (or notebook
    cell, through linecache) by its code object's line and, where two lambdas share a
    line, by the column of its body (`co_positions`) or by its compiled code."""
    code = func.__code__
    filename = code.co_filename
    lines = linecache.getlines(filename, func.__globals__)
    tree = _parse_around(lines, code.co_firstlineno)
    found = (
        []
        if tree is None
        else [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno]
    )
    if not found:
        raise S2SGradError(
            f"cannot find the source of the lambda at {filename}:{code.co_firstlineno}",
            hint="define the function with def (or run it from a file)",
        )
    found = _same_lambda(found, code)
    line = lines[code.co_firstlineno - 1].rstrip("\n") if code.co_firstlineno <= len(lines) else ""
    if len(found) != 1:
        raise S2SGradError(
            f"cannot tell which of the {len(found)} lambdas on line {code.co_firstlineno} this is",
            Loc(filename, code.co_firstlineno, 0, line),
            "lambda",
            "give each lambda a line of its own, or write a def",
        )
    lam = found[0]
    ret = ast.copy_location(ast.Return(lam.body), lam.body)
    node = ast.copy_location(
        ast.FunctionDef(name="lambda_", args=lam.args, body=[ret], decorator_list=[], returns=None), lam
    )
    closure = dict(zip(code.co_freevars, func.__closure__ or ()))
    return Parsed(func, _to_gast(node), filename, [t.rstrip("\n") for t in lines], closure)


def _parse_around(lines, lineno):
    """The parsed file; if it does not parse as a whole (a notebook cell with magics),
    the smallest span of lines around `lineno` that does."""
    try:
        return ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        pass
    for before in range(0, min(lineno, 40)):
        for after in range(0, 40):
            start, end = lineno - before, lineno + after
            if end > len(lines):
                break
            text = "\n" * (start - 1) + textwrap.dedent("".join(lines[start - 1 : end]))
            try:
                return ast.parse(text)
            except (SyntaxError, ValueError):
                continue
    return None


def _same_lambda(found, code):
    """The lambdas among `found` that compile to `code`: first by where its body's
    first instruction is (Python 3.11+), then by parameter names and compiled body."""
    if len(found) < 2:
        return found
    positions = [p for p in getattr(code, "co_positions", lambda: [])() if p[0] is not None and p[3]]
    if positions:
        line, col = min((p[0], p[2]) for p in positions)
        inside = [n for n in found if (n.body.lineno, n.body.col_offset) <= (line, col) <= _end(n.body)]
        if inside:  # the innermost: a lambda in a lambda's body is inside both
            return [max(inside, key=lambda n: (n.body.lineno, n.body.col_offset))]
    params = code.co_varnames[: code.co_argcount]
    found = [n for n in found if tuple(a.arg for a in n.args.args) == params]
    if len(found) > 1:
        found = [n for n in found if _compiled_body(n) == (code.co_code, code.co_names)]
    return found


def _end(node):
    return (node.end_lineno, node.end_col_offset)


def _compiled_body(lam):
    module = compile(ast.Expression(lam), "<lambda>", "eval")
    inner = next(c for c in module.co_consts if isinstance(c, type(module)))
    return inner.co_code, inner.co_names


def _to_gast(node):
    """gast's tree for a standard-library tree, with its locations. (`gast.parse`
    converts through a generic visitor, a large part of parsing; the two trees
    differ only in gast's extra fields, left empty here, and in the kinds below.)"""
    if isinstance(node, list):
        return [_to_gast(n) for n in node]
    if not isinstance(node, ast.AST):
        return node
    kind = type(node).__name__
    if kind == "arg":  # a parameter is a Name in gast
        new = gast.Name(node.arg, gast.Param(), _to_gast(node.annotation), getattr(node, "type_comment", None))
    elif kind == "ExceptHandler":
        return gast.ast_to_gast(node)
    else:
        cls = getattr(gast, kind)
        new = cls(*[_to_gast(getattr(node, f, [] if f == "type_params" else None)) for f in cls._fields])
    for attr in node._attributes:
        setattr(new, attr, getattr(node, attr))
    return new
