"""billing: activities, tariffs, attendance, periods, batches, invoices, counters

Revision ID: de6db8d07dda
Revises: 83a9d5e51765
Create Date: 2026-11-22 21:36:26.586403
"""

from alembic import op
import sqlalchemy as sa


revision = 'de6db8d07dda'
down_revision = '83a9d5e51765'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('billing_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('invoice_date', sa.Date(), nullable=False),
    sa.Column('debit_date', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('regularisation_from', sa.Date(), nullable=True),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('due_date >= invoice_date', name=op.f('ck_billing_periods_due_after_invoice')),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_billing_periods_dates_ordered')),
    sa.CheckConstraint('fiscal_year BETWEEN 2000 AND 2100', name=op.f('ck_billing_periods_fiscal_year_plausible')),
    sa.CheckConstraint('regularisation_from IS NULL OR regularisation_from <= start_date', name=op.f('ck_billing_periods_regularisation_before')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_billing_periods_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_periods'))
    )
    with op.batch_alter_table('billing_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_periods_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('unit', sa.Enum('jour', 'demi-journee', 'creneau', 'repas', 'forfait', name='unit', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('accounting_code', sa.String(length=20), nullable=False),
    sa.Column('monthly_fee', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('bill_unjustified_absence', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('monthly_fee IS NULL OR monthly_fee > 0', name=op.f('ck_activities_monthly_fee_positive')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_activities_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities')),
    sa.UniqueConstraint('regie_id', 'name', name='uq_activities_regie_id_name')
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_regie_id'), ['regie_id'], unique=False)

    op.create_table('batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('nouveau', 'calcule', 'numerote', 'exporte', name='batchstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('computed_by_id', sa.Integer(), nullable=True),
    sa.Column('numbered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('numbered_by_id', sa.Integer(), nullable=True),
    sa.Column('exported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('exported_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['computed_by_id'], ['users.id'], name=op.f('fk_batches_computed_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_batches_created_by_id_users')),
    sa.ForeignKeyConstraint(['exported_by_id'], ['users.id'], name=op.f('fk_batches_exported_by_id_users')),
    sa.ForeignKeyConstraint(['numbered_by_id'], ['users.id'], name=op.f('fk_batches_numbered_by_id_users')),
    sa.ForeignKeyConstraint(['period_id'], ['billing_periods.id'], name=op.f('fk_batches_period_id_billing_periods')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_batches_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batches')),
    sa.UniqueConstraint('period_id', 'regie_id', name='uq_batches_period_id_regie_id')
    )
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batches_period_id'), ['period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_batches_regie_id'), ['regie_id'], unique=False)

    op.create_table('counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.CheckConstraint('last_value >= 0', name=op.f('ck_counters_last_value_positive')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_counters_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counters')),
    sa.UniqueConstraint('regie_id', 'fiscal_year', 'kind', name='uq_counters_regie_id_fiscal_year_kind')
    )
    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('facture', 'avoir', name='invoicekind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('brouillon', 'en_attente', 'numerotee', name='invoicestatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('hold_reason', sa.Text(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=True),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('payment_reference', sa.String(length=40), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.CheckConstraint("(kind = 'avoir') = (total < 0)", name=op.f('ck_invoices_credit_note_is_negative')),
    sa.CheckConstraint("(status = 'numerotee') = (number IS NOT NULL AND sequence IS NOT NULL)", name=op.f('ck_invoices_numbered_has_number')),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_invoices_batch_id_batches')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_invoices_family_id_families')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_invoices_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('batch_id', 'family_id', name='uq_invoices_batch_id_family_id'),
    sa.UniqueConstraint('regie_id', 'fiscal_year', 'kind', 'sequence', name='uq_invoices_regie_id_fiscal_year_kind_sequence')
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_number'), ['number'], unique=False)

    op.create_table('period_activities',
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_period_activities_activity_id_activities')),
    sa.ForeignKeyConstraint(['period_id'], ['billing_periods.id'], name=op.f('fk_period_activities_period_id_billing_periods'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('period_id', 'activity_id', name=op.f('pk_period_activities'))
    )
    op.create_table('tariffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('qf_min', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('qf_max', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('rank_from', sa.Integer(), nullable=True),
    sa.Column('rank_to', sa.Integer(), nullable=True),
    sa.Column('mode', sa.Enum('unitaire', 'creneau', 'taux_effort', name='pricingmode', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('slot_minutes', sa.Integer(), nullable=True),
    sa.Column('daily_cap', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('effort_rate', sa.Numeric(precision=8, scale=5), nullable=True),
    sa.Column('price_floor', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('price_ceiling', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(mode = 'unitaire' AND price IS NOT NULL) OR (mode = 'creneau' AND slot_minutes > 0 AND price IS NOT NULL) OR (mode = 'taux_effort' AND effort_rate > 0 AND price_floor IS NOT NULL AND price_ceiling >= price_floor)", name=op.f('ck_tariffs_mode_complete')),
    sa.CheckConstraint('price IS NULL OR price >= 0', name=op.f('ck_tariffs_price_positive')),
    sa.CheckConstraint('qf_max IS NULL OR qf_min IS NULL OR qf_max > qf_min', name=op.f('ck_tariffs_qf_ordered')),
    sa.CheckConstraint('rank_to IS NULL OR rank_from IS NULL OR rank_to >= rank_from', name=op.f('ck_tariffs_ranks_ordered')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name=op.f('ck_tariffs_dates_ordered')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_tariffs_activity_id_activities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariffs'))
    )
    with op.batch_alter_table('tariffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariffs_activity_id'), ['activity_id'], unique=False)

    op.create_table('attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('presence', sa.Enum('present', 'absence_justifiee', 'absence_injustifiee', name='presence', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('arrival', sa.Time(), nullable=True),
    sa.Column('departure', sa.Time(), nullable=True),
    sa.Column('billed_invoice_id', sa.Integer(), nullable=True),
    sa.Column('billed_amount', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('billed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('changed_since_billing', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('departure IS NULL OR arrival IS NULL OR departure > arrival', name=op.f('ck_attendances_times_ordered')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_attendances_quantity_positive')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_attendances_activity_id_activities')),
    sa.ForeignKeyConstraint(['billed_invoice_id'], ['invoices.id'], name=op.f('fk_attendances_billed_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_attendances_child_id_children')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendances')),
    sa.UniqueConstraint('child_id', 'activity_id', 'day', name='uq_attendances_child_id_activity_id_day')
    )
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.create_index('ix_attendances_activity_id_day', ['activity_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendances_billed_invoice_id'), ['billed_invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendances_child_id'), ['child_id'], unique=False)

    op.create_table('invoice_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('consommation', 'forfait', 'regularisation', name='linekind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('accounting_code', sa.String(length=20), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_invoice_lines_activity_id_activities')),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_invoice_lines_child_id_children')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_lines_invoice_id_invoices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines'))
    )
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_lines_invoice_id'), ['invoice_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_lines_invoice_id'))

    op.drop_table('invoice_lines')
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendances_child_id'))
        batch_op.drop_index(batch_op.f('ix_attendances_billed_invoice_id'))
        batch_op.drop_index('ix_attendances_activity_id_day')

    op.drop_table('attendances')
    with op.batch_alter_table('tariffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tariffs_activity_id'))

    op.drop_table('tariffs')
    op.drop_table('period_activities')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_number'))
        batch_op.drop_index(batch_op.f('ix_invoices_family_id'))
        batch_op.drop_index(batch_op.f('ix_invoices_batch_id'))

    op.drop_table('invoices')
    op.drop_table('counters')
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batches_regie_id'))
        batch_op.drop_index(batch_op.f('ix_batches_period_id'))

    op.drop_table('batches')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_regie_id'))

    op.drop_table('activities')
    with op.batch_alter_table('billing_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_periods_organisation_id'))

    op.drop_table('billing_periods')
