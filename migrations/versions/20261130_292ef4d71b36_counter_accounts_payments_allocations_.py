"""counter: accounts, payments, allocations, write-offs, deposit slips, cash closings

Revision ID: 292ef4d71b36
Revises: 1a9539addc39
Create Date: 2026-11-30 15:18:07.835735
"""

from datetime import date, datetime, timezone
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


revision = '292ef4d71b36'
down_revision = '1a9539addc39'
branch_labels = None
depends_on = None

SETTLED_WITHIN_TOTAL = ("paid >= 0 AND written_off >= 0 AND (kind = 'avoir' AND paid = 0 AND written_off = 0"
                        " OR paid + written_off < total + 0.005)")


MONEY = sa.Numeric(12, 2)


def _money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _book_numbered_invoices() -> None:
    """Invoices numbered before the counter existed open their families' accounts, as numbering does now."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT i.id, i.regie_id, i.family_id, i.kind, i.number, i.total, i.issued_on, p.start_date, p.label,"
        " p.organisation_id FROM invoices i JOIN batches b ON b.id = i.batch_id"
        " JOIN billing_periods p ON p.id = b.period_id WHERE i.status = 'numerotee' ORDER BY i.id")).all()
    balances: dict[tuple[int, int], list] = {}
    for row in rows:
        # SQLite hands raw NUMERIC back as a float: through str, never summed as one.
        balances.setdefault((row.regie_id, row.family_id), [row.organisation_id, Decimal("0.00")])[1] += _money(row.total)
    accounts = {}
    for (regie_id, family_id), (organisation_id, balance) in balances.items():
        accounts[(regie_id, family_id)] = bind.execute(sa.text(
            "INSERT INTO accounts (organisation_id, regie_id, family_id, balance) VALUES (:o, :r, :f, :b) RETURNING id"
        ).bindparams(sa.bindparam("b", type_=MONEY)), {"o": organisation_id, "r": regie_id, "f": family_id, "b": balance}).scalar_one()
    for row in rows:
        start = date.fromisoformat(row.start_date) if isinstance(row.start_date, str) else row.start_date
        credit_note = row.kind == "avoir"
        bind.execute(sa.text(
            "INSERT INTO account_entries (account_id, kind, amount, booked_on, school_year, label, invoice_id, created_at)"
            " VALUES (:a, :k, :m, :d, :y, :l, :i, :c)").bindparams(
                sa.bindparam("m", type_=MONEY), sa.bindparam("c", type_=sa.DateTime(timezone=True))),
            {"a": accounts[(row.regie_id, row.family_id)], "k": "avoir" if credit_note else "facture", "m": _money(row.total),
             "d": row.issued_on, "y": start.year if start.month >= 9 else start.year - 1,
             "l": f"{'Avoir' if credit_note else 'Facture'} {row.number} · {row.label}", "i": row.id,
             "c": datetime.now(timezone.utc)})


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('balance', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_accounts_family_id_families')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_accounts_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_accounts_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('regie_id', 'family_id', name='uq_accounts_regie_id_family_id')
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accounts_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('cash_closings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('expected_cash', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('counted_cash', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('difference', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_cash_closings_created_by_id_users')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_cash_closings_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cash_closings')),
    sa.UniqueConstraint('regie_id', 'day', name='uq_cash_closings_regie_id_day')
    )
    op.create_table('deposit_slips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('especes', 'cheque', 'virement', 'carte', 'bon', name='paymentmode', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('provisoire', 'definitif', name='slipstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('finalized_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finalized_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status = 'definitif') = (number IS NOT NULL AND total IS NOT NULL)", name=op.f('ck_deposit_slips_final_is_numbered')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_deposit_slips_created_by_id_users')),
    sa.ForeignKeyConstraint(['finalized_by_id'], ['users.id'], name=op.f('fk_deposit_slips_finalized_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_deposit_slips_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_deposit_slips_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deposit_slips')),
    sa.UniqueConstraint('number', name=op.f('uq_deposit_slips_number'))
    )
    with op.batch_alter_table('deposit_slips', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deposit_slips_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deposit_slips_regie_id'), ['regie_id'], unique=False)

    op.create_table('school_year_closures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_school_year_closures_created_by_id_users')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_school_year_closures_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_year_closures')),
    sa.UniqueConstraint('regie_id', 'school_year', name='uq_school_year_closures_regie_id_school_year')
    )
    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('encaissement', 'remboursement', name='paymentkind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('mode', sa.Enum('especes', 'cheque', 'virement', 'carte', 'bon', name='paymentmode', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('bank', sa.String(length=80), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('cheque_number', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('receipt_number', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("mode <> 'cheque' OR kind <> 'encaissement' OR cheque_number <> ''", name=op.f('ck_payments_cheque_has_number')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_payments_account_id_accounts')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payments_created_by_id_users')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_payments_family_id_families')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_payments_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_payments_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('receipt_number', name=op.f('uq_payments_receipt_number'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_received_on'), ['received_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_regie_id'), ['regie_id'], unique=False)

    op.create_table('allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_allocations_amount_not_zero')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_allocations_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_allocations_payment_id_payments')),
    sa.ForeignKeyConstraint(['reverses_id'], ['allocations.id'], name=op.f('fk_allocations_reverses_id_allocations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocations'))
    )
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocations_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocations_payment_id'), ['payment_id'], unique=False)

    op.create_table('cancellations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('cancelled_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_cancellations_created_by_id_users')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_cancellations_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cancellations')),
    sa.UniqueConstraint('payment_id', name=op.f('uq_cancellations_payment_id'))
    )
    op.create_table('slip_items',
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('slip_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_slip_items_payment_id_payments')),
    sa.ForeignKeyConstraint(['slip_id'], ['deposit_slips.id'], name=op.f('fk_slip_items_slip_id_deposit_slips')),
    sa.PrimaryKeyConstraint('payment_id', name=op.f('pk_slip_items'))
    )
    with op.batch_alter_table('slip_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slip_items_slip_id'), ['slip_id'], unique=False)

    op.create_table('write_offs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('non_valeur', 'eteinte', 'remise_gracieuse', 'seuil', name='writeoffkind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('written_on', sa.Date(), nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_write_offs_amount_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_write_offs_account_id_accounts')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_write_offs_created_by_id_users')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_write_offs_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_write_offs'))
    )
    with op.batch_alter_table('write_offs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_write_offs_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_write_offs_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('account_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('facture', 'avoir', 'paiement', 'remboursement', 'annulation', 'non_valeur', 'report', name='entrykind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('write_off_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_entries_account_id_accounts')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_account_entries_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_account_entries_payment_id_payments')),
    sa.ForeignKeyConstraint(['write_off_id'], ['write_offs.id'], name=op.f('fk_account_entries_write_off_id_write_offs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_entries'))
    )
    with op.batch_alter_table('account_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_entries_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_entries_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_entries_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_entries_school_year'), ['school_year'], unique=False)

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('written_off', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False))
        batch_op.create_check_constraint('settled_within_total', SETTLED_WITHIN_TOTAL)

    _book_numbered_invoices()



def downgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_invoices_settled_within_total'), type_='check')
        batch_op.drop_column('written_off')
        batch_op.drop_column('paid')

    with op.batch_alter_table('account_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_entries_school_year'))
        batch_op.drop_index(batch_op.f('ix_account_entries_payment_id'))
        batch_op.drop_index(batch_op.f('ix_account_entries_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_account_entries_account_id'))

    op.drop_table('account_entries')
    with op.batch_alter_table('write_offs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_write_offs_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_write_offs_account_id'))

    op.drop_table('write_offs')
    with op.batch_alter_table('slip_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slip_items_slip_id'))

    op.drop_table('slip_items')
    op.drop_table('cancellations')
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocations_payment_id'))
        batch_op.drop_index(batch_op.f('ix_allocations_invoice_id'))

    op.drop_table('allocations')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_regie_id'))
        batch_op.drop_index(batch_op.f('ix_payments_received_on'))
        batch_op.drop_index(batch_op.f('ix_payments_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_payments_family_id'))
        batch_op.drop_index(batch_op.f('ix_payments_account_id'))

    op.drop_table('payments')
    op.drop_table('school_year_closures')
    with op.batch_alter_table('deposit_slips', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deposit_slips_regie_id'))
        batch_op.drop_index(batch_op.f('ix_deposit_slips_organisation_id'))

    op.drop_table('deposit_slips')
    op.drop_table('cash_closings')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_accounts_family_id'))

    op.drop_table('accounts')
