import tracemalloc

import pytest
from conftest import SAMPLES
from hypothesis import given
from hypothesis import strategies as st

import regie_coda as coda
from regie_coda import read

GOOD = (SAMPLES / "good/two_statements.cod").read_bytes()

# file, exception, line, field, words of the message
BROKEN = [
    ("wrong_length", coda.RecordLengthError, 4, None, "128 caractères"),
    ("unknown_type", coda.RecordTypeError, 4, None, "« 5 » inconnu"),
    ("bad_date", coda.FieldError, 3, "date valeur", "jour ou mois impossible"),
    ("bad_amount", coda.FieldError, 3, "montant", "position 33"),
    ("trailer_count", coda.ControlError, 15, "nombre d'enregistrements", "annonce 99"),
    ("trailer_totals", coda.ControlError, 15, "total des crédits", "diffère"),
    ("balance", coda.ControlError, 13, "nouveau solde", "1512.390"),
    ("account_mismatch", coda.ControlError, 13, "compte et devise", "diffère"),
    ("version", coda.VersionError, 1, "version", "version CODA 3"),
    ("missing_trailer", coda.StructureError, 21, None, "sans enregistrement 9"),
    ("sequence_mismatch", coda.StructureError, 4, "numéro de séquence", "ligne 3"),
    ("movement_before_balance", coda.StructureError, 2, None, "ancien solde"),
]


@pytest.mark.parametrize(("name", "error", "line", "field", "words"), BROKEN)
def test_broken_samples_raise_a_typed_error_naming_line_and_field(name, error, line, field, words):
    with pytest.raises(error) as caught:
        read((SAMPLES / f"bad/{name}.cod").read_bytes())
    assert caught.value.line == line
    assert caught.value.field == field
    assert words in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_control_errors_name_the_statement():
    with pytest.raises(coda.ControlError) as caught:
        read((SAMPLES / "bad/balance.cod").read_bytes())
    assert caught.value.statement == 12
    assert "extrait n° 12" in str(caught.value)


def rows(data: bytes = GOOD) -> list[str]:
    return data.decode("cp1252").split("\r\n")[:-1]


def join(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


@pytest.mark.parametrize(
    ("lines", "error", "words"),
    [
        ([], coda.StructureError, "vide"),
        (rows()[1:], coda.StructureError, "enregistrement 0"),
        (rows()[:1] + rows()[2:], coda.StructureError, "ancien solde"),
        (rows()[:3] + rows()[4:5] + rows()[3:4] + rows()[5:], coda.StructureError, "2.1, 2.2, 2.3"),
        (rows()[:3] + rows()[5:6] + rows()[4:5] + rows()[6:], coda.StructureError, "2.1, 2.2, 2.3"),
        (rows()[:5] + rows()[6:], coda.StructureError, "3.1, 3.2, 3.3"),
        (rows()[:2] + rows()[3:4] + rows()[2:3] + rows()[4:], coda.StructureError, "sans mouvement"),
        (rows()[:13] + rows()[2:3] + rows()[13:], coda.StructureError, "inattendu"),
        (rows()[:3] + ["24" + rows()[3][2:]] + rows()[4:], coda.RecordTypeError, "« 24 »"),
        (rows()[:1] + ["14" + rows()[1][2:]] + rows()[2:], coda.FieldError, "structure"),
        (rows()[:15] + rows()[15:16] + rows()[15:], coda.StructureError, "inattendu"),
    ],
)
def test_structure_faults(lines, error, words):
    with pytest.raises(error, match=words):
        read(join(lines))


def test_blank_lines_at_the_end_are_ignored():
    assert read(GOOD + b"\r\n\r\n") == read(GOOD)


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (GOOD.rstrip(b"\r\n"), None),  # no line end after the last record
        (GOOD + b"\r\r\n\n", None),
        (GOOD.replace(b"\r\n", b"\n"), None),
        (GOOD[:-2] + b"\r\r\n", 22),  # a CR before the CR LF is one character too many
        (GOOD.replace(b"\r\n", b"\r\n\r\n", 1), 2),  # a blank line among the records
        (GOOD.replace(b"\r\n", b"\r", 1), 1),  # a lone CR ends no record
    ],
)
def test_line_ends(data, line):
    if line is None:
        assert read(data) == read(GOOD)
    else:
        with pytest.raises(coda.RecordLengthError) as caught:
            read(data)
        assert caught.value.line == line


@pytest.mark.parametrize("garbage", [b"ab\n" * 2_000_000, "é\n".encode() * 2_000_000], ids=["ascii", "utf-8"])
def test_megabytes_of_garbage_are_refused_at_once_with_little_memory(garbage):
    tracemalloc.start()
    try:
        with pytest.raises(coda.RecordLengthError) as caught:
            read(garbage)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.line == 1
    assert peak < 50_000_000  # 12 to 16 MB; a list of every line of these 6 MB took 125 to 173 MB


def test_an_error_keeps_80_characters_of_a_huge_value():
    with pytest.raises(coda.FieldError) as caught:
        coda.statement_from_json({"account": "BE68539007547034", "number": 1, "old_balance": "x" * 1_000_000})
    assert caught.value.value == "x" * 79 + "…"
    assert len(str(caught.value)) < 200


@given(st.binary(max_size=600))
def test_junk_raises_only_coda_errors(data):
    try:
        read(data)
    except coda.CodaError:
        pass


@given(st.data())
def test_mutated_files_raise_only_coda_errors(data):
    raw = bytearray(GOOD)
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(st.sampled_from(["flip", "delete", "insert", "swap"]))
        at = data.draw(st.integers(0, len(raw) - 1))
        if action == "flip":
            raw[at] = data.draw(st.integers(0, 255))
        elif action == "delete":
            del raw[at]
        elif action == "insert":
            raw.insert(at, data.draw(st.integers(0, 255)))
        else:
            lines = bytes(raw).split(b"\r\n")
            i, j = data.draw(st.integers(0, len(lines) - 1)), data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            raw = bytearray(b"\r\n".join(lines))
    try:
        read(bytes(raw))
    except coda.CodaError:
        pass


@given(st.data())
def test_any_digit_mutation_of_a_record_is_read_or_refused_cleanly(data):
    lines = rows()
    i = data.draw(st.integers(0, len(lines) - 1))
    at = data.draw(st.integers(0, 127))
    lines[i] = lines[i][:at] + data.draw(st.sampled_from("0123456789 AZ")) + lines[i][at + 1 :]
    try:
        read(join(lines))
    except coda.CodaError:
        pass
