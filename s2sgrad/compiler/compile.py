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

_serial = itertools.count(1)
_sources = {}  # generated file name -> the file of the function it differentiates
_LINE_COMMENT = re.compile(r"#\s*line (\d+)(?: of ([^:]+))?: (.*)")


def origin(filename, lineno):
    """For a line of generated code, where the user's code it comes from is:
    "model.py:32: y[i] = x * 2" (from the nearest `# line N: ...` comment above
    it), or "" if it is not generated code or no comment precedes it."""
    user_file = _sources.get(filename)
    if user_file is None:
        return ""
    lines = linecache.getlines(filename)
    for text in reversed(lines[:lineno]):
        found = _LINE_COMMENT.search(text)
        if found:
            number, helper_file, code = found.groups()  # "line 7 of helpers.py": an inlined helper
            return f"{helper_file or user_file}:{number}: {code.strip()}"
    return ""


def compile_function(source, funcname, user_func, bindings, tag):
    """Compile `source` (one def of `funcname`) with `bindings` (name -> object) in scope."""
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
    namespace = {}
    exec(compile(wrapper, filename, "exec"), user_func.__globals__, namespace)
    inner = namespace["__s2sgrad_scope__"](*[bindings.get(p) for p in params])
    if not any(n in user_cells for n in inner.__code__.co_freevars):
        return inner
    own = dict(zip(inner.__code__.co_freevars, inner.__closure__ or ()))
    closure = tuple(own[n] if n in bindings else user_cells.get(n, own.get(n)) for n in inner.__code__.co_freevars)
    return types.FunctionType(inner.__code__, inner.__globals__, funcname, None, closure)
