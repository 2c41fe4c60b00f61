"""`sg.graph(f)`: the SSA graph of a function, to print or to draw.

    g = sg.graph(f)
    print(g)              # one statement per line, regions indented, `# file.py:LINE`
    g.to_dot()            # Graphviz DOT text; `dot -Tsvg` renders it

In Jupyter a graph shows as a picture when Graphviz's `dot` program is
installed, and as its text form otherwise.
"""

from __future__ import annotations

from typing import Callable

import shutil
import subprocess

from .compiler import ir, irprint
from .compiler.pipeline import build_graph


class Graph:
    """The pruned SSA graph of a function (`.ir` is the `ir.Graph` itself)."""

    def __init__(self, func):
        func = getattr(func, "func", func)  # a derivative function: its original
        self.func = func
        self.ir = build_graph(func)
        self._svg = None

    @property
    def name(self):
        return self.ir.name

    @property
    def params(self):
        return [p.hint for p in self.ir.params]

    def operations(self):
        """The operation of every equation, in program order (`mul`, `np.sin`, `x.sum`, ...)."""
        spell = irprint._Spell(self.ir)
        return [irprint.op_name(s, spell) for s in ir.walk(self.ir.body) if isinstance(s, ir.Eqn)]

    def __str__(self):
        return irprint.format_graph(self.ir)

    def __repr__(self):
        n = sum(1 for s in ir.walk(self.ir.body) if isinstance(s, ir.Eqn))
        return f"<s2sgrad graph of {self.func.__qualname__}: {n} operations; print() it to read it>"

    def to_dot(self):
        """Graphviz DOT text: value and operation nodes, a cluster per if / for / while."""
        return irprint.to_dot(self.ir)

    def to_svg(self):
        """SVG text drawn by Graphviz's `dot`; raises RuntimeError if `dot` is not installed."""
        svg = self._render()
        if svg is None:
            raise RuntimeError(
                "Graphviz's 'dot' program is not installed (or failed); install graphviz, or use print(g) / g.to_dot()"
            )
        return svg

    def _render(self):
        if self._svg is None:
            dot = shutil.which("dot")
            if dot is None:
                return None
            try:
                done = subprocess.run(
                    [dot, "-Tsvg"], input=self.to_dot().encode(), capture_output=True, timeout=60, check=False
                )
            except (OSError, subprocess.SubprocessError):
                return None
            if done.returncode != 0:
                return None
            self._svg = done.stdout.decode("utf-8", "replace")
        return self._svg

    # -- Jupyter / IPython display ----------------------------------------------
    def _repr_svg_(self):
        return self._render()

    def _repr_markdown_(self):
        # Only without a picture: front ends rank markdown above SVG.
        if self._render() is not None:
            return None
        return f"```text\n{self}\n```"

    def _repr_pretty_(self, p, cycle):
        p.text(repr(self) if cycle else str(self))


def graph(f: Callable) -> Graph:
    """The SSA computational graph of `f` (also accepts a derivative function):
    `print()` shows it as text, `.to_dot()` gives Graphviz DOT."""
    return Graph(f)
