"""Two agents settling the same « mise en titre » at the same moment, on PostgreSQL with two real connections: the
debts are titled once; and a payment racing the settlement either lands before it (the settlement is refused) or
is refused after it (the invoice belongs to the treasury)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from tests.fixtures import VALID_REGIE, in_parallel
from webapp import db
from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.counter import ledger, services
from webapp.counter.models import AccountEntry, EntryKind
from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.families.services import add_child, create_family
from webapp.invoicing.models import Invoice
from webapp.invoicing.services import compute_batch, create_period, number_batch
from webapp.organisations.models import Regie
from webapp.organisations.services import create_organisation, create_regie
from webapp.tariffs.services import create_activity, create_tariff
from webapp.treasury import runs, settle, titles_file
from webapp.treasury.models import TitledInvoice, TitleRun, TreasuryTitle

TOTAL = Decimal("31.00")


def _controlled_run() -> tuple[int, int, int]:
    """Committed: a family owing 31.00 on an old invoice, and a run whose file is written and controlled."""
    org = create_organisation({"name": "Commune titrée", "kind": "commune", "country": "FR"})
    regie = create_regie(org, {"name": "Cantine", "invoice_prefix": "C", **VALID_REGIE["FR"],
                               "treasury_office": "061090", "treasury_collectivity": "020",
                               "treasury_budget": "00", "treasury_product": "CANT"})
    canteen = create_activity(regie, {"name": "Cantine", "unit": "repas", "accounting_code": "7067"})
    create_tariff(canteen, {"valid_from": date(2026, 1, 1), "mode": "unitaire", "price": Decimal("3.10")})
    family = create_family(org, {"number": ""}, {"civility": "Mme", "last_name": "Martin", "first_name": "Anne",
                                                 "address_line1": "3 rue Haute", "postcode": "61000",
                                                 "city": "Alençon"})
    child = add_child(family, {"last_name": "Martin", "first_name": "Léo"})
    for day in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13):  # weekdays
        set_attendance(child, canteen, date(2026, 3, day), Presence.PRESENT)
    period = create_period(org, {"label": "Mars", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                 "invoice_date": date(2026, 4, 1), "due_date": date(2026, 4, 15)}, [regie], [])
    compute_batch(period.batches[0])
    (invoice,) = number_batch(period.batches[0])
    run = runs.open_run(regie, {"reference_date": date(2026, 3, 31), "bordereau_number": 7,
                                "first_title_number": 100})
    titles_file.write_file(run)
    assert titles_file.control(run) == [] and run.file_total == TOTAL
    db.session.commit()
    return run.id, invoice.id, family.id


def _settle(run_id: int) -> None:
    settle.settle(db.session.get(TitleRun, run_id), {"count": 1, "total": TOTAL})


def test_two_agents_settling_the_same_run_title_the_debts_once(race_engine):
    run_id, invoice_id, _ = _controlled_run()
    db.session.remove()
    outcome = in_parallel(lambda: _settle(run_id), lambda: _settle(run_id))
    errors = [e for e in outcome if e is not None]
    assert len(errors) == 1 and isinstance(errors[0], DomainError), outcome
    assert "a été réglée" in errors[0].message
    invoice = db.session.get(Invoice, invoice_id)
    assert (invoice.titled, invoice.outstanding, invoice.settlement) == (TOTAL, Decimal("0.00"), "titre")
    assert db.session.scalar(sa.select(sa.func.count(TreasuryTitle.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(TitledInvoice.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(AccountEntry.id)).where(AccountEntry.kind == EntryKind.TITLE)) == 1
    assert ledger.check_books() == []


def test_a_payment_racing_the_settlement_is_booked_or_titled_never_both(race_engine):
    run_id, invoice_id, family_id = _controlled_run()
    db.session.remove()

    def pay() -> None:
        family = db.session.get(Family, family_id)
        regie = db.session.get(Regie, db.session.get(Invoice, invoice_id).regie_id)
        services.record_payment(regie, family, {"mode": "virement", "amount": Decimal("5.00"),
                                                "received_on": date(2026, 6, 15)})

    outcome = in_parallel(lambda: _settle(run_id), pay, stagger=0.05)
    errors = [e for e in outcome if e is not None]
    assert len(errors) == 1 and isinstance(errors[0], DomainError), outcome
    invoice = db.session.get(Invoice, invoice_id)
    if outcome[0] is None:  # titled first: the payment points to the treasury
        assert "Trésor public" in errors[0].message and invoice.titled == TOTAL and invoice.paid == 0
    else:
        assert "ont changé depuis le contrôle" in errors[0].message
        assert invoice.titled == 0 and invoice.paid == Decimal("5.00")
    assert ledger.check_books() == []
