"""attendance you can trust: an activity's weekdays and age limit, closures, enrolments, verified days

Revision ID: 56978bd243d9
Revises: 8236948ef72d
Create Date: 2026-12-05 04:35:00

Plain ADD COLUMN on `activities` (a server default fills the existing rows): no table is rebuilt.
"""

import sqlalchemy as sa
from alembic import op


revision = '56978bd243d9'
down_revision = '8236948ef72d'
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False)]


def upgrade():
    op.add_column('activities', sa.Column('weekdays', sa.String(length=7), server_default='12345', nullable=False))
    op.add_column('activities', sa.Column('max_age', sa.Integer(), nullable=True))
    op.create_table(
        'closures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        *_stamps(),
        sa.CheckConstraint('last_day >= first_day', name=op.f('ck_closures_days_ordered')),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_closures_activity_id_activities')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_closures')),
    )
    op.create_index(op.f('ix_closures_activity_id'), 'closures', ['activity_id'])
    op.create_table(
        'enrolments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('child_id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=True),
        *_stamps(),
        sa.CheckConstraint('last_day IS NULL OR last_day >= first_day', name=op.f('ck_enrolments_days_ordered')),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_enrolments_activity_id_activities')),
        sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_enrolments_child_id_children')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments')),
    )
    op.create_index('ix_enrolments_activity_id_first_day', 'enrolments', ['activity_id', 'first_day'])
    op.create_index(op.f('ix_enrolments_child_id'), 'enrolments', ['child_id'])
    op.create_table(
        'day_checks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('verified_by', sa.String(length=200), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_day_checks_activity_id_activities')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_day_checks')),
        sa.UniqueConstraint('activity_id', 'day', name='uq_day_checks_activity_id_day'),
    )


def downgrade():
    op.drop_table('day_checks')
    op.drop_index(op.f('ix_enrolments_child_id'), 'enrolments')
    op.drop_index('ix_enrolments_activity_id_first_day', 'enrolments')
    op.drop_table('enrolments')
    op.drop_index(op.f('ix_closures_activity_id'), 'closures')
    op.drop_table('closures')
    with op.batch_alter_table('activities') as batch_op:
        batch_op.drop_column('max_age')
        batch_op.drop_column('weekdays')
