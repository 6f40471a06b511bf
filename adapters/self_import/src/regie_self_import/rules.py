"""What the reader accepts but an agent should see before importing: notices, not errors.

From the format note: a line with zero meals books nothing; two identical
lines are both counted (lines of one pupil and one period add up); a period
outside the billing period being imported is for the agent to judge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .errors import located
from .records import Row


@dataclass(frozen=True)
class Notice:
    """A remark on one line of a file that was read without error."""

    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        return located(self.line, self.column, self.message)


def notices(rows: Sequence[Row], period: tuple[date, date] | None = None) -> list[Notice]:
    """Remarks on ``rows`` in line order; ``period`` is the billing period (first and last day) to import into."""
    found: list[Notice] = []
    first_seen: dict[Row, int | None] = {}
    for number, row in enumerate(rows, start=1):
        line = row.line if row.line is not None else number
        if row.meals == 0:
            found.append(Notice(line, "D", "0 repas, cette ligne ne compte rien."))
        if row in first_seen:
            found.append(Notice(line, None, f"identique à la ligne {first_seen[row]}, les deux seront comptées."))
        else:
            first_seen[row] = line
        if period is not None and not (period[0] <= row.start and row.end <= period[1]):
            found.append(
                Notice(
                    line,
                    None,
                    f"du {_fr(row.start)} au {_fr(row.end)}, hors de la période facturée"
                    f" (du {_fr(period[0])} au {_fr(period[1])}).",
                )
            )
    return found


def _fr(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
