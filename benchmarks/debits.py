"""A direct-debit run at the size of a large commune, on a throw-away database.

    .venv/bin/python benchmarks/debits.py [--families 2000] [--out DIR] [--postgresql]

2,000 families with mandates (new ones → FIRST, used ones → RCUR, some lapsed, some with a change of bank), a
numbered lot of one invoice each; the run is prepared and its files built (`debit_run_s`), transmitted and
validated (`validate_s`), then rolled back (`rollback_s`), checking that every mandate is back as it was. SQLite
in a temporary folder by default; `--postgresql` uses DATABASE_URL_POSTGRESQL (default the local test
database) in a schema of its own, dropped at the end. Writes the files it built to DIR (default a temporary
folder). Prints one `name: value` line per figure; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from webapp import create_app, db, make_engine, migrations
from webapp.counter import ledger
from webapp.debits import rollback, runs
from webapp.debits.models import DebitRun, DebtorAccount, Mandate
from webapp.families.models import Civility, Family, Guardian
from webapp.invoicing.models import Batch, BatchStatus, BillingPeriod, Invoice, InvoiceKind, InvoiceStatus
from webapp.organisations.models import Country, Organisation, OrganisationKind, Regie

POSTGRESQL = os.environ.get("DATABASE_URL_POSTGRESQL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_debits"
IBANS = ("FR7630004000010001234567830", "FR1420041010050500013M02606")


def populate(families: int) -> int:
    """The régie, its families with their mandates, and a numbered lot of one invoice each; returns the lot."""
    org = Organisation(name=f"Ville {families}", kind=OrganisationKind.COMMUNE, country=Country.FR)
    db.session.add(org)
    db.session.flush()
    regie = Regie(organisation_id=org.id, name="Régie", iban="FR7630006000011234567890189", bic="BDFEFRPPCCT",
                  creditor_id="FR72ZZZ123456", company_number="21380123600018", invoice_prefix="B",
                  address_line="1 place de la Mairie", postcode="38190", city="Froges")
    db.session.add(regie)
    period = BillingPeriod(organisation_id=org.id, label="Novembre", start_date=date(2026, 11, 1),
                           end_date=date(2026, 11, 30), invoice_date=date(2026, 12, 1), due_date=date(2026, 12, 31),
                           fiscal_year=2026)
    db.session.add(period)
    db.session.flush()
    lot = Batch(period_id=period.id, regie_id=regie.id, created_at=datetime.now(timezone.utc),
                status=BatchStatus.NUMBERED)
    db.session.add(lot)
    family_objects = []
    for n in range(families):
        family = Family(organisation_id=org.id, number=f"{n:06d}", label=f"Nom{n:05d} Anne", direct_debit=True)
        family.guardians.append(Guardian(civility=Civility.MME, last_name=f"Nom{n:05d}", first_name="Anne",
                                         is_payer=True, city="Froges", postcode="38190"))
        family_objects.append(family)
    db.session.add_all(family_objects)
    db.session.flush()
    db.session.execute(sa.insert(DebtorAccount), [
        {"organisation_id": org.id, "regie_id": regie.id, "family_id": f.id, "holder": f"Mme Nom{n:05d}",
         "iban": IBANS[n % 2], "bic": "", "street": "1 rue des Écoles", "postcode": "38190", "town": "Froges",
         "country": "FR"} for n, f in enumerate(family_objects)])
    accounts = dict(db.session.execute(sa.select(DebtorAccount.family_id, DebtorAccount.id)).all())
    mandates = []
    for n, f in enumerate(family_objects):
        kind = n % 10  # 0-3 new, 4-7 used, 8 lapsed, 9 change of bank
        used = kind >= 4 and kind != 8
        mandates.append({
            "organisation_id": org.id, "regie_id": regie.id, "family_id": f.id, "account_id": accounts[f.id],
            "reference": f"RUM-{n + 1:09d}", "signed_on": date(2022, 1, 3) if kind == 8 else date(2025, 9, 1),
            "signed_at": "Froges", "migrated": False, "state": "actif", "end_reason": "",
            "last_collection_date": date(2026, 11, 5) if used else None, "last_sequence": "RCUR" if used else None,
            "amendment": {"original_reference": None, "original_creditor_id": None, "original_creditor_name": None,
                          "original_iban": None, "new_bank": True} if kind == 9 else None, "previous": None})
    db.session.execute(sa.insert(Mandate), mandates)
    invoices = [Invoice(batch_id=lot.id, regie_id=regie.id, family_id=f.id, fiscal_year=2026, kind=InvoiceKind.INVOICE,
                        status=InvoiceStatus.NUMBERED, sequence=n + 1, number=f"B-2026-{n + 1:06d}",
                        issued_on=date(2026, 12, 1), due_on=date(2026, 12, 31),
                        total=Decimal(10 + n % 40) + Decimal("0.50"))
                for n, f in enumerate(family_objects)]
    db.session.add_all(invoices)
    db.session.flush()
    ledger.book_invoices(org.id, invoices)
    db.session.commit()
    return lot.id


def mandate_states() -> list[tuple[object, ...]]:
    return list(db.session.execute(sa.select(Mandate.id, Mandate.last_collection_date, Mandate.last_sequence,
                                             Mandate.amendment, Mandate.state).order_by(Mandate.id)))


def run(url: str, families: int, out: Path) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.test_request_context():
        engine = make_engine(url) if url.startswith("sqlite") else sa.create_engine(
            url, connect_args={"options": f"-csearch_path={SCHEMA}"})
        with engine.begin() as connection:
            migrations.upgrade(url, connection)
        db.session.remove()
        db.session.configure(bind=engine)
        lot_id = populate(families)
        before = mandate_states()

        started = time.perf_counter()
        debit_run = runs.prepare_run(db.session.get(Batch, lot_id), {"reason": "Factures novembre"})
        files = runs.build(debit_run)
        db.session.commit()
        print(f"debit_run_s: {time.perf_counter() - started:.2f}")
        out.mkdir(parents=True, exist_ok=True)
        for file in files:
            (out / file.name).write_bytes(file.content)
        print(f"files: {len(files)}")
        print(f"transactions: {len(debit_run.collected)}")
        print(f"excluded: {len(debit_run.excluded)}")
        runs.transmit(debit_run)
        db.session.commit()

        started = time.perf_counter()
        runs.validate(db.session.get(DebitRun, debit_run.id))
        db.session.commit()
        print(f"validate_s: {time.perf_counter() - started:.2f}")

        started = time.perf_counter()
        rollback.roll_back(db.session.get(DebitRun, debit_run.id), "Fichier refusé par la banque")
        db.session.commit()
        print(f"rollback_s: {time.perf_counter() - started:.2f}")
        print(f"rollback_restores_mandates: {'yes' if mandate_states() == before else 'no'}")
        print(f"books_agree: {'yes' if not ledger.check_books() else 'no'}")
        db.session.remove()
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    out = args.out or folder / "files"
    if not args.postgresql:
        run(f"sqlite:///{folder}/bench.sqlite3", args.families, out)
        print(f"out: {out}")
        return
    admin = sa.create_engine(POSTGRESQL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        connection.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
    try:
        run(POSTGRESQL, args.families, out)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        admin.dispose()
    print(f"out: {out}")


if __name__ == "__main__":
    main()
