"""One exception family, so a caller catches ``CodaError`` and shows its message.

Every error carries where it happened (line, field, raw value, statement) and a
French message an agent can act on without reading the CODA specification. A
raw value is kept cut to 80 characters: a huge value (from JSON, say) is not
copied into the error, nor into its message.
"""

from __future__ import annotations

import re
import unicodedata

_KEPT = 80  # characters of a raw value an error keeps


class CodaError(ValueError):
    """Root of every error this package raises on bad input.

    ``code`` is stable and machine-readable (``field.amount.invalid``) where the
    message may be reworded: ``<kind>.<field>.invalid``, or ``<kind>.invalid``
    when no field is named.
    """

    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        value: str | None = None,
        statement: int | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message
        self.code = code or error_code(self.kind, field)
        self.line = line
        self.field = field
        self.value = value if value is None or len(value) <= _KEPT else value[: _KEPT - 1] + "…"
        self.statement = statement
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.statement is not None:
            where.append(f"extrait n° {self.statement}")
        if self.field is not None:
            where.append(f"champ « {self.field} »")
        if self.value is not None:
            where.append(f"valeur « {self.value} »")
        prefix = ", ".join(where)
        return f"{prefix[:1].upper()}{prefix[1:]} : {self.message}" if prefix else self.message


class FileFormatError(CodaError):
    """The bytes are not a readable CODA file: encoding, record length, order, version, checks."""

    kind = "file"


class FieldError(CodaError):
    """A field holds a value of the wrong kind (date, amount, digits) or too long to write."""

    kind = "field"


class EncodingError(FileFormatError):
    """The bytes cannot be decoded, or a text cannot be written in windows-1252."""

    kind = "file.encoding"


class RecordLengthError(FileFormatError):
    """A record is not 128 characters long."""

    kind = "file.record_length"


class RecordTypeError(FileFormatError):
    """A record starts with an unknown type, or comes where it is not allowed."""

    kind = "file.record_type"


class VersionError(FileFormatError):
    """The header announces a CODA version this package does not read."""

    kind = "file.version"


class StructureError(FileFormatError):
    """Records are missing or out of order (no trailer, detail without its movement…)."""

    kind = "file.structure"


class ControlError(FileFormatError):
    """A statement fails its own checks: trailer count or totals, balance, account."""

    kind = "file.control"


class CommunicationError(FieldError):
    """A structured communication (+++123/4567/89012+++) is malformed or fails mod 97."""

    kind = "field"


def error_code(kind: str, field: str | None) -> str:
    """``kind.field.invalid``: the field named in lowercase ASCII, numbers and punctuation dropped."""
    if not field:
        return f"{kind}.invalid"
    ascii_text = unicodedata.normalize("NFKD", field).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_text) if w and not w.isdigit()]
    return f"{kind}.{'_'.join(words) or 'value'}.invalid"
