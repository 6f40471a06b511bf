"""bank statements and movements

Revision ID: cfe440315c23
Revises: 03924e3c614e
Create Date: 2026-12-05 07:14:53

Bank statements imported from CODA or OFX files and their movements; a movement's identity is unique per bank
account, so nothing is booked twice, and its payment (a transfer booked by the counter) is linked here. A job
names the file it imports (`jobs.source`).
"""

from alembic import op
import sqlalchemy as sa


revision = 'cfe440315c23'
down_revision = '03924e3c614e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=300), server_default='', nullable=False))
    op.create_table('bank_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.Enum('coda', 'ofx', name='statementformat', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('account', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('old_balance', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('old_balance_date', sa.Date(), nullable=True),
    sa.Column('new_balance', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('new_balance_date', sa.Date(), nullable=True),
    sa.Column('movement_count', sa.Integer(), nullable=False),
    sa.Column('known_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_bank_statements_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_bank_statements_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_bank_statements_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statements'))
    )
    with op.batch_alter_table('bank_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_statements_account'), ['account'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_statements_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_statements_regie_id'), ['regie_id'], unique=False)

    op.create_table('bank_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=40), nullable=False),
    sa.Column('identity', sa.String(length=64), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('communication', sa.Text(), nullable=False),
    sa.Column('structured_ref', sa.String(length=12), nullable=False),
    sa.Column('counterparty_name', sa.String(length=120), nullable=False),
    sa.Column('counterparty_account', sa.String(length=40), nullable=False),
    sa.Column('bank_reference', sa.String(length=80), nullable=False),
    sa.Column('status', sa.Enum('accepte', 'rejete', 'corrige', 'hors_regie', 'debit', name='movementstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('family_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_bank_movements_family_id_families')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_bank_movements_handled_by_id_users')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_bank_movements_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_bank_movements_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_bank_movements_payment_id_payments')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_bank_movements_regie_id_regies')),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statements.id'], name=op.f('fk_bank_movements_statement_id_bank_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_movements')),
    sa.UniqueConstraint('account', 'identity', name='uq_bank_movements_account_identity'),
    sa.UniqueConstraint('payment_id', name=op.f('uq_bank_movements_payment_id'))
    )
    with op.batch_alter_table('bank_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_movements_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_movements_regie_id'), ['regie_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_movements_statement_id'), ['statement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_movements_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('bank_movements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_movements_status'))
        batch_op.drop_index(batch_op.f('ix_bank_movements_statement_id'))
        batch_op.drop_index(batch_op.f('ix_bank_movements_regie_id'))
        batch_op.drop_index(batch_op.f('ix_bank_movements_organisation_id'))

    op.drop_table('bank_movements')
    with op.batch_alter_table('bank_statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_statements_regie_id'))
        batch_op.drop_index(batch_op.f('ix_bank_statements_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_bank_statements_account'))

    op.drop_table('bank_statements')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('source')
