"""money records are append-only: the database refuses to edit or delete them

Revision ID: 5d2a7c41e9b3
Revises: 292ef4d71b36
Create Date: 2026-11-30 16:10:00

On SQLite, a later `batch_alter_table` on one of these tables rebuilds it without its triggers: such a
migration must create them again (`_rules()` names them).
"""

from alembic import op


revision = '5d2a7c41e9b3'
down_revision = '292ef4d71b36'
branch_labels = None
depends_on = None

# Never updated nor deleted: a correction is a new row.
FROZEN = {
    "payments": "Un règlement ne se modifie ni ne s'efface : enregistrez une annulation.",
    "cancellations": "Une annulation de règlement est définitive.",
    "allocations": "Une affectation ne se modifie pas : une annulation en ajoute une négative.",
    "write_offs": "Une non-valeur est définitive.",
    "account_entries": "Une écriture du compte famille ne se modifie ni ne s'efface.",
    "cash_closings": "Une clôture de caisse est définitive.",
    "school_year_closures": "Une année scolaire clôturée le reste.",
}
# Frozen once a condition on the row holds: (table, events, condition on OLD/NEW, message).
FROZEN_WHEN = [
    ("invoices", "DELETE", "OLD.status = 'numerotee'", "Une facture numérotée ne s'efface pas : émettez un avoir."),
    ("invoices", "UPDATE",
     "OLD.status = 'numerotee' AND (NEW.status <> OLD.status OR NEW.number <> OLD.number OR NEW.total <> OLD.total"
     " OR NEW.family_id <> OLD.family_id OR NEW.regie_id <> OLD.regie_id OR NEW.kind <> OLD.kind"
     " OR NEW.issued_on <> OLD.issued_on OR NEW.fiscal_year <> OLD.fiscal_year)",
     "Une facture numérotée ne se modifie pas : émettez un avoir ou une régularisation."),
    ("deposit_slips", "UPDATE", "OLD.status = 'definitif'", "Un bordereau définitif ne change plus."),
    ("deposit_slips", "DELETE", "OLD.status = 'definitif'", "Un bordereau définitif ne s'efface pas."),
]
# Frozen when the parent row is: (table, events, parent lookup from OLD or NEW, message).
FINAL_SLIP = "(SELECT status FROM deposit_slips WHERE id = {row}.slip_id) = 'definitif'"
NUMBERED_INVOICE = "(SELECT status FROM invoices WHERE id = {row}.invoice_id) = 'numerotee'"
FROZEN_PARENT = [
    ("slip_items", "INSERT", FINAL_SLIP.format(row="NEW"), "Un bordereau définitif ne change plus."),
    ("slip_items", "DELETE", FINAL_SLIP.format(row="OLD"), "Un bordereau définitif ne change plus."),
    ("slip_items", "UPDATE", FINAL_SLIP.format(row="OLD"), "Un bordereau définitif ne change plus."),
    ("invoice_lines", "UPDATE", NUMBERED_INVOICE.format(row="OLD"), "Une facture numérotée ne se modifie pas."),
    ("invoice_lines", "DELETE", NUMBERED_INVOICE.format(row="OLD"), "Une facture numérotée ne se modifie pas."),
]


def _rules() -> list[tuple[str, str, str | None, str]]:
    rules: list[tuple[str, str, str | None, str]] = []
    for table, message in FROZEN.items():
        rules += [(table, "UPDATE", None, message), (table, "DELETE", None, message)]
    return rules + FROZEN_WHEN + FROZEN_PARENT


def _name(table: str, event: str, index: int) -> str:
    return f"regie_frozen_{table}_{event.lower()}_{index}"


def _quoted(message: str) -> str:
    return message.replace("'", "''")


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for index, (table, event, condition, message) in enumerate(_rules()):
        name = _name(table, event, index)
        if postgresql:
            # A trigger's WHEN takes no sub-query on PostgreSQL: the condition lives in the function.
            check = f"IF {condition} THEN " if condition else ""
            end = " END IF;" if condition else ""
            row = "OLD" if event == "DELETE" else "NEW"
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {check}"
                       f"RAISE EXCEPTION '{_quoted(message)}' USING ERRCODE = 'integrity_constraint_violation';"
                       f"{end} RETURN {row}; END $$")
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
        else:
            when = f" WHEN {condition}" if condition else ""
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW{when} "
                       f"BEGIN SELECT RAISE(ABORT, '{_quoted(message)}'); END")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for index, (table, event, _condition, _message) in enumerate(_rules()):
        name = _name(table, event, index)
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
        if postgresql:
            op.execute(f"DROP FUNCTION {name}()")
