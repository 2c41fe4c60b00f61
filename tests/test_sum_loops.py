"""Loops that only add to a sum are reversed without a tape (compiler/sum_loops.py):
each pass's reverse runs right after its forward, with the seed 1.0, into one sum
per outer adjoint, scaled once after the loop.

Every row is checked against central finite differences in float64; the rows
marked `fused` must have no tape and no reversed loop in their generated code,
the near misses must keep their tape (and be right)."""

import math

import numpy as np
import pytest

import s2sgrad as sg
from tests.benchmarks.apps import call_price  # (the benchmark's pricer, its module constants)
from tests.numeric import assert_close, numeric_grad

RNG = np.random.default_rng(14)
STRIKES = [80.0 + 5.0 * i for i in range(8)]
X = RNG.normal(size=(6, 3))
Y = RNG.normal(size=(6, 2))
XS = [0.3, -1.2, 0.8, 2.0, -0.4]
YS = [1.0, -0.5, 0.7, 2.5, 0.1]
DECAY = 0.9
FUSED = "is the same on every pass"  # (the comment the fused loop carries)


def book(spot, vol, rate):
    total = 0.0
    for strike in STRIKES:
        total = total + call_price(spot, strike, vol, rate)
    return total


def squared_error(w):
    loss = 0.0
    for i in range(len(X)):
        x_i, y_i = X[i], Y[i]
        loss = loss + np.sum((w @ x_i - y_i) ** 2)
    return loss / len(X)


def _moments(x, w, shift=0.0):
    z = w @ x + shift
    return np.sum(np.tanh(z)), np.sum(z * z)


def tuple_helper(w, b):
    total = 0.0
    for x in X:
        m1, m2 = _moments(x, w, shift=b)
        total += m1 * m2
    return total


def branch_per_sample(w):
    total = 0.0
    for x in X:
        z = np.sum(w @ x)
        if z > 0:
            term = z * z
        else:
            term = np.exp(z) - 1.0
        total = total + term
    return total


def line_fit(a, b):
    sse = 0.0
    for x, y in zip(XS, YS):
        sse = sse + (a * x + b - y) ** 2
    return 0.5 * sse


def discounted(w):
    total = 0.0
    for k, x in enumerate(XS):
        total += DECAY**k * np.tanh(w * x)
    return total


def while_sum(w):
    total, k = 0.0, 0
    while k < len(XS):
        total = total + np.sin(w * XS[k]) ** 2
        k += 1
    return total


def minus_and_reversed(w, c):
    total = 1.0
    for x in XS:
        total -= np.log(1.0 + (w * x) ** 2)
        total = c * x + total
    return total


def sum_then_more(w, c):
    total = 0.0
    for x in XS:
        total = total + w * x * x
    return np.sin(total) * c + total * total


def log_sum_exp_rows(w):
    total = 0.0
    for x in X:
        z = w @ x
        m = np.max(z)
        total = total + m + np.log(np.sum(np.exp(z - m)))
    return total


def branch_sets_carried(w):
    total, prev = 0.0, 1.0
    for x in XS:
        if x > 0:
            prev = x + prev
            term = np.sin(w * prev)
        else:
            term = w * w * prev
        prev = prev * 0.5
        total = total + term
    return total


def reads_carried_before_it_changes(w):
    total, prev = 0.0, 1.0
    for x in XS:
        term = np.sin(w * prev)
        prev = x
        total = total + term
    return total


def value_read_twice(w):
    total = 0.0
    for x in XS:
        total = total + math.sin(w * x)
    return -total * total + 3.0 * total


def started_from_a_parameter(w, b):
    total = b * b
    for x in XS:
        total += math.exp(w * x)
    return total


def two_loops(w):
    a = 0.0
    for x in XS:
        a = a + w * x  # (its reverse finds dw in its name already)
    b = 0.0
    for x in XS:
        b = b + a * x * w
    return a * b


def loop_in_a_branch(w, flag):
    if flag > 0:
        total = 0.0
        for x in XS:
            total = total + math.cos(w * x)
    else:
        total = w
    return total * w


# near misses: the tape stays
def condition_reads_the_sum(w):
    total, k = 0.0, 0
    while total < 3.0 and k < len(XS):
        total = total + (w * XS[k]) ** 2
        k += 1
    return total


def reads_accumulator(w):
    total = 0.0
    for x in XS:
        total = total + np.sin(total) * w * x
    return total


def decaying(w):
    total = 0.0
    for x in XS:
        total = total * 0.9 + w * x
    return total


def writes_outer_array(w):
    seen = np.zeros(len(XS))
    total = 0.0
    for k, x in enumerate(XS):
        seen[k] = w * x
        total = total + seen[k] ** 2
    return total + np.sum(seen)


def array_accumulator(w):
    acc = np.zeros(3)
    for x in X:
        acc = acc + np.tanh(w @ x)
    return np.sum(acc**2)


def two_sums(w):
    s1, s2 = 0.0, 0.0
    for x in XS:
        s1 = s1 + w * x
        s2 = s2 + (w * x) ** 2
    return s2 - s1 * s1


def nested_in_time_loop(w):
    h = 0.5
    for _ in range(3):
        total = 0.0
        for x in XS:
            total = total + np.tanh(w * x + h)
        h = h + 0.1 * total
    return h


