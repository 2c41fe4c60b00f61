"""One batched product after a reversed loop, for a parameter every step adds to (issue 14).

A loop over time with a weight shared by every step (an RNN's `Wh`) has a
reverse sweep that adds one small product per step into the weight's adjoint:
`dWh += h.T @ dt` with `h` and `dt` of `B` rows (`np.outer(dt, h)` for vectors,
one row). When `B` is small the step's product costs little arithmetic and much
overhead (a BLAS call, an in-place add), so the sweep instead copies `h` and
`dt` into slots of two `(T, B, H)` buffers and, after the loop, forms the same
sum with one product: `dWh += h_steps.reshape(-1, H).T @ dt_steps.reshape(-1, H)`
(a bias's `np.sum(dt, axis=0)` or `dt` terms join in, `np.sum(dt_steps..., axis=0)`).
The sum is the same; its floating-point order is not, as in a hand-written
adjoint that stacks the states.

Measured on one core (docs/performance.md, "Batched weight products"): at 8
rows a step or fewer it is faster (RNN, 64 hidden: 0.46x the sweep at B = 1,
0.77x at B = 8); at 16 rows and more the per-step form is (1.2-1.5x slower
batched: the buffers outgrow the cache and come as fresh pages from the
allocator). Hence `ROWS`.

Applied only where that is certainly the same sum (else nothing changes):
code specialised on shapes, every float a float64 and no functional flavour
(the caller's conditions for adding in place: `accumulate.py` made the
`dW += term` this pass reads); a top-level loop `for ... in reversed(tape)`
whose tape a top-level `for _ in range(...)` without `break` appends to once
per pass (so not checkpointed, not inside another loop, a known trip count);
a reversed body that does not leave early; a term `P.T @ Q`, `np.outer(P, Q)`,
`np.sum(G, axis=0)` or `G` of names of known shapes, vectors or matrices of
`ROWS` rows or fewer, one of them an adjoint (a float64 array, so the float64
buffers change no value: an integer or boolean operand is cast to float64 by
the product as by the buffer), added at the top level of the body into an
adjoint nothing else in the loop mentions; at least one product per loop.
"""

import gast

from .codegen import assign, comment, name, walk
from .numba_tapes import fresh as _fresh

ROWS = 8  # rows of a step's operands at most (measured: see the docstring)


def batch_products(body, known, np_name, adjoints):
    """Rewrite, in the function body `body` (gast statements), the reversed loops'
    per-step products as one batched product after each loop, where the rules above
    hold. `known(name)`: a name's shape; `adjoints`: the names of adjoints."""
    taped = {t for t in _tapes_of_range_loops(body) if _only_taped(body, t)}
    taken = {n.id for stmt in body for n in walk(stmt) if isinstance(n, gast.Name)}
    for i in range(len(body) - 1, -1, -1):
        loop = body[i]
        if _reversed_tape(loop) in taped and _stays(loop):
            sites = _sites(loop, known, np_name, adjoints)
            if sites:
                body[i : i + 1] = _batched(loop, sites, known, np_name, taken)


def _tapes_of_range_loops(body):
    """Names of the tapes that a top-level `for _ in range(...)` without `break`
    appends to once per pass (an `append` at the top level of its body)."""
    found = set()
    for stmt in body:
        if not (isinstance(stmt, gast.For) and _calls(stmt.iter, "range") and not stmt.orelse):
            continue
        if any(isinstance(n, (gast.Break, gast.Return, gast.Try)) for n in walk(stmt)):
            continue
        appended = [_appended_to(s) for s in stmt.body]
        found |= {t for t in appended if t is not None and appended.count(t) == 1 and _mentions(stmt, t) == 1}
    return found


def _only_taped(body, tape):
    """Is `tape` made empty at the top level, and mentioned only there, in its one
    `append` and in its reversed loop's header?"""
    made = any(
        isinstance(s, gast.Assign)
        and [getattr(t, "id", None) for t in s.targets] == [tape]
        and isinstance(s.value, gast.List)
        and not s.value.elts
        for s in body
    )
    return made and sum(_mentions(s, tape) for s in body) == 3


def _appended_to(stmt):
    value = stmt.value if isinstance(stmt, gast.Expr) else None
    if (
        isinstance(value, gast.Call)
        and isinstance(value.func, gast.Attribute)
        and value.func.attr == "append"
        and isinstance(value.func.value, gast.Name)
    ):
        return value.func.value.id
    return None


