"""The triggers by which the database itself refuses to change what the rules of money freeze (a reminder sent, a
title, a plan's instalments, a validated debit): the migrations write them, the same on SQLite and PostgreSQL.
Each rule is (table, trigger name, UPDATE or DELETE, the condition on OLD/NEW or None for always, the French
message, its quotes doubled)."""

from __future__ import annotations

from collections.abc import Iterable

from alembic import op

Rule = tuple[str, str, str, "str | None", str]


def create(rules: Iterable[Rule]) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, name, event, condition, message in rules:
        if postgresql:
            check, end = (f"IF {condition} THEN ", " END IF;") if condition else ("", "")
            row = "OLD" if event == "DELETE" else "NEW"
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {check}"
                       f"RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation';"
                       f"{end} RETURN {row}; END $$")
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
        else:
            when = f" WHEN {condition}" if condition else ""
            op.execute(f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON {table} FOR EACH ROW{when} "
                       f"BEGIN SELECT RAISE(ABORT, '{message}'); END")


def drop(rules: Iterable[Rule]) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, name, *_ in rules:
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
        if postgresql:
            op.execute(f"DROP FUNCTION {name}()")
