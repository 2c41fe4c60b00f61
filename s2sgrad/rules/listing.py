"""The supported-function list, generated from the rule table (docs/supported.md)."""

import math
import operator

import numpy as np

from .table import NONDIFF, RULES, _key

_MODULES = [("np", np), ("np.linalg", np.linalg), ("math", math), ("operator", operator)]


def _spell(prim):
    if isinstance(prim, tuple):
        return f"x.{prim[1]}" + ("()" if prim[0] == "method" else "")
    if isinstance(prim, str):
        return {"getitem": "x[index]", "tuple": "(a, b, ...)", "list": "[a, b, ...]", "dict": "{k: v, ...}"}.get(
            prim, prim
        )
    for label, module in _MODULES:
        for name in dir(module):
            if not name.startswith("_") and getattr(module, name) is prim:
                return f"{label}.{name}"
    return getattr(prim, "__name__", repr(prim))


def _runtime_helper(prim):
    """A helper that generated code calls (s2sgrad.runtime): it has rules, but users do not call it."""
    return (getattr(prim, "__module__", None) or "").startswith("s2sgrad.runtime")


def differentiable():
    """The user-facing functions with derivative rules."""
    return sorted({_spell(prim) for prim, _ in RULES.values() if not _runtime_helper(prim)})


def non_differentiable():
    found = set()
    for label, module in _MODULES + [
        ("builtins", __builtins__ if isinstance(__builtins__, dict) else vars(__builtins__))
    ]:
        names = module.items() if isinstance(module, dict) else ((n, getattr(module, n)) for n in dir(module))
        for name, obj in names:
            if not name.startswith("_") and _key(obj) in NONDIFF and not isinstance(obj, (int, float, str)):
                found.add(f"{label}.{name}" if label != "builtins" else name)
    found |= {_spell(k) for k in NONDIFF if isinstance(k, tuple)}
    return sorted(f for f in found if not f.startswith("np.random."))


def markdown():
    lines = [
        "# Supported functions",
        "",
        "Generated from the rule table by `python -m s2sgrad.rules.listing`; a test keeps it in sync.",
        "",
        f"## With derivative rules ({len(differentiable())})",
        "",
    ]
    lines += [f"- `{name}`" for name in differentiable()]
    lines += ["", "## Non-differentiable (their results carry no derivative)", ""]
    lines += [f"- `{name}`" for name in non_differentiable()]
    lines += [
        "- the `np.random` functions whose arguments are shapes and integers (`seed`, `rand`, `randn`, "
        "`randint`, `random`, `standard_normal`, `default_rng`, ...): their draws are constants. "
        "A differentiated distribution parameter (`np.random.normal(mu, sigma)`) is an error: "
        "write `mu + sigma * np.random.standard_normal(...)`",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(), end="")
