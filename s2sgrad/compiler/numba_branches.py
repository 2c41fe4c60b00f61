"""A branch's record on a loop's tape, split by arm for compiled code (`jit=True`).

A branch inside a loop packs what its reverse reads into one tuple per arm, which the
loop's tape keeps:

    if cond:
        ...
        branch = ()
    else:
        ...
        branch = (t_2, t_4)
    tape.append((branch, cond, y))
    ...
    for branch, cond, y in reversed(tape):
        if cond:
            ...
        else:
            t_2, t_4 = branch

Numba gives a variable one type, and the two arms' tuples have two. Split, each arm
that keeps something pushes its tuple on a list of its own, and the reverse sweep pops
it where it unpacked the pack (it runs the arms in the reverse order of the forward
sweep, so the last item pushed is the one it needs):

    branch_else = []              (made before the function's statement that holds the loop)
    ...
        else:
            ...
            branch_else.append((t_2, t_4))
        tape.append((cond, y))
    ...
    for cond, y in reversed(tape):
        if cond:
            ...
        else:
            t_2, t_4 = branch_else.pop()

Only in that exact shape (both arms assign the pack, the loop's tape keeps it, the
reverse sweep unpacks each arm's items once, all in one function: a vjp's pullback may
run more than once, and pops); anything else stays as it was. Edits are by line.
"""

import ast

from .numba_tapes import Finder, fresh, indent_of, target_text


def split(source, taken):
    """`source` with the branch packs on loop tapes split by arm (see the docstring)."""
    tree = ast.parse(source)
    tapes = Finder(tree).tapes
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.setdefault(node.id, []).append(node)
    lines = source.splitlines()
    edits, regenerate, hoisted = {}, set(), {}
    for tape in tapes.values():
        if tape.count != 3 or not isinstance(tape.append.value.args[0], ast.Tuple):
            continue
        home = _top(tape.made, parents)
        if any(_top(n, parents)[0] is not home[0] for n in [tape.reverse] + [u.node for u in tape.uses]):
            continue  # (a tape that leaves its function: a vjp's)
        for item in list(tape.append.value.args[0].elts):
            arms = _pack(item, tape, parents, names)
            if arms is None:
                continue
            for assign, unpack in arms:
                line = indent_of(lines[assign.lineno - 1])
                if unpack is None:  # (an arm that keeps nothing: its assignment goes, an else with it)
                    then = _in_then(assign, parents)
                    alone = len(parents[assign].body if then else parents[assign].orelse) == 1
                    edits[assign.lineno] = [f"{line}pass"] if alone and then else []
                    if alone and not then and lines[assign.lineno - 2].strip() == "else:":
                        edits[assign.lineno - 1] = []
                    continue
                arm = fresh(f"{item.id}_{'then' if _in_then(assign, parents) else 'else'}", taken)
                hoisted.setdefault(home[1].lineno, []).append(arm)
                edits[assign.lineno] = [f"{line}{arm}.append({ast.unparse(assign.value)})"]
                targets = target_text(unpack.targets[0])  # (a tuple, of one item too: `t, = ...`)
                edits[unpack.lineno] = [f"{indent_of(lines[unpack.lineno - 1])}{targets} = {arm}.pop()"]
            bound = next(e for e in tape.reverse.target.elts if isinstance(e, ast.Name) and e.id == item.id)
            tape.append.value.args[0].elts.remove(item)
            tape.reverse.target.elts.remove(bound)
            regenerate.update((tape.append, tape.reverse))
    for statement in regenerate:
        indent = indent_of(lines[statement.lineno - 1])
        if isinstance(statement, ast.For):
            edits[statement.lineno] = [f"{indent}for {target_text(statement.target)} in {ast.unparse(statement.iter)}:"]
        else:
            edits[statement.lineno] = [indent + ast.unparse(statement)]
    for number, arms in hoisted.items():
        indent = indent_of(lines[number - 1])
        edits[number] = [f"{indent}{arm} = []" for arm in arms] + edits.get(number, [lines[number - 1]])
    if not edits:
        return source
    out = []
    for number, line in enumerate(lines, 1):
        out += edits.get(number, [line])
    return "\n".join(out) + "\n"


def _pack(item, tape, parents, names):
    """For a tape item that is a branch pack in the shape split: [(the arm's assignment,
    the reverse sweep's unpacking of it, or None for an empty arm)]; else None."""
    if not isinstance(item, ast.Name) or not isinstance(tape.reverse.target, ast.Tuple):
        return None
    uses = names.get(item.id, [])
    assigns = [n for n in uses if isinstance(n.ctx, ast.Store) and isinstance(parents.get(n), ast.Assign)]
    branch = parents.get(parents.get(assigns[0])) if assigns else None
    if len(assigns) != 2 or not isinstance(branch, ast.If):
        return None
    statements = [parents[n] for n in assigns]
    if not all(s.targets[0] is n and isinstance(s.value, ast.Tuple) for s, n in zip(statements, assigns)):
        return None
    if {id(statements[0]), id(statements[1])} != {id(s) for s in branch.body + branch.orelse if s in statements}:
        return None
    if _in_then(statements[0], parents) == _in_then(statements[1], parents):
        return None
    if parents.get(branch) is not tape.append_in or branch not in tape.append_in.body:
        return None
    bound = [n for n in uses if n in tape.reverse.target.elts]
    reads = [n for n in uses if isinstance(n.ctx, ast.Load) and n is not item]
    unpacks = [parents[n] for n in reads if isinstance(parents.get(n), ast.Assign) and parents[n].value is n]
    if len(bound) != 1 or len(uses) != 4 + len(unpacks) or len(unpacks) != len(reads):
        return None
    arms = []
    for statement in statements:
        kept = [_kept(e) for e in statement.value.elts]
        found = [u for u in unpacks if _targets(u) == kept]
        if kept and len(found) != 1 or not kept and found:
            return None
        arms.append((statement, found[0] if kept else None))
    if len({id(u) for _, u in arms if u is not None}) != len(unpacks):
        return None
    if any(not any(node is u for node in ast.walk(tape.reverse)) for u in unpacks):
        return None
    return arms


def _top(node, parents):
    """(the function holding `node`, the statement of its body that holds it)."""
    while not isinstance(parents.get(node), ast.FunctionDef):
        node = parents[node]
    return parents[node], node


def _in_then(statement, parents):
    return statement in parents[statement].body


def _kept(node):
    """The name a pack item keeps: `x`, or `x` of `shape_of(x)`."""
    if isinstance(node, ast.Call) and len(node.args) == 1 and isinstance(node.args[0], ast.Name):
        return node.args[0].id
    return node.id if isinstance(node, ast.Name) else None


def _targets(unpack):
    target = unpack.targets[0]
    if not isinstance(target, ast.Tuple):
        return None
    return [e.id if isinstance(e, ast.Name) else None for e in target.elts]
