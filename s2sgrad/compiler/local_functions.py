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

import gast

from . import ir
from .nodes import compile_function


class LocalFunction:
    def __init__(self, node, defaults, builder, keyword_defaults=()):
        self.node = node  # gast FunctionDef as written: lowered afresh at each call
        self.defaults = defaults  # atoms of its default values
        self.keyword_defaults = list(keyword_defaults)  # of its keyword-only parameters (None: none)
        self.builder = builder  # the builder of the scope that defined it

    @property
    def label(self):
        return "the lambda" if self.node.name.startswith(".lambda") else f"'{self.node.name}'"

    def signature(self):
        args = self.node.args
        params = [a.id for a in args.args]
        defaults = [inspect.Parameter.empty] * (len(params) - len(self.defaults)) + list(self.defaults)
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        made = [inspect.Parameter(p, kind, default=d) for p, d in zip(params, defaults)]
        if args.vararg is not None:
            made.append(inspect.Parameter(args.vararg.id, inspect.Parameter.VAR_POSITIONAL))
        for a, d in zip(args.kwonlyargs, self.keyword_defaults):
            empty = inspect.Parameter.empty
            made.append(inspect.Parameter(a.id, inspect.Parameter.KEYWORD_ONLY, default=empty if d is None else d))
        if args.kwarg is not None:
            made.append(inspect.Parameter(args.kwarg.id, inspect.Parameter.VAR_KEYWORD))
        return inspect.Signature(made)


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
        keyword_defaults = [None if d is None else self.expr(d, env) for d in s.args.kw_defaults]
        env[s.name] = ir.Global(s.name, LocalFunction(s, defaults, self, keyword_defaults), None, False)
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

    def as_value(self, node, atom):
        """A local function passed to a library function (`sorted(xs, key=lambda p: p[1])`):
        the function itself, when it reads nothing of the enclosing function (its values
        are not there when the library calls it)."""
        fn = local_function(atom)
        if fn is None:
            return atom
        func, extra = self.as_function(fn, node)
        if extra:
            self.refuse_function_value(node, [atom], "passed to a library function, and reads values of the function")
        return ir.Global(func.__name__, func, func, True)

    def as_function(self, fn, node):
        """A real function for `sg.grad(fn)` inside differentiated code, fn a local
        function: its free names that are locals of an enclosing scope become parameters
        after its own (their values, read now, are passed at the call). Returns (function,
        atoms of those values). The frontend reads the function's tree from
        `_s2sgrad_parsed`, in the user's file and lines."""
        if fn.defaults or any(d is not None for d in fn.keyword_defaults):
            raise self.parsed.error(
                node, f"a derivative of {fn.label}, which has default values", "derivative", "define it at module level"
            )
        params = {a.id for a in fn.node.args.args}
        assigned = {n.id for n in gast.walk(fn.node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
        free = []
        for n in gast.walk(fn.node):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id not in params | assigned:
                if n.id not in free and fn.builder.knows(n.id):
                    free.append(n.id)
        atoms = [fn.builder.local_atom(n, fn.builder.current_env or {}) for n in free]
        self.refuse_function_value(node, atoms, "read by a function whose derivative is taken here")
        made = copy.deepcopy(fn.node)
        made.name = "lambda_" if made.name.startswith(".lambda") else made.name
        made.args.args += [gast.Name(n, gast.Param(), None, None) for n in free]
        made.args.vararg = made.args.kwarg = None
        where = fn.builder.parsed
        func = compile_function(made, where.filename, where.func.__globals__)
        func._s2sgrad_parsed = (made, where.filename, where.lines, where.closure)
        func._s2sgrad_made = f"{fn.label.strip(chr(39))} at line {fn.node.lineno}"
        return func, atoms
