"""Check one program against independent oracles and classify the outcome.

Stages, in order: the program itself (run twice on copies; a program that
raises, is not finite or is not pure is *discarded*: the generator's fault, not
s2sgrad's), finite differences (Richardson-extrapolated central differences
along a random direction at two step sizes; programs whose branch trace
changes under the perturbation, or whose two step sizes disagree, are near a
kink or a branch threshold and are *discarded*), then ``value_and_grad``
(value and directional derivative), ``jvp`` (tangent against the differences
and against the gradient: the dot-product test), ``vjp`` with a cotangent,
``grad(checkpoints=2)`` against the stored gradient when the program loops,
and ``hvp`` against Richardson differences of the gradient.

An ``S2SGradError`` is a refusal (reported by construct). Any other exception
from s2sgrad or its generated code is a ``raw exception``; a number that
disagrees is ``silently wrong``.
"""

import copy
import importlib.util
import linecache
import math
import re
import signal
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import s2sgrad as sg

_TMP = Path(tempfile.mkdtemp(prefix="s2sgrad-fuzz-"))
_COUNT = [0]
H_BIG, H_SMALL = 2e-3, 2e-4
FD_AGREE = 1e-6  # two Richardson estimates closer than this (relative) mean "no kink near"
TOL = 1e-5  # derivative against differences
TIMEOUT = 20.0  # CPU seconds for one program (compilation included)
MOVE = 3e-3  # how far the second look moves off a special point (beyond the difference steps)
TIGHT = 1e-8  # value against value, checkpointed against stored, forward against reverse


@dataclass
class Outcome:
    status: str  # pass | refused | discarded | failed
    kind: str = ""  # failed: "raw exception" | "silently wrong"; refused: the construct; discarded: why
    stage: str = ""
    detail: str = ""
    notes: list = field(default_factory=list)  # later-stage refusals of a passing program
    seconds: dict = field(default_factory=dict)  # stage -> CPU seconds spent (profiling campaigns)

    @property
    def signature(self):
        """What minimisation keeps constant: the class of a failure and its stage."""
        if self.status == "failed":
            return (self.kind, self.stage, self.detail.split(":")[0] if self.kind == "raw exception" else "")
        return (self.status,)


class Discard(Exception):
    pass


class Fail(Exception):
    def __init__(self, kind, stage, detail):
        super().__init__(detail)
        self.kind, self.stage, self.detail = kind, stage, detail


def load(source, seed=0):
    """Write ``source`` to a fresh module file and import it (s2sgrad reads source through inspect)."""
    _COUNT[0] += 1
    name = f"fuzz_{seed}_{_COUNT[0]}"
    path = _TMP / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def unload(module):
    sys.modules.pop(module.__name__, None)
    Path(module.__file__).unlink(missing_ok=True)
    linecache.cache.pop(module.__file__, None)  # (a campaign reads thousands of files)


