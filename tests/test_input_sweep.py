"""Implausible input, everywhere: every form of every page, every query parameter of every route and every id
in a path, sent NaN, infinities, exponents, foreign digits, NUL bytes, huge numbers, dates out of range,
invalid times and enormous strings. The app answers each with a page or a refusal, never a 500 nor a
logged exception, and a money form books nothing."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter, Rule

from tests.test_tenancy import _url
from webapp import db, forms
from webapp.attendance.models import Attendance, Presence
from webapp.attendance.services import set_attendance
from webapp.auth.models import Role, User
from webapp.counter.models import (
    AccountEntry,
    Allocation,
    Cancellation,
    CashClosing,
    Payment,
    SchoolYearClosure,
    WriteOff,
)
from webapp.errors import DomainError
from webapp.families.models import Child
from webapp.invoicing.services import create_period
from webapp.organisations.models import Organisation, Regie
from webapp.tariffs.services import create_activity

HUGE = "99999999999999999999"
NUL = "a\x00b"  # PostgreSQL refuses a NUL byte in text
ENORMOUS = ["x" * 5000, " ".join(["ab"] * 2000)]  # an enormous word, an enormous number of words
BAD_VALUES = [
    "NaN", "inf", "-Infinity", "1e3", "1E+30", "1e0",  # Decimal reads every one of these
    "١٢", "٥", "１２", "1_000",  # digits outside 0-9, and Python's underscores
    NUL, HUGE, f"-{HUGE}", "-1", "abc",  # beyond a 64-bit integer, negative, not a number
    "1999-12-31", "9999-12-31", "0001-01-01", "2026-02-30",  # dates outside the plausible range, or none
    "25:61", "10:00+01:00",  # an impossible time, a time with a zone
    *ENORMOUS,
]
# Fewer where many are one case, so that the sweep stays quick: in a list of choices, any of them is « not a
# choice »; in free text, the numbers matter only to a service that would read one there; a date is a date.
BAD_CHOICES = ["abc", HUGE, f"-{HUGE}", "١٢", "0", NUL]
BAD_TEXTS = ["NaN", "1e3", "١٢", HUGE, "-1", "1999-12-31", NUL, *ENORMOUS]
BAD_DATES = ["1999-12-31", "9999-12-31", "0001-01-01", "2026-02-30", "٢٠٢٦-٠٣-٠٢", "abc", HUGE, NUL, *ENORMOUS]
FREE_TEXT = {"text", "textarea", "email", "search", "password", "tel"}
# What a bad value must never book: money, and attendance (it is billed).
BOOKED = (Payment, AccountEntry, Allocation, Cancellation, WriteOff, CashClosing, SchoolYearClosure, Attendance)
BOOKING_PATHS = ("/caisse/", "/pointage/")
# Sent back as the page gave them: the CSRF token and the money forms' one-time token.
KEPT = {"csrf_token", "once"}
# Submitting these would end the session the sweep runs in.
SKIPPED_ACTIONS = ("/deconnexion",)


SELF_FILE = b"P1\t20260402\t20260403\t1\t\r\n"


@dataclass
class Input:
    name: str
    kind: str  # the input's type, or select / textarea
    value: str = ""
    checked: bool = False
    options: list[list[Any]] = field(default_factory=list)  # [value or None, selected, text]
    multiple: bool = False
    decimal: bool = False  # inputmode="decimal": an amount typed as text

    def choices(self) -> list[tuple[str, bool]]:
        return [(text.strip() if value is None else value, selected) for value, selected, text in self.options]

    def sent(self) -> list[Any]:
        """What a browser sends for this input as the page shows it (a file input: a small valid self file)."""
        if self.kind in ("checkbox", "radio"):
            return [self.value or "on"] if self.checked else []
        if self.kind == "select":
            chosen = [value for value, selected in self.choices() if selected]
            return chosen if self.multiple else chosen[:1] or [value for value, _ in self.choices()[:1]]
        if self.kind == "file":
            return [(io.BytesIO(SELF_FILE), "self.txt")]
        if self.kind in ("submit", "button", "reset", "image"):
            return []
        if self.kind == "textarea" and not self.value:  # a reason or a comment, often required
            return ["Saisie de contrôle"]
        return [self.value]

    def plausible(self) -> str:
        """A value this input could take: the first choice that is not blank, or its own."""
        return next((value for value, _ in self.choices() if value), self.value)

    @property
    def kept(self) -> bool:
        """Sent back as the page gave it: the CSRF token, and a one-time submission token."""
        return self.kind == "hidden" and self.name in KEPT

    def bad_values(self) -> list[str]:
        if self.kind in ("select", "checkbox", "radio"):
            return BAD_CHOICES
        if self.kind == "date":
            return BAD_DATES
        return BAD_TEXTS if self.books_when_plausible else BAD_VALUES

    @property
    def swept(self) -> bool:
        return not self.kept and self.kind not in ("submit", "button", "reset", "image")

    @property
    def books_when_plausible(self) -> bool:
        """Free text (any of the bad values may be a legitimate comment or name) and a box that any value ticks:
        the form may book with them."""
        return self.kind in FREE_TEXT and not self.decimal or self.kind in ("checkbox", "radio")


@dataclass
class Form:
    page: str
    action: str
    method: str
    multipart: bool
    htmx: bool  # sent by htmx (hx-post, hx-get), which asks for the fragment
    inputs: list[Input] = field(default_factory=list)

    def data(self, *extra: tuple[str, Any], **replaced: Any) -> MultiDict:
        pairs = []
        for item in self.inputs:
            if item.name in replaced:
                pairs.append((item.name, replaced[item.name]))
            else:
                pairs.extend((item.name, value) for value in item.sent())
        return MultiDict([*pairs, *extra])

    def send(self, sweep: Sweep, what: str, data: MultiDict, action: str | None = None, books: bool = True) -> Any:
        """Submitted as a browser would; `books=False`: a money form must book nothing with this data."""
        kw: dict[str, Any] = {"headers": {"HX-Request": "true"}} if self.htmx else {}
        if self.method == "get":  # the browser replaces the action's query with the form's fields
            return sweep.send(what, "GET", urlsplit(action or self.action).path, query_string=data, **kw)
        if self.multipart:
            kw["content_type"] = "multipart/form-data"
        books = books or not any(path in self.action for path in BOOKING_PATHS)
        return sweep.send(what, "POST", action or self.action, data=data, books=books, **kw)


class FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page, self.forms = page, []
        self.form: Form | None = None
        self.select: Input | None = None
        self.textarea: Input | None = None
        self.in_option = False

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        attrs = {name: value or "" for name, value in attributes}
        if tag == "form":
            action = attrs.get("action") or attrs.get("hx-post") or attrs.get("hx-get") or self.page
            method = attrs.get("method", "get").lower()
            self.form = Form(self.page, action, method, attrs.get("enctype", "") == "multipart/form-data",
                             "hx-post" in attrs or "hx-get" in attrs)
            self.forms.append(self.form)
        elif tag == "option" and self.select is not None:
            self.select.options.append([dict(attributes).get("value"), "selected" in attrs, ""])
            self.in_option = True
        elif self.form is None or "name" not in attrs:
            return
        elif tag == "input":
            self.form.inputs.append(Input(attrs["name"], attrs.get("type", "text").lower(), attrs.get("value", ""),
                                          "checked" in attrs, decimal=attrs.get("inputmode") == "decimal"))
        elif tag == "select":
            self.select = Input(attrs["name"], "select", multiple="multiple" in attrs)
            self.form.inputs.append(self.select)
        elif tag == "textarea":
            self.textarea = Input(attrs["name"], "textarea")
            self.form.inputs.append(self.textarea)

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.value += data
        if self.in_option and self.select is not None:
            self.select.options[-1][2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "option":
            self.in_option = False
        elif tag == "textarea" and self.textarea is not None:
            self.textarea.value = self.textarea.value.removeprefix("\r\n").removeprefix("\n")
            self.textarea = None


def forms_of(page: str, html: str) -> list[Form]:
    parser = FormParser(page)
    parser.feed(html)
    return parser.forms


# Which query parameters a view reads: recorded as it reads them.
_read: set[str] = set()


class RecordingArgs(ImmutableMultiDict):
    def __getitem__(self, key: Any) -> Any:
        _read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        _read.add(key)  # type: ignore[arg-type]
        return super().__contains__(key)

    def getlist(self, key: Any, type: Any = None) -> list[Any]:
        _read.add(key)
        return super().getlist(key, type)


@pytest.fixture
def recording(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.request_class, "parameter_storage_class", RecordingArgs)


@pytest.fixture
def world(make_world, make_user) -> tuple[User, dict[str, Any]]:
    """The shared world and its administrator, who also runs the server (the operator's pages have forms
    too); besides, an activity billed by time slots, the child's arrival and departure recorded (the grid then
    asks for them), and a period still open to imports."""
    values = make_world()
    org = db.session.get(Organisation, values["org_id"])
    regie = db.session.get(Regie, values["regie_id"])
    slots = create_activity(regie, {"name": "Garderie", "unit": "creneau", "accounting_code": "7066",
                                    "monthly_fee": None, "bill_unjustified_absence": False})
    set_attendance(db.session.get(Child, values["child_id"]), slots, date(2026, 3, 2), Presence.PRESENT,
                   arrival=time(8, 30), departure=time(9, 0))
    create_period(org, {"label": "Avril", "start_date": date(2026, 4, 1), "end_date": date(2026, 4, 30),
                        "invoice_date": date(2026, 5, 1), "due_date": date(2026, 5, 31)}, [regie], [])
    user = make_user(org, Role.ADMIN, is_operator=True)
    return user, {**values, "slot_activity_id": slots.id}


def _get_routes(app: Flask) -> Iterator[Rule]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint != "static" and "GET" in rule.methods:
            yield rule


def _path(rule: Rule, values: dict[str, Any]) -> str:
    """The rule's URL for the world's objects; an argument the world does not know gets a word (a 404)."""
    return _url(rule, {**{name: "x" for name in rule.arguments}, **values})


class Sweep:
    """Sends each request on the world as the fixture built it (a savepoint rolled back afterwards, so that
    one accepted submission, a write-off, say, leaves nothing for the next to act on); each 500, exception
    or booking becomes a line of the report asserted at the end."""

    def __init__(self, client: Any, caplog: pytest.LogCaptureFixture) -> None:
        self.client, self.caplog, self.failures, self.sent = client, caplog, [], 0

    def send(self, what: str, method: str, url: str, *, books: bool = True, **kw: Any) -> Any:
        self.sent += 1
        savepoint = db.session.get_bind().begin_nested()
        before = None if books else _booked()
        try:
            response = self.client.open(url, method=method, **kw)
        except Exception as error:  # each one is reported, and the sweep goes on
            first_line = (str(error).splitlines() or [""])[0][:160]
            self.failures.append(f"{method} {url[:100]} {what}: raised {type(error).__name__}: {first_line}")
            return None
        else:
            if response.status_code >= 500:
                self.failures.append(f"{method} {url[:100]} {what}: answered {response.status_code}")
            if before is not None and _booked() != before:
                self.failures.append(f"{method} {url[:100]} {what}: booked")
            return response
        finally:
            db.session.remove()
            savepoint.rollback()

    def check(self) -> None:
        logged = [f"logged: {r.getMessage()[:200]}" for r in self.caplog.records if r.levelno >= logging.ERROR]
        report = sorted(set(self.failures)) + logged
        assert not report, f"{len(report)} failure(s) in {self.sent} requests:\n" + "\n".join(report[:100])


def _shown(value: str) -> str:
    return repr(value if len(value) < 30 else value[:12] + "…")


def _pages(sweep: Sweep, app: Flask, values: dict[str, Any]) -> list[tuple[str, str]]:
    """Every page a GET route answers, plus those whose forms only appear with a query or after a first step:
    the attendance grid of an activity by time slots, and the preview of an uploaded self file."""
    urls = [_path(rule, values) for rule in _get_routes(app)]
    urls += [f"/o/{values['org_id']}/pointage/?activity_id={values[activity]}&day=2026-03-02"
             for activity in ("activity_id", "slot_activity_id")]
    pages = []
    for url in urls:
        response = sweep.send("page", "GET", url)
        if response is not None and response.status_code == 200 and response.mimetype == "text/html":
            pages.append((url, response.get_data(as_text=True)))
    for url, html in list(pages):
        for form in forms_of(url, html):
            if any(item.kind == "file" for item in form.inputs):
                response = form.send(sweep, "upload", form.data())
                if response is not None and response.status_code == 200:
                    pages.append((form.action, response.get_data(as_text=True)))
    return pages


def _forms(sweep: Sweep, app: Flask, values: dict[str, Any]) -> list[Form]:
    """Each distinct form once (the same form on two pages, or twice on one, is swept once)."""
    found: dict[tuple[Any, ...], Form] = {}
    for url, html in _pages(sweep, app, values):
        for form in forms_of(url, html):
            action = urlsplit(form.action).path if form.method == "get" else form.action  # a GET form drops the query
            if not urlsplit(form.action).path.endswith(SKIPPED_ACTIONS):
                found.setdefault((action, form.method, tuple(i.name for i in form.inputs)), form)
    return list(found.values())


def _booked() -> tuple[int, ...]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in BOOKED)


def test_every_query_parameter_refuses_bad_values(app, client, login, world, recording, caplog):
    """Each parameter a view reads, or a link or a filter form of the app sends, with each bad value in turn
    (the link's or the form's other parameters kept)."""
    user, values = world
    login(user)
    sweep = Sweep(client, caplog)
    targets: dict[tuple[str, str], dict[str, str]] = {}  # (path, parameter) -> the other parameters sent with it

    def target(url: str, given: dict[str, str], names: Iterable[str]) -> None:
        for name in names:
            targets.setdefault((urlsplit(url).path, name), given)

    for rule in _get_routes(app):
        _read.clear()
        url = _path(rule, values)
        sweep.send("page", "GET", url)
        target(url, {}, set(_read))
    for url, html in _pages(sweep, app, values):
        for form in forms_of(url, html):
            if form.method == "get":
                given = dict(form.data())
                target(form.action, given, given)
        for link in re.findall(r'(?:href|hx-get|hx-post|action)="([^"]*\?[^"]+)"', html):
            given = dict(parse_qsl(urlsplit(link.replace("&amp;", "&")).query, keep_blank_values=True))
            target(link, given, given)
    assert {"page", "annee", "jour", "day", "activity_id", "regie", "q", "amount"} <= {name for _, name in targets}
    for (path, name), given in targets.items():
        for bad in BAD_VALUES:
            sweep.send(f"?{name}={_shown(bad)}", "GET", path, query_string={**given, name: bad})
    sweep.check()


def test_every_form_field_refuses_bad_values(app, client, login, world, caplog):
    """Each field of each form, hidden ones included, with each bad value in turn, the other fields as the
    page filled them; the parameters of the form's action; and keys that name a row by an id that is not one
    (presence-abc)."""
    user, values = world
    login(user)
    sweep = Sweep(client, caplog)
    forms = _forms(sweep, app, values)
    assert len(forms) > 20
    for form in forms:
        for item in filter(lambda item: item.swept, form.inputs):
            for bad in item.bad_values():
                sent = (io.BytesIO(bad.encode()), f"{bad[:50]}.txt") if item.kind == "file" else bad
                form.send(sweep, f"{item.name}={_shown(bad)}", form.data(**{item.name: sent}),
                          books=item.books_when_plausible)
        split = urlsplit(form.action)
        given = parse_qsl(split.query, keep_blank_values=True) if form.method == "post" else []
        chosen = form.data(**{item.name: item.plausible() for item in form.inputs if item.kind == "select"})
        for name in dict(given):
            for bad in BAD_VALUES:
                action = f"{split.path}?{urlencode([*[(k, v) for k, v in given if k != name], (name, bad)])}"
                form.send(sweep, f"?{name}={_shown(bad)}", chosen, action, books=False)
        for item in form.inputs:
            if match := re.fullmatch(r"(.+-)[0-9]+", item.name):
                for bad in ("abc", "١٢", HUGE, "-1", "", "1\x00"):
                    form.send(sweep, f"key {match.group(1)}{_shown(bad)}",
                              form.data((match.group(1) + bad, item.plausible())))
    sweep.check()


def test_every_argument_in_a_path_refuses_bad_values(app, client, login, world, caplog):
    """An id beyond the database's integers is no object: 404, like any unknown id (405 where another route
    of the same path takes the other method). Any other argument (a day, a kind of document, a token) takes
    the bad values too."""
    user, values = world
    login(user)
    sweep = Sweep(client, caplog)
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            numbers = isinstance(converter, IntegerConverter)
            for bad in (HUGE, "9223372036854775808", "2147483648") if numbers else BAD_DATES + BAD_TEXTS:
                url = _path(rule, {**values, name: quote(bad, safe="")})
                for method in sorted(rule.methods & {"GET", "POST"}):
                    response = sweep.send(f"<{name}>={_shown(bad)}", method, url,
                                          data={"csrf_token": client.csrf_token})
                    if numbers and response is not None and response.status_code not in (400, 404, 405):
                        sweep.failures.append(f"{method} {url}: {response.status_code} for <{name}>={bad}")
    sweep.check()


def test_forms_before_login_refuse_bad_values(app, client, caplog):
    """The pages one reaches before logging in: the login form, at least."""
    sweep = Sweep(client, caplog)
    for rule in _get_routes(app):
        if rule.arguments:
            continue
        response = sweep.send("page", "GET", rule.rule)
        if response is None or response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in forms_of(rule.rule, response.get_data(as_text=True)):
            for item in filter(lambda item: item.swept, form.inputs):
                for bad in item.bad_values():
                    form.send(sweep, f"{item.name}={_shown(bad)}", form.data(**{item.name: bad}))
    sweep.check()


@pytest.mark.parametrize("typed, amount", [
    ("1 234,50", Decimal("1234.50")), ("1234.50", Decimal("1234.50")), ("850,50 €", Decimal("850.50")),
    ("1\u202f234,5", Decimal("1234.5")), ("-3", Decimal("-3")), (",5", Decimal("0.5")), (" ", None),
])
def test_an_amount_is_ascii_digits_with_a_comma_or_a_point(typed, amount):
    assert forms.parse_decimal(typed) == amount


@pytest.mark.parametrize("typed, reason", [
    ("NaN", "en chiffres"), ("inf", "en chiffres"), ("1e3", "en chiffres"), ("1E+30", "en chiffres"),
    ("١٢", "en chiffres"), ("１２", "en chiffres"), ("1_000", "en chiffres"), ("1.234,50", "en chiffres"),
    ("12,345", "2 chiffres au plus après la virgule"), ("123456789", "8 chiffres au plus avant la virgule"),
])
def test_anything_else_is_refused_with_its_reason(typed, reason):
    with pytest.raises(ValueError, match=reason):
        forms.parse_decimal(typed)
    with pytest.raises(DomainError, match=f"n'est pas un montant : .*{reason}"):
        forms.french_decimal(typed, "share-1")


def test_refusals_name_what_they_refuse(client, login, world):
    user, values = world
    login(user)
    org = f"/o/{values['org_id']}"

    def page(response: Any, status: int) -> str:
        assert response.status_code == status, response.status_code
        return response.get_data(as_text=True)

    assert "« q »" in page(client.get(f"{org}/familles/", query_string={"q": NUL}), 400)
    assert "« annee »" in page(client.get(f"{org}/caisse/etat", query_string={"annee": "99999"}), 400)
    assert "« jour »" in page(client.get(f"{org}/caisse/journal", query_string={"jour": "0001-01-01"}), 400)
    assert "DUPONT" in page(client.get(f"{org}/familles/", query_string={"page": "4000"}), 200)  # the last page
    grid = f"{org}/pointage/?activity_id={values['activity_id']}&day=2026-03-02"
    assert "« presence-abc »" in page(client.post_form(grid, {"presence-abc": "present"}), 400)
    pay = f"{org}/caisse/familles/{values['family_id']}/regies/{values['regie_id']}/reglement"
    refused = page(client.post_form(pay, {"mode": "especes", "amount": "1e0", "received_on": "1999-12-31"}), 422)
    assert "Saisissez un nombre en chiffres, par exemple 850,50 (Montant)." in refused
    assert "Date : le 31/12/1999 est trop ancien" in refused
