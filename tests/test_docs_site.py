"""The documentation site: its live examples are the real output of this
version, its navigation is complete, it builds with `mkdocs build --strict`,
and what docs/language.md promises (refused constructs, subgradient
conventions) is what the compiler does."""
import importlib.util
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import s2sgrad as sg

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _gen_tour():
    spec = importlib.util.spec_from_file_location("_s2sgrad_gen_tour", DOCS / "gen_tour.py")
    module = importlib.util.module_from_spec(spec)
    dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = True          # no __pycache__ inside docs/
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = dont_write
    return module


gen_tour = _gen_tour()
LIVE_PAGES = gen_tour.pages()


def test_there_are_live_pages():
    names = {p.name for p in LIVE_PAGES}
    assert {"tour.md", "graph.md", "errors.md", "language.md", "getting-started.md", "index.md",
            "README.md"} <= names


def _load_docs_script(name):
    spec = importlib.util.spec_from_file_location(f"_s2sgrad_{name}", DOCS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = dont_write
    return module


def test_pictures_are_drawn_from_the_current_code():
    """docs/img/*.dot are what s2sgrad makes now, and each SVG was drawn from its DOT."""
    pictures = _load_docs_script("gen_pictures")
    assert pictures.stale() == [], "pictures out of date; regenerate with: python docs/gen_pictures.py"


@pytest.mark.parametrize("name", ["pipeline", "simulate-graph", "simulate-derivative"])
def test_pages_show_the_pictures(name):
    shown = "".join(p.read_text() for p in DOCS.glob("*.md"))
    assert f"img/{name}.svg" in shown


def test_errors_page_shows_each_refused_program_next_to_its_message():
    lines = (DOCS / "errors.md").read_text().split("\n")
    errors = [i for i, line in enumerate(lines) if line.startswith("<!-- error: ")]
    assert len(errors) > 20
    for i in errors:
        before = [line for line in lines[max(0, i - 30):i] if line.startswith("<!-- ")]
        assert before and before[-1].startswith("<!-- program: "), lines[i]


@pytest.mark.parametrize("page", LIVE_PAGES, ids=lambda p: p.name)
def test_live_examples_are_up_to_date(page):
    assert gen_tour.render(page) == page.read_text(), \
        f"docs/{page.name} shows stale output; regenerate with: python docs/gen_tour.py"


def _nav_files():
    text = (ROOT / "mkdocs.yml").read_text()
    nav = text.split("\nnav:\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r":\s*(\S+\.md)\s*$", nav, re.M)


def test_nav_covers_every_page():
    nav = _nav_files()
    assert len(nav) == len(set(nav))
    pages = {p.name for p in DOCS.glob("*.md")}
    assert pages <= set(nav), f"pages missing from mkdocs.yml nav: {sorted(pages - set(nav))}"
    for name in ("index.md", "getting-started.md", "tour.md", "internals.md", "graph.md", "language.md",
                 "supported.md", "performance.md", "comparison.md", "errors.md"):
        assert name in nav, name


def test_nav_files_exist():
    missing = [name for name in _nav_files() if not (DOCS / name).exists()]
    if missing == ["performance.md"]:
        pytest.skip("docs/performance.md is not written yet (mkdocs.yml names it)")
    assert not missing


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    if not (DOCS / "performance.md").exists():
        pytest.skip("docs/performance.md is not written yet (mkdocs.yml names it)")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                           "--site-dir", str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "tour" / "index.html").exists()
    assert not (tmp_path / "site" / "gen_tour.py").exists()


def test_refused_constructs_are_documented():
    from s2sgrad.compiler.lower import _REFUSED
    language = (DOCS / "language.md").read_text()
    table = language.split("## Refused constructs", 1)[1].split("\n## ", 1)[0]
    for construct, _ in _REFUSED.values():
        assert f"`{construct}`" in table, f"docs/language.md does not list the refused construct {construct!r}"


# -- the subgradient conventions that docs/language.md states ------------------

def f_abs(x):
    return abs(x)


def f_np_abs(x):
    return np.sum(np.abs(x))


def f_fabs(x):
    return math.fabs(x)


def f_maximum(x, y):
    return np.sum(np.maximum(x, y))


def f_minimum(x, y):
    return np.sum(np.minimum(x, y))


def f_relu(x):
    return np.sum(np.maximum(x, 0.0))


def f_relu_int(x):
    return np.sum(np.maximum(0, x))


def f_min_constant(x):
    return np.sum(np.minimum(x, 1.0))


def f_clip(x):
    return np.sum(np.clip(x, -1.0, 1.0))


def f_max(x):
    return np.max(x)


def f_min_method(x):
    return x.min()


def f_max_axis(x):
    return np.sum(np.max(x, axis=1))


def f_builtin_max(a, b):
    return max(a, b)


def f_builtin_min(a, b):
    return min(a, b)


def f_prod(x):
    return np.prod(x)


def f_np_hypot(x, y):
    return np.sum(np.hypot(x, y))


def f_math_hypot(a, b):
    return math.hypot(a, b)


def f_norm(x):
    return np.linalg.norm(x)


def test_cone_apex_is_zero():
    dx, dy = sg.grad(f_np_hypot, wrt=(0, 1))(np.array([0.0, 3.0]), np.array([0.0, 4.0]))
    np.testing.assert_array_equal(dx, [0.0, 0.6])
    np.testing.assert_array_equal(dy, [0.0, 0.8])
    assert sg.grad(f_math_hypot, wrt=(0, 1))(0.0, 0.0) == (0.0, 0.0)
    np.testing.assert_array_equal(sg.grad(f_norm)(np.zeros(3)), np.zeros(3))


def test_abs_at_zero():
    assert sg.grad(f_abs)(0.0) == 0.0
    assert sg.grad(f_fabs)(0.0) == 0.0
    np.testing.assert_array_equal(sg.grad(f_np_abs)(np.array([0.0, -2.0, 3.0])), [0.0, -1.0, 1.0])


def test_maximum_minimum_ties_between_two_arrays_split():
    x, y = np.array([1.0, 2.0, 5.0]), np.array([1.0, 3.0, 4.0])
    dx, dy = sg.grad(f_maximum, wrt=(0, 1))(x, y)
    np.testing.assert_array_equal(dx, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(dy, [0.5, 1.0, 0.0])
    dx, dy = sg.grad(f_minimum, wrt=(0, 1))(x, y)
    np.testing.assert_array_equal(dx, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(dy, [0.5, 0.0, 1.0])


def test_maximum_against_a_constant_gives_zero_at_the_tie():
    x = np.array([0.0, 2.0, -1.0])
    np.testing.assert_array_equal(sg.grad(f_relu)(x), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(sg.grad(f_relu_int)(x), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(sg.grad(f_min_constant)(np.array([1.0, 0.0, 2.0])), [0.0, 1.0, 0.0])
    assert sg.grad(f_relu)(0.0) == 0.0


def test_clip_passes_the_closed_interval():
    np.testing.assert_array_equal(sg.grad(f_clip)(np.array([-1.0, 1.0, 0.0, 1.5, -2.0])), [1, 1, 1, 0, 0])


def test_max_min_reductions_split_ties_equally():
    np.testing.assert_allclose(sg.grad(f_max)(np.array([2.0, 2.0, 1.0])), [0.5, 0.5, 0.0])
    np.testing.assert_allclose(sg.grad(f_min_method)(np.array([1.0, 1.0, 1.0])), [1 / 3] * 3)
    np.testing.assert_allclose(sg.grad(f_max_axis)(np.array([[1.0, 1.0], [0.0, 2.0]])), [[0.5, 0.5], [0, 1]])


def test_builtin_max_min_ties_go_to_the_first_argument():
    assert sg.grad(f_builtin_max, wrt=(0, 1))(1.0, 1.0) == (1.0, 0.0)
    assert sg.grad(f_builtin_min, wrt=(0, 1))(1.0, 1.0) == (1.0, 0.0)


def test_prod_is_exact_at_zeros():
    np.testing.assert_array_equal(sg.grad(f_prod)(np.array([0.0, 2.0, 3.0])), [6.0, 0.0, 0.0])
    np.testing.assert_array_equal(sg.grad(f_prod)(np.array([0.0, 0.0, 3.0])), [0.0, 0.0, 0.0])
