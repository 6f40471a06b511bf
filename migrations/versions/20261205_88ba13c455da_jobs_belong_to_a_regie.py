"""jobs belong to a régie: its users alone see them and their files

Revision ID: 88ba13c455da
Revises: 88e3cb49cc0d
Create Date: 2026-12-05 15:00:00

A plain ADD COLUMN (its REFERENCES included), filled from each job's lot: rebuilding `jobs` on SQLite would trip
on the invoice notices that reference it.
"""

import sqlalchemy as sa
from alembic import op


revision = '88ba13c455da'
down_revision = '88e3cb49cc0d'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":  # Alembic would rebuild the table for the constraint
        op.execute("ALTER TABLE jobs ADD COLUMN regie_id INTEGER"
                   " CONSTRAINT fk_jobs_regie_id_regies REFERENCES regies (id)")
    else:
        op.add_column('jobs', sa.Column('regie_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_jobs_regie_id_regies'), 'jobs', 'regies', ['regie_id'], ['id'])
    op.create_index(op.f('ix_jobs_regie_id'), 'jobs', ['regie_id'], unique=False)
    op.execute("UPDATE jobs SET regie_id = (SELECT regie_id FROM batches WHERE batches.id = jobs.batch_id)")


def downgrade():
    op.drop_index(op.f('ix_jobs_regie_id'), 'jobs')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('regie_id')
