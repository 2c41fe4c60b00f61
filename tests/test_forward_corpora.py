"""Forward mode over every corpus the reverse mode is tested on.

Each row of the corpora tables (imported, not copied: tests/test_corpus_ml.py,
test_corpus_simulation.py, test_control_flow.py, test_inplace.py,
test_containers.py, golden_programs.py and the benchmark models) goes through
``sg.jvp`` with a random tangent on the arguments the row differentiates (zero
tangents on its other floating-point arguments) and is checked three ways:

* the value is ``f``'s value;
* the tangent is the directional derivative from central differences in float64;
* the dot-product test against reverse mode: ``<v, J t> == <J^T v, t>`` for a
  random cotangent ``v`` and the pullback of ``sg.vjp``.

Rows with few inputs also compare ``sg.jacobian(..., mode="forward")`` (which
differentiates w.r.t. the row's ``wrt`` only) with ``mode="reverse"``.
``REFUSED`` lists what forward mode cannot do that reverse mode can: each must
raise ``S2SGradError`` naming the file and line (see docs/errors.md).
"""
import copy
import inspect

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad import trees
from tests import golden_programs
from tests import test_containers as containers
from tests import test_control_flow as control_flow
from tests import test_corpus_ml as ml
from tests import test_corpus_simulation as simulation
from tests import test_errors as errors
from tests import test_inplace as inplace
from tests.benchmarks import models
from tests.numeric import assert_close

EPS = 1e-6
JACOBIAN_MAX_INPUTS = 64      # sg.jacobian(mode="forward") does one JVP per input element


def _indices(fn, wrt):
    names = list(inspect.signature(fn).parameters)
    wrt = wrt if isinstance(wrt, tuple) else (wrt,)
    return tuple(sorted({names.index(w) if isinstance(w, str) else w for w in wrt}))


def _rows():
    """(id, function, arguments, argument indices to differentiate), one per wrt of each row."""
    rows = []

    def add(source, fn, args, wrts, label=""):
        seen = set()
        for w in wrts:
            idx = _indices(fn, w)
            if idx not in seen:
                seen.add(idx)
                rows.append((f"{source}:{fn.__name__}{label}-wrt{''.join(map(str, idx))}", fn, tuple(args), idx))

    for k, (fn, args, wrt) in enumerate(ml.GRADS + ml.VJPS):
        add("ml", fn, args, [wrt], f"-{k}")
    for name, (fn, args, wrts, _) in simulation.CASES.items():
        add("sim", fn, args, wrts + [tuple(wrts)])
    for k, case in enumerate(control_flow.CASES):
        add("cf", case.fn, case.args, case.wrts, f"-{k}")
    for table in ("INPLACE", "MUTATING", "ALIASING", "READS", "SCATTERS", "LISTS"):
        for k, (fn, args, wrts) in enumerate(getattr(inplace, table)):
            add(f"inplace.{table}", fn, args, tuple(wrts) + (tuple(wrts),), f"-{k}")
    for table in ("CONTAINERS", "HELPERS"):
        for k, (fn, args, wrts) in enumerate(getattr(containers, table)):
            add(f"containers.{table}", fn, args, wrts, f"-{k}")
    for name, (fn, wrt, args) in golden_programs.CASES.items():
        add("golden", fn, args, [wrt])
    for name, problem in models.PROBLEMS.items():
        add("bench", problem["forward"], problem["inputs"](), [problem["wrt"]])
    return rows


ROWS = _rows()

# id -> reason: forward mode refuses what reverse mode differentiates (docs/errors.md)
REFUSED = {}


def _float64(tree):
    return trees.map_leaves(lambda _, v: np.asarray(v, dtype=np.float64) if isinstance(v, np.ndarray)
                            and v.dtype.kind == "f" else v, tree)


def _random_like(tree, rng):
    def leaf(_, v):
        if isinstance(v, np.ndarray):
            return rng.standard_normal(v.shape).astype(v.dtype)
        return float(rng.standard_normal())
    return trees.map_leaves(leaf, tree)


def _differentiable(value):
    leaves = [v for _, v in trees.leaves(value)]
    return bool(leaves) and all(isinstance(v, (float, np.floating, np.ndarray)) and np.asarray(v).dtype.kind == "f"
                                for v in leaves)


def _tangents(args, indices, rng):
    """A random tangent for each argument in `indices`, zeros for the other float arguments."""
    out = []
    for i, a in enumerate(args):
        if not _differentiable(a):
            out.append(None)
        elif i in indices:
            out.append(_random_like(a, rng))
        else:
            out.append(trees.zeros_like(a))
    return out


