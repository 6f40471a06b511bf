"""reminder run modes, reminder date and period, families at the bailiff, titles after the last reminder level,
reminder levels per activity

Revision ID: 972105fec44e
Revises: 2e9abc8da546
Create Date: 2026-12-05 10:30:00.000000

New columns and one new table; `reminder_levels` (no trigger) is rebuilt on SQLite for its unique constraints: one
rank per activity's set, and per the régie's own set (a partial index). `reminder_runs` must not be rebuilt (a rebuild on SQLite drops the triggers that
freeze a validated run): its enum column is added by ALTER TABLE with its CHECK inline, which SQLite accepts.
"""

from alembic import op
import sqlalchemy as sa

from webapp import frozen_rows


revision = '972105fec44e'
down_revision = '2e9abc8da546'
branch_labels = None
depends_on = None

MODE_CHECK = "CONSTRAINT ck_reminder_runs_runmode CHECK (mode IN ('solde', 'enfant', 'facture'))"
#: The triggers of c9a0cdcf9d86 on `reminder_runs`, which a rebuild on SQLite drops (the downgrade restores them).
FROZEN_RUNS = [
    ("reminder_runs", "regie_frozen_reminder_runs_update", "UPDATE", "OLD.status = 'validee'",
     "Des relances validées ne changent plus."),
    ("reminder_runs", "regie_frozen_reminder_runs_delete", "DELETE", "OLD.status = 'validee'",
     "Des relances validées ne s''effacent pas."),
]


def upgrade() -> None:
    op.create_table('families_at_bailiff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_families_at_bailiff_created_by_id_users')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_families_at_bailiff_family_id_families')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_families_at_bailiff_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_families_at_bailiff_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_families_at_bailiff')),
    sa.UniqueConstraint('regie_id', 'family_id', name='uq_families_at_bailiff_regie_id_family_id')
    )
    with op.batch_alter_table('families_at_bailiff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_families_at_bailiff_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_families_at_bailiff_organisation_id'), ['organisation_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.add_column('reminder_runs', sa.Column('mode', sa.Enum('solde', 'enfant', 'facture', name='runmode', native_enum=False, create_constraint=True), server_default='solde', nullable=False))
    else:
        op.execute(f"ALTER TABLE reminder_runs ADD COLUMN mode VARCHAR(7) DEFAULT 'solde' NOT NULL {MODE_CHECK}")
    op.add_column('reminder_runs', sa.Column('reminder_date', sa.Date(), nullable=True))
    op.add_column('reminder_runs', sa.Column('issued_from', sa.Date(), nullable=True))
    op.add_column('reminder_runs', sa.Column('issued_to', sa.Date(), nullable=True))
    op.add_column('title_runs', sa.Column('after_last_reminder', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('reminder_levels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reminder_levels_activity_id_activities'), 'activities', ['activity_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_reminder_levels_activity_id'), ['activity_id'], unique=False)
        batch_op.drop_constraint('uq_reminder_levels_regie_id_rank', type_='unique')
        batch_op.create_unique_constraint('uq_reminder_levels_regie_id_activity_id_rank', ['regie_id', 'activity_id', 'rank'])
    op.create_index('uq_reminder_levels_regie_id_rank', 'reminder_levels', ['regie_id', 'rank'], unique=True,
                    sqlite_where=sa.text('activity_id IS NULL'), postgresql_where=sa.text('activity_id IS NULL'))


def downgrade() -> None:
    # The older schema has no activity levels: kept, they would become régie levels and collide on the régie's
    # ranks, so the operator decides what becomes of them before anything changes.
    if held := op.get_bind().scalar(sa.text("SELECT count(*) FROM reminder_levels WHERE activity_id IS NOT NULL")):
        raise RuntimeError(f"Cannot downgrade 972105fec44e: {held} reminder level(s) belong to an activity. Delete "
                           "the activities' reminder levels first (reminder_levels rows with activity_id set, and "
                           "the reminders using them).")
    op.drop_index('uq_reminder_levels_regie_id_rank', table_name='reminder_levels')
    with op.batch_alter_table('reminder_levels', schema=None) as batch_op:
        batch_op.drop_constraint('uq_reminder_levels_regie_id_activity_id_rank', type_='unique')
        batch_op.create_unique_constraint('uq_reminder_levels_regie_id_rank', ['regie_id', 'rank'])
        batch_op.drop_index(batch_op.f('ix_reminder_levels_activity_id'))
        batch_op.drop_constraint(batch_op.f('fk_reminder_levels_activity_id_activities'), type_='foreignkey')
        batch_op.drop_column('activity_id')
    op.drop_column('title_runs', 'after_last_reminder')
    with op.batch_alter_table('reminder_runs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_reminder_runs_runmode'), type_='check')
        for column in ('issued_to', 'issued_from', 'reminder_date', 'mode'):
            batch_op.drop_column(column)
    if op.get_bind().dialect.name != "postgresql":
        frozen_rows.create(FROZEN_RUNS)
    with op.batch_alter_table('families_at_bailiff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_families_at_bailiff_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_families_at_bailiff_family_id'))

    op.drop_table('families_at_bailiff')
