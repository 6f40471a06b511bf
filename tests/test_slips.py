"""Deposit slips: gathered provisionally by mode, then numbered and frozen."""


import pytest
import sqlalchemy as sa

from webapp.audit.models import AuditEntry
from webapp.counter import slips
from webapp.counter.models import (
    DepositSlip,
    PaymentMode,
    SlipItem,
    SlipStatus,
)
from webapp.errors import DomainError

from tests.counter_world import (
    D, cheque, count, invoice, pay,
)


# Deposit slips


def test_a_slip_gathers_one_mode_then_is_numbered_and_frozen(world, session):
    invoice(world, 3, 2, 3, 5)
    a, b = cheque(world, "3.00", "101"), cheque(world, "4.50", "102")
    pay(world, "2.00", mode="especes")
    c = cheque(world, "2.50", "103", family=world.other, keep_credit=True)
    slip = slips.create_slip(world.regie, PaymentMode.CHEQUE)
    assert (slip.status, slip.number, slip.total) == (SlipStatus.PROVISIONAL, None, None)
    assert [item.payment_id for item in slip.items] == [a.id, b.id, c.id]
    slips.remove_payment(slip, b.id)
    assert [item.payment_id for item in slip.items] == [a.id, c.id]
    assert session.scalars(slips.waiting_payments(world.regie.id, PaymentMode.CHEQUE)).all() == [b]
    assert slips.add_waiting(slip) == 1 and [item.payment_id for item in slip.items] == [a.id, b.id, c.id]
    slips.finalize(slip)
    assert (slip.status, slip.number, slip.total) == (SlipStatus.FINAL, "B-CANT-2026-00001", D("10.00"))
    for action in (lambda: slips.remove_payment(slip, a.id), lambda: slips.add_waiting(slip),
                   lambda: slips.delete_slip(slip), lambda: slips.finalize(slip)):
        with pytest.raises(DomainError, match="est définitif depuis le"):
            action()
    assert count(session, SlipItem, SlipItem.slip_id == slip.id) == 3 and slip.number == "B-CANT-2026-00001"
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "deposit_slip")
                            .order_by(AuditEntry.id)).all()
    assert [(entry.action, entry.changes["règlements"]) for entry in audit] == [
        ("create", [None, f"n° {a.id} (3,00\xa0€), n° {b.id} (4,50\xa0€), n° {c.id} (2,50\xa0€)"]),
        ("update", [f"n° {b.id} (4,50\xa0€)", None]), ("update", [None, f"n° {b.id} (4,50\xa0€)"]),
        ("finalize", [None, 3])]


def test_a_payment_on_a_final_slip_never_goes_on_another(world, session):
    invoice(world, 3, 2, 3, 5)
    first = cheque(world, "3.00", "201")
    slips.finalize(slips.create_slip(world.regie, PaymentMode.CHEQUE))
    with pytest.raises(DomainError, match="Aucun règlement « Chèque » n'attend de bordereau") as refused:
        slips.create_slip(world.regie, PaymentMode.CHEQUE)
    assert refused.value.field == "mode"
    later = cheque(world, "4.00", "202")
    second = slips.create_slip(world.regie, PaymentMode.CHEQUE)
    assert [item.payment_id for item in second.items] == [later.id]
    slips.finalize(second)
    assert second.number == "B-CANT-2026-00002" and first.slip_item.slip_id != second.id


def test_an_empty_slip_is_not_finalized_and_transfers_go_on_no_slip(world, session):
    invoice(world, 3, 2, 3, 5)
    payment = pay(world, "3.00", mode="especes")
    pay(world, "1.00", mode="virement")
    slip = slips.create_slip(world.regie, PaymentMode.CASH)
    slips.remove_payment(slip, payment.id)
    with pytest.raises(DomainError, match="Un bordereau vide ne se valide pas"):
        slips.finalize(slip)
    with pytest.raises(DomainError, match="ne se remettent pas sur bordereau") as refused:
        slips.create_slip(world.regie, PaymentMode.TRANSFER)
    assert refused.value.field == "mode"
    slips.delete_slip(slip)
    assert count(session, SlipItem) == 0 and count(session, DepositSlip) == 0
