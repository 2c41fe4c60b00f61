"""``sg.vjp``: the pullback against ``sg.grad`` and finite differences.

* Every program of the corpora (control flow, in-place writes and aliasing,
  containers and helpers, the golden programs, the benchmark models), for each
  of its ``wrt`` choices, plain and with checkpointed loops: ``pullback(1.0)``
  equals ``sg.grad`` (the split into a forward function that saves values and
  a backward function that reads them must lose nothing: every adjoint the
  backward reads is initialised, every saved value is bound on every path),
  and calling the pullback again gives the same answer (the backward restores
  overwritten array parts in place, so it runs on a copy of what was saved).
* Array and tuple results (the Jacobian table of tests/test_modes.py): the
  pullback of a random cotangent matches central differences of ``f . c``, and
  leaves the cotangent, the value and the arguments alone.
* The cotangent must have the output's structure and shapes: anything else is
  an ``S2SGradError`` naming the function, never a NumPy broadcast.
"""
import copy

import numpy as np
import pytest

import s2sgrad as sg
from tests import golden_programs as golden
from tests import test_containers as ct
from tests import test_control_flow as cf
from tests import test_inplace as ip
from tests import test_modes as modes
from tests.benchmarks import models
from tests.numeric import assert_close, numeric_grad
from tests.test_inplace import _leaf_paths

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


# ---------------------------------------------------------------------------
# the corpora as (function, arguments, wrt)
# ---------------------------------------------------------------------------

def _small_models():
    return [
        ("thirty_lines", models.thirty_lines, models.make_thirty_lines_inputs(), models.THIRTY_LINES_WRT),
        ("simulate", models.simulate, models.make_simulate_inputs(n=200, seed=1), models.SIMULATE_WRT),
        ("mlp", models.mlp_loss, models.make_mlp_inputs(batch=5, n_in=7, n_hidden=6, n_out=4, seed=1),
         models.MLP_WRT),
        ("rnn", models.rnn_loss, models.make_rnn_inputs(steps=4, batch=3, n_in=2, n_hidden=5, n_out=3, seed=1),
         models.RNN_WRT),
    ]


def _corpus():
    out = []
    for k, case in enumerate(cf.CASES):
        label = f"{case.fn.__name__}[{case.label}]" if case.label else case.fn.__name__
        out += [pytest.param(case.fn, case.args, w, id=f"cf-{label}-{k}-wrt={w!r}") for w in case.wrts]
    for table in ("INPLACE", "MUTATING", "READS", "LISTS", "ALIASING"):
        for k, (fn, args, wrts) in enumerate(getattr(ip, table)):
            wrts = tuple(wrts) + ((tuple(wrts),) if len(wrts) > 1 else ())
            out += [pytest.param(fn, args, w, id=f"ip-{table.lower()}-{fn.__name__}-{k}-wrt={w!r}") for w in wrts]
    for table in ("CONTAINERS", "HELPERS"):
        for k, (fn, args, wrts) in enumerate(getattr(ct, table)):
            out += [pytest.param(fn, args, w, id=f"ct-{table.lower()}-{fn.__name__}-{k}-wrt={w!r}") for w in wrts]
    for name, (fn, wrt, args) in golden.CASES.items():
        out.append(pytest.param(fn, args, wrt, id=f"golden-{name}"))
    for name, fn, args, wrt in _small_models():
        out.append(pytest.param(fn, args, wrt, id=f"models-{name}"))
    return out


CORPUS = _corpus()


def test_corpus_is_reused_whole():
    assert len({p.values[0] for p in CORPUS}) >= 140
    assert len(CORPUS) >= 450


def _assert_same_tree(actual, expected, rtol, atol=1e-12):
    """Same structure (containers, float vs array, shapes) and close leaves."""
    a, e = list(_leaf_paths(actual)), list(_leaf_paths(expected))
    assert [p for p, _ in a] == [p for p, _ in e], "the structure differs"
    assert type(actual) is type(expected)
    for (path, x), (_, y) in zip(a, e):
        assert type(x) is type(y), f"leaf {path}: {type(x).__name__} vs {type(y).__name__}"
        assert np.shape(x) == np.shape(y), f"leaf {path}: shape {np.shape(x)} vs {np.shape(y)}"
        assert_close(x, y, rtol=rtol, atol=atol)


