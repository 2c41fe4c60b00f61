"""Algebraic clean-up of generated expressions, after temporaries are folded.

Rules assemble adjoints term by term, so the code can say what a person would
simplify at once: `g * u + g * u` (the two uses of u in `u * u`), `a + -b`,
`-(-a)`. Each rewrite here is exact in floating point (doubling and negation
are exact), and applies only to expressions without calls, whose evaluation
has no effect and whose repetition costs twice what one evaluation does.

Signs move too: a rule for `1 / t` gives `-g / t**2`, so the sigmoid's adjoint
reads `-(g * (-s / t) * e)`. A negation commutes exactly with `*`, `/`, a sum
and a reshape (IEEE arithmetic is symmetric in the sign), so negations in one
such chain cancel in pairs (`g * (s / t) * e`), and one left over is taken by
an enclosing `+` or `-` (`a + np.sum(-x)` is `a - np.sum(x)`). A rewrite never
adds a negation: it removes them or leaves the expression as it was.

Two constant factors in a row fold into one where either is a power of two
(`g * 0.5 * 1.1283791670955126` is `g * 0.5641895835477563`, the normal CDF's
0.5 meeting erf's slope): scaling by a power of two is exact, so both sides
round once, at the same product. Two numbers multiplied first in a product
(`1.0 * 0.5 * LENGTH * c`, a seed meeting a rule's constant) are one number: Python
would compute the same product when the line runs.
"""

import math

import gast

_SIMPLE = (
    gast.Name,
    gast.Constant,
    gast.BinOp,
    gast.UnaryOp,
    gast.Attribute,
    gast.Subscript,
    gast.Slice,
    gast.Tuple,
    gast.Load,
    gast.operator,
    gast.unaryop,
)


def _pure(node):
    """No calls anywhere inside: evaluating it once or twice is the same."""
    return all(isinstance(sub, _SIMPLE) or isinstance(sub, gast.expr_context) for sub in gast.walk(node))


def _same(a, b):
    return gast.dump(a) == gast.dump(b)


def _negated(node):
    return isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub)


def _doubled(term):
    """`2 * term`, spelled so that a product keeps reading left to right: 2 * g * u."""
    if isinstance(term, gast.BinOp) and isinstance(term.op, gast.Mult):
        return gast.BinOp(_doubled(term.left), gast.Mult(), term.right)
    if _number(term) is not None:
        return gast.Constant(2 * _number(term), None)  # (2 * 1.0 is 2.0)
    return gast.BinOp(gast.Constant(2, None), gast.Mult(), term)


def _pull(node, np_name):
    """(core, negated, count): node's value is core's, negated if `negated`; `count`
    negations of the chain of `*`, `/`, sums, reshapes and transposes were taken out."""
    if _negated(node):
        core, neg, count = _pull(node.operand, np_name)
        return core, not neg, count + 1
    if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Mult, gast.Div)):
        left, neg_left, count_left = _pull(node.left, np_name)
        right, neg_right, count_right = _pull(node.right, np_name)
        if not count_left + count_right:
            return node, False, 0
        return gast.BinOp(left, node.op, right), neg_left != neg_right, count_left + count_right
    inner = _sign_neutral(node, np_name)
    if inner is not None:
        core, neg, count = _pull(inner[0], np_name)
        if count:
            return inner[1](core), neg, count
    return node, False, 0


def _sign_neutral(node, np_name):
    """(operand, rebuild) for `np.sum(x, axis=...)`, `x.reshape(...)`, `x.T`: f(-x) = -f(x)."""
    if isinstance(node, gast.Attribute) and node.attr == "T":
        return node.value, lambda x: gast.Attribute(x, "T", gast.Load())
    if not isinstance(node, gast.Call) or not isinstance(node.func, gast.Attribute):
        return None
    func, keys = node.func, {k.arg for k in node.keywords}
    if func.attr == "reshape" and not keys:
        return func.value, lambda x: gast.Call(gast.Attribute(x, "reshape", gast.Load()), node.args, [])
    if (
        func.attr == "sum"
        and isinstance(func.value, gast.Name)
        and func.value.id == np_name
        and len(node.args) == 1
        and keys <= {"axis", "keepdims"}
    ):
        return node.args[0], lambda x: gast.Call(func, [x], node.keywords)
    return None


