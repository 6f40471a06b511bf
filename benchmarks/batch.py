"""Computing a batch and printing it, at the size of a large commune.

    .venv/bin/python benchmarks/batch.py

3,000 children in 2,000 families, 20 school days, 3 activities (180,000 attendances). Computes and numbers
the batch (numbering books every invoice on its family's account) on SQLite and on PostgreSQL
(DATABASE_URL_POSTGRESQL, default the local test database, in a throw-away schema), counts the compute's SQL
queries for 200 and 2,000 families, then renders the 2,000 invoices as one PDF. Each compute and the rendering
run in a process of their own, as the job runner runs them, so that each peak memory is its own.
Prints one `name: value` line per figure; asserts nothing.
"""

from __future__ import annotations

import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from datetime import time as clock
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa

from webapp import create_app, db, make_engine, migrations
from webapp.attendance.models import Attendance, Presence
from webapp.families.models import Child, Civility, Family, Guardian
from webapp.families.services import refresh_search
from webapp.invoicing.documents import write_batch_pdf
from webapp.invoicing.documents import printable_invoices
from webapp.invoicing.models import Batch, BillingPeriod
from webapp.invoicing.services import compute_batch, number_batch
from webapp.organisations.models import Country, Organisation, OrganisationKind, Regie
from webapp.tariffs.models import Activity, PricingMode, Tariff, Unit

POSTGRESQL = os.environ.get("DATABASE_URL_POSTGRESQL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_batch"
START = date(2026, 3, 2)
T = TypeVar("T")


def school_days(count: int) -> list[date]:
    days, day = [], START
    while len(days) < count:
        if day.weekday() in (0, 1, 3, 4):
            days.append(day)
        day += timedelta(days=1)
    return days


def populate(families: int, children: int) -> int:
    """The organisation, its tariffs, families, children and attendances; returns the batch id."""
    rng = random.Random(7)
    org = Organisation(name=f"Ville {families}", kind=OrganisationKind.COMMUNE, country=Country.FR)
    db.session.add(org)
    db.session.flush()
    regie = Regie(organisation_id=org.id, name="Régie", iban="FR7630006000011234567890189", bic="BDFEFRPPCCT",
                  creditor_id="FR72ZZZ123456", company_number="21380123600018", invoice_prefix="B")
    db.session.add(regie)
    db.session.flush()
    canteen = Activity(regie_id=regie.id, name="Cantine", unit=Unit.MEAL, accounting_code="7067")
    morning = Activity(regie_id=regie.id, name="Garderie du matin", unit=Unit.SLOT, accounting_code="7066")
    evening = Activity(regie_id=regie.id, name="Garderie du soir", unit=Unit.SLOT, accounting_code="7066")
    db.session.add_all([canteen, morning, evening])
    db.session.flush()
    for low, high, price in ((None, 600, "1.20"), (600, 1200, "2.60"), (1200, None, "4.10")):
        db.session.add(Tariff(activity_id=canteen.id, label="Repas", valid_from=date(2026, 1, 1), mode=PricingMode.UNIT,
                              qf_min=low and Decimal(low), qf_max=high and Decimal(high), price=Decimal(price)))
    for care in (morning, evening):
        db.session.add(Tariff(activity_id=care.id, label="Garderie", valid_from=date(2026, 1, 1),
                              mode=PricingMode.SLOT, price=Decimal("0.50"), slot_minutes=30, daily_cap=Decimal("3.00")))
    family_objects = []
    for n in range(families):
        family = Family(organisation_id=org.id, number=f"{n:06d}", quotient=Decimal(rng.randrange(300, 2000)))
        family.guardians.append(Guardian(civility=Civility.MME, last_name=f"Nom{n:05d}", first_name="Anne",
                                         is_payer=True, address_line1="1 rue des Écoles", postcode="38190",
                                         city="Froges"))
        family_objects.append(family)
    for n in range(children):
        family = family_objects[n % families]
        family.children.append(Child(last_name=family.guardians[0].last_name, first_name=f"Enfant{n}",
                                     birth_date=date(2016, 1, 1) + timedelta(days=n % 1500)))
    for family in family_objects:
        refresh_search(family)
    db.session.add_all(family_objects)
    db.session.flush()
    child_ids = db.session.scalars(sa.select(Child.id).join(Family).where(Family.organisation_id == org.id)).all()
    rows = []
    for day in school_days(20):
        for child_id in child_ids:
            rows.append({"child_id": child_id, "activity_id": canteen.id, "day": day, "presence": Presence.PRESENT,
                         "quantity": Decimal(1), "arrival": None, "departure": None})
            rows.append({"child_id": child_id, "activity_id": morning.id, "day": day, "presence": Presence.PRESENT,
                         "quantity": Decimal(1), "arrival": clock(7, 30), "departure": clock(8, 20)})
            rows.append({"child_id": child_id, "activity_id": evening.id, "day": day, "presence": Presence.PRESENT,
                         "quantity": Decimal(1), "arrival": clock(16, 30),
                         "departure": clock(17, rng.randrange(0, 60, 10))})
    for start in range(0, len(rows), 20_000):
        db.session.execute(sa.insert(Attendance), rows[start:start + 20_000])
    period = BillingPeriod(organisation_id=org.id, label="Mars", start_date=date(2026, 3, 1),
                           end_date=date(2026, 3, 31), invoice_date=date(2026, 4, 2), due_date=date(2026, 4, 30),
                           fiscal_year=2026)
    db.session.add(period)
    db.session.flush()
    batch = Batch(period_id=period.id, regie_id=regie.id, created_at=date.today())
    db.session.add(batch)
    db.session.commit()
    return batch.id


class QueryCounter:
    def __init__(self, engine: sa.Engine) -> None:
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args: object) -> None:
        self.count += 1


