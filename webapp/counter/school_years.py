"""School years, the unit the books are closed and carried forward in: French and Belgian school years both
start at the end of summer, and September is the month they live in."""

from __future__ import annotations

from datetime import date

SCHOOL_YEAR_FIRST_MONTH = 9


def school_year_of(day: date) -> int:
    """The year the school year started: 2026 for 2026-2027."""
    return day.year if day.month >= SCHOOL_YEAR_FIRST_MONTH else day.year - 1


def school_year_label(year: int) -> str:
    return f"{year}-{year + 1}"


def school_year_bounds(year: int) -> tuple[date, date]:
    return date(year, SCHOOL_YEAR_FIRST_MONTH, 1), date(year + 1, SCHOOL_YEAR_FIRST_MONTH, 1)
