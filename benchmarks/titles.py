"""Handing a large commune's unpaid debts to the treasury.

    .venv/bin/python benchmarks/titles.py [--families 2000] [--out DIR]

2,000 families (by default) with one unpaid canteen invoice each, in one numbered lot, on SQLite. Measures the
« mise en titre » selection from the books, the PES V2 titles file (written and schema-validated by
regie-indigo-titre), the individual titles as one PDF, and the same lot as an ORMC roll (written, validated and
read back by regie-ormc); writes the titles file and the ORMC to DIR (a temporary folder by default).
Prints one `name: value` line per figure; asserts nothing. Goal: each file built and validated in 3 s or less.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from webapp import create_app, db, migrations
from webapp.attendance.models import Attendance, Presence
from webapp.families.models import Child, Civility, Family, Guardian
from webapp.families.services import refresh_search
from webapp.invoicing.models import Batch, BillingPeriod
from webapp.invoicing.services import compute_batch, number_batch
from webapp.organisations.models import Country, Organisation, OrganisationKind, Regie
from webapp.tariffs.models import Activity, PricingMode, Tariff, Unit
from webapp.treasury import documents, rolls, runs, selection, titles_file

DAYS = (date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 9))


def populate(families: int) -> Batch:
    """A régie with its treasury codes, `families` families of one child each, a week of canteen, numbered."""
    org = Organisation(name=f"Ville {families}", kind=OrganisationKind.COMMUNE, country=Country.FR)
    db.session.add(org)
    db.session.flush()
    regie = Regie(organisation_id=org.id, name="Restauration", iban="FR7630006000011234567890189",
                  bic="BDFEFRPPCCT", creditor_id="FR72ZZZ123456", company_number="21380123600018",
                  invoice_prefix="T", treasury_office="038090", treasury_collectivity="123", treasury_budget="00",
                  treasury_product="CANT", roll_format="pes", roll_collectivity="23", roll_nature="12")
    db.session.add(regie)
    db.session.flush()
    canteen = Activity(regie_id=regie.id, name="Cantine", unit=Unit.MEAL, accounting_code="7067")
    db.session.add(canteen)
    db.session.flush()
    db.session.add(Tariff(activity_id=canteen.id, label="Repas", valid_from=date(2026, 1, 1), mode=PricingMode.UNIT,
                          price=Decimal("4.10")))
    objects = []
    for n in range(families):
        family = Family(organisation_id=org.id, number=f"{n:06d}")
        family.guardians.append(Guardian(civility=Civility.MME, last_name=f"Nom{n:05d}", first_name="Anne",
                                         is_payer=True, address_line1=f"{n % 90 + 1} rue des Écoles",
                                         postcode="38190", city="Froges"))
        family.children.append(Child(last_name=f"Nom{n:05d}", first_name="Léa", birth_date=date(2017, 5, 1)))
        refresh_search(family)
        objects.append(family)
    db.session.add_all(objects)
    db.session.flush()
    child_ids = db.session.scalars(sa.select(Child.id).join(Family).where(Family.organisation_id == org.id)).all()
    db.session.execute(sa.insert(Attendance), [
        {"child_id": child_id, "activity_id": canteen.id, "day": day, "presence": Presence.PRESENT,
         "quantity": Decimal(1), "arrival": None, "departure": None}
        for child_id in child_ids for day in DAYS])
    period = BillingPeriod(organisation_id=org.id, label="Mars 2026", start_date=date(2026, 3, 1),
                           end_date=date(2026, 3, 31), invoice_date=date(2026, 4, 2), due_date=date(2026, 4, 30),
                           fiscal_year=2026)
    db.session.add(period)
    db.session.flush()
    batch = Batch(period_id=period.id, regie_id=regie.id, created_at=date.today())
    db.session.add(batch)
    db.session.flush()
    compute_batch(batch)
    number_batch(batch)
    db.session.commit()
    return batch


def timed(action):
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=None, help="folder for the titles file and the ORMC")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp())
    out.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{tempfile.mkdtemp()}/titles.sqlite3"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.test_request_context():
        with db.session.get_bind().begin() as connection:
            migrations.upgrade(url, connection)
        batch = populate(args.families)
        run = runs.open_run(batch.regie, {"reference_date": date(2026, 3, 31), "bordereau_number": 1,
                                          "first_title_number": 1, "minimum_amount": Decimal("15.00")})
        found, seconds = timed(lambda: selection.select(run))
        print(f"selection_s: {seconds:.2f}")
        print(f"titles: {found.count}")
        _, seconds = timed(lambda: titles_file.write_file(run))
        print(f"titles_file_s: {seconds:.2f}")
        (out / run.file_name).write_bytes(run.file_data)
        _, seconds = timed(lambda: documents.titles_pdf(run))
        print(f"titles_pdf_s: {seconds:.2f}")
        export, seconds = timed(lambda: rolls.export_roll(db.session.get(Batch, batch.id)))
        print(f"ormc_lot_s: {seconds:.2f}")
        print(f"ormc_pieces: {export.count}")
        (out / export.file_name).write_bytes(export.file_data)
        db.session.commit()
        print(f"out: {out}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
