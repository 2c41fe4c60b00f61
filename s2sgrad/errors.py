"""S2SGradError and source locations.

Every IR node carries a `Loc`; an error about a node prints the file, the line,
the source line with a caret under the offending column, the construct, and a
hint when there is one.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Loc:
    filename: str
    lineno: int
    col: int = 0
    line: str = ""
    origin: str = ""  # for a line of generated code: the user's line it comes from

    def __str__(self):
        return f"{self.filename}:{self.lineno}"


class S2SGradError(Exception):
    """The compiler cannot differentiate this code (or was asked something impossible)."""

    def __init__(self, message, loc=None, construct=None, hint=None):
        self.loc = loc
        self.construct = construct
        self.hint = hint
        self.reason = message
        super().__init__(self._format(message, loc, hint))

    @staticmethod
    def _format(message, loc, hint):
        if loc is None:
            text = message
        else:
            text = f"{loc}: {message}"
            if loc.line:
                stripped = loc.line.rstrip()
                indent = len(stripped) - len(stripped.lstrip())
                caret = " " * (max(loc.col, indent) - indent + 4) + "^"
                text += f"\n    {stripped.lstrip()}\n{caret}"
            if loc.origin:
                text += f"\nin the derivative of {loc.origin}"
        if hint:
            text += f"\nhint: {hint}"
        return text
