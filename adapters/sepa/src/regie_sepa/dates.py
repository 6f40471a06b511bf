"""Collection dates: TARGET2 business days and the creditor's lead time.

TARGET2 closing days (weekends, 1 January, Good Friday, Easter Monday,
1 May, 25 and 26 December) come from the ``holidays`` library's ECB/TARGET2
financial calendar, not from a hand-written list.

Lead time default: **2 TARGET2 business days** for every sequence. Since
rulebook 9.2 (20 November 2016, EPC explanatory note on COR1/SMNDA) every
sequence may reach the debtor bank at D-1; the creditor's bank wants the file
one day earlier still (customer cut-off, commonly D-2: GoCardless FR).
Creditors whose bank keeps the pre-2016 cycle set ``LeadTime(first=5, recurrent=2)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays

from .errors import CollectionDateError
from .records import Sequence


@dataclass(frozen=True)
class LeadTime:
    """TARGET2 business days between sending the file and the collection date."""

    first: int = 2  # FIRST and OOFF
    recurrent: int = 2  # RCUR and FNAL

    def days(self, sequence: Sequence) -> int:
        return self.first if sequence in (Sequence.FIRST, Sequence.OOFF) else self.recurrent


@cache
def _closing_days() -> holidays.HolidayBase:
    return holidays.financial_holidays("XECB")


def is_business_day(day: date) -> bool:
    """True on a TARGET2 business day.

    >>> is_business_day(date(2026, 12, 24)), is_business_day(date(2026, 12, 25))
    (True, False)
    """
    return day.weekday() < 5 and day not in _closing_days()


def next_business_day(day: date) -> date:
    """The first TARGET2 business day strictly after ``day``."""
    day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def earliest_collection_date(today: date, sequence: Sequence, lead: LeadTime = LeadTime()) -> date:
    """The earliest collection date for a file sent ``today``.

    >>> earliest_collection_date(date(2026, 12, 23), Sequence.RCUR)  # 25, 26 Dec closed
    datetime.date(2026, 12, 28)
    """
    day = today
    for _ in range(lead.days(sequence)):
        day = next_business_day(day)
    return day


PRENOTIFICATION_DAYS = 14  # EPC rulebook default, unless the parties agreed otherwise


def short_notice(collection_dates: Iterable[tuple[str, date]], today: date,
                 days: int = PRENOTIFICATION_DAYS) -> list[str]:
    """French warnings for collections due less than ``days`` days after ``today``.

    The debtor must be told of each collection (pre-notification) at least 14
    calendar days before, unless the mandate or contract says otherwise.
    """
    return [f"transaction {ref} : échéance du {day:%d/%m/%Y} à moins de {days} jours, "
            "vérifier que le débiteur a été prévenu (pré-notification)"
            for ref, day in collection_dates if (day - today).days < days]


def check_collection_date(day: date, today: date, sequence: Sequence, lead: LeadTime = LeadTime(),
                          transaction: str | None = None) -> None:
    """Raise :class:`CollectionDateError` on a closing day or inside the lead time."""
    if not is_business_day(day):
        raise CollectionDateError(
            f"le {day:%d/%m/%Y} est un jour de fermeture TARGET2 (week-end ou jour férié bancaire)",
            field="collection_date", value=day, transaction=transaction)
    earliest = earliest_collection_date(today, sequence, lead)
    if day < earliest:
        raise CollectionDateError(
            f"date de prélèvement du {day:%d/%m/%Y} trop proche : pour un envoi le {today:%d/%m/%Y}, "
            f"le premier jour possible en {sequence.name} est le {earliest:%d/%m/%Y}",
            field="collection_date", value=day, transaction=transaction)
