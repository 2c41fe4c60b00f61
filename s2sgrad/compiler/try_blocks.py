"""`try` statements, run as they are written, without a derivative.

Which statements of a try ran is not recorded for a derivative, so a try statement is
compiled into a function of its own, in the user's file and lines
(`def try_block(s): try: k = int(s) except ValueError: k = 1; return k`), which the
differentiated code calls with the names the statement reads and which returns the
names it assigns. The call has no derivative rule: a try statement that reads a value
depending on the differentiated arguments (and whose results matter) is refused with
that reason when the derivative is made; one that computes constants (parsing an
option, a fallback for a missing key) just runs.
"""

import builtins

import gast

from .nodes import compile_function, copy_loc, name

_JUMPS = (gast.Return, gast.Break, gast.Continue, gast.Yield, gast.YieldFrom, gast.Await)


def lower_try(lowerer, s):
    """`k = try_block(s)` (or `k, m = ...`, or the bare call) for the try statement `s`."""
    parsed = lowerer.parsed
    for sub in gast.walk(s):
        if isinstance(sub, _JUMPS + (gast.FunctionDef, gast.Lambda, gast.ClassDef, gast.Global, gast.Nonlocal)):
            raise parsed.error(
                sub,
                f"a try statement that holds '{type(sub).__name__.lower()}' cannot be differentiated",
                "try",
                "move the try/except into a helper that returns its result, and declare it constant with "
                "s2sgrad.extend.defnondiff(helper)",
            )
    handlers = {h.name.id for h in s.handlers if isinstance(h.name, gast.Name)}
    stored = _names(s, (gast.Store,)) - handlers
    inputs = sorted(n for n in _names(s, (gast.Load,)) | stored if not _builtin(parsed, n))
    outputs = sorted(stored)
    if any(n.startswith(".") for n in inputs + outputs):
        raise parsed.error(s, "a try statement inside a comprehension cannot be differentiated", "try")
    loaded = _names(s, (gast.Load,))
    reads = [n for n in inputs if n in loaded and (n in lowerer.local_names or n in parsed.closure)]
    func = _compile(parsed, s, inputs, outputs, reads)
    made = lowerer.fresh("try")
    parsed.made[made] = func
    args = [name(n) for n in inputs]
    for a in args:
        # a name only assigned keeps its value on a path that does not assign it: passed in,
        # unbound before the statement is allowed (the function then returns None for it)
        a.maybe_unbound = a.id not in loaded
    run = gast.Call(name(made), args, [])
    if not outputs:
        return [copy_loc(gast.Expr(run), s)]
    target = name(outputs[0], True) if len(outputs) == 1 else gast.Tuple([name(n, True) for n in outputs], gast.Store())
    return [copy_loc(gast.Assign([target], run, None), s)]


def _names(node, contexts):
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, contexts)}


def _builtin(parsed, n):
    return n not in parsed.closure and n not in parsed.func.__globals__ and hasattr(builtins, n)


def _compile(parsed, s, inputs, outputs, reads):
    """The try statement as a function of `inputs` returning `outputs`, compiled with the
    user's file name and line numbers (a traceback inside it shows the user's lines)."""
    result = name(outputs[0]) if len(outputs) == 1 else gast.Tuple([name(n) for n in outputs], gast.Load())
    body = [s, copy_loc(gast.Return(result if outputs else gast.Constant(None, None)), s)]
    args = gast.arguments([name(n, None) for n in inputs], [], None, [], [], None, [])
    for a in args.args:
        a.ctx = gast.Param()
    node = copy_loc(gast.FunctionDef("try_block", args, body, [], None, None, []), s)
    func = compile_function(node, parsed.filename, parsed.func.__globals__)
    func._s2sgrad_try = (parsed.loc(s), reads)
    func._s2sgrad_made = f"the try statement at line {s.lineno}, run as written (no derivative)"
    return func
