"""One exception family, so callers catch :class:`SepaError` and show its French message.

Every error says *where*: the transaction (end-to-end id), the field, the raw
value and, for files, the line. ``str(error)`` is the message for the agent.
Raw text from a file or a JSON document is kept and quoted cut to 80
characters (:func:`cut`): a hostile file's huge value is not copied whole into
an error or its message.
"""

from __future__ import annotations

import re
import unicodedata

_KEPT = 80  # characters of a raw text an error keeps or quotes


def cut(text: str) -> str:
    """``text`` as an error keeps or quotes it: 80 characters at most, ``…`` marking the cut."""
    return text if len(text) <= _KEPT else text[: _KEPT - 1] + "…"


class SepaError(ValueError):
    """Root of every error raised by regie_sepa.

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
        transaction: str | None = None,
        line: int | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message
        self.code = code or error_code(self.kind, field)
        self.field = field
        self.value = cut(value) if isinstance(value, str) else value
        self.transaction = None if transaction is None else cut(transaction)
        self.line = line
        super().__init__(self._full())

    def _full(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.transaction is not None:
            where.append(f"transaction {self.transaction}")
        if self.field is not None:
            where.append(f"champ {self.field}")
        return f"{', '.join(where)} : {self.message}" if where else self.message


class FieldError(SepaError):
    """A value that breaks a SEPA rule (IBAN, BIC, ICS, amount, identifier, text)."""

    kind = "field"


class SchemaError(SepaError):
    """The XML does not match the official XSD, or the XSD could not be loaded."""

    kind = "schema"


class FileFormatError(SepaError):
    """Not well-formed XML, or not the expected message (pain.008 / pain.002)."""

    kind = "file"


class MandateError(SepaError):
    """The mandate cannot be collected (lapsed, revoked, used up)."""

    kind = "mandate"


class CollectionDateError(SepaError):
    """The collection date is a TARGET2 closing day or inside the lead time."""

    kind = "collection_date"


def error_code(kind: str, field: str | None) -> str:
    """``kind.field.invalid``: the field named in lowercase ASCII, numbers and punctuation dropped."""
    if not field:
        return f"{kind}.invalid"
    ascii_text = unicodedata.normalize("NFKD", field).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_text) if w and not w.isdigit()]
    return f"{kind}.{'_'.join(words) or 'value'}.invalid"
