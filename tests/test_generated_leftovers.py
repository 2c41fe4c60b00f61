"""Generated code without what inlining leaves behind: branches on a literal
condition, unused frozen distributions, attribute reads repeated in loops,
module constants copied into locals. Each program: the gradient against finite
differences, then the text."""

import importlib.util
import re

import numpy as np
import pytest

import s2sgrad as sg
from tests.numeric import assert_close, numeric_grad

DT = 0.05
SCALE = 1.5
X = np.array([0.3, -0.7, 1.1])


def _scaled(x, clip=False, shift=None):
    if clip:
        x = np.clip(x, -1.0, 1.0)
    if shift is not None:
        x = x + shift
    return x * SCALE


def helper_defaults(x):
    return np.sum(_scaled(x) ** 2) + np.sum(_scaled(x, clip=True))


class Decay:
    rate = 0.3

    def __init__(self, w):
        self.w = w

    def loss(self, x):
        total = 0.0
        for _ in range(4):
            x = x - DT * self.rate * x * self.w
            total = total + np.sum(x**2)
        return total


def rk_constants(x):
    v = x * 0.0
    for _ in range(5):
        v = v - DT * x
        x = x + DT * v
    return np.sum(x**2)


def _code(source):
    """The source without its `# line N:` comments."""
    return "\n".join(line for line in source.splitlines() if not line.strip().startswith("#"))


def test_branches_on_literal_conditions_are_folded():
    df = sg.grad(helper_defaults)
    assert_close(df(X), numeric_grad(helper_defaults, (X,), 0))
    source = df.source_for(X)
    assert "if False" not in source and "if True" not in source, source
    assert source.count("np.clip") == 1, source  # (the clip=True call keeps its clip)


def test_attribute_reads_leave_the_loop():
    model = Decay(np.array([1.0, 2.0, 0.5]))
    df = sg.grad(model.loss)
    assert_close(df(X), numeric_grad(model.loss, (X,), 0))
    source = _code(df.source_for(X))
    loop = source.index("for ")
    assert source.count("self.rate") == 1 and source.index("self.rate") < loop, source
    assert source.count("self.w") == 1 and source.index("self.w") < loop, source


def test_module_constants_are_read_in_place():
    df = sg.grad(rk_constants)
    assert_close(df(X), numeric_grad(rk_constants, (X,), 0))
    source = df.source_for(X)
    assert not re.search(r"\b(\w+)_\d+ = \1\b", source), source
    assert "DT" in source


@pytest.mark.skipif(importlib.util.find_spec("scipy") is None, reason="SciPy is not installed")
def test_an_unused_frozen_distribution_goes():
    import scipy.stats as st

    def frozen(x, mu, s):
        d = st.norm(mu, scale=s)
        return np.sum(d.logpdf(x))

    df = sg.grad(frozen, wrt=(0, 1, 2))
    got = df(X, 0.2, 1.3)
    for i, g in enumerate(got):
        assert_close(g, numeric_grad(frozen, [X, 0.2, 1.3], i))
    assert "d = " not in df.source and "st.norm(" not in df.source, df.source


def lotka(p, y):
    for _ in range(5):
        prey, pred = y[0], y[1]
        dy = np.array([p[0] * prey - p[1] * prey * pred, p[3] * prey * pred - p[2] * pred])
        y = y + DT * dy
    return np.sum(y**2)


def lotka_written(p, y):
    q = p.copy()
    for _ in range(3):
        y = y + DT * np.array([q[0] * y[0], -q[1] * y[1]])
        q[0] = q[0] * 0.5  # (a loop that writes: its item reads stay in it)
    return np.sum(y**2)


@pytest.mark.parametrize("f", [lotka, lotka_written])
def test_items_at_literal_indices_leave_loops_that_write_nothing(f):
    p, y = np.array([1.1, 0.4, 0.9, 0.3]), np.array([1.0, 0.5])
    df = sg.grad(f, wrt=(0, 1))
    for i, g in enumerate(df(p, y)):
        assert_close(g, numeric_grad(f, [p, y], i))
    source = _code(df.source_for(p, y))
    loop = source.index("for ")
    if f is lotka:
        for i in range(4):
            reads = [m.start() for m in re.finditer(rf"\bp\[{i}\]", source)]
            assert len(reads) == 1 and reads[0] < loop, source
        assert "shape_of" not in source, source  # (np.array of a list of numbers has a known shape)
    else:
        assert source.index("q[0]") > loop, source
