"""The daily cash journal: what came in and went out of the till on one day, and the régisseur's count
(made by `closings.close_day`); it only reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp import db
from webapp.counter.amounts import ZERO
from webapp.counter.models import Cancellation, CashClosing, CashReopening, Payment, PaymentMode
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
    # The day's earlier closings, each reopened since, oldest first.
    reopened: list[CashClosing] = field(default_factory=list)
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


def day_journal(regie: Regie, day: date) -> DayJournal:
    options = (selectinload(Payment.family), selectinload(Payment.cancellation), selectinload(Payment.created_by))
    payments = db.session.scalars(sa.select(Payment).where(Payment.regie_id == regie.id, Payment.received_on == day)
                                  .options(*options).order_by(Payment.id)).all()
    cancellations = db.session.scalars(
        sa.select(Cancellation).join(Payment).where(Payment.regie_id == regie.id, Cancellation.cancelled_on == day)
        .options(selectinload(Cancellation.payment).options(*options)).order_by(Cancellation.id)).all()
    movements = [Movement(p, _till(p)) for p in payments]
    movements += [Movement(c.payment, -_till(c.payment), c) for c in cancellations]
    closed = db.session.scalars(
        sa.select(CashClosing).where(CashClosing.regie_id == regie.id, CashClosing.day == day)
        .options(selectinload(CashClosing.created_by),
                 selectinload(CashClosing.reopening).selectinload(CashReopening.created_by))
        .order_by(CashClosing.attempt)).all()
    reopened = [c for c in closed if c.reopening is not None]
    closing = next((c for c in closed if c.reopening is None), None)
    return DayJournal(regie, day, movements, closing, reopened)
