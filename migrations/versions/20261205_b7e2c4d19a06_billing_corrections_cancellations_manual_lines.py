"""billing corrections: credit notes that cancel an invoice, correction periods, manual lines, lot thresholds

Revision ID: b7e2c4d19a06
Revises: 7d3e5b1a9c24
Create Date: 2026-12-05 08:00:00

Columns only, added in place (references inline): on SQLite a rebuild of `invoices` would cascade to its lines
and lose its append-only triggers. A cancelled invoice keeps its row untouched; the credit note that cancels it
names it (`cancels_id`, unique: one cancellation per invoice). Credit notes live in the batch of a correction
period (`corrects_id`), since a lot holds one invoice per family.
"""

import sqlalchemy as sa
from alembic import op


revision = 'b7e2c4d19a06'
down_revision = '7d3e5b1a9c24'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('billing_periods', sa.Column('corrects_id', sa.Integer(), sa.ForeignKey(
        'billing_periods.id', name=op.f('fk_billing_periods_corrects_id_billing_periods')), nullable=True),
        inline_references=True)
    op.create_index(op.f('ix_billing_periods_corrects_id'), 'billing_periods', ['corrects_id'], unique=False)
    op.add_column('batches', sa.Column('threshold', sa.Numeric(precision=12, scale=2), nullable=True))
    op.add_column('invoices', sa.Column('cancels_id', sa.Integer(), sa.ForeignKey(
        'invoices.id', name=op.f('fk_invoices_cancels_id_invoices')), nullable=True), inline_references=True)
    op.create_index(op.f('ix_invoices_cancels_id'), 'invoices', ['cancels_id'], unique=True)
    op.add_column('invoices', sa.Column('reason', sa.Text(), server_default='', nullable=False))
    op.add_column('invoice_lines', sa.Column('manual', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    op.drop_column('invoice_lines', 'manual')
    op.drop_column('invoices', 'reason')
    op.drop_index(op.f('ix_invoices_cancels_id'), table_name='invoices')
    op.drop_column('invoices', 'cancels_id')
    op.drop_column('batches', 'threshold')
    op.drop_index(op.f('ix_billing_periods_corrects_id'), table_name='billing_periods')
    op.drop_column('billing_periods', 'corrects_id')
