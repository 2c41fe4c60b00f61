"""The public differentiation API: grad, value_and_grad, vjp, source, show.

A derivative function binds its arguments like the original, checks the
`wrt` arguments, compiles (once per kind of arguments: Python/NumPy scalars
vs arrays) and shapes each gradient like its argument.
"""

from __future__ import annotations

from collections import OrderedDict
import inspect
import linecache
import threading
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from . import trees
from .errors import Loc, S2SGradError
from .callables import Target, target_of
from .compiler.compile import rebind
from .compiler.pipeline import derive
from .runtime.core import is_array

Wrt = Union[int, str, Sequence[Union[int, str]]]  # an argument's index or name, or several


class _Cache(OrderedDict):
    """Generated derivatives by (function, wrt, variant, argument kinds, checkpointing,
    argument shapes), the least recently used dropped beyond `LIMIT`. `epoch` counts
    clearings (a new rule), which empty the derivatives' own lookup tables too."""

    LIMIT = 512

    def __init__(self):
        super().__init__()
        self.epoch = 0

    def clear(self):
        super().clear()
        self.epoch += 1

    def get(self, key, default=None):
        found = super().get(key, default)
        if found is not default:
            self.move_to_end(key)
        return found

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        while len(self) > self.LIMIT:
            self.popitem(last=False)


_cache = _Cache()
_cache_lock = threading.RLock()  # re-entrant: a derivative may compile another inside

# Code is specialised on the shapes of each call's arrays (see `_spec`); a function
# called with more than this many shape combinations (for one set of argument kinds)
# gets the generic code for the others, which any shapes can run.
SPECIALISATIONS = 8
_shape_sets = {}  # generic cache key -> the argument shapes specialised for it


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
                "parameters are not supported",
                _def_loc(function) if inspect.isfunction(function) else None,
                "parameters",
                "give every parameter a plain name",
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
    return "object"


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
        kinds.append(kind)
    return tuple(kinds)


def _for_code(values, wrt):
    """The arguments as generated code takes them: a differentiated dataclass (or
    registered class) as the dict of its fields, nested ones too."""
    if not any(trees.is_record(values[i]) for i in wrt):
        return values
    return [trees.as_data(v) if i in wrt else v for i, v in enumerate(values)]


def _spec(value):
    """What a call's argument tells the compiler, as a hashable key: an array's shape
    and dtype, a number's type, a container's structure and its leaves' specs."""
    t = type(value)
    if t is np.ndarray:
        return (value.shape, value.dtype)
    if t is dict:
        return (dict, tuple(value), tuple(_spec(v) for v in value.values()))
    if t is list or t is tuple:
        return (t, tuple(_spec(v) for v in value))
    return t


_PLAIN = frozenset((float, int, bool, complex, np.float64, np.float32, np.int64, type(None), str))


def _specs(values):
    """The specs of a call's arguments (`_spec`), numbers and arrays without a call."""
    return tuple(
        [type(v) if type(v) in _PLAIN else (v.shape, v.dtype) if type(v) is np.ndarray else _spec(v) for v in values]
    )


def _arg_shapes(values):
    """Each array argument's shape (what specialised code is compiled for), None for others."""
    shapes = tuple(v.shape if type(v) is np.ndarray else None for v in values)
    return shapes if any(s is not None for s in shapes) else None


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


