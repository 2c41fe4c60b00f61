"""Compile generated source into a function that reads the user's module live.

The source is registered with `linecache` under `<s2sgrad:NAME>` so that
tracebacks, pdb and `inspect.getsource` show the generated code. The function
runs with the user's module globals (so later changes to a global are seen);
NumPy, math and the runtime helpers reach it as closure variables, and the
user function's own closure cells are shared, not copied.
"""

import itertools
import linecache
import re
import textwrap
import types
import weakref

from ..errors import Loc, S2SGradError

_serial = itertools.count(1)
_sources = {}  # generated file name -> the file of the function it differentiates
_lines = {}  # generated file name -> {line: the user's Loc}, or the function that makes it
_LINE_COMMENT = re.compile(r"#\s*line (\d+)(?: of ([^:]+))?: (.*)")


def origin(filename, lineno):
    """For a line of generated code, where the user's code it comes from is:
    "model.py:32: y[i] = x * 2", or "" if it is not generated code or its line is
    not known (see `origin_loc`)."""
    loc = origin_loc(filename, lineno)
    return f"{loc.filename}:{loc.lineno}: {loc.line.strip()}" if loc else ""


def origin_loc(filename, lineno):
    """The user's Loc a line of generated code comes from: the statement's own (a
    forward sweep's primal statements are tagged, see codegen.line_origins), or the
    nearest `# line N: ...` comment above it (the reverse sweep); None if unknown."""
    user_file = _sources.get(filename)
    if user_file is None:
        return None
    table = _lines.get(filename)
    if callable(table):
        try:
            table = _lines[filename] = table()
        except SyntaxError:
            table = _lines[filename] = {}
    if table and lineno in table:
        loc = table[lineno]
        # a line of a derivative of generated code: where that line comes from in turn
        return (origin_loc(loc.filename, loc.lineno) or loc) if loc.filename in _sources else loc
    lines = linecache.getlines(filename)
    for text in reversed(lines[:lineno]):
        found = _LINE_COMMENT.search(text)
        if found:
            number, helper_file, code = found.groups()  # "line 7 of helpers.py": an inlined helper
            loc = Loc(helper_file or user_file, int(number), 0, code.strip())
            return (origin_loc(loc.filename, loc.lineno) or loc) if loc.filename in _sources else loc
    return None


def compile_function(source, funcname, user_func, bindings, tag, lines=None):
    """Compile `source` (one def of `funcname`) with `bindings` (name -> object) in scope.
    `lines`: a function giving {line of source: the user's Loc} (codegen.line_origins)."""
    user_cells = dict(zip(user_func.__code__.co_freevars, user_func.__closure__ or ()))
    # the user's closure variables are parameters of the scope too, so that the
    # generated function reads them as closure cells (swapped for the user's below)
    params = sorted(set(bindings) | set(user_cells))
    wrapper = (
        f"def __s2sgrad_scope__({', '.join(params)}):\n" + textwrap.indent(source, "    ") + f"    return {funcname}\n"
    )
    # one file name per compilation: a later one (other argument kinds) must not
    # replace the source that tracebacks -- and second derivatives -- read
    filename = f"<s2sgrad:{user_func.__qualname__}.{tag}:{next(_serial)}>"
    linecache.cache[filename] = (len(wrapper), None, wrapper.splitlines(True), filename)
    _sources[filename] = user_func.__code__.co_filename
    if lines is not None:  # (the wrapper's first line shifts the source down by one)
        _lines[filename] = lambda: {k + 1: loc for k, loc in lines().items()}
    namespace = {}
    exec(compile(wrapper, filename, "exec"), user_func.__globals__, namespace)
    inner = namespace["__s2sgrad_scope__"](*[bindings.get(p) for p in params])
    # the source and line tables live as long as the code (every function made from it, a
    # frame of a traceback): a long session compiling thousands of derivatives keeps only
    # those still in use (the tables hold the generated syntax trees)
    weakref.finalize(inner.__code__, _forget, filename)
    if not any(n in user_cells for n in inner.__code__.co_freevars):
        return inner
    own = dict(zip(inner.__code__.co_freevars, inner.__closure__ or ()))
    closure = tuple(own[n] if n in bindings else user_cells.get(n, own.get(n)) for n in inner.__code__.co_freevars)
    return types.FunctionType(inner.__code__, inner.__globals__, funcname, None, closure)


def _forget(filename):
    linecache.cache.pop(filename, None)
    _sources.pop(filename, None)
    _lines.pop(filename, None)


def rebind(function, old, new):
    """Generated code (a function, or the vjp's pair) compiled for the user function
    `old`, made to read the closure cells of `new`, a function made afresh from the
    same source (a lambda in a training loop): it reuses the code, with its own data."""
    if isinstance(function, tuple):
        return tuple(rebind(f, old, new) for f in function)
    plans = _plans.setdefault(function, {})
    plan = plans.get(old)
    if plan is None:
        plan = plans[old] = _plan(function, old)
    if not any(k is not None for k in plan):
        return function
    own, cells = function.__closure__, new.__closure__
    closure = tuple(own[i] if k is None else cells[k] for i, k in enumerate(plan))
    return types.FunctionType(function.__code__, function.__globals__, function.__name__, None, closure)


# generated function -> {user function: for each of its cells, the user's cell index or None}
_plans = weakref.WeakKeyDictionary()


def _plan(function, old):
    """For each closure cell of `function`: the index of the cell of `old` it is, or None."""
    old_cells = list(old.__closure__ or ())
    plan = []
    for cell in function.__closure__ or ():
        plan.append(next((k for k, c in enumerate(old_cells) if c is cell), None))
    return tuple(plan)


class user_lines:
    """Errors raised while generated code runs point at the user's line (`origin_loc`:
    the primal statement's own line, or the `# line N:` comment over a reverse-sweep
    statement): an S2SGradError gets it as its location, any other exception a note."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is not None:
            locate(exc, tb)
        return False


def locate(exc, tb=None):
    """What `user_lines` does with an exception raised by generated code (`tb`: its
    traceback, else the exception's own): an S2SGradError raised again with the user's
    line, a note on any other. A derivative call's hot path calls it from an `except`
    (no context manager to make and enter on every call)."""
    if isinstance(exc, S2SGradError) and exc.loc is not None:
        return
    tb = exc.__traceback__ if tb is None else tb
    frame_line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith("<s2sgrad:"):
            frame_line = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    loc = origin_loc(*frame_line) if frame_line else None
    if loc is None:
        return
    if isinstance(exc, S2SGradError):
        raise S2SGradError(exc.reason, loc, exc.construct, exc.hint) from None
    if isinstance(exc, Exception) and hasattr(exc, "add_note"):
        exc.add_note(f"in the derivative of {loc}: {loc.line.strip()}")
