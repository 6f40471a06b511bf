"""reminder fees billed as invoices of their own

Revision ID: d8e3598b3147
Revises: 972105fec44e
Create Date: 2026-12-05 10:40:00

Columns only, added in place (references inline): on SQLite a rebuild of `reminders` would lose its append-only
triggers. A fees period (`fees_only`) holds the lot of a reminder run's fee invoices; a reminder names its fee
and the invoice that bills it.
"""

import sqlalchemy as sa
from alembic import op


revision = 'd8e3598b3147'
down_revision = '972105fec44e'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('billing_periods', sa.Column('fees_only', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('reminders', sa.Column('fee', sa.Numeric(precision=12, scale=2), server_default='0',
                                         nullable=False))
    op.add_column('reminders', sa.Column('fee_invoice_id', sa.Integer(), sa.ForeignKey(
        'invoices.id', name=op.f('fk_reminders_fee_invoice_id_invoices')), nullable=True), inline_references=True)


def downgrade():
    op.drop_column('reminders', 'fee_invoice_id')
    op.drop_column('reminders', 'fee')
    op.drop_column('billing_periods', 'fees_only')
