from datetime import date

import sqlalchemy as sa

from webapp import demo
from webapp.families.models import Child, Family
from webapp.organisations.models import Organisation
from webapp.reminders import runs


def test_demo_is_realistic_and_seeded_once(session):
    assert demo.seed() is True
    sivu = session.scalar(sa.select(Organisation).where(Organisation.name == demo.SYNDICATE))
    assert len(sivu.regies) == 2
    families = session.scalar(sa.select(sa.func.count()).where(Family.organisation_id == sivu.id))
    children = session.scalar(sa.select(sa.func.count()).select_from(Child).join(Family)
                              .where(Family.organisation_id == sivu.id))
    assert families == 40 and 55 <= children <= 70
    assert demo.seed() is False
    # Overdue invoices in both organisations reach the first reminder level.
    for name in (demo.SYNDICATE, "Commune de Lasne"):
        org = session.scalar(sa.select(Organisation).where(Organisation.name == name))
        regie = next(r for r in org.regies if r.name in ("Restauration scolaire", "Accueil extrascolaire"))
        run = runs.open_run(regie, {"reference_date": date(2027, 1, 31)})
        assert runs.select(run).kept, name
