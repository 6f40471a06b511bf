"""Payments taken at the counter by 20 agents at once, through the shared server on PostgreSQL.

    .venv/bin/python benchmarks/counter.py [--families 20000] [--agents 20] [--seconds 30] [--think 0]
                                           [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Creates a throw-away database `regie_bench` on that server (dropped at the end): one organisation, one régie,
the families (a payer and a child each), one numbered invoice booked on the account of every fourth family,
and the agents. Serves the app as `make serve` does (gunicorn, 4 workers × 4 threads; its job runner on a
Redis server of its own), then each agent logs in and, until the time is up, opens the payment form of a
family drawn at random among those holding an invoice and records a cash or cheque payment of 1 to 5 euros,
as the page's htmx form does, hidden inputs included; two agents on the same family at the same moment take
turns on its account. Without --think the agents pay back to back: the server's saturation. With --think
SECONDS each agent waits between two payments a random time of that mean, as people at a counter do, and the
times are those of a server under that load. Then one agent times the counter's search, and the books are
checked: every balance must still equal the sum of its entries. Prints one `name: value` line per figure;
asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO
from urllib.parse import quote

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the shared-server helpers live with the tests
from tests.stack import Browser, hidden_inputs, postgresql_database, shared_server, tail  # noqa: E402
from webapp import create_app, db, migrations, numbering  # noqa: E402
from webapp.auth.models import Role
from webapp.auth.services import create_user, grant
from webapp.counter.ledger import book_invoices, check_books
from webapp.counter.models import Payment, PaymentMode
from webapp.families.models import Child, Civility, Family, Guardian
from webapp.families.services import refresh_search
from webapp.invoicing.models import Batch, BatchStatus, BillingPeriod, Invoice, InvoiceKind, InvoiceStatus
from webapp.numbering import NumberKind
from webapp.organisations.models import Country, Organisation, OrganisationKind, Regie

DATABASE = "regie_bench"
PASSWORD = "banc-d-essai-caisse"
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
        "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard"]
FIRST = ["Hélène", "Camille", "Sophie", "Julie", "Nicolas", "Thomas", "Karim", "Léa", "Inès", "Hugo", "Zoé", "Jules"]
NAME_QUERIES = ["mar", "dubo", "lefe", "helene", "camille", "dubois cam", "petit-m", "garcia zoe", "rou", "zzzz"]
SEARCHES = 200


def populate(families: int, agents: int) -> tuple[int, int, list[int], list[str], list[str]]:
    """The organisation, its régie, families, invoices booked as the app books them, and the agents' e-mails;
    returns the organisation and régie ids, the families holding an invoice, their numbers and the invoices'."""
    rng = random.Random(1)
    org = Organisation(name="Grande ville", kind=OrganisationKind.COMMUNE, country=Country.FR)
    regie = Regie(organisation=org, name="Régie centrale", iban="FR7630006000011234567890189", bic="BDFEFRPPCCT",
                  creditor_id="FR72ZZZ123456", company_number="21380123600018", invoice_prefix="B")
    db.session.add_all([org, regie])
    db.session.flush()
    # Built in memory so that `refresh_search` fills the label and search text, then inserted in bulk.
    built = []
    for n in range(1, families + 1):
        last = f"{rng.choice(LAST)}{rng.choice(['', '-' + rng.choice(LAST)])}"
        family = Family(number=f"{n:07d}", guardians=[
            Guardian(civility=Civility.MME, last_name=last, first_name=rng.choice(FIRST), is_payer=True)],
            children=[Child(last_name=last, first_name=rng.choice(FIRST))])
        refresh_search(family)
        built.append(family)
    family_ids = db.session.scalars(sa.insert(Family).returning(Family.id, sort_by_parameter_order=True), [
        {"organisation_id": org.id, "number": f.number, "label": f.label, "search_text": f.search_text}
        for f in built]).all()
    db.session.execute(sa.insert(Guardian), [
        {"family_id": family_id, "civility": f.payer.civility, "last_name": f.payer.last_name,
         "first_name": f.payer.first_name, "is_payer": True} for family_id, f in zip(family_ids, built, strict=True)])
    db.session.execute(sa.insert(Child), [
        {"family_id": family_id, "last_name": c.last_name, "first_name": c.first_name}
        for family_id, f in zip(family_ids, built, strict=True) for c in f.children])

    start = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)  # last month
    period = BillingPeriod(organisation_id=org.id, label=f"{start:%m/%Y}", start_date=start,
                           end_date=date.today().replace(day=1) - timedelta(days=1), invoice_date=date.today(),
                           due_date=date.today() + timedelta(days=30), fiscal_year=start.year)
    batch = Batch(period=period, regie_id=regie.id, status=BatchStatus.NUMBERED, created_at=sa.func.now())
    db.session.add_all([period, batch])
    db.session.flush()
    invoiced = family_ids[::4]
    numbers = numbering.take(NumberKind.INVOICE, regie, period.fiscal_year, len(invoiced))
    db.session.execute(sa.insert(Invoice), [
        {"batch_id": batch.id, "regie_id": regie.id, "family_id": family_id, "fiscal_year": period.fiscal_year,
         "kind": InvoiceKind.INVOICE, "status": InvoiceStatus.NUMBERED, "sequence": number.sequence,
         "number": number.text, "issued_on": period.invoice_date,
         "due_on": period.due_date, "total": Decimal(rng.randrange(2000, 20000)) / 100}
        for number, family_id in zip(numbers, invoiced, strict=True)])
    invoices = db.session.scalars(sa.select(Invoice).where(Invoice.batch_id == batch.id)).all()
    book_invoices(org.id, invoices)
    for n in range(agents):
        user = create_user({"email": f"agent{n}@banc.ville.fr", "full_name": f"Agent {n}", "password": PASSWORD},
                           organisation_id=org.id)
        grant(user, org, Role.AGENT)
    db.session.commit()
    return (org.id, regie.id, invoiced, [f.number for f in rng.sample(built, 5)],
            [i.number for i in rng.sample(invoices, 5)])


