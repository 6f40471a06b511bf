"""Upgrading a database that already holds numbered invoices gives their families accounts."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.fixtures import own_schema
from webapp import make_engine, migrations

BEFORE_COUNTER = "1a9539addc39"


@pytest.fixture
def empty_database(engine, tmp_path):
    """A database of its own: a file on SQLite, a schema on PostgreSQL."""
    if engine.dialect.name != "postgresql":
        url = f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
        yield make_engine(url), url
        return
    with own_schema(engine, "migration_data", migrate=False) as own:
        yield own, own.url.render_as_string(hide_password=False)


def test_numbered_invoices_become_account_entries(empty_database):
    engine, url = empty_database
    with engine.begin() as conn:
        migrations.upgrade(url, conn, BEFORE_COUNTER)
        run = conn.execute
        run(sa.text("INSERT INTO organisations (id, name, kind, country, active, created_at, updated_at)"
                    " VALUES (1, 'Commune', 'commune', 'FR', true, '2026-01-01', '2026-01-01')"))
        run(sa.text("INSERT INTO regies (id, organisation_id, name, address_line, postcode, city, phone, iban, bic,"
                    " creditor_id, company_number, invoice_prefix, created_at, updated_at) VALUES (1, 1, 'Cantine',"
                    " '', '', '', '', 'FR7630006000011234567890189', 'BDFEFRPPCCT', 'FR72ZZZ123456',"
                    " '21380123600018', 'C', '2026-01-01', '2026-01-01')"))
        run(sa.text("INSERT INTO families (id, organisation_id, number, direct_debit, tariff_category, note, label,"
                    " search_text, created_at, updated_at) VALUES (1, 1, '00001', false, '', '', 'Dupont Anne', '',"
                    " '2026-01-01', '2026-01-01')"))
        for invoice_id, kind, status, number, total in ((1, "facture", "numerotee", "C-2026-000001", "12.40"),
                                                        (2, "avoir", "numerotee", "AV-C-2026-000001", "-2.10"),
                                                        (3, "facture", "brouillon", None, "7.00")):
            run(sa.text("INSERT INTO billing_periods (id, organisation_id, label, start_date, end_date, invoice_date,"
                        " due_date, fiscal_year, created_at, updated_at) VALUES (:id, 1, 'Mois', :start, :end,"
                        " :end, :end, 2026, '2026-01-01', '2026-01-01')"),
                {"id": invoice_id, "start": f"2026-0{invoice_id + 2}-01", "end": f"2026-0{invoice_id + 2}-28"})
            run(sa.text("INSERT INTO batches (id, period_id, regie_id, status, created_at) VALUES (:id, :id, 1,"
                        " 'numerote', '2026-04-02')"), {"id": invoice_id})
            run(sa.text("INSERT INTO invoices (id, batch_id, regie_id, family_id, fiscal_year, kind, status,"
                        " hold_reason, sequence, number, payment_reference, issued_on, due_on, total) VALUES"
                        " (:id, :id, 1, 1, 2026, :kind, :status, '', :sequence, :number, '', '2026-04-02',"
                        " '2026-04-30', :total)").bindparams(sa.bindparam("total", type_=sa.Numeric(12, 2))),
                {"id": invoice_id, "kind": kind, "status": status, "sequence": invoice_id if number else None,
                 "number": number, "total": Decimal(total)})
    with engine.connect() as conn:  # as `flask db upgrade` finds it: committed, outside a transaction
        migrations.upgrade(url, conn)
        conn.commit()
        run = conn.execute
        balance = run(sa.text("SELECT balance FROM accounts WHERE family_id = 1 AND regie_id = 1")).scalar_one()
        entries = run(sa.text("SELECT kind, amount, school_year FROM account_entries ORDER BY invoice_id")).all()
    assert Decimal(str(balance)) == Decimal("10.30")
    assert [(kind, Decimal(str(amount)), year) for kind, amount, year in entries] == [
        ("facture", Decimal("12.40"), 2025), ("avoir", Decimal("-2.10"), 2025)]
    engine.dispose()


def test_accounts_left_without_organisation_lose_the_password_someone_else_may_have_chosen(empty_database):
    engine, url = empty_database
    with engine.begin() as conn:
        migrations.upgrade(url, conn, "5d2a7c41e9b3")
        run = conn.execute
        run(sa.text("INSERT INTO organisations (id, name, kind, country, active, created_at, updated_at)"
                    " VALUES (1, 'Commune', 'commune', 'FR', true, '2026-01-01', '2026-01-01')"))
        for user_id, operator, active in ((1, False, True), (2, False, True), (3, True, True), (4, False, False)):
            run(sa.text("INSERT INTO users (id, email, full_name, password_hash, is_operator, active, created_at,"
                        " updated_at) VALUES (:id, :email, 'X', 'argon2-hash', :operator, :active, '2026-01-01',"
                        " '2026-01-01')"),
                {"id": user_id, "email": f"u{user_id}@example.org", "operator": operator, "active": active})
        run(sa.text("INSERT INTO memberships (id, user_id, organisation_id, role) VALUES (1, 1, 1, 'agent')"))
        run(sa.text("INSERT INTO memberships (id, user_id, organisation_id, role) VALUES (2, 4, 1, 'agent')"))
        run(sa.text("INSERT INTO login_attempts (at, email, ip, success) VALUES ('2026-01-01', 'u1@example.org',"
                    " '127.0.0.1', false)"))
        migrations.upgrade(url, conn)
        users = run(sa.text("SELECT id, password_hash, session_token, password_chosen_by_owner, active FROM users"
                            " ORDER BY id")).all()
        outcome = run(sa.text("SELECT outcome FROM login_attempts")).scalar_one()
        memberships = run(sa.text("SELECT user_id, active FROM memberships ORDER BY user_id")).all()
    engine.dispose()
    assert [(row[0], row[1]) for row in users] == [(1, "argon2-hash"), (2, "!"), (3, "argon2-hash"), (4, "argon2-hash")]
    assert len({row[2] for row in users}) == 4 and all(len(row[2]) == 32 for row in users)
    # Only the operator chose their own password; the deactivated account is active, suspended where it was member.
    assert [bool(row[3]) for row in users] == [False, False, True, False] and all(row[4] for row in users)
    assert outcome == "echec" and [(user_id, bool(active)) for user_id, active in memberships] == [(1, True), (4, False)]


def test_family_categories_take_the_spelling_of_their_organisations_tariffs(empty_database):
    engine, url = empty_database
    with engine.begin() as conn:
        migrations.upgrade(url, conn, "8236948ef72d")
        run = conn.execute
        for org_id in (1, 2):
            run(sa.text("INSERT INTO organisations (id, name, kind, country, active, created_at, updated_at)"
                        " VALUES (:id, :name, 'commune', 'FR', true, '2026-01-01', '2026-01-01')"),
                {"id": org_id, "name": f"Commune {org_id}"})
            run(sa.text("INSERT INTO regies (id, organisation_id, name, address_line, postcode, city, phone, iban, bic,"
                        " creditor_id, company_number, invoice_prefix, created_at, updated_at) VALUES (:id, :id,"
                        " 'Cantine', '', '', '', '', 'FR7630006000011234567890189', 'BDFEFRPPCCT', 'FR72ZZZ123456',"
                        " '21380123600018', 'C', '2026-01-01', '2026-01-01')"), {"id": org_id})
        run(sa.text("INSERT INTO activities (id, regie_id, name, unit, accounting_code, bill_unjustified_absence,"
                    " active, created_at, updated_at) VALUES (1, 1, 'Cantine', 'repas', '7067', true, true,"
                    " '2026-01-01', '2026-01-01')"))
        run(sa.text("INSERT INTO tariffs (id, activity_id, label, valid_from, category, mode, price, created_at,"
                    " updated_at) VALUES (1, 1, 'Repas', '2026-01-01', 'Hors commune', 'unitaire', 5.20,"
                    " '2026-01-01', '2026-01-01')"))
        # Organisation 2 has no tariff of that category: its family keeps its spelling.
        for family_id, org_id, category in ((1, 1, "hors  commune"), (2, 1, "HORS COMMUNE "), (3, 1, "Hors commune"),
                                             (4, 1, "ancienne"), (5, 1, ""), (6, 2, "hors commune")):
            run(sa.text("INSERT INTO families (id, organisation_id, number, direct_debit, tariff_category, note,"
                        " label, search_text, created_at, updated_at) VALUES (:id, :org, :number, false, :category,"
                        " '', 'X', '', '2026-01-01', '2026-01-01')"),
                {"id": family_id, "org": org_id, "number": f"0000{family_id}", "category": category})
    with engine.connect() as conn:
        migrations.upgrade(url, conn)
        conn.commit()
        run = conn.execute
        categories = run(sa.text("SELECT tariff_category FROM families ORDER BY id")).scalars().all()
    engine.dispose()
    assert categories == ["Hors commune", "Hors commune", "Hors commune", "ancienne", "", "hors commune"]
