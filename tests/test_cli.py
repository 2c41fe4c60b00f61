"""`python -m s2sgrad show|graph file.py:function`, run as a user would: in a
subprocess, on a small file with a loop and a branch that imports a helper
module from its own directory."""
import os
import subprocess
import sys
import textwrap

import pytest

import s2sgrad as sg
import numpy as np

from s2sgrad import api
from s2sgrad.__main__ import CommandError, example_args, main, parse_wrt

MODEL = textwrap.dedent("""\
    import numpy as np
    from helpers import scale


    def model(x, w, n):
        s = 0.0
        for i in range(n):
            if x[i] > 0.0:
                s = s + scale(x[i], w)
            else:
                s = s - np.sin(x[i])
        return s * s


    def uses_try(x):
        try:
            y = x * 2.0
        except ValueError:
            y = x
        return y


    def uses_with(x):
        with open("f") as f:
            y = x * 2.0
        return y
    """)

HELPERS = "def scale(v, k):\n    return k * v\n"


@pytest.fixture
def project(tmp_path):
    """A model file and the helper module it imports, in their own directory."""
    src = tmp_path / "proj"
    src.mkdir()
    (src / "model.py").write_text(MODEL)
    (src / "helpers.py").write_text(HELPERS)
    (tmp_path / "elsewhere").mkdir()
    return src


@pytest.fixture
def in_process(monkeypatch):
    """Forget the modules an in-process run imports (model, helpers) and restore sys.path."""
    before = set(sys.modules)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    for name in set(sys.modules) - before:
        if name in ("model", "helpers"):
            del sys.modules[name]


