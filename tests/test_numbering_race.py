"""Two agents numbering at the same moment, on PostgreSQL with two real connections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from webapp import db
from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.errors import DomainError
from webapp.families.services import add_child, create_family
from webapp.invoicing.models import Batch, Invoice
from webapp.invoicing.services import compute_batch, create_period, number_batch
from webapp.organisations.services import create_organisation, create_regie
from webapp.tariffs.services import create_activity, create_tariff
from tests.fixtures import VALID_REGIE, in_parallel

def _two_computed_batches(families: int) -> list[int]:
    org = create_organisation({"name": "Commune concurrente", "kind": "commune", "country": "FR"})
    regie = create_regie(org, {"name": "Cantine", "invoice_prefix": "C", **VALID_REGIE["FR"]})
    canteen = create_activity(regie, {"name": "Cantine", "unit": "repas", "accounting_code": "7067"})
    create_tariff(canteen, {"valid_from": date(2026, 1, 1), "mode": "unitaire", "price": Decimal("3.10")})
    for n in range(families):
        family = create_family(org, {"number": ""}, {"civility": "Mme", "last_name": f"Famille{n:03d}",
                                                     "first_name": "Anne"})
        child = add_child(family, {"last_name": f"Famille{n:03d}", "first_name": "Léo"})
        set_attendance(child, canteen, date(2026, 3, 2), Presence.PRESENT)
        set_attendance(child, canteen, date(2026, 4, 2), Presence.PRESENT)
    batch_ids = []
    for month in (3, 4):
        period = create_period(org, {"label": f"Mois {month}", "start_date": date(2026, month, 1),
                                     "end_date": date(2026, month, 28), "invoice_date": date(2026, month, 28),
                                     "due_date": date(2026, month + 1, 15)}, [regie], [])
        compute_batch(period.batches[0])
        batch_ids.append(period.batches[0].id)
    db.session.commit()
    return batch_ids


def _number_together(batch_ids: list[int]) -> list[BaseException | None]:
    return in_parallel(*(lambda batch_id=batch_id: number_batch(db.session.get(Batch, batch_id)) for batch_id in batch_ids))


def test_two_agents_numbering_two_batches_of_a_regie_get_no_gap_and_no_duplicate(race_engine):
    batch_ids = _two_computed_batches(families=30)
    db.session.remove()
    assert _number_together(batch_ids) == [None, None]
    sequences = db.session.scalars(sa.select(Invoice.sequence).order_by(Invoice.sequence)).all()
    assert sequences == list(range(1, 61))
    per_batch = [db.session.scalars(sa.select(Invoice.sequence).where(Invoice.batch_id == b)).all() for b in batch_ids]
    # Each batch got one unbroken run: the second agent waited for the first one's range.
    assert all(max(s) - min(s) == len(s) - 1 for s in per_batch)


def test_two_agents_numbering_the_same_batch_number_it_once(race_engine):
    batch_id = _two_computed_batches(families=5)[0]
    db.session.remove()
    outcome = _number_together([batch_id, batch_id])
    errors = [e for e in outcome if e is not None]
    assert len(errors) == 1 and isinstance(errors[0], DomainError)
    assert "déjà été numéroté" in errors[0].message
    numbers = db.session.scalars(sa.select(Invoice.number).where(Invoice.batch_id == batch_id)).all()
    assert sorted(numbers) == [f"C-2026-{n:06d}" for n in range(1, 6)]
