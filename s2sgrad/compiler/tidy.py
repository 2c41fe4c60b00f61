"""The clean-up of a generated function, pass by pass, in the order that lets each
use what the one before it left: copies merged and temporaries folded, dead code
dropped, broadcasts and seeds folded where shapes are known, exact algebra, values
reused, adjoints summed in place (a loop's weight products batched), arrays
released, loops iterating their sequence, orphan comments dropped. Each pass is its
own module's job; this one only orders them."""

import math

import numpy as np

from . import checkpointing, specialise
from .accumulate import accumulate_in_place
from .algebra import simplify_body
from .batch_products import batch_products
from .cleanup import (
    coalesce_copies,
    drop_dead_temporaries,
    drop_empty_range_loops,
    drop_orphan_comments,
    fold_temporaries,
    read_globals_in_place,
)
from .codegen import is_line_comment, stored_names
from .dead_sums import drop_dead_sums, effect_free
from .direct_iteration import iterate_directly
from .functional import drop_repeated_copies
from .item_updates import update_in_place
from .release import release_before, release_dead_arrays
from .renaming import drop_self_copies
from .reuse import merge_additions, reuse_computed


def module_sequence(func):
    """Is a name the function reads from its module a list, tuple, array or range (never
    a dict, whose iteration gives keys, not `d[0]`, `d[1]`, ...)?"""
    free = set(getattr(getattr(func, "__code__", None), "co_freevars", ()))
    module = func.__globals__
    return lambda n: n not in free and isinstance(module.get(n), (list, tuple, range, np.ndarray))


def tidy(body, temps, params=(), known=None, np_name=None, special=(None, None, (), ()), copier=None, sequence=None):
    """`known`: name -> shape in code specialised on shapes; `np_name`: NumPy's name;
    `special`: what specialised code knows of its dtypes (compiler/dtypes.py), what the
    code's names of helpers are bound to (`Spelling.bindings`), the adjoints' names, the
    names of float arrays where every float is a float64 (item_updates.py);
    `copier`: in the functional flavour (`InPlace.functional`), how `owned` is spelled;
    `sequence`: whether a module-level name holds a sequence."""
    precision, bindings, adjoints, floats = special
    coalesce_copies(body, set(params), temps)
    read_globals_in_place(body, set(params))
    fold_temporaries(body, temps)
    _, pure = effect_free(bindings or {})
    drop_dead_sums(body, stored_names(body) - set(params), {"math", np_name}, pure)  # (a loop's sum: the value)
    drop_dead_temporaries(body, stored_names(body) - set(params))  # (a user name nothing reads: x_1 = np.clip(x))
    if known and np_name and precision == "float64":
        specialise.fold_broadcasts(body, known, np_name)
    if known and precision == "float64" and specialise.fold_seed_products(body, bindings):
        drop_dead_temporaries(body, stored_names(body) - set(params))  # (x of the seed's unreduce(1.0, x, ...))
    simplify_body(body, np_name)
    reuse_computed(body)  # (`dd1 / sq` once, where both adjoints of `d1 = u / sq` read it)
    if known and precision and not copier:  # (the functional flavour adds out of place)
        chains = adjoints if precision == "float64" else ()
        accumulate_in_place(body, known, bindings, np_name, chains)
        if precision == "float64":
            batch_products(body, known, np_name, adjoints)  # (reads the `dW += term` made above)
    merge_additions(body)  # (`dd1 = a + dd2` for `dd1 = a; dd1 = dd1 + dd2`)
    release_before(body, temps, checkpointing.is_sweep)
    if known:
        release_dead_arrays(body, set(params), lambda n: _large(known(n)))
    drop_self_copies(body)  # (`du = du` carried through a loop that had nothing else to do)
    drop_empty_range_loops(body)  # (a forward loop whose only work was a sum nothing reads)
    if sequence is not None:  # (`for strike in STRIKES` again where the index is read nowhere else)
        iterate_directly(body, lambda n: n not in params and sequence(n))
    if copier:
        drop_repeated_copies(body, copier)
    if floats:
        update_in_place(body, floats)  # (u[1:-1] += r * ... for the user's u[1:-1] = u[1:-1] + r * ...)
    drop_orphan_comments(body, is_line_comment)


def _large(shape, elements=1 << 14):
    """An array shape of `elements` or more (128 KB of float64: what glibc maps afresh)."""
    return isinstance(shape, tuple) and all(type(d) is int for d in shape) and math.prod(shape) >= elements
