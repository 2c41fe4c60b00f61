"""Delta debugging of a failing program: the smallest source with the same failure.

Works on the module's AST: remove statements (anywhere, helpers and constants
too), replace an ``if``/``while`` by its body, then replace expressions by one
of their operands, keeping each change while the failure's signature (its
class, stage and, for a raw exception, the exception type) stays the same. A
change that makes the program invalid (it raises, or is near a kink) changes
the outcome to "discarded", so it is rejected.
"""

import ast

from tests.fuzz.oracles import check_source


class Minimizer:
    def __init__(self, source, args, wrt, seed, outcome, budget=400):
        self.tree = ast.parse(source)
        self.args, self.wrt, self.seed = args, wrt, seed
        self.signature = outcome.signature
        self.stages = [outcome.stage]
        self.budget = budget
        self.source = ast.unparse(self.tree)

    def holds(self, tree):
        if self.budget <= 0:
            return False
        self.budget -= 1
        try:
            source = ast.unparse(ast.fix_missing_locations(tree))
        except Exception:
            return False
        out = check_source(source, self.args, self.wrt, self.seed, self.stages)
        if out.signature == self.signature:
            self.source = source
            return True
        return False

    def bodies(self, tree):
        """Every statement list in the module, innermost last."""
        for node in ast.walk(tree):
            for name in ("body", "orelse"):
                block = getattr(node, name, None)
                if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                    yield node, name

    def statements_pass(self):
        changed = False
        positions = [(node, name, i) for node, name in self.bodies(self.tree) for i in range(len(getattr(node, name)))]
        for node, name, i in reversed(positions):
            block = getattr(node, name)
            if i >= len(block) or isinstance(block[i], (ast.Import, ast.ImportFrom)):
                continue
            old = block[i]
            for replacement in self.replacements(old):
                new = replacement or ([ast.Pass()] if len(block) == 1 else [])
                block[i : i + 1] = new
                if self.holds(self.tree):
                    changed = True
                    break
                block[i : i + len(new)] = [old]
        return changed

    def replacements(self, stmt):
        yield []
        if isinstance(stmt, (ast.If, ast.While)):
            yield list(stmt.body)
            if stmt.orelse:
                yield list(stmt.orelse)

    def expressions_pass(self):
        changed = False
        for node in list(ast.walk(self.tree)):
            for fieldname, value in list(ast.iter_fields(node)):
                if not isinstance(value, ast.expr) or isinstance(node, ast.Attribute):
                    continue
                for child in self.operands(value):
                    setattr(node, fieldname, child)
                    if self.holds(self.tree):
                        changed = True
                        break
                    setattr(node, fieldname, value)
        return changed

    def operands(self, expr):
        if isinstance(expr, ast.BinOp):
            return [expr.left, expr.right]
        if isinstance(expr, ast.UnaryOp):
            return [expr.operand]
        if isinstance(expr, ast.IfExp):
            return [expr.body, expr.orelse]
        if isinstance(expr, ast.Call):  # a list given to np.array stays an array
            return [a for a in expr.args if not isinstance(a, (ast.Starred, ast.List, ast.Tuple))]
        if isinstance(expr, ast.BoolOp):
            return list(expr.values)
        return []

    def run(self):
        for _ in range(6):
            changed = self.statements_pass()
            changed = self.expressions_pass() or changed
            if not changed or self.budget <= 0:
                break
        return self.source


def minimize(source, args, wrt, seed, outcome, budget=400):
    """The smallest source found that still fails like ``outcome`` (a failed ``Outcome``)."""
    return Minimizer(source, args, wrt, seed, outcome, budget).run()
