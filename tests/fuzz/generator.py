"""Random programs inside docs/language.md, as module source text, from a seed.

A program is module constants, one to three helpers (keywords, defaults,
tuple results, chains, writes into an argument) and an entry ``f`` whose
arguments are floats, arrays with broadcasting shapes and containers (a dict,
a list, a tuple), sometimes with an integer step count. Statements: new names,
rebinding, augmented assignment, indexed and masked writes, aliases and views,
``if/elif/else`` on data, ``for`` over ranges, rows, ``enumerate`` and
``zip``, ``while`` loops, ``break``/``continue``/early ``return``, lists built
by ``append`` and comprehensions, local dicts, lambdas (called in ``f`` and passed
to a helper), a model object's methods, a NamedTuple parameter, SciPy functions
and module constants as defaults and loop bounds. ``Program.features`` names what
was used, for the coverage count.
"""

import random
from dataclasses import dataclass, field

from tests.fuzz import exprs

TYPES = ("S", "N", "M", "MN")


@dataclass
class Program:
    seed: int
    source: str
    args: str  # a Python expression (with np) giving the argument tuple
    wrt: tuple
    features: set = field(default_factory=set)


class Scope:
    """Names readable here: name -> type; writable local arrays; int loop indices with their bound."""

    def __init__(self, parent=None):
        self.types = dict(parent.types) if parent else {}
        self.writable = set(parent.writable) if parent else set()
        self.ints = dict(parent.ints) if parent else {}
        self.reads = list(parent.reads) if parent else []  # (text, type): container items, constants
        self.lambdas = list(parent.lambdas) if parent else []  # names bound to element-wise lambdas


