"""Two agents proposing a payment plan over the same invoice at the same moment, on PostgreSQL with two real
connections: the family's account lock makes the second wait, then be refused; one plan, one number."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from tests.fixtures import VALID_REGIE, in_parallel
from webapp import db
from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.families.services import add_child, create_family
from webapp.formatting import today
from webapp.invoicing.services import compute_batch, create_period, number_batch
from webapp.numbering import NumberSequence
from webapp.organisations.models import Regie
from webapp.organisations.services import create_organisation, create_regie
from webapp.plans import services
from webapp.plans.models import PaymentPlan
from webapp.tariffs.services import create_activity, create_tariff


def _owing() -> tuple[int, int, int]:
    """Committed: a family owing its March canteen; (régie, family, invoice) ids."""
    org = create_organisation({"name": "Commune étalée", "kind": "commune", "country": "FR"})
    regie = create_regie(org, {"name": "Cantine", "invoice_prefix": "C", **VALID_REGIE["FR"]})
    canteen = create_activity(regie, {"name": "Cantine", "unit": "repas", "accounting_code": "7067"})
    create_tariff(canteen, {"valid_from": date(2026, 1, 1), "mode": "unitaire", "price": Decimal("3.10")})
    family = create_family(org, {"number": ""}, {"civility": "Mme", "last_name": "Martin", "first_name": "Anne"})
    child = add_child(family, {"last_name": "Martin", "first_name": "Léa"})
    for day in (2, 3, 4):
        set_attendance(child, canteen, date(2026, 3, day), Presence.PRESENT)
    period = create_period(org, {"label": "Mars", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                 "invoice_date": date(2026, 4, 1), "due_date": date(2026, 4, 15)}, [regie], [])
    compute_batch(period.batches[0])
    (invoice,) = number_batch(period.batches[0])
    db.session.commit()
    return regie.id, family.id, invoice.id


def test_two_agents_proposing_a_plan_over_the_same_invoice_make_one_plan(race_engine):
    regie_id, family_id, invoice_id = _owing()
    db.session.remove()

    def propose() -> PaymentPlan:
        return services.create_plan(db.session.get(Regie, regie_id), db.session.get(Family, family_id),
                                    {"invoice_ids": [invoice_id], "count": 3, "first_due_on": today()})

    outcome = in_parallel(propose, propose)
    errors = [e for e in outcome if e is not None]
    assert len(errors) == 1 and isinstance(errors[0], DomainError), outcome
    assert "déjà dans un échéancier en cours" in errors[0].message
    assert db.session.scalar(sa.select(sa.func.count(PaymentPlan.id))) == 1
    assert db.session.scalar(sa.select(NumberSequence.last_value).where(NumberSequence.kind == "echeancier")) == 1
