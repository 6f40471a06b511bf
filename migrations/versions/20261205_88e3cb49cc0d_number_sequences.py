"""number sequences: the counters table, named after what it holds, its year no longer called fiscal

Revision ID: 88e3cb49cc0d
Revises: dbf80c539b92
Create Date: 2026-12-05 12:00:00

A new table and a copy rather than renames: its constraints take the names the naming convention gives them.
"""

import sqlalchemy as sa
from alembic import op


revision = '88e3cb49cc0d'
down_revision = 'dbf80c539b92'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('number_sequences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.CheckConstraint('last_value >= 0', name=op.f('ck_number_sequences_last_value_positive')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_number_sequences_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_number_sequences')),
    sa.UniqueConstraint('regie_id', 'year', 'kind', name='uq_number_sequences_regie_id_year_kind')
    )
    op.execute("INSERT INTO number_sequences (id, regie_id, year, kind, last_value)"
               " SELECT id, regie_id, fiscal_year, kind, last_value FROM counters")
    if op.get_bind().dialect.name == "postgresql":  # the ids were copied: the next one follows them
        op.execute("SELECT setval(pg_get_serial_sequence('number_sequences', 'id'),"
                   " COALESCE((SELECT max(id) FROM number_sequences), 0) + 1, false)")
    op.drop_table('counters')


def downgrade():
    op.create_table('counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('regie_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.CheckConstraint('last_value >= 0', name=op.f('ck_counters_last_value_positive')),
    sa.ForeignKeyConstraint(['regie_id'], ['regies.id'], name=op.f('fk_counters_regie_id_regies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counters')),
    sa.UniqueConstraint('regie_id', 'fiscal_year', 'kind', name='uq_counters_regie_id_fiscal_year_kind')
    )
    op.execute("INSERT INTO counters (id, regie_id, fiscal_year, kind, last_value)"
               " SELECT id, regie_id, year, kind, last_value FROM number_sequences")
    op.drop_table('number_sequences')
