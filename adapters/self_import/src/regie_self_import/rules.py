"""What the reader accepts but an agent should see before importing: notices,
and the lines no pupil can have eaten: errors.

From the format note: a line with zero meals books nothing; two identical
lines are both counted (lines of one pupil and one period add up); a period
outside the billing period being imported is for the agent to judge. More
meals than days allow is a typing slip (44 for 4) that would bill meals
nobody ate: the file is refused, naming the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .errors import MAX_PROBLEMS, FieldError, Problems, located
from .records import Row

#: The most meals a pupil takes in a day: lunch, and a breakfast, a snack or a dinner where a holiday
#: centre serves one. A third meal a day is no real canteen's; days are calendar days, weekends included.
MAX_MEALS_PER_DAY = 2


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


def check_plausible(
    rows: Sequence[Row], ceiling: int = MAX_MEALS_PER_DAY, *, max_problems: int = MAX_PROBLEMS
) -> None:
    """Raise ``InvalidFile`` naming each line with more meals (a correction counts by its size) than
    ``ceiling`` a day over the days of its range, the first ``max_problems`` of them and how many more."""
    problems = Problems(max_problems)
    for number, row in enumerate(rows, start=1):
        days = (row.end - row.start).days + 1
        if abs(row.meals) > ceiling * days:
            expected = (
                f"au plus {ceiling * days} repas du {_fr(row.start)} au {_fr(row.end)}"
                f" ({ceiling} par jour sur {days} jour{'s' if days > 1 else ''})"
            )
            line = row.line if row.line is not None else number
            problems.add(FieldError(expected, line=line, column="D", value=row.meals))
    problems.raise_any()


def _fr(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
