"""The IR as people read it: `format_graph` (the text form `sg.graph(f)` prints)
and `to_dot` (the same graph for Graphviz)."""

from dataclasses import dataclass

from .ir import Const, Eqn, For, Global, If, Var, While, is_loop, reads, region_results, walk

# `format_graph` prints one statement per line, regions indented, every line
# ending with its source location; `to_dot` draws the same graph for Graphviz.
# Both spell values with readable names: the user's name for the first version
# of a variable, `s_1`, `s_2` for later ones, `t`, `t_1` for temporaries.

_COMMENT_COLUMN = 52


class _Spell:
    """Readable, unique names for the values of one graph."""

    def __init__(self, graph):
        found = {}

        def see(atoms):
            for a in atoms:
                if isinstance(a, Var):
                    found.setdefault(a.id, a)

        see(graph.params)
        for stmt in walk(graph.body):
            see(stmt.outs)
            see(reads(stmt))
            for outs in region_results(stmt):
                see(outs)
            if isinstance(stmt, For):
                see([stmt.index])
            if is_loop(stmt):
                see(stmt.carried)
        see([graph.result])
        user = {v.hint for v in found.values() if not v.hint.startswith(".")}
        self.order = {key: k for k, key in enumerate(sorted(found))}  # stable node ids for DOT
        self.names, taken = {}, set()
        for p in graph.params:  # parameters keep their names
            self.names[p.id] = p.hint
            taken.add(p.hint)
        for key in sorted(found):
            v = found[key]
            if key in self.names:
                continue
            temp = v.hint.startswith(".")
            stem = v.hint.lstrip(".") or "t"
            name, k = stem, 0
            while name in taken or (temp and name in user) or (k and name in user):
                k += 1
                name = f"{stem}_{k}"
            self.names[key] = name
            taken.add(name)

    def ident(self, v):
        """A DOT node id for a value that does not depend on global Var numbering."""
        return f"v{self.order.get(v.id, v.id)}"

    def __call__(self, atom):
        if isinstance(atom, Var):
            return self.names.get(atom.id, repr(atom))
        if isinstance(atom, Const):
            text = repr(atom.value)
            return text if len(text) <= 40 else text[:37] + "..."
        if isinstance(atom, Global):
            return atom.path
        return repr(atom)


def _where(loc):
    if not loc:
        return ""
    filename = str(getattr(loc, "filename", "") or "?").replace("\\", "/").rsplit("/", 1)[-1]
    return f"{filename}:{loc.lineno}"


def _unparse(template, names):
    """A template expression (placeholders `.1`, `.2`, ...) with the names filled in."""
    import ast
    import copy as copy_
    import gast

    node = copy_.deepcopy(template)
    for sub in gast.walk(node):
        if isinstance(sub, gast.Name) and sub.id.startswith(".") and sub.id[1:].isdigit():
            k = int(sub.id[1:]) - 1
            sub.id = names[k] if k < len(names) else sub.id
    try:
        tree = gast.gast_to_ast(node)
        if isinstance(tree, ast.expr):
            tree = ast.Expression(tree)
        return ast.unparse(ast.fix_missing_locations(tree))
    except Exception:  # a template we cannot print is still worth showing
        return "..."


def _index(eqn, spell, atoms):
    text = _unparse(eqn.payload, [spell(a) for a in atoms]) if eqn.payload is not None else ""
    if text.startswith("(") and text.endswith(")") and isinstance(getattr(eqn.payload, "elts", None), list):
        text = text[1:-1]
    return f"[{text}]"


def op_name(eqn, spell=repr):
    """How an equation's operation reads: `mul`, `np.sin`, `x.sum`, `getitem`, ..."""
    kind, prim = eqn.kind, eqn.prim
    if kind == "call":
        path = getattr(eqn.payload, "path", None)
        return path or getattr(prim, "__name__", str(prim))
    if kind == "method":
        return f"{spell(eqn.args[0])}.{eqn.payload or prim[1]}"
    if kind == "attr":
        return f"{spell(eqn.args[0])}.{prim[1]}"
    if kind in ("binop", "unop"):
        return getattr(prim, "__name__", str(prim)).rstrip("_")  # mul, add, truediv, neg, and
    if isinstance(prim, str):
        return prim  # getitem, setitem, unpack, tuple, ...
    if isinstance(prim, tuple):
        return ".".join(map(str, prim))
    return getattr(prim, "__name__", str(prim))


