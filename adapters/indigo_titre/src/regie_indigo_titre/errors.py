"""One exception family, so callers catch :class:`TitreError` and show its French message.

Every error names where the problem is (title number, line of the file, field)
and the raw value, so a town-hall agent can find and fix it. A raw text is kept
cut to 80 characters: a file's huge value is not copied into every error, nor
into its message.
"""

from __future__ import annotations

import re
import unicodedata

_KEPT = 80  # characters of a raw text an error keeps or quotes


def cut(text: str) -> str:
    """A raw text as an error keeps or quotes it: 80 characters at most, ``…`` marking the cut."""
    return text if len(text) <= _KEPT else text[: _KEPT - 1] + "…"


class TitreError(ValueError):
    """Root of every error raised by ``regie_indigo_titre``.

    ``message`` is French and meant for the agent; ``field`` is the PES element
    or JSON path, ``title`` the title number (``IdPce``), ``line`` the line of
    the file being read, ``value`` the offending raw value (a text cut to 80
    characters, ``…`` marking the cut).

    ``code`` is stable and machine-readable (``field.amount.invalid``) where the
    message may be reworded: ``<kind>.<field>.invalid``, or ``<kind>.invalid``
    when no field is named.
    """

    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: object = None,
        title: int | None = None,
        line: int | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message
        self.code = code or error_code(self.kind, field)
        self.field = field
        self.value = cut(value) if isinstance(value, str) else value
        self.title = title
        self.line = line
        super().__init__(self.describe())

    def describe(self) -> str:
        """The message prefixed with where the problem is."""
        where = []
        if self.title is not None:
            where.append(f"titre {self.title}")
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.field is not None:
            where.append(f"champ {self.field}")
        prefix = f"{', '.join(where)} : " if where else ""
        shown = "" if self.value is None else f" (valeur : {self.value!r})"
        return f"{prefix}{self.message}{shown}"


class FieldError(TitreError):
    """A value breaks a PES V2 or DGFiP rule (amount, postcode, code list…)."""

    kind = "field"


class TextTooLongError(FieldError):
    """A text is longer than its PES field and cutting was not asked for."""


class SchemaError(TitreError):
    """The XML does not validate against the DGFiP PES V2 schema."""

    kind = "schema"


class SchemaMissingError(SchemaError):
    """The schema directory is not given or holds no ``PES_Aller.xsd``."""

    kind = "schema.missing"


class FileFormatError(TitreError):
    """The bytes are not a readable PES V2 individual-titles file."""

    kind = "file"


def error_code(kind: str, field: str | None) -> str:
    """``kind.field.invalid``: the field named in lowercase ASCII, numbers and punctuation dropped."""
    if not field:
        return f"{kind}.invalid"
    ascii_text = unicodedata.normalize("NFKD", field).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_text) if w and not w.isdigit()]
    return f"{kind}.{'_'.join(words) or 'value'}.invalid"
