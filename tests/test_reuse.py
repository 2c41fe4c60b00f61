"""Clean-ups that make a scalar loop's adjoint read like a careful person's
(issue 14, Black–Scholes): a value just computed is reused (compiler/reuse.py),
`x = a; x = x + b` is one statement, and a loop reads its sequence's items by
iterating it where the index serves nothing else (compiler/direct_iteration.py).
Each rewrite computes the same values, bit for bit, and applies only where it may;
the programs below are written as users write them and checked against central
differences."""

import math

import gast
import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad.compiler.direct_iteration import iterate_directly
from s2sgrad.compiler.reuse import merge_additions, reuse_computed
from tests.numeric import assert_close, numeric_grad
from tests.test_containers import dict_int_keys_in_loop as layers_by_index  # (a dict read by index)


def _rewritten(source, rewrite):
    body = gast.parse(source).body
    rewrite(body)
    return gast.unparse(gast.Module(body, [])).strip()


def _run(source, env):
    scope = dict(env)
    exec(source, {"np": np, "math": math}, scope)
    return scope


REUSE_ROWS = [
    # source, rewritten
    ("du = g / sq\nds = s - g / sq * d", "du = g / sq\nds = s - du * d"),
    ("du = g / sq\nds = -(g / sq)", "du = g / sq\nds = -du"),
    ("du = g / sq\nds = s - g / sq * d\ndt = t + g / sq", "du = g / sq\nds = s - du * d\ndt = t + du"),
    # not reused: a name it reads or the name itself changed in between, or written into
    ("du = g / sq\nsq = 2.0\nds = s - g / sq * d", "du = g / sq\nsq = 2.0\nds = s - g / sq * d"),
    ("du = g / sq\ndu = 3.0\nds = g / sq * d", "du = g / sq\ndu = 3.0\nds = g / sq * d"),
    ("du = g / sq\ng[0] = 1.0\nds = g / sq * d", "du = g / sq\ng[0] = 1.0\nds = g / sq * d"),
    ("du = g / sq\nadd_at(g, 0, 1.0)\nds = g / sq * d", "du = g / sq\nadd_at(g, 0, 1.0)\nds = g / sq * d"),
    ("du = g / sq\ndu += 1.0\nds = g / sq * d", "du = g / sq\ndu += 1.0\nds = g / sq * d"),
    # not an operand: a whole right-hand side stays a new value (an array it may write into)
    ("du = g / sq\nds = g / sq", "du = g / sq\nds = g / sq"),
    # calls are not reused (they may cost or have effects)
    ("du = f(g) / sq\nds = f(g) / sq * d", "du = f(g) / sq\nds = f(g) / sq * d"),
]


@pytest.mark.parametrize("source, expected", REUSE_ROWS)
def test_reuse(source, expected):
    assert _rewritten(source, reuse_computed) == expected


MERGE_ROWS = [
    ("x = a * b\nx = x + c", "x = a * b + c"),
    ("x = a * b\nx = x - c\nx = x + d", "x = a * b - c + d"),
    # not merged: the addition reads x again, or adds to another name
    ("x = a * b\nx = x + x * c", "x = a * b\nx = x + x * c"),
    ("x = a * b\ny = x + c", "x = a * b\ny = x + c"),
    ("x = a * b\nx = c + x", "x = a * b\nx = c + x"),
]


@pytest.mark.parametrize("source, expected", MERGE_ROWS)
def test_merge_additions(source, expected):
    assert _rewritten(source, merge_additions) == expected


@pytest.mark.parametrize("source, expected", REUSE_ROWS[:3] + MERGE_ROWS[:2])
def test_rewrites_are_exact(source, expected):
    rng = np.random.default_rng(1)
    env = {n: rng.normal(size=4) for n in ("a", "b", "c", "d", "g", "s", "t")}
    env["sq"] = rng.uniform(0.5, 2.0, size=4)
    before, after = _run(source, env), _run(expected, env)
    for key in set(before) - set(env) | {"x"} & set(before):
        assert np.array_equal(before[key], after[key]), key