def agent(port: int, email: str, org_id: int, regie_id: int, family_ids: list[int], seconds: float, think: float,
          start: threading.Barrier, timings: list[float], errors: list[int], seed: int) -> None:
    rng = random.Random(seed)
    browser = Browser(port)
    try:
        browser.login(email, PASSWORD)
    except Exception:
        start.abort()  # the run stops instead of waiting for this agent
        raise
    start.wait()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if think:  # the person at the counter before the next payment, never past the deadline
            time.sleep(max(0.0, min(rng.expovariate(1 / think), deadline - time.perf_counter())))
            if time.perf_counter() >= deadline:
                break
        path = f"/o/{org_id}/caisse/familles/{rng.choice(family_ids)}/regies/{regie_id}/reglement"
        status, _, page = browser.request("GET", path, htmx=True)  # the form a click on the search row opens
        if status != 200:
            errors.append(status)
            continue
        cents = rng.randrange(100, 501)
        form = {**hidden_inputs(page, "amount"),
                "amount": f"{cents // 100}.{cents % 100:02d}", "received_on": date.today().isoformat(),
                "keep_credit": "y", "mode": rng.choice([PaymentMode.CASH, PaymentMode.CHEQUE])}
        if form["mode"] is PaymentMode.CHEQUE:
            form.update(cheque_number=str(rng.randrange(1_000_000, 9_999_999)), bank="La Banque Postale")
        started = time.perf_counter()
        try:
            status, headers, _ = browser.request("POST", path, form, htmx=True)
        except (OSError, http.client.HTTPException):
            status, headers = 0, {}  # counted as an error: the server dropped the request
        elapsed = (time.perf_counter() - started) * 1000
        if status == 200 and "HX-Location" in headers:
            timings.append(elapsed)
        else:
            errors.append(status)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else float("nan")


