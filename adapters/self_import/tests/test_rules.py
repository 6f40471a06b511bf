"""Notices: what an agent should see before importing a file that reads without error."""

from __future__ import annotations

from datetime import date

import pytest

from regie_self_import import InvalidFile, read
from regie_self_import.records import Row
from regie_self_import.rules import check_plausible, notices

JANUARY = (date(2026, 1, 1), date(2026, 1, 31))


def test_zero_meals_identical_lines_and_periods_outside_the_billing_period():
    rows = read(
        b"A\t20260105\t20260109\t0\t\r\n"
        b"B\t20260105\t20260109\t2\t3,45\r\n"
        b"B\t20260105\t20260109\t+2\t3.450\r\n"
        b"C\t20251229\t20260102\t1\t\r\n"
        b"D\t20260130\t20260202\t1\t\r\n"
    )
    assert [str(n) for n in notices(rows, JANUARY)] == [
        "Ligne 1, colonne D (nombre de repas) : 0 repas, cette ligne ne compte rien.",
        "Ligne 3 : identique à la ligne 2, les deux seront comptées.",
        "Ligne 4 : du 29/12/2025 au 02/01/2026, hors de la période facturée (du 01/01/2026 au 31/01/2026).",
        "Ligne 5 : du 30/01/2026 au 02/02/2026, hors de la période facturée (du 01/01/2026 au 31/01/2026).",
    ]


def test_without_a_period_only_the_file_is_judged():
    rows = read(b"C\t20251229\t20260102\t1\t\r\n")
    assert notices(rows) == []


def test_rows_built_in_python_are_numbered_by_position():
    row = Row("A", date(2026, 1, 5), date(2026, 1, 5), 1)
    (notice,) = notices([row, row])
    assert (notice.line, notice.column) == (2, None)


def test_more_meals_than_days_allow_is_an_error_naming_the_line():
    rows = read(
        b"A\t20260105\t20260109\t10\t\r\n"  # two a day over five days: the ceiling
        b"B\t20260105\t20260109\t44\t\r\n"
        b"C\t20260105\t20260105\t-3\t\r\n"
    )
    with pytest.raises(InvalidFile) as error:
        check_plausible(rows)
    assert error.value.messages == [
        "Ligne 2, colonne D (nombre de repas) : « 44 » reçu, attendu : au plus 10 repas du 05/01/2026"
        " au 09/01/2026 (2 par jour sur 5 jours).",
        "Ligne 3, colonne D (nombre de repas) : « -3 » reçu, attendu : au plus 2 repas du 05/01/2026"
        " au 05/01/2026 (2 par jour sur 1 jour).",
    ]
    check_plausible(rows[:1])
    check_plausible(rows, ceiling=44)