def breaks_early(w):
    total = 0.0
    for x in XS:
        if x > 1.5:
            break
        total = total + w * x * x
    return total


W3 = RNG.normal(size=(2, 3))
W33 = RNG.normal(size=(3, 3))

ROWS = [
    (book, (100.0, 0.25, 0.03), (0, 1, 2), True),
    (squared_error, (W3,), 0, True),
    (tuple_helper, (W3, 0.3), (0, 1), True),
    (branch_per_sample, (W3,), 0, True),
    (line_fit, (0.7, -0.2), (0, 1), True),
    (discounted, (0.8,), 0, True),
    (while_sum, (0.6,), 0, True),
    (minus_and_reversed, (0.6, 1.3), (0, 1), True),
    (sum_then_more, (0.6, 1.3), (0, 1), True),
    (log_sum_exp_rows, (W33,), 0, True),
    (branch_sets_carried, (0.7,), 0, True),
    (reads_carried_before_it_changes, (0.7,), 0, True),
    (value_read_twice, (0.7,), 0, True),
    (started_from_a_parameter, (0.7, 1.3), (0, 1), True),
    (two_loops, (0.7,), 0, True),
    (loop_in_a_branch, (0.7, 1.0), 0, True),
    (condition_reads_the_sum, (0.7,), 0, False),
    (reads_accumulator, (0.6,), 0, False),
    (decaying, (0.6,), 0, False),
    (writes_outer_array, (0.6,), 0, False),
    (array_accumulator, (W33,), 0, False),
    (two_sums, (0.6,), 0, False),
    (nested_in_time_loop, (0.6,), 0, False),
    (breaks_early, (0.6,), 0, False),
]
IDS = [r[0].__name__ for r in ROWS]


def _numeric(f, args, wrt):
    wrt = (wrt,) if isinstance(wrt, int) else wrt
    found = tuple(numeric_grad(f, args, k) for k in wrt)
    return found[0] if len(found) == 1 else found


def _assert_grads(got, want):
    if isinstance(want, tuple):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_close(g, w, rtol=1e-6, atol=1e-7)
    else:
        assert_close(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f, args, wrt, fused", ROWS, ids=IDS)
def test_gradient_and_tape(f, args, wrt, fused):
    df = sg.grad(f, wrt=wrt)
    _assert_grads(df(*args), _numeric(f, args, wrt))
    source = df.source_for(*args)
    assert (FUSED in source) == fused, source
    if fused:
        assert "tape = " not in source and ".append(" not in source and "reversed(" not in source, source


@pytest.mark.parametrize("f, args, wrt, fused", ROWS, ids=IDS)
def test_generic_code(f, args, wrt, fused):
    """The generic code (before any call, or for shapes that vary) is right too."""
    df = sg.grad(f, wrt=wrt)
    _assert_grads(df(*args), _numeric(f, args, wrt))
    assert FUSED not in df.source or fused, df.source


@pytest.mark.parametrize("f, args, wrt, fused", ROWS, ids=IDS)
def test_value_and_grad_and_vjp(f, args, wrt, fused):
    """The seed is a name there (`dtotal * dspot_sum` after the loop)."""
    value, grads = sg.value_and_grad(f, wrt=wrt)(*args)
    assert_close(value, f(*args))
    _assert_grads(grads, _numeric(f, args, wrt))
    value, pullback = sg.vjp(f, wrt=wrt)(*args)
    want = _numeric(f, args, wrt)
    for cotangent in (1.0, -2.5):
        got = pullback(cotangent)
        scaled = tuple(cotangent * np.asarray(w) for w in want) if isinstance(want, tuple) else cotangent * want
        _assert_grads(got, scaled)


@pytest.mark.parametrize("f, args", [(line_fit, (0.7, -0.2)), (while_sum, (0.6,)), (discounted, (0.8,))])
def test_second_order_keeps_the_taped_loop(f, args):
    """The functional flavour (a gradient differentiated again) keeps its loops as they were."""
    h = sg.hessian(f)(*args)
    eps = 1e-4
    dfx = sg.grad(f)
    plus = list(args)
    minus = list(args)
    plus[0] += eps
    minus[0] -= eps
    assert_close(np.ravel(h)[0], (dfx(*plus) - dfx(*minus)) / (2 * eps), rtol=1e-5, atol=1e-6)


def test_checkpointed_loop_is_not_fused():
    def book_checkpointed(spot, vol, rate):
        total = 0.0
        for k in sg.checkpointed(range(len(STRIKES)), snapshots=2):
            total = total + call_price(spot, STRIKES[k], vol, rate)
        return total

    args = (100.0, 0.25, 0.03)
    df = sg.grad(book_checkpointed, wrt=(0, 1, 2))
    _assert_grads(df(*args), _numeric(book_checkpointed, args, (0, 1, 2)))
    assert FUSED not in df.source_for(*args)


def test_book_reads_like_a_hand_written_adjoint():
    """The Black-Scholes book: one loop, the sums scaled by nothing (the seed is 1.0)."""
    df = sg.grad(book, wrt=(0, 1, 2))
    source = df.source_for(100.0, 0.25, 0.03)
    assert source.count("for ") == 1, source
    assert "dspot_sum = dspot_sum + " in source and "1.0 *" not in source, source
