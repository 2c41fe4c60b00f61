"""SSA construction of control flow (mixed into `ssa._Builder`): a branch joins its
two environments with phis (`If.outs`); a loop carries every name that its body
assigns (or writes into) and that is defined before it, and ends early on the
`if <flag>: break` the lowering left at the end of its body."""

import gast

from . import ir
from .codegen import appended_to, walk


def assigned_names(stmts):
    """Names that statements bind, or write into (`u[i] = v` makes a new version of u)."""
    names = set()
    for stmt in stmts:
        for sub in walk(stmt):
            if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Store):
                names.add(sub.id)
            elif appended_to(sub):
                names.add(appended_to(sub))  # lst.append(v): a new version of lst
            elif isinstance(sub, gast.Expr) and isinstance(sub.value, gast.Call) and not _check(sub.value):
                # a call for its effect may write into its array arguments (add_at, a helper)
                names.update(a.id for a in sub.value.args if isinstance(a, gast.Name))
            elif isinstance(sub, gast.Assign):
                for target in sub.targets:
                    while isinstance(target, gast.Subscript):
                        target = target.value
                    if isinstance(target, gast.Name):
                        names.add(target.id)
    return names


def _check(call):
    """A run-time check the lowering inserted (`.rt.not_a_dict(xs, where)`): it writes nothing."""
    return isinstance(call.func, gast.Name) and call.func.id.startswith(".rt.")


