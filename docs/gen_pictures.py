"""Draw the pictures of the documentation site from the code they show.

Run from the repository root:

    python docs/gen_pictures.py            # rewrite docs/img/*.dot, and *.svg where Graphviz is installed
    python docs/gen_pictures.py --check    # exit 1 if a picture is out of date

Each picture is a DOT file made by s2sgrad itself (the SSA graph of an example,
the structure of its derivative) or written here (the pipeline). Its SVG is drawn
by Graphviz's `dot` when it is installed, and committed, so that the site builds
anywhere; the SVG records the SHA-256 of the DOT it was drawn from, and
tests/test_docs_site.py checks both against this script's output.
"""
import hashlib
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"
STAMP = "<!-- drawn from {name}.dot, sha256 {digest} -->"

PIPELINE = """digraph pipeline {
  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.3];
  node [shape=box, style="rounded,filled", fillcolor="#e8eaf6", fontname="Helvetica", fontsize=10];
  edge [fontname="Helvetica", fontsize=9, color="#555555"];
  f [label="your function\\n(Python source)", shape=note, fillcolor="#fff3e0"];
  subgraph cluster_compiler {
    label="s2sgrad/compiler/"; style="rounded"; color="#7986cb"; fontname="Helvetica"; fontsize=10;
    frontend [label="frontend\\nparse, resolve names"];
    lower [label="lower + desugar\\nsmall core, refusals"];
    ssa [label="ssa + calls + effects\\nSSA graph, inlining"];
    analyses [label="analysis, shapes,\\naliasing, inplace"];
    sweeps [label="reverse / forward\\n(+ checkpointing)"];
    codegen [label="naming, cleanup,\\ncodegen"];
    compile [label="compile\\nlinecache, closures"];
    frontend -> lower [label="gast"];
    lower -> ssa [label="core statements"];
    ssa -> analyses [label="ir.Graph"];
    analyses -> sweeps [label="facts"];
    sweeps -> codegen [label="gast"];
    codegen -> compile [label="text"];
  }
  rules [label="s2sgrad/rules/\\nderivative tables", fillcolor="#e0f2f1"];
  runtime [label="s2sgrad/runtime/\\nhelpers generated code imports", fillcolor="#e0f2f1"];
  df [label="derivative function\\n(.source)", shape=note, fillcolor="#fff3e0"];
  f -> frontend;
  rules -> sweeps [style=dashed, label="looked up"];
  compile -> df;
  df -> runtime [style=dashed, label="imports"];
}
"""

EXAMPLE = '''import numpy as np


def simulate(k, c, x0, n):
    x, v = x0, 0.0
    for _ in range(n):
        a = -k * x - c * v
        if abs(a) > 10.0:
            a = 10.0 * np.sign(a)
        v = v + 0.01 * a
        x = x + 0.01 * v
    return (x - 1.0) ** 2
'''


def _load(tmp, name, source):
    """The module that `source` makes, from a file (s2sgrad reads functions' source files)."""
    path = Path(tmp) / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"_s2sgrad_pictures_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pictures():
    """name -> DOT text of every picture on the site."""
    import tempfile

    import s2sgrad as sg

    with tempfile.TemporaryDirectory(prefix="s2sgrad-pictures-") as tmp:
        simulate = _load(tmp, "simulate", EXAMPLE).simulate
        dsim = sg.grad(simulate, wrt=(0, 1))
        dsim(2.0, 0.3, 0.5, 1000)
        # the derivative is plain Python too: its own SSA graph shows the forward
        # sweep's loop with its tape, then the reverse sweep's loop over the tape
        simulate_grad = _load(tmp, "simulate_grad", dsim.source).simulate_grad
        return {
            "pipeline": PIPELINE,
            "simulate-graph": sg.graph(simulate).to_dot(),
            "simulate-derivative": sg.graph(simulate_grad).to_dot(),
        }


def digest(dot_text):
    return hashlib.sha256(dot_text.encode()).hexdigest()


def draw(name, dot_text):
    """SVG text for `dot_text`, stamped with its digest; None without Graphviz."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    svg = subprocess.run([dot, "-Tsvg"], input=dot_text.encode(), capture_output=True, check=True).stdout.decode()
    return STAMP.format(name=name, digest=digest(dot_text)) + "\n" + svg


def stale():
    """Names of pictures whose committed DOT or SVG does not match the code."""
    out = []
    for name, text in pictures().items():
        dot_file, svg_file = IMG / f"{name}.dot", IMG / f"{name}.svg"
        current = dot_file.exists() and dot_file.read_text() == text
        stamped = svg_file.exists() and svg_file.read_text().startswith(STAMP.format(name=name, digest=digest(text)))
        if not (current and stamped):
            out.append(name)
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--check" in argv:
        names = stale()
        if names:
            print(f"out of date: {', '.join(names)}; regenerate with: python docs/gen_pictures.py", file=sys.stderr)
            return 1
        return 0
    IMG.mkdir(exist_ok=True)
    for name, text in pictures().items():
        (IMG / f"{name}.dot").write_text(text)
        svg = draw(name, text)
        if svg is not None:
            (IMG / f"{name}.svg").write_text(svg)
        elif not (IMG / f"{name}.svg").exists():
            print(f"{name}: Graphviz's dot is not installed; the SVG is missing", file=sys.stderr)
    print("wrote:", ", ".join(pictures()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
