"""One exception family, so callers catch :class:`SepaError` and show its French message.

Every error says *where*: the transaction (end-to-end id), the field, the raw
value and, for files, the line. ``str(error)`` is the message for the agent.
"""

from __future__ import annotations


class SepaError(ValueError):
    """Root of every error raised by regie_sepa."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: object = None,
        transaction: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.field = field
        self.value = value
        self.transaction = transaction
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


class InvalidField(SepaError):
    """A value that breaks a SEPA rule (IBAN, BIC, ICS, amount, identifier, text)."""


class SchemaError(SepaError):
    """The XML does not match the official XSD, or the XSD could not be loaded."""


class FileFormatError(SepaError):
    """Not well-formed XML, or not the expected message (pain.008 / pain.002)."""


class MandateError(SepaError):
    """The mandate cannot be collected (lapsed, revoked, used up)."""


class CollectionDateError(SepaError):
    """The collection date is a TARGET2 closing day or inside the lead time."""
