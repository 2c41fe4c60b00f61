"""The command line: look at what s2sgrad makes of a function in a file.

    python -m s2sgrad show  path/to/file.py:function [--wrt a,b] [--mode reverse|forward] [--args "2.0, np.ones(3)"]
    python -m s2sgrad graph path/to/file.py:function [--dot]

`show` prints the generated derivative source (coloured on a terminal when
Pygments is installed): the generic form for arrays of any shape, or with
`--args` the code specialised on those example arguments (`example_args`);
`graph` prints the SSA graph as text or Graphviz DOT. The file
is imported from its path, its own directory first on `sys.path`. Problems
(a bad path, a missing function, code s2sgrad cannot differentiate) print one
line on stderr and exit with status 2.
"""

import argparse
import ast
import importlib.util
import operator
import os
import re
import sys
from pathlib import Path

EXIT_ERROR = 2


class CommandError(Exception):
    """A problem to report in one line (no traceback)."""


def _one_line(text):
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def describe_error(exc):
    """An S2SGradError in one line: `file.py:7: message (hint: ...)`."""
    reason = getattr(exc, "reason", None) or str(exc)
    loc = getattr(exc, "loc", None)
    text = f"{loc}: {reason}" if loc else reason
    hint = getattr(exc, "hint", None)
    if hint:
        text += f" (hint: {hint})"
    return _one_line(text)


def _module_name(path):
    name = re.sub(r"\W", "_", path.stem) or "module"
    return "_" + name if name[0].isdigit() else name


def load_function(target):
    """`path/to/file.py:function` (or `file.py:Class.method`) -> the function object."""
    path_text, sep, qualname = target.rpartition(":")
    if not sep or not path_text or not qualname:
        raise CommandError(f"expected path/to/file.py:function, got '{target}'")
    path = Path(path_text).expanduser()
    if not path.exists():
        raise CommandError(f"{path_text}: no such file")
    if not path.is_file():
        raise CommandError(f"{path_text}: not a file")
    directory = str(path.resolve().parent)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, str(path))
    if spec is None or spec.loader is None:
        raise CommandError(f"{path_text}: not a Python source file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise CommandError(f"{path_text}:{exc.lineno}: syntax error: {exc.msg}") from None
    except (Exception, SystemExit) as exc:
        raise CommandError(f"{path_text}: importing it raised {type(exc).__name__}: {_one_line(exc)}") from None
    obj = module
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            found = sorted(
                n
                for n, v in vars(module).items()
                if callable(v) and getattr(v, "__module__", None) == name and not n.startswith("_")
            )
            listing = f" (it defines: {', '.join(found)})" if found else ""
            raise CommandError(f"{path_text} has no function '{qualname}'{listing}")
    if not callable(obj):
        raise CommandError(f"{path_text}:{qualname} is a {type(obj).__name__}, not a function")
    return obj


def parse_wrt(text):
    """`--wrt x,1` -> ('x', 1); one item -> that item; None -> 0."""
    if text is None:
        return 0
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise CommandError(f"--wrt takes parameter names or indices separated by commas, got '{text}'")
    parsed = tuple(int(item) if re.fullmatch(r"-?\d+", item) else item for item in items)
    return parsed[0] if len(parsed) == 1 else parsed


# What --args may call and read of NumPy: constructors and constants, nothing that runs user code
_NUMPY_CALLS = frozenset(
    "array asarray ones zeros full empty linspace arange eye identity ones_like zeros_like full_like diag".split()
)
_NUMPY_VALUES = frozenset("pi e inf float64 float32 int64 complex128".split())
_BUILTIN_VALUES = {"float": float, "int": int, "complex": complex, "bool": bool}
_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.MatMult: operator.matmul,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def example_args(text, namespace):
    """`--args "2.0, np.ones(3), n=10"` -> ((2.0, array([1., 1., 1.])), {'n': 10}), read
    without `eval`: literals (numbers, strings, tuples, lists, dicts), arithmetic on them,
    NumPy constructors (`np.ones(3)`, `np.linspace(0, 1, 5)`, ...) and constants, and the
    module's own data (`U0`, a module constant); no other call, so nothing runs."""
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError as exc:
        raise CommandError(f"--args: not a list of Python arguments: {exc.msg}: '{text}'") from None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "f"):
        raise CommandError(f"--args: not a list of Python arguments: '{text}'")
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        raise CommandError("--args: write each argument out (no * or ** unpacking)")
    args = tuple(_example_value(a, namespace) for a in call.args)
    return args, {k.arg: _example_value(k.value, namespace) for k in call.keywords}


