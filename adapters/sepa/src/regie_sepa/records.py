"""Typed records for a direct-debit file and for the life of a mandate.

Plain frozen dataclasses: money is :class:`~decimal.Decimal`, dates are
:class:`~datetime.date`. Nothing here validates; :mod:`regie_sepa.checks`
does, with messages that name the transaction and the field.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


class Sequence(enum.Enum):
    """Sequence type of a collection; the value is the ISO code written in ``SeqTp``."""

    FIRST = "FRST"
    RCUR = "RCUR"
    FNAL = "FNAL"
    OOFF = "OOFF"

    @classmethod
    def parse(cls, text: str) -> Sequence:
        """Accept the name (``FIRST``) or the ISO code (``FRST``)."""
        for member in cls:
            if text in (member.name, member.value):
                return member
        raise ValueError(text)


class Version(enum.Enum):
    """pain.008 version; the value is the message name."""

    V02 = "pain.008.001.02"
    V08 = "pain.008.001.08"

    @property
    def namespace(self) -> str:
        return f"urn:iso:std:iso:20022:tech:xsd:{self.value}"

    @classmethod
    def parse(cls, text: str) -> Version:
        """Accept ``02``, ``08`` or the full message name."""
        for member in cls:
            if text in (member.value, member.value[-2:]):
                return member
        raise ValueError(text)


@dataclass(frozen=True)
class Address:
    """Structured (street, number, postcode, town, country) or hybrid address.

    Hybrid = town and country plus at most two free ``lines``. From 15 November
    2026 the rulebook refuses addresses without town and country.
    """

    town: str | None = None
    country: str | None = None
    street: str | None = None
    building_number: str | None = None
    postcode: str | None = None
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Party:
    """Initiating party or ultimate creditor: a name and, in France, a SIRET."""

    name: str
    siret: str | None = None
    address: Address | None = None


@dataclass(frozen=True)
class Creditor:
    """The account credited. ``creditor_id`` is the ICS (``FRkkZZZnnnnnn``)."""

    name: str
    iban: str
    bic: str | None
    creditor_id: str
    address: Address | None = None


@dataclass(frozen=True)
class Debtor:
    """The payer. A missing BIC is written ``NOTPROVIDED``."""

    name: str
    iban: str
    bic: str | None = None
    address: Address | None = None


@dataclass(frozen=True)
class Amendment:
    """What changed on the mandate since the last collection presented.

    Each ``original_*`` holds the *old* value. ``new_bank`` is the ``SMNDA``
    case: the debtor moved to another bank, so the old account is not sent.
    """

    original_reference: str | None = None
    original_creditor_id: str | None = None
    original_creditor_name: str | None = None
    original_iban: str | None = None
    new_bank: bool = False


@dataclass(frozen=True)
class MandateInfo:
    """The mandate as a file carries it (``MndtRltdInf``)."""

    reference: str
    signed_on: date
    amendment: Amendment | None = None


@dataclass(frozen=True)
class Transaction:
    """One collection from one debtor."""

    end_to_end_id: str
    amount: Decimal
    collection_date: date
    sequence: Sequence
    mandate: MandateInfo
    debtor: Debtor
    remittance: str | None = None


@dataclass(frozen=True)
class Batch:
    """A pain.008 message: one creditor, any number of transactions.

    The writer groups transactions into one payment block per (sequence,
    collection date). ``ultimate_creditor`` is the commune in the treasury
    (DFT) variant, where the creditor is the treasury.
    """

    message_id: str
    created_at: datetime
    initiating_party: Party
    creditor: Creditor
    transactions: tuple[Transaction, ...]
    ultimate_creditor: Party | None = None


class MandateStatus(enum.Enum):
    """Stored status; *lapsed* is not stored, it depends on the day (see rules)."""

    ACTIVE = "active"
    REVOKED = "revoked"
    CLOSED = "closed"  # used up by a FNAL or OOFF collection


@dataclass(frozen=True)
class MandateState:
    """The part of a mandate that a transmitted file changes, kept for rollback."""

    last_collection_date: date | None
    last_sequence: Sequence | None
    status: MandateStatus
    amendment: Amendment | None
    previous: MandateState | None


@dataclass(frozen=True)
class Mandate:
    """A signed SEPA mandate and where it stands.

    ``previous`` is the state before the last transmitted file, so that file
    can be rolled back; :func:`regie_sepa.rules.settle` drops it once the file
    can no longer be rejected. ``amendment`` is what the next collection must
    report (cleared once a file carrying it is transmitted).
    """

    reference: str
    signed_on: date
    debtor: Debtor
    signed_at: str | None = None
    one_off: bool = False
    status: MandateStatus = MandateStatus.ACTIVE
    last_collection_date: date | None = None
    last_sequence: Sequence | None = None
    amendment: Amendment | None = None
    previous: MandateState | None = field(default=None, repr=False)

    @property
    def state(self) -> MandateState:
        return MandateState(
            self.last_collection_date, self.last_sequence, self.status, self.amendment, self.previous
        )
