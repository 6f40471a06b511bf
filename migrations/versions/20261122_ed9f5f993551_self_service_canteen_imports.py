"""self-service canteen imports

Revision ID: ed9f5f993551
Revises: de6db8d07dda
Create Date: 2026-11-22 22:06:10.699400
"""

from alembic import op
import sqlalchemy as sa


revision = 'ed9f5f993551'
down_revision = 'de6db8d07dda'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consumption_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('encoding', sa.String(length=20), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('meals', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_consumption_imports_activity_id_activities')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_consumption_imports_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_consumption_imports_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['period_id'], ['billing_periods.id'], name=op.f('fk_consumption_imports_period_id_billing_periods')),
    sa.ForeignKeyConstraint(['undone_by_id'], ['users.id'], name=op.f('fk_consumption_imports_undone_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consumption_imports'))
    )
    with op.batch_alter_table('consumption_imports', schema=None) as batch_op:
        batch_op.create_index('ix_consumption_imports_organisation_id_content_hash', ['organisation_id', 'content_hash'], unique=False)

    op.create_table('imported_consumptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('meals', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('billed_invoice_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_imported_consumptions_dates_ordered')),
    sa.CheckConstraint('unit_price IS NULL OR unit_price >= 0', name=op.f('ck_imported_consumptions_price_positive')),
    sa.ForeignKeyConstraint(['billed_invoice_id'], ['invoices.id'], name=op.f('fk_imported_consumptions_billed_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_imported_consumptions_child_id_children')),
    sa.ForeignKeyConstraint(['import_id'], ['consumption_imports.id'], name=op.f('fk_imported_consumptions_import_id_consumption_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_consumptions'))
    )
    with op.batch_alter_table('imported_consumptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imported_consumptions_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_imported_consumptions_import_id'), ['import_id'], unique=False)

    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.add_column(sa.Column('canteen_id', sa.String(length=10), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_children_canteen_id'), ['canteen_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_children_canteen_id'))
        batch_op.drop_column('canteen_id')

    with op.batch_alter_table('imported_consumptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imported_consumptions_import_id'))
        batch_op.drop_index(batch_op.f('ix_imported_consumptions_child_id'))

    op.drop_table('imported_consumptions')
    with op.batch_alter_table('consumption_imports', schema=None) as batch_op:
        batch_op.drop_index('ix_consumption_imports_organisation_id_content_hash')

    op.drop_table('consumption_imports')