class Gen:
    def __init__(self, seed):
        self.seed = seed
        self.r = random.Random(seed)
        self.m, self.n = self.r.choice([(2, 3), (3, 3), (3, 2), (2, 2), (4, 3), (3, 4)])
        self.features = set()
        self.counter = 0
        self.helpers = []  # (name, [(param, type, default)], result types)
        self.needs = set()  # header parts the body uses: "scipy", "model", "apply", "record"
        self.int_consts = []  # module-level ints used as loop bounds

    # ------------------------------------------------------------------ values
    def dim(self, t):
        return {"N": self.n, "M": self.m}.get(t)

    def literal_array(self, t):
        def num():
            return repr(round(self.r.uniform(-1.2, 1.2), 4))

        if t == "S":
            return num()
        if t in ("N", "M"):
            return "np.array([" + ", ".join(num() for _ in range(self.dim(t))) + "])"
        return "np.array([" + ", ".join("[" + ", ".join(num() for _ in range(self.n)) + "]" for _ in range(self.m)) + "])"

    def fresh(self, base):
        self.counter += 1
        return f"{base}{self.counter}"

    # ------------------------------------------------------------- expressions
    def fill(self, template, args):
        return template.format(*(wrap(a) for a in args), n=self.n, m=self.m)

    def atom(self, t, sc):
        cands = [k for k, v in sc.types.items() if v == t] + [k for k, v in sc.reads if v == t]
        if t == "S":
            cands += list(sc.ints) * (1 if self.r.random() < 0.3 else 0)
            if not cands or self.r.random() < 0.1:
                return repr(round(self.r.uniform(-1.5, 1.5), 2))
        if cands:
            return self.r.choice(cands)
        # derive from a name of another type where one exists
        have = {v for v in sc.types.values()} | {v for k, v in sc.reads} | {"S"}
        opts = [s for s in exprs.SHAPED if self.same(s[3], t) and (not s[4] or self.m == self.n)
                and all(a in have for a in s[2]) and any(a != "S" for a in s[2])]
        if not opts:
            return self.literal_array(t)
        name, template, argtypes, _, _ = self.r.choice(opts)
        self.features.add("np." + name)
        return self.fill(template, [self.atom_no_derive(a, sc) for a in argtypes])

    def shaped(self, t, sc, depth):
        table = exprs.SCIPY_SHAPED if self.r.random() < 0.05 else exprs.SHAPED
        opts = [s for s in table if self.same(s[3], t) and (not s[4] or self.m == self.n)] or [
            s for s in exprs.SHAPED if self.same(s[3], t) and (not s[4] or self.m == self.n)
        ]
        name, template, argtypes, _, _ = self.r.choice(opts)
        if name.startswith(("special.", "stats.")):
            self.needs.add("scipy")
        self.features.add(("scipy." if name.startswith(("special.", "stats.")) else "np.") + name)
        args = [self.expr(a, sc, depth - 1) if depth > 0 else self.atom_no_derive(a, sc) for a in argtypes]
        return self.fill(template, args)

    def atom_no_derive(self, t, sc):
        cands = [k for k, v in sc.types.items() if self.same(v, t)] + [k for k, v in sc.reads if self.same(v, t)]
        if cands:
            return self.r.choice(cands)
        if t == "S":
            return repr(round(self.r.uniform(-1.5, 1.5), 2))
        return self.literal_array(t)

    def same(self, a, b):
        if a == b:
            return True
        return {a, b} == {"N", "M"} and self.m == self.n

    def expr(self, t, sc, depth):
        roll = self.r.random()
        if depth <= 0 or roll < 0.2:
            return self.atom(t, sc)
        if roll < 0.45:
            special = self.r.random()
            if special < 0.06:
                name, template = self.r.choice(exprs.SCIPY_UNARY)
                self.needs.add("scipy")
                self.features.add("scipy." + name)
                return self.fill(template, [self.expr(t, sc, depth - 1)])
            if special < 0.1 and sc.lambdas:
                self.features.add("lambda call")
                return f"{self.r.choice(sc.lambdas)}({self.expr(t, sc, depth - 1)})"
            if special < 0.13:
                self.needs.add("model")
                if t == "S" and self.r.random() < 0.5:
                    self.features.add("method call (keyword)")
                    return f"MODEL.energy({self.expr(self.r.choice(TYPES), sc, depth - 1)}, k={self.const_or_number(sc)})"
                self.features.add("method call")
                return f"MODEL.forward({self.expr(t, sc, depth - 1)})"
            if special < 0.16:
                self.needs.add("apply")
                self.features.add("lambda passed to a helper")
                body = self.fill(self.r.choice(exprs.UNARY)[1], ["u"])
                return f"apply_fn(lambda u: {body} * {self.const_or_number(sc)}, {self.expr(t, sc, depth - 1)})"
            if t == "S" and self.r.random() < 0.3:
                name, template = self.r.choice(exprs.SCALAR_UNARY)
            else:
                name, template = self.r.choice(exprs.UNARY)
            self.features.add(("" if "." in name or name in ("abs", "float") else "np.") + name)
            return self.fill(template, [self.expr(t, sc, depth - 1)])
        if roll < 0.72:
            name, template = self.r.choice(exprs.BINARY)
            self.features.add("op." + name)
            other = self.r.choice([t, t, "S"] + (["N"] if t == "MN" else []))
            args = [self.expr(t, sc, depth - 1), self.expr(other, sc, depth - 1)]
            if self.r.random() < 0.5 and other != t:
                args.reverse() if not template.startswith(("np.arctan2", "np.power", "np.divide", "{0} /")) else None
            return self.fill(template, args)
        if roll < 0.78 and t == "S":
            if self.r.random() < 0.25:
                self.features.add("and/or on values")
                return f"({self.cond(sc)} and {self.expr('S', sc, depth - 1)} or {self.expr('S', sc, depth - 1)})"
            self.features.add("conditional expression")
            return f"({self.expr('S', sc, depth - 1)} if {self.cond(sc)} else {self.expr('S', sc, depth - 1)})"
        if roll < 0.84 and sc.ints and t == "S":
            arrays = [k for k, v in sc.types.items() if v in ("N", "M")]
            for i, bound in sc.ints.items():
                for a in arrays:
                    if bound <= self.dim(sc.types[a]):
                        self.features.add("index read by loop index")
                        return f"{a}[{i}]"
        return self.shaped(t, sc, depth - 1)

    def const_or_number(self, sc):
        """A scalar module constant where there is one (read in a lambda, a default), else a number."""
        consts = [k for k, v in sc.reads if v == "S" and k.isupper()]
        if consts and self.r.random() < 0.6:
            self.features.add("module constant in a lambda or keyword")
            return self.r.choice(consts)
        return repr(round(self.r.uniform(0.2, 1.2), 2))

    def cond(self, sc):
        e = self.expr("S", sc, 2)
        c = repr(round(self.r.uniform(-0.8, 0.8), 2))
        if self.r.random() < 0.2:
            self.features.add("and/or in condition")
            other = f"{self.expr('S', sc, 1)} < {repr(round(self.r.uniform(0, 1), 2))}"
            return f"({e} > {c} {self.r.choice(['and', 'or'])} {other})"
        return f"{e} {self.r.choice(['>', '<', '>=', '<='])} {c}"

    # -------------------------------------------------------------- statements
    def targets(self, sc, kinds=TYPES):
        return [k for k, v in sc.types.items() if v in kinds]

    def block(self, sc, depth, ctx, size):
        lines = []
        for _ in range(size):
            lines += self.statement(sc, depth, ctx)
        return lines or ["pass"]

    def statement(self, sc, depth, ctx):
        roll = self.r.random()
        arrays = [k for k in self.targets(sc, ("N", "M", "MN"))]
        if roll < 0.18 or not sc.types:
            t = self.r.choice(TYPES)
            name = self.fresh(self.r.choice(["v", "u", "h", "z", "a", "s"]) if t != "S" else "s")
            line = f"{name} = {self.expr(t, sc, 3)}"
            if t != "S" and self.r.random() < 0.15:
                line = f"{name} = ({self.expr(t, sc, 2)}).copy()"
            sc.types[name] = t
            if t != "S":
                sc.writable.add(name)
            return [line]
        if roll < 0.32 and sc.types:
            name = self.r.choice(list(sc.types))
            self.features.add("rebinding")
            t = sc.types[name]
            if self.r.random() < 0.5:
                return [f"{name} = {self.expr(t, sc, 2)} + 0.5 * {name}"]
            rhs = self.expr(t, sc, 3)
            if rhs == name and self.r.random() < 0.9:
                rhs = f"np.tanh({name})"
            return [f"{name} = {rhs}"]
        if roll < 0.42 and sc.types:
            name = self.r.choice(list(sc.types))
            op = self.r.choice(["+=", "-=", "*=", "/="])
            rhs = self.expr(self.r.choice([sc.types[name], "S"]), sc, 2)
            if op == "/=":
                rhs = f"(1.5 + np.cos({rhs}))"
            self.features.add("augmented assignment" + (" (array)" if sc.types[name] != "S" else ""))
            return [f"{name} {op} {rhs}"]
        if roll < 0.55 and arrays:
            return self.index_write(sc, arrays)
        if roll < 0.60 and arrays:
            return self.alias(sc, arrays)
        if roll < 0.70 and depth > 0:
            return self.if_stmt(sc, depth, ctx)
        if roll < 0.82 and depth > 0:
            return self.loop(sc, depth, ctx)
        if roll < 0.86 and self.helpers:
            return self.call(sc)
        if roll < 0.90:
            name = self.fresh("g")
            sc.lambdas.append(name)
            self.features.add("lambda")
            body = self.fill(self.r.choice(exprs.UNARY)[1], ["u"])
            return [f"{name} = lambda u: {body} + {self.const_or_number(sc)} * u"]
        if roll < 0.94 and ctx.get("loop"):
            kw = self.r.choice(["break", "continue"])
            self.features.add(kw)
            return [f"if {self.cond(sc)}:", f"    {kw}"]
        if roll < 0.97 and ctx.get("ret"):
            self.features.add("early return")
            return [f"if {self.cond(sc)}:", f"    return {self.result(sc)}"]
        return self.containers(sc)

    def index(self, sc, t):
        dim = self.dim(t)
        ints = [i for i, b in sc.ints.items() if b <= dim]
        if ints and self.r.random() < 0.5:
            return self.r.choice(ints)
        return str(self.r.choice([0, 1, -1, dim - 1]))

    def index_write(self, sc, arrays):
        writable = [a for a in arrays if a in sc.writable]
        name = self.r.choice(writable if writable and self.r.random() < 0.85 else arrays)
        t = sc.types[name]
        op = self.r.choice(["=", "+=", "*=", "-="])
        self.features.add("in-place write" if name in sc.writable else "in-place write (argument or view)")
        if t in ("N", "M"):
            form = self.r.random()
            if form < 0.5:
                return [f"{name}[{self.index(sc, t)}] {op} {self.expr('S', sc, 2)}"]
            if form < 0.7:
                self.features.add("mask write")
                return [f"{name}[{name} > {round(self.r.uniform(-0.5, 0.5), 2)}] {op} {self.expr('S', sc, 1)}"]
            if form < 0.85:
                self.features.add("slice write")
                return [f"{name}[1:] {op} {self.expr('S', sc, 1)} * {name}[:-1]"]
            return [f"{name}[:] {op} {self.expr(t, sc, 2)}"]
        form = self.r.random()
        if form < 0.35:
            return [f"{name}[{self.index(sc, 'M')}] {op} {self.expr('N', sc, 2)}"]
        if form < 0.65:
            return [f"{name}[:, {self.index(sc, 'N')}] {op} {self.expr('M', sc, 2)}"]
        if form < 0.85:
            return [f"{name}[{self.index(sc, 'M')}, {self.index(sc, 'N')}] {op} {self.expr('S', sc, 2)}"]
        self.features.add("mask write")
        return [f"{name}[{name} < 0.0] {op} {self.expr('S', sc, 1)}"]

    def alias(self, sc, arrays):
        src = self.r.choice(arrays)
        t = sc.types[src]
        roll = self.r.random()
        if roll < 0.35:
            name = self.fresh("w")
            self.features.add("alias")
            sc.types[name] = t
            if src in sc.writable:
                sc.writable.add(name)
            return [f"{name} = {src}"]
        if roll < 0.6 and t == "MN":
            name = self.fresh("row")
            self.features.add("view")
            sc.types[name] = "N"
            sc.writable.add(name)
            return [f"{name} = {src}[{self.index(sc, 'M')}]"]
        if roll < 0.75 and t == "MN" and self.m == self.n:
            name = self.fresh("vt")
            self.features.add("view")
            sc.types[name] = "MN"
            sc.writable.add(name)
            return [f"{name} = {src}.T"]
        name = self.fresh("c")
        self.features.add("copy")
        sc.types[name] = t
        sc.writable.add(name)
        return [f"{name} = {src}.copy()"]

    def indent(self, lines):
        return ["    " + ln for ln in lines]

    def if_stmt(self, sc, depth, ctx):
        self.features.add("if")
        lines = [f"if {self.cond(sc)}:"] + self.indent(self.block(Scope(sc), depth - 1, ctx, self.r.randint(1, 3)))
        if self.r.random() < 0.3:
            self.features.add("elif")
            lines += [f"elif {self.cond(sc)}:"] + self.indent(self.block(Scope(sc), depth - 1, ctx, self.r.randint(1, 2)))
        if self.r.random() < 0.6:
            self.features.add("else")
            lines += ["else:"] + self.indent(self.block(Scope(sc), depth - 1, ctx, self.r.randint(1, 3)))
        return lines

    def loop(self, sc, depth, ctx):
        inner = Scope(sc)
        body_ctx = dict(ctx, loop=True)
        if ctx.get("loop"):
            self.features.add("nested loop")
        roll = self.r.random()
        arrays = self.targets(sc, ("N", "M", "MN"))
        pre, post = [], []
        if roll < 0.4 or not arrays:
            i = self.fresh("i")
            vecs = [a for a in arrays if sc.types[a] == "N"]
            choice = self.r.random()
            if ctx.get("steps") and choice < 0.25:
                bound, k = f"range({ctx['steps']})", 99
                self.features.add("loop over an int argument")
            elif self.int_consts and choice < 0.35:
                const, k = self.r.choice(self.int_consts)
                bound = f"range({const})"
                self.features.add("loop over a module constant")
            elif choice < 0.5 and vecs:
                bound, k = f"range(len({self.r.choice(vecs)}))", self.n
            elif choice < 0.65:
                k = self.r.choice([2, 3])
                bound = f"range(1, {k})"
            else:
                k = self.r.choice([1, 2, 3])
                bound = f"range({k})"
            inner.ints[i] = k
            head = f"for {i} in {bound}:"
            self.features.add("for range")
        elif roll < 0.75:
            src = self.r.choice(arrays)
            t = sc.types[src]
            item = self.fresh("r")
            inner.types[item] = "N" if t == "MN" else "S"
            form = self.r.random()
            if form < 0.4:
                head = f"for {item} in {src}:"
                self.features.add("for over rows")
            elif form < 0.7:
                k = self.fresh("k")
                inner.ints[k] = self.dim("M" if t == "MN" else t)
                head = f"for {k}, {item} in enumerate({src}):"
                self.features.add("enumerate")
            else:
                others = [a for a in arrays if self.same(sc.types[a], t)]
                other = self.r.choice(others)
                item2 = self.fresh("q")
                inner.types[item2] = inner.types[item]
                head = f"for {item}, {item2} in zip({src}, {other}):"
                self.features.add("zip")
        else:
            it = self.fresh("it")
            pre = [f"{it} = 0"]
            head = f"while {it} < {self.r.randint(1, 4)} and {self.cond(sc)}:"
            inner.types.pop(it, None)
            self.features.add("while")
            body = [f"{it} += 1"] + self.block(inner, depth - 1, body_ctx, self.r.randint(1, 3))
            return pre + [head] + self.indent(body) + post
        if self.r.random() < 0.2:
            acc = self.fresh("acc")
            t = self.r.choice(["S", "N"])
            self.features.add("list append")
            body = self.block(inner, depth - 1, body_ctx, self.r.randint(1, 3)) + [f"{acc}.append({self.expr(t, inner, 2)})"]
            res = self.fresh("t")
            line = f"{res} = 0.5 * {self.r.choice(['sum', 'len'])}({acc}) + {self.expr(t, sc, 1)}"
            sc.types[res] = t
            return [f"{acc} = []", head] + self.indent(body) + [line]
        body = self.block(inner, depth - 1, body_ctx, self.r.randint(1, 4))
        return pre + [head] + self.indent(body) + post

    def containers(self, sc):
        roll = self.r.random()
        arrays = self.targets(sc, ("N",))
        if roll < 0.4:
            d = self.fresh("d")
            self.features.add("local dict")
            a, b = self.expr("N", sc, 2), self.expr("S", sc, 2)
            sc.reads += [(f'{d}["a"]', "N"), (f'{d}["b"]', "S")]
            return [f'{d} = {{"a": {a}, "b": {b}}}']
        if roll < 0.7 and arrays:
            lst = self.fresh("ys")
            self.features.add("list comprehension")
            src = self.r.choice(self.targets(sc, ("MN",)) or arrays)
            res = self.fresh("t")
            sc.types[res] = "S"
            return [f"{lst} = [{self.fill(self.r.choice(exprs.UNARY)[1], ['e'])} for e in {src}]",
                    f"{res} = np.sum({lst}[0]) + 0.5 * np.sum(np.array({lst}))"]
        name, other = self.fresh("t"), self.fresh("t")
        self.features.add("tuple unpacking")
        line = f"{name}, {other} = {self.expr('S', sc, 2)}, {self.expr('S', sc, 2)}"
        sc.types[name] = sc.types[other] = "S"
        return [line]

    def call(self, sc):
        name, params, results = self.r.choice(self.helpers)
        self.features.add("helper call")
        args, kw = [], False
        for p, t, default in params:
            if default is not None and self.r.random() < 0.4:
                self.features.add("default argument")
                kw = True
                continue
            value = self.expr(t, sc, 1) if t == "S" or self.r.random() < 0.5 else self.atom(t, sc)
            if kw or self.r.random() < 0.3:
                kw = True
                self.features.add("keyword argument")
                args.append(f"{p}={value}")
            else:
                args.append(value)
        call = f"{name}({', '.join(args)})"
        outs = [self.fresh("o") for _ in results]
        for o, t in zip(outs, results):
            sc.types[o] = t
        if len(outs) > 1:
            self.features.add("tuple-returning helper")
        return [f"{', '.join(outs)} = {call}"]

    def result(self, sc):
        names = list(sc.types)[-4:]
        parts = []
        for nm in self.r.sample(names, min(len(names), 3)):
            t = sc.types[nm]
            parts.append(nm if t == "S" else self.r.choice([f"np.sum(np.sin({nm}))", f"np.mean({nm} ** 2)", f"np.sum({nm})"]))
        return " + ".join(parts) or "0.0"

    # ----------------------------------------------------------------- program
    def constants(self):
        lines, reads = [], []
        for _ in range(self.r.randint(0, 3)):
            t = self.r.choice(TYPES)
            name = self.r.choice(["DT", "K", "W", "B", "SCALE", "ALPHA", "X0"]) + str(self.r.randint(0, 9))
            lines.append(f"{name} = {self.literal_array(t)}")
            reads.append((name, t))
            self.features.add("module constant")
        if self.r.random() < 0.3:
            k = self.r.randint(1, 3)
            name = f"NSTEPS{self.r.randint(0, 9)}"
            lines.append(f"{name} = {k}")
            self.int_consts.append((name, k))
        return lines, reads

    def helper(self, k, reads):
        name = self.r.choice(["step", "update", "layer", "rhs", "energy", "mix"]) + f"_{k}"
        params, sc = [], Scope()
        sc.reads = list(reads)
        for j in range(self.r.randint(1, 3)):
            t = self.r.choice(TYPES)
            params.append((f"p{j}", t, None))
            sc.types[f"p{j}"] = t
        if self.r.random() < 0.5:
            consts = [c for c, t in reads if t == "S"]
            default = self.r.choice(consts) if consts and self.r.random() < 0.4 else repr(round(self.r.uniform(0.1, 1.5), 2))
            if default in consts:
                self.features.add("module constant as a default")
            params.append(("k", "S", default))
            sc.types["k"] = "S"
        sig = ", ".join(p if d is None else f"{p}={d}" for p, t, d in params)
        body = []
        if self.helpers and self.r.random() < 0.4:
            self.features.add("helper chain")
            body += self.call(sc)
        writes = [p for p, t, d in params if t in ("N", "M") and d is None]
        if writes and self.r.random() < 0.3:
            self.features.add("helper writes into its argument")
            body.append(f"{writes[0]}[0] += {self.expr('S', sc, 1)}")
        body += self.block(sc, 1, {}, self.r.randint(1, 3))
        results = [self.r.choice(TYPES) for _ in range(self.r.choice([1, 1, 2]))]
        body.append("return " + ", ".join(self.expr(t, sc, 2) for t in results))
        self.helpers.append((name, params, results))
        return [f"def {name}({sig}):"] + self.indent(body) + [""]

    def program(self):
        const_lines, reads = self.constants()
        helper_lines = []
        for k in range(self.r.choice([0, 1, 1, 2, 3])):
            helper_lines += ["", *self.helper(k, reads)]
        sc = Scope()
        sc.reads = list(reads)
        params, args, wrt = [], [], []
        for j in range(self.r.randint(1, 4)):
            kind = self.r.choice(["S", "N", "N", "MN", "M", "dict", "list", "tuple", "record"])
            pname = "xyzwpq"[j]
            params.append(pname)
            wrt.append(j)
            if kind in TYPES:
                sc.types[pname] = kind
                args.append(self.literal_array(kind))
                if kind != "S":
                    sc.writable.add(pname) if self.r.random() < 0.3 else None
            elif kind == "dict":
                self.features.add("dict argument")
                args.append('{"w": ' + self.literal_array("MN") + ', "b": ' + self.literal_array("M") + "}")
                sc.reads += [(f'{pname}["w"]', "MN"), (f'{pname}["b"]', "M")]
            elif kind == "list":
                self.features.add("list argument")
                args.append("[" + self.literal_array("N") + ", " + self.literal_array("N") + "]")
                sc.reads += [(f"{pname}[0]", "N"), (f"{pname}[1]", "N")]
            elif kind == "record":
                self.needs.add("record")
                self.features.add("NamedTuple argument")
                args.append(f"Params(w={self.literal_array('N')}, b={self.literal_array('S')})")
                sc.reads += [(f"{pname}.w", "N"), (f"{pname}.b", "S")]
            else:
                self.features.add("tuple argument")
                args.append("(" + self.literal_array("S") + ", " + self.literal_array("N") + ")")
                sc.reads += [(f"{pname}[0]", "S"), (f"{pname}[1]", "N")]
        ctx = {"ret": True}
        if self.r.random() < 0.2:
            params.append("steps")
            args.append(str(self.r.randint(1, 3)))
            ctx["steps"] = "steps"
        body = self.block(sc, 2, ctx, self.r.randint(3, 8))
        body.append(f"return {self.result(sc)}")
        lines = [*self.header(), *const_lines, *self.support(), *helper_lines, "",
                 f"def f({', '.join(params)}):", *self.indent(body), ""]
        return Program(self.seed, "\n".join(lines), "(" + ", ".join(args) + ",)", tuple(wrt), self.features)


    def header(self):
        lines = ["import math"] + (["from typing import NamedTuple"] if "record" in self.needs else [])
        lines += ["", "import numpy as np"] + (["import scipy.special", "import scipy.stats"] if "scipy" in self.needs else [])
        return lines + [""]

    def support(self):
        """The classes and helpers the body uses: a NamedTuple, a model with methods, apply_fn."""
        lines = []
        if "record" in self.needs:
            lines += ["", "", "class Params(NamedTuple):", "    w: np.ndarray", "    b: float"]
        if "model" in self.needs:
            lines += ["", "", "class Model:", "    def __init__(self, scale):", "        self.scale = scale", "",
                      "    def forward(self, v):", "        return np.tanh(self.scale * v) + 0.1 * v", "",
                      "    def energy(self, v, k=0.5):", "        return k * np.sum(self.forward(v) ** 2)", "", "",
                      f"MODEL = Model({round(self.r.uniform(0.3, 1.2), 2)})"]
        if "apply" in self.needs:
            lines += ["", "", "def apply_fn(fn, v):", "    return fn(v) + 0.5 * v"]
        return lines


def wrap(text):
    """Parenthesise an operand that is not one token at the top level (``a + b``, ``-1.5``)."""
    depth = 0
    for ch in text:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth == 0 and ch == " ":
            return f"({text})"
    return f"({text})" if text.startswith("-") else text


def generate(seed):
    return Gen(seed).program()
