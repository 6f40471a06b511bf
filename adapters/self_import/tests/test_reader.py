"""Reading: golden samples, each rule of each column, encodings, line ends, all errors at once."""

from __future__ import annotations

import hashlib
import io
import json
import random
import tracemalloc
from datetime import date
from decimal import Decimal

import pytest
from conftest import SAMPLES

from regie_self_import import (
    FieldError,
    FileFormatError,
    InvalidFile,
    Row,
    SelfImportError,
    content_hash,
    decode,
    encoding_of,
    read,
    reader,
)
from regie_self_import.errors import MAX_PROBLEMS
from regie_self_import.jsonio import rows_to_json

GOOD = sorted(p.stem for p in SAMPLES.glob("*.tsv") if not p.stem.startswith("broken"))
BROKEN = sorted(p.stem for p in SAMPLES.glob("broken*.tsv"))


def line(*fields: str) -> bytes:
    return "\t".join(fields).encode("utf-8") + b"\r\n"


def problems(data: bytes) -> list[tuple[int | None, str | None]]:
    with pytest.raises(InvalidFile) as caught:
        read(data)
    return [(e.line, e.column) for e in caught.value.errors]


@pytest.mark.parametrize("name", GOOD)
def test_good_samples_match_their_golden_json(name):
    data = (SAMPLES / f"{name}.tsv").read_bytes()
    golden = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    assert rows_to_json(read(data)) == golden["rows"]
    assert decode(data)[1] == golden["encoding"]
    assert content_hash(data) == golden["sha256"]


