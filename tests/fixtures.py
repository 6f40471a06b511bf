"""Test fixtures, loaded as a pytest plugin: one migrated database per run, one transaction per test.

DATABASE_URL selects PostgreSQL; without it the run uses a fresh SQLite file.
"""

from __future__ import annotations

import email
import email.policy
import itertools
import secrets
import tempfile
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

# The job queue's SQLite file is chosen when webapp.jobs.queue is imported: keep it out of the repository.
os.environ.setdefault("REGIE_JOBS_SQLITE", os.path.join(tempfile.mkdtemp(prefix="regie-jobs-"), "jobs.sqlite3"))

from webapp import create_app, db, mail, make_engine, migrations, submissions  # noqa: E402
from webapp.auth.models import Invitation, Role, User
from webapp.auth.services import create_user, grant
from webapp.bank.models import BankMovement
from webapp.bank.services import import_file as bank_import
from webapp.families.models import Family
from webapp.db import utcnow
from webapp.families.services import create_family
from webapp.organisations.models import Organisation, Regie
from webapp.organisations.services import create_organisation, create_regie
from webapp.tariffs.services import create_activity, create_tariff
from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.counter.models import PaymentMode
from webapp.counter.services import record_payment
from webapp.counter.slips import create_slip
from webapp.debits.mandates import create_mandate
from webapp.debits.runs import build as build_debits, prepare_run
from webapp.families.services import add_child
from webapp.formatting import today
from webapp.imports.services import import_file
from webapp.invoicing.services import compute_batch, create_period, number_batch
from webapp.invoicing.jobs import start as start_job
from webapp.plans.services import create_plan
from webapp.reminders.levels import add_level
from webapp.reminders.runs import open_run as open_reminders, validate as validate_reminders
from webapp.treasury.rolls import export_roll
from webapp.treasury.runs import open_run

PASSWORD = "mot-de-passe-de-test"
# A régie's treasury codes, as the accounting service gives them (mise en titre, ORMC roll of a lot).
TREASURY = {"treasury_office": "061090", "treasury_collectivity": "020", "treasury_budget": "00",
            "treasury_product": "CANT", "roll_format": "pes", "roll_collectivity": "20", "roll_nature": "12"}
VALID_REGIE = {
    "FR": {"iban": "FR7630006000011234567890189", "bic": "BDFEFRPPCCT", "creditor_id": "FR72ZZZ123456",
           "company_number": "21380123600018"},
    "BE": {"iban": "BE09091012234557", "bic": "GKCCBEBB", "creditor_id": "BE13ZZZ0216754319",
           "company_number": "0216754319"},
}


