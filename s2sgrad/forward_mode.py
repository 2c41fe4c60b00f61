"""Forward mode's public function: `jvp(f)`, a derivative that takes primals and
tangents together and runs one sweep (the compiler's forward.py) for both."""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Union

from . import trees
from .api import Derivative, _cached, _code_key, _compiled, _plain_function
from .arguments import _differentiable, _for_code, _kinds
from .callables import target_of
from .compiler.compile import user_lines
from .errors import S2SGradError
from .shaping import _like


class _JVP(Derivative):
    """Forward mode: `(primals, tangents) -> (value, tangent of the value)`."""

    def __init__(self, func, jit=False, has_aux=False):
        target = target_of(func)
        super().__init__(func, tuple(range(len(target.names))) or 0, "jvp", jit=jit, has_aux=has_aux)

    def __reduce__(self):
        return _JVP, (self.func, self.jit, self.has_aux)

    def _derived(self, kinds, wrt=None, again=False):
        from .compiler.pipeline import derive_forward

        func = _plain_function(self.target, kinds)
        jit = False if again else self.jit
        key = (_code_key(func), wrt, "jvp", kinds, jit, self.has_aux)
        derived = _cached(key, lambda: _compiled(derive_forward(func, wrt, kinds, self.has_aux), func, jit))
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
        with user_lines():
            return derived.function(*_for_code(values, wrt), *tangents)

    def source_for(self, *primals, **named):
        """The forward-mode source for these primals' kinds (tangents for the floating
        point ones given, as a call has them); forward code is not specialised on shapes."""
        values = self.target.values(primals, named)
        given = [self.target.index(k) for k in range(len(primals))] + [self.target.index(n) for n in named]
        wrt = tuple(sorted(i for i in given if _differentiable(values[i])))
        return self._derived(_kinds(values, wrt), wrt).source

    @property
    def source(self):
        if self._last is None:
            wrt = tuple(range(len(self.names)))
            self._derived(tuple("array" for _ in self.names), wrt)
        return self._last.source


def jvp(
    f: Callable,
    primals: Optional[Sequence] = None,
    tangents: Optional[Sequence] = None,
    jit: Union[bool, str] = False,
    has_aux: bool = False,
) -> Any:
    """Forward mode. `jvp(f, primals, tangents)` -> `(f(*primals), J @ tangents)`;
    `jvp(f)` gives the forward-mode function itself, with its generated `.source`.
    Arguments that are not floating point (ints, bools) get no tangent. With
    `has_aux=True`, `f` returns `(value, aux)` and the result is `(value, tangent, aux)`."""
    fn = _JVP(f, jit, has_aux)
    if primals is None:
        return fn
    return fn(primals, tangents)


jvp._s2sgrad_maker = True
