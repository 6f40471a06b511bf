"""discounts, exceptional child discounts, family fees

Revision ID: ec193e1424b0
Revises: ed9f5f993551
Create Date: 2026-11-22 22:10:18.153639
"""

from alembic import op
import sqlalchemy as sa


revision = 'ec193e1424b0'
down_revision = 'ed9f5f993551'
branch_labels = None
depends_on = None


LINE_KINDS_BEFORE = "'consommation', 'forfait', 'regularisation'"
LINE_KINDS_AFTER = "'consommation', 'forfait', 'regularisation', 'reduction', 'frais'"


def _line_kinds(values: str) -> None:
    # The enum's CHECK lists its values; autogenerate does not see a new value.
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_invoice_lines_linekind'), type_='check')
        batch_op.create_check_constraint('linekind', f"kind IN ({values})")


def upgrade() -> None:
    _line_kinds(LINE_KINDS_AFTER)
    op.create_table('family_fees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('accounting_code', sa.String(length=20), nullable=False),
    sa.Column('once_per_year', sa.Boolean(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_family_fees_amount_positive')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name=op.f('ck_family_fees_dates_ordered')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_family_fees_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_fees'))
    )
    with op.batch_alter_table('family_fees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_fees_regie_id'), ['regie_id'], unique=False)

    op.create_table('child_discounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('percent > 0 AND percent <= 100', name=op.f('ck_child_discounts_percent_range')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name=op.f('ck_child_discounts_dates_ordered')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_child_discounts_activity_id_activities')),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_child_discounts_child_id_children')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_child_discounts'))
    )
    with op.batch_alter_table('child_discounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_discounts_child_id'), ['child_id'], unique=False)

    op.create_table('discounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('basis', sa.Enum('rang', 'enfants_factures', name='discountbasis', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('amount_per_unit', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(percent IS NULL) != (amount_per_unit IS NULL)', name=op.f('ck_discounts_percent_or_amount')),
    sa.CheckConstraint('amount_per_unit IS NULL OR amount_per_unit > 0', name=op.f('ck_discounts_amount_positive')),
    sa.CheckConstraint('percent IS NULL OR (percent > 0 AND percent <= 100)', name=op.f('ck_discounts_percent_range')),
    sa.CheckConstraint('threshold >= 1', name=op.f('ck_discounts_threshold_positive')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name=op.f('ck_discounts_dates_ordered')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_discounts_activity_id_activities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discounts'))
    )
    with op.batch_alter_table('discounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discounts_activity_id'), ['activity_id'], unique=False)



def downgrade() -> None:
    _line_kinds(LINE_KINDS_BEFORE)
    with op.batch_alter_table('discounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discounts_activity_id'))

    op.drop_table('discounts')
    with op.batch_alter_table('child_discounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_discounts_child_id'))

    op.drop_table('child_discounts')
    with op.batch_alter_table('family_fees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_fees_regie_id'))

    op.drop_table('family_fees')