def _axpy(args, tangents, h):
    """args + h * tangents, leaf by leaf, in float64."""
    moved = []
    for a, t in zip(args, tangents):
        if t is None:
            moved.append(copy.deepcopy(a))
            continue
        moved.append(_move(a, dict(trees.leaves(t)), h))
    return moved


def _move(tree, flat, h):
    out = copy.deepcopy(_float64(tree))
    for p, t in flat.items():
        v = trees.get(out, p)
        new = np.asarray(v, dtype=np.float64) + h * np.asarray(t, dtype=np.float64)
        out = trees.with_leaf(out, p, new if isinstance(v, np.ndarray) else float(new))
    return out


def _flat(tree):
    return np.concatenate([np.ravel(np.asarray(v, dtype=np.float64)) for _, v in trees.leaves(tree)] or [np.zeros(0)])


def _directional(fn, args, tangents):
    plus = fn(*_axpy(args, tangents, EPS))
    minus = fn(*_axpy(args, tangents, -EPS))
    return (_flat(plus) - _flat(minus)) / (2 * EPS)


def _rtol(args):
    f32 = any(getattr(v, "dtype", None) == np.float32 for a in args for _, v in trees.leaves(a))
    return 1e-3 if f32 else 1e-5


def _params(rows):
    return [pytest.param(fn, args, idx, id=rid, marks=[pytest.mark.xfail(
        strict=True, raises=sg.S2SGradError, reason=REFUSED[rid])] if rid in REFUSED else [])
        for rid, fn, args, idx in rows]


def _names_a_line(err, fn):
    """The refusal names a line of fn's file (or of a helper it calls)."""
    assert ".py:" in str(err), str(err)


def _reverse_refuses(fn, args, indices):
    try:
        sg.vjp(fn, wrt=indices)(*copy.deepcopy(args))
    except sg.S2SGradError:
        return True
    return False


def check_jvp(fn, args, indices, tangents):
    """sg.jvp's value, its effect on the arguments and its tangent are f's own, and the
    directional derivative by central differences. Returns the tangent, flat."""
    call_args, own_args, given = copy.deepcopy(args), copy.deepcopy(args), copy.deepcopy(tangents)
    value, tangent_out = sg.jvp(fn, call_args, tangents)
    expected_value = fn(*own_args)
    # a derivative never changes the caller's data, even where f writes into its argument
    for got, was in zip([*trees.leaves(call_args), *trees.leaves(tangents)], [*trees.leaves(args), *trees.leaves(given)]):
        np.testing.assert_array_equal(got[1], was[1], err_msg="jvp changed an argument or a tangent")
    assert_close(_flat(value), _flat(expected_value), rtol=1e-12, atol=1e-12)
    # the tangent has the value's structure, shapes, and kind (a float for a float)
    assert [p for p, _ in trees.leaves(tangent_out)] == [p for p, _ in trees.leaves(expected_value)]
    for (_, t), (_, v) in zip(trees.leaves(tangent_out), trees.leaves(expected_value)):
        assert np.shape(t) == np.shape(v)
        assert isinstance(t, np.ndarray) == isinstance(v, np.ndarray), (type(t), type(v))
    rtol = _rtol(args)
    got = _flat(tangent_out)
    want = _directional(fn, args, tangents)
    scale = max(1.0, np.max(np.abs(want), initial=0.0))
    assert_close(got, want, rtol=rtol, atol=rtol * scale)
    return got


@pytest.mark.parametrize("fn, args, indices", _params(ROWS))
def test_jvp_matches_finite_differences_and_reverse_mode(fn, args, indices):
    rng = np.random.default_rng(0)
    tangents = _tangents(args, indices, rng)
    try:
        got = check_jvp(fn, args, indices, tangents)
    except sg.S2SGradError as err:
        # forward mode may refuse only what reverse mode refuses: sg.jvp differentiates
        # every floating-point argument, so ask reverse mode about all of them
        everything = tuple(i for i, t in enumerate(tangents) if t is not None)
        if not _reverse_refuses(fn, args, everything):
            raise
        _names_a_line(err, fn)
        return
    # dot-product test with reverse mode: <v, J t> == <J^T v, t>
    value, pullback = sg.vjp(fn, wrt=indices)(*copy.deepcopy(args))
    cotangent = _random_like(_float64(value), rng)
    pulled = pullback(cotangent)
    lhs = float(np.dot(_flat(cotangent), got))
    rhs = sum(float(np.dot(_flat(g), _flat(tangents[i]))) for g, i in zip(pulled, indices))
    rtol = 1e-8 if _rtol(args) < 1e-4 else 1e-3
    assert_close(lhs, rhs, rtol=rtol, atol=rtol * max(1.0, abs(rhs)))


def _small(args, indices):
    return sum(trees.size(args[i]) for i in indices) <= JACOBIAN_MAX_INPUTS


