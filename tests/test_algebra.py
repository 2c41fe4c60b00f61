"""The algebraic clean-up of generated expressions (s2sgrad/compiler/algebra.py):
each rewrite gives the same value, bit for bit, and applies only where it may."""

import gast
import numpy as np
import pytest

from s2sgrad.compiler.algebra import simplify

ROWS = [
    # source, simplified
    ("g * u + g * u", "2 * g * u"),
    ("u + u", "2 * u"),
    ("a[1:] * b + a[1:] * b", "2 * a[1:] * b"),
    ("a + -b", "a - b"),
    ("a - -b", "a + b"),
    ("-(-a)", "a"),
    ("x + (g * u + g * u)", "x + 2 * g * u"),
    # negations in a chain of *, /, sums, reshapes cancel in pairs; one left goes to + or -
    ("-(g * (-u / x) * a[1:])", "g * (u / x) * a[1:]"),
    ("-(-g * u * -x)", "-(g * u * x)"),
    ("x + np.sum(g * (-u / a[1:]), axis=0)", "x - np.sum(g * (u / a[1:]), axis=0)"),
    ("x - (-g).reshape((5,)) * u", "x + g.reshape((5,)) * u"),
    ("-g * u + x", "x - g * u"),
    ("(-g) * (-u)", "g * u"),
    # two constant factors in a row fold where one is a power of two (scaling by it is exact)
    ("g * 0.5 * 1.1283791670955126", "g * 0.5641895835477563"),
    ("g * 3.0 * 0.25", "g * 0.75"),
    ("-g * 0.5 * 1.1283791670955126 * u / x", "-g * 0.5641895835477563 * u / x"),
    ("g * 0.5 * (2 * u)", "g * u"),  # the adjoint of u ** 2 under a mean's 0.5
    ("g * 0.25 * (2 * u)", "g * 0.5 * u"),
    # two numbers multiplied first are one (Python computes the same product when the line runs)
    ("1.5 * 0.3 * g", "0.44999999999999996 * g"),
    ("3 * 2 * g * u", "6 * g * u"),
    ("x + 1.5 * 0.3 * u + 1.5 * 0.3 * u", "x + 0.44999999999999996 * u + 0.44999999999999996 * u"),
    # not rewritten: calls may cost or have effects; different terms stay
    ("f(u) + f(u)", "f(u) + f(u)"),
    ("g * u + u * g", "g * u + u * g"),
    ("a - b", "a - b"),
    ("-g * u", "-g * u"),  # one negation: left where it is (a number's is cheaper)
    ("-(g * u)", "-(g * u)"),
    ("f(-g) * -u", "f(-g) * -u"),
    ("g * 3.0 * 1.1", "g * 3.0 * 1.1"),  # neither a power of two: the product would round differently
    ("g * 0.5 * u", "g * 0.5 * u"),
    ("g * 0.5 * (3 * u)", "g * 0.5 * (3 * u)"),  # 3 * u rounds: not folded
]


def _expr(text):
    return gast.parse(text).body[0].value


@pytest.mark.parametrize("source, expected", ROWS)
def test_rewrite(source, expected):
    assert gast.unparse(simplify(_expr(source), "np")).strip() == expected


@pytest.mark.parametrize("source, expected", [r for r in ROWS if "f(" not in r[0]])
def test_rewrite_is_exact(source, expected):
    rng = np.random.default_rng(0)
    env = {n: rng.normal(size=5) for n in ("g", "u", "a", "b", "x")}
    env["a"] = rng.normal(size=6)
    env["b"] = float(rng.normal())
    env["x"] = rng.normal(size=(5,))
    before, after = eval(source, {"np": np}, env), eval(expected, {"np": np}, env)
    assert np.array_equal(before, after)


def test_the_seed_meets_a_constant():
    """The reverse sweep spells the seed 1.0 as a name (reverse.ONE_NAME): `1.0 * 0.5 * u` is
    `0.5 * u`, and doubled, `2 * 1.0 * u` is `2.0 * u` (a float, as 2 * 1.0 is)."""
    seed = gast.Name("1.0", gast.Load(), None, None)
    product = gast.BinOp(gast.BinOp(seed, gast.Mult(), gast.Constant(0.5, None)), gast.Mult(), _expr("u"))
    assert gast.unparse(simplify(product, "np")).strip() == "0.5 * u"
    term = gast.BinOp(gast.Name("1.0", gast.Load(), None, None), gast.Mult(), _expr("u"))
    doubled = gast.BinOp(term, gast.Add(), gast.BinOp(gast.Name("1.0", gast.Load(), None, None), gast.Mult(), _expr("u")))
    assert gast.unparse(simplify(doubled, "np")).strip() == "2.0 * u"
