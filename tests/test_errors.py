"""Constructs the compiler refuses, each a clear ``S2SGradError``.

One program per refused construct: ``try``, ``yield``, ``with``, ``global``
writes, ``nonlocal``, ``lambda``, a nested ``class``, a nested ``def``,
``del``, ``async def``, ``import`` inside the function, starred assignment,
and calls to C functions that have no derivative rule. Each test asserts that
``sg.grad(f)(*args)`` raises ``sg.S2SGradError`` (at decoration or at the first
call) whose message names this file, the line of the offending construct (the
line marked ``# <-- here``; where two lines may fairly be blamed, both are
marked), the offending source line, and a word for the construct.
"""

import contextlib
import functools
import inspect
import operator
import re

import numpy as np
import pytest

import s2sgrad as sg

MARKER = "# <-- here"

_STATE = 0.0
_summer = operator.methodcaller("sum")


def uses_try(x):
    try:  # <-- here
        y = x * 2.0
    except ValueError:
        y = x
    return y * x


def uses_yield(x):
    y = x * x
    yield y  # <-- here


def uses_with(x):
    with contextlib.nullcontext():  # <-- here
        y = x * 2.0
    return y * x


def uses_global_write(x):
    global _STATE  # <-- here
    _STATE = x * 2.0  # <-- here
    return _STATE * x


def _make_nonlocal():
    total = 1.0

    def uses_nonlocal(x):
        nonlocal total  # <-- here
        total = total * x  # <-- here
        return total * x

    return uses_nonlocal


uses_nonlocal = _make_nonlocal()


def uses_nested_class(x):
    class Box:  # <-- here
        scale = 2.0

    return x * Box.scale


def uses_del(x):
    ys = [x * x, x]
    del ys[0]  # <-- here
    return ys[0]


async def uses_async(x):  # <-- here
    return x * x


def uses_import(x):
    import math as m  # <-- here

    return m.sin(x) * x


def _total(*parts):
    return sum(parts)


def uses_starred_assignment(x, parts):
    return _total(*parts)  # <-- here: a tuple argument's length is not known where the code is made


def uses_methodcaller(x):
    y = x * x
    return _summer(y)  # <-- here


def uses_reduce(x):
    y = np.sin(x)
    return functools.reduce(operator.mul, y)  # <-- here


def uses_comprehension_in_conditional(x, c):
    y = [v * v for v in x] if c > 0 else [x]  # <-- here
    return np.sum(y[0])


def uses_generator_elsewhere(x):
    return next(v * v for v in x if v > 0) * np.sum(x)  # <-- here


def iterates_nested_dict(p, x):
    total = 0.0
    for k in p["enc"]:  # <-- here
        total = total + np.sum(p["enc"][k] * x)
    return total


V3 = np.array([0.7, -0.4, 1.1])
NESTED = {"enc": {"w": np.array([0.5, 1.5, -1.0])}}

# (function, arguments, pattern naming the construct in the message)
REFUSED = [
    (uses_try, (1.5,), r"\btry\b"),
    (uses_yield, (1.5,), r"\byield\b|generator"),
    (uses_with, (1.5,), r"\bwith\b"),
    (uses_global_write, (1.5,), r"\bglobal\b"),
    (uses_nonlocal, (1.5,), r"\bnonlocal\b"),
    (uses_nested_class, (1.5,), r"\bclass\b"),
    (uses_del, (1.5,), r"\bdel\b"),
    (uses_async, (1.5,), r"\basync\b|coroutine"),
    (uses_import, (1.5,), r"\bimport\b"),
    (uses_starred_assignment, (V3, (V3, V3)), r"starred|\bstar\b"),
    (uses_methodcaller, (V3,), r"methodcaller"),
    (uses_reduce, (V3,), r"\breduce\b"),
    (uses_comprehension_in_conditional, (V3, 1.0), r"conditional expression"),
    (uses_generator_elsewhere, (V3,), r"generator expression"),
    (iterates_nested_dict, (NESTED, V3), r"loops over a dict"),
]


def _marked_lines(fn):
    """Line numbers in this file, and the code text, of the lines marked as offending."""
    lines, start = inspect.getsourcelines(fn)
    return {start + i: line.split("#")[0].strip() for i, line in enumerate(lines) if MARKER in line}


@pytest.mark.parametrize("fn, args, construct", [pytest.param(*row, id=row[0].__name__) for row in REFUSED])
def test_refused_construct(fn, args, construct):
    with pytest.raises(sg.S2SGradError) as info:
        sg.grad(fn)(*args)
    message = str(info.value)
    marked = _marked_lines(fn)
    assert marked, "test bug: no marked line"
    assert "test_errors.py" in message, message
    blamed = [lineno for lineno in marked if re.search(rf"\b{lineno}\b", message)]
    assert blamed, f"message names none of lines {sorted(marked)}:\n{message}"
    assert any(marked[lineno] in message for lineno in blamed), (
        f"message does not show the offending source line:\n{message}"
    )
    assert re.search(construct, message, re.IGNORECASE), (
        f"message does not name the construct ({construct}):\n{message}"
    )


def test_line_tables_live_as_long_as_the_generated_code():
    """A long session (a fuzz campaign, a notebook) compiles thousands of derivatives: the
    source and line tables of one go when its code does (they held its syntax trees: a
    campaign's heap grew until one garbage collection took longer than a program)."""
    import gc
    import linecache

    from s2sgrad import api
    from s2sgrad.compiler import compile as generated

    def scratch(x):
        return np.sum(np.sin(x) * x)

    df = sg.grad(scratch)
    x = np.array([0.3, -0.2])
    assert np.allclose(df(x), np.sin(x) + x * np.cos(x))
    mine = [name for name in generated._sources if ".scratch." in name]
    assert mine and all(name in linecache.cache for name in mine)
    assert generated.origin_loc(mine[0], 3) is not None  # (while it lives: its lines name the user's)
    del df
    api._cache.clear()
    gc.collect()
    assert not [name for name in list(generated._sources) + list(linecache.cache) if ".scratch." in str(name)]
