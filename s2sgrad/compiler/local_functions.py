"""Functions defined inside differentiated code -- a nested `def`, or a lambda (the
lowering makes it a def in front of its statement) -- for the SSA builder (a mixin).

The def statement binds its name to a `LocalFunction`: its node as written, its
default values (evaluated where the def stands, as Python does) and the builder
of the scope that defined it. A call inlines it like a module-level helper; its
free names are read in the defining scope's environment as it is at the time of
the call, which is Python's late binding (a closure defined in a loop sees the
loop variable's current value). It can be called, or passed to a helper that is
inlined; anything else (storing it, passing it to a library function) is refused.
"""

import copy
import inspect

from . import ir


class LocalFunction:
    def __init__(self, node, defaults, builder):
        self.node = node  # gast FunctionDef as written: lowered afresh at each call
        self.defaults = defaults  # atoms of its default values
        self.builder = builder  # the builder of the scope that defined it

    @property
    def label(self):
        return "the lambda" if self.node.name.startswith(".lambda") else f"'{self.node.name}'"

    def signature(self):
        params = [a.id for a in self.node.args.args]
        defaults = [inspect.Parameter.empty] * (len(params) - len(self.defaults)) + list(self.defaults)
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        return inspect.Signature([inspect.Parameter(p, kind, default=d) for p, d in zip(params, defaults)])


def local_function(atom):
    """The LocalFunction an atom holds, or None."""
    if isinstance(atom, ir.Global) and isinstance(atom.value, LocalFunction):
        return atom.value
    return None


class LocalFunctions:
    """The SSA builder's methods for functions defined inside the differentiated one."""

    enclosing = None  # for a nested def being inlined: the builder of the scope that defined it
    current_env = None  # the environment at the call being built (what a nested def reads)

    def define(self, s, env):
        defaults = [self.expr(d, env) for d in s.args.defaults]
        env[s.name] = ir.Global(s.name, LocalFunction(s, defaults, self), None, False)
        return env

    def knows(self, name):
        """Is `name` a local of this scope or of a scope enclosing it?"""
        env = self.current_env or {}
        return name in env or name in self.locals or (self.enclosing is not None and self.enclosing.knows(name))

    def is_local(self, name, env):
        return name in env or name in self.locals or (self.enclosing is not None and self.enclosing.knows(name))

    def local_atom(self, name, env):
        """What a local name (or an enclosing scope's) holds now, or None."""
        if name in env:
            return env[name]
        if self.enclosing is not None and self.enclosing.knows(name):
            return self.enclosing.local_atom(name, self.enclosing.current_env or {})
        return None

    def inline_local(self, node, fn, args, kwargs, env):
        from .frontend import Parsed
        from .lower import lower

        if fn.node in self.inlining:
            raise self.parsed.error(
                node,
                f"recursive call of {fn.label} cannot be differentiated",
                "recursion",
                "rewrite the recursion as a loop",
            )
        where = fn.builder.parsed
        parsed = lower(Parsed(where.func, copy.deepcopy(fn.node), where.filename, where.lines, where.closure))
        try:
            bound = fn.signature().bind(*args, **kwargs)
        except TypeError as exc:
            raise self.parsed.error(node, f"cannot call {fn.label}: {exc}", "call") from None
        return self.inline_body(node, parsed, bound, fn.node, fn.label, env, enclosing=fn.builder)

    def refuse_function_value(self, node, atoms, what):
        """A local function used as a value (not called, not passed to an inlined helper)."""
        for atom in atoms:
            fn = local_function(atom)
            if fn is not None:
                raise self.parsed.error(
                    node,
                    f"{fn.label} defined inside the differentiated function is {what}; it can only be "
                    "called, or passed to a Python helper that is inlined",
                    "local function",
                    "define it at module level to pass it to a library function",
                )
