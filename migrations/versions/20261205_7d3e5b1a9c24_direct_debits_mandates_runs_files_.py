"""direct debits: debtor accounts, mandates, debit runs, their files and the bank's rejects; the payment mode
« prelevement »; the régie's direct-debit settings

Revision ID: 7d3e5b1a9c24
Revises: cfe440315c23
Create Date: 2026-12-05 07:14:18.431315

The new payment mode widens `payments.mode` and `deposit_slips.mode` and their CHECK. On SQLite, rebuilding
those tables would drop their append-only triggers (and the triggers of `slip_items` name `deposit_slips`): the
CHECK and the declared length are rewritten in the schema text instead, the documented way for a change that
makes no stored row invalid (sqlite.org, « ALTER TABLE », making other kinds of table schema changes).
"""

from alembic import op
import sqlalchemy as sa


revision = '7d3e5b1a9c24'
down_revision = 'cfe440315c23'
branch_labels = None
depends_on = None

OLD_MODES = ('especes', 'cheque', 'virement', 'carte', 'bon', 'payfip_carte', 'payfip_prelevement')
NEW_MODES = (*OLD_MODES, 'prelevement')


def _in_list(modes: tuple[str, ...]) -> str:
    return "mode IN (" + ", ".join(f"'{m}'" for m in modes) + ")"


