"""What a called object is, for call resolution (`calls.py`): a derivative made by the
public API, installed library code (never differentiated from its source: it has a
rule or is refused), a scipy.stats distribution, or the user's own function,
method or object (inlined)."""

import inspect
import os
import sys
import sysconfig
import types

from . import ir


def is_derivative(obj):
    """A derivative function made by the public API (`sg.grad(f)`, ...). They are
    recognised by a class attribute, so that the compiler never imports the API."""
    return getattr(type(obj), "_s2sgrad_derivative", False)


def _library_dirs():
    """Where installed code lives: the standard library and site-packages (every scheme)."""
    dirs = set()
    for scheme in sysconfig.get_scheme_names():
        for key in ("stdlib", "platstdlib", "purelib", "platlib"):
            try:
                dirs.add(os.path.realpath(sysconfig.get_path(key, scheme)))
            except KeyError:
                continue
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        dirs.add(os.path.realpath(os.path.join(prefix, "lib")))
    return tuple(d + os.sep for d in dirs if d)


_LIBRARY_DIRS = _library_dirs()
_LIBRARY_PARTS = (os.sep + "site-packages" + os.sep, os.sep + "dist-packages" + os.sep)


def is_library_function(obj):
    """Is `obj` installed code (the standard library, site-packages), not the user's own?
    Library code is never differentiated from its source: it has a rule or is refused."""
    module = (getattr(obj, "__module__", "") or "").split(".")[0]
    if module in ("numpy", "scipy", "s2sgrad", "math"):
        return True
    code = getattr(obj, "__code__", None)
    filename = code.co_filename if code is not None else ""
    if not filename or filename.startswith("<"):
        return False
    path = os.path.realpath(filename)
    return any(part in path for part in _LIBRARY_PARTS) or path.startswith(_LIBRARY_DIRS)


def is_distribution(obj):
    """A scipy.stats distribution (`norm`, `multivariate_normal`): calling it freezes it."""
    return (type(obj).__module__ or "").startswith("scipy.stats") and hasattr(
        obj, "logpdf" if hasattr(obj, "pdf") else "logpmf"
    )


def is_namedtuple(obj):
    return isinstance(obj, type) and issubclass(obj, tuple) and hasattr(obj, "_fields")


def is_user_function(obj):
    """A plain Python function from the user's own files with no rule of its own: inline it."""
    from ..rules import RULES, NONDIFF

    if not inspect.isfunction(obj) or id(obj) in RULES or id(obj) in NONDIFF or hasattr(obj, "_s2sgrad_try"):
        return False  # (a try statement's function runs as it is: try_blocks.py)
    return not is_library_function(obj)


def is_user_method(obj):
    return isinstance(obj, types.MethodType) and is_user_function(obj.__func__)


def is_user_object(obj):
    """An instance of a class of the user's code (not a module, class, function or library object)."""
    module = getattr(type(obj), "__module__", "") or ""
    return not isinstance(obj, (type, types.ModuleType, types.FunctionType)) and module.split(".")[0] not in (
        "numpy",
        "builtins",
        "s2sgrad",
        "scipy",
        "math",
    )


def held_callable(receiver, attr):
    """`obj.attr` where obj is a module-level object of the user's (an inlined method's
    self) and its instance attribute holds a function or an object: that value, or None."""
    if not (isinstance(receiver, ir.Global) and is_user_object(receiver.value)):
        return None
    try:
        value = inspect.getattr_static(receiver.value, attr)
    except AttributeError:
        return None
    if (
        not callable(value)
        or isinstance(value, (type, staticmethod, classmethod))
        or attr in type(receiver.value).__dict__
    ):
        return None
    return ir.Global(f"{receiver.path}.{attr}", value, receiver.root, receiver.foreign)
