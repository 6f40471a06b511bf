"""The counter's test world, loaded as a pytest plugin: a régie with a canteen and an after-school care, two
families, and the helpers that bill their months and take their payments. Today is 2026-11-30: periods from
March to June 2026 belong to school year 2025-2026."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.counter import ledger, services
from webapp.families.services import add_child
from webapp.formatting import today
from webapp.invoicing.services import compute_batch, create_period, number_batch

D = Decimal
PAY_DAY = date(2026, 6, 15)
TOMORROW = today() + timedelta(days=1)


@pytest.fixture
def world(make_org, make_regie, make_activity, make_tariff, make_family):
    """A régie with a canteen at 4.00 a meal and an after-school care at 1.50 a day; two families."""
    org = make_org()
    regie = make_regie(org, invoice_prefix="CANT")
    canteen = make_activity(regie, name="Cantine", unit="repas", accounting_code="7067")
    make_tariff(canteen, label="Repas", price=D("4.00"))
    care = make_activity(regie, name="Garderie", unit="jour", accounting_code="7066")
    make_tariff(care, label="Garderie", price=D("1.50"))
    family = make_family(org, last_name="Bernard")
    other = make_family(org, last_name="Arnaud")
    return SimpleNamespace(
        org=org, regie=regie, canteen=canteen, care=care, family=family, other=other,
        child=add_child(family, {"last_name": "Bernard", "first_name": "Léo"}),
        other_child=add_child(other, {"last_name": "Arnaud", "first_name": "Zoé"}))


def attend(child, activity, month, *days, presence=Presence.PRESENT):
    for day in days:
        set_attendance(child, activity, date(2026, month, day), presence)


def period(w, month):
    invoice_date = date(2026, month + 1, 3)
    return create_period(w.org, {
        "label": f"Mois {month}", "start_date": date(2026, month, 1), "end_date": date(2026, month, 28),
        "invoice_date": invoice_date, "debit_date": None, "due_date": date(2026, month + 1, 28),
        "regularisation_from": None, "fiscal_year": None}, [w.regie], [])


def bill(w, month):
    """Compute and number the month: each family's invoice (or credit note), by family id."""
    batch = period(w, month).batches[0]
    compute_batch(batch)
    return {invoice.family_id: invoice for invoice in number_batch(batch)}


def invoice(w, month, *days):
    """The family's canteen invoice for those days of the month (4.00 each)."""
    attend(w.child, w.canteen, month, *days)
    return bill(w, month)[w.family.id]


def pay(w, amount, family=None, shares=None, **data):
    data = {"mode": "virement", "amount": D(amount), "received_on": PAY_DAY, **data}
    return services.record_payment(w.regie, family or w.family, data, shares)


def cheque(w, amount, number, family=None, **data):
    return pay(w, amount, family, mode="cheque", cheque_number=number, bank="Crédit Agricole", **data)


def refund(w, amount, family=None, reason="Départ de la commune", **data):
    data = {"mode": "virement", "amount": D(amount), "received_on": PAY_DAY, "reason": reason, **data}
    return services.refund(w.regie, family or w.family, data)


def write_off(invoice, amount, reason="Décision du conseil municipal", **data):
    return services.write_off(invoice, {"kind": "non_valeur", "amount": D(amount), "reason": reason,
                                        "written_on": PAY_DAY, **data})


def account(w, family=None):
    return ledger.find_account(w.regie.id, (family or w.family).id)


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def small_year(world):
    """School year 2025-2026: Bernard owes 10.00 (one write-off), Arnaud has 2.00 of credit."""
    attend(world.child, world.canteen, 3, 2, 3, 5)
    attend(world.child, world.care, 3, 2, 3)
    attend(world.other_child, world.canteen, 3, 2)
    march = bill(world, 3)
    attend(world.child, world.canteen, 4, 1, 2)
    april = bill(world, 4)[world.family.id]
    pay(world, "10.00")
    pay(world, "6.00", family=world.other, keep_credit=True)
    write_off(april, "3.00")
    return SimpleNamespace(march=march[world.family.id], other_march=march[world.other.id], april=april)