def run(*args, cwd):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    return subprocess.run([sys.executable, "-m", "s2sgrad", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def assert_one_line_error(done, *fragments):
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("s2sgrad: error: ")
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_show_prints_the_gradient_source(project):
    done = run("show", str(project / "model.py") + ":model", cwd=project.parent / "elsewhere")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "def model_grad(x, w, n):" in out
    assert "reversed(tape)" in out                     # the loop runs backwards
    assert "# line 8: if x[i] > 0.0:" in out           # adjoint blocks name their lines
    assert "return dx" in out
    assert "\x1b[" not in out                          # piped: no colours
    compile(out, "generated", "exec")                  # it is Python


def test_show_wrt_names_and_indices(project):
    by_name = run("show", "model.py:model", "--wrt", "w,x", cwd=project)
    by_index = run("show", "model.py:model", "--wrt", "1,0", cwd=project)
    assert by_name.returncode == 0, by_name.stderr
    assert "return (dw, dx)" in by_name.stdout
    assert by_index.stdout == by_name.stdout


def test_show_source_matches_the_api(project, in_process):
    sys.path.insert(0, str(project))
    import importlib
    model = importlib.import_module("model")
    done = run("show", "model.py:model", "--wrt", "w", cwd=project)
    assert done.stdout.strip() == sg.grad(model.model, wrt="w").source.strip()


def test_show_colours_when_asked(project):
    pytest.importorskip("pygments")
    done = run("show", "model.py:model", "--color", "always", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "\x1b[" in done.stdout


def test_graph_prints_the_text_form(project):
    done = run("graph", "model.py:model", cwd=project)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "for[i in range(n); carry=(s <- 0.0)]" in out
    assert "if cond {" in out
    for op in ("getitem x [i]", "np.sin", "mul", "sub", "add"):
        assert op in out, op
    assert "# model.py:11" in out and "# helpers.py:2" in out      # inlined helper keeps its file


def test_graph_dot(project):
    done = run("graph", "model.py:model", "--dot", cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('digraph "model" {')
    assert done.stdout.count("subgraph cluster_") >= 2               # the loop and the branch
    assert done.stdout.rstrip().endswith("}")


def test_bad_path(project):
    assert_one_line_error(run("show", "no/such/file.py:model", cwd=project), "no/such/file.py", "no such file")


def test_target_without_function(project):
    assert_one_line_error(run("graph", "model.py", cwd=project), "path/to/file.py:function")


def test_missing_function(project):
    assert_one_line_error(run("show", "model.py:nope", cwd=project), "no function 'nope'", "model")


def test_unsupported_construct(project):
    done = run("show", "model.py:uses_try", cwd=project)
    assert_one_line_error(done, "model.py:16", "no derivative rule for the try statement", "hint:")


def test_unsupported_construct_in_graph(project):
    assert_one_line_error(run("graph", "model.py:uses_with", cwd=project), "'with'")


def test_bad_wrt(project):
    assert_one_line_error(run("show", "model.py:model", "--wrt", "z", cwd=project), "no parameter 'z'")


def test_file_that_fails_to_import(project):
    (project / "broken.py").write_text("import numpy as np\nraise RuntimeError('boom')\n")
    assert_one_line_error(run("show", "broken.py:f", cwd=project), "RuntimeError", "boom")
    (project / "syntax.py").write_text("def f(x):\n    return x +\n")
    assert_one_line_error(run("show", "syntax.py:f", cwd=project), "syntax.py:2", "syntax error")


def test_forward_mode(project):
    done = run("show", "model.py:model", "--mode", "forward", cwd=project)
    if hasattr(sg, "jvp"):
        assert done.returncode == 0, done.stderr
        compile(done.stdout, "generated", "exec")
        assert done.stdout.count("def ") == 1
        assert_one_line_error(run("show", "model.py:model", "--mode", "forward", "--wrt", "x", cwd=project),
                              "--wrt applies to reverse mode")
    else:
        assert_one_line_error(done, "forward mode is not available yet")


def test_main_in_process(project, capsys, monkeypatch, in_process):
    monkeypatch.chdir(project)
    assert main(["graph", "model.py:model"]) == 0
    assert "for[i in range(n)" in capsys.readouterr().out
    assert main(["show", "model.py:missing"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_parse_wrt():
    assert parse_wrt(None) == 0
    assert parse_wrt("x") == "x"
    assert parse_wrt("2") == 2
    assert parse_wrt("x, 1") == ("x", 1)


def test_show_generic_source_says_so(project):
    done = run("show", "model.py:model", cwd=project)
    assert done.stdout.startswith(api.GENERIC_NOTE)


def test_show_with_example_args(project, in_process):
    """--args: the code specialised on the example arguments, as sg.source gives it."""
    generic = run("show", "model.py:model", cwd=project).stdout
    done = run("show", "model.py:model", "--args", "np.linspace(-1.0, 1.0, 5), 0.7, 5", cwd=project)
    assert done.returncode == 0, done.stderr
    assert not done.stdout.startswith("#") and done.stdout != generic
    compile(done.stdout, "generated", "exec")
    sys.path.insert(0, str(project))
    import importlib

    model = importlib.import_module("model")
    expected = sg.source(sg.grad(model.model), np.linspace(-1.0, 1.0, 5), 0.7, 5)
    assert done.stdout.strip() == expected.strip()
    by_keyword = run("show", "model.py:model", "--args", "np.linspace(-1.0, 1.0, 5), n=5, w=0.7", cwd=project)
    assert by_keyword.stdout == done.stdout
    forward = run("show", "model.py:model", "--mode", "forward", "--args", "np.ones(4), 0.5, 4", cwd=project)
    assert forward.returncode == 0, forward.stderr
    assert "def model_jvp(x, w, n, x_dot, w_dot):" in forward.stdout  # n is an int: no tangent


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("__import__('os').system('echo hi')", "cannot read '__import__('os').system('echo hi')'"),
        ("np.load('data.npy')", "cannot read 'np.load('data.npy')'"),
        ("1.0, 2.0)", "not a list of Python arguments"),
        ("1.0), print(2", "not a list of Python arguments"),
        ("*xs", "no * or ** unpacking"),
        ("np.ones(3)", "missing a required argument: 'w'"),
        ("np.ones(3), scale, 2", "cannot read 'scale'"),  # a function of the module is no data
    ],
)
def test_bad_example_args(project, text, fragment):
    assert_one_line_error(run("show", "model.py:model", "--args", text, cwd=project), fragment)


SCALE = np.arange(3.0)


@pytest.mark.parametrize(
    "text, args, kwargs",
    [
        ("2.0, 0.3, 0.5, 1000", (2.0, 0.3, 0.5, 1000), {}),
        ("-1.5 * 2, 2 ** -1, (1, 2.5), [3.0]", (-3.0, 0.5, (1, 2.5), [3.0]), {}),
        ("{'w': 1.0, 'b': -2.0}, 'mode'", ({"w": 1.0, "b": -2.0}, "mode"), {}),
        ("np.pi / 2, n=3", (np.pi / 2,), {"n": 3}),
        ("np.zeros((2, 3), dtype=float), numpy.eye(2)", (np.zeros((2, 3)), np.eye(2)), {}),
        ("np.linspace(0, 1, 4) ** 2", (np.linspace(0, 1, 4) ** 2,), {}),
        ("SCALE * 2, np.full(2, np.e)", (np.arange(3.0) * 2, np.full(2, np.e)), {}),
    ],
)
def test_example_args_are_read_without_eval(text, args, kwargs):
    got, got_kwargs = example_args(text, {"SCALE": SCALE, "np": np, "helper": len})
    assert len(got) == len(args) and got_kwargs.keys() == kwargs.keys()
    for a, b in zip(list(got) + list(got_kwargs.values()), list(args) + list(kwargs.values())):
        assert type(a) is type(b)
        if isinstance(b, np.ndarray):
            assert a.shape == b.shape and np.array_equal(a, b)
        else:
            assert a == b


def test_example_args_refuse_functions_and_modules():
    for text in ("helper", "np", "np.ones(3).tofile('x')", "SCALE.tofile('x')", "[x for x in (1, 2)]"):
        with pytest.raises(CommandError, match="cannot read"):
            example_args(text, {"SCALE": SCALE, "np": np, "helper": len})
