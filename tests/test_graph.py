"""`sg.graph(f)`: the text form names operations and source lines; the DOT form
is valid Graphviz with a cluster per region."""
import inspect
import re
import shutil
import subprocess

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad import graphview


def model(x, w, n):
    s = 0.0
    for i in range(n):
        y = np.sin(x * w) + x[i]
        if y.sum() > 0:
            s = s + y.sum()
        else:
            s = s - 2.0 * y[0]
    u = x.copy()
    u[0] = s
    return np.sum(u ** 2) + s


def newton(a):
    x = a
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


def straight(x):
    return np.tanh(x) * x


def uses_with(x):
    with open("f"):
        y = x
    return y


def line_of(func, text):
    lines, start = inspect.getsourcelines(func)
    for k, line in enumerate(lines):
        if text in line:
            return start + k
    raise AssertionError(text)


def eqn_line(graph_text, fragment):
    for line in graph_text.splitlines():
        if fragment in line.split("#")[0]:
            return int(line.rsplit(":", 1)[1])
    raise AssertionError(f"{fragment!r} not in\n{graph_text}")


def test_text_form_names_operations_and_lines():
    text = str(sg.graph(model))
    here = "test_graph.py"
    lines = text.splitlines()
    assert lines[0].startswith("model = { lambda x w n.")
    assert all(re.search(rf"# {here}:\d+$", line) for line in lines), text
    assert eqn_line(text, "= np.sin") == line_of(model, "np.sin(x * w)")
    assert eqn_line(text, "= mul x w") == line_of(model, "np.sin(x * w)")
    assert eqn_line(text, "getitem x [i]") == line_of(model, "x[i]")
    assert eqn_line(text, "= y.sum()") == line_of(model, "s + y.sum()")
    assert eqn_line(text, "getitem y [0]") == line_of(model, "2.0 * y[0]")
    assert eqn_line(text, "= x.copy()") == line_of(model, "u = x.copy()")
    assert eqn_line(text, "setitem u [0]") == line_of(model, "u[0] = s")
    assert eqn_line(text, "= np.sum") == line_of(model, "return np.sum")
    for op in (" add ", " sub ", " pow "):
        assert op in text, op


def test_regions_are_indented():
    text = str(sg.graph(model))
    indent = {}
    for line in text.splitlines():
        code = line.split("#")[0].rstrip()
        indent[code.strip()] = len(code) - len(code.lstrip())
    loop = next(k for k in indent if k.startswith("s_4 = for[i in range(n)"))
    branch = next(k for k in indent if k.endswith("if cond {"))
    assert indent[loop] == 2
    assert indent["y = add t_1 t_2"] == 4
    assert indent[branch] == 4
    assert indent["s_1 = add s t_3"] == 6


def test_while_loop_text():
    text = str(sg.graph(newton))
    assert "= while[carry=(x <- a)] {" in text
    assert "while cond" in text
    assert "truediv a x" in text


def test_text_is_deterministic():
    assert str(sg.graph(model)) == str(sg.graph(model))
    assert sg.graph(model).to_dot() == sg.graph(model).to_dot()


def test_graph_of_a_derivative_is_the_graph_of_its_function():
    assert str(sg.graph(sg.grad(straight))) == str(sg.graph(straight))


def test_operations():
    assert sg.graph(straight).operations() == ["np.tanh", "mul"]


def test_unsupported_code_is_an_error():
    with pytest.raises(sg.S2SGradError, match="'with'"):
        sg.graph(uses_with)


# -- DOT ----------------------------------------------------------------------

NODE = re.compile(r'^\s*(\w+) \[label="((?:[^"\\]|\\.)*)"')
EDGE = re.compile(r"^\s*(\w+) -> (\w+)")


def check_dot_structure(dot):
    """What `dot` would check, approximately, when Graphviz is not installed."""
    assert re.match(r'digraph "\w+" \{\n', dot)
    assert dot.count("{") == dot.count("}")
    nodes, edges = set(), []
    for line in dot.splitlines():
        if m := EDGE.match(line):
            edges.append((m.group(1), m.group(2)))
        elif m := NODE.match(line):
            assert m.group(1) not in nodes, f"node {m.group(1)} declared twice"
            nodes.add(m.group(1))
    for a, b in edges:
        assert a in nodes and b in nodes, (a, b)
    return nodes, edges


def test_dot_structure():
    dot = sg.graph(model).to_dot()
    nodes, edges = check_dot_structure(dot)
    labels = dict(NODE.match(line).groups() for line in dot.splitlines() if NODE.match(line))
    assert {"np.sin", "mul", "add", "getitem [i]", "setitem [0]", ".copy()", "return"} <= set(labels.values())
    assert {"x", "w", "n", "y"} <= set(labels.values())


def test_loop_and_branch_are_clusters():
    dot = sg.graph(model).to_dot()
    clusters = re.findall(r'subgraph (cluster_\d+) \{\n\s*label="([^"]*)"', dot)
    titles = [t for _, t in clusters]
    assert any(t.startswith("for i in range(n)") for t in titles), titles
    assert any(t.startswith("if cond") for t in titles), titles
    assert "then" in titles and "else" in titles
    # the branch's cluster is inside the loop's
    loop_at = dot.index('label="for i in range(n)')
    if_at = dot.index('label="if cond')
    depth = dot[loop_at:if_at].count("{") - dot[loop_at:if_at].count("}")
    assert depth >= 1


def test_while_is_a_cluster():
    dot = sg.graph(newton).to_dot()
    check_dot_structure(dot)
    assert re.search(r'label="while  test_graph.py:\d+"', dot)
    assert 'label="condition"' in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("func", [model, newton, straight])
def test_dot_renders(func):
    done = subprocess.run(["dot", "-Tsvg"], input=sg.graph(func).to_dot(), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr
    assert "<svg" in done.stdout


# -- notebook display --------------------------------------------------------------

def test_display_without_graphviz(monkeypatch):
    monkeypatch.setattr(graphview.shutil, "which", lambda name: None)
    g = sg.graph(model)
    assert g._repr_svg_() is None
    markdown = g._repr_markdown_()
    assert markdown.startswith("```text\n") and "np.sin" in markdown
    with pytest.raises(RuntimeError, match="dot"):
        g.to_svg()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_display_with_graphviz():
    g = sg.graph(model)
    assert "<svg" in g._repr_svg_()
    assert g._repr_markdown_() is None        # the picture wins


def test_repr_pretty():
    class Printer:
        def __init__(self):
            self.out = []

        def text(self, s):
            self.out.append(s)
    p = Printer()
    g = sg.graph(straight)
    g._repr_pretty_(p, False)
    assert p.out == [str(g)]
    assert "straight" in repr(g)