def _shape_like(grad, arg):
    """Give a gradient the structure, shape and dtype kind of its argument."""
    if trees.is_record(arg):
        return trees.rebuild(arg, _shape_like(grad, trees.fields(arg)))
    if type(arg) is float and type(grad) is float:
        return grad
    if type(grad) is np.ndarray and type(arg) is np.ndarray and grad.shape == arg.shape and grad.dtype == arg.dtype:
        return grad if arg.dtype.kind in "fc" else grad.astype(np.float64)
    if isinstance(arg, dict):
        return {k: _shape_like(grad[k] if _has(grad, k) else 0.0, v) for k, v in arg.items()}
    if isinstance(arg, (list, tuple)):
        return trees.rebuild(arg, [_shape_like(grad[i] if _has(grad, i) else 0.0, v) for i, v in enumerate(arg)])
    if is_array(grad) and not isinstance(grad, np.ndarray) or is_array(arg) and not isinstance(arg, np.ndarray):
        return _array_like(grad, arg)  # a Dask array stays lazy, a CuPy array on its GPU
    if isinstance(arg, np.ndarray):
        # a float32 (or complex64) argument keeps its precision, as a NumPy float32 scalar does below
        dtype = arg.dtype if arg.dtype.kind in "fc" else np.float64
        out = np.asarray(grad, dtype=dtype)
        if out.shape != arg.shape:
            out = np.broadcast_to(out, arg.shape).copy()
        return out
    if isinstance(arg, np.floating):
        return type(arg)(grad)
    return float(grad)


def _array_like(grad, arg):
    """The gradient of an array `arg` of another library than NumPy (or a gradient of such a
    library, as with NumPy weights and a Dask batch), kept in that library."""
    dtype = getattr(arg, "dtype", np.dtype(np.float64))
    dtype = dtype if dtype.kind in "fc" else np.dtype(np.float64)
    if not is_array(grad):
        grad = np.zeros_like(arg, dtype=dtype) + grad
    if grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad if grad.shape == np.shape(arg) else np.broadcast_to(grad, np.shape(arg))


def _has(container, key):
    try:
        container[key]
        return True
    except (KeyError, IndexError, TypeError):
        return False


def _plain_function(target, kinds):
    """The Python function to differentiate: for a derivative of a derivative, the
    generated function of the inner one (compiled for the same argument kinds, with
    its loops stored: checkpointing applies to first derivatives)."""
    func = target.function
    if isinstance(func, Derivative):
        if func.variant != "grad":
            raise S2SGradError(f"cannot differentiate a {func.variant} function; differentiate grad(f) instead")
        return func._derived(kinds, again=True).function
    return func


def _code_key(func):
    """What the generated code depends on: a function made afresh from the same source
    (a lambda in a training loop) shares its derivative with the earlier ones, unless a
    closure name now means another function, module or class (data is read at run time)."""
    if not inspect.isfunction(func) or func.__code__.co_filename.startswith("<s2sgrad:"):
        return func
    cells = []
    for cell in func.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:
            value = None
        cells.append(type(value) if isinstance(value, _DATA) else _identity(value))
    return (func.__code__, id(func.__globals__), tuple(cells))


def _identity(value):
    """The value itself in a key (kept alive, so its id is not reused), or its id."""
    try:
        hash(value)
        return value
    except TypeError:
        return id(value)


_DATA = (int, float, complex, bool, str, type(None), np.ndarray, np.generic, list, tuple, dict)


def _cached(key, make):
    """The cache entry for `key`, made once (under the lock) when missing."""
    derived = _cache.get(key)
    if derived is None:
        with _cache_lock:
            derived = _cache.get(key)
            if derived is None:
                derived = _cache[key] = make()
    return derived


class _user_lines:
    """Errors raised while generated code runs point at the user's line (compile.origin_loc:
    the primal statement's own line, or the `# line N:` comment over a reverse-sweep
    statement): an S2SGradError gets it as its location, any other exception a note."""

    def __init__(self, target):
        function = target.function
        while isinstance(function, Derivative):
            function = function.target.function
        self.filename = function.__code__.co_filename if inspect.isfunction(function) else "?"

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None or (isinstance(exc, S2SGradError) and exc.loc is not None):
            return False
        from .compiler.compile import origin_loc

        frame_line = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename.startswith("<s2sgrad:"):
                frame_line = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
            tb = tb.tb_next
        loc = origin_loc(*frame_line) if frame_line else None
        if loc is None:
            return False
        if isinstance(exc, S2SGradError):
            raise S2SGradError(exc.reason, loc, exc.construct, exc.hint) from None
        if isinstance(exc, Exception) and hasattr(exc, "add_note"):
            exc.add_note(f"in the derivative of {loc}: {loc.line.strip()}")
        return False


