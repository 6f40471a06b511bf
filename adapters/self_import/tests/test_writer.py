"""Writing: Windows-1252, CRLF, decimal comma, signed counts; and ``read(write(rows)) == rows``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import rows

from regie_self_import import InvalidFile, Row, read, write
from regie_self_import.writer import EXPECT_CHARSET, EXPECT_UNAMBIGUOUS

D = date(2026, 2, 1)


def test_the_written_bytes():
    data = write(
        [
            Row("0001234567", D, date(2026, 2, 28), 12, Decimal("3.45")),
            Row("Zoé", D, D, -2, Decimal("10")),
            Row("7", date(999, 1, 2), D, 0),
        ]
    )
    assert data == (
        b"0001234567\t20260201\t20260228\t+12\t3,45\r\n"
        b"Zo\xe9\t20260201\t20260201\t-2\t10,00\r\n"
        b"7\t09990102\t20260201\t+0\t\r\n"
    )


def test_no_rows_is_refused_as_the_reader_refuses_it():
    with pytest.raises(InvalidFile) as caught:
        write([])
    assert caught.value.code == "file.invalid" and caught.value.errors[0].code == "file.empty"


def test_identifiers_windows_1252_cannot_write_are_all_reported():
    with pytest.raises(InvalidFile) as caught:
        write([Row("Łukasz", D, D, 1), Row("1", D, D, 1), Row("日本", D, D, 1)])
    assert [(e.line, e.column, e.value, e.expected) for e in caught.value.errors] == [
        (1, "A", "Łukasz", EXPECT_CHARSET),
        (3, "A", "日本", EXPECT_CHARSET),
    ]


def test_past_the_bound_identifiers_are_counted_not_kept():
    with pytest.raises(InvalidFile) as caught:
        write([Row("Łukasz", D, D, 1)] * 10_000)
    assert (len(caught.value.errors), caught.value.more) == (100, 9_900)
    with pytest.raises(InvalidFile) as caught:
        write([Row("Ã©", D, D, 1)] * 10_000)
    assert (len(caught.value.errors), caught.value.more) == (100, 9_900)
    assert caught.value.errors[0].expected == EXPECT_UNAMBIGUOUS


def test_identifiers_that_would_read_back_as_utf8_are_refused():
    # "Ã©" written in Windows-1252 is the UTF-8 for "é": the reader could not tell.
    with pytest.raises(InvalidFile) as caught:
        write([Row("1", D, D, 1), Row("Ã©", D, D, 1)])
    assert [(e.line, e.expected) for e in caught.value.errors] == [(2, EXPECT_UNAMBIGUOUS)]
    # Beside an identifier that is not UTF-8, the file is Windows-1252 and reads back.
    both = [Row("Ã©", D, D, 1), Row("é", D, D, 1)]
    assert read(write(both)) == both


@settings(max_examples=300)
@given(st.lists(rows(), min_size=1, max_size=20))
def test_read_gives_back_what_write_was_given(given_rows):
    try:
        data = write(given_rows)
    except InvalidFile as e:  # only the rare identifiers that spell UTF-8 in Windows-1252
        assert {error.expected for error in e.errors} == {EXPECT_UNAMBIGUOUS}
        assert data_is_utf8(b"".join(r.pupil_id.encode("cp1252") for r in given_rows))
        return
    read_rows = read(data)
    assert read_rows == given_rows
    assert [r.line for r in read_rows] == list(range(1, len(given_rows) + 1))


def data_is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
