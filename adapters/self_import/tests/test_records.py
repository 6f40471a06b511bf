"""A ``Row`` is valid by construction, whoever builds it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from regie_self_import import FieldError, Row

D = date(2026, 1, 5)
VALID = {"pupil_id": "0001234567", "start": D, "end": D, "meals": 4, "unit_price": Decimal("3.45")}


@pytest.mark.parametrize(
    ("field", "value", "column"),
    [
        ("pupil_id", "", "A"),
        ("pupil_id", "12345678901", "A"),
        ("pupil_id", " 1", "A"),
        ("pupil_id", "1\t2", "A"),
        ("pupil_id", 1234567, "A"),
        ("start", "2026-01-05", "B"),
        ("start", datetime(2026, 1, 5), "B"),
        ("end", None, "C"),
        ("end", date(2026, 1, 4), "C"),
        ("meals", True, "D"),
        ("meals", 4.0, "D"),
        ("meals", 10_000, "D"),
        ("meals", -10_000, "D"),
        ("unit_price", 3.45, "E"),
        ("unit_price", "3.45", "E"),
        ("unit_price", Decimal("-0.01"), "E"),
        ("unit_price", Decimal("3.455"), "E"),
        ("unit_price", Decimal("1000000"), "E"),
        ("unit_price", Decimal("NaN"), "E"),
        ("unit_price", Decimal("sNaN"), "E"),
        ("unit_price", Decimal("Infinity"), "E"),
        ("unit_price", Decimal("1E+30"), "E"),
    ],
)
def test_refused_values_name_their_column(field, value, column):
    with pytest.raises(FieldError) as caught:
        Row(**{**VALID, field: value}, line=7)
    assert (caught.value.column, caught.value.field, caught.value.line) == (column, field, 7)


@pytest.mark.parametrize(
    ("price", "kept"),
    [(Decimal("3.5"), "3.50"), (Decimal("3.450"), "3.45"), (Decimal("-0"), "0.00"), (Decimal("1E+2"), "100.00")],
)
def test_price_is_kept_with_two_places_and_no_sign(price, kept):
    assert str(Row(**{**VALID, "unit_price": price}).unit_price) == kept


def test_amount_is_meals_times_price_and_a_credit_when_negative():
    assert Row(**{**VALID, "meals": -3}).amount == Decimal("-10.35")
    assert Row(**{**VALID, "unit_price": None}).amount is None


def test_line_is_provenance_not_content():
    assert Row(**VALID, line=3) == Row(**VALID, line=9)
    assert len({Row(**VALID, line=3), Row(**VALID)}) == 1


def test_rows_are_frozen():
    with pytest.raises(AttributeError):
        Row(**VALID).meals = 5  # type: ignore[misc]


def test_a_message_without_a_line_starts_with_the_column():
    with pytest.raises(FieldError) as caught:
        Row(**{**VALID, "end": date(2026, 1, 4)})
    assert str(caught.value) == (
        "Colonne C (date de fin) : « 20260104 » reçu,"
        " attendu : une date de fin égale ou postérieure à la date de début (20260105)."
    )