class Derivative:
    """A derivative of a user function; call it like the function."""

    # How the compiler recognises a derivative called inside differentiated code
    # (it is inlined) without importing this module: see compiler/calls.py.
    _s2sgrad_derivative = True

    def __init__(self, func, wrt, variant, checkpoints=None, jit=False, has_aux=False):
        if jit not in (False, True, "auto"):
            raise S2SGradError(f"jit must be False, True or 'auto', not {jit!r}")
        self.jit = jit
        if checkpoints is not None and (type(checkpoints) is not int or checkpoints < 1):
            raise S2SGradError(f"checkpoints must be a whole number of states >= 1, not {checkpoints!r}")
        self.func = func
        self.target = target_of(func)
        self.checkpoints = checkpoints
        self.has_aux = bool(has_aux)
        self.wrt, self.single = _normalize_wrt(self.target, wrt)
        self.variant = variant
        self.signature = self.target.signature
        self.names = self.target.full_names
        self._last = None
        self._rebound = {}
        self._by_spec, self._epoch = {}, _cache.epoch  # argument specs -> derived: the call's fast path
        # (what functools.update_wrapper copies, without its cost: a derivative may be made at every step)
        self.__wrapped__ = func
        for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
            if hasattr(func, attribute):
                setattr(self, attribute, getattr(func, attribute))

    def __reduce__(self):
        """Pickled by reference: the user's function and the options; the derivative
        is generated again where it is unpickled (a Dask worker, a process pool)."""
        wrt = self.wrt[0] if self.single else self.wrt
        return type(self), (self.func, wrt, self.variant, self.checkpoints, self.jit, self.has_aux)

    def _derived(self, kinds, again=False, arg_shapes=None, exact=False):
        """The generated derivative for these argument kinds (and, specialised, these
        array shapes). `again`: it is itself to be differentiated, so its loops are
        stored (no sg.checkpointed, no checkpoints=k): the code of a checkpointed loop is
        not differentiable, the stored one is, and both give the same derivative."""
        func = _plain_function(self.target, kinds)
        checkpoints = False if again else self.checkpoints
        jit = False if again else self.jit
        generic = (_code_key(func), self.wrt, self.variant, kinds, checkpoints, jit, self.has_aux)
        if arg_shapes is not None and not exact:  # (exact: code for these shapes, as a pullback needs)
            seen = _shape_sets.setdefault(generic, set())
            if arg_shapes not in seen and len(seen) >= SPECIALISATIONS:
                arg_shapes = None  # shapes that vary: the generic code
            else:
                seen.add(arg_shapes)

        def make():
            made = _compiled(
                derive(func, self.wrt, kinds, self.variant, checkpoints, arg_shapes, has_aux=self.has_aux), func, jit
            )
            made.arg_shapes = arg_shapes  # (what a pickled pullback asks for again)
            return made

        derived = self._for(func, _cached(generic + (arg_shapes,), make))
        if not again:
            self._last = derived
        return derived

    def _for(self, func, derived):
        """`derived` reading `func`'s closure cells (it may have been compiled for an
        earlier function made from the same source)."""
        if getattr(derived, "user_function", func) is func or not inspect.isfunction(func) or not func.__closure__:
            return derived
        made = self._rebound.get(id(derived))
        if made is None:
            made = self._rebound[id(derived)] = derived.with_function(
                rebind(derived.function, derived.user_function, func)
            )
            made.arg_shapes = getattr(derived, "arg_shapes", None)
        return made

    def _inline_kinds(self):
        """The kinds it is compiled for when called inside differentiated code: its bound
        values' own, arrays for the rest (code for arrays is valid for any argument)."""
        bound = _kinds(self.target.bound, ())
        return bound + tuple("array" for _ in self.names[len(bound) :])

    def _values(self, args, kwargs):
        """The arguments in parameter order, defaults filled in (plain positional calls
        to a plain function skip `inspect`)."""
        if not kwargs and not self.target.bound and not self.target.keywords and len(args) == len(self.names):
            return args
        return self.target.values(args, kwargs)

    def _bind(self, args, kwargs):
        values = self._values(args, kwargs)
        _check_differentiable(self.target, self.names, values, self.wrt)
        return values, _kinds(values, self.wrt)

    def _specialised(self, values):
        """The derivative for these argument values: looked up by their specs, compiled
        (and the arguments checked) on the first call with new specs."""
        spec = _specs(values)
        if self._epoch != _cache.epoch:
            self._by_spec, self._epoch = {}, _cache.epoch
        derived = self._by_spec.get(spec)
        if derived is None:
            _check_differentiable(self.target, self.names, values, self.wrt)
            derived = self._derived(_kinds(values, self.wrt), arg_shapes=_arg_shapes(values))
            if len(self._by_spec) >= _Cache.LIMIT:
                self._by_spec.clear()
            self._by_spec[spec] = derived
        self._last = derived
        return derived

    def source_for(self, *args, **kwargs):
        """The generated source specialised on these arguments' shapes (not run)."""
        return self._specialised(self._values(args, kwargs)).source

    def generic_source_for(self, *args, **kwargs):
        """The generated source for these arguments' kinds, valid for arrays of any shape:
        what runs once a function has met more than SPECIALISATIONS shape combinations."""
        values, kinds = self._bind(args, kwargs)
        last = self._last
        source = self._derived(kinds).source
        self._last = last  # (`.source` stays the last call's)
        return source

    def _shape(self, grads, values):
        if self.single:
            return _shape_like(grads, values[self.wrt[0]])
        if len(self.wrt) == 1:
            grads = (grads,)  # generated code returns one gradient bare
        return tuple(_shape_like(g, values[i]) for g, i in zip(grads, self.wrt))

    def __call__(self, *args, **kwargs):
        # the hot path: plain positional arguments whose specs were seen before
        values = self._values(args, kwargs)
        derived = self._by_spec.get(_specs(values)) if self._epoch == _cache.epoch else None
        if derived is None:
            derived = self._specialised(values)
        self._last = derived
        return self._apply(values, derived)

    def _run(self, values, kinds):
        """Call with arguments already bound and their kinds known (check_grad, jacobians)."""
        _check_differentiable(self.target, self.names, values, self.wrt)
        return self._apply(values, self._derived(kinds, arg_shapes=_arg_shapes(values)))

    def _apply(self, values, derived):
        with _user_lines(self.target):
            out = derived.function(*_for_code(values, self.wrt))
        if self.variant == "grad":
            # (with has_aux the generated function returns (gradient, aux), as grad does)
            return (self._shape(out[0], values), out[1]) if self.has_aux else self._shape(out, values)
        value, grads = out  # (value, aux) with has_aux
        return value, self._shape(grads, values)

    @property
    def source(self):
        """The generated source of the last call (or, before any call, for array arguments)."""
        if self._last is None:
            self._derived(tuple("array" for _ in self.names))
        return self._last.source

    def __repr__(self):
        return f"<s2sgrad {self.variant} of {self.target.qualname} wrt {self.wrt}>"

    def _repr_markdown_(self):
        """Jupyter shows a derivative function as its generated source."""
        try:
            return f"```python\n{self.source.rstrip()}\n```"
        except S2SGradError as exc:
            return f"```text\n{exc}\n```"


