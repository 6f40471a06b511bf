"""The database itself refuses to edit or delete what the rules of money freeze, whatever the code does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.counter import services, slips
from webapp.counter.models import PaymentMode
from webapp.families.services import add_child
from webapp.invoicing.services import compute_batch, create_period, number_batch


@pytest.fixture
def books(make_org, make_regie, make_activity, make_tariff, make_family):
    org = make_org()
    regie = make_regie(org)
    canteen = make_activity(regie)
    make_tariff(canteen, price=Decimal("4.00"))
    family = make_family(org)
    set_attendance(add_child(family, {"last_name": "Dupont", "first_name": "Léo"}), canteen, date(2026, 3, 2),
                   Presence.PRESENT)
    period = create_period(org, {"label": "Mars", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                 "invoice_date": date(2026, 4, 1), "due_date": date(2026, 4, 30)}, [regie], [])
    compute_batch(period.batches[0])
    (invoice,) = number_batch(period.batches[0])
    payment = services.record_payment(regie, family, {"mode": "especes", "amount": Decimal("4.00"),
                                                      "received_on": date(2026, 4, 2)})
    slip = slips.finalize(slips.create_slip(regie, PaymentMode.CASH))
    return invoice, payment, slip


@pytest.mark.parametrize("statement, message", [
    ("UPDATE payments SET amount = 1 WHERE id = :payment", "Un règlement ne se modifie ni ne s'efface"),
    ("DELETE FROM payments WHERE id = :payment", "Un règlement ne se modifie ni ne s'efface"),
    ("UPDATE account_entries SET amount = 0 WHERE payment_id = :payment", "Une écriture du compte famille"),
    ("DELETE FROM allocations WHERE payment_id = :payment", "Une affectation ne se modifie pas"),
    ("UPDATE invoices SET total = 1 WHERE id = :invoice", "Une facture numérotée ne se modifie pas"),
    ("DELETE FROM invoices WHERE id = :invoice", "Une facture numérotée ne s'efface pas"),
    ("DELETE FROM invoice_lines WHERE invoice_id = :invoice", "Une facture numérotée ne se modifie pas"),
    ("UPDATE deposit_slips SET total = 0 WHERE id = :slip", "Un bordereau définitif ne change plus"),
    ("DELETE FROM slip_items WHERE slip_id = :slip", "Un bordereau définitif ne change plus"),
])
def test_frozen_rows_refuse_raw_sql(session, books, statement, message):
    invoice, payment, slip = books
    with pytest.raises(sa.exc.DBAPIError, match=message), session.begin_nested():
        session.execute(sa.text(statement), {"payment": payment.id, "invoice": invoice.id, "slip": slip.id})


def test_what_moves_with_the_books_still_moves(session, books):
    """An account's balance and an invoice's settled amounts are kept by the counter: they may change."""
    invoice, payment, _ = books
    session.execute(sa.text("UPDATE invoices SET paid = paid WHERE id = :id"), {"id": invoice.id})
    session.execute(sa.text("UPDATE accounts SET balance = balance WHERE id = :id"), {"id": payment.account_id})
