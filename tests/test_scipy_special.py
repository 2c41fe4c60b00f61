"""scipy.special: every rule against central differences, reverse and forward
mode, second order where claimed (the harness: tests/scipy_rows.py)."""
import numpy as np
import pytest

from tests.scipy_rows import (check_forward, check_reverse, check_second, covered, draw, listed, params_of)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

S = "scipy.special."
X, POS, UNIT, BIG = draw((2, 3)), draw((2, 3), 0.6, 2.5), draw((2, 3), 0.1, 0.9), draw((2, 3), 1.5, 4.0)
ROW3 = draw((3,), 0.6, 2.5, salt=1)

UNARY = {  # name: (argument, second order)
    "expit": X, "logit": UNIT, "log_expit": X, "erf": X, "erfc": X, "erfinv": draw((2, 3), -0.8, 0.8),
    "erfcinv": draw((2, 3), 0.2, 1.8), "erfcx": X, "ndtr": X, "ndtri": UNIT, "log_ndtr": draw((2, 3), -4.0, 2.0),
    "gamma": POS, "gammaln": POS, "loggamma": POS, "digamma": POS, "psi": POS, "i0": X, "i0e": X, "i1": X,
    "i1e": X, "j0": X, "j1": X, "y0": POS, "y1": POS, "entr": POS, "expm1": X, "log1p": POS,
    "exprel": np.array([-1.5, -1e-4, 0.0, 2e-4, 0.3, 2.0]), "exp1": POS, "expi": POS, "spence": POS,
}
ROWS = [(f"{name}", ["x"], f"{S}{name}(x)", [x], True) for name, x in UNARY.items()]
ROWS += [(f"{name}-float", ["x"], f"{S}{name}(x)", [float(np.ravel(x)[1])], False) for name, x in UNARY.items()]
ROWS += [
    ("polygamma", ["x"], f"{S}polygamma(2, x)", [POS], True),
    ("polygamma-orders", ["x"], f"{S}polygamma(np.array([0, 1, 3]), x)", [ROW3], True),
    ("multigammaln", ["a"], f"{S}multigammaln(a, 3)", [BIG], True),
    ("multigammaln-float", ["a"], f"{S}multigammaln(a, 2)", [2.3], False),
    ("jv", ["x"], f"{S}jv(1.5, x)", [POS], True),
    ("jv-int", ["x"], f"{S}jv(2, x)", [X], True),
    ("yv", ["x"], f"{S}yv(0.5, x)", [POS], True),
    ("iv", ["x"], f"{S}iv(2.5, x)", [POS], True),
    ("ive", ["x"], f"{S}ive(1.0, x)", [X], True),
    ("kv", ["x"], f"{S}kv(0.7, x)", [POS], True),
    ("gammainc", ["x"], f"{S}gammainc(2.5, x)", [POS], True),
    ("gammaincc", ["x"], f"{S}gammaincc(np.array([0.7, 1.0, 3.0]), x)", [POS], True),
    ("zeta-q", ["q"], f"{S}zeta(3.0, q)", [POS], True),
    ("expn", ["x"], f"{S}expn(3, x)", [POS], True),
    ("betainc", ["x"], f"{S}betainc(2.5, 1.5, x)", [UNIT], True),
    ("betaincc", ["x"], f"{S}betaincc(np.array([0.8, 2.0, 3.0]), 1.5, x)", [UNIT], True),
    ("hyp1f1", ["x"], f"{S}hyp1f1(0.5, 1.5, x)", [X], True),
    ("hyp2f1", ["x"], f"{S}hyp2f1(0.5, 1.0, 1.5, x)", [draw((2, 3), -0.7, 0.7)], True),
    ("boxcox-x", ["x"], f"{S}boxcox(x, 0.4)", [POS], True),
    ("boxcox-l0", ["x"], f"{S}boxcox(x, 0.0)", [POS], True),
    ("inv_boxcox-x", ["y"], f"{S}inv_boxcox(y, 0.5)", [X], True),
    ("softmax", ["x"], f"{S}softmax(x)", [X], True),
    ("softmax-axis", ["x"], f"{S}softmax(x, axis=1)", [X], True),
    ("softmax-tuple-axis", ["x"], f"{S}softmax(x, axis=(0, 1))", [X], False),
    ("log_softmax", ["x"], f"{S}log_softmax(x, axis=0)", [X], True),
    ("log_softmax-all", ["x"], f"{S}log_softmax(x)", [X], True),
    ("logsumexp", ["a"], f"{S}logsumexp(a)", [X], True),
    ("logsumexp-axis", ["a"], f"{S}logsumexp(a, axis=1)", [X], True),
    ("logsumexp-keepdims", ["a"], f"{S}logsumexp(a, axis=0, keepdims=True) * a", [X], True),
    ("logsumexp-sign", ["a"], f"{S}logsumexp(a, axis=1, b=np.array([1.0, -0.2, 0.5]), return_sign=True)[0]",
     [X], True),
    ("logsumexp-loop", ["a"], "sum(" + S + "logsumexp(a[i] * 2.0) for i in range(2))", [X], True),
]
BINARY = {  # name: (x, y)
    "beta": (POS, draw((3,), 0.5, 2.0)), "betaln": (POS, 1.3), "xlogy": (X, POS), "xlog1py": (X, UNIT),
    "rel_entr": (POS, draw((3,), 0.5, 2.0)), "kl_div": (POS, UNIT), "poch": (POS, draw((3,), 0.2, 1.5)),
}
ROWS += [(name, ["x", "y"], f"{S}{name}(x, y)", list(args), True) for name, args in BINARY.items()]
ROWS += [
    ("boxcox", ["x", "l"], f"{S}boxcox(x, l)", [POS, draw((3,), -0.5, 0.8)], True),
    ("boxcox-l-at-0", ["x", "l"], f"{S}boxcox(x, l)", [POS, np.array([0.0, 0.3, -0.2])], False),
    ("inv_boxcox", ["y", "l"], f"{S}inv_boxcox(y, l)", [UNIT, draw((3,), -0.5, 0.8)], True),
    ("inv_boxcox-l-at-0", ["y", "l"], f"{S}inv_boxcox(y, l)", [UNIT, np.array([0.0, 0.3, -0.2])], False),
    # (forward mode, and so hvp, needs a varying b by position: the engine's rule for keywords)
    ("logsumexp-b", ["a", "b"], f"{S}logsumexp(a, axis=0, b=b)", [X, draw((3,), 0.5, 2.0)], False),
    ("logsumexp-b-keepdims", ["a", "b"], f"{S}logsumexp(a, axis=1, b=b, keepdims=True)", [X, POS], False),
    ("logsumexp-b-positional", ["a", "b"], f"{S}logsumexp(a, 1, b)", [X, POS], True),
]


@pytest.mark.parametrize("params, expr, args", params_of(ROWS, "all"))
def test_reverse(tmp_path, params, expr, args):
    check_reverse(tmp_path, params, expr, args)


# (the "-float" rows repeat their function on a Python float: reverse mode only)
@pytest.mark.parametrize("params, expr, args", params_of(
    [r for r in ROWS if "b=" not in r[2] and not r[0].endswith("-float")], "all"))
def test_forward(tmp_path, params, expr, args):
    check_forward(tmp_path, params, expr, args)


@pytest.mark.parametrize("params, expr, args", params_of(ROWS, "second"))
def test_second_order(tmp_path, params, expr, args):
    check_second(tmp_path, params, expr, args)


def test_every_special_rule_has_rows():
    assert listed("scipy.special.") - covered(ROWS) == set()