def _compiled(derived, func, jit):
    """`derived` as it runs: interpreted, or compiled by Numba (jit=True or "auto")."""
    if not jit:
        return derived
    from .compiler import numba_lowering

    return numba_lowering.lower(derived, func, jit)


def _decorator(variant):
    def make(
        f: Optional[Callable] = None,
        wrt: Wrt = 0,
        checkpoints: Optional[int] = None,
        jit: Union[bool, str] = False,
        has_aux: bool = False,
    ) -> Derivative:
        if f is None:
            return lambda g: Derivative(g, wrt, variant, checkpoints, jit, has_aux)
        return Derivative(f, wrt, variant, checkpoints, jit, has_aux)

    return make


grad = _decorator("grad")
grad.__doc__ = """Gradient of `f`'s scalar result with respect to the argument(s) `wrt`.

Usable bare (`@grad`) or with options (`@grad(wrt=(0, 1))`). `wrt` is an index,
a parameter name, or a tuple of these (then a tuple of gradients is returned).
`checkpoints=k` checkpoints every outermost loop (`for` over a range, `while`)
that cannot end early, holding at most k loop states (see `sg.checkpointed` to
mark single loops, and docs/checkpointing.md)."""
value_and_grad = _decorator("value_and_grad")
value_and_grad.__doc__ = """Like `grad`, but returns `(value, gradient)` from one forward and one reverse sweep."""
grad._s2sgrad_maker = value_and_grad._s2sgrad_maker = True  # sg.grad(g) inside differentiated code


