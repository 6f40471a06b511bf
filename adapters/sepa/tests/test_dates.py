from datetime import date

import pytest

from regie_sepa.dates import LeadTime, check_collection_date, earliest_collection_date, is_business_day
from regie_sepa.errors import CollectionDateError
from regie_sepa.records import Sequence

CLOSED_2026 = [date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1),
               date(2026, 12, 25), date(2026, 12, 26)]


@pytest.mark.parametrize("day", CLOSED_2026 + [date(2026, 11, 21), date(2026, 11, 22)])
def test_target2_closing_days(day):
    assert not is_business_day(day)


@pytest.mark.parametrize("day", [date(2026, 7, 14), date(2026, 11, 11), date(2026, 5, 14), date(2026, 12, 24)])
def test_french_bank_holidays_are_target2_business_days(day):
    assert is_business_day(day)


@pytest.mark.parametrize(("today", "sequence", "lead", "expected"), [
    (date(2026, 11, 23), Sequence.RCUR, LeadTime(), date(2026, 11, 25)),
    (date(2026, 11, 27), Sequence.FIRST, LeadTime(), date(2026, 12, 1)),
    (date(2026, 11, 22), Sequence.RCUR, LeadTime(), date(2026, 11, 24)),
    (date(2026, 4, 1), Sequence.RCUR, LeadTime(), date(2026, 4, 7)),
    (date(2026, 11, 23), Sequence.FIRST, LeadTime(first=5), date(2026, 11, 30)),
    (date(2026, 11, 23), Sequence.OOFF, LeadTime(first=5, recurrent=1), date(2026, 11, 30)),
    (date(2026, 11, 23), Sequence.FNAL, LeadTime(first=5, recurrent=1), date(2026, 11, 24)),
])
def test_earliest_collection_date(today, sequence, lead, expected):
    assert earliest_collection_date(today, sequence, lead) == expected


def test_closing_day_refused():
    with pytest.raises(CollectionDateError, match="fermeture TARGET2") as caught:
        check_collection_date(date(2026, 12, 25), date(2026, 12, 1), Sequence.RCUR, transaction="E1")
    assert (caught.value.transaction, caught.value.field) == ("E1", "collection_date")


def test_inside_lead_time_refused():
    with pytest.raises(CollectionDateError, match="le premier jour possible en RCUR est le 25/11/2026"):
        check_collection_date(date(2026, 11, 24), date(2026, 11, 23), Sequence.RCUR)
    check_collection_date(date(2026, 11, 25), date(2026, 11, 23), Sequence.RCUR)
