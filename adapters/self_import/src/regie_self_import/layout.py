"""The layout of the file: five tab-separated columns, dates written ``AAAAMMJJ``."""

from __future__ import annotations

from datetime import date

#: Column letter -> (attribute of ``Row``, French label), in file order.
COLUMNS: dict[str, tuple[str, str]] = {
    "A": ("pupil_id", "identifiant élève"),
    "B": ("start", "date de début"),
    "C": ("end", "date de fin"),
    "D": ("meals", "nombre de repas"),
    "E": ("unit_price", "prix unitaire"),
}


def compact(day: date) -> str:
    """A date as the file writes it, ``AAAAMMJJ`` (zero-padded for years before 1000, unlike ``%Y``)."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"