@pytest.mark.parametrize("checkpoints", [None, 2])
@pytest.mark.parametrize("fn, args, wrt", CORPUS)
def test_pullback_of_one_is_grad_and_can_run_again(fn, args, wrt, checkpoints):
    try:
        expected = sg.grad(fn, wrt=wrt)(*copy.deepcopy(args))
    except sg.S2SGradError:
        # refused (a view written in place, ...): vjp refuses the same program
        with pytest.raises(sg.S2SGradError):
            sg.vjp(fn, wrt=wrt, checkpoints=checkpoints)(*copy.deepcopy(args))[1](1.0)
        return
    value, pullback = sg.vjp(fn, wrt=wrt, checkpoints=checkpoints)(*copy.deepcopy(args))
    assert_close(value, fn(*copy.deepcopy(args)), rtol=1e-12, atol=1e-14)
    first = pullback(1.0)
    # the two sweeps order some sums differently
    _assert_same_tree(first, expected, rtol=1e-10)
    _assert_same_tree(pullback(1.0), first, rtol=0, atol=0)


def test_pullback_of_the_thirty_line_model():
    """The regression: clean-up folded the backward's `dreg = dtotal_2` (the cotangent
    parameter) into the uses of `dreg`, renaming them to a name never assigned."""
    args = models.make_thirty_lines_inputs()
    f = sg.vjp(models.thirty_lines, wrt=models.THIRTY_LINES_WRT)
    _, pullback = f(*args)
    _assert_same_tree(pullback(1.0), sg.grad(models.thirty_lines, wrt=models.THIRTY_LINES_WRT)(*args), rtol=1e-10)
    assert "def thirty_lines_backward(saved, dtotal_2):" in f.source
    assert "    dreg = dtotal_2\n" in f.source


def test_saved_values_bound_on_some_paths_only():
    f = sg.vjp(cf.early_return, wrt=(0, 1))
    for args in [(-1.0, 2.0), (2.0, 3.0), (0.5, 0.5)]:       # each return taken
        _, pullback = f(*args)
        _assert_same_tree(pullback(1.0), sg.grad(cf.early_return, wrt=(0, 1))(*args), rtol=1e-12)
    forward = f.source[:f.source.index("def early_return_backward")]
    assert "cond_1 = t = z = z_1 = None" in forward     # (wrt=(0, 1) saves t = -x too)


def test_pullback_of_in_place_code_works_on_a_copy():
    f = sg.vjp(ip.set_step_slice, wrt=0)
    _, pullback = f(ip.X6, ip.V3)
    assert "= fresh_copy(saved" in f.source      # the sweep restores u[::-3] and u[1::2] in place
    expected = numeric_grad(ip.set_step_slice, (ip.X6, ip.V3), 0)
    for _ in range(3):
        assert_close(pullback(1.0), expected)


# ---------------------------------------------------------------------------
# array and tuple results: a random cotangent, against finite differences
# ---------------------------------------------------------------------------

def _cotangent_like(out, seed):
    rng = np.random.default_rng(seed)
    if isinstance(out, tuple):
        return tuple(_cotangent_like(o, seed + k) for k, o in enumerate(out))
    return rng.uniform(-1.0, 1.0, size=np.shape(out)) if np.ndim(out) else float(rng.uniform(-1.0, 1.0))


def _dot(out, cot):
    if isinstance(out, tuple):
        return sum(_dot(o, c) for o, c in zip(out, cot))
    return float(np.sum(np.asarray(out) * cot))


def two_results(x, a):
    u = x * 1.0
    for i in range(3):
        u[1:] = u[1:] + a * u[:-1]
    return u, np.sum(u * u) * a


