"""Two agents validating the same debit run at the same moment, on PostgreSQL with two real connections: one
validation, one payment per invoice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from tests.fixtures import VALID_REGIE, in_parallel
from webapp import db
from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.counter import ledger
from webapp.counter.models import DepositSlip, Payment
from webapp.debits import mandates, runs
from webapp.debits.models import DebitRun, RunStatus
from webapp.errors import DomainError
from webapp.families.services import add_child, create_family
from webapp.invoicing.services import compute_batch, create_period, number_batch
from webapp.organisations.services import create_organisation, create_regie
from webapp.tariffs.services import create_activity, create_tariff


def _transmitted_run() -> int:
    """Committed: two families with mandates, their October invoices on a run whose files were transmitted."""
    org = create_organisation({"name": "Commune prélevée", "kind": "commune", "country": "FR"})
    regie = create_regie(org, {"name": "Cantine", "invoice_prefix": "C", **VALID_REGIE["FR"]})
    canteen = create_activity(regie, {"name": "Cantine", "unit": "repas", "accounting_code": "7067"})
    create_tariff(canteen, {"valid_from": date(2026, 1, 1), "mode": "unitaire", "price": Decimal("3.10")})
    for name in ("Martin", "Durand"):
        family = create_family(org, {"number": ""}, {"civility": "Mme", "last_name": name, "first_name": "Anne"})
        set_attendance(add_child(family, {"last_name": name, "first_name": "Léo"}), canteen, date(2026, 10, 5),
                       Presence.PRESENT)
        mandates.create_mandate(regie, family, {"holder": f"Mme {name}", "iban": "FR7630004000010001234567830",
                                                "signed_on": date(2026, 9, 1), "town": "Marville"})
    period = create_period(org, {"label": "Octobre", "start_date": date(2026, 10, 1), "end_date": date(2026, 10, 31),
                                 "invoice_date": date(2026, 11, 2), "due_date": date(2026, 11, 30)}, [regie], [])
    compute_batch(period.batches[0])
    number_batch(period.batches[0])
    run = runs.prepare_run(period.batches[0], {})
    runs.build(run)
    runs.transmit(run)
    db.session.commit()
    return run.id


def test_two_agents_validating_the_same_run_book_it_once(race_engine):
    run_id = _transmitted_run()
    db.session.remove()

    def validate() -> None:
        runs.validate(db.session.get(DebitRun, run_id))

    outcome = in_parallel(validate, validate)
    errors = [e for e in outcome if e is not None]
    assert len(errors) == 1 and isinstance(errors[0], DomainError), outcome
    assert "Validé" in errors[0].message
    run = db.session.get(DebitRun, run_id)
    assert run.status is RunStatus.VALIDATED
    payments = db.session.scalars(sa.select(Payment)).all()
    assert len(payments) == 2 and {p.amount for p in payments} == {Decimal("3.10")}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DepositSlip)) == 1
    assert ledger.check_books() == []