def _modes(before: tuple[str, ...], after: tuple[str, ...], length: int) -> None:
    """The mode column of payments and deposit_slips takes `after` (and `length` characters)."""
    bind = op.get_bind()
    for table in ("payments", "deposit_slips"):
        if bind.dialect.name == "postgresql":
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT ck_{table}_paymentmode")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN mode TYPE VARCHAR({length})")
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_paymentmode CHECK ({_in_list(after)})")
            continue
        sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).scalar_one()
        old_length = max(len(m) for m in before)
        new_sql = sql.replace(_in_list(before), _in_list(after)).replace(
            f"mode VARCHAR({old_length}) NOT NULL", f"mode VARCHAR({length}) NOT NULL")
        assert new_sql != sql, f"{table}: the schema text is not the one expected"
        version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
        bind.exec_driver_sql("PRAGMA writable_schema = ON")
        bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (new_sql, table))
        bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    op.create_table('debtor_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=70), nullable=False),
    sa.Column('iban', sa.String(length=34), nullable=False),
    sa.Column('bic', sa.String(length=11), nullable=False),
    sa.Column('street', sa.String(length=70), nullable=False),
    sa.Column('postcode', sa.String(length=16), nullable=False),
    sa.Column('town', sa.String(length=35), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_debtor_accounts_family_id_families')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_debtor_accounts_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_debtor_accounts_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debtor_accounts')),
    sa.UniqueConstraint('regie_id', 'family_id', name='uq_debtor_accounts_regie_id_family_id')
    )
    with op.batch_alter_table('debtor_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debtor_accounts_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_debtor_accounts_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('debit_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('prepare', 'fichiers', 'transmis', 'valide', 'annule', name='runstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('first_date', sa.Date(), nullable=False),
    sa.Column('recurrent_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=140), nullable=False),
    sa.Column('message_id', sa.String(length=30), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('transmitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('transmitted_by_id', sa.Integer(), nullable=True),
    sa.Column('validated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('validated_by_id', sa.Integer(), nullable=True),
    sa.Column('rolled_back_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rollback_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_debit_runs_batch_id_batches')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_debit_runs_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_debit_runs_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_debit_runs_regie_id_regies')),
    sa.ForeignKeyConstraint(['transmitted_by_id'], ['users.id'], name=op.f('fk_debit_runs_transmitted_by_id_users')),
    sa.ForeignKeyConstraint(['validated_by_id'], ['users.id'], name=op.f('fk_debit_runs_validated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debit_runs'))
    )
    with op.batch_alter_table('debit_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debit_runs_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_debit_runs_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_debit_runs_regie_id'), ['regie_id'], unique=False)

    op.create_table('mandates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=35), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('signed_at', sa.String(length=80), nullable=False),
    sa.Column('migrated', sa.Boolean(), nullable=False),
    sa.Column('state', sa.Enum('actif', 'revoque', 'remplace', 'clos', name='mandatestate', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('last_collection_date', sa.Date(), nullable=True),
    sa.Column('last_sequence', sa.String(length=4), nullable=True),
    sa.Column('amendment', sa.JSON(), nullable=True),
    sa.Column('previous', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['debtor_accounts.id'], name=op.f('fk_mandates_account_id_debtor_accounts')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_mandates_created_by_id_users')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_mandates_family_id_families')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_mandates_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_mandates_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mandates')),
    sa.UniqueConstraint('regie_id', 'reference', name='uq_mandates_regie_id_reference')
    )
    with op.batch_alter_table('mandates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mandates_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mandates_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mandates_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mandates_regie_id'), ['regie_id'], unique=False)

    op.create_table('debit_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('message_id', sa.String(length=35), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('transactions', sa.Integer(), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['debit_runs.id'], name=op.f('fk_debit_files_run_id_debit_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debit_files')),
    sa.UniqueConstraint('message_id', name=op.f('uq_debit_files_message_id')),
    sa.UniqueConstraint('run_id', 'name', name='uq_debit_files_run_id_name')
    )
    with op.batch_alter_table('debit_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debit_files_run_id'), ['run_id'], unique=False)

    op.create_table('debit_run_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('mandate_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('sequence', sa.String(length=4), nullable=False),
    sa.Column('end_to_end_id', sa.String(length=35), nullable=False),
    sa.Column('excluded', sa.String(length=200), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_debit_run_items_family_id_families')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_debit_run_items_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['mandate_id'], ['mandates.id'], name=op.f('fk_debit_run_items_mandate_id_mandates')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_debit_run_items_payment_id_payments')),
    sa.ForeignKeyConstraint(['run_id'], ['debit_runs.id'], name=op.f('fk_debit_run_items_run_id_debit_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debit_run_items')),
    sa.UniqueConstraint('payment_id', name=op.f('uq_debit_run_items_payment_id')),
    sa.UniqueConstraint('run_id', 'invoice_id', name='uq_debit_run_items_run_id_invoice_id')
    )
    with op.batch_alter_table('debit_run_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debit_run_items_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_debit_run_items_mandate_id'), ['mandate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_debit_run_items_run_id'), ['run_id'], unique=False)

    op.create_table('bank_rejects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=35), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('report_id', sa.String(length=35), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_bank_rejects_created_by_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['debit_run_items.id'], name=op.f('fk_bank_rejects_item_id_debit_run_items')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_bank_rejects_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_rejects')),
    sa.UniqueConstraint('item_id', name=op.f('uq_bank_rejects_item_id'))
    )
    with op.batch_alter_table('bank_rejects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_rejects_organisation_id'), ['organisation_id'], unique=False)

    _modes(OLD_MODES, NEW_MODES, 18)

    # Plain ADD COLUMN: a batch rebuild of `regies` would drop a table every other one points at.
    op.add_column('regies', sa.Column('debit_lead_first', sa.Integer(), server_default='2', nullable=False))
    op.add_column('regies', sa.Column('debit_lead_recurrent', sa.Integer(), server_default='2', nullable=False))
    op.add_column('regies', sa.Column('debit_single_file', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('regies', sa.Column('sepa_version', sa.String(length=2), server_default='02', nullable=False))
    op.add_column('regies', sa.Column('dft_iban', sa.String(length=34), server_default='', nullable=False))



def downgrade() -> None:
    for column in ('dft_iban', 'sepa_version', 'debit_single_file', 'debit_lead_recurrent', 'debit_lead_first'):
        op.drop_column('regies', column)

    _modes(NEW_MODES, OLD_MODES, 18)

    with op.batch_alter_table('bank_rejects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_rejects_organisation_id'))

    op.drop_table('bank_rejects')
    with op.batch_alter_table('debit_run_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debit_run_items_run_id'))
        batch_op.drop_index(batch_op.f('ix_debit_run_items_mandate_id'))
        batch_op.drop_index(batch_op.f('ix_debit_run_items_invoice_id'))

    op.drop_table('debit_run_items')
    with op.batch_alter_table('debit_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debit_files_run_id'))

    op.drop_table('debit_files')
    with op.batch_alter_table('mandates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mandates_regie_id'))
        batch_op.drop_index(batch_op.f('ix_mandates_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_mandates_family_id'))
        batch_op.drop_index(batch_op.f('ix_mandates_account_id'))

    op.drop_table('mandates')
    with op.batch_alter_table('debit_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debit_runs_regie_id'))
        batch_op.drop_index(batch_op.f('ix_debit_runs_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_debit_runs_batch_id'))

    op.drop_table('debit_runs')
    with op.batch_alter_table('debtor_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debtor_accounts_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_debtor_accounts_family_id'))

    op.drop_table('debtor_accounts')
