"""A reminder run at the size of a large commune, on a throw-away database.

    .venv/bin/python benchmarks/reminders.py [--families 2000] [--out DIR]

`families` families owe two numbered invoices each: September's, due 15/10, and October's, due 30/11. A first
run (not timed) reminded half of them of September at level 1; the timed run, sixteen days later, reaches level
2 for those (billing each its 5.00 fee invoice) and level 1 for the others: its draft and validation give
`reminder_run_s`. Then the letters of every reminder, with the transfer's QR code, are rendered into one PDF by
every core (`letters_pdf_s`, and the largest peak resident size of the process and of its renderers,
`letters_pdf_mb`), written to DIR (default a temporary folder). SQLite in a temporary folder. Prints one
`name: value` line per figure; asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from webapp import create_app, db, migrations, numbering
from webapp.counter import ledger
from webapp.families.models import Civility, Family, Guardian
from webapp.families.services import refresh_search
from webapp.formatting import today
from webapp.invoicing.models import Batch, BatchStatus, BillingPeriod, Invoice, InvoiceKind, InvoiceStatus
from webapp.organisations.models import Country, Organisation, OrganisationKind, Regie
from webapp.reminders import documents, levels, runs
from webapp.reminders.models import ReminderRun

LOTS = (("Septembre 2026", date(2026, 9, 1), date(2026, 10, 15)), ("Octobre 2026", date(2026, 10, 1),
                                                                   date(2026, 11, 30)))


def populate(families: int) -> Regie:
    """The régie, its three levels, and its families each owing September and October."""
    org = Organisation(name=f"Ville {families}", kind=OrganisationKind.COMMUNE, country=Country.FR)
    db.session.add(org)
    db.session.flush()
    regie = Regie(organisation_id=org.id, name="Restauration", iban="FR7630006000011234567890189",
                  bic="BDFEFRPPCCT", creditor_id="FR72ZZZ123456", company_number="21380123600018",
                  invoice_prefix="R", address_line="1 place de la Mairie", postcode="38190", city="Froges",
                  transfer_qr=True)
    db.session.add(regie)
    db.session.flush()
    for rank, delay, fee in ((1, 10, "0"), (2, 15, "5.00"), (3, 15, "10.00")):
        levels.add_level(regie, {"rank": rank, "delay_days": delay, "after_previous": rank > 1,
                                 "minimum_amount": Decimal("5.00"), "fee": Decimal(fee), "last": rank == 3,
                                 "letter_text": "Sauf erreur de notre part, les factures ci-dessous restent impayées."})
    objects = []
    for n in range(families):
        family = Family(organisation_id=org.id, number=f"{n:06d}")
        family.guardians.append(Guardian(civility=Civility.MME, last_name=f"Nom{n:05d}", first_name="Anne",
                                         is_payer=True, address_line1=f"{n % 90 + 1} rue des Écoles",
                                         postcode="38190", city="Froges"))
        refresh_search(family)
        objects.append(family)
    db.session.add_all(objects)
    db.session.flush()
    for label, start, due in LOTS:
        period = BillingPeriod(organisation_id=org.id, label=label, start_date=start,
                               end_date=start + timedelta(days=27), invoice_date=start + timedelta(days=30),
                               due_date=due, fiscal_year=2026)
        db.session.add(period)
        db.session.flush()
        lot = Batch(period_id=period.id, regie_id=regie.id, created_at=datetime.now(timezone.utc),
                    status=BatchStatus.NUMBERED)
        db.session.add(lot)
        db.session.flush()
        invoices = []
        numbers = numbering.take(numbering.NumberKind.INVOICE, regie, 2026, len(objects))  # the fees' follow them
        for n, (family, number) in enumerate(zip(objects, numbers, strict=True)):
            invoices.append(Invoice(batch_id=lot.id, regie_id=regie.id, family_id=family.id, fiscal_year=2026,
                                    kind=InvoiceKind.INVOICE, status=InvoiceStatus.NUMBERED, sequence=number.sequence,
                                    number=number.text, issued_on=period.invoice_date, due_on=due,
                                    total=Decimal(20 + n % 40) + Decimal("0.40")))
        db.session.add_all(invoices)
        db.session.flush()
        ledger.book_invoices(org.id, invoices)
    db.session.commit()
    return regie


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=None, help="folder for the letters PDF")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp())
    out.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{tempfile.mkdtemp()}/reminders.sqlite3"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.test_request_context():
        with db.session.get_bind().begin() as connection:
            migrations.upgrade(url, connection)
        db.session.remove()
        regie = populate(args.families)
        first = runs.open_run(regie, {"reference_date": date(2026, 10, 31)})
        odd = set(db.session.scalars(sa.select(Family.id).where(Family.organisation_id == regie.organisation_id,
                                                                Family.id % 2 == 1)))
        runs.validate(runs.choose_families(first, odd))  # the even families, of September, at level 1
        db.session.commit()

        started = time.perf_counter()
        run = runs.open_run(db.session.get(Regie, regie.id), {"reference_date": today() + timedelta(days=16)})
        draft = runs.select(run)
        sent = runs.validate(run)
        db.session.commit()
        print(f"reminder_run_s: {time.perf_counter() - started:.2f}")
        print(f"reminders: {len(sent)}")
        print(f"levels: {dict(sorted({r: sum(1 for d in draft.kept if d.level.rank == r) for r in (1, 2, 3)}.items()))}")

        started = time.perf_counter()
        path = out / f"relances-{run.id}.pdf"
        documents.write_letters(db.session.get(ReminderRun, run.id), path)
        print(f"letters_pdf_s: {time.perf_counter() - started:.2f}")
        # The largest of this process and the renderers, each its own peak (as a job runs it).
        peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        print(f"letters_pdf_mb: {peak / 1024:.0f}")
        print(f"letters_pdf_file_mb: {path.stat().st_size / 2**20:.1f}")
        print(f"out: {out}")


if __name__ == "__main__":
    main()
