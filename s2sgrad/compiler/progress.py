"""Where the compiler is in the user's code, so that a failure inside s2sgrad (a bug,
not a refusal) still tells the user which function and line were being
differentiated: the stages note each statement they start (`at`), and the entry
points run inside `differentiating`, which turns any other exception into an
S2SGradError with that location and the original as its `__cause__`."""

import threading
from contextlib import contextmanager

from ..errors import S2SGradError

_here = threading.local()

# Every internal failure turned into an S2SGradError, for the test suite to check that
# none happens over its corpora (tests/conftest.py).
FAILURES = []


def at(loc):
    """The compiler now works on the user's statement at `loc`."""
    if loc is not None:
        _here.loc = loc


def at_node(parsed, node):
    """`at` for a statement of `parsed` whose Loc is made only if it is needed."""
    _here.loc = (parsed, node)


def _where():
    loc = getattr(_here, "loc", None)
    if isinstance(loc, tuple):
        parsed, node = loc
        return parsed.loc(node)
    return loc


@contextmanager
def differentiating(func, what):
    """Run one derivative's generation; an internal failure names `func` and the line."""
    outer = getattr(_here, "loc", None)
    _here.loc = None
    try:
        yield
    except S2SGradError:
        raise
    except Exception as exc:
        loc = _where()
        name = getattr(func, "__qualname__", repr(func))
        FAILURES.append((name, loc, exc))
        raise S2SGradError(
            f"internal error in s2sgrad while making the {what} of {name}: {type(exc).__name__}: {exc}",
            loc,
            "internal",
            "this is a bug in s2sgrad, not in your code; please report it with this function "
            "(the original exception is chained below)",
        ) from exc
    finally:
        _here.loc = outer
