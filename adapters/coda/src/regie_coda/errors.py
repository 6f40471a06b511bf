"""One exception family, so a caller catches ``CodaError`` and shows its message.

Every error carries where it happened (line, field, raw value, statement) and a
French message an agent can act on without reading the CODA specification. A
raw value is kept cut to 80 characters: a huge value (from JSON, say) is not
copied into the error, nor into its message.
"""

from __future__ import annotations

_KEPT = 80  # characters of a raw value an error keeps


class CodaError(ValueError):
    """Root of every error this package raises on bad input."""

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        value: str | None = None,
        statement: int | None = None,
    ) -> None:
        self.message = message
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


class EncodingError(CodaError):
    """The bytes cannot be decoded, or a text cannot be written in windows-1252."""


class RecordLengthError(CodaError):
    """A record is not 128 characters long."""


class RecordTypeError(CodaError):
    """A record starts with an unknown type, or comes where it is not allowed."""


class FieldError(CodaError):
    """A field holds a value of the wrong kind (date, amount, digits) or too long to write."""


class VersionError(CodaError):
    """The header announces a CODA version this package does not read."""


class StructureError(CodaError):
    """Records are missing or out of order (no trailer, detail without its movement…)."""


class ControlError(CodaError):
    """A statement fails its own checks: trailer count or totals, balance, account."""


class CommunicationError(CodaError):
    """A structured communication (+++123/4567/89012+++) is malformed or fails mod 97."""
