"""Bank reconciliation: a statement of thousands of transfers imported, matched and booked, then imported again.

    .venv/bin/python benchmarks/reconcile.py [--movements 10000] [--coda FILE | --ofx FILE]
                                             [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

On a throw-away database (an SQLite file in a temporary folder, or with --database-url a database
`regie_bench_reconcile` created on that PostgreSQL server and dropped at the end): a Belgian organisation, one
régie, one family per movement with one numbered invoice booked on its account, and a CODA statement paying
them: exact amounts, partial ones, too much, an unknown structured communication, an invoice already paid by
an earlier movement of the file. The statement is imported (matched, booked, committed), then imported again.
With --coda FILE or --ofx FILE that file is imported twice instead, into a fresh régie whose account is the
file's; a file the app refuses prints its French message and exits with status 1.

Prints one `name: value` line per figure: `import_s` (the first import, commit included), `movements` (one per
movement of the file; the details of a globalised CODA movement are not counted again), `matched`, `rejected`,
`second_import_booked` (must be 0) and `balances_exact` (every account's balance is the sum of its entries,
every invoice's settled amount the sum of its allocations, and the money booked is the money accepted).
Asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the shared-server helpers live with the tests
from regie_coda import Movement, Statement, TransactionCode, ogm, write  # noqa: E402

from tests.stack import postgresql_database  # noqa: E402
from webapp import create_app, db, migrations, numbering  # noqa: E402
from webapp.bank import matching, reading, services  # noqa: E402
from webapp.bank.models import MovementStatus  # noqa: E402
from webapp.counter.ledger import book_invoices, check_books  # noqa: E402
from webapp.counter.models import Payment  # noqa: E402
from webapp.errors import DomainError  # noqa: E402
from webapp.families.models import Family, Guardian, Civility  # noqa: E402
from webapp.formatting import today  # noqa: E402
from webapp.invoicing.models import Batch, BatchStatus, BillingPeriod, Invoice, InvoiceKind, InvoiceStatus  # noqa: E402
from webapp.numbering import NumberKind  # noqa: E402
from webapp.organisations.models import Country, Organisation, OrganisationKind, Regie  # noqa: E402

DATABASE = "regie_bench_reconcile"
BE_IBAN = "BE68539007547034"
PER_STATEMENT = 5000


def regie_for(country: Country, iban: str) -> Regie:
    org = Organisation(name="Commune du banc d'essai", kind=OrganisationKind.COMMUNE, country=country)
    regie = Regie(organisation=org, name="Régie", iban=iban, bic="GKCCBEBB", creditor_id="BE13ZZZ0216754319",
                  company_number="0216754319", invoice_prefix="B")
    db.session.add_all([org, regie])
    db.session.flush()
    return regie


def populate(count: int) -> tuple[Regie, bytes]:
    """One family and one numbered invoice per movement, booked as numbering books them; the statement."""
    rng = random.Random(16)
    regie = regie_for(Country.BE, BE_IBAN)
    family_ids = db.session.scalars(sa.insert(Family).returning(Family.id, sort_by_parameter_order=True), [
        {"organisation_id": regie.organisation_id, "number": f"{n:07d}", "label": f"Famille {n}",
         "search_text": f"famille {n}"} for n in range(1, count + 1)]).all()
    db.session.execute(sa.insert(Guardian), [
        {"family_id": family_id, "civility": Civility.MME, "last_name": f"Famille {family_id}", "first_name": "An",
         "is_payer": True} for family_id in family_ids])
    day = today() - timedelta(days=40)
    period = BillingPeriod(organisation_id=regie.organisation_id, label="Mois", start_date=day, end_date=day,
                           invoice_date=day, due_date=day + timedelta(days=30), fiscal_year=day.year)
    batch = Batch(period=period, regie_id=regie.id, status=BatchStatus.NUMBERED, created_at=sa.func.now())
    db.session.add_all([period, batch])
    db.session.flush()
    numbers = numbering.take(NumberKind.INVOICE, regie, day.year, count)
    totals = [Decimal(rng.randrange(1000, 20000)) / 100 for _ in range(count)]
    db.session.execute(sa.insert(Invoice), [
        {"batch_id": batch.id, "regie_id": regie.id, "family_id": family_id, "fiscal_year": day.year,
         "kind": InvoiceKind.INVOICE, "status": InvoiceStatus.NUMBERED, "sequence": number.sequence,
         "number": number.text, "issued_on": day, "due_on": day + timedelta(days=30), "total": total,
         "payment_reference": numbering.structured_communication(regie, day.year, number.sequence)}
        for number, family_id, total in zip(numbers, family_ids, totals, strict=True)])
    invoices = db.session.scalars(sa.select(Invoice).where(Invoice.batch_id == batch.id).order_by(Invoice.id)).all()
    book_invoices(regie.organisation_id, invoices)
    db.session.commit()
    movements = []
    paid_day = today() - timedelta(days=1)
    for n, invoice in enumerate(invoices):
        reference, amount = ogm.validate(invoice.payment_reference), invoice.total
        kind = n % 20
        if kind in (1, 2):  # partial
            amount = (invoice.total / 2).quantize(Decimal("0.01"))
        elif kind == 3:  # too much
            amount = invoice.total + 1
        elif kind in (4, 5):  # a communication no invoice carries
            reference = ogm.generate(9_000_000_000 + n)
        elif kind == 6 and n:  # the invoice before, already paid by its own movement
            reference, amount = ogm.validate(invoices[n - 1].payment_reference), Decimal("5.00")
        movements.append(Movement(
            sequence=n % PER_STATEMENT + 1, detail=0, amount=amount, value_date=paid_day, entry_date=paid_day,
            transaction_code=TransactionCode.parse("00150000"), communication_type="101", communication=reference,
            counterparty_name=f"FAMILLE {invoice.family_id}", bank_reference=f"B{n:012d}"))
    statements, balance = [], Decimal(0)
    for number, start in enumerate(range(0, count, PER_STATEMENT), 1):  # a CODA statement numbers up to 9999
        part = tuple(movements[start:start + PER_STATEMENT])
        closing = balance + sum((m.amount for m in part), Decimal(0))
        statements.append(Statement(account=BE_IBAN, currency="EUR", number=number, old_balance=balance,
                                    old_balance_date=paid_day, new_balance=closing, new_balance_date=paid_day,
                                    movements=part, creation_date=paid_day, bank_id="725"))
        balance = closing
    return regie, write(statements)


def for_file(path: Path, kind: str) -> tuple[Regie, bytes]:
    """A fresh régie whose account is the file's."""
    data = path.read_bytes()
    statements = reading.read(data)
    account = matching.squeezed(statements[0].account)
    if kind == "ofx" and not account[:2].isalpha():
        account = f"FR76{account}"  # a French bank writes bank, branch and account number: the IBAN holds them
    regie = regie_for(Country.BE if kind == "coda" else Country.FR, account[:34])
    db.session.commit()
    return regie, data