class _VJP(Derivative):
    def _apply(self, values, derived):
        forward, backward = derived.function
        with _user_lines(self.target):
            value, saved = forward(*_for_code(values, self.wrt))
        kinds = _kinds(values, self.wrt)
        return value, _Pullback(self, (kinds, derived.arg_shapes), values, value, saved, backward)


class _Pullback:
    """The vector-Jacobian product at one point: `pullback(cotangent)`, for a cotangent
    with the output's structure and shapes; it can be called any number of times. It
    pickles as its vjp, the argument kinds and the forward sweep's saved values (the
    backward sweep is generated again where it is unpickled, for the same argument
    shapes: the saved values are those of the code specialised on them)."""

    def __init__(self, owner, kinds, values, value, saved, backward=None):
        self.owner, self.kinds, self.values, self.value, self.saved = owner, kinds, values, value, saved
        self._backward = backward

    def __reduce__(self):
        return _Pullback, (self.owner, self.kinds, self.values, self.value, self.saved)

    def __call__(self, cotangent):
        owner = self.owner
        if self._backward is None:
            kinds, arg_shapes = self.kinds
            self._backward = owner._derived(kinds, arg_shapes=arg_shapes, exact=True).function[1]
        cotangent = _like(cotangent, self.value, f"the pullback of {owner.target.qualname}", "cotangent", "output")
        with _user_lines(owner.target):
            grads = self._backward(self.saved, cotangent)
        return owner._shape(grads, self.values)


def _like(value, template, owner, role, where):
    """`value` (a cotangent, a tangent) checked against `template` (the output, an
    argument): the same containers and, leaf by leaf, the same shape (NumPy would
    broadcast a wrong one into a wrong answer). A size-1 template also takes any size-1
    value, reshaped (`pullback(1.0)` for an output of shape (1,)). `owner` ("the pullback
    of f"), `role` ("cotangent") and `where` ("output", "x['W']") word the error."""

    def mismatch():
        return S2SGradError(
            f"{owner} got a {role} for {where} of {_layout(value)}; {where} has {_layout(template)}",
            hint=f"pass a {role} with the structure and shapes of {where}",
        )

    if trees.is_record(template):
        if type(value) is not type(template) and not isinstance(value, dict):
            raise mismatch()
        value = trees.fields(value) if trees.is_record(value) else value
        return _like(value, trees.fields(template), owner, role, where)
    if isinstance(template, (tuple, list, dict)):
        if isinstance(template, dict):
            if not isinstance(value, dict) or set(value) != set(template):
                raise mismatch()
        elif not isinstance(value, (tuple, list)) or len(value) != len(template):
            raise mismatch()
        keys = list(template) if isinstance(template, dict) else range(len(template))
        parts = [_like(value[k], template[k], owner, role, f"{where}[{k!r}]") for k in keys]
        return dict(zip(keys, parts)) if isinstance(template, dict) else trees.rebuild(template, parts)
    shape, got = np.shape(template), np.shape(value)
    if (
        trees.is_container(value)
        and not isinstance(template, np.ndarray)
        or got != shape
        and (np.size(template) != 1 or np.size(value) != 1)
    ):
        raise mismatch()
    if got != shape:
        value = np.reshape(value, shape) if isinstance(template, np.ndarray) else np.reshape(value, ()).item()
    if isinstance(template, np.ndarray) and not isinstance(value, np.ndarray):
        value = np.asarray(value, dtype=float)  # (a list of numbers)
    return value