ITERATION_ROWS = [
    (
        "n = len(S)\nfor i in range(n):\n    x = S[i]\n    t = t + x",
        "for x in S:\n    t = t + x",
    ),
    (
        "for i in range(len(S)):\n    x = S[i]\n    t = t + x",
        "for x in S:\n    t = t + x",
    ),
    # `n` read after the loop: kept
    (
        "n = len(S)\nfor i in range(n):\n    x = S[i]\n    t = t + x\nm = n",
        "n = len(S)\nfor x in S:\n    t = t + x\nm = n",
    ),
    # the index read again (a write into the adjoint of S): kept
    (
        "n = len(S)\nfor i in range(n):\n    x = S[i]\n    dS[i] = x",
        "n = len(S)\nfor i in range(n):\n    x = S[i]\n    dS[i] = x",
    ),
    # the body mentions the sequence (it could grow it while it is iterated): kept
    (
        "n = len(S)\nfor i in range(n):\n    x = S[i]\n    S.append(x)",
        "n = len(S)\nfor i in range(n):\n    x = S[i]\n    S.append(x)",
    ),
    # the sequence rebound between its length and the loop: kept
    (
        "n = len(S)\nS = T\nfor i in range(n):\n    x = S[i]\n    t = t + x",
        "n = len(S)\nS = T\nfor i in range(n):\n    x = S[i]\n    t = t + x",
    ),
]


@pytest.mark.parametrize("source, expected", ITERATION_ROWS)
def test_iterate_directly(source, expected):
    assert _rewritten(source, lambda body: iterate_directly(body, lambda n: n == "S")) == expected


def test_a_name_not_known_to_be_a_sequence_keeps_its_index():
    """A dict with keys 0, 1, ... read by `d[i]`: iterating it would give its keys."""
    source = "n = len(d)\nfor i in range(n):\n    x = d[i]\n    t = t + x"
    assert _rewritten(source, lambda body: iterate_directly(body, lambda n: n == "S")) == source


# ---------------------------------------------------------------------------
# programs as users write them
# ---------------------------------------------------------------------------

MATURITY = 0.5
STRIKES = [80.0 + 2.5 * k for k in range(12)]
RATES = np.array([0.01, 0.02, 0.025, 0.03])


def normal_cdf(z):
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def put_price(spot, strike, vol, rate=0.02):
    sq = vol * math.sqrt(MATURITY)
    d1 = (math.log(spot / strike) + (rate + 0.5 * vol**2) * MATURITY) / sq
    d2 = d1 - sq
    return strike * math.exp(-rate * MATURITY) * normal_cdf(-d2) - spot * normal_cdf(-d1)


def put_book(spot, vol):
    total = 0.0
    for strike in STRIKES:
        total = total + put_price(spot, strike, vol=vol)
    return total


def discounted(cash, growth):
    total = 0.0
    for r in RATES:
        total = total + cash / (1.0 + r) ** 2 + growth * cash / (1.0 + growth + r)
    return total


def polar_energy(x, y):
    e = 0.0
    for k in range(5):
        r = x / y
        e = e + math.atan2(x, y) * r + k * y / x
        x = x * 0.9 + 0.1 * y
    return e


LAYERS = {0: np.eye(3) * 0.7, 1: np.ones((3, 3)) * 0.2}


def module_dict_by_index(x):
    total = 0.0
    for i in range(len(LAYERS)):
        total = total + np.sum(np.tanh(LAYERS[i] @ x))
    return total


def rows_weighted(X, w):
    total = 0.0
    for row in X:
        total = total + np.sum(row * w) / np.sum(w * w)
    return total


PROGRAMS = [
    (put_book, (95.0, 0.3), "for strike in STRIKES"),
    (discounted, (100.0, 0.05), "for r in RATES"),
    (polar_energy, (1.3, 0.7), None),
    (rows_weighted, (np.arange(12.0).reshape(4, 3) / 7.0, np.array([0.5, -1.0, 2.0])), None),
    (layers_by_index, ([np.eye(3) * 0.5, np.full((3, 3), 0.1)], np.array([0.3, -0.2, 0.9])), None),
    (module_dict_by_index, (np.array([0.3, -0.2, 0.9]),), None),
]


@pytest.mark.parametrize("f, args, loop", PROGRAMS, ids=lambda p: getattr(p, "__name__", None))
def test_gradient_matches_differences(f, args, loop):
    wrt = tuple(range(len(args)))
    df = sg.grad(f, wrt=wrt)
    got = df(*args)
    for k in wrt:
        assert_close(got[k], numeric_grad(f, args, k), rtol=1e-6)
    value, grads = sg.value_and_grad(f, wrt=wrt)(*args)
    assert value == pytest.approx(f(*args), rel=1e-12)
    for k in wrt:
        assert_close(grads[k], got[k], rtol=1e-12)
    if loop is not None:
        assert loop in sg.source(df, *args)


