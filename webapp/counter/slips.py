"""Deposit slips (bordereaux de remise): gathered provisionally, then made final, numbered and frozen."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from webapp import db, numbering
from webapp.audit.services import actor_id, record
from webapp.counter.closings import hold_regie
from webapp.counter.models import (
    SLIP_MODES,
    Cancellation,
    DepositSlip,
    Payment,
    PaymentKind,
    PaymentMode,
    SlipItem,
    SlipStatus,
)
from webapp.db import utcnow
from webapp.errors import DomainError
from webapp.formatting import date_time, money, today
from webapp.numbering import NumberKind
from webapp.organisations.models import Regie


def _waiting() -> sa.ColumnElement[bool]:
    """A payment received, not cancelled, on no slip yet."""
    return sa.and_(Payment.kind == PaymentKind.PAYMENT, ~sa.exists().where(SlipItem.payment_id == Payment.id),
                   ~sa.exists().where(Cancellation.payment_id == Payment.id))


def waiting_payments(regie_id: int, mode: PaymentMode) -> sa.Select:
    return (sa.select(Payment).where(Payment.regie_id == regie_id, Payment.mode == mode, _waiting())
            .order_by(Payment.received_on, Payment.id))


def waiting_counts(regie_ids: list[int]) -> dict[tuple[int, PaymentMode], int]:
    """How many payments wait for a slip, per régie and slip mode (zero included), in one query."""
    found = dict(((regie_id, mode), count) for regie_id, mode, count in db.session.execute(
        sa.select(Payment.regie_id, Payment.mode, sa.func.count())
        .where(Payment.regie_id.in_(regie_ids), Payment.mode.in_(SLIP_MODES), _waiting())
        .group_by(Payment.regie_id, Payment.mode)))
    return {(regie_id, mode): found.get((regie_id, mode), 0) for regie_id in regie_ids for mode in SLIP_MODES}


def _refuse_final(slip: DepositSlip) -> None:
    db.session.refresh(slip, with_for_update=True)
    if slip.final:
        raise DomainError(f"{slip} est définitif depuis le {date_time(slip.finalized_at)} : il ne change plus.")


def create_slip(regie: Regie, mode: PaymentMode) -> DepositSlip:
    """A provisional slip holding every payment of the mode that waits for one."""
    if mode not in SLIP_MODES:
        raise DomainError(f"Les règlements par {mode.label.lower()} ne se remettent pas sur bordereau.", "mode")
    hold_regie(regie.id, exclusive=True)  # two agents preparing slips at once take turns
    payments = db.session.scalars(waiting_payments(regie.id, mode)).all()
    if not payments:
        raise DomainError(f"Aucun règlement « {mode.label} » n'attend de bordereau.", "mode")
    return _new_slip(regie, mode, payments)


def direct_debit_slip(regie: Regie, payments: list[Payment]) -> DepositSlip:
    """The payments a validated debit run booked, on a provisional slip of mode prélèvement of their own (the
    caller holds the régie exclusively, as `create_slip` does)."""
    return _new_slip(regie, PaymentMode.DIRECT_DEBIT, payments)


def _new_slip(regie: Regie, mode: PaymentMode, payments: list[Payment]) -> DepositSlip:
    slip = DepositSlip(organisation_id=regie.organisation_id, regie_id=regie.id, mode=mode, created_by_id=actor_id())
    db.session.add(slip)
    db.session.flush()
    db.session.add_all(SlipItem(slip_id=slip.id, payment_id=p.id) for p in payments)
    _audit("create", slip, {"règlements": [None, _listed(payments)]})
    return slip


def _listed(payments: list[Payment]) -> str:
    return ", ".join(f"n° {p.id} ({money(p.amount)})" for p in payments)


def _audit(action: str, slip: DepositSlip, changes: dict[str, list[object]]) -> None:
    record(action, "deposit_slip", slip, changes, organisation_id=slip.organisation_id)


def remove_payment(slip: DepositSlip, payment_id: int) -> None:
    _refuse_final(slip)
    item = db.session.get(SlipItem, payment_id)
    if item is None or item.slip_id != slip.id:
        raise DomainError("Ce règlement n'est pas sur ce bordereau.")
    db.session.delete(item)
    _audit("update", slip, {"règlements": [_listed([item.payment]), None]})


def add_waiting(slip: DepositSlip) -> int:
    """Put back on the slip what waits for one (a payment taken out, or received since)."""
    hold_regie(slip.regie_id, exclusive=True)  # before the slip's row, as a cancellation takes them
    _refuse_final(slip)
    payments = db.session.scalars(waiting_payments(slip.regie_id, slip.mode)).all()
    db.session.add_all(SlipItem(slip_id=slip.id, payment_id=p.id) for p in payments)
    if payments:
        _audit("update", slip, {"règlements": [None, _listed(payments)]})
    return len(payments)


def delete_slip(slip: DepositSlip) -> None:
    _refuse_final(slip)
    _audit("delete", slip, {"règlements": [_listed([item.payment for item in slip.items]), None]})
    for item in slip.items:
        db.session.delete(item)
    db.session.delete(slip)


def finalize(slip: DepositSlip) -> DepositSlip:
    """Number the slip and freeze it: its payments are on it for ever."""
    _refuse_final(slip)
    if not slip.items:
        raise DomainError("Un bordereau vide ne se valide pas.")
    if any(item.payment.cancellation is not None for item in slip.items):
        raise DomainError("Un règlement de ce bordereau a été annulé : retirez-le avant de valider.")
    (number,) = numbering.take(NumberKind.SLIP, slip.regie, today().year)
    slip.number = number.text
    slip.total = sum((item.payment.amount for item in slip.items), Decimal("0.00"))
    slip.status = SlipStatus.FINAL
    slip.finalized_at = utcnow()
    slip.finalized_by_id = actor_id()
    _audit("finalize", slip, {"numéro": [None, slip.number], "total": [None, str(slip.total)],
                              "règlements": [None, len(slip.items)]})
    return slip
