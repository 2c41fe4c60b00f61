"""A derivative's arguments: `wrt` as indices of parameters, each argument's kind
and spec (the keys of generated code, see `api.Derivative`), the checks that the
differentiated ones hold floats."""

import inspect
import linecache

import numpy as np

from . import trees
from .callables import Target, target_of
from .errors import Loc, S2SGradError
from .runtime.shapes import is_array


def _def_loc(func):
    """The location of `func`'s def line (after its decorators), or None without a file."""
    code = getattr(func, "__code__", None)
    if code is None:
        return None
    if func.__name__ == "<lambda>":
        line = linecache.getline(code.co_filename, code.co_firstlineno)
        return Loc(code.co_filename, code.co_firstlineno, max(line.find("lambda"), 0), line) if line else None
    for lineno in range(code.co_firstlineno, code.co_firstlineno + 50):
        line = linecache.getline(code.co_filename, lineno)
        if not line:
            return None
        if line.lstrip().startswith(("def ", "async def ")):
            return Loc(code.co_filename, lineno, len(line) - len(line.lstrip()), line)
    return None


def _normalize_wrt(func, wrt):
    """`wrt` as indices of the parameters of the function that is compiled (for a bound
    method or a partial, the caller's arguments come after the bound ones), and
    whether it was a single item."""
    target = func if isinstance(func, Target) else target_of(func)
    for p in target.full.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.KEYWORD_ONLY):
            spelled = {p.VAR_POSITIONAL: f"*{p.name}", p.VAR_KEYWORD: f"**{p.name}"}.get(p.kind, p.name)
            function = target.function
            raise S2SGradError(
                f"{target.qualname}: parameter '{spelled}': *args, **kwargs and keyword-only "
                "parameters of the function handed to s2sgrad are not supported (the derivative's "
                "parameters must be known when it is made)",
                _def_loc(function) if inspect.isfunction(function) else None,
                "parameters",
                "give every parameter a plain name, or hand over a lambda that calls it with the "
                "arguments spelled out: sg.grad(lambda w, x, y: f(w, x, y)) (inside, *args works)",
            )
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    if not items:
        raise S2SGradError("wrt is empty; name at least one argument")
    indices = []
    for item in items:
        if not isinstance(item, (str, int)) or isinstance(item, bool):
            raise S2SGradError(f"wrt must be an int, a parameter name or a tuple of these, got {item!r}")
        indices.append(target.index(item))
    names = target.full_names
    for k, i in enumerate(indices):
        if i in indices[:k]:
            raise S2SGradError(
                f"wrt={wrt!r} names the argument '{names[i]}' of {target.qualname} twice",
                hint="name each argument once",
            )
    return tuple(indices), single


def _kind(value):
    if isinstance(value, (bool, np.bool_)):
        return "other"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "scalar"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, (list, tuple)):
        return "container"
    if isinstance(value, np.ndarray) or hasattr(value, "__array__"):
        return "array"
    if _is_function(value):
        return "function"
    return "object"


def _is_function(value):
    """A function passed as an argument (`act=np.tanh`, a helper, a lambda): the code is
    made for that function, which calls inline or look up the rule of."""
    return (
        inspect.isfunction(value)
        or inspect.isbuiltin(value)
        or isinstance(value, np.ufunc)
        or type(value).__name__ == "_ArrayFunctionDispatcher"
    )


def _kinds(values, wrt):
    """The kinds of the arguments, the key of the generated code (see pipeline.split_kinds):
    a NamedTuple is a container of its class, a dataclass (or registered class)
    differentiated is the dict of its fields, any other object is read as it is."""
    kinds = []
    for i, value in enumerate(values):
        kind = _kind(value)
        if trees.is_namedtuple(value):
            kind = ("container", type(value))
        elif trees.is_record(value):
            kind = ("dict" if i in wrt else "object", type(value))
        elif kind == "object":
            kind = ("object", type(value))
        elif kind == "function":
            kind = ("function", value)
        kinds.append(kind)
    return tuple(kinds)


