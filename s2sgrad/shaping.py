"""Values shaped like the arguments and outputs they belong to: a gradient gets its
argument's structure, shape and dtype kind (a Dask or CuPy argument's gradient stays
in its library); a cotangent or tangent is checked against its output or argument
(NumPy would broadcast a wrong shape into a wrong answer)."""

import numpy as np

from . import trees
from .errors import S2SGradError
from .runtime.shapes import is_array


def _shape_like(grad, arg):
    """Give a gradient the structure, shape and dtype kind of its argument."""
    if type(arg) is float and (type(grad) is float or type(grad) is np.float64):
        return float(grad)
    if type(grad) is np.ndarray and type(arg) is np.ndarray and grad.shape == arg.shape and grad.dtype == arg.dtype:
        return grad if arg.dtype.kind in "fc" else grad.astype(np.float64)
    if trees.is_record(arg):
        return trees.rebuild(arg, _shape_like(grad, trees.fields(arg)))
    if type(grad) is dict and type(arg) is dict:  # (generated code's dict of gradients: no lookups that may fail)
        return {k: _shape_like(grad.get(k, 0.0), v) for k, v in arg.items()}
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
