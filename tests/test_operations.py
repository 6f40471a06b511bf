"""What an operator runs on the command line: `flask backup` and `flask restore` (a round trip on the database
under test, SQLite or PostgreSQL, that must bring the books back exactly), and `flask demo seed`, which refuses
outside demo mode."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import nullcontext
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.stack import billed_family, postgresql_database
from webapp import create_app, db, demo, migrations
from webapp.counter.ledger import check_books
from webapp.counter.models import Account, AccountEntry, Payment
from webapp.counter.services import record_payment
from webapp.formatting import today
from webapp.families.models import Family
from webapp.invoicing.models import Invoice
from webapp.organisations.models import Organisation, Regie


@pytest.fixture
def own_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on a database of its own, outside the per-test transaction: a backup sees committed work only."""
    database = (postgresql_database(database_url, f"regie_backup_{secrets.token_hex(4)}")
                if database_url.startswith("postgresql") else nullcontext(f"sqlite:///{tmp_path / 'regie.sqlite3'}"))
    with database as url:
        db.session.remove()
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret"})
        engine = app.extensions["regie.engine"]
        with engine.begin() as connection:
            migrations.upgrade(url, connection)
        try:
            yield app
        finally:
            db.session.remove()
            engine.dispose()


def books() -> dict[str, Any]:
    """What the books say, once the check finds them consistent; read in a transaction of its own that ends
    here, so that a restore waits for no lock of ours."""
    try:
        assert check_books() == []
        return {"balances": db.session.scalar(sa.select(sa.func.sum(Account.balance))),
                **{model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                   for model in (Payment, Invoice, AccountEntry)}}
    finally:
        db.session.remove()


def pay(regie_id: int, family_id: int, amount: str) -> None:
    record_payment(db.session.get(Regie, regie_id), db.session.get(Family, family_id),
                   {"mode": "especes", "amount": Decimal(amount), "received_on": today()})
    db.session.commit()


def test_a_restored_backup_brings_the_books_back_as_they_were(own_app: Flask, tmp_path: Path) -> None:
    world = billed_family()
    db.session.commit()
    regie_id, family_id = world.regie.id, world.family.id
    pay(regie_id, family_id, "5.00")
    saved = books()
    file = tmp_path / "regie.sauvegarde"
    cli = own_app.test_cli_runner()

    result = cli.invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output
    pay(regie_id, family_id, "7.00")  # after the backup: the restore takes it away
    assert books() != saved

    result = cli.invoke(args=["restore", "--yes", str(file)])
    assert result.exit_code == 0, result.output
    assert "Base restaurée" in result.output
    assert books() == saved


def test_restore_refuses_what_is_not_a_backup_of_this_kind_of_database(app: Flask, tmp_path: Path) -> None:
    other_kind = b"SQLite format 3\x00" if app.config["DATABASE_URL"].startswith("postgresql") else b"PGDMP\x01"
    file = tmp_path / "regie.sauvegarde"
    for content in (b"pas une sauvegarde", other_kind):
        file.write_bytes(content)
        result = app.test_cli_runner().invoke(args=["restore", "--yes", str(file)])
        assert result.exit_code == 1
        assert "n'est pas une sauvegarde" in result.output and "rien n'a été restauré" in result.output
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(tmp_path / "absente")])
    assert result.exit_code == 1 and "n'est pas un fichier" in result.output


def test_demo_seed_refuses_outside_demo_mode(app: Flask, session: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "DEMO", False)  # whatever REGIE_DEMO the shell running the tests has
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 1
    assert "REGIE_DEMO=1" in result.output and "flask users create-operator" in result.output
    assert session.scalar(sa.select(Organisation).where(Organisation.name == demo.SYNDICATE)) is None
