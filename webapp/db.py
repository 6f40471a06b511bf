"""The SQLAlchemy base, the request-scoped session and the few query helpers every area shares."""

from __future__ import annotations

import logging
import math
import json
from contextlib import contextmanager
from contextvars import ContextVar
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import abort
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import (
    DeclarativeBase, Mapped, Session, SessionTransaction, mapped_column, scoped_session, sessionmaker,
)

# Constraint names must be stable for Alembic on both SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(value: datetime) -> datetime:
    """A stored UTC time as an aware datetime: SQLite gives it back without its time zone."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


# Bound to the engine by the app factory; tests rebind it to a connection inside a transaction.
session = scoped_session(sessionmaker(expire_on_commit=False))

T = TypeVar("T")
_AFTER_COMMIT = "regie.after_commit"
_writer: ContextVar[bool] = ContextVar("regie.writer", default=False)


@contextmanager
def as_writer() -> Iterator[None]:
    """Outside a request (a background job), SQLite transactions take the write lock as they begin, as a form
    post's do: a job that reads, then writes, waits its turn instead of failing with « database is locked »."""
    token = _writer.set(True)
    try:
        yield
    finally:
        _writer.reset(token)


def is_writer() -> bool:
    return _writer.get()


def after_commit(action: Callable[[], object]) -> None:
    """Run `action` once the current transaction has committed (a mail, a file removed); never if it rolls back."""
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


@sa.event.listens_for(session, "after_commit")
def _run_after_commit(committed: Session) -> None:
    """What was committed stays so: an action that fails (the queue unreachable) is logged, not turned into an
    error page for work that is done."""
    for action in committed.info.pop(_AFTER_COMMIT, []):
        try:
            action()
        except Exception:
            logging.getLogger(__name__).exception("after the commit, %r failed", action)


@sa.event.listens_for(session, "after_transaction_end")
def _forget_after_commit(ended: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit: nothing runs
        ended.info.pop(_AFTER_COMMIT, None)


def serialise(key: str) -> None:
    """Until the transaction ends, whoever else asks for the same key waits: on PostgreSQL an advisory lock;
    SQLite already runs one writing request at a time."""
    if on_postgresql():
        session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def first_or_404(stmt: sa.Select) -> Any:
    obj = session.scalar(stmt)
    if obj is None:
        abort(404)
    return obj


def get_or_404(model: type[T], ident: Any, **scope: Any) -> T:
    """Load one row by id, restricted to the given scope (e.g. organisation_id): out of scope is 404."""
    return first_or_404(sa.select(model).filter_by(id=ident, **scope))


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(stmt: sa.Select, page: int, per_page: int = 25) -> Page:
    """One page of the rows; a page beyond the last shows the last (a bookmark after rows went away, a number
    typed in the address), so the OFFSET stays within the rows and never overflows the database's integer."""
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = min(max(1, page), max(1, math.ceil(total / per_page)))
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)


def on_postgresql() -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert(model: Any) -> Any:
    """An INSERT that knows ON CONFLICT DO NOTHING, in the dialect of the database in use."""
    return (postgresql.insert if on_postgresql() else sqlite.insert)(model)


def chunks(ids: Sequence[T], size: int = 10_000) -> Iterator[Sequence[T]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def among(column: sa.ColumnElement[int], ids: Sequence[int]) -> list[sa.ColumnElement[bool]]:
    """`column IN ids` for a list of any length, as conditions to query one after the other: a single array on
    PostgreSQL (which takes at most 65,535 parameters a statement, and plans long IN lists slowly), pieces of
    10,000 elsewhere."""
    if on_postgresql():
        return [column == sa.any_(sa.bindparam("ids", list(ids), type_=postgresql.ARRAY(sa.Integer), unique=True))]
    return [column.in_(part) for part in chunks(ids)]


def insert_rows(table: sa.Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows and return their ids in order. On PostgreSQL one INSERT from the values as arrays (an
    executemany is one INSERT a row there, and a multi-row VALUES of thousands is slow to send); elsewhere
    SQLAlchemy's batched multi-row INSERTs."""
    if not rows:
        return []
    if not on_postgresql():
        return list(session.scalars(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))
    names = list(rows[0])
    if any(row.keys() != rows[0].keys() for row in rows):
        raise ValueError("insert_rows: every row names the same columns")
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    arrays = ", ".join(f"CAST(:c{n} AS {table.c[name].type.compile(dialect)}[])" for n, name in enumerate(names))
    values = {f"c{n}": [json.dumps(row[name]) if isinstance(table.c[name].type, sa.JSON) else row[name]
                        for row in rows] for n, name in enumerate(names)}
    # Rows go in in the arrays' order (ORDER BY), so the sequence numbers them in that order.
    return sorted(session.scalars(sa.text(
        f"INSERT INTO {quote(table.name)} ({columns}) SELECT {columns} FROM unnest({arrays}) WITH ORDINALITY "
        f"AS v({columns}, row_number) ORDER BY row_number RETURNING id"), values))


def update_rows(table: sa.Table, rows: list[dict[str, Any]], **same: Any) -> None:
    """Give many rows, found by their `id`, values of their own (and the `same` ones): on PostgreSQL one UPDATE
    joined to the values as arrays (200,000 single-row UPDATEs take it ten seconds); elsewhere an executemany."""
    if not rows:
        return
    names = [name for name in rows[0] if name != "id"]
    if any(row.keys() != rows[0].keys() for row in rows):
        raise ValueError("update_rows: every row names the same columns")
    if not on_postgresql():
        statement = sa.update(table).where(table.c.id == sa.bindparam("row_id")).values(
            **{name: sa.bindparam(f"row_{name}") for name in names}, **same)
        session.execute(statement, [{f"row_{key}": value for key, value in row.items()} for row in rows])
        return
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    arrays = ", ".join(f"CAST(:{name} AS {table.c[name].type.compile(dialect)}[])" for name in ["id", *names])
    assignments = ", ".join([*(f"{quote(name)} = v.{quote(name)}" for name in names),
                             *(f"{quote(name)} = :same_{name}" for name in same)])
    columns = ", ".join(quote(name) for name in ["id", *names])
    session.execute(
        sa.text(f"UPDATE {quote(table.name)} SET {assignments} FROM unnest({arrays}) AS v({columns})"
                f" WHERE {quote(table.name)}.id = v.id").bindparams(
            *(sa.bindparam(f"same_{name}", type_=table.c[name].type) for name in same)),
        {**{name: [row[name] for row in rows] for name in ["id", *names]},
         **{f"same_{name}": value for name, value in same.items()}})


def enum_column(enum_cls: type, **kw: Any) -> Any:
    """An enum stored as its value in a VARCHAR with a CHECK, identical on SQLite and PostgreSQL."""
    return mapped_column(
        sa.Enum(
            enum_cls,
            native_enum=False,
            create_constraint=True,
            length=max(len(m.value) for m in enum_cls),
            values_callable=lambda e: [m.value for m in e],
            name=enum_cls.__name__.lower(),
        ),
        **kw,
    )
