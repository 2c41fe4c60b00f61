"""What the user handed to `grad`: any callable, as a function with source plus
the values bound in front of the caller's arguments.

`target_of(f)` returns a `Target`: `function` is a `def` or `lambda` the compiler
reads (for a bound method its function, for a `functools.partial` the wrapped
function, for a callable object its `__call__`, for a library function with a
rule a two-line wrapper made here); `bound` and `keywords` are the values a
bound method or a partial supplies (its `self`, the partial's arguments), passed
at call time, never compiled in, so that a partial or a method of another object
reuses the same generated code.
"""

import functools
import inspect
import linecache
import math
import operator
import sys
import types

import numpy as np

from .errors import S2SGradError

_OPERATORS = {
    operator.add: "{} + {}",
    operator.sub: "{} - {}",
    operator.mul: "{} * {}",
    operator.truediv: "{} / {}",
    operator.pow: "{} ** {}",
    operator.matmul: "{} @ {}",
    operator.neg: "-{}",
    operator.pos: "+{}",
}
_wrappers = {}  # library callable -> its wrapper function (one per callable, so its derivative is cached)


class Target:
    """A callable as the compiler sees it: `function` (with source) and the values a
    bound method or a partial puts in front of the caller's arguments."""

    def __init__(self, function, bound=(), keywords=None, shown=None, inner=None):
        self.function = function  # a def, a lambda, or a Derivative (a derivative of a derivative)
        self.bound = tuple(bound)
        self.keywords = dict(keywords or {})
        if inner is not None:  # a derivative takes what the function it differentiates takes
            self.full, self.signature, self.qualname = inner.full, inner.signature, inner.qualname
        else:
            self.full = signature(function)
            plain = shown is None and not self.bound and not self.keywords
            self.signature = self.full if plain else _user_signature(shown, self.full, len(self.bound), self.keywords)
            self.qualname = describe(function)
        self.names = list(self.signature.parameters)  # what the caller passes
        self.full_names = list(self.full.parameters)  # the function's own parameters
        self._binder = None  # made on the first call: see `values`

    def values(self, args, kwargs):
        """The function's arguments, in its parameter order, defaults applied."""
        binder = self._binder
        if binder is None:
            binder = self._binder = _binder(self.full)
        try:  # (Python binds the arguments: 10x cheaper than Signature.bind, the derivative's hot path)
            return binder(*self.bound, *args, **({**self.keywords, **kwargs} if self.keywords else kwargs))
        except TypeError:
            pass
        try:  # (a wrong call: inspect words the error)
            bound = self.full.bind(*self.bound, *args, **{**self.keywords, **kwargs})
        except TypeError as exc:
            raise S2SGradError(f"cannot call {self.qualname}: {exc}") from None
        bound.apply_defaults()
        return list(bound.arguments.values())

    def index(self, name_or_position):
        """The function's parameter index for a `wrt` item (the caller's position or a
        parameter name; `"self"` names a bound method's object)."""
        if isinstance(name_or_position, str):
            if name_or_position in self.full_names:
                return self.full_names.index(name_or_position)
            raise S2SGradError(
                f"{self.qualname} has no parameter '{name_or_position}' (parameters: {', '.join(self.names)})"
            )
        if not -len(self.names) <= name_or_position < len(self.names):
            raise S2SGradError(
                f"wrt={name_or_position} is out of range: {self.qualname} takes {len(self.names)} arguments"
            )
        return self.full_names.index(self.names[name_or_position])


def _binder(sig):
    """A function taking the parameters of `sig` (positional-only ones, defaults) that returns
    their values in order: Python's own binding, with `Signature.bind`'s result. The
    derivative's parameters are positional or positional-only (`arguments._normalize_wrt`
    refuses others); any other signature binds through inspect (None here)."""
    params = list(sig.parameters.values())
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if not all(p.kind in kinds and p.name.isidentifier() for p in params):
        return _inspect_binder(sig)
    spelled = [p.name for p in params]
    last_positional = max((i for i, p in enumerate(params) if p.kind is p.POSITIONAL_ONLY), default=None)
    if last_positional is not None:
        spelled.insert(last_positional + 1, "/")
    names = ", ".join(p.name for p in params)
    namespace = {}
    exec(f"def bind({', '.join(spelled)}):\n    return [{names}]\n", namespace)
    bind = namespace["bind"]
    defaults = [p.default for p in params if p.default is not p.empty]
    bind.__defaults__ = tuple(defaults) or None
    return bind


