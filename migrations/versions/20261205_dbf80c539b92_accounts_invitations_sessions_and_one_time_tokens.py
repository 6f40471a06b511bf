"""accounts invited rather than given a password, sessions that end, login delays, one-time form tokens, job heartbeats

Revision ID: dbf80c539b92
Revises: 5d2a7c41e9b3
Create Date: 2026-12-05 09:00:00

An account left without any organisation may carry a password an administrator chose for it: its password is
made unusable, so that only its owner, through an invitation or a reset link sent to the address, chooses the
next one.
"""

import secrets

import sqlalchemy as sa
from alembic import op


revision = 'dbf80c539b92'
down_revision = '5d2a7c41e9b3'
branch_labels = None
depends_on = None

ROLES = ('administrateur', 'regisseur', 'agent', 'lecteur')


def upgrade():
    # A plain ADD COLUMN (a default, then a token per row): rebuilding `users` on SQLite would trip on the rows
    # that reference it.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=40), server_default='', nullable=False))
    users = op.get_bind().execute(sa.text("SELECT id FROM users")).scalars().all()
    for user_id in users:
        op.execute(sa.text("UPDATE users SET session_token = :token WHERE id = :id")
                   .bindparams(token=secrets.token_urlsafe(24), id=user_id))
    op.execute("UPDATE users SET password_hash = '!' WHERE NOT is_operator"
               " AND id NOT IN (SELECT user_id FROM memberships)")

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.Enum(*ROLES, name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('regie_ids', sa.JSON(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_invitations_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_invitations_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.Enum('echec', 'succes', 'deblocage', name='attemptoutcome',
                                                         native_enum=False, create_constraint=True), nullable=True))
    op.execute("UPDATE login_attempts SET outcome = CASE WHEN success THEN 'succes' ELSE 'echec' END")
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.alter_column('outcome', existing_type=sa.String(length=9), nullable=False)
        batch_op.drop_column('success')

    op.create_table('submissions',
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('result_url', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_submissions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_submissions'))
    )
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submissions_at'), ['at'], unique=False)

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_at'))
    op.drop_table('submissions')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('success', sa.Boolean(), nullable=True))
    op.execute("UPDATE login_attempts SET success = (outcome = 'succes')")
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.alter_column('success', existing_type=sa.Boolean(), nullable=False)
        batch_op.drop_column('outcome')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_organisation_id'))
    op.drop_table('invitations')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_column('active')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_token')
