"""The public differentiation API: grad, value_and_grad, vjp, source, show (jvp,
forward mode, is forward_mode.py's).

A derivative function binds its arguments like the original, checks the
`wrt` arguments, compiles (once per kind of arguments: Python/NumPy scalars
vs arrays) and shapes each gradient like its argument.
"""

from __future__ import annotations

from collections import OrderedDict
import inspect
import threading
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from .errors import S2SGradError
from .callables import target_of
from .compiler.compile import locate, rebind, user_lines
from .compiler.pipeline import derive
from .compiler.shape_items import OfArray, OfType
from .arguments import (
    _arg_dtypes,
    _arg_shapes,
    _check_differentiable,
    _for_code,
    _kinds,
    _normalize_wrt,
    _specs,
)
from .pullback import _Pullback
from .shaping import _shape_like

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

# The first lines of generic code's `.source` (what `.source` and `show` give before a call)
GENERIC_NOTE = (
    "# Generic form, valid for arrays of any shape. A call runs code specialised on its\n"
    '# arguments\' shapes: read it with sg.source(df, *example_args) or show --args "...".\n'
)


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


def _holds(assumed):
    """Do the module constants specialised code assumed still have their values?"""
    for home, name, value in assumed:
        now = home.get(name)
        if isinstance(value, (OfType, OfArray)):
            if not value.holds(now):
                return False
        elif type(now) is not type(value) or now != value:
            return False
    return True


def _assumed_now(home, name, value):
    """What a cache key holds of an assumed module value now: its type where only that
    was assumed (`OfType`), an array's shape and dtype (`OfArray`), else the value."""
    now = home.get(name)
    return value.key(now) if isinstance(value, (OfType, OfArray)) else _identity(now)


def _cached(key, make):
    """The cache entry for `key`, made once (under the lock) when missing."""
    derived = _cache.get(key)
    if derived is None:
        with _cache_lock:
            derived = _cache.get(key)
            if derived is None:
                derived = _cache[key] = make()
    return derived


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

    def _derived(self, kinds, again=False, arg_shapes=None, exact=False, arg_dtypes=None):
        """The generated derivative for these argument kinds (and, specialised, these
        array shapes and dtypes: `arguments._arg_dtypes`). `again`: it is itself to be differentiated, so its loops are
        stored (no sg.checkpointed, no checkpoints=k): the code of a checkpointed loop is
        not differentiable, the stored one is, and both give the same derivative."""
        func = _plain_function(self.target, kinds)
        checkpoints = False if again else self.checkpoints
        jit = False if again else self.jit
        generic = (_code_key(func), self.wrt, self.variant, kinds, checkpoints, jit, self.has_aux)
        if arg_shapes is None:
            arg_dtypes = None  # (the generic code assumes no dtypes either)
        elif not exact:  # (exact: code for these shapes, as a pullback needs)
            if generic not in _shape_sets and len(_shape_sets) >= 4 * _Cache.LIMIT:
                _shape_sets.clear()  # (bounded like the cache: a long session makes many functions)
            seen = _shape_sets.setdefault(generic, set())
            if (arg_shapes, arg_dtypes) not in seen and len(seen) >= SPECIALISATIONS:
                arg_shapes = arg_dtypes = None  # shapes that vary: the generic code
            else:
                seen.add((arg_shapes, arg_dtypes))

        def make():
            derived = derive(
                func,
                self.wrt,
                kinds,
                self.variant,
                checkpoints,
                arg_shapes,
                has_aux=self.has_aux,
                arg_dtypes=arg_dtypes,
            )
            assumed = derived.assumed  # (module constants it was specialised on)
            made = _compiled(derived, func, jit)
            made.arg_shapes, made.arg_dtypes = arg_shapes, arg_dtypes  # (what a pickled pullback asks for again)
            made.assumed = assumed
            if arg_shapes is None and "array" in kinds:
                made.source = GENERIC_NOTE + made.source
            return made

        derived = _cached(generic + (arg_shapes, arg_dtypes), make)
        if derived.assumed and not _holds(derived.assumed):
            derived = self._constants_changed(generic, (arg_shapes, arg_dtypes), derived, make, exact)
            if derived is None:
                return self._derived(kinds, again)
        derived = self._for(func, derived)
        if not again:
            self._last = derived
        return derived

    @staticmethod
    def _constants_changed(generic, specialised, derived, make, exact):
        """A module constant the code was specialised on (`KERNEL = 3`, shapes.py) has
        another value now: the code specialised on the new values, or None past
        SPECIALISATIONS variants (then the generic code, which assumes none, runs)."""
        seen = _shape_sets.setdefault(generic, set())
        for _ in range(3):  # (code for new values may assume one constant more: look again)
            now = specialised + (tuple((name, _assumed_now(home, name, v)) for home, name, v in derived.assumed),)
            if not exact and now not in seen and len(seen) >= SPECIALISATIONS:
                return None
            seen.add(now)
            derived = _cached(generic + now, make)
            if _holds(derived.assumed):
                return derived
        return make()

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
            made.arg_dtypes = getattr(derived, "arg_dtypes", None)
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
        if derived is None or (derived.assumed and not _holds(derived.assumed)):
            _check_differentiable(self.target, self.names, values, self.wrt)
            derived = self._derived(
                _kinds(values, self.wrt), arg_shapes=_arg_shapes(values), arg_dtypes=_arg_dtypes(values)
            )
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
        return tuple([_shape_like(g, values[i]) for g, i in zip(grads, self.wrt)])

    def __call__(self, *args, **kwargs):
        # the hot path: plain positional arguments whose specs were seen before
        values = self._values(args, kwargs)
        derived = self._by_spec.get(_specs(values)) if self._epoch == _cache.epoch else None
        if derived is None or (derived.assumed and not _holds(derived.assumed)):
            derived = self._specialised(values)
        self._last = derived
        return self._apply(values, derived)

    def _run(self, values, kinds):
        """Call with arguments already bound and their kinds known (check_grad, jacobians)."""
        _check_differentiable(self.target, self.names, values, self.wrt)
        return self._apply(values, self._derived(kinds, arg_shapes=_arg_shapes(values), arg_dtypes=_arg_dtypes(values)))

    def _apply(self, values, derived):
        try:
            out = derived.function(*_for_code(values, self.wrt))
        except BaseException as exc:
            locate(exc)  # (errors point at the user's line, as `with user_lines()` does)
            raise
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