class Pipe(io.RawIOBase):
    """A file that cannot seek and gives a few bytes at a time, as standard input may."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self.data.read(min(len(buffer), 5))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def outcome(source) -> object:
    try:
        return rows_to_json(read(source))
    except InvalidFile as e:
        return [str(error) for error in e.errors]


@pytest.mark.parametrize("name", GOOD + BROKEN)
def test_bytes_path_file_and_pipe_read_alike(name, monkeypatch):
    path = SAMPLES / f"{name}.tsv"
    data = path.read_bytes()
    expected = outcome(data)
    with path.open("rb") as file:
        assert outcome(path) == outcome(file) == outcome(Pipe(data)) == expected
    assert content_hash(path) == content_hash(Pipe(data)) == content_hash(data)
    assert encoding_of(path) == encoding_of(Pipe(data)) == decode(data)[1]
    monkeypatch.setattr(reader, "_CHUNK", 3)  # chunks cut accents, CR LF pairs and the BOM
    assert outcome(path) == expected


@pytest.mark.parametrize("source", ["0001234567\t20260105\t20260109\t4\t", 12, None, bytearray(b"x")])
def test_anything_but_bytes_a_path_or_a_binary_file_is_refused(source):
    with pytest.raises(FileFormatError) as caught:
        read(source)  # type: ignore[arg-type]
    assert caught.value.code == "file.type.invalid"


@pytest.mark.parametrize("function", [read, content_hash, encoding_of])
def test_a_text_file_is_refused(function):
    with (SAMPLES / "utf8_bom_lf.tsv").open(encoding="utf-8") as text, pytest.raises(FileFormatError):
        function(text)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", BROKEN)
def test_broken_samples_give_every_message_of_their_golden_text(name):
    with pytest.raises(InvalidFile) as caught:
        read((SAMPLES / f"{name}.tsv").read_bytes())
    assert [str(e) for e in caught.value.errors] == (SAMPLES / f"{name}.txt").read_text(encoding="utf-8").splitlines()


def test_a_line_gives_a_typed_row_with_its_line_number():
    (row,) = read(b"\r\n" + line("0001234567", "20260105", "20260109", "+4", "3,45"))
    assert row == Row("0001234567", date(2026, 1, 5), date(2026, 1, 9), 4, Decimal("3.45"))
    assert row.line == 2
    assert row.amount == Decimal("13.80")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (("0042", "20260105", "20260105", "4", "3,45"), ("0042", 4, Decimal("3.45"))),  # leading zeros kept
        (("A B", "20260105", "20260105", "-2", "3.5"), ("A B", -2, Decimal("3.50"))),  # inner space kept
        ((" 1 ", " 20260105", "20260105 ", " +0 ", " 3 "), ("1", 0, Decimal("3.00"))),  # spaces trimmed
        (("1", "20260105", "20260105", "9999", "3,450"), ("1", 9999, Decimal("3.45"))),  # whole cents
        (("1", "20260105", "20260105", "-9999", "0"), ("1", -9999, Decimal("0.00"))),
        (("1", "20260105", "20260105", "0004", "999999,99"), ("1", 4, Decimal("999999.99"))),
        (("1", "20260105", "20260105", "1", ""), ("1", 1, None)),
        (("1", "20260105", "20260105", "1"), ("1", 1, None)),  # column E left out
        (("1", "20260105", "20260105", "1", "2", " "), ("1", 1, Decimal("2.00"))),  # one trailing tab
        (("ÉLÈVE", "20260105", "20260105", "1", "2"), ("ÉLÈVE", 1, Decimal("2.00"))),
    ],
)
def test_valid_values(fields, expected):
    (row,) = read(line(*fields))
    assert (row.pupil_id, row.meals, row.unit_price) == expected


@pytest.mark.parametrize(
    ("fields", "columns"),
    [
        (("", "20260105", "20260105", "1", "2"), "A"),
        (("12345678901", "20260105", "20260105", "1", "2"), "A"),
        (("12\x0034", "20260105", "20260105", "1", "2"), "A"),
        (("1\xa02", "20260105", "20260105", "1", "2"), "A"),
        (("1", "2026015", "20260105", "1", "2"), "B"),
        (("1", "2026-01-05", "20260105", "1", "2"), "B"),
        (("1", "20260230", "20260305", "1", "2"), "B"),
        (("1", "00000101", "20260105", "1", "2"), "B"),
        (("1", "2026W011", "20260105", "1", "2"), "B"),  # ISO week date: not AAAAMMJJ
        (("1", "\uff12\uff10\uff12\uff16\uff10\uff11\uff10\uff15", "20260105", "1", "2"), "B"),  # full-width digits
        (("1", "20260105", "", "1", "2"), "C"),
        (("1", "20260105", "20260104", "1", "2"), "C"),  # end before start
        (("1", "20260105", "20260105", "", "2"), "D"),
        (("1", "20260105", "20260105", "1.0", "2"), "D"),
        (("1", "20260105", "20260105", "10000", "2"), "D"),
        (("1", "20260105", "20260105", "+-1", "2"), "D"),
        (("1", "20260105", "20260105", "1_0", "2"), "D"),
        (("1", "20260105", "20260105", "1", "-2"), "E"),
        (("1", "20260105", "20260105", "1", "+2"), "E"),
        (("1", "20260105", "20260105", "1", "2,345"), "E"),
        (("1", "20260105", "20260105", "1", "1 000,00"), "E"),
        (("1", "20260105", "20260105", "1", "1.000,00"), "E"),
        (("1", "20260105", "20260105", "1", "1e3"), "E"),
        (("1", "20260105", "20260105", "1", "3,"), "E"),
        (("1", "20260105", "20260105", "1", ",5"), "E"),
        (("1", "20260105", "20260105", "1", "1000000"), "E"),
        (("1", "20260105", "20260105", "1", "NaN"), "E"),
        (("", "x", "y", "z", "-1"), "ABCDE"),  # every column of a line at once
        (("1", "x", "20260104", "1", "2"), "B"),  # no order check without a start date
        (("12345678901", "20260105", "20260104", "x", "2"), "ACD"),  # dates judged together all the same
    ],
)
def test_invalid_values_name_their_columns(fields, columns):
    assert problems(line(*fields)) == [(1, c) for c in columns]


@pytest.mark.parametrize(
    "text",
    [
        "1\t20260105\t20260105",
        "1\t20260105\t20260105\t1\t2\tcomment",
        "1\t20260105\t20260105\t1\t2\t\t",
        "1 20260105 20260105 1 2",
        "1;20260105;20260105;1;2",
    ],
)
def test_wrong_column_counts_are_line_problems(text):
    with pytest.raises(InvalidFile) as caught:
        read(text.encode())
    (error,) = caught.value.errors
    assert isinstance(error, FileFormatError)
    assert (error.line, error.column, error.field) == (1, None, None)


def test_every_error_of_the_file_comes_at_once_and_no_row():
    data = line("1", "20260105", "20260105", "1", "2") + line("2", "x", "20260105", "1", "2") + b"a\tb\r\n"
    data += line("", "20260105", "20260105", "y", "2")
    assert problems(data) == [(2, "B"), (3, None), (4, "A"), (4, "D")]


def test_error_message_names_line_column_value_and_expectation():
    with pytest.raises(InvalidFile) as caught:
        read(b"\n" * 11 + line("1", "20261332", "20261231", "1", "2"))
    error = caught.value.errors[0]
    assert isinstance(error, FieldError)
    assert (error.line, error.column, error.field, error.value) == (12, "B", "start", "20261332")
    assert str(error) == (
        "Ligne 12, colonne B (date de début) : « 20261332 » reçu,"
        " attendu : une date réelle au format AAAAMMJJ (ex. 20260105)."
    )
    assert str(caught.value).splitlines() == ["Fichier refusé, 1 erreur :", str(error)]


def test_the_whole_family_is_value_error():
    assert issubclass(InvalidFile, SelfImportError)
    assert issubclass(FieldError, SelfImportError)
    assert issubclass(SelfImportError, ValueError)


def test_long_values_are_cut_in_messages():
    with pytest.raises(InvalidFile) as caught:
        read(b"x" * 100)
    assert "« " + "x" * 39 + "… »" in str(caught.value)


# Bytes and lines


ROW = ("0001234567", "20260105", "20260109", "4", "3,45")


@pytest.mark.parametrize("end", [b"\r\n", b"\n"])
@pytest.mark.parametrize("tail", [b"", b"\r\n", b"\n\n\n", b"  \t \r\n"])
def test_line_ends_and_trailing_blank_lines(end, tail):
    data = ("\t".join(ROW).encode() + end) * 2 + tail
    assert [r.line for r in read(data)] == [1, 2]


def test_last_line_without_line_end():
    assert len(read("\t".join(ROW).encode())) == 1


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf\r\n", b"\r\n \t\n"])
def test_an_empty_file_is_refused_like_the_other_formats(data):
    with pytest.raises(InvalidFile) as caught:
        read(data)
    assert [e.code for e in caught.value.errors] == ["file.empty"]
    assert str(caught.value).endswith(
        "Ligne 1 : attendu : au moins une ligne de consommation (le fichier n'en a aucune)."
    )


def test_a_lone_carriage_return_is_refused():
    data = "\t".join(ROW).encode() + b"\r" + "\t".join(ROW).encode() + b"\r\n"
    with pytest.raises(InvalidFile) as caught:
        read(data)
    (error,) = caught.value.errors
    assert isinstance(error, FileFormatError)
    assert "retour chariot (CR, \\x0d) seul" in str(error)


@pytest.mark.parametrize(
    ("data", "encoding", "text"),
    [
        (b"abc", "utf-8", "abc"),
        ("é".encode(), "utf-8", "é"),
        (b"\xef\xbb\xbf" + "é".encode(), "utf-8-sig", "é"),
        ("é€".encode("cp1252"), "windows-1252", "é€"),
        (b"\xef\xbb\xbf\xe9", "utf-8-sig", "\udce9"),  # the BOM says UTF-8: the bad byte stays a bad byte
        (b"\x81\xe9", "windows-1252", "\udc81é"),  # undefined in Windows-1252
    ],
)
def test_decode_chooses_one_encoding_for_the_whole_file(data, encoding, text):
    assert decode(data) == (text, encoding)


def test_undecodable_bytes_are_reported_where_they_stand():
    data = b"1\t20260105\t20260105\t1\t2\r\n" + b"\x81\t20260105\t20260105\t1\t2\x8d\r\n"
    with pytest.raises(InvalidFile) as caught:
        read(data)
    (a, e) = caught.value.errors
    assert (a.line, a.column, e.column) == (2, "A", "E")
    assert "\\x81" in str(a)  # the cp1252-undefined byte, not a silent replacement character


def test_undecodable_bytes_beyond_column_e_are_a_line_problem():
    data = b"\xef\xbb\xbf1\t20260105\t20260105\t1\t2\t\xe9\r\n"
    with pytest.raises(InvalidFile) as caught:
        read(data)
    (error,) = caught.value.errors
    assert isinstance(error, FileFormatError)
    assert "marque d'ordre (BOM)" in str(error)


def test_windows_1252_identifier_reads_back():
    (row,) = read("Zoé\t20260105\t20260105\t1\t2\r\n".encode("cp1252"))
    assert row.pupil_id == "Zoé"


def test_content_hash_is_the_sha256_of_the_bytes():
    data = "\t".join(ROW).encode()
    assert content_hash(data) == hashlib.sha256(data).hexdigest()
    assert content_hash(data + b"\r\n") != content_hash(data + b"\n")  # the bytes, not the rows


# Big or hostile files: the problems kept are bounded, the others counted, memory stays flat


def test_past_the_bound_problems_are_counted_not_kept():
    data = line("", "x", "y", "z", "-1") * 10_000  # 5 problems a line: 50,000
    with pytest.raises(InvalidFile) as caught:
        read(data)
    error = caught.value
    assert len(error.errors) == MAX_PROBLEMS == 100
    assert [(e.line, e.column) for e in error.errors[:6]] == [*((1, c) for c in "ABCDE"), (2, "A")]
    assert (error.more, error.total) == (49_900, 50_000)
    lines = str(error).splitlines()
    assert lines[0] == "Fichier refusé, 50\u00a0000 erreurs :"
    assert lines[1:-1] == [str(e) for e in error.errors]
    assert lines[-1] == "… et 49\u00a0900 autres erreurs non affichées."
    assert error.messages == lines[1:]


@pytest.mark.parametrize(
    ("bound", "kept", "tail"),
    [
        (1, 1, "… et 9\u00a0999 autres erreurs non affichées."),
        (9_999, 9_999, "… et 1 autre erreur non affichée."),
        (10_000, 10_000, None),
        (0, 0, "… et 10\u00a0000 autres erreurs non affichées."),  # count only
    ],
)
def test_the_caller_chooses_the_bound(bound, kept, tail):
    with pytest.raises(InvalidFile) as caught:
        read(b"x\r\n" * 10_000, max_problems=bound)
    error = caught.value
    assert (len(error.errors), error.more, error.total) == (kept, 10_000 - kept, 10_000)
    assert error.messages[kept:] == ([tail] if tail else [])


def test_within_the_bound_nothing_is_said_of_others():
    with pytest.raises(InvalidFile) as caught:
        read(b"x\r\n" * 100)
    assert (len(caught.value.errors), caught.value.more) == (100, 0)
    assert "non affiché" not in str(caught.value)


def test_an_error_keeps_80_characters_of_a_huge_value():
    with pytest.raises(InvalidFile) as caught:
        read(b"x" * 1_000_000 + b"\r\n" + line("1", "2" * 500_000, "20260105", "1", "2"))
    whole_line, date_column = caught.value.errors
    assert whole_line.value == "x" * 79 + "…"
    assert date_column.value == "2" * 79 + "…"
    assert date_column.column == "B"


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param(lambda: random.Random(0).randbytes(5_000_000), id="random-bytes"),
        pytest.param(lambda: ("\t".join(["é" * 199] * 5) + "\r\n").encode("cp1252") * 5_000, id="bad-values"),
    ],
)
def test_reading_megabytes_of_garbage_takes_little_memory(garbage):
    data = garbage()
    assert len(data) >= 5_000_000
    tracemalloc.start()
    try:
        with pytest.raises(InvalidFile) as caught:
            read(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.total > MAX_PROBLEMS
    assert peak < 50_000_000  # 15 to 20 MB (the file decoded); 0.1.0 kept every problem and took 51 to 57 MB