def _eqn_text(eqn, spell):
    """(operation, argument texts) of an equation."""
    kind = eqn.kind
    kwargs = [f"{k}={spell(v)}" for k, v in eqn.kwargs.items()]
    if kind in ("opaque", "effect"):
        return f"{kind}[{_unparse(eqn.payload, [spell(a) for a in eqn.args])}]", []
    if kind == "getitem":
        return "getitem", [spell(eqn.args[0]), _index(eqn, spell, eqn.args[1:])]
    if kind == "setitem":
        return "setitem", [spell(eqn.args[0]), _index(eqn, spell, eqn.args[2:]), spell(eqn.args[1])]
    if kind == "method":
        return f"{op_name(eqn, spell)}({', '.join([spell(a) for a in eqn.args[1:]] + kwargs)})", []
    if kind == "attr":
        return op_name(eqn, spell), []
    return op_name(eqn, spell), [spell(a) for a in eqn.args] + kwargs


def _results(atoms, spell):
    return "(" + ", ".join(spell(a) for a in atoms) + ")"


def format_graph(graph):
    """The graph as text: one statement per line, regions indented, each line
    ending with `# file.py:LINE`."""
    spell = _Spell(graph)
    node = getattr(graph.parsed, "node", None)
    filename = getattr(graph.parsed, "filename", "") or "?"
    head_loc = _FileLine(filename, getattr(node, "lineno", 0)) if node is not None else None
    tail_node = node.body[-1] if node is not None and node.body else node
    tail_loc = _FileLine(filename, getattr(tail_node, "lineno", 0)) if tail_node is not None else None
    rows = [(f"{graph.name} = {{ lambda {' '.join(spell(p) for p in graph.params)}.", head_loc)]
    _format_block(graph.body, rows, 1, spell)
    rows.append((f"  in ({spell(graph.result)}) }}", tail_loc))
    width = min(max(len(text) for text, _ in rows), _COMMENT_COLUMN)
    lines = []
    for text, loc in rows:
        where = _where(loc)
        lines.append(f"{text.ljust(width)}  # {where}" if where else text)
    return "\n".join(lines)


@dataclass(frozen=True)
class _FileLine:
    filename: str
    lineno: int


def _lhs(outs, spell):
    return f"{', '.join(spell(v) for v in outs)} = " if outs else ""


def _format_block(block, rows, depth, spell):
    pad = "  " * depth
    for s in block:
        if isinstance(s, Eqn):
            op, args = _eqn_text(s, spell)
            rows.append((f"{pad}{_lhs(s.outs, spell)}{' '.join([op] + args)}", s.loc))
        elif isinstance(s, If):
            rows.append((f"{pad}{_lhs(s.outs, spell)}if {spell(s.cond)} {{", s.loc))
            _format_block(s.then, rows, depth + 1, spell)
            if s.outs:
                rows.append((f"{pad}  -> {_results(s.then_outs, spell)}", s.loc))
            if s.orelse or s.outs:
                rows.append((f"{pad}}} else {{", s.loc))
                _format_block(s.orelse, rows, depth + 1, spell)
                if s.outs:
                    rows.append((f"{pad}  -> {_results(s.else_outs, spell)}", s.loc))
            rows.append((f"{pad}}}", s.loc))
        else:
            carry = ", ".join(f"{spell(c)} <- {spell(i)}" for c, i in zip(s.carried, s.inits))
            carry = f"; carry=({carry})" if carry else ""
            if isinstance(s, For):
                bounds = ", ".join(spell(b) for b in s.bounds)
                head = f"for[{spell(s.index)} in range({bounds}){carry}]"
            else:
                head = f"while[{carry[2:]}]" if carry else "while"
            rows.append((f"{pad}{_lhs(s.outs, spell)}{head} {{", s.loc))
            if isinstance(s, While):
                _format_block(s.cond_block, rows, depth + 1, spell)
                rows.append((f"{pad}  while {spell(s.cond)}", s.loc))
            _format_block(s.body, rows, depth + 1, spell)
            tail = f" break if {spell(s.exit)}" if s.exit is not None else ""
            if s.body_outs or tail:
                rows.append((f"{pad}  -> {_results(s.body_outs, spell)}{tail}", s.loc))
            rows.append((f"{pad}}}", s.loc))


