"""Versions of a name get the name back (s2sgrad/compiler/renaming.py) only where
that is safe: each row is a function in the shape generated code has, renamed,
then run both ways on the same inputs; the results must be identical. Rows where
the versions are alive together must keep their suffixes."""
import gast
import numpy as np
import pytest

from s2sgrad.compiler.renaming import coalesce_versions

ROWS = {
    # name: (source, versions, names that must disappear, names that must stay)
    "straight": ("""
def f(x):
    x_1 = x * 2.0
    x_2 = x_1 + 1.0
    return x_2
""", {"x_1": "x", "x_2": "x"}, {"x_1", "x_2"}, set()),
    "both_alive": ("""
def f(x):
    x_1 = x * 2.0
    return x_1 + x
""", {"x_1": "x"}, set(), {"x_1"}),
    "loop_carried": ("""
def f(u, n):
    u_1 = u
    for i in range(n):
        u_2 = u_1 * 0.5 + i
        u_1 = u_2
    return u_1
""", {"u_1": "u", "u_2": "u"}, {"u_1", "u_2"}, set()),
    "loop_reads_old_after_new": ("""
def f(u, n):
    tape = []
    for i in range(n):
        u_2 = u * 0.5 + i
        tape.append(u)
        u = u_2
    return u + sum(tape)
""", {"u_2": "u"}, set(), {"u_2"}),
    "parameter_read_after_loop": ("""
def f(x, n):
    x_1 = x
    for i in range(n):
        x_1 = x_1 * 0.9
    return x_1 - x
""", {"x_1": "x"}, set(), {"x_1"}),
    "branch": ("""
def f(a, c):
    if c > 0:
        a_1 = 10.0 * np.sign(a)
    else:
        a_1 = a
    return a_1 * 2.0
""", {"a_1": "a"}, {"a_1"}, set()),
    "branch_reads_old_in_other_arm_after": ("""
def f(a, c):
    if c > 0:
        a_1 = a * 3.0
    else:
        a_1 = a
    return a_1 + a
""", {"a_1": "a"}, set(), {"a_1"}),
    "swap": ("""
def f(a, b, n):
    for i in range(n):
        a_1, b_1 = (b, a + 1.0)
        a, b = (a_1, b_1)
    return a - 2 * b
""", {"a_1": "a", "b_1": "b"}, {"a_1", "b_1"}, set()),
    "in_place_on_version": ("""
def f(u):
    u_1 = u.copy()
    u_1[0] = 5.0
    return np.sum(u_1) + np.sum(u)
""", {"u_1": "u"}, set(), {"u_1"}),
    "while": ("""
def f(x):
    x_1 = x
    k = 0
    while k < 5:
        x_2 = x_1 * 1.5
        k = k + 1
        x_1 = x_2
    return x_1
""", {"x_1": "x", "x_2": "x"}, {"x_1", "x_2"}, set()),
    "parallel_items": ("""
def f(loss, v, n):
    for i in range(n):
        loss_1 = loss + v
        v_1 = v * 0.5
        loss, v = (loss_1, v_1)
    return loss
""", {"loss_1": "loss", "v_1": "v"}, {"loss_1"}, set()),
    "global_stem_untouched": ("""
def f(y):
    W_1 = W * y
    return W_1 + W
""", {"W_1": "W"}, set(), {"W_1"}),
    "unsupported_left_alone": ("""
def f(x):
    x_1 = x * 2.0
    g = lambda: x_1
    return g()
""", {"x_1": "x"}, set(), {"x_1"}),
}

W = 3.0


def _run(source, *args):
    space = {"np": np, "W": W}
    exec(compile(source, "<row>", "exec"), space)
    return space["f"](*args)


ARGS = {"straight": (1.5,), "both_alive": (1.5,), "loop_carried": (2.0, 4), "loop_reads_old_after_new": (2.0, 4),
        "parameter_read_after_loop": (2.0, 3), "branch": (-0.7, 1.0), "branch_reads_old_in_other_arm_after": (0.7, 1.0),
        "swap": (1.0, 2.0, 3), "in_place_on_version": (np.arange(3.0),), "while": (1.1,),
        "global_stem_untouched": (2.0,), "unsupported_left_alone": (2.0,), "parallel_items": (1.0, 2.0, 4)}


@pytest.mark.parametrize("name", sorted(ROWS))
def test_renaming_keeps_the_meaning(name):
    source, versions, gone, kept = ROWS[name]
    tree = gast.parse(source)
    coalesce_versions(tree.body[0], versions)
    renamed = gast.unparse(tree)
    names = {n.id for n in gast.walk(tree) if isinstance(n, gast.Name)}
    assert not (gone & names), renamed
    assert kept <= names, renamed
    args = ARGS[name]
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    assert np.array_equal(_run(source, *args), _run(renamed, *copies)), renamed