def _for_code(values, wrt):
    """The arguments as generated code takes them: a differentiated dataclass (or
    registered class) as the dict of its fields, nested ones too."""
    for i in wrt:  # (the hot path: a loop, not a generator; arrays and numbers first)
        v = values[i]
        if type(v) is not np.ndarray and type(v) not in _PLAIN and trees.is_record(v):
            break
    else:
        return values
    return [trees.as_data(v) if i in wrt else v for i, v in enumerate(values)]


def _spec(value):
    """What a call's argument tells the compiler, as a hashable key: an array's shape
    and dtype, a number's type, a container's structure and its leaves' specs."""
    t = type(value)
    if t is np.ndarray:
        return (value.shape, value.dtype)
    if t in _PLAIN:  # (a container's numbers: no tests for containers and functions)
        return t
    if t is dict:
        return (dict, tuple(value), tuple(_spec(v) for v in value.values()))
    if t is list or t is tuple:
        return (t, tuple(_spec(v) for v in value))
    if trees.is_container(value):  # a NamedTuple, a dataclass: its leaves too
        items = trees.fields(value) if trees.is_record(value) else dict(enumerate(value))
        return (t, tuple(items), tuple(_spec(v) for v in items.values()))
    if _is_function(value):  # (the code is made for the function itself: see _kinds)
        return ("function", value)
    return t


_PLAIN = frozenset((float, int, bool, complex, np.float64, np.float32, np.int64, type(None), str))


def _specs(values):
    """The specs of a call's arguments (`_spec`), numbers and arrays without a call."""
    return tuple(
        [type(v) if type(v) in _PLAIN else (v.shape, v.dtype) if type(v) is np.ndarray else _spec(v) for v in values]
    )


def _arg_shapes(values):
    """Each array argument's shape (what specialised code is compiled for), a container's
    `trees.shape_tree`, None for others."""
    shapes = tuple(v.shape if type(v) is np.ndarray else trees.shape_tree(v) for v in values)
    return shapes if any(s is not None for s in shapes) else None


def _arg_dtypes(values):
    """Each argument's dtype key (specialised code is compiled for these too, see
    compiler/dtypes.py): an array's or NumPy number's dtype string, a container's
    leaves' keys, "float"/"int"/"bool" for Python numbers, "none" for None or a
    string, "?" for anything else."""
    return tuple([_dtype_key(v) for v in values])


def _dtype_key(value):
    t = type(value)
    if t is np.ndarray or isinstance(value, np.generic):
        return value.dtype.str
    if t is float or t is int or t is bool:
        return t.__name__
    if value is None or t is str:
        return "none"
    if trees.is_record(value):
        value = trees.fields(value)
    if isinstance(value, dict):
        return tuple(_dtype_key(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return tuple(_dtype_key(v) for v in value)
    return "?"


def _leaves(value):
    return (leaf for _, leaf in trees.leaves(value))


def _qualname(func):
    return getattr(func, "qualname", None) or getattr(func, "__qualname__", None) or repr(func)


def _check_differentiable(func, names, args, wrt):
    for i in wrt:
        for value in _leaves(args[i]):
            kind = (
                np.asarray(value).dtype.kind
                if isinstance(value, (int, float, complex, np.generic, np.ndarray, bool))
                else value.dtype.kind
                if is_array(value)  # a Dask or CuPy array
                else None
            )
            if kind in ("i", "u", "b"):
                raise S2SGradError(
                    f"cannot differentiate {_qualname(func)} with respect to '{names[i]}': "
                    f"it is (or holds) an integer or boolean ({value!r})",
                    hint="pass floats (e.g. 2.0 instead of 2) or choose another wrt",
                )
            if kind is None:
                raise S2SGradError(
                    f"cannot differentiate with respect to '{names[i]}', which holds a "
                    f"{type(value).__name__}: pass floats, NumPy arrays, or dicts, lists, "
                    "tuples, NamedTuples and dataclasses of them",
                    hint=None
                    if type(value).__module__ == "builtins"
                    else f"make {type(value).__name__} a dataclass, or register it: "
                    "sg.register_container(cls, flatten, unflatten)",
                )


def _differentiable(value):
    leaves = list(_leaves(value))
    return bool(leaves) and all(
        isinstance(v, (float, complex, np.floating, np.ndarray)) and np.asarray(v).dtype.kind == "f" for v in leaves
    )