def isolated(function: Callable[..., T], *args: object) -> tuple[T, float]:
    """What `function` returns, run in a new process, and that process's peak memory in MB, or its largest
    child's (the PDF's rendering workers): a figure that no earlier step of the benchmark inflates."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_with_peak, function, *args).result()


def _with_peak(function: Callable[..., T], *args: object) -> tuple[T, float]:
    result = function(*args)
    usage = (resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return result, max(usage) / 1024


def bind(url: str) -> sa.Engine:
    """The session on that database; on PostgreSQL, in the benchmark's schema."""
    engine = make_engine(url) if "sqlite" in url else sa.create_engine(url, connect_args={
        "options": f"-csearch_path={SCHEMA}"})
    db.session.remove()
    db.session.configure(bind=engine)
    return engine


def measure_compute(url: str, families: int, children: int) -> tuple[tuple[float, int, int, float], float]:
    """The commune built here; its batch computed and numbered in a process of its own, with its peak memory."""
    engine = bind(url)
    with engine.begin() as connection:
        migrations.upgrade(url, connection)
    batch_id = populate(families, children)
    db.session.remove()
    engine.dispose()
    return isolated(compute, url, batch_id)


def compute(url: str, batch_id: int) -> tuple[float, int, int, float]:
    """Compute the batch, then number it (numbering also books each invoice on its family's account)."""
    with create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}).app_context():
        engine = bind(url)
        counter = QueryCounter(engine)
        started = time.perf_counter()
        invoices = compute_batch(db.session.get(Batch, batch_id))
        db.session.commit()
        elapsed = time.perf_counter() - started
        queries = counter.count
        started = time.perf_counter()
        number_batch(db.session.get(Batch, batch_id))
        db.session.commit()
        numbering = time.perf_counter() - started
        db.session.remove()
        engine.dispose()
    return elapsed, queries, len(invoices), numbering


def render(url: str, path: Path) -> tuple[float, int]:
    """The batch's invoices as one PDF, as the job renders them."""
    with create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}).test_request_context():
        invoices = printable_invoices(db.session.scalar(sa.select(Batch)))
        started = time.perf_counter()
        write_batch_pdf(invoices, path)
        return time.perf_counter() - started, len(invoices)


def postgresql_schema(action: str) -> None:
    engine = sa.create_engine(POSTGRESQL)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        if action == "create":
            connection.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
    engine.dispose()


def main() -> None:
    folder = tempfile.mkdtemp()
    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/app.sqlite3", "SECRET_KEY": "bench"})
    with app.app_context():
        sqlite_url = f"sqlite:///{folder}/bench.sqlite3"
        (seconds, queries_2000, invoices, numbering), peak_mb = measure_compute(sqlite_url, 2000, 3000)
        print(f"compute_s_sqlite: {seconds:.2f}")
        print(f"number_s_sqlite: {numbering:.2f}")
        print(f"invoices_sqlite: {invoices}")
        print(f"queries_2000_families: {queries_2000}")
        print(f"compute_peak_mb_sqlite: {peak_mb:.0f}")
        (_, queries_200, _, _), _ = measure_compute(f"sqlite:///{folder}/small.sqlite3", 200, 300)
        print(f"queries_200_families: {queries_200}")
        postgresql_schema("create")
        try:
            (seconds, _, _, numbering), peak_mb = measure_compute(POSTGRESQL, 2000, 3000)
            print(f"compute_s_postgresql: {seconds:.2f}")
            print(f"number_s_postgresql: {numbering:.2f}")
            print(f"compute_peak_mb_postgresql: {peak_mb:.0f}")
        finally:
            db.session.remove()
            postgresql_schema("drop")

    path = Path(folder) / "batch.pdf"
    (seconds, invoices), peak_mb = isolated(render, sqlite_url, path)
    print(f"pdf_2000_s: {seconds:.1f}")
    print(f"pdf_invoices: {invoices}")
    print(f"pdf_mb: {path.stat().st_size / 1e6:.1f}")
    print(f"pdf_peak_mb: {peak_mb:.0f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
