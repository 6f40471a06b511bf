"""reminders by e-mail or on paper: each reminder's channel, its e-mail's outcome, a level's e-mail text

Revision ID: e4b6d2a8c017
Revises: c9a0cdcf9d86
Create Date: 2026-12-05 10:40:00

The reminders sent are append-only (triggers): their channel is a plain ADD COLUMN with its CHECK inline, the same
statement on both databases, so SQLite keeps the table and its triggers instead of rebuilding it. The reminders
sent before went by post.
"""

from alembic import op
import sqlalchemy as sa


revision = 'e4b6d2a8c017'
down_revision = 'c9a0cdcf9d86'
branch_labels = None
depends_on = None

ACTIVE_ON_SOURCE = "status IN ('en_attente', 'en_cours') AND source <> ''"


def upgrade() -> None:
    op.add_column('reminder_levels', sa.Column('email_text', sa.Text(), server_default='', nullable=False))
    op.execute("ALTER TABLE reminders ADD COLUMN channel VARCHAR(8) DEFAULT 'courrier' NOT NULL "
               "CONSTRAINT ck_reminders_reminderchannel CHECK (channel IN ('courrier', 'email'))")
    op.create_table('reminder_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reminder_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('status', sa.Enum('en_attente', 'envoye', 'echec', name='reminderemailstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_reminder_emails_job_id_jobs')),
    sa.ForeignKeyConstraint(['reminder_id'], ['reminders.id'], name=op.f('fk_reminder_emails_reminder_id_reminders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_emails')),
    sa.UniqueConstraint('reminder_id', name=op.f('uq_reminder_emails_reminder_id'))
    )
    op.create_index('uq_jobs_source_kind_active', 'jobs', ['source', 'kind'], unique=True,
                    sqlite_where=sa.text(ACTIVE_ON_SOURCE), postgresql_where=sa.text(ACTIVE_ON_SOURCE))


def downgrade() -> None:
    op.drop_index('uq_jobs_source_kind_active', 'jobs')
    op.drop_table('reminder_emails')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE reminders DROP CONSTRAINT ck_reminders_reminderchannel")
    op.execute("ALTER TABLE reminders DROP COLUMN channel")
    op.execute("ALTER TABLE reminder_levels DROP COLUMN email_text")