# ------------------------------------------------------------------ trees
def leaves(tree):
    if isinstance(tree, dict):
        return [leaf for k in tree for leaf in leaves(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in leaves(item)]
    return [tree]


def rebuild(like, items):
    """A list, tuple or NamedTuple of `like`'s type with these items."""
    return type(like)(*items) if hasattr(like, "_fields") else type(like)(items)


def combine(a, b, fn):
    if isinstance(a, dict):
        return {k: combine(a[k], b[k], fn) for k in a}
    if isinstance(a, (list, tuple)):
        return rebuild(a, [combine(x, y, fn) for x, y in zip(a, b)])
    return fn(a, b)


def dot(a, b):
    return float(sum(np.sum(np.asarray(x, float) * np.asarray(y, float)) for x, y in zip(leaves(a), leaves(b))))


def random_like(tree, rng):
    if isinstance(tree, dict):
        return {k: random_like(v, rng) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return rebuild(tree, [random_like(v, rng) for v in tree])
    if isinstance(tree, np.ndarray):
        return rng.standard_normal(tree.shape)
    return float(rng.standard_normal())


def module_state(module):
    """Copies of the module's arrays and containers: a program that writes into them is impure,
    even when its result does not show it (`s2 -= s2`)."""
    return {
        k: copy.deepcopy(v)
        for k, v in vars(module).items()
        if isinstance(v, (np.ndarray, list, dict)) and not k.startswith("__")
    }


def same_tree(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_tree(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_tree(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b, equal_nan=True)
    return a is b or a == b


def shifted(args, wrt, direction, h):
    out = list(copy.deepcopy(args))
    for j, d in zip(wrt, direction):
        out[j] = combine(out[j], d, lambda a, b: a + h * b)
    return tuple(out)


def close(a, b, rtol, scale=1.0):
    return abs(a - b) <= rtol * (scale + abs(b))


# ------------------------------------------------------------------ stages
class Checker:
    def __init__(self, module, args, wrt, seed, stages=None):
        self.f, self.args, self.wrt = module.f, args, tuple(wrt)
        self.file = module.__file__
        self.module = module
        self.rng = np.random.default_rng(seed)
        self.stages = stages
        self.seconds = {}

    def call(self, args, trace=None):
        if trace is None:
            return self.f(*copy.deepcopy(args))
        lines = []

        def tracer(frame, event, arg):
            if frame.f_code.co_filename == self.file:
                if event == "line":
                    lines.append(frame.f_lineno)
                return tracer
            return None

        sys.settrace(tracer)
        try:
            value = self.f(*copy.deepcopy(args))
        finally:
            sys.settrace(None)
        trace.append(tuple(lines))
        return value

    def scalar(self, args, traces=None):
        value = self.call(args, traces)
        if np.ndim(value) != 0 and np.size(value) != 1:
            raise Discard("result not a scalar")
        value = float(np.asarray(value, dtype=float).reshape(()))
        if not math.isfinite(value) or abs(value) > 1e6:
            raise Discard("non-finite or huge value")
        return value

    def richardson(self, fn, h, traces, at=None):
        at = self.args if at is None else at

        def d(step):
            try:
                plus = fn(shifted(at, self.wrt, self.v, step), traces)
                minus = fn(shifted(at, self.wrt, self.v, -step), traces)
            except Discard:
                raise
            except Exception as exc:  # (math.log of a number that a step made negative, say)
                raise Discard(f"the program fails near the point: {type(exc).__name__}") from exc
            return (plus - minus) / (2 * step)

        return (4 * d(h / 2) - d(h)) / 3

    def reference(self):
        """The value and the directional derivative along ``self.v`` by differences, or Discard."""
        try:
            base = []
            with np.errstate(divide="raise", over="raise", invalid="raise", under="ignore"):
                self.value = self.scalar(self.args, base)  # no inf or nan on the way either
            before = module_state(self.module)
            impure = self.scalar(self.args) != self.value or not same_tree(module_state(self.module), before)
        except Discard:
            raise
        except Exception as exc:  # the program itself fails: the generator made something Python rejects
            raise Discard(f"invalid program: {type(exc).__name__}")
        if impure:  # it changes module state, which s2sgrad must refuse (S2SGradError: refused)
            self.run("value_and_grad", lambda: sg.value_and_grad(self.f, wrt=self.wrt)(*copy.deepcopy(self.args)))
            raise Fail("silently wrong", "value_and_grad", "a program that changes module state was differentiated")
        self.v = tuple(random_like(self.args[j], self.rng) for j in self.wrt)
        traces = []
        big = self.richardson(self.scalar, H_BIG, traces)
        small = self.richardson(self.scalar, H_SMALL, traces)
        if any(t != base[0] for t in traces):
            raise Discard("branch trace changes under perturbation")
        if not close(big, small, FD_AGREE):
            raise Discard("step sizes disagree (kink)")
        self.fd = small
        return small

    def kink_near(self):
        """A second look before calling a mismatch wrong: much smaller steps must agree too."""
        tiny = self.richardson(self.scalar, 2e-6, [])
        return not close(tiny, self.fd, 1e-4)

    def run(self, stage, thunk):
        if self.stages is not None and stage not in self.stages and stage != "value_and_grad":
            return None
        start = time.process_time()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return thunk()
        except sg.S2SGradError as err:
            cause = err.__cause__
            if cause is not None and not isinstance(cause, sg.S2SGradError):  # an internal error, wrapped
                raise Fail("raw exception", stage, f"{type(cause).__name__} (wrapped): {cause}"[:300])
            raise
        except Fail:
            raise
        except Exception as exc:
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise Fail("raw exception", stage, f"{type(exc).__name__}: {msg}"[:300])
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.process_time() - start

    def wrong(self, stage, what, got, want, grad_at=None):
        if self.kink_near():
            raise Discard("kink found by smaller steps")
        if grad_at is not None and math.isfinite(got) and self.right_nearby(grad_at):
            raise Discard("special point: a finite subgradient, right at every nearby point")
        raise Fail("silently wrong", stage, f"{what}: got {got!r}, expected {want!r}")

    def right_nearby(self, grad_at):
        """Whether the gradient agrees with differences once the point moves off a special
        point of an intermediate (an exact 0 fed to a kink, rows equal up to rounding): there
        the chain rule composes subgradients, `copysign(z, z)` at 0 gives 0 where the whole
        is the identity, and no rule can know. A nan or inf is never excused this way."""
        away = tuple(random_like(self.args[j], self.rng) for j in self.wrt)
        point = shifted(self.args, self.wrt, away, MOVE)
        traces, base = [], []
        try:
            self.scalar(point, base)
            big = self.richardson(self.scalar, H_BIG, traces, at=point)
            small = self.richardson(self.scalar, H_SMALL, traces, at=point)
        except Discard:
            return False
        if any(t != base[0] for t in traces) or not close(big, small, FD_AGREE):
            return False  # a kink or a branch near the moved point too: no verdict, no excuse
        gv = dot(grad_at(point), self.v)
        return math.isfinite(gv) and close(gv, small, TOL)

    def check(self):
        start = time.process_time()
        self.reference()
        self.seconds["differences"] = time.process_time() - start
        notes = []
        wrt = self.wrt
        vag = sg.value_and_grad(self.f, wrt=wrt)
        value, grad = self.run("value_and_grad", lambda: vag(*copy.deepcopy(self.args)))
        if not close(float(value), self.value, TIGHT):
            raise Fail("silently wrong", "value_and_grad", f"value {float(value)!r} but f gives {self.value!r}")
        gv = dot(grad, self.v)
        if not math.isfinite(gv) or not close(gv, self.fd, TOL):
            self.wrong("value_and_grad", "gradient . v", gv, self.fd, lambda a: vag(*copy.deepcopy(a))[1])
        for stage, fn in (
            ("jvp", self.check_jvp),
            ("vjp", self.check_vjp),
            ("checkpoints", self.check_ckpt),
            ("hvp", self.check_hvp),
        ):
            try:
                self.run(stage, lambda: fn(grad, gv, vag))
            except sg.S2SGradError as err:
                notes.append((stage, construct(err)))
        return notes

    def check_jvp(self, grad, gv, vag):
        tangents = tuple(self.v[self.wrt.index(j)] if j in self.wrt else None for j in range(len(self.args)))
        given = copy.deepcopy(tangents)
        value, tangent = sg.jvp(self.f, copy.deepcopy(self.args), tangents)
        if any(not np.array_equal(a, b) for a, b in zip(leaves(tangents), leaves(given)) if a is not None):
            raise Fail("silently wrong", "jvp", "jvp changed the tangents it was given (the caller's arrays)")
        if not close(float(value), self.value, TIGHT):
            raise Fail("silently wrong", "jvp", f"value {float(value)!r} but f gives {self.value!r}")
        tangent = float(tangent)
        if not math.isfinite(tangent) or not close(tangent, gv, TOL):
            if close(gv, self.fd, TOL):
                raise Fail("silently wrong", "jvp", f"tangent {tangent!r}, gradient . v {gv!r}")

    def check_vjp(self, grad, gv, vag):
        value, pullback = sg.vjp(self.f, wrt=self.wrt)(*copy.deepcopy(self.args))
        ct = pullback(1.75)
        if not close(dot(ct, self.v), 1.75 * gv, TIGHT, scale=1e-3 + abs(gv)):
            raise Fail(
                "silently wrong", "vjp", f"pullback(1.75) . v = {dot(ct, self.v)!r}, 1.75 * grad . v = {1.75 * gv!r}"
            )

    def check_ckpt(self, grad, gv, vag):
        if not re.search(r"^\s+(for|while) ", self.source, re.M):
            return
        got = sg.grad(self.f, wrt=self.wrt, checkpoints=2)(*copy.deepcopy(self.args))
        for a, b in zip(leaves(got), leaves(grad)):
            if not np.allclose(a, b, rtol=TIGHT, atol=TIGHT):
                raise Fail("silently wrong", "checkpoints", f"checkpointed {a!r} but stored {b!r}")

    def check_hvp(self, grad, gv, vag):
        hv = sg.hvp(self.f, wrt=self.wrt)(*copy.deepcopy(self.args), self.v)
        w = tuple(random_like(self.args[j], self.rng) for j in self.wrt)

        def gw(args, traces):
            return dot(vag(*args)[1], w)

        big, small = self.richardson(gw, H_BIG, []), self.richardson(gw, H_SMALL, [])
        if not close(big, small, FD_AGREE * 10):
            return  # the gradient has a kink near: nothing to compare
        got = dot(hv, w)
        if not math.isfinite(got) or not close(got, small, 1e-4):
            raise Fail("silently wrong", "hvp", f"hvp . w = {got!r}, differences of the gradient {small!r}")


def construct(err):
    """A short name for what was refused: the error's construct, else its message without names."""
    text = err.construct or err.reason or str(err)
    text = re.sub(r"^\S+:\d+: ", "", str(text).splitlines()[0])  # no file and line
    text = re.sub(r"'[^']*'", "'_'", text)
    return re.sub(r"\d+", "N", text)[:90]


def check_source(source, args_text, wrt, seed=0, stages=None):
    """The outcome of one program: ``Outcome``."""
    try:
        module = load(source, seed)
    except Exception as exc:
        return Outcome("discarded", f"invalid module: {type(exc).__name__}")
    checker = None
    signal.signal(signal.SIGPROF, _timeout)
    signal.setitimer(signal.ITIMER_PROF, TIMEOUT)
    try:
        args = eval(args_text, {"np": np, **vars(module)})  # (with the module's classes: Params(...))
        checker = Checker(module, args, wrt, seed, stages)
        checker.source = source
        with np.errstate(all="ignore"):
            notes = checker.check()
        return Outcome("pass", notes=notes, seconds=checker.seconds)
    except Discard as d:
        return Outcome("discarded", str(d), seconds=_seconds(checker))
    except sg.S2SGradError as err:
        return Outcome(
            "refused", construct(err), "value_and_grad", str(err).splitlines()[0][:200], seconds=_seconds(checker)
        )
    except Fail as fail:
        return Outcome("failed", fail.kind, fail.stage, fail.detail, seconds=_seconds(checker))
    except Exception as exc:  # an oracle's own arithmetic on what s2sgrad returned (a wrong structure)
        return Outcome("failed", "raw exception", "oracle", f"{type(exc).__name__}: {exc}"[:300])
    except Timeout:
        return Outcome("failed", "raw exception", "timeout", f"Timeout: more than {TIMEOUT} s")
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        sys.settrace(None)
        unload(module)


def _seconds(checker):
    return dict(checker.seconds) if checker is not None else {}


class Timeout(BaseException):
    pass


def _timeout(signum, frame):
    raise Timeout()


def check(program, stages=None):
    return check_source(program.source, program.args, program.wrt, program.seed, stages)
