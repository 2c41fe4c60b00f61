"""Correctness of the benchmark problems in tests/benchmarks/models.py.

On small inputs: each hand-written gradient agrees with central finite
differences, and ``s2sgrad.grad`` agrees with the hand-written gradient.
"""
import numpy as np
import pytest

import s2sgrad as sg
from tests.benchmarks import models
from tests.numeric import assert_close, numeric_grad


def small_simulate():
    return models.make_simulate_inputs(n=200, seed=1)


def small_mlp():
    return models.make_mlp_inputs(batch=5, n_in=7, n_hidden=6, n_out=4, seed=1)


def small_rnn():
    return models.make_rnn_inputs(steps=4, batch=3, n_in=2, n_hidden=5, n_out=3, seed=1)


CASES = {
    "simulate": (models.simulate, models.simulate_grad_hand, small_simulate, models.SIMULATE_WRT),
    "mlp": (models.mlp_loss, models.mlp_grad_hand, small_mlp, models.MLP_WRT),
    "rnn": (models.rnn_loss, models.rnn_grad_hand, small_rnn, models.RNN_WRT),
}


def test_simulate_small_inputs_exercise_both_branches():
    k, c, x0, n = small_simulate()
    x, v, hits = x0, 0.0, 0
    for _ in range(n):
        a = -k * x - c * v
        hits += abs(a) > 10.0
        a = float(np.clip(a, -10.0, 10.0))
        v += 0.01 * a
        x += 0.01 * v
    assert 0 < hits < n


@pytest.mark.parametrize("name", sorted(CASES))
def test_hand_gradient_matches_finite_differences(name):
    f, hand, make, wrt = CASES[name]
    args = make()
    got = hand(*args)
    assert len(got) == len(wrt)
    for g, argnum in zip(got, wrt):
        expected = numeric_grad(f, args, argnum)
        assert np.shape(g) == np.shape(args[argnum])
        assert_close(g, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", sorted(CASES))
def test_s2sgrad_matches_hand_gradient(name):
    f, hand, make, wrt = CASES[name]
    args = make()
    expected = hand(*args)
    got = sg.grad(f, wrt=wrt)(*args)
    assert isinstance(got, tuple) and len(got) == len(wrt)
    for g, e, argnum in zip(got, expected, wrt):
        assert np.shape(g) == np.shape(args[argnum])
        assert_close(g, e, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_s2sgrad_matches_hand_gradient_at_benchmark_size(name):
    """Cheap enough at full size: one call each, so the benchmarks time a
    correct derivative."""
    f = models.PROBLEMS[name]["forward"]
    hand = models.PROBLEMS[name]["hand"]
    args = models.PROBLEMS[name]["inputs"]()
    wrt = models.PROBLEMS[name]["wrt"]
    for g, e in zip(sg.grad(f, wrt=wrt)(*args), hand(*args)):
        assert_close(g, e, rtol=1e-8, atol=1e-12)


def test_s2sgrad_thirty_lines_matches_finite_differences():
    args = models.make_thirty_lines_inputs()
    got = sg.grad(models.thirty_lines, wrt=models.THIRTY_LINES_WRT)(*args)
    for g, argnum in zip(got, models.THIRTY_LINES_WRT):
        assert_close(g, numeric_grad(models.thirty_lines, args, argnum), rtol=1e-5, atol=1e-7)
