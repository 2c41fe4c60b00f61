"""Frontend: a Python function -> its gast tree, source locations and name resolution.

`parse_function(f)` returns a `Parsed` record: the `FunctionDef` node with line
numbers that match the file, and `resolve(name)` giving the object a free name
refers to (closure cell, module global or builtin).
"""

import ast
import builtins
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

    def loc(self, node):
        lineno = getattr(node, "lineno", None) or 0
        line = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
        return Loc(self.filename, lineno, getattr(node, "col_offset", 0) or 0, line, origin(self.filename, lineno))

    def error(self, node, message, construct=None, hint=None):
        return S2SGradError(message, self.loc(node), construct, hint)

    def resolve(self, name):
        """The object a free name refers to now, or _MISSING."""
        if name in self.closure:
            try:
                return self.closure[name].cell_contents
            except ValueError:
                return _MISSING
        g = self.func.__globals__
        if name in g:
            return g[name]
        return getattr(builtins, name, _MISSING)


def parse_function(func):
    """Parse `func`'s source into a gast FunctionDef whose line numbers match its file."""
    if not inspect.isfunction(func):
        raise S2SGradError(f"can only differentiate Python functions, got {type(func).__name__} {func!r}")
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
