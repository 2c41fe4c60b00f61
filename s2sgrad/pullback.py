"""A pullback: the vector-Jacobian product of a `vjp` at one point, callable any
number of times and picklable (it pickles as its vjp, the argument kinds and the
forward sweep's saved values; the backward sweep is generated again where it is
unpickled)."""

from .compiler.compile import user_lines
from .shaping import _like


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
            kinds, arg_shapes, arg_dtypes = self.kinds
            self._backward = owner._derived(kinds, arg_shapes=arg_shapes, exact=True, arg_dtypes=arg_dtypes).function[1]
        cotangent = _like(cotangent, self.value, f"the pullback of {owner.target.qualname}", "cotangent", "output")
        with user_lines():
            grads = self._backward(self.saved, cotangent)
        return owner._shape(grads, self.values)
