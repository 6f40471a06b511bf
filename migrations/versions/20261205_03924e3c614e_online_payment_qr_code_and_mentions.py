"""PayFiP operations, the régie's mentions and payment settings, an activity's place, two online payment modes

Revision ID: 03924e3c614e
Revises: 3c1f0e7a9d52
Create Date: 2026-12-05 07:16:32.986612

The payment mode's CHECK lists its values, which autogenerate does not see. On SQLite, changing it rebuilds
`payments` and `deposit_slips` without their append-only triggers: they are made again here, under the names
the append-only migration gave them.
"""

from alembic import op
import sqlalchemy as sa


revision = '03924e3c614e'
down_revision = '3c1f0e7a9d52'
branch_labels = None
depends_on = None

MODES_BEFORE = "'especes', 'cheque', 'virement', 'carte', 'bon'"
MODES_AFTER = MODES_BEFORE + ", 'payfip_carte', 'payfip_prelevement'"
# (table, trigger, event, condition, message) as 5d2a7c41e9b3 made them.
FROZEN = [
    ("payments", "regie_frozen_payments_update_0", "UPDATE", None,
     "Un règlement ne se modifie ni ne s''efface : enregistrez une annulation."),
    ("payments", "regie_frozen_payments_delete_1", "DELETE", None,
     "Un règlement ne se modifie ni ne s''efface : enregistrez une annulation."),
    ("deposit_slips", "regie_frozen_deposit_slips_update_16", "UPDATE", "OLD.status = 'definitif'",
     "Un bordereau définitif ne change plus."),
    ("deposit_slips", "regie_frozen_deposit_slips_delete_17", "DELETE", "OLD.status = 'definitif'",
     "Un bordereau définitif ne s''efface pas."),
]


def _payment_modes(values: str, length: int) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # the slip items' triggers name deposit_slips: its rebuild must not check them mid-way
        op.execute("PRAGMA legacy_alter_table = ON")
    for table in ("payments", "deposit_slips"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_paymentmode'), type_='check')
            batch_op.alter_column('mode', existing_type=sa.String(), type_=sa.String(length=length),
                                  existing_nullable=False)
            batch_op.create_check_constraint('paymentmode', f"mode IN ({values})")
    if sqlite:
        op.execute("PRAGMA legacy_alter_table = OFF")
        for table, name, event, condition, message in FROZEN:
            when = f" WHEN {condition}" if condition else ""
            op.execute(f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON {table} FOR EACH ROW{when} "
                       f"BEGIN SELECT RAISE(ABORT, '{message}'); END")


def upgrade() -> None:
    op.create_table('online_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('idop', sa.String(length=64), nullable=False),
    sa.Column('refdet', sa.String(length=30), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('mode', sa.Enum('T', 'X', 'W', name='payfipmode', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('en_cours', 'payee', 'refusee', 'abandonnee', 'expiree', name='onlinestatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('result', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_online_payments_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_online_payments_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_online_payments_payment_id_payments')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_online_payments_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_online_payments')),
    sa.UniqueConstraint('idop', name=op.f('uq_online_payments_idop')),
    sa.UniqueConstraint('payment_id', name=op.f('uq_online_payments_payment_id')),
    sa.UniqueConstraint('refdet', name=op.f('uq_online_payments_refdet'))
    )
    with op.batch_alter_table('online_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_online_payments_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_online_payments_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_online_payments_regie_id'), ['regie_id'], unique=False)

    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('place', sa.String(length=120), server_default='', nullable=False))

    _payment_modes(MODES_AFTER, 18)

    with op.batch_alter_table('regies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('regisseur', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('payment_terms', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('regulation', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('complaints', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('transfer_qr', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('payfip_enabled', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('payfip_client', sa.String(length=6), server_default='', nullable=False))
        batch_op.add_column(sa.Column('payfip_mode', sa.Enum('T', 'X', 'W', name='payfipmode', native_enum=False, create_constraint=True), server_default='T', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('regies', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_regies_payfipmode'), type_='check')
        batch_op.drop_column('payfip_mode')
        batch_op.drop_column('payfip_client')
        batch_op.drop_column('payfip_enabled')
        batch_op.drop_column('transfer_qr')
        batch_op.drop_column('complaints')
        batch_op.drop_column('regulation')
        batch_op.drop_column('payment_terms')
        batch_op.drop_column('regisseur')

    _payment_modes(MODES_BEFORE, 8)

    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('place')

    with op.batch_alter_table('online_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_online_payments_regie_id'))
        batch_op.drop_index(batch_op.f('ix_online_payments_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_online_payments_invoice_id'))

    op.drop_table('online_payments')
