"""Random programs made of in-place statements, to hunt the aliasing family.

A small grammar: arrays of shape (3, 3) and (3,) named by several names, rebound
(`v = np.sin(v)`), written through an index (`v[:, i] += x`), augmented (`v *= a`),
aliased (`w = v`, `w = v[0]`, `w = v.T`, `w = v.copy()`), inside `if` on data and
`for` loops, through helpers that write into their argument, and writes into the
arguments themselves. Each program is checked (`check`) against Python running it
and central finite differences in float64: `value_and_grad` (with respect to both
arguments), a checkpointed gradient, `jvp` and `hvp`. A derivative is either right
or an `S2SGradError`; anything else is a finding.

`python -m tests.inplace_grammar --n 2000 --seed 0` runs a campaign and prints the
findings (minimal programs first); tests/test_inplace_semantics.py runs a fixed slice.
"""

import argparse
import importlib.util
import random
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

HEADER = '''import numpy as np


def scale_first(u, s):
    u[0] *= s
    return u


def add_into(u, x):
    u[-1] += x


def fresh(u, x):
    u = u.copy()
    u[0] = u[0] * x[0]
    return u
'''

REBIND = ["{n} = np.sin({n})", "{n} = np.arcsinh({n})", "{n} = {n} + {n} * np.mean({n})", "{n} = np.tanh({n}) * a",
          "{n} = {n} * 0.5 + x[0]"]
AUG = ["{n} += x", "{n} *= a", "{n} -= 1.0", "{n} /= 1.5", "{n} += {n}", "{n} *= np.cos({n})"]
WRITE2 = ["{n}[:, {k}] += x", "{n}[{k}] = a * {n}[{k}]", "{n}[{k}, {k}] *= a[0]", "{n}[:] += a",
          "{n}[1:] = np.sin({n}[:-1])", "{n}[{k}] -= {n}[0]"]
WRITE1 = ["{n}[{k}] = {n}[{k}] * a[{k}]", "{n}[1:] += {n}[:-1]", "{n}[:] *= 0.9", "{n}[{k}] += x[{k}]"]
ALIAS2 = ["{m} = {n}", "{m} = {n}[0]", "{m} = {n}.T", "{m} = {n}.copy()", "{m} = {n}[1:]", "{m} = {n}[:, 1]"]
ALIAS1 = ["{m} = {n}", "{m} = {n}.copy()", "{m} = {n}[1:]", "{m} = {n}[::-1]"]
HELPER = ["{n} = scale_first({n}, a[1])", "add_into({n}, x[1])", "{n} = fresh({n}, x)"]


class Program:
    def __init__(self, rng):
        self.rng = rng
        self.shapes = {}  # name -> 1 or 2 (dimensions)
        self.counter = 0

    def new_name(self):
        self.counter += 1
        return f"w{self.counter}"

    def statements(self, depth, loop_index):
        return [line for _ in range(self.rng.randint(1, 4)) for line in self.statement(depth, loop_index)]

    def statement(self, depth, loop_index):
        r = self.rng
        n = r.choice(sorted(self.shapes))
        dims = self.shapes[n]
        k = loop_index if loop_index and r.random() < 0.6 else str(r.randint(0, 2))
        choice = r.random()
        if choice < 0.2:
            return [r.choice(REBIND).format(n=n)]
        if choice < 0.4:
            return [r.choice(AUG).format(n=n)]
        if choice < 0.6:
            return [r.choice(WRITE2 if dims == 2 else WRITE1).format(n=n, k=k)]
        if choice < 0.7:
            m = self.new_name()
            line = r.choice(ALIAS2 if dims == 2 else ALIAS1).format(n=n, m=m)
            self.shapes[m] = 1 if ("[0]" in line or "[:, 1]" in line) else dims
            return [line]
        if choice < 0.78:
            return [r.choice(HELPER).format(n=n)]
        if choice < 0.88 and depth < 2:
            known = dict(self.shapes)
            then = self.statements(depth + 1, loop_index)
            self.shapes = dict(known)  # a name made in one arm only is not read after
            orelse = self.statements(depth + 1, loop_index)
            self.shapes = known
            return (
                [f"if np.sum(x) > {r.choice(['0.0', '1.0'])}:"]
                + ["    " + s for s in then]
                + ["else:"]
                + ["    " + s for s in orelse]
            )
        if choice < 0.96 and depth < 2:
            index = "i" if not loop_index else "j"
            known = dict(self.shapes)
            body = self.statements(depth + 1, index)
            self.shapes = known
            return [f"for {index} in range(3):"] + ["    " + s for s in body]
        if dims == 2 and r.random() < 0.5:
            return [f"for r in {n}:", f"    {n} = {n} + r * 0.5" if r.random() < 0.5 else "    r *= 0.5"]
        return [f"xs = [{n}, {n} * 2.0]", "for r in xs:", "    r[0] += 1.0", f"{n} = xs[0] + xs[1]"]

    def function(self, name):
        r = self.rng
        start = r.choice(["v = np.outer(x, a)", "v = x * 1.0", "v = x", "v = np.outer(x, x) + 1.0"])
        self.shapes = {"v": 2 if "outer" in start else 1}
        if r.random() < 0.3:
            self.shapes["x"] = 1  # writes into the argument itself
        body = [start] + self.statements(0, None)
        terms = [f"np.sum(np.sin({m}))" for m in sorted(self.shapes)]
        body.append("return " + " + ".join(terms))
        return f"def {name}(x, a):\n" + textwrap.indent("\n".join(body), "    ") + "\n"