def _reversed_tape(stmt):
    """`tape` of `for ... in reversed(tape):`, else None."""
    if isinstance(stmt, gast.For) and _calls(stmt.iter, "reversed") and isinstance(stmt.iter.args[0], gast.Name):
        return stmt.iter.args[0].id
    return None


def _calls(node, func):
    """`func(...)` (`reversed(tape)`: one argument)."""
    return (
        isinstance(node, gast.Call)
        and isinstance(node.func, gast.Name)
        and node.func.id == func
        and (len(node.args) == 1 or func == "range")
        and not node.keywords
    )


def _stays(loop):
    """A reversed body that runs whole on every pass: no early exit, no else."""
    leaves = (gast.Break, gast.Continue, gast.Return, gast.Try, gast.FunctionDef, gast.Lambda, gast.Yield)
    return not loop.orelse and not any(isinstance(n, leaves) for n in walk(loop))


def _sites(loop, known, np_name, adjoints):
    """[(index in the body, adjoint, operands)] of the top-level `d += term` to batch:
    none unless one of them is a product (a step's sum alone gains nothing)."""
    found = []
    for k, stmt in enumerate(loop.body):
        if not (isinstance(stmt, gast.AugAssign) and isinstance(stmt.op, gast.Add)):
            continue
        if not isinstance(stmt.target, gast.Name) or _mentions(loop, stmt.target.id) != 1:
            continue
        operands = _term(stmt.value, np_name)
        if operands and _fits(stmt.target.id, operands, known, adjoints):
            found.append((k, stmt.target.id, operands))
    return found if any(len(operands) == 2 for _, _, operands in found) else []


def _term(node, np_name):
    """The operand names of a step's term: `P.T @ Q` and `np.outer(P, Q)` (two),
    `np.sum(G, axis=0)` and `G` (one); else None."""
    if isinstance(node, gast.Name):
        return (node.id,)
    if (
        isinstance(node, gast.BinOp)
        and isinstance(node.op, gast.MatMult)
        and isinstance(node.left, gast.Attribute)
        and node.left.attr == "T"
        and isinstance(node.left.value, gast.Name)
        and isinstance(node.right, gast.Name)
    ):
        return (node.left.value.id, node.right.id)
    if not (
        isinstance(node, gast.Call)
        and isinstance(node.func, gast.Attribute)
        and isinstance(node.func.value, gast.Name)
        and node.func.value.id == np_name
        and all(isinstance(a, gast.Name) for a in node.args)
    ):
        return None
    args = tuple(a.id for a in node.args)
    if node.func.attr == "outer" and len(args) == 2 and not node.keywords:
        return args
    axis = [k.value for k in node.keywords if k.arg == "axis"]
    if (
        node.func.attr == "sum"
        and len(args) == 1
        and len(node.keywords) == 1
        and isinstance(axis[0], gast.Constant)
        and type(axis[0].value) is int
        and axis[0].value == 0
    ):
        return args
    return None


def _fits(target, operands, known, adjoints):
    """One operand an adjoint (a float64 array); all vectors (one row each), or all
    matrices of the same `ROWS` rows or fewer (`np.sum(G, axis=0)` of a vector is no
    term: `G` is); the target of the shape the last axes make."""
    if target in operands or not any(o in adjoints for o in operands):
        return False
    shapes = [known(o) for o in operands]
    if not all(_array(s) for s in shapes) or len({len(s) for s in shapes}) != 1:
        return False
    if len({_row_count(s) for s in shapes}) != 1 or _row_count(shapes[0]) > ROWS:
        return False
    return known(target) == tuple(s[-1] for s in shapes)


def _array(shape):
    return isinstance(shape, tuple) and len(shape) in (1, 2) and all(type(d) is int and d >= 0 for d in shape)


