"""What lowering refuses outright: constructs that cannot be differentiated (with
the hint each error gives) and calls that hide computation from the compiler
(eval, exec, getattr, globals(), ...), refused wherever they are named."""

import types

import gast


_REFUSED = {
    gast.With: ("with", "move the with-block out of the differentiated function"),
    gast.AsyncWith: ("async with", None),
    gast.AsyncFor: ("async for", None),
    gast.AsyncFunctionDef: ("async def", None),
    gast.Await: ("await", None),
    gast.Yield: ("yield", "a generator cannot be differentiated; return a value instead"),
    gast.YieldFrom: ("yield from", "a generator cannot be differentiated; return a value instead"),
    gast.Global: ("global", "pass the value in as an argument and return the new value"),
    gast.Nonlocal: ("nonlocal", "pass the value in as an argument and return the new value"),
    gast.Lambda: ("lambda", "give it a line of its own: f = lambda ..., then use f"),
    gast.ClassDef: ("class definition", "define classes outside the differentiated function"),
    gast.FunctionDef: ("nested def", "define helper functions at module level"),
    gast.Import: ("import", "import at module level"),
    gast.ImportFrom: ("import", "import at module level"),
    gast.Starred: ("starred expression", "unpack into a fixed number of names"),
    gast.SetComp: ("set comprehension", None),
    gast.DictComp: ("dict comprehension", "assign it to a name in a statement of its own"),
    gast.GeneratorExp: (
        "generator expression",
        "a generator expression can be the argument of sum, max, min, list, tuple or sorted; "
        "elsewhere write a list comprehension or a for loop",
    ),
    gast.Match: ("match", "use if/elif"),
}


def check_delete(parsed, s):
    """`del name` only forgets a name; `del x[i]` / `del d[k]` would change a container in place."""
    for target in s.targets:
        if not isinstance(target, gast.Name):
            raise parsed.error(
                s,
                "'del' of an item or attribute cannot be differentiated",
                "del",
                "build a new list or dict without the item instead",
            )


def _hiding():
    """Functions that run or look up code the compiler cannot see, by identity."""
    import builtins
    import importlib
    import operator

    names = ["eval", "exec", "compile", "globals", "locals", "vars", "__import__", "getattr", "setattr", "delattr"]
    found = {id(getattr(builtins, n)): n for n in names}
    found[id(importlib.import_module)] = "importlib.import_module"
    found[id(operator.attrgetter)] = "operator.attrgetter"
    found[id(operator.methodcaller)] = "operator.methodcaller"
    return found


_HIDING = _hiding()


def refuse_hidden_computation(parsed):
    """eval, exec, getattr, globals(), ... hide computation from the compiler: refused
    wherever they are named, never taken for constants (`eval("x * x")` would otherwise
    have a zero derivative)."""
    node = parsed.node
    bound = {n.id for n in gast.walk(node) if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load)}
    for sub in gast.walk(node):
        path = []
        while isinstance(sub, gast.Attribute):
            path.append(sub.attr)
            sub = sub.value
        if not isinstance(sub, gast.Name) or sub.id in bound or not isinstance(sub.ctx, gast.Load):
            continue
        obj = parsed.resolve(sub.id)
        for attr in reversed(path):  # (through modules only: an object's attribute may run code)
            obj = getattr(obj, attr, None) if isinstance(obj, types.ModuleType) else None
        if id(obj) in _HIDING:
            spelled = _HIDING[id(obj)]
            raise parsed.error(
                sub,
                f"{spelled}() hides computation from the compiler and cannot be differentiated",
                "call",
                "write the expression, attribute or name out in the function's code"
                if spelled in ("eval", "exec", "compile", "getattr", "setattr", "operator.attrgetter")
                else "pass the values in as arguments",
            )
