"""validated direct debits are frozen

Revision ID: a41c7e9b2d60
Revises: d8e3598b3147
Create Date: 2026-12-05 11:45:00

What the bank received and what the régie booked from it never change: triggers refuse to delete a run once its
files were transmitted, to change a validated run except its rollback (and a rolled back one at all), to change
or delete the items of a validated or rolled back run, to change a file, or to delete it once transmitted, and to
change or delete a bank reject. Before transmission a run, its items and files may still go (« Annuler »).
"""


from webapp import frozen_rows


revision = 'a41c7e9b2d60'
down_revision = 'd8e3598b3147'
branch_labels = None
depends_on = None

SENT = "('transmis', 'valide', 'annule')"
BOOKED = "('valide', 'annule')"
FROZEN = [
    ("debit_runs", "regie_frozen_debit_runs_update", "UPDATE",
     "OLD.status = 'annule' OR (OLD.status = 'valide' AND (NEW.status NOT IN ('valide', 'annule') "
     "OR NEW.batch_id <> OLD.batch_id OR NEW.regie_id <> OLD.regie_id OR NEW.first_date <> OLD.first_date "
     "OR NEW.recurrent_date <> OLD.recurrent_date OR NEW.message_id <> OLD.message_id))",
     "Des prélèvements validés ne changent plus, sauf par leur annulation."),
    ("debit_runs", "regie_frozen_debit_runs_delete", "DELETE", f"OLD.status IN {SENT}",
     "Des prélèvements transmis à la banque ne s''effacent pas."),
    ("debit_run_items", "regie_frozen_debit_run_items_update", "UPDATE",
     f"(SELECT status FROM debit_runs WHERE id = OLD.run_id) IN {BOOKED}",
     "Un prélèvement validé ne change plus."),
    ("debit_run_items", "regie_frozen_debit_run_items_delete", "DELETE",
     f"(SELECT status FROM debit_runs WHERE id = OLD.run_id) IN {SENT}",
     "Un prélèvement transmis à la banque ne s''efface pas."),
    ("debit_files", "regie_frozen_debit_files_update", "UPDATE", None,
     "Un fichier de prélèvements ne change pas : il est ce que la banque a reçu."),
    ("debit_files", "regie_frozen_debit_files_delete", "DELETE",
     f"(SELECT status FROM debit_runs WHERE id = OLD.run_id) IN {SENT}",
     "Un fichier de prélèvements transmis ne s''efface pas."),
    ("bank_rejects", "regie_frozen_bank_rejects_update", "UPDATE", None, "Un rejet de la banque est définitif."),
    ("bank_rejects", "regie_frozen_bank_rejects_delete", "DELETE", None, "Un rejet de la banque est définitif."),
]


def upgrade() -> None:
    frozen_rows.create(FROZEN)


def downgrade() -> None:
    frozen_rows.drop(FROZEN)
