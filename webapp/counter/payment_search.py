"""« Recherche règlement »: payments found by date range, mode, amount, cheque number, payer and slip, to answer a
family or the bank (« this cheque, was it cashed? »), with the export of what was found."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from webapp import db
from webapp.counter.models import DepositSlip, Payment, PaymentKind, PaymentMode, SlipItem
from webapp.exports import Column, Kind
from webapp.families.services import matching
from webapp.forms import parse_decimal

SHOWN = 200


@dataclass(frozen=True)
class Criteria:
    regie_ids: list[int]
    start: date | None = None
    end: date | None = None
    mode: str = ""
    amount: Decimal | None = None
    cheque_number: str = ""
    payer: str = ""
    slip: str = ""

    @property
    def empty(self) -> bool:
        return not any([self.start, self.end, self.mode, self.amount, self.cheque_number, self.payer, self.slip])


def _date(text: str) -> date | None:
    try:
        day = date.fromisoformat(text) if len(text) == 10 and text.isascii() else None
    except ValueError:
        return None
    return day if day and 2000 <= day.year <= 2100 else None


def parse(args: Any, regie_ids: list[int]) -> Criteria:
    """The search's query string; an unreadable value is no criterion."""
    try:
        amount = parse_decimal(args.get("montant"))
    except ValueError:
        amount = None
    mode = args.get("mode", "")
    return Criteria(regie_ids=regie_ids, start=_date(args.get("du", "")), end=_date(args.get("au", "")),
                    mode=mode if mode in {m.value for m in PaymentMode} else "", amount=amount,
                    cheque_number=args.get("cheque", "").strip()[:20], payer=args.get("payeur", "").strip()[:100],
                    slip=args.get("bordereau", "").strip()[:40])


def payments(organisation_id: int, criteria: Criteria, limit: int | None = SHOWN) -> Iterator[Payment]:
    """Matching payments, newest first; without a limit, read in pieces (an export of any size)."""
    stmt = (sa.select(Payment).join(Payment.family)
            .where(Payment.organisation_id == organisation_id, Payment.regie_id.in_(criteria.regie_ids))
            .options(contains_eager(Payment.family), selectinload(Payment.cancellation),
                     selectinload(Payment.slip_item).selectinload(SlipItem.slip))
            .order_by(Payment.received_on.desc(), Payment.id.desc()))
    if criteria.start:
        stmt = stmt.where(Payment.received_on >= criteria.start)
    if criteria.end:
        stmt = stmt.where(Payment.received_on <= criteria.end)
    if criteria.mode:
        stmt = stmt.where(Payment.mode == PaymentMode(criteria.mode))
    if criteria.amount is not None:
        stmt = stmt.where(Payment.amount == criteria.amount)
    if criteria.cheque_number:
        stmt = stmt.where(Payment.cheque_number.contains(criteria.cheque_number, autoescape=True))
    if criteria.payer:
        stmt = stmt.where(sa.or_(matching(criteria.payer),
                                 Payment.holder.icontains(criteria.payer, autoescape=True)))
    if criteria.slip:
        stmt = stmt.where(Payment.id.in_(sa.select(SlipItem.payment_id).join(DepositSlip).where(
            DepositSlip.number == criteria.slip.upper())))
    if limit is not None:
        yield from db.session.scalars(stmt.limit(limit))
        return
    yield from db.session.scalars(stmt.execution_options(yield_per=1000))


def _slip(payment: Payment) -> str:
    return (payment.slip_item.slip.number or "provisoire") if payment.slip_item else ""


COLUMNS = [
    Column("Date", lambda p: p.received_on, Kind.DATE),
    Column("Reçu", lambda p: p.receipt_number),
    Column("Famille", lambda p: p.family.label),
    Column("N° famille", lambda p: p.family.number),
    Column("Type", lambda p: "Remboursement" if p.kind is PaymentKind.REFUND else "Encaissement"),
    Column("Mode", lambda p: p.mode.label),
    Column("Montant", lambda p: p.amount, Kind.MONEY),
    Column("N° de chèque", lambda p: p.cheque_number),
    Column("Banque", lambda p: p.bank),
    Column("Tireur", lambda p: p.holder),
    Column("Bordereau", _slip),
    Column("Annulé", lambda p: "oui" if p.cancellation else ""),
]