def _batched(loop, sites, known, np_name, taken):
    """The statements that replace `loop`: buffers, the loop storing each step's
    operands into them, one product per adjoint after it."""
    steps, step = _fresh("steps", taken), _fresh("step", taken)
    buffers = {}  # (operand, site index) -> buffer name
    stores = {}  # site index -> statements storing the operands it reads first
    for k, _, operands in sites:
        stores[k] = []
        for o in operands:
            earlier = _stored_unchanged(loop, buffers, o, k, {j for j, _, _ in sites})
            if earlier:
                buffers[(o, k)] = earlier
                continue
            buffers[(o, k)] = _fresh(f"{o}_steps", taken)
            slot = gast.Subscript(name(buffers[(o, k)]), name(step), gast.Store())
            stores[k].append(gast.Assign([slot], name(o), None))
    made = []
    for (o, k), b in buffers.items():
        if b not in made:
            made.append(b)
    shapes = {buffers[(o, k)]: known(o) for (o, k) in buffers}
    before = [
        comment(
            "one product per weight after the loop instead of one per step: faster at "
            f"{_rows(max(_row_count(shapes[b]) for b in made))} a step (docs/performance.md)"
        ),
        assign(steps, gast.Call(name("len"), [loop.iter.args[0]], [])),
    ]
    for b in made:
        dims = gast.Tuple([name(steps)] + [gast.Constant(d, None) for d in shapes[b]], gast.Load())
        before.append(assign(b, gast.Call(gast.Attribute(name(np_name), "empty", gast.Load()), [dims], [])))
    # the slot of a step is its place on the tape (the loop reads the tape backwards), so
    # the header stays `for ... in reversed(tape)`, which jit=True rewrites as it is
    before.append(assign(step, name(steps)))
    body = [gast.AugAssign(name(step, True), gast.Sub(), gast.Constant(1, None))]
    for k, stmt in enumerate(loop.body):
        body += stores.get(k, [stmt])
    after = [_product(d, [buffers[(o, k)] for o in operands], shapes, np_name) for k, d, operands in sites]
    return before + [gast.For(loop.target, loop.iter, body, [], None)] + after


def _row_count(shape):
    return shape[0] if len(shape) == 2 else 1  # (a vector is one row)


def _rows(n):
    return "1 row" if n == 1 else f"{n} rows"


def _stored_unchanged(loop, buffers, operand, k, sites):
    """The buffer an earlier site stored `operand` into, if nothing between that site
    and site `k` may have changed its value: no rebinding, no in-place write but to an
    array made afresh in this pass, and `operand` an object of its own (a tape entry,
    or made afresh too), so no such write changes it. The sites' own sums, which go,
    write only adjoints nothing else mentions."""
    body = loop.body
    for (o, j), b in buffers.items():
        between = [s for i, s in enumerate(body[j + 1 : k], j + 1) if i not in sites]
        own = _mentions(loop.target, operand) or _made_afresh(body, body[j], operand)
        if o == operand and own and all(_leaves_alone(body, s, operand) for s in between):
            return b
    return None


def _leaves_alone(body, stmt, operand):
    if any(isinstance(n, gast.Name) and n.id == operand and not isinstance(n.ctx, gast.Load) for n in walk(stmt)):
        return False
    if any(isinstance(n, gast.keyword) and n.arg == "out" for n in walk(stmt)):
        return False
    if any(isinstance(n, gast.Subscript) and not isinstance(n.ctx, gast.Load) for n in walk(stmt)):
        return False
    if isinstance(stmt, gast.AugAssign):
        return isinstance(stmt.target, gast.Name) and _made_afresh(body, stmt, stmt.target.id)
    return True


def _made_afresh(body, stmt, target):
    """Is `target` last bound, before `stmt` in `body`, by arithmetic (a new array, no
    view of another)?"""
    for s in reversed(body[: body.index(stmt)]):
        if isinstance(s, gast.Assign) and [getattr(t, "id", None) for t in s.targets] == [target]:
            return isinstance(s.value, (gast.BinOp, gast.UnaryOp))
        if isinstance(s, gast.AugAssign) and getattr(s.target, "id", None) == target:
            continue
        if _mentions(s, target, stores_only=True):
            return False
    return False


def _product(target, buffers, shapes, np_name):
    """`d += P_steps.reshape(-1, m).T @ Q_steps.reshape(-1, n)` or
    `d += np.sum(G_steps.reshape(-1, n), axis=0)`: every step's rows one below the
    other (a buffer of vectors has them so already)."""
    rows = [
        gast.Call(
            gast.Attribute(name(b), "reshape", gast.Load()),
            [gast.UnaryOp(gast.USub(), gast.Constant(1, None)), gast.Constant(shapes[b][1], None)],
            [],
        )
        if len(shapes[b]) == 2
        else name(b)
        for b in buffers
    ]
    if len(rows) == 2:
        value = gast.BinOp(gast.Attribute(rows[0], "T", gast.Load()), gast.MatMult(), rows[1])
    else:
        value = gast.Call(
            gast.Attribute(name(np_name), "sum", gast.Load()),
            rows,
            [gast.keyword("axis", gast.Constant(0, None))],
        )
    return gast.AugAssign(name(target, True), gast.Add(), value)


def _mentions(node, id_, stores_only=False):
    return sum(
        1
        for n in walk(node)
        if isinstance(n, gast.Name) and n.id == id_ and (not stores_only or not isinstance(n.ctx, gast.Load))
    )