def programs(seed, n):
    """n program sources (name, text) from one seed."""
    rng = random.Random(seed)
    return [(f"p{seed}_{k}", Program(rng).function(f"p{seed}_{k}")) for k in range(n)]


def load(sources, directory):
    """Write the programs into one module and import it."""
    path = Path(directory) / f"inplace_programs_{abs(hash(tuple(sources))) % 10**8}.py"
    path.write_text(HEADER + "\n\n" + "\n\n".join(text for _, text in sources))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def inputs(seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.2, 0.9, 3) * rng.choice([-1.0, 1.0])
    a = rng.uniform(-0.8, 0.8, 3)
    return x, a


def _fd(fn, args, k, eps=1e-6):
    grad = np.zeros_like(args[k])
    for index in np.ndindex(args[k].shape):
        values = []
        for step in (eps, -eps):
            bumped = [arg.copy() for arg in args]
            bumped[k][index] += step
            values.append(fn(*bumped))
        grad[index] = (values[0] - values[1]) / (2 * eps)
    return grad


def _close(actual, expected):
    scale = 1.0 + np.max(np.abs(expected))
    return np.max(np.abs(np.asarray(actual) - expected)) <= 1e-5 * scale


def _agrees(grad, run, args, k):
    """Does `grad` match central differences (Richardson-extrapolated where the plain
    ones are too rough, as for the gradients in the thousands some programs have)?"""
    coarse = _fd(run, args, k)
    if _close(grad, coarse):
        return True
    fine = _fd(run, args, k, eps=5e-7)
    return _close(grad, (4 * fine - coarse) / 3)