def test_black_scholes_adjoint_reads_like_a_careful_one():
    """Both adjoints of `d1 = ... / sq` read one `dd1 / sq`; the normal CDF's 0.5 folds
    into erf's slope; the loop iterates the strikes."""
    df = sg.grad(put_book, wrt=(0, 1))
    code = sg.source(df, 95.0, 0.3)
    assert "for strike in STRIKES:" in code and "range(" not in code
    assert "0.5641895835477563" in code and "1.1283791670955126" not in code
    divisions = [line for line in code.splitlines() if "/ sq" in line and not line.strip().startswith("#")]
    assert len(divisions) == 2, code  # d1's forward and its adjoint, once each


# ---------------------------------------------------------------------------
# a slope reads what the code already computed (compiler/siblings.py)
# ---------------------------------------------------------------------------

ECCENTRIC_STEPS = 12
GRAVITY, LENGTH, DT = 9.81, 1.3, 0.02


def kepler_anomaly(mean_anomaly, ecc):
    E = mean_anomaly
    for _ in range(ECCENTRIC_STEPS):
        s, c = math.sin(E), math.cos(E)
        E = E - (E - ecc * s - mean_anomaly) / (1.0 - ecc * c)
    return math.cos(E) * (1.0 + ecc)


def pendulum_rate(theta, omega, damping):
    return omega, -GRAVITY / LENGTH * math.sin(theta) - damping * omega


def pendulum_energy(theta, omega, damping=0.1):
    for _ in range(40):
        dtheta, domega = pendulum_rate(theta, omega, damping=damping)
        theta, omega = theta + DT * dtheta, omega + DT * domega
    return 0.5 * omega**2 + GRAVITY / LENGTH * (1.0 - math.cos(theta))


def rotated_path(x, y, turn):
    for k in range(6):
        angle = turn * (k + 1)
        c, s = math.cos(angle), math.sin(angle)
        x, y = c * x - s * y, s * x + c * y
    return x * x + 3.0 * y


def spin_arrays(v, turn):
    c, s = np.cos(v * turn), np.sin(v * turn)  # arrays: their slopes are computed again
    return np.sum(c * s + np.sin(v * turn) ** 2)


def cosine_before_the_loop(a, b):
    c = math.cos(a)  # not of the loop's block: the loop's sine slope calls cos again
    total = c
    for _ in range(3):
        total = total + math.sin(a) * b
    return total


SIBLING_PROGRAMS = [
    (kepler_anomaly, (1.1, 0.3), 1),
    (pendulum_energy, (0.7, -0.2), None),  # (its code takes no cosine of the angle in the loop)
    (rotated_path, (1.0, 0.5, 0.3), 2),
    (spin_arrays, (np.array([0.3, 1.1, -0.4]), 0.8), None),
    (cosine_before_the_loop, (0.6, 1.7), None),
]


@pytest.mark.parametrize("f, args, calls", SIBLING_PROGRAMS, ids=lambda p: getattr(p, "__name__", None))
def test_slopes_read_the_values_the_code_made(f, args, calls):
    wrt = tuple(range(len(args)))
    df = sg.grad(f, wrt=wrt)
    got = df(*args)
    for k in wrt:
        assert_close(got[k], numeric_grad(f, args, k), rtol=1e-6)
    if calls is not None:
        # the reverse sweep (after its first line) calls no sin or cos of a loop value
        code = sg.source(df, *args)
        lines = [line for line in code.splitlines() if not line.strip().startswith("#")]
        sweep = "\n".join(lines[next(i for i, line in enumerate(lines) if "reversed(tape)" in line) :])
        assert "math.sin(" not in sweep and "math.cos(" not in sweep, code


def test_a_sibling_on_the_tape_replaces_its_argument():
    """Kepler's loop no longer tapes E only to take its sine and cosine again."""
    code = sg.source(sg.grad(kepler_anomaly, wrt=(0, 1)), 1.1, 0.3)
    tape_line = next(line for line in code.splitlines() if "tape.append" in line)
    assert "E," not in tape_line and "(E" not in tape_line, code
