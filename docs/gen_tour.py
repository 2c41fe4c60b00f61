"""Regenerate the real outputs shown in the documentation pages.

Run from the repository root:

    python docs/gen_tour.py            # rewrite the pages (docs/*.md, README.md) in place
    python docs/gen_tour.py --check    # exit 1 if a page is out of date

A page marks its live examples with HTML comments (invisible on the site), each
followed by a fenced code block:

    <!-- define: model.py -->      the block is a file: written to a temporary
                                   directory, imported, its names kept for the page
    <!-- program: NAME -->         the block becomes the source of the function NAME
                                   that the page defined (shown next to its error)
    <!-- show: EXPR -->            the block becomes EXPR's `.source` (a derivative
                                   function), its text form (`sg.graph(f)`), or str(EXPR)
    <!-- error: EXPR -->           the block becomes the S2SGradError that EXPR
                                   (and then its `.source`) raises
    <!-- cli: ARGS -->             the block becomes `$ python -m s2sgrad ARGS` and its output

EXPR is evaluated with `sg` (s2sgrad), `np` (NumPy), `called(df, *args)` (calls
the derivative `df` with `args` and returns it, so that `.source` is the code
compiled for those kinds of arguments, e.g. Python floats), `api_status()` (which
of the public functions in the API contract this version has) and every name
the page defined so far. Paths of the temporary directory never appear in the output.
tests/test_docs_site.py runs this in check mode, so the pages never go stale.
"""
import contextlib
import importlib.util
import inspect
import io
import itertools
import os
import re
import shlex
import sys
import tempfile
from pathlib import Path

import numpy as np

DOCS = Path(__file__).resolve().parent
MARKER = re.compile(r"^<!-- (define|program|show|error|cli): (.*?) -->[ \t]*$")
FENCE = re.compile(r"^(```+|~~~+)(.*)$")
_modules = itertools.count()


class StaleExample(Exception):
    """An example that no longer does what its page says."""


def _fence_after(lines, start, page, lineno):
    """(open index, close index) of the fenced block after a marker."""
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    m = FENCE.match(lines[i]) if i < len(lines) else None
    if not m:
        raise StaleExample(f"{page}:{lineno}: a marker must be followed by a fenced code block")
    for j in range(i + 1, len(lines)):
        if lines[j].strip() == m.group(1):
            return i, j
    raise StaleExample(f"{page}:{lineno}: unclosed code block")


def _import_file(path):
    name = f"_s2sgrad_docs_{next(_modules)}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def called(df, *args):
    """Call a derivative function (so that `.source` is the code for these arguments)."""
    df(*args)
    return df


CONTRACT = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "hvp", "stop_gradient",
            "check_grad", "source", "show", "graph"]


def api_status():
    """One line per function of the API contract: available in this version, or not yet."""
    import s2sgrad as sg
    width = max(map(len, CONTRACT)) + 3
    return "\n".join(f"{'sg.' + name:<{width}} {'available' if hasattr(sg, name) else 'not yet'}"
                     for name in CONTRACT)


def _as_text(value):
    if hasattr(value, "source") and not isinstance(value, str):
        return value.source
    return str(value)


@contextlib.contextmanager
def _inside(directory):
    """Run in `directory`; then restore the working directory and sys.path, and forget its modules."""
    old_cwd, old_path, old_modules = os.getcwd(), list(sys.path), set(sys.modules)
    os.chdir(directory)
    sys.path.insert(0, str(directory))        # example files import each other by name
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path
        for added in set(sys.modules) - old_modules:        # the example files the CLI imported
            if str(getattr(sys.modules[added], "__file__", "")).startswith(str(directory)):
                del sys.modules[added]


def _run_cli(args):
    from s2sgrad.__main__ import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(shlex.split(args))
    text = out.getvalue() + err.getvalue()
    return f"$ python -m s2sgrad {args}\n{text}" + ("" if status == 0 else f"$ echo $?\n{status}\n")


def render(page):
    """The text `page` (a path) should have, with every marked block regenerated."""
    import s2sgrad as sg
    lines = Path(page).read_text().split("\n")
    name = Path(page).name
    with tempfile.TemporaryDirectory(prefix="s2sgrad-docs-") as tmp, _inside(tmp):
        workdir = Path(tmp)
        namespace = {"sg": sg, "np": np, "called": called, "api_status": api_status}
        out, i = [], 0
        while i < len(lines):
            m = MARKER.match(lines[i])
            if not m:
                out.append(lines[i])
                i += 1
                continue
            kind, arg = m.group(1), m.group(2).strip()
            start, end = _fence_after(lines, i + 1, name, i + 1)
            out.extend(lines[i:start + 1])
            body = lines[start + 1:end]
            if kind == "define":
                path = workdir / arg
                path.write_text("\n".join(body) + "\n")
                with contextlib.redirect_stdout(io.StringIO()):      # a snippet may print
                    module = _import_file(path)
                namespace.update({k: v for k, v in vars(module).items() if not k.startswith("__")})
                new = body
            else:
                try:
                    if kind == "show":
                        text = _as_text(eval(arg, namespace))
                    elif kind == "program":
                        text = inspect.getsource(namespace[arg])
                    elif kind == "error":
                        text = _expect_error(arg, namespace, sg, name, i + 1)
                    else:
                        text = _run_cli(arg)
                except StaleExample:
                    raise
                except Exception as exc:
                    raise StaleExample(f"{name}:{i + 1}: {kind} {arg!r} raised "
                                       f"{type(exc).__name__}: {exc}") from exc
                for prefix in {str(workdir) + os.sep, os.path.realpath(workdir) + os.sep}:
                    text = text.replace(prefix, "")
                new = text.rstrip("\n").split("\n")
            out.extend(new)
            out.append(lines[end])
            i = end + 1
    return "\n".join(out)


def _expect_error(expr, namespace, sg, page, lineno):
    try:
        value = eval(expr, namespace)
        if hasattr(value, "source"):
            value.source
    except sg.S2SGradError as exc:
        return str(exc)
    raise StaleExample(f"{page}:{lineno}: {expr} no longer raises S2SGradError; update the page")


def pages():
    """The pages that have live examples: the docs site's, README.md and CONTRIBUTING.md."""
    candidates = list(DOCS.glob("*.md")) + [DOCS.parent / "README.md", DOCS.parent / "CONTRIBUTING.md"]
    return sorted(p for p in candidates
                  if p.exists() and any(MARKER.match(line) for line in p.read_text().split("\n")))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    check = "--check" in argv
    stale = []
    for page in pages():
        new = render(page)
        if new != page.read_text():
            stale.append(page.name)
            if not check:
                page.write_text(new)
    if check and stale:
        print(f"out of date: {', '.join(stale)}; regenerate with: python docs/gen_tour.py", file=sys.stderr)
        return 1
    print(("rewrote: " if stale else "up to date: ") + ", ".join(stale or [p.name for p in pages()]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