def take_payments(port: int, args: argparse.Namespace, org_id: int, regie_id: int,
                  family_ids: list[int]) -> tuple[list[float], list[int]]:
    """The agents at work: the time of each payment recorded, and the status of each one refused."""
    timings: list[float] = []
    errors: list[int] = []
    start = threading.Barrier(args.agents + 1, timeout=120)
    threads = [threading.Thread(target=agent, args=(port, f"agent{n}@banc.ville.fr", org_id, regie_id, family_ids,
                                                    args.seconds, args.think, start, timings, errors, n))
               for n in range(args.agents)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    print(f"agents: {args.agents}")
    print(f"seconds: {args.seconds:g}")
    print(f"think_s: {args.think:g}")
    print(f"payments_per_s: {len(timings) / elapsed:.1f}")
    print(f"payment_median_ms: {statistics.median(timings) if timings else float('nan'):.1f}")
    print(f"payment_p95_ms: {p95(timings):.1f}")
    print(f"payment_errors: {len(errors)}")
    if errors:
        print(f"payment_error_statuses: {dict(sorted((s, errors.count(s)) for s in set(errors)))}")
    return timings, errors


def search(port: int, org_id: int, queries: list[str]) -> int:
    """One agent typing searches at the counter; returns how many failed."""
    browser = Browser(port)
    browser.login("agent0@banc.ville.fr", PASSWORD)
    paths = [f"/o/{org_id}/caisse/?q={quote(q)}" for q in queries]
    for path in paths:  # untimed: the workers load the search page's template once
        browser.request("GET", path, htmx=True)
    timings: list[float] = []
    errors = 0
    for n in range(SEARCHES):
        started = time.perf_counter()
        status, _, _ = browser.request("GET", paths[n % len(paths)], htmx=True)
        timings.append((time.perf_counter() - started) * 1000)
        errors += status != 200
    print(f"search_median_ms: {statistics.median(timings):.1f}")
    print(f"search_p95_ms: {p95(timings):.1f}")
    print(f"search_errors: {errors}")
    return errors


def measure(args: argparse.Namespace, url: str, log: IO[str]) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        started = time.perf_counter()
        with app.extensions["regie.engine"].begin() as connection:
            migrations.upgrade(url, connection)
        org_id, regie_id, family_ids, family_numbers, invoice_numbers = populate(args.families, args.agents)
        print(f"families: {args.families}")
        print(f"invoiced_families: {len(family_ids)}")
        print(f"setup_s: {time.perf_counter() - started:.1f}")
    with shared_server(url, log) as served:
        timings, errors = take_payments(served.port, args, org_id, regie_id, family_ids)
        search_errors = search(served.port, org_id, NAME_QUERIES + family_numbers + invoice_numbers)
    with app.app_context():
        discrepancies = check_books(org_id)
        recorded = db.session.scalar(sa.select(sa.func.count(Payment.id)).where(Payment.organisation_id == org_id))
        db.session.remove()
    app.extensions["regie.engine"].dispose()
    print(f"balances_exact: {'no' if discrepancies else 'yes'}")
    if discrepancies:
        print(f"discrepancies: {len(discrepancies)}")
    print(f"payments_recorded: {recorded}")
    print(f"payments_match: {'yes' if recorded == len(timings) else 'no'}")
    if errors or search_errors:
        print(f"server_log_tail:\n{tail(log)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=20_000)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--think", type=float, default=0, metavar="SECONDS",
                        help="mean wait of each agent between two payments (0: back to back)")
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    # The server's output (gunicorn's, huey's): its errors and tracebacks.
    with postgresql_database(args.database_url, DATABASE) as url, tempfile.TemporaryFile("w+") as log:
        measure(args, url, log)


if __name__ == "__main__":
    main()
