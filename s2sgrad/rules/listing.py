"""The supported-function list, generated from the rule table (docs/supported.md):
the functions with rules grouped by family, each with its forward mode and second
order, the family's conventions next to it, then the non-differentiable ones.

A rule's family is, in this order: its label (`table.family(name, prim)`), its
library (`scipy.special.*` is "SciPy special", ...), "Element-wise" for
element-wise rules, the family of the rules module its VJPs are defined in
(`table.family(name, module=__name__)`), and for an array method the family of
the NumPy function of the same name."""

import importlib
import math
import operator
import re

import numpy as np

from . import closure
from .optional import load_optional
from .table import FAMILIES, FAMILY_NOTES, JVPS, LINEAR, MODULE_FAMILIES, NAMES, NONDIFF, RULES, _key

ELEMENTWISE = "Element-wise"
NONDIFFERENTIABLE = "Non-differentiable"
FAMILY_ORDER = [
    ELEMENTWISE,
    "Reductions and statistics",
    "Calculus, signals and polynomials",
    "Shape, joining and indexing",
    "Linear algebra",
    "SciPy special",
    "SciPy stats",
    "SciPy linalg",
]
_LIBRARY_FAMILIES = {"scipy.special.": "SciPy special", "scipy.stats.": "SciPy stats", "scipy.linalg.": "SciPy linalg"}
_ENGINE = {"getitem", "tuple", "list", "dict"}  # the engine differentiates these itself


def _modules():
    modules = [("np", np), ("np.linalg", np.linalg), ("math", math), ("operator", operator)]
    for name in ("scipy.special", "scipy.stats", "scipy.linalg"):  # optional: listed when installed
        try:
            modules.append((name, importlib.import_module(name)))
        except ImportError:
            pass
    return modules


_MODULES = _modules()


def _spell(prim):
    if _key(prim) in NAMES:
        return NAMES[_key(prim)]
    if isinstance(prim, tuple):
        return f"x.{prim[1]}" + ("()" if prim[0] == "method" else "")
    if isinstance(prim, str):
        return {"getitem": "x[index]", "tuple": "(a, b, ...)", "list": "[a, b, ...]", "dict": "{k: v, ...}"}.get(
            prim, prim
        )
    for label, module in _MODULES:
        for name in dir(module):
            if not name.startswith("_") and getattr(module, name, None) is prim:
                return f"{label}.{name}"
    return getattr(prim, "__name__", repr(prim))


def _runtime_helper(prim):
    """A helper that generated code calls (s2sgrad.runtime): it has rules, but users do not call it."""
    return (getattr(prim, "__module__", None) or "").startswith("s2sgrad.runtime")


def _user_facing():
    load_optional(everything=True)  # SciPy's rules, where it is installed
    return [
        (key, prim, rule)
        for key, (prim, rule) in RULES.items()
        if not _runtime_helper(prim) and not _users_namedtuple(prim)
    ]


def _users_namedtuple(prim):
    """A NamedTuple class built in differentiated code gets rules then (sequence_rules.defnamedtuple)."""
    return isinstance(prim, type) and issubclass(prim, tuple) and hasattr(prim, "_fields")


def differentiable():
    """The user-facing functions with derivative rules."""
    return sorted({_spell(prim) for _, prim, _ in _user_facing()})


def _vjp_module(rule):
    fns = [v for v in rule.vjps if v is not None and getattr(v, "__name__", "") != "nograd"]
    return getattr(fns[0], "__module__", None) if fns else None


def family(key, prim, rule):
    if key in FAMILIES:
        return FAMILIES[key]
    name = _spell(prim)
    for prefix, library in _LIBRARY_FAMILIES.items():
        if name.startswith(prefix):
            return library
    if rule.elementwise:
        return ELEMENTWISE
    if isinstance(key, tuple) and key[0] == "method" and _key(getattr(np, key[1], None)) in RULES:
        function = getattr(np, key[1])
        return family(_key(function), function, RULES[_key(function)][1])
    return MODULE_FAMILIES.get(_vjp_module(rule), "Other")


def forward_mode(key, rule):
    return key in _ENGINE or rule.elementwise or key in LINEAR or key in JVPS


def _has_rule(obj):
    return _key(obj) in RULES or _key(obj) in NONDIFF


def second_order(key, rule):
    """The rule's derivative code is itself differentiable: everything it calls has a rule."""
    return key in _ENGINE or closure.closes([v for v in rule.vjps if v is not None], _has_rule)


def families():
    """{family: [(spelling, forward mode, second order), ...]} in page order."""
    grouped = {}
    for key, prim, rule in _user_facing():
        row = (_spell(prim), forward_mode(key, rule), second_order(key, rule))
        grouped.setdefault(family(key, prim, rule), set()).add(row)
    order = FAMILY_ORDER + sorted(set(grouped) - set(FAMILY_ORDER))
    return {name: sorted(grouped[name]) for name in order if name in grouped}


def non_differentiable():
    found = set()
    for label, module in _MODULES + [
        ("builtins", __builtins__ if isinstance(__builtins__, dict) else vars(__builtins__))
    ]:
        names = module.items() if isinstance(module, dict) else ((n, getattr(module, n, None)) for n in dir(module))
        for name, obj in names:
            if not name.startswith("_") and _key(obj) in NONDIFF and not isinstance(obj, (int, float, str)):
                found.add(f"{label}.{name}" if label != "builtins" else name)
    found |= {_spell(k) for k in NONDIFF if isinstance(k, tuple) and k[0] != "bound"}  # (bound methods: above)
    found |= {name for key, name in NAMES.items() if key in NONDIFF}
    return sorted(f for f in found if not f.startswith("np.random."))


def _anchor(name):
    """The heading's id, as Python-Markdown's toc extension makes it."""
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", name).strip().lower())


def _family_section(name, rows):
    lines = [f"## {name}", ""]
    notes = FAMILY_NOTES.get(name, [])
    if notes:
        lines += ["Conventions:", ""] + [f"- {note}" for note in notes] + [""]
    lines += ["| function | forward mode | second order |", "| --- | --- | --- |"]
    lines += [
        f"| `{spelling}` | {'yes' if fwd else 'no'} | {'yes' if second else 'no'} |" for spelling, fwd, second in rows
    ]
    return lines + [""]


def markdown():
    grouped = families()
    lines = [
        "# Supported functions",
        "",
        "Generated from the rule table by `python -m s2sgrad.rules.listing`; a test keeps it in sync.",
        "",
        f"**{len(differentiable())} functions with derivative rules** (reverse mode for all of them). "
        "*Forward mode*: `jvp` and `hvp` work through it. *Second order*: the derivative code the rule "
        "emits is itself differentiable (everything it calls has a rule), so `hessian`, `hvp` and "
        "`grad(grad(f))` work through it.",
        "",
        "| family | functions |",
        "| --- | --- |",
    ]
    lines += [f"| [{name}](#{_anchor(name)}) | {len(rows)} |" for name, rows in grouped.items()]
    lines += [f"| [{NONDIFFERENTIABLE}](#{_anchor(NONDIFFERENTIABLE)}) | {len(non_differentiable())} |", ""]
    for name, rows in grouped.items():
        lines += _family_section(name, rows)
    lines += [f"## {NONDIFFERENTIABLE}", "", "Their results carry no derivative.", ""]
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