ARRAY_RESULTS = [pytest.param(fn, args, wrt, id=f"{fn.__name__}-{k}-wrt={wrt!r}")
                 for k, (fn, args, wrt) in enumerate(modes.JACOBIANS)] + [
    pytest.param(two_results, (modes.X4, 0.6), (0, 1), id="two_results"),
]


@pytest.mark.parametrize("fn, args, wrt", ARRAY_RESULTS)
def test_pullback_matches_finite_differences(fn, args, wrt):
    call_args = copy.deepcopy(args)
    value, pullback = sg.vjp(fn, wrt=wrt)(*call_args)
    kept = copy.deepcopy(value)
    cot = _cotangent_like(value, seed=3)
    before = copy.deepcopy(cot)
    got = pullback(cot)
    ws = wrt if isinstance(wrt, tuple) else (wrt,)
    got = got if isinstance(wrt, tuple) else (got,)
    for w, g in zip(ws, got):
        i = modes._index(fn, w)
        expected = numeric_grad(lambda *a: _dot(fn(*copy.deepcopy(a)), before), args, i)
        assert np.shape(g) == np.shape(args[i])
        assert_close(g, expected, rtol=1e-6, atol=1e-8)
    again = pullback(cot)
    _assert_same_tree(again if isinstance(wrt, tuple) else (again,), tuple(got), rtol=0, atol=0)
    _assert_same_tree(cot, before, rtol=0, atol=0)            # the cotangent is not written into
    _assert_same_tree(value, kept, rtol=0, atol=0)            # nor the value
    _assert_same_tree(tuple(call_args), tuple(args), rtol=0, atol=0)


# ---------------------------------------------------------------------------
# the cotangent's structure and shapes
# ---------------------------------------------------------------------------

def vector_result(x):
    return np.sin(x) * 2.0


def pair_result(x):
    return x * 2.0, np.sum(x * x)


def size_one_result(x):
    return x[0:1] * x[1:2]


X = np.array([0.3, -0.7, 1.1])

BAD_COTANGENTS = [
    (vector_result, 1.0, "for output of shape (); output has shape (3,)"),
    (vector_result, np.ones(4), "for output of shape (4,); output has shape (3,)"),
    (vector_result, np.ones((1, 3)), "for output of shape (1, 3); output has shape (3,)"),
    (vector_result, (np.ones(3),), "for output of structure (shape (3,),); output has shape (3,)"),
    (pair_result, np.ones(3), "for output of shape (3,); output has structure (shape (3,), shape ())"),
    (pair_result, (np.ones(3),), "for output of structure (shape (3,),); output has structure"),
    (pair_result, (np.ones(2), 1.0), "for output[0] of shape (2,); output[0] has shape (3,)"),
    (pair_result, (np.ones(3), np.ones(3)), "for output[1] of shape (3,); output[1] has shape ()"),
    (size_one_result, np.ones(2), "for output of shape (2,); output has shape (1,)"),
]


@pytest.mark.parametrize("fn, cot, message", BAD_COTANGENTS,
                         ids=[f"{fn.__name__}-{k}" for k, (fn, _, _) in enumerate(BAD_COTANGENTS)])
def test_cotangent_of_the_wrong_shape_is_an_error(fn, cot, message):
    _, pullback = sg.vjp(fn)(X)
    with pytest.raises(sg.S2SGradError) as info:
        pullback(cot)
    text = str(info.value)
    assert f"the pullback of {fn.__name__} got a cotangent" in text and message in text, text


@pytest.mark.parametrize("cot", [1.0, np.array(1.0), np.array([1.0]), np.array([[1.0]])])
def test_size_one_result_takes_any_size_one_cotangent(cot):
    """As grad takes a size-1 result for a scalar, the pullback takes a scalar for it."""
    value, pullback = sg.vjp(size_one_result)(X)
    assert np.shape(value) == (1,)
    assert_close(pullback(cot), sg.grad(size_one_result)(X))


def test_list_cotangent_for_an_array_result():
    _, pullback = sg.vjp(vector_result)(X)
    assert_close(pullback([1.0, 0.0, -2.0]), pullback(np.array([1.0, 0.0, -2.0])))