def _reset_postgresql(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    if engine.dialect.name == "postgresql":
        _reset_postgresql(engine)
    with engine.begin() as conn:
        migrations.upgrade(database_url, conn)
    yield engine
    engine.dispose()


@contextmanager
def own_schema(engine: sa.Engine, name: str, *, migrate: bool = True) -> Iterator[sa.Engine]:
    """A PostgreSQL schema of its own, outside the per-test transaction: for real concurrent connections, or
    for a database as it was before some migration. Dropped afterwards."""
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    own = sa.create_engine(engine.url, connect_args={"options": f"-csearch_path={name}"})
    try:
        if migrate:
            with own.begin() as conn:
                migrations.upgrade(own.url.render_as_string(hide_password=False), conn)
        yield own
    finally:
        own.dispose()
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")


@contextmanager
def _bound_to(own: sa.Engine) -> Iterator[sa.Engine]:
    db.session.remove()
    db.session.configure(bind=own, join_transaction_mode="rollback_only")
    yield own
    db.session.remove()


@pytest.fixture
def parallel_engine(engine: sa.Engine, tmp_path: Any) -> Iterator[sa.Engine]:
    """Committed work and real connections at once, on the database under test: a schema of its own on
    PostgreSQL, a file of its own on SQLite."""
    if engine.dialect.name == "postgresql":
        with own_schema(engine, "parallel") as own, _bound_to(own):
            yield own
        return
    url = f"sqlite:///{tmp_path / 'parallel.sqlite3'}"
    own = make_engine(url)
    with own.begin() as conn:
        migrations.upgrade(url, conn)
    with _bound_to(own):
        yield own
    own.dispose()


@pytest.fixture
def race_engine(engine: sa.Engine, request: pytest.FixtureRequest) -> sa.Engine:
    """Two real connections racing for PostgreSQL's row locks (SQLite serialises writers itself)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the row locks under test are PostgreSQL's; SQLite serialises writers itself")
    return request.getfixturevalue("parallel_engine")


def in_parallel(*actions: Callable[[], object], stagger: float = 0.0, hold: float = 0.3) -> list[BaseException | None]:
    """Each action on its own connection (a thread and its session), started together, the n-th `n × stagger`
    seconds late; each keeps its locks `hold` seconds before it commits, so that the others ask for them
    meanwhile. Returns what each one raised, or None."""
    barrier = threading.Barrier(len(actions))
    outcome: list[BaseException | None] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            barrier.wait()
            time.sleep(index * stagger)
            action()
            time.sleep(hold)
            db.session.commit()
        except BaseException as error:  # reported to the test, never lost in the thread
            db.session.rollback()
            outcome[index] = error
        finally:
            db.session.remove()

    threads = [threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcome


@pytest.fixture(scope="session")
def app(engine: sa.Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "SERVER_NAME": "regie.test",
        "BASE_URL": "https://regie.test",
        "PAYFIP_OFFER_TEST_MODE": True,
        "IMPORT_FOLDER": str(tmp_path_factory.mktemp("imports")),
        "EXPORT_FOLDER": str(tmp_path_factory.mktemp("exports")),
    })


@pytest.fixture(autouse=True)
def session(engine: sa.Engine) -> Iterator[Any]:
    """Everything a test does, requests included, happens inside one transaction rolled back at the end."""
    connection = engine.connect()
    outer = connection.begin()
    db.session.remove()
    db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield db.session
    finally:
        db.session.remove()
        outer.rollback()
        connection.close()
        db.session.configure(bind=None)


_counter = itertools.count(1)


@pytest.fixture
def make_org() -> Any:
    def make(country: str = "FR", **kw: Any) -> Organisation:
        n = next(_counter)
        org = create_organisation({"name": kw.pop("name", f"Commune {n}"), "kind": kw.pop("kind", "commune"),
                                   "country": country})
        return org

    return make


@pytest.fixture
def make_regie() -> Any:
    def make(org: Organisation, **kw: Any) -> Regie:
        n = next(_counter)
        data = {"name": f"Régie {n}", "invoice_prefix": f"R{n}", **VALID_REGIE[org.country], **kw}
        return create_regie(org, data)

    return make


@pytest.fixture
def make_user() -> Any:
    def make(org: Organisation | None = None, role: Role = Role.ADMIN, **kw: Any) -> User:
        n = next(_counter)
        user = create_user({"email": f"user{n}@example.org", "full_name": f"Utilisateur {n}",
                            "password": PASSWORD, **kw})
        if org is not None:
            grant(user, org, role, kw.get("regies"))
        return user

    return make


@pytest.fixture
def make_family() -> Any:
    def make(org: Organisation, last_name: str = "Dupont", first_name: str = "Hélène", **kw: Any) -> Family:
        family_fields = {"number": "", "direct_debit": False, "quotient": None, "quotient_valid_from": None,
                         "quotient_valid_to": None, "tariff_category": "", "note": ""}
        family_data = {k: kw.pop(k, v) for k, v in family_fields.items()}
        payer = {"civility": "Mme", "last_name": last_name, "first_name": first_name, "email": "", **kw}
        return create_family(org, family_data, payer)

    return make


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> list[EmailMessage]:
    """The messages handed to the job runner once their transaction committed, instead of queued."""
    sent: list[EmailMessage] = []
    monkeypatch.setattr(mail, "deliver_later",
                        lambda data: sent.append(email.message_from_bytes(data, policy=email.policy.default)))
    return sent


def link_in(message: EmailMessage) -> str:
    """The path of the one link a message carries."""
    match = re.search(r"https?://[^/\s]+(/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


class Client(FlaskClient):
    """A test client that logs in and sends the CSRF token the way the pages do."""

    csrf_token: str | None = None

    def fetch_csrf(self) -> str:
        html = self.get("/connexion", follow_redirects=True).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
            r'"X-CSRFToken": "([^"]+)"', html
        )
        assert match, "no CSRF token on the login page"
        self.csrf_token = match.group(1)
        return self.csrf_token

    def login(self, user: User, password: str = PASSWORD) -> Any:
        self.fetch_csrf()
        response = self.post("/connexion", data={"email": user.email, "password": password,
                                                 "csrf_token": self.csrf_token})
        if response.status_code == 303:
            self.fetch_csrf()  # the login draws a new token
        return response

    def post_form(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        """With the CSRF token, and a new one-time token unless the test names one (a money form sent twice)."""
        return self.post(url, data={"once": self.once(), **(data or {}), "csrf_token": self.csrf_token}, **kw)

    def once(self) -> str:
        """A one-time token, as a money form carries it."""
        return submissions.new_token(self.application.config["SECRET_KEY"])


@pytest.fixture
def client(app: Flask) -> Client:
    # Not used as a context manager: a preserved request context would tear the session down at the
    # start of the next request, throwing away what the test flushed in between.
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def login(client: Client) -> Any:
    def do(user: User) -> Client:
        response = client.login(user)
        assert response.status_code == 303, response.get_data(as_text=True)
        return client

    return do


@pytest.fixture
def make_activity() -> Any:
    def make(regie: Regie, **kw: Any) -> Any:
        n = next(_counter)
        data = {"name": f"Activité {n}", "unit": "repas", "accounting_code": "7067", "monthly_fee": None,
                "bill_unjustified_absence": True, **kw}
        return create_activity(regie, data)

    return make


@pytest.fixture
def make_tariff() -> Any:
    def make(activity: Any, **kw: Any) -> Any:
        data = {"label": "", "valid_from": date(2026, 1, 1), "valid_to": None, "qf_min": None, "qf_max": None,
                "category": "", "rank_from": None, "rank_to": None, "mode": "unitaire", **kw}
        return create_tariff(activity, data)

    return make


def _invitation(org: Organisation) -> Invitation:
    """A pending invitation, as `invite` leaves it (without its e-mail, which needs a request)."""
    invitation = Invitation(organisation_id=org.id, email=f"invite-{org.id}@example.org", role=Role.AGENT,
                            regie_ids=[], token_hash=secrets.token_hex(32), expires_at=utcnow() + timedelta(days=7))
    db.session.add(invitation)
    db.session.flush()
    return invitation


# A one-movement OFX statement of the French test régie's account (VALID_REGIE): a transfer nothing matches.
OFX_WORLD = (b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nENCODING:USASCII\nCHARSET:1252\n\n<OFX><BANKMSGSRSV1>"
             b"<STMTTRNRS><STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>30006<BRANCHID>00001<ACCTID>12345678901"
             b"</BANKACCTFROM><BANKTRANLIST><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261110<TRNAMT>5,00<FITID>W1"
             b"<NAME>VIR DUPONT</STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>")


@pytest.fixture
def make_world(make_org, make_regie, make_user, make_family, make_activity, make_tariff) -> Any:
    """An organisation with one object of every kind a URL names, each in use (a numbered invoice partly paid,
    a slip, a job…): returns their ids under the names of the URL arguments, for sweeps over every route."""

    def world() -> dict[str, Any]:
        org = make_org()
        regie = make_regie(org)
        family = make_family(org)
        child = add_child(family, {"last_name": "Dupont", "first_name": "Léo", "canteen_id": "P1"})
        member = make_user(org, Role.AGENT)
        activity = make_activity(regie)
        tariff = make_tariff(activity, price=Decimal("2.50"))
        set_attendance(child, activity, date(2026, 3, 2), Presence.PRESENT)
        # A second family of March pays by a plan: an invoice a plan pays is not debited.
        planned = add_child(make_family(org, "Martin", "Anne"), {"last_name": "Martin", "first_name": "Lou"})
        set_attendance(planned, activity, date(2026, 3, 2), Presence.PRESENT)
        period = create_period(org, {"label": "Mars", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                     "invoice_date": date(2026, 4, 1), "due_date": date(2026, 4, 30)}, [regie], [])
        imported = import_file(org, period, activity, "self.txt", b"P1\t20260302\t20260306\t2\t\r\n")
        invoice, planned_invoice = sorted(compute_batch(period.batches[0]), key=lambda i: i.family_id != family.id)
        number_batch(period.batches[0])
        payment = record_payment(regie, family, {"mode": "especes", "amount": Decimal("1.00"),
                                                 "received_on": today()})
        slip = create_slip(regie, PaymentMode.CASH)
        statement = bank_import(regie, "releve.ofx", OFX_WORLD.replace(b"W1", f"W{org.id}".encode())).statements[0]
        movement = db.session.scalar(sa.select(BankMovement).where(BankMovement.statement_id == statement.id))
        # Reminded before March is debited: an invoice being debited, or rolled, is not reminded.
        level = add_level(regie, {"rank": 1, "delay_days": 0})
        reminder_run = open_reminders(regie, {"reference_date": date(2026, 6, 30)})
        validate_reminders(reminder_run)
        plan = create_plan(regie, planned.family, {"invoice_ids": [planned_invoice.id], "count": 2,
                                                   "first_due_on": today()})
        mandate = create_mandate(regie, family, {"holder": "Mme Dupont", "iban": "FR7630004000010001234567830",
                                                 "signed_on": date(2026, 9, 1), "town": "Marville"})
        run = prepare_run(period.batches[0], {})
        (debit_file,) = build_debits(run)
        treasury_run = open_run(regie, {"reference_date": date(2026, 3, 31), "bordereau_number": 1,
                                        "first_title_number": 1})
        for name, value in TREASURY.items():
            setattr(regie, name, value)
        family.payer.address_line1, family.payer.postcode, family.payer.city = "1 place de la Mairie", "61000", "Alençon"
        # April goes out as a roll: a lot is either debited (March, above) or rolled, never both.
        set_attendance(child, activity, date(2026, 4, 1), Presence.PRESENT)
        april = create_period(org, {"label": "Avril", "start_date": date(2026, 4, 1), "end_date": date(2026, 4, 30),
                                    "invoice_date": date(2026, 5, 1), "due_date": date(2026, 5, 31)}, [regie], [])
        compute_batch(april.batches[0])
        number_batch(april.batches[0])
        roll = export_roll(april.batches[0])
        return {"reminder_run_id": reminder_run.id, "level_id": level.id, "plan_id": plan.id,
                "statement_id": statement.id, "movement_id": movement.id, "payment_id": payment.id,
                "slip_id": slip.id, "day": today().isoformat(), "org_id": org.id,
                "title_run_id": treasury_run.id, "export_id": roll.id,
                "regie_id": regie.id, "family_id": family.id, "guardian_id": family.payer.id, "child_id": child.id,
                "membership_id": member.membership_in(org.id).id, "organisation_id": org.id,
                "activity_id": activity.id, "tariff_id": tariff.id, "batch_id": period.batches[0].id,
                "invoice_id": invoice.id, "import_id": imported.id, "period_id": period.id,
                "job_id": start_job("notify", period.batches[0]).id, "kind": "pdf",
                "invitation_id": _invitation(org).id, "mandate_id": mandate.id, "run_id": run.id,
                "file_id": debit_file.id, "item_id": run.collected[0].id}

    return world
