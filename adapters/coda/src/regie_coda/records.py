"""What a CODA file says, as frozen values: statements, movements, information.

Money is :class:`~decimal.Decimal` (CODA carries 3 decimals), signed: a debit
is negative. Dates are :class:`datetime.date`, or ``None`` where a bank wrote
``000000``. Text fields have their trailing blanks removed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

#: Transaction types that are booked and counted in the trailer totals; types
#: 5–9 are the details of a preceding globalisation and must not be booked again.
BOOKED_TYPES = frozenset("0123")

#: Structured communication types that carry a Belgian payment reference (OGM).
PAYMENT_REFERENCE_TYPES = frozenset({"101", "102"})


@dataclass(frozen=True, slots=True)
class TransactionCode:
    """The 8-digit transaction code: type (1), family (2), operation (2), category (3)."""

    type: str
    family: str
    operation: str
    category: str

    @classmethod
    def parse(cls, code: str) -> TransactionCode:
        """Split an 8-digit code such as ``"00150000"``."""
        return cls(code[0], code[1:3], code[3:5], code[5:8])

    def __str__(self) -> str:
        return f"{self.type}{self.family}{self.operation}{self.category}"


@dataclass(frozen=True, slots=True)
class Information:
    """An information record (3.1 to 3.3) attached to the movement before it."""

    sequence: int
    detail: int
    transaction_code: TransactionCode
    communication: str = ""
    communication_type: str | None = None
    bank_reference: str = ""


@dataclass(frozen=True, slots=True)
class Movement:
    """A movement (records 2.1 to 2.3) and the information records that follow it.

    ``detail`` is 0 for a movement and 1… for the details of a globalised one;
    only movements whose transaction type is 0–3 are booked (:attr:`booked`).
    ``communication`` is the free text, or for a structured communication the
    data after its 3-digit ``communication_type``.
    """

    sequence: int
    detail: int
    amount: Decimal
    value_date: date | None
    entry_date: date | None
    transaction_code: TransactionCode
    communication: str = ""
    communication_type: str | None = None
    bank_reference: str = ""
    globalisation_code: int = 0
    customer_reference: str = ""
    counterparty_bic: str = ""
    r_type: str = ""
    reason: str = ""
    category_purpose: str = ""
    purpose: str = ""
    counterparty_account: str = ""
    counterparty_currency: str = ""
    counterparty_name: str = ""
    information: tuple[Information, ...] = ()

    @property
    def booked(self) -> bool:
        """True when the amount counts in the balance (not a globalisation detail)."""
        return self.transaction_code.type in BOOKED_TYPES

    @property
    def structured_communication(self) -> str | None:
        """The 12 digits of a payment reference (types 101/102), else ``None``."""
        if self.communication_type in PAYMENT_REFERENCE_TYPES:
            digits = self.communication[:12]
            if len(digits) == 12 and digits.isascii() and digits.isdigit():
                return digits
        return None


@dataclass(frozen=True, slots=True)
class FreeCommunication:
    """A free communication record (4) of the statement.

    ``before_new_balance`` is True for a record 4 that came before the new
    balance (record 8) rather than after it: banks do both, and the writer
    puts it back where it was.
    """

    sequence: int
    detail: int
    text: str
    before_new_balance: bool = False


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a file: header (0), balances (1, 8), movements, free texts (4).

    ``number`` is the statement number (record 1, positions 3–5); ``coda_number``
    the CODA sequence number (positions 126–128), equal to it unless the bank
    numbers them apart. ``account_structure`` is 0 Belgian BBAN, 1 foreign BBAN,
    2 Belgian IBAN, 3 foreign IBAN; ``account_country`` is used by structure 0
    only (positions 22–24 of record 1: qualification code and country, ``"0BE"``).
    ``new_balance_record`` is False for a statement without record 8 (an empty
    statement), whose new balance is then its old one.
    """

    account: str
    currency: str
    number: int
    old_balance: Decimal
    old_balance_date: date | None
    new_balance: Decimal
    new_balance_date: date | None
    movements: tuple[Movement, ...] = ()
    holder: str = ""
    description: str = ""
    coda_number: int | None = None
    account_structure: int = 2
    account_country: str = ""
    version: int = 2
    creation_date: date | None = None
    bank_id: str = ""
    duplicate: bool = False
    file_reference: str = ""
    addressee: str = ""
    bic: str = ""
    holder_id: str = ""
    separate_application: str = ""
    transaction_reference: str = ""
    related_reference: str = ""
    free_communications: tuple[FreeCommunication, ...] = ()
    new_balance_record: bool = True

    @property
    def sequence_number(self) -> int:
        """The CODA sequence number, falling back on the statement number."""
        return self.number if self.coda_number is None else self.coda_number

    def booked_movements(self) -> Iterator[Movement]:
        """Movements to book: globalisation details are left out, so nothing counts twice."""
        return (m for m in self.movements if m.booked)

    def details_of(self, movement: Movement) -> tuple[Movement, ...]:
        """The detail lines of a globalised movement (same sequence, not booked)."""
        return tuple(
            m for m in self.movements if m.sequence == movement.sequence and not m.booked
        )

    def movement_id(self, movement: Movement) -> str:
        """A stable identity (64 hex characters) for importing a movement only once.

        Built from the account, currency, CODA sequence number and new balance
        date of the statement and the sequence, detail, bank reference, amount,
        value and entry dates of the movement: the same statement read twice
        gives the same ids, two statements of the same day do not.
        """
        parts = (
            self.account,
            self.currency,
            str(self.sequence_number),
            _iso(self.new_balance_date),
            str(movement.sequence),
            str(movement.detail),
            movement.bank_reference,
            f"{movement.amount:.3f}",
            _iso(movement.value_date),
            _iso(movement.entry_date),
        )
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _iso(value: date | None) -> str:
    return "" if value is None else value.isoformat()
