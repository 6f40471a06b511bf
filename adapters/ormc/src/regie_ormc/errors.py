"""One exception family for every failure of the package.

Each error carries where it happened (piece number, file line, field name,
raw value) and a French message an agent of the town hall can act on. A raw
text is kept cut to 80 characters: a file's huge value is not copied into
every error.
"""

from __future__ import annotations

import re
import unicodedata

_KEPT = 80  # characters of a raw text an error keeps or quotes


def cut(text: str) -> str:
    """A raw text as an error keeps or quotes it: 80 characters at most, ``…`` marking the cut."""
    return text if len(text) <= _KEPT else text[: _KEPT - 1] + "…"


class OrmcError(ValueError):
    """Root of every error raised by ``regie_ormc``.

    ``code`` is stable and machine-readable (``field.amount.invalid``) where the
    message may be reworded: ``<kind>.<field>.invalid``, or ``<kind>.invalid``
    when no field is named.
    """

    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        piece: int | None = None,
        line: int | None = None,
        field: str | None = None,
        value: object = None,
        code: str | None = None,
    ) -> None:
        self.message = message
        self.code = code or error_code(self.kind, field)
        self.piece = piece
        self.line = line
        self.field = field
        self.value = cut(value) if isinstance(value, str) else value
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


class FieldError(OrmcError):
    """A record holds a value the format or the DGFiP rules refuse."""

    kind = "field"


class FileFormatError(OrmcError):
    """A file to read is not a well-formed ORMC or ROLMRE file."""

    kind = "file"


class SchemaError(OrmcError):
    """The XML does not validate against the PES V2 schema."""

    kind = "schema"


class SchemaMissingError(SchemaError):
    """The PES V2 schema directory is not set or holds no ``PES_Aller.xsd``."""

    kind = "schema.missing"


def error_code(kind: str, field: str | None) -> str:
    """``kind.field.invalid``: the field named in lowercase ASCII, numbers and punctuation dropped."""
    if not field:
        return f"{kind}.invalid"
    ascii_text = unicodedata.normalize("NFKD", field).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_text) if w and not w.isdigit()]
    return f"{kind}.{'_'.join(words) or 'value'}.invalid"
