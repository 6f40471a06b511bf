"""Defaults; then `instance/regie.cfg` if present; then REGIE_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path


class Defaults:
    # Lets `flask demo seed` create the demo accounts, whose password is published (`make run` sets it).
    DEMO = False
    SQLALCHEMY_ECHO = False
    WTF_CSRF_TIME_LIMIT = None  # a boosted page keeps its token for the whole session
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    # After this many failed logins in a row, each further try on the account waits, the delay doubling from the
    # first to the longest; an administrator can end it. Failures per address are limited within the window.
    LOGIN_MAX_FAILURES = 5
    LOGIN_FIRST_DELAY_SECONDS = 60
    LOGIN_LONGEST_DELAY_MINUTES = 60
    LOGIN_MAX_FAILURES_PER_IP = 30
    LOGIN_WINDOW_MINUTES = 15
    LOGIN_ATTEMPTS_KEEP_DAYS = 30
    # Behind a reverse proxy: how many proxies set X-Forwarded-For and X-Forwarded-Proto. 0 trusts none (a client
    # could otherwise forge its address); with a proxy and 0, every commune shares the proxy's address.
    PROXY_FIX_X_FOR = 0
    # The address families and agents reach the app at: every link in an e-mail starts with it, never with the Host
    # a request claims (a forged Host would send a reset link to someone else's server). TRUSTED_HOSTS, when set
    # (a list), refuses requests for any other host.
    BASE_URL = "http://127.0.0.1:5000"
    TRUSTED_HOSTS = None
    # The largest request accepted (an upload included): one file must not take down a shared server.
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    FAMILIES_PER_PAGE = 25
    # Where an uploaded file waits between its preview and its confirmation (default: instance/imports).
    IMPORT_FOLDER = None
    # Where background jobs leave the files they produce (default: instance/exports).
    EXPORT_FOLDER = None
    # Outgoing mail for the invoice notices and the reminders, sent by the job runner in throttled groups of
    # NOTIFY_GROUP_SIZE messages, NOTIFY_GROUP_PAUSE seconds apart.
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = "regie@localhost"
    NOTIFY_GROUP_SIZE = 20
    NOTIFY_GROUP_PAUSE = 2.0
    # A running job silent for this long was killed (a restart, a crash): it is marked failed and can be restarted.
    JOB_STALE_MINUTES = 10
    # Belgian consumer debts (Code de droit économique, livre XIX, loi du 4 mai 2023): the first reminder is free,
    # later ones cost at most this much (postage apart), and the flat indemnity is capped by brackets of the debt
    # (up to the amount: fixed part + rate of the part above the previous bracket), never above the maximum.
    # Amounts the law changes: configuration, not code.
    BE_REMINDER_FEE_MAX = "7.50"
    BE_INDEMNITY_BRACKETS = [("150.00", "20.00", "0"), ("500.00", "30.00", "0.10"), (None, "65.00", "0.05")]
    BE_INDEMNITY_MAX = "2000.00"
    BE_REMINDER_DAYS_TO_PAY = 14
    # A regular service (canteen, care): a family's first reminders of a calendar year at a régie are free, fee
    # included; the later ones cost the level's fee (at most BE_REMINDER_FEE_MAX).
    BE_FREE_REMINDERS_PER_YEAR = 3
    # The accounting code of a reminder's fee line, by the organisation's country: the commune's chart of accounts
    # may name another one (instance file).
    REMINDER_FEE_ACCOUNTING_CODE = {"FR": "7588", "BE": "161-01"}
    # PayFiP (online payment of French régies): its web service's WSDL (None: the copy eopayment ships, which names
    # the DGFiP's server) and the page the family is sent to. Tests and `make run` point both at a local fake.
    PAYFIP_WSDL_URL = None
    PAYFIP_PAYMENT_URL = "https://www.payfip.gouv.fr/tpa/paiementws.web"
    # PayFiP's test mode (« T ») books nothing real at the DGFiP: a régie in test mode shows no payment link, but
    # for the demo and the tests, which set this.
    PAYFIP_OFFER_TEST_MODE = False
    # How long the payment link of an invoice stays valid.
    ONLINE_LINK_DAYS = 120
    # A bank file with at least this many movements is imported by the job runner.
    BANK_JOB_MOVEMENTS = 2000
    # Beyond this many attendances to read, a batch is computed by the job runner, not in the request.
    COMPUTE_INLINE_LIMIT = 20_000


def database_url(instance_path: str) -> str:
    """DATABASE_URL wins; else an SQLite file under instance/."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{Path(instance_path) / 'regie.sqlite3'}"
