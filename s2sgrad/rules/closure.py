"""Does a rule close under differentiation? Its VJPs emit calls of
NumPy functions, runtime helpers and library functions; the derivative code can be
differentiated again (second order) when each of those has a rule itself or is declared
non-differentiable. Read from the rule's bytecode: the dotted names it loads
(`np.linalg.inv`, `rt.solve_lhs`, `special.polygamma`), following the rules
modules' own helper functions and the functions a rule closes over."""

import dis
import functools
import types

from .sym import OBJECTS, Namespace, _Helpers

_ROOTS = {".np": "numpy", ".math": "math", ".rt": "s2sgrad.runtime"}
_LIBRARIES = ("numpy", "scipy", "math", "s2sgrad.runtime")


def _module(name):
    import importlib

    return importlib.import_module(name)


def _attribute(owner, name):
    """`owner.name` as the object it stands for (a namespace of a rule stands for its module)."""
    if isinstance(owner, _Helpers):
        owner = _module("s2sgrad.runtime")
    elif isinstance(owner, Namespace):
        owner = _namespace_module(owner.root)
    return getattr(owner, name, None)


def _namespace_module(root):
    """The module a rule's namespace calls into: `.np`, `.math`, or `.obj:N.path` (SciPy's)."""
    if root.startswith(".obj:"):
        head, _, path = root[1:].partition(".")
        owner = OBJECTS[int(head[4:])][1]
        for part in path.split(".") if path else []:
            owner = getattr(owner, part)
        return owner
    return _module(_ROOTS.get(root, "numpy"))


def _loaded_objects(fn, bound=()):
    """The objects `fn`'s code loads by dotted name: globals, closure cells, the arguments a
    partial binds (`bound`: element-wise derivatives take their namespace first) and their
    attributes."""
    cells = dict(zip(fn.__code__.co_freevars, [c.cell_contents for c in fn.__closure__ or ()]))
    cells.update(zip(fn.__code__.co_varnames, bound))
    found = list(cells.values())
    codes = [fn.__code__]
    while codes:
        code = codes.pop()
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        current = None
        for ins in dis.get_instructions(code):
            if ins.opname == "LOAD_GLOBAL":
                current = fn.__globals__.get(ins.argval, None)
            elif ins.opname in ("LOAD_DEREF", "LOAD_FAST") and code is fn.__code__:
                current = cells.get(ins.argval)
            elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and current is not None:
                emitted = isinstance(current, _Helpers)
                current = _attribute(current, ins.argval)
                if _runtime(current) and not emitted:  # `runtime.einsum_parse(...)` runs at compile time
                    current = None
            else:
                current = None
                continue
            found.append(current)
    return found


def _runtime(obj):
    return (getattr(obj, "__module__", None) or "").startswith("s2sgrad.runtime")


def _is_library(obj):
    module = getattr(obj, "__module__", None) or ""
    return callable(obj) and (
        type(obj).__name__ == "ufunc" or module.split(".")[0] in ("numpy", "scipy") or module.startswith(_LIBRARIES)
    )


def _is_rules_function(obj):
    return isinstance(obj, types.FunctionType) and obj.__module__.startswith("s2sgrad.rules")


def callees(functions):
    """The library callables (NumPy, SciPy, math, runtime helpers) the functions may call."""
    seen, found, todo = set(), [], list(functions)
    while todo:
        fn = todo.pop()
        bound = fn.args if isinstance(fn, functools.partial) else ()
        fn = fn.func if isinstance(fn, functools.partial) else fn
        if (id(fn), len(bound)) in seen or not isinstance(fn, types.FunctionType):
            continue
        seen.add((id(fn), len(bound)))
        for obj in _loaded_objects(fn, bound):
            if _is_rules_function(obj) or isinstance(obj, functools.partial):
                todo.append(obj)
            elif _is_library(obj) and not isinstance(obj, type):
                found.append(obj)
    return found


def closes(functions, has_rule):
    """Can the code these functions emit be differentiated again (`has_rule(obj)` for each callee)?"""
    return all(has_rule(obj) for obj in callees(functions))