@pytest.mark.parametrize("fn, args, indices", _params([r for r in ROWS if _small(r[2], r[3])]))
def test_forward_jacobian_equals_reverse_jacobian(fn, args, indices):
    """mode="forward" differentiates w.r.t. `indices` only: it refuses exactly what reverse mode refuses."""
    try:
        reverse = sg.jacobian(fn, wrt=indices, mode="reverse")(*copy.deepcopy(args))
    except sg.S2SGradError:
        with pytest.raises(sg.S2SGradError) as info:
            sg.jacobian(fn, wrt=indices, mode="forward")(*copy.deepcopy(args))
        _names_a_line(info.value, fn)
        return
    forward = sg.jacobian(fn, wrt=indices, mode="forward")(*copy.deepcopy(args))
    assert [p for p, _ in trees.leaves(forward)] == [p for p, _ in trees.leaves(reverse)]
    assert_close(_flat(forward), _flat(reverse), rtol=_rtol(args), atol=_rtol(args))


def _marked(test, names):
    """The rows of a test's own @parametrize table (tables written inline in the decorator)."""
    mark = next(m for m in test.pytestmark if m.name == "parametrize" and m.args[0] == names)
    return mark.args[1]


# (function, arguments, wrt): code reverse mode refuses; forward mode must refuse it too
REFUSALS = (
    [pytest.param(fn, args, wrt, id=f"ml:{ml._id((fn, args, wrt))}") for fn, args, wrt, _ in ml.REFUSED] +
    [pytest.param(fn, args, 0, id=f"inplace:{fn.__name__}")
     for fn, args, _ in _marked(inplace.test_inplace_methods_refused, "fn, args, word")] +
    [pytest.param(fn, args, (0, 1), id=f"inplace:{fn.__name__}")
     for fn, args in _marked(inplace.test_repeated_index_error_names_the_line, "fn, args")] +
    [pytest.param(fn, (0.7, 3), 0, id=f"containers:{fn.__name__}")
     for fn in _marked(containers.test_recursion_refused, "fn")] +
    [pytest.param(fn, args, 0, id=f"errors:{fn.__name__}") for fn, args, _ in errors.REFUSED]
)


@pytest.mark.parametrize("fn, args, wrt", REFUSALS)
def test_what_reverse_mode_refuses_is_refused_or_right_in_forward_mode(fn, args, wrt):
    """Reverse mode refuses these; forward mode refuses them too, or (where its own
    derivative does not have reverse mode's difficulty) gets them right."""
    with pytest.raises(sg.S2SGradError):
        sg.grad(fn, wrt=wrt)(*copy.deepcopy(args))
    indices = _indices(fn, wrt)
    if not all(_differentiable(args[i]) for i in indices):
        with pytest.raises(sg.S2SGradError, match="with respect to"):
            sg.jacobian(fn, wrt=wrt, mode="forward")(*copy.deepcopy(args))
        return
    try:
        check_jvp(fn, args, indices, _tangents(args, indices, np.random.default_rng(0)))
    except sg.S2SGradError as err:
        _names_a_line(err, fn)


def _scalar_rows():
    """Rows with a scalar result whose gradient works: forward mode over that gradient (hvp)."""
    out = []
    for rid, fn, args, idx in ROWS:
        if rid.startswith("bench"):
            continue
        value = fn(*copy.deepcopy(args))
        if not isinstance(value, (dict, list, tuple)) and np.size(value) == 1:
            out.append((rid, fn, args, idx))
    return out


@pytest.mark.parametrize("fn, args, indices", _params(_scalar_rows()))
def test_hvp_is_refused_or_matches_differences_of_grad(fn, args, indices):
    """Forward mode over the generated gradient: the Hessian along a random direction
    against central differences of sg.grad (checked by the corpora), or an S2SGradError
    (second order refuses more than first order: see docs/errors.md)."""
    df = sg.grad(fn, wrt=indices)
    try:
        df(*copy.deepcopy(args))
    except sg.S2SGradError:
        return
    tangents = _tangents(args, indices, np.random.default_rng(0))
    try:
        got = sg.hvp(fn, wrt=indices)(*copy.deepcopy(args), tuple(tangents[i] for i in indices))
    except sg.S2SGradError as err:
        assert ".py:" in str(err) or "<s2sgrad:" in str(err), str(err)
        return
    moving = [t if i in indices else (None if t is None else trees.zeros_like(t)) for i, t in enumerate(tangents)]
    want = (_flat(df(*_axpy(args, moving, EPS))) - _flat(df(*_axpy(args, moving, -EPS)))) / (2 * EPS)
    rtol = max(_rtol(args), 1e-4)
    assert_close(_flat(got), want, rtol=rtol, atol=rtol * max(1.0, np.max(np.abs(want), initial=0.0)))
