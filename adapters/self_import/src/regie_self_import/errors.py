"""One exception family: every failure of the package is a ``SelfImportError``.

A problem names its line, its column letter (A to E, as in a spreadsheet),
the value received and what was expected, in French, so that a town-hall
agent can correct the file without help. Reading and writing collect every
problem of a file and raise them together as one ``InvalidFile``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from .layout import COLUMNS, compact

_SHOWN = 40  # characters of a refused value quoted in a message


class SelfImportError(ValueError):
    """Root of every error raised by ``regie_self_import``."""


class LineError(SelfImportError):
    """One problem at one line (of the file read or written), in one column when known."""

    def __init__(self, expected: str, *, line: int | None = None, column: str | None = None, value: object = None):
        self.expected = expected
        self.line = line
        self.column = column
        self.value = value
        super().__init__(self._render())

    @property
    def field(self) -> str | None:
        """The ``Row`` attribute of the column, or ``None`` for a whole-line problem."""
        return COLUMNS[self.column][0] if self.column else None

    def _render(self) -> str:
        if self.value is None:
            got = ""
        elif self.value == "":
            got = "vide, "
        else:
            got = f"« {show(self.value)} » reçu, "
        return located(self.line, self.column, f"{got}attendu : {self.expected}.")


class InvalidValue(LineError):
    """A field holds a value the format refuses (column always set)."""


class MalformedLine(LineError):
    """A line is not five columns (wrong count, lone carriage return), or a JSON row is not a row object."""


class InvalidFile(SelfImportError):
    """A file (read, or about to be written) has problems: all of them, in line order. Nothing is returned."""

    def __init__(self, errors: Sequence[LineError]):
        self.errors = tuple(errors)
        count = len(self.errors)
        head = f"Fichier refusé, {count} erreur{'s' if count > 1 else ''} :"
        super().__init__("\n".join([head, *(str(e) for e in self.errors)]))


def located(line: int | None, column: str | None, text: str) -> str:
    """``Ligne 12, colonne B (date de début) : text``, with what is known of the place."""
    where = [f"ligne {line}"] if line is not None else []
    if column is not None:
        where.append(f"colonne {column} ({COLUMNS[column][1]})")
    message = f"{', '.join(where)} : {text}" if where else text
    return message[:1].upper() + message[1:]


def show(value: object) -> str:
    """A value as an agent can read it: tabs as ``→``, other invisible characters escaped, long values cut."""
    if isinstance(value, date):
        value = compact(value)
    elif not isinstance(value, str):
        value = str(value)
    text = "".join(c if c.isprintable() else "→" if c == "\t" else _escape(c) for c in value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte the file's encoding cannot decode (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
