"""What specialised code may assume of its values' floating dtypes.

Code specialised on a call's argument shapes is also keyed on their dtypes
(`arguments._arg_dtypes`: an array's dtype, a container's leaves', Python
numbers as their own kind). Three clean-ups are exact only under an assumption
about the dtypes every value of the program has:

- an adjoint accumulated in place (`dW += g`) casts `g` into the buffer's dtype,
  which `dW = dW + g` would have promoted: exact when no value is complex (the
  buffers of a real program are float64, `runtime.zeros_like`);
- `np.zeros(S)` for `zeros_like(t)`: the same (float64 unless t is complex);
- a seed `np.broadcast_to(1.0, S) * x` read as `1.0 * x`: a Python float is a weak
  scalar in NumPy 2, so `1.0 * x` keeps a float32 x in float32 where the broadcast
  float64 array made float64: exact when every float is a float64.

`precision(graph, arg_dtypes)` answers "float64" (every floating value is a
float64), "real" (no complex value, some floats may be narrower) or None (unknown:
an argument or a constant is complex, or a call may make complex values). It
judges the arguments' dtypes and every constant, global and callee the graph reads;
a callee outside NumPy, math, SciPy's special functions and Python's operators
makes it None. A module-level object read only for numbers or arrays in its
attributes (`CELL.leak`, `MODEL.W`, which specialised code assumes by type, an
array by shape and dtype: shape_items.attribute) brings those values.
"""

import warnings

import numpy as np

from . import ir


def precision(graph, arg_dtypes):
    """ "float64", "real" or None (see the module's docstring)."""
    found = set()
    if arg_dtypes is None:
        return None
    read = set()
    for stmt in ir.walk(graph.body):
        read.update(id(a) for a in ir.reads(stmt) + [o for outs in ir.region_results(stmt) for o in outs])
    read.update(id(v) for v in (graph.result, graph.aux))
    # (an argument nothing reads brings no value: a method's `self` whose attributes it does not use)
    unread = [id(p) not in read for p in graph.params] if len(graph.params) == len(arg_dtypes) else []
    if not all(_collect(key, found) or k < len(unread) and unread[k] for k, key in enumerate(arg_dtypes)):
        return None
    for stmt in ir.walk(graph.body):
        atoms = ir.reads(stmt) + [o for outs in ir.region_results(stmt) for o in outs]
        held = _assumed_attribute(stmt)
        if held is not None:  # (`CELL.leak`, `MODEL.W`: the object brings that value, its type assumed)
            if not _floats_of(held, found):
                return None
            continue
        if isinstance(stmt, ir.Eqn) and stmt.kind == "call":
            if not _real_callee(stmt.prim):
                return None
            atoms.append(ir.Const(stmt.prim))  # (np.float32(x): the callee is a dtype)
        for atom in atoms:
            if isinstance(atom, (ir.Const, ir.Global)) and not _floats_of(atom.value, found):
                return None
    if found - {"f8", "f4", "f2"}:
        return None
    return "float64" if found <= {"f8"} else "real"


def _collect(key, found):
    """Add the floating kinds of an argument's dtype key to `found`; False if unknown."""
    if isinstance(key, tuple):
        return all(_collect(k, found) for k in key)
    if key == "float":
        found.add("f8")
    if key in ("float", "int", "bool", "none"):
        return True
    return key != "?" and _dtype_floats(np.dtype(key), found)


def _dtype_floats(dtype, found):
    if dtype.kind == "c":
        found.add("c")
    elif dtype.kind == "f":
        found.add(f"f{dtype.itemsize}")
    elif dtype.kind not in "biu":
        return False
    return True


def _floats_of(value, found):
    """Add the floating kinds a constant or global brings; False if it may bring others."""
    if value is None or value is Ellipsis or isinstance(value, (bool, int, float, str, slice, range)):
        if isinstance(value, str):
            return _dtype_name_floats(value, found)
        return True
    if isinstance(value, complex):
        return False
    if isinstance(value, (np.ndarray, np.generic)):
        return _dtype_floats(value.dtype, found)
    if isinstance(value, np.dtype):
        return _dtype_floats(value, found)
    if isinstance(value, type):
        if issubclass(value, (np.generic, complex, float, int)):
            return _dtype_floats(np.dtype(value), found)
        return True
    if isinstance(value, (tuple, list)):
        return all(_floats_of(v, found) for v in value)
    if isinstance(value, dict):
        return all(_floats_of(v, found) for v in value.values())
    return callable(value) or isinstance(value, type(np))  # (a function, a module: judged as a callee)


def _assumed_attribute(stmt):
    """The value of `CELL.leak` or `MODEL.W` where a module-level object's attribute
    holds a number or an array (specialised code assumes its type, an array's shape
    and dtype: shape_items.attribute); else None."""
    if not (isinstance(stmt, ir.Eqn) and stmt.kind == "attr" and stmt.args and isinstance(stmt.args[0], ir.Global)):
        return None
    home = getattr(stmt.args[0].value, "__dict__", None)
    value = home.get(stmt.prim[1]) if isinstance(home, dict) else None
    return value if type(value) in (float, int, np.ndarray) else None


def _dtype_name_floats(text, found):
    """A string that names a dtype ('float32', 'f4', 'complex') brings its kind."""
    try:
        with warnings.catch_warnings():  # (a dict key 'a' is NumPy's deprecated alias of 'S')
            warnings.simplefilter("ignore")
            dtype = np.dtype(text)
    except (TypeError, ValueError):
        return True  # not a dtype name ('ij,jk', 'ortho')
    return _dtype_floats(dtype, found)


# callees whose real arguments give real results: NumPy (but for the functions and
# modules below), math, Python's operators and builtins, SciPy's special functions, the
# runtime's helpers (compiler/log_softmax.py puts one in the user's code)
_REAL_MODULES = ("numpy", "math", "_operator", "operator", "builtins", "scipy.special", "s2sgrad.runtime")
_COMPLEX_MODULES = ("numpy.fft", "numpy.lib.scimath", "numpy.emath")
_COMPLEX_MAKERS = {
    id(f) for f in (np.roots, np.linalg.eig, np.linalg.eigvals, np.sort_complex, complex, np.vectorize, np.frompyfunc)
}


def _real_callee(prim):
    if isinstance(prim, tuple) or isinstance(prim, np.ufunc):
        return True  # methods and attributes of real values, ufuncs: real
    if id(prim) in _COMPLEX_MAKERS:
        return False
    module = getattr(prim, "__module__", None) or ""
    return not module.startswith(_COMPLEX_MODULES) and (module == "math" or module.startswith(_REAL_MODULES))
