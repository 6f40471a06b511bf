"""The daily cash journal: what came in and went out of the till on one day, and the régisseur's count."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp import db
from webapp.audit.services import actor_id, record_creation
from webapp.counter import ledger
from webapp.counter.ledger import ZERO
from webapp.counter.models import Cancellation, CashClosing, Payment, PaymentMode
from webapp.errors import DomainError
from webapp.formatting import money, today
from webapp.organisations.models import Regie


@dataclass(frozen=True)
class Movement:
    """A payment, refund or cancellation as the till sees it: signed, positive when money came in."""

    payment: Payment
    amount: Decimal
    cancellation: Cancellation | None = None


@dataclass
class DayJournal:
    regie: Regie
    day: date
    movements: list[Movement]
    closing: CashClosing | None
    by_mode: dict[PaymentMode, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for movement in self.movements:
            mode = movement.payment.mode
            self.by_mode[mode] = self.by_mode.get(mode, ZERO) + movement.amount

    @property
    def expected_cash(self) -> Decimal:
        return self.by_mode.get(PaymentMode.CASH, ZERO)


def _till(payment: Payment) -> Decimal:
    return -payment.signed_amount  # an encaissement brings money in, a refund takes it out


def last_closed_day(regie_id: int) -> date | None:
    """The till is closed up to this day: nothing is booked on it or before."""
    return db.session.scalar(sa.select(sa.func.max(CashClosing.day)).where(CashClosing.regie_id == regie_id))


def day_journal(regie: Regie, day: date) -> DayJournal:
    options = (selectinload(Payment.family), selectinload(Payment.cancellation), selectinload(Payment.created_by))
    payments = db.session.scalars(sa.select(Payment).where(Payment.regie_id == regie.id, Payment.received_on == day)
                                  .options(*options).order_by(Payment.id)).all()
    cancellations = db.session.scalars(
        sa.select(Cancellation).join(Payment).where(Payment.regie_id == regie.id, Cancellation.cancelled_on == day)
        .options(selectinload(Cancellation.payment).options(*options)).order_by(Cancellation.id)).all()
    movements = [Movement(p, _till(p)) for p in payments]
    movements += [Movement(c.payment, -_till(c.payment), c) for c in cancellations]
    closing = db.session.scalar(sa.select(CashClosing).where(CashClosing.regie_id == regie.id, CashClosing.day == day))
    return DayJournal(regie, day, movements, closing)


def close_day(regie: Regie, day: date, counted: Decimal | None, comment: str) -> CashClosing:
    """Record the count: the difference with the journal is kept as it is, and the day takes no more entries."""
    if counted is None:
        raise DomainError("Saisissez le montant des espèces comptées (0 s'il n'y en a pas).", "counted_cash")
    counted = ledger.checked_amount(counted, "counted_cash", zero=True)
    if day > today():
        raise DomainError("On ne clôture pas une journée à venir.", "day")
    ledger.hold_regie(regie.id, exclusive=True)
    journal = day_journal(regie, day)
    if journal.closing is not None:
        raise DomainError(f"La caisse du {day:%d/%m/%Y} est déjà clôturée.", "day")
    difference = counted - journal.expected_cash
    comment = (comment or "").strip()
    if difference and not comment:
        raise DomainError(f"La caisse présente un écart de {money(difference)} : expliquez-le en commentaire.",
                          "comment")
    closing = CashClosing(regie_id=regie.id, day=day, expected_cash=journal.expected_cash, counted_cash=counted,
                          difference=difference, comment=comment, created_by_id=actor_id())
    db.session.add(closing)
    record_creation("cash_closing", closing, ("day", "expected_cash", "counted_cash", "difference", "comment"),
                    organisation_id=regie.organisation_id)
    return closing