def _signs(node, np_name):
    """`node` with the negations of its chain cancelled in pairs (see the module);
    `np_name`: how the code spells NumPy (None: no sums taken through)."""
    if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Add, gast.Sub)):
        core, neg, count = _pull(node.right, np_name)
        if neg:  # a + -b  ->  a - b,  a - -b  ->  a + b
            op = gast.Sub() if isinstance(node.op, gast.Add) else gast.Add()
            return gast.BinOp(node.left, op, core)
        if count:
            return gast.BinOp(node.left, node.op, core)
        if isinstance(node.op, gast.Add):
            core, neg, count = _pull(node.left, np_name)
            if neg:  # -a + b  ->  b - a
                return gast.BinOp(node.right, gast.Sub(), core)
        return node
    core, neg, count = _pull(node, np_name)
    if count >= 2:
        return gast.UnaryOp(gast.USub(), core) if neg else core
    return node


def simplify(node, np_name=None):
    """The expression `node` with the rewrites above applied bottom-up."""
    for field, value in gast.iter_fields(node):
        if isinstance(value, gast.AST):
            setattr(node, field, simplify(value, np_name))
        elif isinstance(value, list):
            setattr(node, field, [simplify(v, np_name) if isinstance(v, gast.AST) else v for v in value])
    if isinstance(node, gast.expr):
        node = _signs(node, np_name)
    product = _numbers_product(node)
    if product is not None:
        return gast.Constant(product, None)
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Add):
        if _same(node.left, node.right) and _pure(node.left):
            return _doubled(node.left)  # g * u + g * u  ->  2 * g * u
        if _negated(node.right):
            return gast.BinOp(node.left, gast.Sub(), node.right.operand)  # a + -b  ->  a - b
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Sub) and _negated(node.right):
        return gast.BinOp(node.left, gast.Add(), node.right.operand)  # a - -b  ->  a + b
    if _negated(node) and _negated(node.operand):
        return node.operand.operand  # -(-a)  ->  a
    folded = _folded_scales(node)
    return folded if folded is not None else node


def _scale(node):
    """The value of a positive number written in the code, or None."""
    if isinstance(node, gast.Constant) and type(node.value) in (int, float) and node.value > 0:
        return node.value
    return None


def _is_scaled(node, side):
    """Is `node` a product whose `side` operand is a positive number (`x * 0.5`, `2 * y`)?"""
    return isinstance(node, gast.BinOp) and isinstance(node.op, gast.Mult) and _scale(getattr(node, side)) is not None


# the seeds 1.0 and -1.0, which the reverse sweep spells as names (reverse.UNITS)
_UNITS = {"1.0": 1.0, "-1.0": -1.0}


def _number(node):
    """The literal number (not a bool) `node` is, or None."""
    if isinstance(node, gast.Constant) and type(node.value) in (int, float):
        return node.value
    return _UNITS.get(node.id) if isinstance(node, gast.Name) else None


def _numbers_product(node):
    """The product of `1.0 * 0.5`, two literal numbers multiplied, if finite; else None."""
    if not (isinstance(node, gast.BinOp) and isinstance(node.op, gast.Mult)):
        return None
    a, b = _number(node.left), _number(node.right)
    product = a * b if a is not None and b is not None else None
    return product if product is not None and math.isfinite(product) else None


def _power_of_two(c):
    return math.isfinite(c) and math.frexp(c)[0] == 0.5


def _folded_scales(node):
    """`x * c1 * c2` as `x * c`, c = c1 * c2, where c1 or c2 is a power of two;
    `x * c1 * (c2 * y)` as `x * c * y` (`x * y` for c = 1) where both are; else None."""
    if not (isinstance(node, gast.BinOp) and isinstance(node.op, gast.Mult)):
        return None
    inner = node.left
    if _is_scaled(inner, "right") and _is_scaled(node.right, "left"):
        c1, c2 = _scale(inner.right), _scale(node.right.left)
        if _power_of_two(c1) and _power_of_two(c2) and math.isfinite(c1 * c2):
            left = inner.left if c1 * c2 == 1 else gast.BinOp(inner.left, gast.Mult(), gast.Constant(c1 * c2, None))
            return gast.BinOp(left, gast.Mult(), node.right.right)
    if not (isinstance(inner, gast.BinOp) and isinstance(inner.op, gast.Mult)):
        return None
    c1, c2 = _scale(inner.right), _scale(node.right)
    if c1 is None or c2 is None or not (_power_of_two(c1) or _power_of_two(c2)):
        return None
    product = c1 * c2
    if not (math.isfinite(product) and product > 0):
        return None
    return gast.BinOp(inner.left, gast.Mult(), gast.Constant(product, None))


def simplify_body(body, np_name=None):
    """Simplify every statement of generated code in place."""
    body[:] = [simplify(stmt, np_name) for stmt in body]
