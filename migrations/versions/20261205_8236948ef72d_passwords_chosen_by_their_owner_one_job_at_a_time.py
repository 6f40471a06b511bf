"""passwords chosen by their owner, reset links spaced out, one job of a kind at a time on a lot

Revision ID: 8236948ef72d
Revises: 88ba13c455da
Create Date: 2026-12-05 17:00:00

Every non-operator account was made by an administrator who chose its password: each is marked so, and its next
invitation makes its owner choose one. An account deactivated by an administrator (which no screen reactivates
any more) is active again with its memberships suspended, as administrators now suspend access.
"""

import sqlalchemy as sa
from alembic import op


revision = '8236948ef72d'
down_revision = '88ba13c455da'
branch_labels = None
depends_on = None

ACTIVE = "status IN ('en_attente', 'en_cours')"


def upgrade():
    # Plain ADD COLUMNs: rebuilding `users` on SQLite would trip on the rows that reference it.
    op.add_column('users', sa.Column('password_chosen_by_owner', sa.Boolean(), server_default=sa.true(),
                                     nullable=False))
    op.add_column('users', sa.Column('reset_sent_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET password_chosen_by_owner = false WHERE NOT is_operator")
    op.execute("UPDATE memberships SET active = false"
               " WHERE user_id IN (SELECT id FROM users WHERE NOT active AND NOT is_operator)")
    op.execute("UPDATE users SET active = true WHERE NOT active AND NOT is_operator")
    op.create_index('uq_jobs_batch_id_kind_active', 'jobs', ['batch_id', 'kind'], unique=True,
                    sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))


def downgrade():
    op.drop_index('uq_jobs_batch_id_kind_active', 'jobs')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('reset_sent_at')
        batch_op.drop_column('password_chosen_by_owner')
