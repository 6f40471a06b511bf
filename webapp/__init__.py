"""Régie: the Flask application factory, an ordered list of configure steps."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, g, has_request_context, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp import db, formatting, guards, headers, htmx
from webapp.config import Defaults, database_url
from webapp.extensions import babel, csrf, login_manager
from webapp.extensions import htmx as htmx_extension


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    configure_settings(app, config or {})
    configure_database(app)
    configure_extensions(app)
    configure_blueprints(app)
    configure_errors(app)
    configure_cli(app)
    return app


def configure_settings(app: Flask, overrides: dict[str, Any]) -> None:
    app.config.from_object(Defaults)
    app.config.from_pyfile("regie.cfg", silent=True)
    app.config.from_prefixed_env("REGIE")
    app.config.setdefault("DATABASE_URL", database_url(app.instance_path))
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app)
    if proxies := int(app.config["PROXY_FIX_X_FOR"]):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]


def _instance_secret(app: Flask) -> str:
    """A random key kept in instance/, so a first run needs no configuration and sessions survive restarts."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        os.makedirs(app.instance_path, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 15})
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself.
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _sqlite_begin(conn: sa.Connection) -> None:
    """A form post (or a job, see `db.as_writer`) takes SQLite's write lock before it reads: two agents saving at
    once then wait their turn instead of one failing with "database is locked" when its read snapshot turns stale."""
    writing = db.is_writer() or has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def configure_database(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["regie.engine"] = engine
    db.session.configure(bind=engine)
    app.after_request(_commit_or_roll_back)
    app.teardown_appcontext(lambda _exc: db.session.remove())


def _commit_or_roll_back(response: Response) -> Response:
    """The request commits exactly once, and only when it succeeded; services never commit."""
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def configure_extensions(app: Flask) -> None:
    babel.init_app(app, locale_selector=lambda: "fr", timezone_selector=lambda: "Europe/Paris")
    csrf.init_app(app)
    htmx_extension.init_app(app)
    login_manager.init_app(app)
    formatting.init_app(app)
    htmx.init_app(app)
    headers.init_app(app)
    guards.init_app(app)

    from webapp.auth.access import can
    from webapp.exports import export_args
    from webapp.submissions import once_field

    app.jinja_env.globals.update(
        can=can, once_field=once_field, export_args=export_args,
    )

    from webapp.auth.services import load_user

    login_manager.user_loader(load_user)


def configure_blueprints(app: Flask) -> None:
    from webapp.audit.views import bp as audit_bp
    from webapp.auth.views import admin_bp as users_bp
    from webapp.auth.views import bp as auth_bp
    from webapp.families.views import bp as families_bp
    from webapp.organisations.views import admin_bp as regies_bp
    from webapp.organisations.views import operator_bp
    from webapp.tariffs.views import bp as tariffs_bp
    from webapp.attendance.views import bp as attendance_bp
    from webapp.imports.views import bp as imports_bp
    from webapp.invoicing.views import bp as invoicing_bp
    from webapp.jobs.views import bp as jobs_bp
    from webapp.counter.views import bp as counter_bp
    from webapp.bank.views import bp as bank_bp
    from webapp.debits.views import bp as debits_bp
    from webapp.home import bp as home_bp
    from webapp.online.views import bp as online_bp
    from webapp.treasury.views import bp as treasury_bp
    from webapp.reminders.views import bp as reminders_bp
    from webapp.plans.views import bp as plans_bp

    for bp in (auth_bp, users_bp, families_bp, regies_bp, operator_bp, audit_bp, tariffs_bp,
               attendance_bp, invoicing_bp, imports_bp, jobs_bp, counter_bp, bank_bp, debits_bp, home_bp,
               online_bp, treasury_bp, reminders_bp, plans_bp):
        app.register_blueprint(bp)

    @app.get("/")
    def home() -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        if memberships := current_user.open_memberships():
            first = min(memberships, key=lambda m: m.organisation.name)
            return redirect(url_for("home.index", org_id=first.organisation_id))
        if current_user.is_operator:
            return redirect(url_for("operator.organisations"))
        return redirect(url_for("auth.no_access"))

    @app.get("/favicon.ico")
    def favicon() -> Any:
        """Browsers and feed readers ask for it before reading a page's <link rel="icon">."""
        return redirect(url_for("static", filename="favicon.svg"), 301)

    @app.context_processor
    def inject_organisations() -> dict[str, Any]:
        orgs = (
            sorted((m.organisation for m in current_user.open_memberships()), key=lambda o: o.name)
            if has_request_context() and current_user.is_authenticated
            else []
        )
        return {"my_organisations": orgs, "org": g.get("org")}


ERRORS = {
    403: ("Accès refusé", "Votre rôle ne permet pas cette action. Demandez à l'administrateur de votre collectivité."),
    404: ("Page introuvable", "Cette page n'existe pas, ou vous n'y avez pas accès."),
    400: ("Requête refusée", "Le formulaire a expiré ou n'est pas valide : rechargez la page et recommencez."),
    413: ("Envoi trop volumineux", "Le fichier ou le formulaire dépasse la taille acceptée par le serveur : "
                                   "envoyez un fichier plus petit, ou découpez-le."),
}


def configure_errors(app: Flask) -> None:
    def handle(error: HTTPException) -> Any:
        title, message = ERRORS[error.code]
        if isinstance(error, guards.Refused):  # its own French message, naming what was refused
            message = error.description
        return render_template("error.html", title=title, message=message), error.code

    for code in ERRORS:
        app.register_error_handler(code, handle)


def configure_cli(app: Flask) -> None:
    from webapp.cli import register

    register(app)