def _decorator(variant, kind=Derivative):
    """The public maker of one variant: bare (`@grad`) or with options (`@grad(wrt=1)`)."""

    def make(
        f: Optional[Callable] = None,
        wrt: Wrt = 0,
        checkpoints: Optional[int] = None,
        jit: Union[bool, str] = False,
        has_aux: bool = False,
    ) -> Derivative:
        if f is None:
            return lambda g: kind(g, wrt, variant, checkpoints, jit, has_aux)
        return kind(f, wrt, variant, checkpoints, jit, has_aux)

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
        with user_lines():
            value, saved = forward(*_for_code(values, self.wrt))
        kinds = _kinds(values, self.wrt)
        if self.has_aux:  # (value, pullback, aux), as jax.vjp(..., has_aux=True) gives them
            value, aux = value
            return (
                value,
                _Pullback(self, (kinds, derived.arg_shapes, derived.arg_dtypes), values, value, saved, backward),
                aux,
            )
        return value, _Pullback(self, (kinds, derived.arg_shapes, derived.arg_dtypes), values, value, saved, backward)


vjp = _decorator("vjp", _VJP)
vjp.__doc__ = """`vjp(f)(*args)` -> `(value, pullback)`; `pullback(cotangent)` is the vector-Jacobian product.
`f` is any callable (see `grad`). With `has_aux=True`, `f` returns `(value, aux)` and the
result is `(value, pullback, aux)`: aux (any structure) is not differentiated."""


def source(df: Derivative, *example_args: Any, **example_kwargs: Any) -> str:
    """The generated source of a derivative function. With example arguments: the code
    specialised on them, as a call with them runs it (nothing is run). Without: the
    last call's, or before any call the generic form, valid for arrays of any shape."""
    if not hasattr(type(df), "source"):  # (the class: reading .source would build the generic form)
        name = getattr(df, "__name__", type(df).__name__)
        raise S2SGradError(
            f"source() shows a derivative's generated code, and {name} is not a derivative: "
            f"pass sg.grad({name}) (or sg.jvp({name}), sg.value_and_grad({name}), ...)"
        )
    if example_args or example_kwargs:
        return df.source_for(*example_args, **example_kwargs)
    return df.source


def show(df: Derivative, *example_args: Any, **example_kwargs: Any) -> None:
    """Print the generated source of a derivative function (see `source`)."""
    print(source(df, *example_args, **example_kwargs))


def stop_gradient(x: Any) -> Any:
    """The identity; its result carries no derivative."""
    return x