# -- Graphviz -----------------------------------------------------------------


def _dot_quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class _Dot:
    """Builds DOT text: value nodes (ellipses), operation nodes (boxes),
    a cluster per If / For / While region, edges for data flow."""

    def __init__(self, graph):
        self.graph = graph
        self.spell = _Spell(graph)
        self.lines = []
        self.edges = []
        self.count = 0

    def fresh(self, stem):
        self.count += 1
        return f"{stem}{self.count}"

    def node(self, ident, label, pad, **attrs):
        attrs = {"label": label, **attrs}
        text = ", ".join(f"{k}={_dot_quote(v)}" for k, v in attrs.items())
        self.lines.append(f"{pad}{ident} [{text}];")

    def edge(self, src, dst, **attrs):
        text = ", ".join(f"{k}={_dot_quote(v)}" for k, v in attrs.items())
        self.edges.append(f"  {src} -> {dst}" + (f" [{text}]" if text else "") + ";")

    def value(self, v, pad, **attrs):
        self.node(self.spell.ident(v), self.spell(v), pad, shape="ellipse", **attrs)

    def source(self, atom, pad):
        """The node an atom's value comes from: its value node, or a new constant node."""
        if isinstance(atom, Var):
            return self.spell.ident(atom)
        ident = self.fresh("c")
        self.node(ident, self.spell(atom), pad, shape="plaintext", fontcolor="#555555")
        return ident

    def inputs(self, atoms, dst, pad, labels=None):
        for k, a in enumerate(atoms):
            label = labels[k] if labels else ""
            self.edge(self.source(a, pad), dst, **({"label": label} if label else {}))

    def build(self):
        g = self.graph
        self.lines.append(f"digraph {_dot_quote(g.name)} {{")
        self.lines.append(
            f'  graph [rankdir=TB, fontname="Helvetica", fontsize=11, labelloc=t, label={_dot_quote(self.title())}];'
        )
        self.lines.append('  node [fontname="Helvetica", fontsize=10];')
        self.lines.append('  edge [fontname="Helvetica", fontsize=9, color="#555555"];')
        for p in g.params:
            self.value(p, "  ", style="filled,bold", fillcolor="#dbe9f6")
        self.block(g.body, "  ")
        ret = self.fresh("ret")
        self.node(ret, "return", "  ", shape="house", style="filled", fillcolor="#e8f4e0")
        self.edge(self.source(g.result, "  "), ret)
        return "\n".join(self.lines + self.edges + ["}"]) + "\n"

    def title(self):
        g = self.graph
        node = getattr(g.parsed, "node", None)
        where = _where(_FileLine(g.parsed.filename, node.lineno)) if node is not None else ""
        return f"{g.name}({', '.join(self.spell(p) for p in g.params)})" + (f"  {where}" if where else "")

    def block(self, block, pad):
        for s in block:
            if isinstance(s, Eqn):
                self.eqn(s, pad)
            else:
                self.region(s, pad)

    def eqn(self, s, pad):
        op = self.fresh("op")
        if s.kind in ("opaque", "effect"):
            label = f"{s.kind}\n{_unparse(s.payload, [self.spell(a) for a in s.args])}"
            atoms, labels = s.args, None
        elif s.kind == "getitem":
            label = f"getitem {_index(s, self.spell, s.args[1:])}"
            atoms, labels = s.args, None
        elif s.kind == "setitem":
            label = f"setitem {_index(s, self.spell, s.args[2:])}"
            atoms, labels = s.args, ["array", "value"] + [""] * (len(s.args) - 2)
        else:
            label = (
                op_name(s, self.spell)
                if s.kind not in ("method", "attr")
                else "."
                + str(s.payload if s.kind == "method" and s.payload else s.prim[1])
                + ("()" if s.kind == "method" else "")
            )
            atoms = list(s.args) + list(s.kwargs.values())
            skip = 1 if s.kind in ("method", "attr") else 0  # the receiver is named in the label
            numbered = len(s.args) - skip > 1 and s.kind != "unpack" and label not in ("add", "mul")
            labels = ["" if k < skip or not numbered else str(k - skip) for k in range(len(s.args))] + list(s.kwargs)
        self.node(op, label, pad, shape="box", style="rounded,filled", fillcolor="#f4f4f4", tooltip=_where(s.loc))
        self.inputs(atoms, op, pad, labels)
        for v in s.outs:
            self.value(v, pad)
            self.edge(op, self.spell.ident(v))

    def region(self, s, pad):
        cluster = self.fresh("cluster_")
        inner = pad + "  "
        where = _where(s.loc)
        if isinstance(s, If):
            title = f"if {self.spell(s.cond)}"
        elif isinstance(s, For):
            title = f"for {self.spell(s.index)} in range({', '.join(self.spell(b) for b in s.bounds)})"
        else:
            title = "while"
        inits = [self.source(i, pad) for i in s.inits] if is_loop(s) else []  # outside the cluster
        self.lines.append(f"{pad}subgraph {cluster} {{")
        self.lines.append(
            f'{inner}label={_dot_quote(title + (f"  {where}" if where else ""))}; style="rounded"; color="#8a8a8a";'
        )
        if isinstance(s, If):
            test = self.fresh("test")
            self.node(test, "if", inner, shape="diamond")
            self.edge(self.source(s.cond, inner), test)
            for arm, outs, name in ((s.then, s.then_outs, "then"), (s.orelse, s.else_outs, "else")):
                sub = self.fresh("cluster_")
                self.lines.append(f"{inner}subgraph {sub} {{")
                self.lines.append(f'{inner}  label="{name}"; style="dashed"; color="#b0b0b0";')
                anchor = self.fresh("arm")
                self.node(anchor, name, inner + "  ", shape="point", width="0.05")
                self.edge(test, anchor, style="dotted", arrowhead="none")
                self.block(arm, inner + "  ")
                sources = [self.source(a, inner + "  ") for a in outs]
                self.lines.append(f"{inner}}}")
                for src, phi in zip(sources, s.outs):
                    self.edge(src, self.spell.ident(phi), label=name, style="dashed")
            self.lines.append(f"{pad}}}")
            for phi in s.outs:
                self.value(phi, pad)
            return
        if isinstance(s, For):
            counter = self.fresh("range")
            self.node(counter, "range", inner, shape="box", style="rounded")
            self.inputs(s.bounds, counter, inner)
            self.value(s.index, inner)
            self.edge(counter, self.spell.ident(s.index))
        for c, init in zip(s.carried, inits):
            self.value(c, inner, style="filled", fillcolor="#fff4d6")
            self.edge(init, self.spell.ident(c), label="init")
        if isinstance(s, While):
            sub = self.fresh("cluster_")
            self.lines.append(f"{inner}subgraph {sub} {{")
            self.lines.append(f'{inner}  label="condition"; style="dashed"; color="#b0b0b0";')
            self.block(s.cond_block, inner + "  ")
            test = self.fresh("test")
            self.node(test, "while", inner + "  ", shape="diamond")
            self.edge(self.source(s.cond, inner + "  "), test)
            self.lines.append(f"{inner}}}")
        self.block(s.body, inner)
        for c, b in zip(s.carried, s.body_outs):
            self.edge(self.source(b, inner), self.spell.ident(c), label="next", style="dashed", constraint="false")
        if s.exit is not None:
            stop = self.fresh("exit")
            self.node(stop, "break", inner, shape="octagon")
            self.edge(self.source(s.exit, inner), stop)
        self.lines.append(f"{pad}}}")
        for c, y in zip(s.carried, s.outs):
            self.value(y, pad)
            self.edge(self.spell.ident(c), self.spell.ident(y), label="after", style="dotted")


def to_dot(graph):
    """Graphviz DOT text for the graph (`dot -Tsvg` renders it)."""
    return _Dot(graph).build()
