"""How generated code names what it reads: the user's names that its own must keep
clear of, NumPy, math and runtime helpers bound to names (`Spelling`), and the
import lines that make the printed source runnable on its own (`with_imports`)."""

import math
import types

import gast
import numpy as np

from . import ir
from .. import runtime
from ..rules.sym import OBJECTS
from .codegen import walk


def user_names(graph):
    node = graph.parsed.node
    found = [n for n in walk(node) if isinstance(n, gast.Name)]
    # (only the body binds names: parameters are Param, defaults and annotations Load)
    locals_ = {n.id for n in found if isinstance(n.ctx, gast.Store)} | {a.id for a in node.args.args}
    every = {n.id for n in found} | globals_read(graph)
    return {n for n in locals_ if not n.startswith(".")}, {n for n in every - locals_ if not n.startswith(".")}


def globals_read(graph):
    """The module-level names the graph reads as spelled (an inlined helper's constants
    too), which no local of the generated code may take."""
    atoms = []
    for stmt in ir.walk(graph.body):
        atoms += ir.reads(stmt)
        for outs in ir.region_results(stmt):
            atoms += outs
    found = {a.path.split(".")[0] for a in atoms if isinstance(a, ir.Global) and not a.foreign}
    # (an opaque expression keeps the module names it reads in its template)
    for stmt in ir.walk(graph.body):
        if isinstance(stmt, ir.Eqn) and stmt.kind in ("opaque", "effect"):
            found.update(n.id for n in walk(stmt.payload) if isinstance(n, gast.Name) and not n.id.startswith("."))
    return found


class Spelling:
    """Chooses how generated code names NumPy, math and runtime helpers."""

    def __init__(self, names, user_globals):
        self.names = names
        self.user_globals = user_globals
        self.bindings = {}

    def __call__(self, placeholder):
        if placeholder == ".np":
            return self._bind("np", np)
        if placeholder == ".math":
            return self._bind("math", math)
        if placeholder.startswith(".rt."):
            helper = placeholder[4:]
            return self._bind(helper, getattr(runtime, helper))
        if placeholder.startswith(".obj:"):  # SciPy, or any callable a rule calls (rules/sym.py)
            return self._bind(*OBJECTS[int(placeholder[5:])])
        raise AssertionError(placeholder)

    def bind(self, stem, obj):
        """A name for `obj` in generated code (for what an inlined helper reads from its module)."""
        return self._bind(stem, obj)

    def _bind(self, stem, obj):
        for existing, value in self.bindings.items():
            if value is obj:
                return existing
        usable = stem not in self.names.taken or (
            self.user_globals.get(stem) is obj and stem not in self.names.vars.values()
        )
        spelled = stem if usable and stem not in self.bindings else self.names.fresh(stem)
        self.names.taken.add(spelled)
        self.bindings[spelled] = obj
        return spelled


def names_read(funcs):
    """The names the generated code reads or binds (not its parameters): what
    `ast.parse` of its text would show as `Name`s, without parsing the text again.
    (Comment markers are Names too; they match no global.)"""
    return {n.id for f in funcs for n in walk(f) if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Param)}


_FROM_THE_PACKAGE = {m.__name__ for m in runtime.REEXPORTED} | {
    "s2sgrad.runtime.numpy_adjoints",
    "s2sgrad.runtime.scipy_adjoints",
    "s2sgrad.runtime.sequences",
}


def _home(module):
    """Where generated code imports a helper from: the runtime package re-exports
    its engine's and NumPy-adjoint modules; the schedule is imported from its own."""
    return "s2sgrad.runtime" if module in _FROM_THE_PACKAGE else module


def with_imports(source, used, bindings, user_globals=None, closure=None):
    """The import lines that make `source` runnable on its own: NumPy, math, the
    runtime helpers, and the modules the user's code reads (numpy as np, ...);
    `used` holds the names the source mentions."""
    modules = dict((n, v) for n, v in bindings.items() if isinstance(v, types.ModuleType))
    helpers = {}
    made = [  # functions made of the user's code (a try statement, a lambda): not importable
        f"# {n}: {v._s2sgrad_made}" for n, v in bindings.items() if hasattr(v, "_s2sgrad_made")
    ]
    for n, v in bindings.items():
        if hasattr(v, "_s2sgrad_made") or n not in used:  # (bound for code a clean-up dropped)
            continue
        if not isinstance(v, types.ModuleType):
            helpers.setdefault(_home(getattr(v, "__module__", "s2sgrad.runtime")), []).append(n)
    for n in used:
        value = (user_globals or {}).get(n)
        if isinstance(value, types.ModuleType) and n not in modules:
            modules[n] = value
        elif n in (closure or {}) and n not in bindings:
            # generated code differentiated again reads its helpers from its closure
            try:
                held = closure[n].cell_contents
            except ValueError:
                continue
            if isinstance(held, types.ModuleType):
                modules[n] = held
            elif getattr(held, "__module__", "").startswith("s2sgrad"):
                bindings = dict(bindings, **{n: held})
                helpers.setdefault(_home(held.__module__), []).append(n)
    lines = []
    for n, module in sorted(modules.items()):
        full = module.__name__
        lines.append(f"import {full}" if full == n else f"import {full} as {n}")
    for home, spelled in sorted(helpers.items()):
        items = [
            n if getattr(bindings[n], "__name__", n) == n else f"{bindings[n].__name__} as {n}" for n in sorted(spelled)
        ]
        lines.append(f"from {home} import {', '.join(items)}")
    lines += made
    return ("\n".join(lines) + "\n\n" if lines else "") + source