def check(fn, x, a, second_order=True):
    """'ok', 'refused', 'python' (the program itself fails: not counted), or a finding."""
    import s2sgrad as sg

    def run(*args):
        return float(fn(*[arg.copy() for arg in args]))

    try:
        with np.errstate(all="raise"):
            value = run(x, a)
            if not np.isfinite(value) or abs(np.sum(x)) < 1e-3 or abs(np.sum(x) - 1.0) < 1e-3:
                return "python"
    except Exception:
        return "python"
    try:
        xs, as_ = x.copy(), a.copy()
        got, (gx, ga) = sg.value_and_grad(fn, wrt=(0, 1))(xs, as_)
        if not (np.array_equal(xs, x) and np.array_equal(as_, a)):
            return "wrong: value_and_grad changed its arguments"
        if not np.isclose(got, value, rtol=1e-9, atol=1e-12):
            return f"wrong value: {got} != {value}"
        if not (_agrees(gx, run, [x, a], 0) and _agrees(ga, run, [x, a], 1)):
            fx, fa = _fd(run, [x, a], 0), _fd(run, [x, a], 1)
            return f"wrong gradient: {np.max(np.abs(gx - fx))}, {np.max(np.abs(ga - fa))}"
        ck = sg.grad(fn, wrt=(0, 1), checkpoints=2)(x.copy(), a.copy())
        if not (np.allclose(ck[0], gx, rtol=1e-10, atol=1e-12) and np.allclose(ck[1], ga, rtol=1e-10, atol=1e-12)):
            return "wrong checkpointed gradient"
        tx, ta = np.array([0.3, -0.2, 0.5]), np.array([-0.1, 0.4, 0.2])
        tangents = (tx.copy(), ta.copy())
        _, tangent = sg.jvp(fn, (x.copy(), a.copy()), tangents)
        if not (np.array_equal(tangents[0], tx) and np.array_equal(tangents[1], ta)):
            return "wrong: jvp changed its tangents"
        expected = np.sum(gx * tx) + np.sum(ga * ta)
        if not np.isclose(tangent, expected, rtol=1e-8, atol=1e-10):
            return f"wrong jvp: {tangent} != {expected}"
        if second_order:
            hv = sg.hvp(fn)(x.copy(), a.copy(), tx)
            step = 1e-5

            def gx_at(xv):
                return sg.grad(fn)(xv, a.copy())

            def fd_hv(step):
                return (gx_at(x + step * tx) - gx_at(x - step * tx)) / (2 * step)

            coarse = fd_hv(step)
            if not _close(hv, coarse) and not _close(hv, (4 * fd_hv(step / 2) - coarse) / 3):
                return f"wrong hvp: {np.max(np.abs(hv - coarse))}"
    except sg.S2SGradError as exc:
        if exc.loc is None and ".py:" not in str(exc) and "<s2sgrad:" not in str(exc):
            return f"refused without a line: {exc}"
        return "refused"
    except Exception as exc:  # a raw exception is a finding too
        return f"crash: {type(exc).__name__}: {exc}"
    return "ok"


def campaign(seed, n, second_order=True):
    sources = programs(seed, n)
    with tempfile.TemporaryDirectory() as directory:
        module = load(sources, directory)
        results = {}
        for k, (name, text) in enumerate(sources):
            x, a = inputs(seed * 100003 + k)
            results[name] = (text, check(getattr(module, name), x, a, second_order))
    return results


def _category(outcome):
    return outcome if outcome in ("ok", "refused", "python") else outcome.split(":")[0]


def minimise(text, x, a, outcome, second_order=True):
    """Drop statements (a block header with its block) while the finding stays."""
    lines = text.splitlines()
    want = _category(outcome)
    k = 1
    while k < len(lines) - 1:
        depth = len(lines[k]) - len(lines[k].lstrip())
        end = k + 1
        while end < len(lines) - 1 and len(lines[end]) - len(lines[end].lstrip()) > depth:
            end += 1
        candidate = lines[:k] + lines[end:]
        try:
            with tempfile.TemporaryDirectory() as directory:
                module = load([("m", "\n".join(candidate))], directory)
                name = candidate[0].split("(")[0][4:]
                got = check(getattr(module, name), x, a, second_order)
        except SyntaxError:
            got = "python"
        if _category(got) == want:
            lines = candidate
        else:
            k += 1
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-hvp", action="store_true")
    parser.add_argument("--minimise", action="store_true")
    args = parser.parse_args()
    results = campaign(args.seed, args.n, not args.no_hvp)
    counts = {}
    for _, outcome in results.values():
        key = outcome if outcome in ("ok", "refused", "python") else outcome.split(":")[0]
        counts[key] = counts.get(key, 0) + 1
    findings = sorted(
        ((text, outcome) for text, outcome in results.values() if outcome not in ("ok", "refused", "python")),
        key=lambda item: len(item[0]),
    )
    for text, outcome in findings:
        print(f"# {outcome}\n{text}")
        if args.minimise:
            name = text.split("(")[0][4:]
            x, a = inputs(args.seed * 100003 + int(name.rsplit("_", 1)[1]))
            print(f"# minimised:\n{minimise(text, x, a, outcome, not args.no_hvp)}")
    print(counts)


if __name__ == "__main__":
    main()
