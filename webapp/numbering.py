"""Gapless numbers for every document that carries one, and the Belgian structured communication.

One sequence per régie, year and kind of document, moved forward inside the transaction that uses the numbers:
the UPDATE holds the sequence's row until the commit, so a second agent numbering at the same moment waits and
takes the next numbers, and a numbering rolled back gives its numbers back.

`FORMATS` says, for each kind, how a number reads and which year it counts in: the caller passes that year.
Mandates, debit runs, reminders, payment plans and titles add their kinds there.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import sqlalchemy as sa
from regie_coda import ogm
from sqlalchemy.orm import Mapped, mapped_column

from webapp import db
from webapp.db import Base
from webapp.organisations.models import Country, Regie


class NumberKind(enum.StrEnum):
    INVOICE = "facture"
    CREDIT_NOTE = "avoir"
    RECEIPT = "recu"
    SLIP = "bordereau"
    REMINDER = "relance"
    PLAN = "echeancier"


@dataclass(frozen=True)
class Format:
    pattern: str  # with {prefix} (the régie's invoice prefix), {year} and {sequence}
    year: str  # the year the number counts in, as the caller must give it


FORMATS = {
    NumberKind.INVOICE: Format("{prefix}-{year}-{sequence:06d}", "the fiscal year of the billing period"),
    NumberKind.CREDIT_NOTE: Format("AV-{prefix}-{year}-{sequence:06d}", "the fiscal year of the billing period"),
    NumberKind.RECEIPT: Format("R-{prefix}-{year}-{sequence:06d}", "the calendar year the money was received"),
    NumberKind.SLIP: Format("B-{prefix}-{year}-{sequence:05d}", "the calendar year the slip is made final"),
    NumberKind.REMINDER: Format("REL-{prefix}-{year}-{sequence:05d}", "the calendar year the reminder is sent"),
    NumberKind.PLAN: Format("ECH-{prefix}-{year}-{sequence:05d}", "the calendar year the plan is agreed"),
}


class NumberSequence(Base):
    """The last number given, per régie, year and kind of document; only ever moves forward."""

    __tablename__ = "number_sequences"
    __table_args__ = (
        sa.UniqueConstraint("regie_id", "year", "kind", name="uq_number_sequences_regie_id_year_kind"),
        sa.CheckConstraint("last_value >= 0", name="last_value_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"))
    year: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(20))
    last_value: Mapped[int] = mapped_column(default=0)


@dataclass(frozen=True)
class Number:
    sequence: int
    text: str


def take(kind: NumberKind, regie: Regie, year: int, count: int = 1) -> list[Number]:
    """The next `count` consecutive numbers of the kind at the régie, for the year its format names."""
    db.session.execute(
        db.insert(NumberSequence).values(regie_id=regie.id, year=year, kind=kind.value, last_value=0)
        .on_conflict_do_nothing(index_elements=["regie_id", "year", "kind"]))
    last = db.session.execute(
        sa.update(NumberSequence)
        .where(NumberSequence.regie_id == regie.id, NumberSequence.year == year, NumberSequence.kind == kind.value)
        .values(last_value=NumberSequence.last_value + count)
        .returning(NumberSequence.last_value)
    ).scalar_one()
    pattern = FORMATS[kind].pattern
    return [Number(sequence, pattern.format(prefix=regie.invoice_prefix, year=year, sequence=sequence))
            for sequence in range(last - count + 1, last + 1)]


def structured_communication(regie: Regie, year: int, sequence: int, series: int | None = None) -> str:
    """The Belgian +++RRR/YYSS/SSSCC+++ of an invoice: the régie, the year and the invoice's sequence (modulo
    their widths), then the check digits (`regie_coda.ogm`). Another document of the régie (a reminder, a payment plan) gives
    its `series` digit, which takes the sequence's first place: it reads apart from the invoices while they stay
    under 80,000 a year (`REMINDER_SERIES`, `PLAN_SERIES`)."""
    tail = f"{sequence % 100000:05d}" if series is None else f"{series}{sequence % 10000:04d}"
    return ogm.format(ogm.generate(f"{regie.id % 1000:03d}{year % 100:02d}{tail}"))


def payment_reference(regie: Regie, number: Number, year: int, series: int) -> str:
    """The payment reference of a document that groups invoices (a reminder, a payment plan): in Belgium a
    structured communication of its series, in France its number, which a transfer's text carries."""
    if regie.organisation.country is Country.BE:
        return structured_communication(regie, year, number.sequence, series)
    return number.text


#: The series digit of a reminder's structured communication.
REMINDER_SERIES = 9
#: The series digit of a payment plan's structured communication.
PLAN_SERIES = 8
