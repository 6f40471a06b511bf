"""The shared server on loopback, for the smoke test (tests/test_stack.py) and the counter benchmark: a
PostgreSQL database of its own, `make serve` on a free port with its job runner on a Redis server of its own,
a browser that sends each form back with its hidden inputs, and a small organisation to work on."""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from types import SimpleNamespace
from typing import IO
from urllib.parse import urlencode

import sqlalchemy as sa

from tests.fixtures import PASSWORD, VALID_REGIE
from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.auth.models import Role
from webapp.auth.services import create_user, grant
from webapp.families.services import add_child, create_family
from webapp.invoicing.services import compute_batch, create_period, number_batch
from webapp.organisations.services import create_organisation, create_regie
from webapp.tariffs.services import create_activity, create_tariff

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 120  # migrations and four workers on a CI machine's two busy cores


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(log: IO[str]) -> str:
    log.seek(0)
    return log.read()[-3000:]


def _wait_for(port: int, process: subprocess.Popen, log: IO[str], name: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} stopped:\n{tail(log)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not answer in {STARTUP_SECONDS} s:\n{tail(log)}")


@contextmanager
def postgresql_database(server_url: str, name: str) -> Iterator[str]:
    """A new database on that server, for its URL; dropped afterwards, whoever is still connected."""
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@dataclass(frozen=True)
class Served:
    port: int
    redis_url: str


@contextmanager
def shared_server(database_url: str, log: IO[str], web_workers: int = 4) -> Iterator[Served]:
    """`make serve` on a free loopback port. Its job queue is on a Redis server started for it alone, so no
    other consumer takes its jobs and it takes no one else's. Everything is stopped at the end."""
    redis_port, port = free_port(), free_port()
    redis = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "",
                              "--appendonly", "no"], stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for(redis_port, redis, log, "redis-server")
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        env = {**os.environ, "DATABASE_URL": database_url, "REGIE_JOBS_REDIS_URL": redis_url,
               "REGIE_SECRET_KEY": secrets.token_hex(16)}
        # A session of its own: stopping it reaches make, gunicorn and huey alike.
        server = subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"BIND=127.0.0.1:{port}", f"WEB_WORKERS={web_workers}",
             "JOB_WORKERS=1"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_for(port, server, log, "make serve")
            yield Served(port, redis_url)
        finally:
            with suppress(ProcessLookupError):  # all gone already when it failed to start
                os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
    finally:
        redis.terminate()
        redis.wait(timeout=10)


class _Forms(HTMLParser):
    """Each form of a page: the names of its fields, and the values of its hidden inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[set[str], dict[str, str]]] = []
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append((set(), {}))
            self.inside = True
        elif self.inside and tag in ("input", "select", "textarea", "button") and attributes.get("name"):
            fields, hidden = self.forms[-1]
            fields.add(attributes["name"])
            if tag == "input" and (attributes.get("type") or "").lower() == "hidden":
                hidden[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def hidden_inputs(page: str, field: str) -> dict[str, str]:
    """The hidden inputs of the page's form that has `field` (the CSRF token, a one-time submission token,
    whatever a form gains next), which a browser sends back with what was typed."""
    parser = _Forms()
    parser.feed(page)
    for fields, hidden in parser.forms:
        if field in fields:
            return hidden
    raise LookupError(f"no form with a field named {field!r} on the page")


class Browser:
    """One person's cookies, a fresh connection per request (the session cookie is Secure: sent over plain
    HTTP to the local server all the same)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                htmx: bool = False) -> tuple[int, http.client.HTTPMessage, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if htmx:
            headers["HX-Request"] = "true"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request(method, path, urlencode(form) if form is not None else None, headers)
            response = connection.getresponse()
            body = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.update((m.key, m.value) for m in SimpleCookie(header).values())
        return response.status, response.headers, body

    def login(self, email: str, password: str) -> None:
        _, _, page = self.request("GET", "/connexion")
        status, _, _ = self.request("POST", "/connexion",
                                    {**hidden_inputs(page, "password"), "email": email, "password": password})
        if status != 303:
            raise RuntimeError(f"login of {email} answered {status}")


def billed_family() -> SimpleNamespace:
    """An organisation with one régie and an agent (password tests.fixtures.PASSWORD), and a family whose child
    ate three canteen meals at 4.00 in March 2026, billed on one numbered invoice: made through the services,
    as the screens make them. The caller commits."""
    org = create_organisation({"name": "Commune de Froges", "kind": "commune", "country": "FR"})
    regie = create_regie(org, {"name": "Restauration scolaire", "invoice_prefix": "CANT", **VALID_REGIE["FR"]})
    agent = create_user({"email": "agent@froges.example.fr", "full_name": "Agathe Agent", "password": PASSWORD})
    grant(agent, org, Role.AGENT)
    family = create_family(org, {"number": "", "direct_debit": False, "quotient": None, "quotient_valid_from": None,
                                 "quotient_valid_to": None, "tariff_category": "", "note": ""},
                           {"civility": "Mme", "last_name": "Bernard", "first_name": "Hélène", "email": ""})
    child = add_child(family, {"last_name": "Bernard", "first_name": "Léo"})
    canteen = create_activity(regie, {"name": "Cantine", "unit": "repas", "accounting_code": "7067",
                                      "monthly_fee": None, "bill_unjustified_absence": True})
    create_tariff(canteen, {"label": "Repas", "valid_from": date(2026, 1, 1), "valid_to": None, "qf_min": None,
                            "qf_max": None, "category": "", "rank_from": None, "rank_to": None, "mode": "unitaire",
                            "price": Decimal("4.00")})
    for day in (2, 3, 5):
        set_attendance(child, canteen, date(2026, 3, day), Presence.PRESENT)
    period = create_period(org, {"label": "Mars 2026", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                 "invoice_date": date(2026, 4, 2), "debit_date": None, "due_date": date(2026, 4, 30),
                                 "regularisation_from": None, "fiscal_year": None}, [regie], [])
    batch = period.batches[0]
    compute_batch(batch)
    (invoice,) = number_batch(batch)
    return SimpleNamespace(org=org, regie=regie, agent=agent, family=family, invoice=invoice)
