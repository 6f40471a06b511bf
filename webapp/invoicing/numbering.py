"""Gapless numbers: a counter row per régie, fiscal year and kind, moved forward inside the transaction
that uses the numbers. The UPDATE holds the row lock until commit, so a second agent numbering at the
same moment waits and takes the next range; a rolled-back numbering rolls its counter back too."""

from __future__ import annotations

import sqlalchemy as sa

from webapp import db
from webapp.invoicing.models import Counter


def _insert_if_missing(regie_id: int, fiscal_year: int, kind: str) -> None:
    db.session.execute(
        db.insert(Counter).values(regie_id=regie_id, fiscal_year=fiscal_year, kind=kind, last_value=0)
        .on_conflict_do_nothing(index_elements=["regie_id", "fiscal_year", "kind"])
    )


def reserve(regie_id: int, fiscal_year: int, kind: str, count: int) -> int:
    """Take `count` consecutive numbers and return the first."""
    _insert_if_missing(regie_id, fiscal_year, kind)
    last = db.session.execute(
        sa.update(Counter)
        .where(Counter.regie_id == regie_id, Counter.fiscal_year == fiscal_year, Counter.kind == kind)
        .values(last_value=Counter.last_value + count)
        .returning(Counter.last_value)
    ).scalar_one()
    return last - count + 1