def _example_value(node, namespace):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [_example_value(e, namespace) for e in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_example_value(k, namespace): _example_value(v, namespace) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_example_value(node.operand, namespace))
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _example_value(node.left, namespace), _example_value(node.right, namespace)
        return _OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.Call) and _numpy_name(node.func) in _NUMPY_CALLS:
        import numpy as np

        args = [_example_value(a, namespace) for a in node.args]
        kwargs = {k.arg: _example_value(k.value, namespace) for k in node.keywords if k.arg is not None}
        return getattr(np, _numpy_name(node.func))(*args, **kwargs)
    if _numpy_name(node) in _NUMPY_VALUES:
        import numpy as np

        return getattr(np, _numpy_name(node))
    if isinstance(node, ast.Name) and node.id in namespace and _is_data(namespace[node.id]):
        return namespace[node.id]
    if isinstance(node, ast.Name) and node.id in _BUILTIN_VALUES:
        return _BUILTIN_VALUES[node.id]
    raise CommandError(
        f"--args: cannot read '{ast.unparse(node)}': write numbers, tuples, lists, dicts, arithmetic, "
        "NumPy constructors (np.ones(3), np.linspace(0, 1, 5), ...) or a constant of the module"
    )


def _numpy_name(node):
    """`ones` for the expression `np.ones` or `numpy.ones`, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("np", "numpy"):
        return node.attr
    return None


def _is_data(value):
    """A module constant --args may name: a value, not a function, class or module."""
    return not callable(value) and not isinstance(value, type(sys))


def _use_colour(choice, stream):
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def highlight(source, colour):
    """Python source with terminal colours when asked for and Pygments is importable."""
    if not colour:
        return source
    try:
        from pygments import highlight as pyg_highlight
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return source
    return pyg_highlight(source, PythonLexer(), TerminalFormatter())


def _forward_derivative(sg, func, wrt_text):
    if wrt_text is not None:
        raise CommandError(
            "--wrt applies to reverse mode; the forward-mode source takes a tangent for every floating-point argument"
        )
    return sg.jvp(func)


def cmd_show(args, out):
    import s2sgrad as sg

    func = load_function(args.target)
    if args.mode == "forward":
        df = _forward_derivative(sg, func, args.wrt)
    else:
        df = sg.grad(func, wrt=parse_wrt(args.wrt))
    if args.args is None:
        source = df.source
    else:
        positional, keywords = example_args(args.args, getattr(func, "__globals__", {}))
        source = sg.source(df, *positional, **keywords)
    out.write(highlight(source.rstrip("\n") + "\n", _use_colour(args.color, out)))


def cmd_graph(args, out):
    import s2sgrad as sg

    g = sg.graph(load_function(args.target))
    out.write(g.to_dot() if args.dot else str(g) + "\n")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="s2sgrad", description="Show the derivative source or the SSA graph s2sgrad makes of a function."
    )
    sub = parser.add_subparsers(dest="command", metavar="{show,graph}")
    sub.required = True
    show = sub.add_parser(
        "show",
        help="print the generated derivative source",
        description="Print the generated derivative source: the gradient (reverse mode, "
        "the default) or the tangent sweep (--mode forward): the generic form for "
        "arrays of any shape, or with --args the code specialised on those arguments.",
    )
    show.add_argument("target", metavar="path/to/file.py:function")
    show.add_argument("--wrt", metavar="a,b", help="parameter names or indices to differentiate by (default: 0)")
    show.add_argument("--mode", choices=("reverse", "forward"), default="reverse")
    show.add_argument(
        "--args",
        metavar='"2.0, np.ones(3)"',
        help="example arguments: show the code specialised on them (numbers, tuples, lists, dicts, "
        "np.ones(3)-style NumPy constructors, the module's constants; nothing else is run)",
    )
    show.add_argument(
        "--color",
        "--colour",
        choices=("auto", "always", "never"),
        default="auto",
        help="syntax colours (auto: on a terminal, when Pygments is installed)",
    )
    show.set_defaults(run=cmd_show)
    graph = sub.add_parser(
        "graph",
        help="print the SSA graph of the function",
        description="Print the SSA graph of the function as text, or as Graphviz DOT.",
    )
    graph.add_argument("target", metavar="path/to/file.py:function")
    graph.add_argument("--dot", action="store_true", help="Graphviz DOT (render with: dot -Tsvg)")
    graph.set_defaults(run=cmd_graph)
    return parser


def main(argv=None):
    """Entry point of `python -m s2sgrad` and the `s2sgrad` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    from .errors import S2SGradError

    try:
        args.run(args, sys.stdout)
        sys.stdout.flush()
    except CommandError as exc:
        print(f"s2sgrad: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except S2SGradError as exc:
        print(f"s2sgrad: error: {describe_error(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # e.g. `python -m s2sgrad show f.py:f | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