class ControlFlowBuilding:
    """Branches and loops of the SSA builder (`statement`, `expr` and `sub_block` are its)."""

    def branch(self, node, cond, then_stmts, else_stmts, env):
        then, env1 = self.sub_block(then_stmts, env)
        orelse, env2 = self.sub_block(else_stmts, env)
        # A name set on one path only is undefined on the other (Python raises
        # there only if it is read, so it can only flow into this phi).
        both = list(env1) + [n for n in env2 if n not in env1]
        names = [n for n in both if env1.get(n, ir.UNDEFINED) is not env2.get(n, ir.UNDEFINED)]
        # (a function defined in a branch is known only in it: functions are not values here)
        names = [n for n in names if not (_defines_function(env1, n) or _defines_function(env2, n))]
        # Names that hold one value on each path hold one object after the branch: they
        # share a phi, so a later write through one of them moves them all on.
        phis = {}  # (id, id) -> (then value, else value, names): values by identity
        for n in names:
            pair = (env1.get(n, ir.UNDEFINED), env2.get(n, ir.UNDEFINED))
            phis.setdefault((id(pair[0]), id(pair[1])), pair + ([],))[2].append(n)
        phis = list(phis.values())
        outs = [ir.Var(ir.hint_name(group[0])) for _, _, group in phis]
        for out, (a, b, _) in zip(outs, phis):
            if a in self.classes and self.classes.get(b) == self.classes[a]:
                self.classes[out] = self.classes[a]  # (a NamedTuple on both arms)
            if a in self.view_made or b in self.view_made:
                self.view_made.add(out)  # (a view on one path: `v op= y` is checked, F65)
        self.emit(
            ir.If(
                cond,
                then,
                orelse,
                outs,
                [a for a, _, _ in phis],
                [b for _, b, _ in phis],
                self.parsed.loc(node),
            )
        )
        merged = {n: v for n, v in env1.items() if n in env2 and env2[n] is v}
        for out, (_, _, group) in zip(outs, phis):
            merged.update(dict.fromkeys(group, out))
        return merged

    def carried_names(self, body, env):
        """Names the body assigns; those not defined before the loop start undefined."""
        names = sorted(n for n in assigned_names(body) if n in env or n in self.locals)
        for n in names:
            env.setdefault(n, ir.UNDEFINED)
        return names

    def loop_exit(self, body):
        """Split `if <flag>: break` off the end of a lowered loop body."""
        if body and isinstance(body[-1], gast.If) and isinstance(body[-1].body[0], gast.Break):
            return body[:-1], body[-1].test
        return body, None

    def for_loop(self, s, env):
        call = s.iter
        if call.keywords or not 1 <= len(call.args) <= 3:
            raise self.parsed.error(s, "range() takes 1 to 3 positional arguments here", "for")
        bounds = [self.expr(a, env, ".n") for a in call.args]
        body, exit_test = self.loop_exit(s.body)
        names = self.carried_names(body + [s.target], env)
        # an index bound before the loop is carried: with no trips Python keeps its value
        keeps = env.get(s.target.id, ir.UNDEFINED) is not ir.UNDEFINED and not s.target.id.startswith(".")
        names = [n for n in names if n != s.target.id or keeps]
        made = []  # the index Var, made once after the first carried ones (stable numbering)

        def build(names):
            carried = self.carried_vars(names, env)
            self.carry_classes(s, [env[n] for n in names], carried)
            made[:] = made or [ir.Var(ir.hint_name(s.target.id))]
            inner = dict(env, **dict(zip(names, carried)))
            inner[s.target.id] = made[0]
            return (carried,) + self.sub_block(body, inner)

        names, (carried, block, inner) = self.loop_body(names, env, build, exclude=s.target.id)
        index = made[0]
        loop = ir.For(index=index, bounds=bounds, **self.loop_parts(s, names, carried, block, inner, exit_test, env))
        env = self.after_loop(loop, names, env)
        if not s.target.id.startswith(".") and not keeps:
            env[s.target.id] = index  # Python keeps the last index after the loop
        return env

    def while_loop(self, s, env):
        body, exit_test = self.loop_exit(s.body)
        names = self.carried_names(body, env)

        def build(names):
            carried = self.carried_vars(names, env)
            inner = dict(env, **dict(zip(names, carried)))
            cond_block = []
            self.carry_classes(s, [env[n] for n in names], carried)
            cond = self.in_block(cond_block, lambda: self.expr(s.test, inner, ".cond", test=True))
            return (carried, cond_block, cond) + self.sub_block(body, inner)

        names, (carried, cond_block, cond, block, inner) = self.loop_body(names, env, build)
        if any(isinstance(e, ir.Eqn) and e.kind in ("setitem", "append", "add_at") for e in ir.walk(cond_block)):
            raise self.parsed.error(
                s.test,
                "this while condition changes an array in place (a call that writes into its argument); "
                "the derivative cannot follow a write in a loop's condition",
                "aliasing",
                "call it at the end of the loop body (and once before the loop) and test its result",
            )
        parts = self.loop_parts(s, names, carried, block, inner, exit_test, env)
        return self.after_loop(ir.While(cond_block=cond_block, cond=cond, **parts), names, env)

    def loop_body(self, names, env, build, exclude=None):
        """(names, build(names)) for a loop carrying `names`, and also the names the body
        moved on without assigning them: a helper that writes into an argument in place
        (`o = step(p=u)` changes u), found by building the body once more."""
        built = build(names)
        inner = built[-1]
        missed = [n for n, v in env.items() if n not in names and n != exclude and inner.get(n) is not v]
        # (a name a pass leaves holding a view holds one on the next pass: `v op= y` is checked)
        views = {n for n in names if inner.get(n) in self.view_made} - self.loop_views
        if missed or views:
            names = sorted(set(names) | set(missed))
            saved, self.loop_views = self.loop_views, self.loop_views | views
            try:
                built = build(names)
            finally:
                self.loop_views = saved
        for n in names:  # (a function bound on one path only is no value after the join)
            built[-1].setdefault(n, ir.UNDEFINED)
        return names, built

    def carried_vars(self, names, env):
        """A loop's values of `names`; one that starts as a view may be one (`v op= y` is checked)."""
        carried = [ir.Var(ir.hint_name(n)) for n in names]
        self.view_made.update(c for c, n in zip(carried, names) if env.get(n) in self.view_made or n in self.loop_views)
        return carried

    def loop_parts(self, s, names, carried, block, inner, exit_test, env):
        """The fields a For and a While share: the body's block (built, ending in its exit
        test), the values carried in and out (checked for aliasing), the snapshots."""
        exit_atom = (
            self.in_block(block, lambda: self.expr(exit_test, inner, ".exit", test=True))
            if exit_test is not None
            else None
        )
        outs = [ir.Var(ir.hint_name(n)) for n in names]
        self.carry_classes(s, carried, outs)
        inits, body_outs = [env[n] for n in names], [inner[n] for n in names]
        self.check_loop_aliases(s, names, inits, carried, block, body_outs, env)
        return dict(
            carried=carried,
            inits=inits,
            body=block,
            body_outs=body_outs,
            outs=outs,
            loc=self.parsed.loc(s),
            exit=exit_atom,
            checkpoint=self.snapshots(s, env),
        )

    def after_loop(self, loop, names, env):
        """Emit the loop; the environment after it holds its outs."""
        self.emit(loop)
        self.view_made.update(
            y for c, b, y in zip(loop.carried, loop.body_outs, loop.outs) if c in self.view_made or b in self.view_made
        )
        env = dict(env)
        env.update(zip(names, loop.outs))
        return env

    def snapshots(self, s, env):
        """The snapshots atom of a loop the lowering marked for checkpointing, or None."""
        snapshots = getattr(s, "checkpoint", None)
        return self.expr(snapshots, env) if snapshots is not None else None


def _defines_function(env, name):
    from .local_functions import local_function

    return local_function(env.get(name)) is not None
