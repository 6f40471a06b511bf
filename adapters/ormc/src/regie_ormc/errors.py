"""One exception family for every failure of the package.

Each error carries where it happened (piece number, file line, field name,
raw value) and a French message an agent of the town hall can act on.
"""

from __future__ import annotations


class OrmcError(ValueError):
    """Root of every error raised by ``regie_ormc``."""

    def __init__(
        self,
        message: str,
        *,
        piece: int | None = None,
        line: int | None = None,
        field: str | None = None,
        value: object = None,
    ) -> None:
        self.message = message
        self.piece = piece
        self.line = line
        self.field = field
        self.value = value
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.piece is not None:
            where.append(f"article {self.piece}")
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.field is not None:
            where.append(f"zone {self.field}")
        prefix = ", ".join(where)
        text = f"{prefix} : {self.message}" if prefix else self.message
        if self.value is not None:
            shown = repr(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f" (valeur reçue : {shown})"
        return text


class InvalidValue(OrmcError):
    """A record holds a value the format or the DGFiP rules refuse."""


class MalformedFile(OrmcError):
    """A file to read is not a well-formed ORMC or ROLMRE file."""


class SchemaViolation(OrmcError):
    """The XML does not validate against the PES V2 schema."""


class SchemaNotFound(OrmcError):
    """The PES V2 schema directory is not set or holds no ``PES_Aller.xsd``."""
