"""Algebraic clean-up of generated expressions, after temporaries are folded.

Rules assemble adjoints term by term, so the code can say what a person would
simplify at once: `g * u + g * u` (the two uses of u in `u * u`), `a + -b`,
`-(-a)`. Each rewrite here is exact in floating point (doubling and negation
are exact), and applies only to expressions without calls, whose evaluation
has no effect and whose repetition costs twice what one evaluation does.
"""

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
    return gast.BinOp(gast.Constant(2, None), gast.Mult(), term)


def simplify(node):
    """The expression `node` with the rewrites above applied bottom-up."""
    for field, value in gast.iter_fields(node):
        if isinstance(value, gast.AST):
            setattr(node, field, simplify(value))
        elif isinstance(value, list):
            setattr(node, field, [simplify(v) if isinstance(v, gast.AST) else v for v in value])
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Add):
        if _same(node.left, node.right) and _pure(node.left):
            return _doubled(node.left)  # g * u + g * u  ->  2 * g * u
        if _negated(node.right):
            return gast.BinOp(node.left, gast.Sub(), node.right.operand)  # a + -b  ->  a - b
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Sub) and _negated(node.right):
        return gast.BinOp(node.left, gast.Add(), node.right.operand)  # a - -b  ->  a + b
    if _negated(node) and _negated(node.operand):
        return node.operand.operand  # -(-a)  ->  a
    return node


def simplify_body(body):
    """Simplify every statement of generated code in place."""
    body[:] = [simplify(stmt) for stmt in body]
