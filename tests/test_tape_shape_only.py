"""A loop's tape keeps only the shape of a value the reverse sweep reads only for its
shape -- and the whole value when a rule also reads it (a rule may use one symbolic
value in several places of its expression, np.var's and logsumexp's do)."""
import numpy as np

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad


def var_in_loop(a):
    s = 0.0
    for i in range(2):
        s = s + np.var(a[i] * 2.0)
    return s


def test_value_read_by_a_rule_and_for_its_shape_is_kept():
    a = np.arange(6.0).reshape(2, 3) ** 1.5
    assert_close(sg.grad(var_in_loop)(a), numeric_grad(var_in_loop, [a], 0))
    assert "shape_of(t" not in sg.grad(var_in_loop).source.split("reverse sweep")[0].split("tape.append")[1]
