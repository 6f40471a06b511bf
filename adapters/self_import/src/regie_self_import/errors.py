"""One exception family: every failure of the package is a ``SelfImportError``.

A problem names its line, its column letter (A to E, as in a spreadsheet),
the value received and what was expected, in French, so that a town-hall
agent can correct the file without help. Reading and writing collect the
problems of a file and raise them together as one ``InvalidFile``: the first
:data:`MAX_PROBLEMS` of them, and how many more there were. A file of garbage
must not cost a shared server a message per line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date

from .layout import COLUMNS, compact

#: How many problems an ``InvalidFile`` keeps by default; the others are only counted.
MAX_PROBLEMS = 100
_KEPT = 80  # characters of a refused text value an error keeps
_SHOWN = 40  # characters of a refused value quoted in a message


class SelfImportError(ValueError):
    """Root of every error raised by ``regie_self_import``.

    ``code`` is stable and machine-readable (``field.amount.invalid``) where the
    message may be reworded: ``<kind>.<field>.invalid``, or ``<kind>.invalid``
    when no field is named.
    """

    kind = "error"

    def __init__(self, *args: object, code: str | None = None) -> None:
        super().__init__(*args)
        self._code = code

    @property
    def code(self) -> str:
        return self._code or error_code(self.kind, getattr(self, "field", None))


class LineError(SelfImportError):
    """One problem at one line (of the file read or written), in one column when known."""

    def __init__(
        self,
        expected: str,
        *,
        line: int | None = None,
        column: str | None = None,
        value: object = None,
        code: str | None = None,
    ):
        self.expected = expected
        self.line = line
        self.column = column
        self.value = value if not isinstance(value, str) or len(value) <= _KEPT else value[: _KEPT - 1] + "…"
        super().__init__(self._render(), code=code)

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


class FieldError(LineError):
    """A field holds a value the format refuses (column always set)."""

    kind = "field"


class FileFormatError(LineError):
    """A line is not five columns (wrong count, lone carriage return), or a JSON row is not a row object."""

    kind = "file"


class InvalidFile(SelfImportError):
    """A file (read, or about to be written) has problems. Nothing is returned.

    ``errors`` are the first problems in line order, as many as the bound the
    reader or writer was given (:data:`MAX_PROBLEMS` by default); ``more``
    counts the problems found beyond it, which are not kept; ``total`` is both.
    """

    kind = "file"

    def __init__(self, errors: Sequence[LineError], more: int = 0):
        self.errors = tuple(errors)
        self.more = more
        total = self.total
        head = f"Fichier refusé, {_number(total)} erreur{'s' if total > 1 else ''} :"
        super().__init__("\n".join([head, *self.messages]))

    @property
    def total(self) -> int:
        """How many problems the file has, kept or not."""
        return len(self.errors) + self.more

    @property
    def messages(self) -> list[str]:
        """One line per problem kept, then, when some were not kept, how many."""
        lines = [str(e) for e in self.errors]
        if self.more:
            s = "s" if self.more > 1 else ""
            lines.append(f"… et {_number(self.more)} autre{s} erreur{s} non affichée{s}.")
        return lines


class Problems:
    """The problems of one file as they are found: the first ``limit`` kept, the others only counted."""

    def __init__(self, limit: int = MAX_PROBLEMS):
        self.limit = limit
        self.kept: list[LineError] = []
        self.more = 0

    def __bool__(self) -> bool:
        return bool(self.kept) or self.more > 0

    def add(self, *errors: LineError) -> None:
        for error in errors:
            if len(self.kept) < self.limit:
                # A caught error's traceback, and the error it was raised while handling,
                # would keep the reader's frames alive, and with them the line and the file.
                error.__traceback__ = error.__context__ = None
                self.kept.append(error)
            else:
                self.more += 1

    def raise_any(self) -> None:
        """Raise ``InvalidFile`` if a problem was found."""
        if self:
            raise InvalidFile(self.kept, self.more)


def located(line: int | None, column: str | None, text: str) -> str:
    """``Ligne 12, colonne B (date de début) : text``, with what is known of the place."""
    where = [f"ligne {line}"] if line is not None else []
    if column is not None:
        where.append(f"colonne {column} ({COLUMNS[column][1]})")
    message = f"{', '.join(where)} : {text}" if where else text
    return message[:1].upper() + message[1:]


def _number(count: int) -> str:
    """``1 234``: French thousands, with a no-break space."""
    return f"{count:,}".replace(",", "\u00a0")


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


def error_code(kind: str, field: str | None) -> str:
    """``kind.field.invalid``: the field named in lowercase ASCII, numbers and punctuation dropped."""
    if not field:
        return f"{kind}.invalid"
    ascii_text = unicodedata.normalize("NFKD", field).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_text) if w and not w.isdigit()]
    return f"{kind}.{'_'.join(words) or 'value'}.invalid"
