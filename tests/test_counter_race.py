"""Two agents taking the same family's payment at the same moment, on PostgreSQL with two real connections."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from tests.fixtures import VALID_REGIE, in_parallel
from webapp import db
from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.counter import closings, ledger, services, settlement, slips
from webapp.counter.models import DepositSlip, Payment, PaymentMode, SlipItem
from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.formatting import today
from webapp.families.services import add_child, create_family
from webapp.invoicing import cancellation
from webapp.invoicing.models import Invoice
from webapp.invoicing.services import compute_batch, create_period, number_batch
from webapp.organisations.models import Regie
from webapp.organisations.services import create_organisation, create_regie
from webapp.tariffs.services import create_activity, create_tariff


def _family_with_two_invoices() -> tuple[int, int, int]:
    """Committed: March paid, April (the last open invoice) left to pay; returns régie, family, April."""
    org = create_organisation({"name": "Commune concurrente", "kind": "commune", "country": "FR"})
    regie = create_regie(org, {"name": "Cantine", "invoice_prefix": "C", **VALID_REGIE["FR"]})
    canteen = create_activity(regie, {"name": "Cantine", "unit": "repas", "accounting_code": "7067"})
    create_tariff(canteen, {"valid_from": date(2026, 1, 1), "mode": "unitaire", "price": Decimal("3.10")})
    family = create_family(org, {"number": ""}, {"civility": "Mme", "last_name": "Martin", "first_name": "Anne"})
    child = add_child(family, {"last_name": "Martin", "first_name": "Léo"})
    invoices = []
    for month in (3, 4):
        set_attendance(child, canteen, date(2026, month, 2), Presence.PRESENT)
        set_attendance(child, canteen, date(2026, month, 3), Presence.PRESENT)
        period = create_period(org, {"label": f"Mois {month}", "start_date": date(2026, month, 1),
                                     "end_date": date(2026, month, 28), "invoice_date": date(2026, month, 28),
                                     "due_date": date(2026, month + 1, 15)}, [regie], [])
        compute_batch(period.batches[0])
        (invoice,) = number_batch(period.batches[0])
        invoices.append(invoice)
    services.record_payment(regie, family, {"mode": "virement", "amount": Decimal("6.20"),
                                            "received_on": date(2026, 6, 1)})
    db.session.commit()
    return regie.id, family.id, invoices[1].id


def _pay_together(regie_id: int, family_id: int, amount: Decimal) -> list[BaseException | None]:
    def pay() -> None:
        regie, family = db.session.get(Regie, regie_id), db.session.get(Family, family_id)
        services.record_payment(regie, family, {"mode": "especes", "amount": amount, "received_on": date(2026, 6, 15)})

    return in_parallel(pay, pay)


def test_two_agents_paying_the_same_last_invoice_settle_it_once(race_engine):
    regie_id, family_id, april_id = _family_with_two_invoices()
    db.session.remove()
    outcome = _pay_together(regie_id, family_id, Decimal("6.20"))
    errors = [e for e in outcome if e is not None]
    assert len(errors) == 1 and isinstance(errors[0], DomainError), outcome
    assert errors[0].field == "amount" and "ce qui est dû (0,00" in errors[0].message
    april = db.session.get(Invoice, april_id)
    assert (april.paid, april.total, april.settlement) == (Decimal("6.20"), Decimal("6.20"), "payee")
    receipts = db.session.scalars(sa.select(Payment.receipt_number).where(Payment.mode == "especes")).all()
    assert receipts == ["R-C-2026-000001"]
    assert ledger.find_account(regie_id, family_id).balance == Decimal("0.00")
    assert ledger.check_books() == []


def _slowed(monkeypatch, module, name: str) -> None:
    real = getattr(module, name)

    def slow(*args, **kwargs):
        result = real(*args, **kwargs)
        time.sleep(0.5)  # widen the window in which the other connection asks for the same rows
        return result

    monkeypatch.setattr(module, name, slow)


def test_a_write_off_during_a_school_year_closing_waits_its_turn(race_engine, monkeypatch):
    regie_id, _, april_id = _family_with_two_invoices()
    db.session.remove()
    _slowed(monkeypatch, closings, "hold_regie")  # the closing holds the régie, then sleeps
    outcome = in_parallel(
        lambda: closings.close_school_year(db.session.get(Regie, regie_id), 2025),
        lambda: services.write_off(db.session.get(Invoice, april_id), {
            "kind": "seuil", "amount": Decimal("1.00"), "reason": "Reliquat", "written_on": today()}),
        stagger=0.25, hold=0)
    assert outcome == [None, None], outcome
    assert ledger.check_books() == []


def test_adding_to_a_slip_while_one_of_its_payments_is_cancelled_waits_its_turn(race_engine, monkeypatch):
    regie_id, family_id, _ = _family_with_two_invoices()
    regie, family = db.session.get(Regie, regie_id), db.session.get(Family, family_id)
    payment = services.record_payment(regie, family, {"mode": "cheque", "amount": Decimal("6.20"), "bank": "LCL",
                                                      "cheque_number": "123", "received_on": date(2026, 11, 2)})
    slip = slips.create_slip(regie, PaymentMode.CHEQUE)
    db.session.commit()
    payment_id, slip_id = payment.id, slip.id
    db.session.remove()
    _slowed(monkeypatch, settlement, "take_back_spent_credit")  # the cancellation holds the régie and account
    outcome = in_parallel(
        lambda: services.cancel_payment(db.session.get(Payment, payment_id), "Chèque impayé", today()),
        lambda: slips.add_waiting(db.session.get(DepositSlip, slip_id)),
        stagger=0.25, hold=0)
    assert outcome == [None, None], outcome
    assert db.session.scalars(sa.select(SlipItem.payment_id).where(SlipItem.slip_id == slip_id)).all() == []
    assert ledger.check_books() == []


def test_two_agents_cancelling_the_same_invoice_issue_one_credit_note(race_engine):
    regie_id, family_id, april_id = _family_with_two_invoices()
    db.session.remove()

    def cancel() -> None:
        cancellation.cancel_invoices([db.session.get(Invoice, april_id)], "Erreur de pointage")

    outcome = in_parallel(cancel, cancel)
    errors = [e for e in outcome if e is not None]
    assert len(errors) == 1 and isinstance(errors[0], DomainError), outcome
    assert "déjà annulée par l'avoir AV-C-2026-000001" in errors[0].message
    credit_notes = db.session.scalars(sa.select(Invoice.number).where(Invoice.cancels_id == april_id)).all()
    assert credit_notes == ["AV-C-2026-000001"]
    assert ledger.find_account(regie_id, family_id).balance == Decimal("0.00")
    assert ledger.check_books() == []


def test_a_payment_racing_a_cancellation_either_pays_or_is_refused_never_both(race_engine):
    regie_id, family_id, april_id = _family_with_two_invoices()
    db.session.remove()
    outcome = in_parallel(
        lambda: cancellation.cancel_invoices([db.session.get(Invoice, april_id)], "Erreur"),
        lambda: services.record_payment(db.session.get(Regie, regie_id), db.session.get(Family, family_id),
                                        {"mode": "especes", "amount": Decimal("6.20"), "received_on": date(2026, 6, 15)}),
        stagger=0.1)
    april = db.session.get(Invoice, april_id)
    if outcome[0] is None:  # cancelled first: the payment found nothing due
        assert april.cancelled_by is not None and april.paid == 0
    else:
        assert "réglée" in str(outcome[0]) and april.paid == Decimal("6.20") and april.cancelled_by is None
    assert ledger.check_books() == []