def balances_exact(regie: Regie, accepted: Decimal) -> bool:
    booked = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Payment.amount), 0))
                               .where(Payment.regie_id == regie.id))
    return check_books() == [] and Decimal(booked) == accepted


def run(args: argparse.Namespace, url: str) -> None:
    migrations.upgrade(url)
    with create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}).app_context():
        if args.coda or args.ofx:
            regie, data = for_file(Path(args.coda or args.ofx), "coda" if args.coda else "ofx")
        else:
            regie, data = populate(args.movements)
        started = time.perf_counter()
        first = services.import_file(regie, "releve", data)
        db.session.commit()
        elapsed = time.perf_counter() - started
        second = services.import_file(regie, "releve", data)
        db.session.commit()
        accepted = sum((r.movement.amount for r in first.plan.rows
                        if r.decision and r.decision.status is MovementStatus.ACCEPTED), Decimal(0))
        matched = first.booked
        print(f"import_s: {elapsed:.2f}")
        print(f"movements: {len(first.plan.rows)}")
        print(f"matched: {matched}")
        print(f"rejected: {first.rejected}")
        print(f"second_import_booked: {second.booked + len(second.plan.rows) - second.plan.known}")
        print(f"balances_exact: {'yes' if balances_exact(regie, accepted) else 'no'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--movements", type=int, default=10000)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--coda", metavar="FILE")
    source.add_argument("--ofx", metavar="FILE")
    parser.add_argument("--database-url", help="a PostgreSQL server; SQLite in a temporary folder by default")
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.database_url:
            url = stack.enter_context(postgresql_database(args.database_url, DATABASE))
        else:
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/reconcile.sqlite3"
        try:
            run(args, url)
        except DomainError as error:
            print(f"reconcile : {error.message}", file=sys.stderr)
            return 1
        except OSError as error:
            print(f"reconcile : fichier illisible ({error.strerror}) : {error.filename}", file=sys.stderr)
            return 1
        finally:
            db.session.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
