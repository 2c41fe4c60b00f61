"""Checkpointed loops: ``sg.checkpointed(range(n), snapshots=k)`` and ``checkpoints=k``.

A checkpointed loop keeps k snapshots of its state and recomputes the rest of
the forward sweep on the binomial schedule of ``s2sgrad.schedule``; its
derivative must be the stored loop's derivative to round-off. Checked here:

* the control-flow corpus (tests/test_control_flow.py) and the in-place corpus
  (tests/test_inplace.py): every program with an outermost ``for`` over
  ``range`` or ``while`` loop without ``break`` / ``return`` in it, with
  ``checkpoints=k`` for k = 1, 2, 5: ``grad`` and ``value_and_grad`` equal the stored derivative
  (rtol 1e-12), the value equals ``f(*args)``, and the arguments are left as
  the stored derivative leaves them (unchanged when the function works on a
  copy);
* loops with branches, inner loops, in-place updates and helper calls in the
  body, marked with ``sg.checkpointed`` in the source; ranges with a start, a
  negative step and zero trips; n = 0, 1, 2 and n much larger than k;
* ``vjp`` pullbacks of array and tuple results;
* the schedule, for a known trip count and for a while loop: the number of
  forward steps equals ``predicted_steps(n, k)`` (counted by wrapping the step
  functions the generated code hands it), every step is run again at most
  t + 1 times after the first sweep (t the least number with C(k + t, k) >= n),
  the reverse visits every step once, last first, and at most k states are
  held; with a known trip count the step count is the optimum (a dynamic
  program over all schedules), for a while loop within 35% of it for short
  loops and 15% for the benchmark's;
* the generated source holds the loop body in ``step_taped`` and in the values-only
  loop ``steps``, its reverse once, and calls ``schedule.reverse``;
* refused: ``break`` / ``return`` in a loop marked ``sg.checkpointed`` and
  ``sg.checkpointed`` over a non-range are ``S2SGradError`` naming the line;
  with ``checkpoints=k`` such loops stay stored;
* second order (``grad(grad(f))``, ``hvp``, ``hessian``) over a checkpointed
  gradient differentiates the stored gradient and is checked against it and
  finite differences.

Known bugs are ``xfail(strict=True)`` with the reason: when one is fixed the
test passes, pytest reports it, and the mark should go.
"""
import ast
import copy
import importlib.util
import inspect
import os
import re
import textwrap
from collections import Counter
from math import comb

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad.runtime.schedule import checkpoints, predicted_steps
from tests import test_control_flow as cf
from tests import test_inplace as ip
from tests.numeric import numeric_grad

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

THIS_FILE = os.path.basename(__file__)
DOCS_PAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "checkpointing.md")
KS = (1, 2, 5)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def assert_same(got, ref, rtol=1e-12):
    """Same structure (float vs array, tuple lengths, shapes) and equal to round-off."""
    if isinstance(ref, tuple):
        assert isinstance(got, tuple) and len(got) == len(ref), f"{got!r} vs {ref!r}"
        for g, r in zip(got, ref):
            assert_same(g, r, rtol)
        return
    if isinstance(ref, np.ndarray):
        assert isinstance(got, np.ndarray) and got.shape == ref.shape, f"{got!r} vs {ref!r}"
    else:
        assert not isinstance(got, np.ndarray) and type(got) is type(ref), f"{got!r} vs {ref!r}"
    scale = float(np.max(np.abs(ref))) if np.size(ref) else 0.0
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=rtol * scale + 1e-300)


