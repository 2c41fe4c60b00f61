"""Correctness of the application benchmarks (tests/benchmarks/apps.py) on small inputs:
each hand-written gradient agrees with central finite differences, and s2sgrad's
gradient with the hand-written one."""

import numpy as np
import pytest

import s2sgrad as sg
from tests.benchmarks import apps
from tests.numeric import assert_close, numeric_grad

SMALL = {
    "rk4": lambda: apps.make_rk4_inputs(n=60),
    "black_scholes": apps.make_black_scholes_inputs,
    "lorenz96": lambda: apps.make_lorenz96_inputs(n_vars=8, n=25, seed=1),
    "newton": lambda: apps.make_newton_inputs(n=7, seed=1),
    "gru": lambda: apps.make_gru_inputs(steps=3, batch=2, vocab=4, hidden=3, seed=1),
    "cnn": lambda: apps.make_cnn_inputs(batch=3, channels=2, size=6, filters=2, classes=3, seed=1),
}


@pytest.mark.parametrize("name", sorted(apps.PROBLEMS))
def test_hand_gradient_matches_finite_differences(name):
    p = apps.PROBLEMS[name]
    args = SMALL[name]()
    for g, i in zip(p["hand"](*args), p["wrt"]):
        assert np.shape(g) == np.shape(args[i])
        assert_close(g, numeric_grad(p["forward"], args, i), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", sorted(n for n, p in apps.PROBLEMS.items() if "adjoint" in p))
def test_hand_adjoint_matches_finite_differences(name):
    p = apps.PROBLEMS[name]
    args = SMALL[name]()
    for g, i in zip(p["adjoint"](*args), p["wrt"]):
        assert_close(g, numeric_grad(p["forward"], args, i), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", sorted(apps.PROBLEMS))
def test_s2sgrad_matches_hand_gradient(name):
    p = apps.PROBLEMS[name]
    args = SMALL[name]()
    got = sg.grad(p["forward"], wrt=p["wrt"])(*args)
    for g, h, i in zip(got, p["hand"](*args), p["wrt"]):
        assert isinstance(g, float) == isinstance(args[i], float)
        assert_close(g, h, rtol=1e-9, atol=1e-12)
