"""Call resolution for the SSA builder: which Python object a call names, and
what becomes of it. A user function (or a derivative made with `sg.grad`) is
inlined, its parameters bound to the caller's values; a function with a rule
stays one equation, looked up later by identity; module-level names become
`ir.Global` atoms."""

import inspect

import gast
import numpy as np

from . import ir, starred
from .callees import (
    held_callable,
    is_derivative,
    is_distribution,
    is_namedtuple,
    is_user_function,
    is_user_method,
    is_user_object,
)
from .argument_writes import ArgumentWrites
from .local_functions import LocalFunctions, local_function
from .building import Building
from ..errors import S2SGradError


def _passed_function(atom):
    """Is this a parameter bound to a function named at the call (`integrate(rhs, y0)`),
    or a name bound to a function defined inside the differentiated one?"""
    return isinstance(atom, ir.Global) and (callable(atom.value) or local_function(atom) is not None)


def _sublist(node):
    """An einsum sublist written as a literal list ([0, 1], [..., 0]): a constant, so the
    rule reads its labels."""
    labels = (
        [Ellipsis if isinstance(e, gast.Name) and e.id == "Ellipsis" else getattr(e, "value", None) for e in node.elts]
        if isinstance(node, gast.List)
        else None
    )
    if labels is not None and all(type(v) is int or v is Ellipsis for v in labels):
        return ir.Const(tuple(labels))  # (hashable; np.einsum reads tuples too)
    return None


# np.r_[a, b, ...] and np.c_[a, b, ...] (subscripts of objects): the calls they stand for
_INDEX_TRICKS = {id(np.r_): ("concatenate", "atleast_1d"), id(np.c_): ("column_stack", None)}