def _loops(fn):
    """The outermost loops of fn (not inside another loop): whether each can be
    checkpointed (a `while`, or a `for` over `range(...)`) and can end early (a break
    of its own, or a return)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    found = []

    def exits(loop):
        def walk(node, own):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.Return):
                    return True
                if isinstance(child, ast.Break) and own:
                    return True
                if isinstance(child, (ast.FunctionDef, ast.Lambda)):
                    continue
                if walk(child, own and not isinstance(child, (ast.For, ast.While))):
                    return True
            return False
        return walk(loop, True)

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.For):
                is_range = (isinstance(child.iter, ast.Call) and isinstance(child.iter.func, ast.Name)
                            and child.iter.func.id == "range")
                found.append((is_range, exits(child)))
            elif isinstance(child, ast.While):
                found.append((True, exits(child)))
            else:
                visit(child)
    visit(tree.body[0])
    return found


def checkpointable(fn):
    """Has an outermost loop that checkpoints=k checkpoints: over a range or a while,
    not ending early."""
    return any(is_range and not exit_ for is_range, exit_ in _loops(fn))


def only_early_exits(fn):
    """Has outermost range or while loops, all of which can end early."""
    loops = [exit_ for is_range, exit_ in _loops(fn) if is_range]
    return bool(loops) and all(loops)


class Recorder:
    """Wraps the schedule's step functions to count, for each loop index, how often
    an iteration runs forward (plain or taped) and in what order the reverse visits them."""

    def __init__(self, monkeypatch):
        self.plans = []
        forward, reverse = checkpoints.forward, checkpoints.reverse
        recorder = self

        def counted(plan, fn):
            def run(i, *args):
                plan.calls[i] += 1
                return fn(i, *args)
            return run

        def counted_steps(plan, fn):
            def run(indices, *args):
                for i in indices:
                    plan.calls[i] += 1
                return fn(indices, *args)
            return run

        def rec_forward(plan, step, state, *more):
            plan.calls, plan.back_order = Counter(), []
            recorder.plans.append(plan)
            return forward(plan, counted_steps(plan, step), state, *more)

        def rec_reverse(plan, step, step_taped, step_back, adjoints):
            def back(i, item, *adj):
                plan.back_order.append(i)
                return step_back(i, item, *adj)
            return reverse(plan, counted_steps(plan, step), counted(plan, step_taped), back, adjoints)

        monkeypatch.setattr(checkpoints, "forward", rec_forward)
        monkeypatch.setattr(checkpoints, "reverse", rec_reverse)


def repetitions(n, k):
    t = 0
    while comb(k + t, k) < n:
        t += 1
    return t


# ---------------------------------------------------------------------------
# the control-flow corpus with checkpoints=k
# ---------------------------------------------------------------------------

# Programs of the corpora whose checkpointed derivative is wrong today (s2sgrad bugs):
KNOWN_BUGS = {}


def _mark(fn, param):
    reason = KNOWN_BUGS.get(fn.__name__)
    return pytest.param(*param.values, id=param.id,
                        marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else [])


def _control_flow_params():
    out = []
    for case in cf.CASES:
        if not checkpointable(case.fn):
            continue
        name = case.fn.__name__ + (f"[{case.label}]" if case.label else "")
        for wrt in case.wrts:
            for k in KS:
                out.append(_mark(case.fn, pytest.param(case.fn, case.args, wrt, k, id=f"{name}-wrt={wrt!r}-k={k}")))
    return out


CF_PARAMS = _control_flow_params()


def test_control_flow_selection():
    """The selection picks the range and while loops of the corpus and leaves out break / return."""
    names = {p.values[0].__name__ for p in CF_PARAMS}
    assert len(names) >= 20, sorted(names)
    assert {"simulate", "fib_unpack", "branches_in_loop", "nested_two", "while_in_for",
            "loops_in_branches", "for_continue", "newton_sqrt", "halve_until_small", "for_in_while"} <= names
    assert not names & {"for_break", "return_in_loop", "nested_data_break", "rnn"}


def _stored_and_checkpointed(fn, args, wrt, k, variant):
    make = getattr(sg, variant)
    stored_args, ckpt_args = copy.deepcopy(args), copy.deepcopy(args)
    stored = make(fn, wrt=wrt)(*stored_args)
    d = make(fn, wrt=wrt, checkpoints=k)
    got = d(*ckpt_args)
    assert "schedule.reverse(" in d.source, "the loop was not checkpointed"
    return stored, got, stored_args, ckpt_args


@pytest.mark.parametrize("fn, args, wrt, k", CF_PARAMS)
def test_control_flow_grad(fn, args, wrt, k):
    stored, got, _, ckpt_args = _stored_and_checkpointed(fn, args, wrt, k, "grad")
    assert_same(got, stored)
    for a, b in zip(ckpt_args, args):
        np.testing.assert_array_equal(a, b, err_msg="the checkpointed derivative mutated an argument")


@pytest.mark.parametrize("fn, args, wrt, k", CF_PARAMS)
def test_control_flow_value_and_grad(fn, args, wrt, k):
    (v_stored, g_stored), (value, got), _, _ = _stored_and_checkpointed(fn, args, wrt, k, "value_and_grad")
    assert value == v_stored
    np.testing.assert_allclose(value, fn(*copy.deepcopy(args)), rtol=1e-12, atol=1e-14)
    assert_same(got, g_stored)


# ---------------------------------------------------------------------------
# the in-place corpus with checkpoints=k
# ---------------------------------------------------------------------------

def _inplace_params(table, tag):
    out = []
    for j, (fn, args, wrts) in enumerate(table):
        if not checkpointable(fn):
            continue
        choices = list(wrts) + ([tuple(wrts)] if len(wrts) > 1 else [])
        for wrt in choices:
            for k in KS:
                out.append(_mark(fn, pytest.param(fn, args, wrt, k, id=f"{tag}-{fn.__name__}-{j}-wrt{wrt}-k{k}")))
    return out


INPLACE_PARAMS = _inplace_params(ip.INPLACE, "copy")
MUTATING_PARAMS = _inplace_params(ip.MUTATING, "arg")


def test_inplace_selection():
    names = {p.values[0].__name__ for p in INPLACE_PARAMS}
    assert len(names) >= 15, sorted(names)
    assert {"heat", "stencil_2d_slices", "fill_empty_loop", "recurrence_copy", "clip_positive",
            "nested_loops", "swap_elements", "overwrite_many_times"} <= names
    assert "while_write" in names


@pytest.mark.parametrize("fn, args, wrt, k", INPLACE_PARAMS)
def test_inplace_grad(fn, args, wrt, k):
    stored, got, _, ckpt_args = _stored_and_checkpointed(fn, args, wrt, k, "grad")
    assert_same(got, stored)
    ip.assert_tree_equal(ckpt_args, args)      # the function works on copies: no side effects


@pytest.mark.parametrize("fn, args, wrt, k", INPLACE_PARAMS)
def test_inplace_value_and_grad(fn, args, wrt, k):
    (v_stored, g_stored), (value, got), _, ckpt_args = _stored_and_checkpointed(fn, args, wrt, k, "value_and_grad")
    assert value == v_stored
    np.testing.assert_allclose(value, fn(*copy.deepcopy(args)), rtol=1e-12, atol=1e-12)
    assert_same(got, g_stored)
    ip.assert_tree_equal(ckpt_args, args)


@pytest.mark.parametrize("fn, args, wrt, k", MUTATING_PARAMS)
def test_writes_into_argument(fn, args, wrt, k):
    """A loop writing into its argument: the same gradient, and the argument left as
    the stored derivative leaves it."""
    stored, got, stored_args, ckpt_args = _stored_and_checkpointed(fn, args, wrt, k, "grad")
    assert_same(got, stored)
    ip.assert_tree_equal(ckpt_args, stored_args)


# ---------------------------------------------------------------------------
# hand-written programs: branches, inner loops, in-place updates, helpers, the marker
# ---------------------------------------------------------------------------

def _relax(u, w):
    return np.tanh(u * w) + 0.1 * u


def _diffuse(u, r):
    return u[1:-1] + r * (u[2:] - 2.0 * u[1:-1] + u[:-2])


def mixed_body(x, w, n):
    u = x.copy()
    s = 0.0
    for i in sg.checkpointed(range(n), snapshots=3):
        if np.sum(u) > 0.5:                    # a branch on data
            u = _relax(u, w)                   # a helper returning a new array
        else:
            u = u * 0.9 + w
        for j in range(2):                     # an inner loop of element writes
            u[j] = u[j] * w + u[j + 1]
        u[1:] += 0.1 * u[:-1]                  # an augmented slice write
        u[1:-1] = _diffuse(u, 0.2)             # a helper inside a slice write
        s = s + np.sum(u * u) / (i + 1)
    return s


def mixed_body_stored(x, w, n):
    u = x.copy()
    s = 0.0
    for i in range(n):
        if np.sum(u) > 0.5:
            u = _relax(u, w)
        else:
            u = u * 0.9 + w
        for j in range(2):
            u[j] = u[j] * w + u[j + 1]
        u[1:] += 0.1 * u[:-1]
        u[1:-1] = _diffuse(u, 0.2)
        s = s + np.sum(u * u) / (i + 1)
    return s


def heat_marked(u0, r, n, k):
    u = u0.copy()
    for t in sg.checkpointed(range(n), snapshots=k):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.sum(u * u * u0)


def heat_stored(u0, r, n, k):
    u = u0.copy()
    for t in range(n):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.sum(u * u * u0)


def spring(k, c, x0, n, snaps):
    x, v = x0, 0.0
    for _ in sg.checkpointed(range(n), snapshots=snaps):
        a = -k * x - c * v
        if abs(a) > 10.0:
            a = 10.0 * np.sign(a)
        v = v + 0.01 * a
        x = x + 0.01 * v
    return (x - 1.0) ** 2


def spring_stored(k, c, x0, n, snaps):
    x, v = x0, 0.0
    for _ in range(n):
        a = -k * x - c * v
        if abs(a) > 10.0:
            a = 10.0 * np.sign(a)
        v = v + 0.01 * a
        x = x + 0.01 * v
    return (x - 1.0) ** 2


def stepped(x, n):
    s = x
    for i in sg.checkpointed(range(2, n, 3), snapshots=2):
        s = np.arctan(s) * 1.5 + x * i
    for i in sg.checkpointed(range(n, 0, -2), 2):       # snapshots given by position
        s = np.sin(s) + 0.1 * i
    return s


def stepped_stored(x, n):
    s = x
    for i in range(2, n, 3):
        s = np.arctan(s) * 1.5 + x * i
    for i in range(n, 0, -2):
        s = np.sin(s) + 0.1 * i
    return s


def default_snapshots(x, n):
    s = x
    for i in sg.checkpointed(range(n)):                 # ceil(sqrt(n)) snapshots
        s = np.sin(s) * 1.2 + 0.1
    return s


def default_snapshots_stored(x, n):
    s = x
    for i in range(n):
        s = np.sin(s) * 1.2 + 0.1
    return s


def list_state(x, n):
    out = []
    s = x
    for i in sg.checkpointed(range(n), snapshots=2):
        s = np.sin(s) * 1.1
        out.append(s)
    return np.sum(np.stack(out) * np.arange(1.0, n + 1.0)[:, None])


def list_state_stored(x, n):
    out = []
    s = x
    for i in range(n):
        s = np.sin(s) * 1.1
        out.append(s)
    return np.sum(np.stack(out) * np.arange(1.0, n + 1.0)[:, None])


X4 = np.array([0.3, -0.2, 0.5, 0.1])
U8 = np.sin(np.linspace(0.0, 3.0, 8)) + 0.1


@pytest.mark.parametrize("n", [0, 1, 2, 3, 17, 60])
def test_mixed_body(n):
    x = X4.copy()
    got = sg.grad(mixed_body, wrt=(0, 1))(x, 0.7, n)
    assert_same(got, sg.grad(mixed_body_stored, wrt=(0, 1))(X4, 0.7, n))
    np.testing.assert_array_equal(x, X4)
    if n == 17:   # and both are right
        np.testing.assert_allclose(got[0], numeric_grad(mixed_body_stored, (X4, 0.7, n), 0), rtol=1e-6)
        np.testing.assert_allclose(got[1], numeric_grad(mixed_body_stored, (X4, 0.7, n), 1), rtol=1e-6)


@pytest.mark.parametrize("n", [0, 1, 2, 5, 40, 300])
@pytest.mark.parametrize("k", [1, 2, 3, 7, 50])
def test_heat_marked(n, k):
    u0 = U8.copy()
    got = sg.grad(heat_marked, wrt=(0, 1))(u0, 0.2, n, k)
    assert_same(got, sg.grad(heat_stored, wrt=(0, 1))(U8, 0.2, n, k))
    np.testing.assert_array_equal(u0, U8)       # u0 is copied, then written in place: left alone
    v, g = sg.value_and_grad(heat_marked, wrt=(0, 1))(u0, 0.2, n, k)
    assert v == heat_stored(U8, 0.2, n, k)
    assert_same(g, got)


@pytest.mark.parametrize("n, snaps", [(0, 2), (1, 1), (2, 1), (2, 5), (100, 2), (400, 3), (400, 30)])
def test_spring_marked(n, snaps):
    for args in ((50.0, 1.0, 0.5, n, snaps), (4.0, 0.5, 0.5, n, snaps)):   # clipping and smooth
        assert_same(sg.grad(spring, wrt=(0, 1, 2))(*args), sg.grad(spring_stored, wrt=(0, 1, 2))(*args))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 11, 40])
def test_ranges_with_start_and_step(n):
    assert_same(sg.grad(stepped)(0.3, n), sg.grad(stepped_stored)(0.3, n))


@pytest.mark.parametrize("n", [1, 2, 10, 99, 400])
def test_default_snapshots(n):
    assert_same(sg.grad(default_snapshots)(0.4, n), sg.grad(default_snapshots_stored)(0.4, n))


def test_list_appended_in_checkpointed_loop():
    x = np.array([0.7, 0.2, -0.4])
    assert_same(sg.grad(list_state)(x, 9), sg.grad(list_state_stored)(x, 9))


def test_marker_is_identity_when_called():
    assert list(sg.checkpointed(range(5), snapshots=2)) == [0, 1, 2, 3, 4]
    assert heat_marked(U8, 0.2, 7, 2) == heat_stored(U8, 0.2, 7, 2)


def test_marker_imported_by_name():
    from s2sgrad import checkpointed

    def f(x, n):
        s = x
        for i in checkpointed(range(n), snapshots=2):
            s = s * np.cos(s) + x
        return s

    def f_stored(x, n):
        s = x
        for i in range(n):
            s = s * np.cos(s) + x
        return s

    d = sg.grad(f)
    assert_same(d(0.4, 12), sg.grad(f_stored)(0.4, 12))
    assert "schedule.reverse(" in d.source


def _kick(a, v):
    a[0] = a[0] * 0.5 + v


def helper_writes(x, w, n):
    u = x.copy()
    for i in sg.checkpointed(range(n), snapshots=2):
        _kick(u, w * np.sin(u[-1]))
        u[1:] = u[1:] + 0.3 * u[:-1]
    return np.sum(u ** 3)


def helper_writes_stored(x, w, n):
    u = x.copy()
    for i in range(n):
        _kick(u, w * np.sin(u[-1]))
        u[1:] = u[1:] + 0.3 * u[:-1]
    return np.sum(u ** 3)


def test_helper_writing_in_place_same_as_stored():
    x = np.array([0.3, -0.2, 0.5])
    assert_same(sg.grad(helper_writes, wrt=(0, 1))(x, 0.7, 9), sg.grad(helper_writes_stored, wrt=(0, 1))(x, 0.7, 9))


def helper_only_writes(x, w, n):
    u = x.copy()
    for i in sg.checkpointed(range(n), snapshots=2):
        _kick(u, w)                # the loop changes u only inside the helper
    return np.sum(u ** 3)


def test_helper_writing_in_place_is_right():
    x = np.array([0.3, -0.2, 0.5])
    gx, gw = sg.grad(helper_only_writes, wrt=(0, 1))(x, 0.7, 4)
    np.testing.assert_allclose(gw, numeric_grad(helper_only_writes, (x, 0.7, 4), 1), rtol=1e-6)
    np.testing.assert_allclose(gx, numeric_grad(helper_only_writes, (x, 0.7, 4), 0), rtol=1e-6)


def test_helper_writing_in_place_is_right_with_another_write():
    x = np.array([0.3, -0.2, 0.5])
    gx, gw = sg.grad(helper_writes, wrt=(0, 1))(x, 0.7, 6)
    np.testing.assert_allclose(gw, numeric_grad(helper_writes_stored, (x, 0.7, 6), 1), rtol=1e-6)
    np.testing.assert_allclose(gx, numeric_grad(helper_writes_stored, (x, 0.7, 6), 0), rtol=1e-6)


def inner_marked(x, n):
    s = x
    for i in range(3):
        for j in sg.checkpointed(range(n), snapshots=2):
            s = np.sin(s) + 0.3 * j
    return s * s


def inner_marked_stored(x, n):
    s = x
    for i in range(3):
        for j in range(n):
            s = np.sin(s) + 0.3 * j
    return s * s


def test_inner_loop_marked():
    assert_same(sg.grad(inner_marked)(0.4, 7), sg.grad(inner_marked_stored)(0.4, 7))


def inner_marked_reads_outer(x, n):
    s = x
    for i in range(3):
        for j in sg.checkpointed(range(n), snapshots=2):
            s = np.sin(s) + x * j
    return s


def test_inner_loop_marked_reads_outer_variable():
    def stored(x, n):
        s = x
        for i in range(3):
            for j in range(n):
                s = np.sin(s) + x * j
        return s
    assert_same(sg.grad(inner_marked_reads_outer)(0.4, 7), sg.grad(stored)(0.4, 7))


def two_loops(x, n):
    s = x
    for i in range(n):
        s = s * x
    for j in range(n):
        s = s - x
    return s


def test_two_checkpointed_loops_reading_one_variable():
    assert_same(sg.grad(two_loops, checkpoints=2)(0.7, 3), sg.grad(two_loops)(0.7, 3))


def index_after_loop(x, n):
    t = x
    for i in range(n):
        t = t * 0.5
    return t * i


def test_loop_index_read_after_loop():
    assert_same(sg.grad(index_after_loop, checkpoints=2)(0.7, 3), sg.grad(index_after_loop)(0.7, 3))


def loss_temporaries(u0, w, n):
    """The loss's temporaries are dead before the loop's reverse sweep; `scale`
    is read after it and `w2` by every step."""
    scale = np.sum(u0)
    w2 = w * w
    u = u0 * 1.0
    for t in range(n):
        u = np.tanh(u * w2) + u0
    return np.sum(u * u * u0) * scale


def _deleted_before_sweep(source):
    tree = ast.parse(source)
    body = tree.body[-1].body
    sweep = next(i for i, st in enumerate(body) if "schedule.reverse" in ast.unparse(st))
    return {t.id for st in body[:sweep] if isinstance(st, ast.Delete) for t in st.targets}


def test_dead_arrays_are_freed_before_the_sweep():
    df = sg.grad(loss_temporaries, wrt=(0, 1), checkpoints=3)
    deleted = _deleted_before_sweep(df.source)
    assert deleted and all(n.startswith(("t_", "dt_")) for n in deleted), df.source
    assert not deleted & {"scale", "w2", "u0", "w"}
    u0, w = np.linspace(-1, 1, 7), np.linspace(0.5, 1.5, 7)
    assert_same(df(u0, w, 6), sg.grad(loss_temporaries, wrt=(0, 1))(u0, w, 6))
    for argnum, g in enumerate(df(u0, w, 6)):
        np.testing.assert_allclose(g, numeric_grad(loss_temporaries, (u0, w, 6), argnum), rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------
# vjp
# ---------------------------------------------------------------------------

def heat_field(u0, r, n):
    u = u0.copy()
    for t in range(n):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
    return u


def two_outputs(x, w, n):
    u = x * 1.0
    e = 0.0
    for i in range(n):
        u = _relax(u, w) + 0.05 * i
        e = e + np.sum(u * u)
    return u, e


@pytest.mark.parametrize("k", KS)
@pytest.mark.parametrize("n", [0, 1, 2, 25])
def test_vjp_array_result(k, n):
    rng = np.random.default_rng(n)
    cot = rng.standard_normal(8)
    v_s, pb_s = sg.vjp(heat_field, wrt=(0, 1))(U8, 0.2, n)
    v_s = v_s.copy()
    expected = pb_s(cot.copy())               # (a pullback writes into its cotangent: see below)
    value, pb = sg.vjp(heat_field, wrt=(0, 1), checkpoints=k)(U8, 0.2, n)
    np.testing.assert_array_equal(value, v_s)
    assert_same(pb(cot.copy()), expected)
    assert_same(pb(cot.copy()), expected)     # a pullback can be called again
    if n:
        f = lambda u0, r: heat_field(u0, r, n) @ cot      # noqa: E731
        np.testing.assert_allclose(expected[0], numeric_grad(f, (U8, 0.2), 0), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(expected[1], numeric_grad(f, (U8, 0.2), 1), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("k", KS)
def test_vjp_tuple_result(k):
    cot = (np.array([0.5, -1.0, 2.0, 0.25]), 0.3)
    (u_s, e_s), pb_s = sg.vjp(two_outputs, wrt=(0, 1))(X4, 0.8, 13)
    (u, e), pb = sg.vjp(two_outputs, wrt=(0, 1), checkpoints=k)(X4, 0.8, 13)
    np.testing.assert_array_equal(u, u_s)
    assert e == e_s
    assert_same(pb(copy.deepcopy(cot)), pb_s(copy.deepcopy(cot)))


@pytest.mark.parametrize("k", KS)
def test_vjp_of_scalar_is_grad(k):
    value, pb = sg.vjp(cf.simulate, wrt=(0, 1), checkpoints=k)(50.0, 1.0, 0.5, 100)
    assert value == cf.simulate(50.0, 1.0, 0.5, 100)
    assert_same(pb(1.0), sg.grad(cf.simulate, wrt=(0, 1))(50.0, 1.0, 0.5, 100))


@pytest.mark.parametrize("k", [None, 2])
def test_pullback_leaves_the_cotangent_alone(k):
    _, pb = sg.vjp(heat_field, checkpoints=k)(U8, 0.2, 6)
    cot = np.linspace(-1.0, 1.0, 8)
    before = cot.copy()
    pb(cot)
    np.testing.assert_array_equal(cot, before)


@pytest.mark.parametrize("k", [None, 2])
def test_vjp_value_not_changed_by_pullback(k):
    value, pb = sg.vjp(heat_field, checkpoints=k)(U8, 0.2, 6)
    before = value.copy()
    pb(np.ones(8))
    np.testing.assert_array_equal(value, before)


# ---------------------------------------------------------------------------
# the schedule
# ---------------------------------------------------------------------------

def _dummy_run(n, k, known=True):
    """Runs the schedule on a counter state, checking every step starts from the right
    state; for a while loop (known=False) the count is found by `more`."""
    plan = checkpoints(range(n) if known else None, k)
    calls, order = Counter(), []

    def step(indices, x):
        for i in indices:
            assert x == i, "a step ran from the wrong state"
            calls[i] += 1
            x += 1
        return (x,)

    def taped(i, x):
        assert x == i, "a taped step ran from the wrong state"
        calls[i] += 1
        return (x + 1,), ("item", i)

    def back(i, item, total):
        assert item == ("item", i)
        order.append(i)
        return (total + i,)

    more = () if known else (lambda x: x < n,)
    assert plan.forward(step, (0,), *more) == (n,)
    assert plan.reverse(step, taped, back, (0,)) == (n * (n - 1) // 2,)
    return plan, calls, order


def optimal_steps(n_max, k_max):
    """Fewest forward steps (first sweep included) of any schedule reversing n steps with
    k states held: a dynamic program over where the next state is stored. The first
    sweep stores on its way, so the states of the rightmost chain cost nothing more."""
    inf = float("inf")
    # T[n][k]: re-running from a stored state; A[n][k]: on the first sweep's way
    T = [[inf] * (k_max + 1) for _ in range(n_max + 1)]
    A = [[inf] * (k_max + 1) for _ in range(n_max + 1)]
    for n in range(1, n_max + 1):
        T[n][1] = A[n][1] = n * (n + 1) // 2
        for k in range(2, k_max + 1):
            if n == 1:
                T[n][k] = A[n][k] = 1
                continue
            T[n][k] = min(m + T[n - m][k - 1] + T[m][k] for m in range(1, n))
            A[n][k] = min(A[n - m][k - 1] + T[m][k] for m in range(1, n))
    return lambda n, k: n + A[n][k] if n else 0


@pytest.mark.parametrize("known", [True, False], ids=["range", "while"])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 6, 10])
def test_schedule_bounds(k, known):
    for n in range(0, 130):
        plan, calls, order = _dummy_run(n, k, known)
        assert order == list(range(n - 1, -1, -1))
        assert plan.forward_steps == sum(calls.values()) == predicted_steps(n, k, known)
        assert set(calls) == set(range(n))
        assert plan.peak_snapshots <= k
        if known:
            # after the first sweep, each step is run again at most t + 1 times
            assert max(calls.values(), default=1) - 1 <= repetitions(n, k) + 1, (n, k)


def test_schedule_is_optimal():
    """With a known trip count the schedule runs the fewest steps any schedule holding k
    states can (Revolve's split); a while loop, which learns n only at its end, within 35%."""
    best = optimal_steps(90, 6)
    for k in range(1, 7):
        for n in range(0, 91):
            assert predicted_steps(n, k) <= best(n, k) + 1, (n, k)
            assert predicted_steps(n, k, False) <= 1.35 * best(n, k), (n, k)


@pytest.mark.parametrize("n, k", [(10_000, 10), (10_000, 30), (10_000, 100), (1000, 2)])
def test_schedule_counts_for_the_benchmark(n, k):
    """Against Griewank's closed form for the fewest steps (t n - C(k + t, t - 1)
    re-run steps, plus the first sweep and the taped steps)."""
    t = repetitions(n, k)
    fewest = t * n - comb(k + t, t - 1) + 2 * n
    for known in (True, False):
        plan, calls, _ = _dummy_run(n, k, known)
        assert plan.forward_steps == predicted_steps(n, k, known)
        assert plan.peak_snapshots <= k
    assert predicted_steps(n, k) <= 1.01 * fewest
    assert predicted_steps(n, k, False) <= 1.15 * fewest


def counted_loop(x, w, n):
    u = x.copy()
    for i in range(n):
        if u[0] > 0.0:
            u = np.tanh(u * w)
        else:
            u = u * w + 0.1
        u[1:] = u[1:] + 0.2 * u[:-1]
    return np.sum(u * u)


def counted_while(x, w, n):
    u = x.copy()
    i = 0
    while i < n:
        if u[0] > 0.0:
            u = np.tanh(u * w)
        else:
            u = u * w + 0.1
        u[1:] = u[1:] + 0.2 * u[:-1]
        i += 1
    return np.sum(u * u)


@pytest.mark.parametrize("fn, known", [(counted_loop, True), (counted_while, False)])
@pytest.mark.parametrize("k", [1, 2, 3, 5, 10])
@pytest.mark.parametrize("n", [0, 1, 2, 7, 50, 200])
def test_schedule_in_a_real_gradient(monkeypatch, fn, known, n, k):
    ref = sg.grad(fn, wrt=(0, 1))(X4, 0.9, n)
    rec = Recorder(monkeypatch)
    got = sg.grad(fn, wrt=(0, 1), checkpoints=k)(X4, 0.9, n)
    assert_same(got, ref)
    (plan,) = rec.plans
    measured = dict(entry_states=plan.entry_states, copies=plan.copies, entry_shares=plan.entry_shares)
    assert plan.forward_steps == sum(plan.calls.values()) == predicted_steps(n, k, known, **measured)
    assert plan.back_order == list(range(n - 1, -1, -1))
    assert plan.peak_snapshots <= k
    if known:   # Revolve's bound on re-runs; the while loop's thinning can exceed it
        assert max(plan.calls.values(), default=1) - 1 <= repetitions(n, k) + 1


def test_value_and_grad_schedule_count(monkeypatch):
    rec = Recorder(monkeypatch)
    sg.value_and_grad(counted_loop, checkpoints=4)(X4, 0.9, 100)
    (plan,) = rec.plans
    measured = dict(entry_states=plan.entry_states, copies=plan.copies, entry_shares=plan.entry_shares)
    assert plan.forward_steps == predicted_steps(100, 4, **measured)


def test_one_snapshot_long_loop():
    def f(x, n):
        s = x
        for i in range(n):
            s = np.sin(s) + 0.5 * x
        return s
    assert_same(sg.grad(f, checkpoints=1)(0.3, 1200), sg.grad(f)(0.3, 1200))


# ---------------------------------------------------------------------------
# generated source
# ---------------------------------------------------------------------------

def distinctive(x, n):
    s = x
    for i in range(n):
        s = np.arctan(s) * 1.5 + x
    return s


def test_source_has_the_body_in_the_taped_step_and_the_loop():
    """The body twice: in `step_taped` and in the values-only loop `steps` (so a re-run
    step is no call of step_taped and builds no tape); its reverse once."""
    d = sg.grad(distinctive, checkpoints=3)
    d(0.4, 10)
    src = d.source
    code = [line for line in src.splitlines() if not line.strip().startswith("#")]
    assert sum("np.arctan(" in line for line in code) == 2, src
    steps = src.split("def steps(", 1)[1].split("schedule.forward(", 1)[0]
    assert "for i in indices:" in steps and "np.arctan(" in steps and "step_taped" not in steps, src
    assert src.count("def step_taped(") == 1 and src.count("def step_back(") == 1
    assert src.count("schedule.reverse(") == 1 and src.count("schedule.forward(") == 1
    assert "tape.append" not in src and "reversed(tape)" not in src
    stored = sg.grad(distinctive)
    stored(0.4, 10)
    code = [line for line in stored.source.splitlines() if not line.strip().startswith("#")]
    assert "schedule" not in stored.source and sum("np.arctan(" in line for line in code) == 1


def test_source_of_marked_loop_runs_alone():
    """The generated source is plain Python: exec it with only NumPy and the schedule."""
    d = sg.grad(heat_marked, wrt=(0, 1))
    d(U8, 0.2, 5, 2)
    src = d.source
    assert src.count("u[1:") >= 1 and src.count("schedule.reverse(") == 1
    space = {}
    exec(compile(src, "<checkpointed source>", "exec"), space)
    gu, gr = space["heat_marked_grad"](U8.copy(), 0.2, 30, 3)
    assert_same((gu, float(gr)), sg.grad(heat_stored, wrt=(0, 1))(U8, 0.2, 30, 3))


def test_docs_page_shows_the_real_source(tmp_path):
    """docs/checkpointing.md shows `spring` and `sg.grad(spring).source`: still what this version makes."""
    before, after = open(DOCS_PAGE).read().split("`sg.grad(spring).source`:", 1)
    program = re.findall(r"```python\n(.*?)```", before, re.S)[-1]
    source = re.findall(r"```python\n(.*?)```", after, re.S)[0]
    path = tmp_path / "spring_doc.py"
    path.write_text(program)
    spec = importlib.util.spec_from_file_location("spring_doc", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    d = sg.grad(module.spring)
    d(2.0, 1.0, 100)
    assert d.source.strip() == source.strip(), d.source


# ---------------------------------------------------------------------------
# refused and unsupported
# ---------------------------------------------------------------------------

def _line_of(fn, text):
    lines, start = inspect.getsourcelines(fn)
    return next(start + i for i, line in enumerate(lines) if text in line)


def marked_break(x, n):
    s = x
    for i in sg.checkpointed(range(n), snapshots=2):
        s = s * x
        if s > 3.0:
            break
    return s


def marked_return(x, n):
    s = x
    for i in sg.checkpointed(range(n), snapshots=2):
        s = s * x
        if s > 3.0:
            return s
    return -s


def marked_non_range(x):
    s = 0.0
    for v in sg.checkpointed(x, snapshots=2):
        s = s + v * v
    return s


@pytest.mark.parametrize("fn", [marked_break, marked_return])
def test_checkpointed_loop_ending_early_is_an_error(fn):
    with pytest.raises(sg.S2SGradError) as info:
        sg.grad(fn)(1.4, 7)
    text = str(info.value)
    assert f"{THIS_FILE}:{_line_of(fn, 'sg.checkpointed')}" in text, text
    assert "break" in text and "checkpoint" in text, text


EARLY_EXIT_PARAMS = [pytest.param(c.fn, c.args, id=c.fn.__name__ + (f"[{c.label}]" if c.label else ""))
                     for c in cf.CASES if only_early_exits(c.fn)]


def test_early_exit_selection():
    assert {"for_break", "return_in_loop"} <= {p.values[0].__name__ for p in EARLY_EXIT_PARAMS}


@pytest.mark.parametrize("fn, args", EARLY_EXIT_PARAMS)
def test_checkpoints_option_leaves_loops_ending_early_stored(fn, args):
    """checkpoints=k applies to the loops it can checkpoint; one with a break or a return
    stays stored, and the derivative is the stored one."""
    d = sg.grad(fn, checkpoints=3)
    assert_same(d(*copy.deepcopy(args)), sg.grad(fn)(*copy.deepcopy(args)))
    assert "schedule" not in d.source


def test_checkpointed_non_range_is_an_error():
    with pytest.raises(sg.S2SGradError) as info:
        sg.grad(marked_non_range)(np.ones(3))
    text = str(info.value)
    assert f"{THIS_FILE}:{_line_of(marked_non_range, 'sg.checkpointed')}" in text and "range" in text, text


def while_marked(x, t_end):
    t = 0.0
    while sg.checkpointed(t < t_end, snapshots=3):
        x = np.cos(x) + 0.1 * x
        t = t + 0.1
    return np.sum(x * x)


def while_plain(x, t_end):
    t = 0.0
    while t < t_end:
        x = np.cos(x) + 0.1 * x
        t = t + 0.1
    return np.sum(x * x)


@pytest.mark.parametrize("t_end", [-1.0, 0.05, 0.55, 3.0])
def test_marked_while_loop(monkeypatch, t_end):
    x = np.linspace(-0.5, 1.0, 4)
    rec = Recorder(monkeypatch)
    d = sg.grad(while_marked)
    got = d(x, t_end)
    (plan,) = rec.plans
    assert plan.snapshots == 3 and plan.peak_snapshots <= 3
    assert "checkpoints(None, 3, copies=False)" in d.source and "def more(" in d.source
    assert_same(got, sg.grad(while_plain)(x, t_end))
    np.testing.assert_allclose(got, numeric_grad(while_plain, (x, t_end), 0), rtol=1e-6, atol=1e-9)


def while_reads_condition_values(x):
    s = x
    while np.sum(s * s) < 50.0:
        s = s * 1.3 + 0.1
    return np.sum(s)


def test_while_body_reading_condition_values():
    x = np.array([0.3, 0.5, 0.7])
    assert_same(sg.grad(while_reads_condition_values, checkpoints=2)(x), sg.grad(while_reads_condition_values)(x))


def second_order_marked(x, n):
    s = x
    for i in sg.checkpointed(range(n), snapshots=2):
        s = np.sin(s) * 1.3
    return s * s


def second_order_plain(x, n):
    s = x
    for i in range(n):
        s = np.sin(s) * 1.3
    return s * s


SECOND_ORDER = [
    ("grad-grad", lambda f, **o: sg.grad(sg.grad(f, **o))(0.4, 6)),
    ("hvp", lambda f, **o: sg.hvp(f)(0.4, 6, 1.0)),
    ("hessian", lambda f, **o: sg.hessian(f)(0.4, 6)),
    ("grad of a function calling a checkpointed grad",
     lambda f, **o: sg.grad(squared_gradient_option if o else squared_gradient_marked
                            if f is second_order_marked else squared_gradient_plain)(0.4, 6)),
]


def squared_gradient_marked(x, n):
    return sg.grad(second_order_marked)(x, n) ** 2


def squared_gradient_option(x, n):
    return sg.grad(second_order_plain, checkpoints=2)(x, n) ** 2


def squared_gradient_plain(x, n):
    return sg.grad(second_order_plain)(x, n) ** 2


@pytest.mark.parametrize("name, second", SECOND_ORDER, ids=[n for n, _ in SECOND_ORDER])
@pytest.mark.parametrize("fn, options", [(second_order_marked, {}), (second_order_plain, {"checkpoints": 2})],
                         ids=["marked", "option"])
def test_second_order_over_checkpointed(name, second, fn, options):
    """Second order differentiates the stored gradient: the same numbers as for the
    unmarked function, and finite differences of the first derivative agree."""
    got = second(fn, **options)
    assert_same(np.asarray(got, dtype=float), np.asarray(second(second_order_plain), dtype=float))
    if name != "grad of a function calling a checkpointed grad":
        first = sg.grad(second_order_plain)
        np.testing.assert_allclose(float(got), numeric_grad(first, (0.4, 6), 0), rtol=1e-6)


def test_forward_mode_ignores_the_marker():
    value, tangent = sg.jvp(second_order_marked, (0.4, 6), (1.0, 0))
    v_ref, t_ref = sg.jvp(second_order_plain, (0.4, 6), (1.0, 0))
    assert value == v_ref and tangent == t_ref
    assert_same(float(tangent), sg.grad(second_order_plain)(0.4, 6))


def poisoned(x, n):
    s = x
    for i in range(n):
        s = np.sin(s) * 1.1
    return s * s


def test_second_order_after_a_checkpointed_first_order():
    """Second order of a stored derivative still works after a checkpointed derivative of the
    same function was compiled (each compilation has its own linecache name since f4e313f;
    before, the later checkpointed source was read and refused)."""
    d = sg.grad(poisoned)
    first = d(0.4, 6)                                    # compiles the stored derivative
    sg.grad(poisoned, checkpoints=2)(0.4, 6)             # compiles the checkpointed one
    assert first == sg.grad(poisoned)(0.4, 6)
    second = sg.grad(d)(0.4, 6)                          # second order of the stored one
    np.testing.assert_allclose(second, numeric_grad(d, (0.4, 6), 0), rtol=1e-6)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "10"])
def test_checkpoints_option_must_be_a_count(bad):
    with pytest.raises(sg.S2SGradError, match="checkpoints must be"):
        sg.grad(second_order_plain, checkpoints=bad)
