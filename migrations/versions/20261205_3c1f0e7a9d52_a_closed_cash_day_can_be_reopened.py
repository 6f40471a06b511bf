"""a closed cash day can be reopened, for a reason, and closed again

Revision ID: 3c1f0e7a9d52
Revises: 06dce6faa860
Create Date: 2026-12-05 05:00:00

A reopening is a row of its own, append-only like the closing it reopens; the day's next closing is its next
attempt. On SQLite, changing the unique constraint rebuilds `cash_closings` without its triggers: they are made
again here, under the names the append-only migration gave them.
"""

import sqlalchemy as sa
from alembic import op


revision = '3c1f0e7a9d52'
down_revision = '06dce6faa860'
branch_labels = None
depends_on = None

CLOSINGS = [("regie_frozen_cash_closings_update_10", "UPDATE"), ("regie_frozen_cash_closings_delete_11", "DELETE")]
REOPENINGS = [("regie_frozen_cash_reopenings_update", "UPDATE"), ("regie_frozen_cash_reopenings_delete", "DELETE")]


def _freeze(table: str, triggers: list[tuple[str, str]], message: str) -> None:
    for name, event in triggers:
        if op.get_bind().dialect.name == "postgresql":
            row = "OLD" if event == "DELETE" else "NEW"
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
                       f"'{message}' USING ERRCODE = 'integrity_constraint_violation'; RETURN {row}; END $$")
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
        else:
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW "
                       f"BEGIN SELECT RAISE(ABORT, '{message}'); END")


def _unfreeze(table: str, triggers: list[tuple[str, str]]) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, _event in triggers:
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
        if postgresql:
            op.execute(f"DROP FUNCTION {name}()")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    with op.batch_alter_table('cash_closings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint('uq_cash_closings_regie_id_day', type_='unique')
        batch_op.create_unique_constraint('uq_cash_closings_regie_id_day_attempt', ['regie_id', 'day', 'attempt'])
    if _sqlite():
        _freeze('cash_closings', CLOSINGS, "Une clôture de caisse est définitive.")
    op.create_table(
        'cash_reopenings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('closing_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['closing_id'], ['cash_closings.id'],
                                name=op.f('fk_cash_reopenings_closing_id_cash_closings')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_cash_reopenings_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cash_reopenings')),
        sa.UniqueConstraint('closing_id', name=op.f('uq_cash_reopenings_closing_id')),
    )
    _freeze('cash_reopenings', REOPENINGS, "Une réouverture de caisse est définitive.")


def downgrade():
    _unfreeze('cash_reopenings', REOPENINGS)
    op.drop_table('cash_reopenings')
    if _sqlite():
        _unfreeze('cash_closings', CLOSINGS)
    with op.batch_alter_table('cash_closings', schema=None) as batch_op:
        batch_op.drop_constraint('uq_cash_closings_regie_id_day_attempt', type_='unique')
        batch_op.create_unique_constraint('uq_cash_closings_regie_id_day', ['regie_id', 'day'])
        batch_op.drop_column('attempt')
    if _sqlite():
        _freeze('cash_closings', CLOSINGS, "Une clôture de caisse est définitive.")