class Calls(LocalFunctions, Building):
    """The SSA builder's methods that resolve and inline calls (mixed into `ssa._Builder`)."""

    def global_atom(self, path, value, root_name, root):
        if root_name in self.parsed.made:  # a function the lowering made (a try statement's)
            return ir.Global(value.__name__, value, value, True)
        return ir.Global(path, value, root, self.is_foreign(root_name))

    def is_foreign(self, name):
        """Does `name` resolve differently in the generated function than here?"""
        if self.parsed is self.main or self.parsed.func is self.main.func:
            return False  # (a nested def of the function reads its closure as the function does)
        if name in self.parsed.closure:
            return True
        own = self.parsed.func.__globals__
        return name in own and (own is not self.main.func.__globals__)

    def calls_user_code(self, call, env):
        if not isinstance(call, gast.Call):
            return False
        self.refuse_out(call)
        func = call.func
        try:
            if isinstance(func, gast.Name) and not self.is_local(func.id, env):
                obj = self.parsed.resolve(func.id)
            elif isinstance(func, gast.Name) and _passed_function(self.local_atom(func.id, env)):
                obj = self.local_atom(func.id, env).value
                if local_function(self.local_atom(func.id, env)) is not None:
                    return True
            elif isinstance(func, gast.Attribute):
                path = self.static_path(func, env)
                obj = path[1] if path else None
            else:
                return False
        except S2SGradError:
            return False
        return is_user_function(obj) or is_derivative(obj)

    def _missing(self):
        from .frontend import _MISSING as missing

        return missing

    def static_path(self, node, env):
        """(dotted source, object, root name, root object) for `mod.attr.attr` chains
        rooted at a module-level name, or None."""
        parts = []
        while isinstance(node, gast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, gast.Name) or self.is_local(node.id, env):
            return None
        obj = self.parsed.resolve(node.id)
        if obj is self._missing():
            raise self.parsed.error(node, f"name '{node.id}' is not defined", "name")
        root = obj
        for attr in reversed(parts):
            try:
                obj = getattr(obj, attr)
            except AttributeError:
                raise self.parsed.error(node, f"'{node.id}' has no attribute '{attr}'", "attribute") from None
        return ".".join([node.id] + list(reversed(parts))), obj, node.id, root

    def call(self, node, env, hint):
        self.refuse_out(node)
        self.current_env = env  # what a nested def called from here reads
        func = node.func
        sublists = isinstance(func, gast.Attribute) and (self.static_path(func, env) or (None, None))[1] is np.einsum
        if starred.in_call(node):
            args, kwargs = starred.call_arguments(self, node, env)
        else:
            args = [_sublist(a) if sublists and _sublist(a) else self.expr(a, env) for a in node.args]
            kwargs = {k.arg: self.expr(k.value, env) for k in node.keywords}
        if isinstance(func, gast.Attribute):
            path = self.static_path(func, env)
            if path is None:
                receiver = self.expr(func.value, env)
                if receiver in self.frozen:
                    return self.frozen_method(node, receiver, func.attr, args, kwargs, hint)
                if func.attr == "_replace" and is_namedtuple(self.classes.get(receiver, (None, None))[1]):
                    return self.replaced(node, receiver, kwargs, hint)
                method = self.method_of(receiver, func.attr, node)
                if method is not None:
                    return self.inline(node, method[0], method[1] + args, kwargs, env)
                held = held_callable(receiver, func.attr)
                if held is None:
                    out = self.eqn(
                        node, ("method", func.attr), [receiver] + args, "method", kwargs, payload=func.attr, hint=hint
                    )
                    if not hasattr(np.ndarray, func.attr):
                        # (a method of an object made here, not inlined: what it returns may be a
                        # view of an array the object holds, `m.first()` giving `self.w[0]`)
                        self.view_made.add(out)
                    return out
                callee = held  # self.act(x) in a method of a module-level object: act's function
            else:
                callee = self.global_atom(*path)
        elif isinstance(func, gast.Name) and _passed_function(self.local_atom(func.id, env)):
            callee = self.local_atom(func.id, env)  # a parameter bound to a function: rk4_step(rhs, ...)
            self.current_env = env
        elif isinstance(func, gast.Name):
            held = self.local_atom(func.id, env) if self.is_local(func.id, env) else None
            method = self.method_of(held, "__call__", node) if held is not None else None
            if method is not None:  # model(x) on an object parameter: its __call__, inlined
                return self.inline(node, method[0], method[1] + args, kwargs, env)
            if self.is_local(func.id, env):
                made = any(held in e.outs and isinstance(e.prim, type) for e in self.block if isinstance(e, ir.Eqn))
                raise self.parsed.error(
                    node,
                    f"cannot call '{func.id}', a value computed inside the function",
                    "call",
                    "an object made here (model = Model(W)): pass it as an argument instead, and its "
                    "methods (__call__ too) are inlined"
                    if made
                    else "call module-level functions by their name",
                )
            obj = self.parsed.resolve(func.id)
            if obj is self._missing():
                raise self.parsed.error(node, f"name '{func.id}' is not defined", "name")
            callee = self.global_atom(func.id, obj, func.id, obj)
        elif isinstance(func, gast.Call) and self.derivative_of(func, env) is not None:
            made = self.derivative_of(func, env)  # sg.grad(g)(x): a derivative made on the spot
            callee = ir.Global("<derivative>", made)
            args = args + self.local_derivatives.get(id(func), (None, []))[1]  # what a local function read
        else:
            raise self.parsed.error(node, "only calls of named functions can be differentiated", "call")
        if local_function(callee) is not None:
            return self.inline_local(node, callee.value, args, kwargs, env)
        if is_derivative(callee.value):
            # a derivative inside the differentiated code: inline its generated function,
            # compiled for array arguments (valid for numbers too) or containers where known;
            # a bound method's self, a partial's arguments: values fixed when it was made
            made = callee.value
            bound = [ir.Global(f"bound{k}", v, v, True) for k, v in enumerate(made.target.bound)]
            fixed = {k: ir.Global(f"bound_{k}", v, v, True) for k, v in made.target.keywords.items()}
            try:  # (the generated function takes every parameter: the defaults are the function's)
                full = made.target.full.bind(*bound, *args, **{**fixed, **kwargs})
            except TypeError as exc:
                raise self.parsed.error(node, f"cannot call {made.target.qualname}: {exc}", "call") from None
            full.apply_defaults()
            every = [
                v if isinstance(v, (ir.Var, ir.Const, ir.Global)) else ir.Const(v) for v in full.arguments.values()
            ]
            kinds = made._inline_kinds()[: len(bound)] + self.argument_kinds(made, every, {})[len(bound) :]
            generated = made._derived(kinds, again=True).function
            if isinstance(generated, tuple):
                raise self.parsed.error(
                    node,
                    "a vjp inside differentiated code is not supported",
                    "call",
                    "use sg.grad or sg.value_and_grad there",
                )
            result = self.inline(node, generated, every, {}, env)
            return self.one_tuple(node, made, result)
        if is_user_function(callee.value):
            return self.inline(node, callee.value, args, kwargs, env)
        if is_user_method(callee.value):  # model.loss(x) on a module-level object: its function, self first
            owner = callee.value.__self__
            path, _, _ = callee.path.rpartition(".")
            receiver = (
                ir.Global(path, owner, callee.root, callee.foreign) if path else ir.Global("owner", owner, owner, True)
            )
            return self.inline(node, callee.value.__func__, [receiver] + args, kwargs, env)
        if is_namedtuple(callee.value):
            return self.namedtuple(node, callee, args, kwargs, hint)
        method = self.method_of(callee, "__call__", node) if is_user_object(callee.value) else None
        if method is not None:  # model(x) on a module-level object of the user's class
            return self.inline(node, method[0], method[1] + args, kwargs, env)
        args = [self.as_value(node, a) for a in args]
        kwargs = {k: self.as_value(node, v) for k, v in kwargs.items()}
        out = self.eqn(node, callee.value, args, "call", kwargs, payload=callee, hint=hint)
        if callee.value in (list, tuple, sorted):
            self.sequences.add(out)
        if is_distribution(callee.value):
            self.frozen[out] = (callee, args, kwargs)
        return out

    def frozen_method(self, node, receiver, method, args, kwargs, hint):
        """`norm(mu, s).logpdf(x)` (the frozen distribution made in this function) is
        `norm.logpdf(x, mu, s)`, the module-function form the rules know."""
        from ..rules import RULES, _key

        dist, frozen_args, frozen_kwargs = self.frozen[receiver]
        bound = getattr(dist.value, method, None)
        if bound is None or _key(bound) not in RULES:
            return self.eqn(node, ("method", method), [receiver] + args, "method", kwargs, payload=method, hint=hint)
        callee = ir.Global(f"{dist.path}.{method}", bound, dist.root, dist.foreign)
        merged = dict(frozen_kwargs, **kwargs)
        return self.eqn(node, bound, args + frozen_args, "call", merged, payload=callee, hint=hint)

    def index_trick(self, node, env, hint):
        """`np.r_[a, b]` as np.concatenate([np.atleast_1d(a), np.atleast_1d(b)]) and `np.c_[a, b]`
        as np.column_stack([a, b]): items only (no slices or string directives). None for any
        other subscript."""
        path = self.static_path(node.value, env) if isinstance(node.value, gast.Attribute) else None
        if isinstance(node.value, gast.Name) and not self.is_local(node.value.id, env):
            obj = self.parsed.resolve(node.value.id)
            path = (node.value.id, obj, node.value.id, obj)
        if path is None or id(path[1]) not in _INDEX_TRICKS:
            return None
        joined, each = _INDEX_TRICKS[id(path[1])]
        items = node.slice.elts if isinstance(node.slice, gast.Tuple) else [node.slice]
        plain = all(
            not isinstance(i, gast.Slice) and not (isinstance(i, gast.Constant) and isinstance(i.value, str))
            for i in items
        )
        if path[3] is not np or not plain:
            raise self.parsed.error(
                node,
                f"{path[0]}[...] with slices or string directives cannot be differentiated",
                "index trick",
                f"write np.{joined}([...]) with the pieces (np.arange for a range)",
            )

        def call(name, args):
            callee = self.global_atom(f"{path[2]}.{name}", getattr(np, name), path[2], np)
            return self.eqn(node, callee.value, args, "call", payload=callee, hint=hint)

        values = [self.expr(i, env) for i in items]
        if each is not None:
            values = [call(each, [v]) for v in values]
        return call(joined, [self.eqn(node, "list", values, "build", payload="list", hint=hint)])

    def argument_kinds(self, derivative, args, kwargs):
        """The kinds a derivative called here is compiled for: a container or dict where
        the argument certainly is one (the caller's parameter, a list built here)."""
        made = {o: e for e in self.block if isinstance(e, ir.Eqn) and e.kind == "build" for o in e.outs}

        def kind(atom):
            if atom in self.kinds:
                return self.kinds[atom] if self.kinds[atom] in ("container", "dict") else "array"
            if atom in made:
                return "dict" if made[atom].payload == "dict" else "container"
            return "array"

        by_name = dict(zip(derivative.names, args), **kwargs)
        return tuple(kind(by_name.get(n)) for n in derivative.names)

    def one_tuple(self, node, derivative, result):
        """Generated code returns one gradient bare; `wrt=(0,)` promises a 1-tuple."""
        if derivative.single or len(derivative.wrt) != 1:
            return result
        loc = self.parsed.loc(node)
        if derivative.variant == "value_and_grad":
            value, grads = ir.Var(".value"), ir.Var(".grads")
            self.emit(ir.Eqn([value, grads], "unpack", [result], {}, loc, "unpack"))
            one = self.eqn(node, "tuple", [grads], "build", payload="tuple")
            return self.eqn(node, "tuple", [value, one], "build", payload="tuple")
        return self.eqn(node, "tuple", [result], "build", payload="tuple")

    def method_of(self, receiver, attr, node):
        """(function, leading arguments) for `obj.attr(...)` on a parameter whose class is
        known (a bound method's self, a NamedTuple or dataclass): its methods are inlined
        like helpers. None for anything else (an array method, a data attribute)."""
        if isinstance(receiver, ir.Global) and is_user_object(receiver.value):
            cls = type(receiver.value)  # a module-level object (or one a bound method carries)
        elif receiver not in self.classes:
            return None
        else:
            cls = self.classes[receiver][1]
        try:
            found = inspect.getattr_static(cls, attr)
        except AttributeError:
            return None
        if isinstance(found, staticmethod):
            return found.__func__, []
        if isinstance(found, classmethod):
            return found.__func__, [ir.Global(cls.__name__, cls, cls, True)]
        if inspect.isfunction(found):
            return found, [receiver]
        return None

    def derivative_of(self, call, env):
        """`sg.grad(g, wrt=...)` with static arguments, evaluated now; None otherwise."""
        if not isinstance(call.func, (gast.Name, gast.Attribute)):
            return None
        path = self.static_path(call.func, env) if isinstance(call.func, gast.Attribute) else None
        maker = path[1] if path else (self.parsed.resolve(call.func.id) if isinstance(call.func, gast.Name) else None)
        if not getattr(maker, "_s2sgrad_maker", False):
            return None
        if id(call) in self.local_derivatives:
            return self.local_derivatives[id(call)][0]
        first = call.args[0] if call.args else None
        fn = local_function(self.local_atom(first.id, env)) if isinstance(first, gast.Name) else None
        try:
            if fn is not None:  # sg.grad(lambda v: loss(v, batch)): the lambda, batch passed after v
                func, extra = self.as_function(fn, call)
                args = [func] + [self.static_value(a, env) for a in call.args[1:]]
                kwargs = {k.arg: self.static_value(k.value, env) for k in call.keywords}
                self.local_derivatives[id(call)] = (maker(*args, **kwargs), extra)
                return self.local_derivatives[id(call)][0]
            args = [self.static_value(a, env) for a in call.args]
            kwargs = {k.arg: self.static_value(k.value, env) for k in call.keywords}
        except LookupError:
            raise self.parsed.error(
                call,
                "the function and wrt of a derivative made inside differentiated "
                "code must be fixed (module-level names, functions defined in the function and constants)",
                "derivative",
                "pass other values as arguments of the function whose derivative is taken",
            ) from None
        return maker(*args, **kwargs)

    def static_value(self, node, env):
        if isinstance(node, gast.Constant):
            return node.value
        if isinstance(node, gast.Tuple):
            return tuple(self.static_value(e, env) for e in node.elts)
        if isinstance(node, gast.Name) and not self.is_local(node.id, env):
            value = self.parsed.resolve(node.id)
            if value is not self._missing():
                return value
        if isinstance(node, gast.Attribute):
            path = self.static_path(node, env)
            if path is not None:
                return path[1]
        raise LookupError(node)

    def inline(self, node, func, args, kwargs, env_of_call):
        """Build a helper's body in place, its parameters bound to the arguments."""
        from .frontend import parse_function
        from .lower import lower

        if func in self.inlining or func is self.main.func:
            raise self.parsed.error(
                node,
                f"recursive call of {func.__qualname__} cannot be differentiated",
                "recursion",
                "rewrite the recursion as a loop",
            )
        try:
            parsed = lower(parse_function(func))
        except S2SGradError as exc:
            raise S2SGradError(
                f"{exc.reason} (in {func.__qualname__}, called at {self.parsed.loc(node)})",
                exc.loc,
                exc.construct,
                exc.hint,
            ) from None
        try:
            bound = inspect.signature(func).bind(*args, **kwargs)
        except TypeError as exc:
            raise self.parsed.error(node, f"cannot call {func.__qualname__}: {exc}", "call") from None
        return self.inline_body(node, parsed, bound, func, func.__qualname__, env_of_call)

    def inline_body(self, node, parsed, bound, key, label, env_of_call, enclosing=None):
        """Build a lowered function's body in place, its parameters bound (`bound`, a
        BoundArguments of atoms); `key` marks it as being inlined (recursion), `label`
        names it in errors, `enclosing` is the builder whose names a nested def reads."""
        bound.apply_defaults()
        env = {}
        params = bound.signature.parameters
        for name_, value in bound.arguments.items():
            env[name_] = self.passed_atom(node, params[name_], value)
        passed = dict(env)
        helper = type(self)(parsed, self.main, self.inlining + (key,))
        helper.block = self.block
        helper.passed = {n: v for n, v in passed.items() if isinstance(v, ir.Var)}
        helper.immutable = self.immutable
        helper.frozen = self.frozen
        helper.kinds = self.kinds
        helper.sequences = self.sequences
        helper.built = self.built
        helper.fields_read = self.fields_read
        helper.classes = self.classes
        helper.view_made = self.view_made  # (a helper may return a view of its argument: `p[-1, :]`)
        helper.enclosing = enclosing
        ret = parsed.node.body[-1]
        stem = "." + (key.__name__ if hasattr(key, "__name__") else key.name.lstrip("."))
        try:
            env = helper.statements(parsed.node.body[:-1], env)
            result = helper.expr(ret.value, env, stem)
        except S2SGradError as exc:
            if "called at" in exc.reason:
                raise
            raise S2SGradError(
                f"{exc.reason} (in {label}, called at {self.parsed.loc(node)})",
                exc.loc,
                exc.construct,
                exc.hint,
            ) from None
        ArgumentWrites(self, node, label).follow(passed, env, env_of_call)
        return result