def _describe(value):
    """`shape (3,)`, or the container of such: `(shape (3,), shape ())`, `{'a': shape (2,)}`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_describe(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_describe(v) for v in value) + ("," if len(value) == 1 else "")
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    return f"shape {np.shape(value)}"


def _layout(value):
    return f"structure {_describe(value)}" if isinstance(value, (tuple, list, dict)) else _describe(value)


def vjp(
    f: Optional[Callable] = None, wrt: Wrt = 0, checkpoints: Optional[int] = None, jit: Union[bool, str] = False
) -> Derivative:
    """`vjp(f)(*args)` -> `(value, pullback)`; `pullback(cotangent)` is the vector-Jacobian product.
    `f` is any callable (see `grad`)."""
    if f is None:
        return lambda g: _VJP(g, wrt, "vjp", checkpoints, jit)
    return _VJP(f, wrt, "vjp", checkpoints, jit)


class _JVP(Derivative):
    """Forward mode: `(primals, tangents) -> (value, tangent of the value)`."""

    def __init__(self, func, jit=False):
        target = target_of(func)
        super().__init__(func, tuple(range(len(target.names))) or 0, "jvp", jit=jit)

    def __reduce__(self):
        return _JVP, (self.func, self.jit)

    def _derived(self, kinds, wrt=None, again=False):
        from .compiler.pipeline import derive_forward

        func = _plain_function(self.target, kinds)
        jit = False if again else self.jit
        key = (_code_key(func), wrt, "jvp", kinds, jit)
        derived = _cached(key, lambda: _compiled(derive_forward(func, wrt, kinds), func, jit))
        self._last = derived = self._for(func, derived)
        return derived

    def __call__(self, primals, tangents):
        primals, tangents = tuple(primals), tuple(tangents)
        if len(primals) != len(tangents):
            raise S2SGradError(f"jvp got {len(primals)} primals but {len(tangents)} tangents")
        values = self.target.values(primals, {})
        # (arguments left to their defaults are constants: they have no tangent)
        given = [(self.target.index(k), t) for k, (p, t) in enumerate(zip(primals, tangents)) if _differentiable(p)]
        owner = f"jvp of {self.target.qualname}"
        wrt = tuple(i for i, _ in given)
        return self._along(values, [_like(t, values[i], owner, "tangent", self.names[i]) for i, t in given], wrt)

    def _along(self, values, tangents, wrt):
        """(value, tangent) with tangents given for the arguments `wrt` only: the
        others are constants, so the generated code does no work for them."""
        derived = self._derived(_kinds(values, wrt), tuple(wrt))
        tangents = [trees.as_data(t) for t in tangents]
        with _user_lines(self.target):
            return derived.function(*_for_code(values, wrt), *tangents)

    @property
    def source(self):
        if self._last is None:
            wrt = tuple(range(len(self.names)))
            self._derived(tuple("array" for _ in self.names), wrt)
        return self._last.source


def _differentiable(value):
    leaves = list(_leaves(value))
    return bool(leaves) and all(
        isinstance(v, (float, complex, np.floating, np.ndarray)) and np.asarray(v).dtype.kind == "f" for v in leaves
    )


def jvp(
    f: Callable, primals: Optional[Sequence] = None, tangents: Optional[Sequence] = None, jit: Union[bool, str] = False
) -> Any:
    """Forward mode. `jvp(f, primals, tangents)` -> `(f(*primals), J @ tangents)`;
    `jvp(f)` gives the forward-mode function itself, with its generated `.source`.
    Arguments that are not floating point (ints, bools) get no tangent."""
    fn = _JVP(f, jit)
    if primals is None:
        return fn
    return fn(primals, tangents)


jvp._s2sgrad_maker = True


def source(df: Derivative) -> str:
    """The generated source of a derivative function."""
    return df.source


def show(df: Derivative) -> None:
    """Print the generated source of a derivative function."""
    print(df.source)


def stop_gradient(x: Any) -> Any:
    """The identity; its result carries no derivative."""
    return x