def _inspect_binder(sig):
    def bind(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        return list(bound.arguments.values())

    return bind


_signatures = {}  # code object -> the signature of a function of it without defaults


def signature(function):
    """inspect.signature, kept per code object for functions without defaults: a lambda
    made afresh at every step of a training loop costs no signature each time."""
    code = getattr(function, "__code__", None)
    if code is None or function.__defaults__ or function.__kwdefaults__:
        return inspect.signature(function)
    found = _signatures.get(code)
    if found is None:
        found = _signatures[code] = inspect.signature(function)
    return found


def describe(function):
    """How messages name a function: its qualified name, or where a lambda is."""
    if function.__name__ == "<lambda>":
        code = function.__code__
        return f"the lambda at {code.co_filename.rsplit('/', 1)[-1]}:{code.co_firstlineno}"
    return function.__qualname__


def _name(obj):
    return getattr(obj, "__name__", None) or getattr(type(obj), "__name__", None)


def _user_signature(shown, full, n_bound, keywords):
    """The signature the caller sees (the partial's or the method's, else the function's)."""
    if shown is not None:
        try:
            return inspect.signature(shown)
        except (TypeError, ValueError):
            pass
    params = list(full.parameters.values())[n_bound:]
    return full.replace(parameters=[p.replace(default=keywords[p.name]) if p.name in keywords else p for p in params])


def target_of(f):
    """The `Target` for any callable a user hands over."""
    if getattr(type(f), "_s2sgrad_derivative", False):
        inner = f.target
        return Target(f, inner.bound, inner.keywords, inner=inner)
    original = f
    bound, keywords = [], {}
    while True:
        if isinstance(f, functools.partial):
            bound[:0] = f.args
            keywords = {**f.keywords, **keywords}
            f = f.func
        elif isinstance(f, (staticmethod, classmethod)):
            if isinstance(f, classmethod):
                raise S2SGradError(
                    "a classmethod object taken from the class body cannot be differentiated",
                    hint="pass it through the class: sg.grad(Model.make)",
                )
            f = f.__func__
        elif isinstance(f, types.MethodType) and inspect.isfunction(f.__func__):
            bound[:0] = [f.__self__]
            f = f.__func__
        else:
            break
    if not inspect.isfunction(f) and not _is_library(f) and callable(f):
        call = getattr(type(f), "__call__", None)
        if inspect.isfunction(call):
            bound[:0] = [f]  # a callable object: its __call__, with the object as self
            f = call
    if not inspect.isfunction(f) or _has_rule(f):
        f = library_wrapper(f)  # (the caller passes what the wrapper takes: not `out=`)
        return Target(f, bound, keywords)
    return Target(f, bound, keywords, shown=original if original is not f else None)


def _has_rule(f):
    """A Python function given its own rule (s2sgrad.extend): its rule, not its body, is the derivative."""
    from .rules import RULES

    return id(f) in RULES


def _is_library(f):
    return isinstance(f, (np.ufunc, types.BuiltinFunctionType)) or _module_path(f) is not None


def _module_path(obj):
    """(module, dotted name in it) for a function found under its module's name, or None."""
    module = sys.modules.get(getattr(obj, "__module__", None) or "")
    name = getattr(obj, "__name__", None)
    if isinstance(obj, np.ufunc):
        module = np
    if module is None or name is None or getattr(module, name, None) is not obj:
        return None
    return module, name


def library_wrapper(obj):
    """A function with source that calls the library callable `obj` on its required
    positional parameters (`def sin(x): return np.sin(x)`): keyword options such as
    a ufunc's `out=` and `where=` are left out, so they never reach the compiler."""
    if obj in _wrappers:
        return _wrappers[obj]
    names = _required_parameters(obj)
    spelled, scope = _spelling(obj)
    if obj in _OPERATORS:
        body = _OPERATORS[obj].format(*names)
    else:
        body = f"{spelled}({', '.join(names)})"
    stem = (_name(obj) or "function").strip("_") or "function"
    if stem == spelled:  # a builtin: the wrapper must not hide it
        stem += "_"
    filename = f"<s2sgrad library {spelled}>"
    source = f"def {stem}({', '.join(names)}):\n    return {body}\n"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = dict(scope, __name__="s2sgrad_library")
    exec(compile(source, filename, "exec"), namespace)
    wrapper = namespace[stem]
    wrapper.__qualname__ = spelled
    _wrappers[obj] = wrapper
    return wrapper


def _required_parameters(obj):
    if isinstance(obj, np.ufunc):
        return ["x"] if obj.nin == 1 else [f"x{i + 1}" for i in range(obj.nin)]
    try:
        params = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        raise S2SGradError(
            f"cannot differentiate {obj!r}: it is not a Python function and its parameters are unknown",
            hint="wrap it in a lambda or def that calls it: sg.grad(lambda x: f(x))",
        ) from None
    names = [p.name for p in params if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not names:
        raise S2SGradError(
            f"cannot differentiate {obj!r}: it takes no required positional argument",
            hint="wrap it in a lambda that calls it: sg.grad(lambda x: f(x))",
        )
    return names


def _spelling(obj):
    """How the wrapper names `obj`, and the globals that make that name work."""
    if obj in _OPERATORS:
        return f"operator.{obj.__name__}", {"operator": operator}
    found = _module_path(obj)
    if found is None:
        return "function", {"function": obj}
    module, name = found
    if module is np or module.__name__.startswith("numpy."):
        path = "np." + module.__name__[len("numpy.") :] + "." if module is not np else "np."
        return path + name, {"np": np}
    if module is math:
        return f"math.{name}", {"math": math}
    if module.__name__ == "builtins":
        return name, {}
    stem = module.__name__.replace(".", "_")
    return f"{stem}.{name}", {stem: module}
