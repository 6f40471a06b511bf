import codecs
import io
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from conftest import SAMPLES
from fixtures import foreign_iban, two_statements, version_one

import regie_coda
from regie_coda import decode, looks_like_coda, read, statement_to_json


def test_reads_the_golden_file_into_the_statements_it_was_written_from():
    assert read((SAMPLES / "good/two_statements.cod").read_bytes()) == two_statements()


def test_utf8_with_lf_reads_the_same_as_windows_1252_with_crlf():
    data = (SAMPLES / "good/two_statements_utf8_lf.cod").read_bytes()
    assert "É".encode() in data
    assert read(data) == two_statements()


def test_latin1_bytes_that_windows_1252_cannot_decode_still_read():
    data = (SAMPLES / "good/two_statements.cod").read_bytes().replace("Compte r\xe9gie".encode("cp1252"), b"Compte r\x81gie")
    assert read(data)[0].description == "Compte r\x81gie cantine"


def test_forced_encoding_that_does_not_fit_is_a_coda_error():
    with pytest.raises(regie_coda.EncodingError, match="ascii"):
        read((SAMPLES / "good/two_statements.cod").read_bytes(), encoding="ascii")


@pytest.mark.parametrize("name", ["two_statements", "version1"])
def test_json_golden_files(name):
    statements = read((SAMPLES / f"good/{name}.cod").read_bytes())
    expected = json.loads((SAMPLES / f"good/{name}.json").read_text())
    assert [statement_to_json(s) for s in statements] == expected


def test_what_the_web_app_needs_from_a_movement():
    first, second = read((SAMPLES / "good/two_statements.cod").read_bytes())
    paid = first.movements[0]
    assert paid.structured_communication == "240283842818"
    assert paid.amount == Decimal("42.50")
    assert (paid.counterparty_name, paid.counterparty_account, paid.counterparty_bic) == (
        "DUPONT MARIE",
        "BE71096123456769",
        "GEBABEBB",
    )
    assert paid.information[0].communication.startswith("DUPONT MARIE")
    assert second.duplicate and second.new_balance == Decimal("-87.62")


def test_globalisation_details_are_listed_but_not_booked_twice():
    first = read((SAMPLES / "good/two_statements.cod").read_bytes())[0]
    total = first.movements[1]
    assert [m.detail for m in first.details_of(total)] == [1, 2]
    assert [m.amount for m in first.booked_movements()] == [Decimal("42.5"), Decimal("-30.12")]
    assert sum(m.amount for m in first.details_of(total)) == total.amount


def test_free_communication_is_joined_across_records():
    movement = read((SAMPLES / "good/two_statements.cod").read_bytes())[0].movements[1]
    assert movement.communication.endswith("opérations de paiement reçues au guichet communal")


def test_movement_ids_are_stable_and_distinct():
    data = (SAMPLES / "good/two_statements.cod").read_bytes()
    ids = [s.movement_id(m) for s in read(data) for m in s.movements]
    assert ids == [s.movement_id(m) for s in read(data) for m in s.movements]
    assert len(set(ids)) == len(ids) == 5
    assert all(len(i) == 64 for i in ids)


def test_version_1_account_and_counterparty():
    assert read((SAMPLES / "good/version1.cod").read_bytes()) == [version_one()]


def test_free_communication_before_the_new_balance_and_foreign_iban():
    (statement,) = read((SAMPLES / "good/foreign_iban_4_before_8.cod").read_bytes())
    assert statement == replace(
        foreign_iban(), free_communications=(replace(foreign_iban().free_communications[0], before_new_balance=True),)
    )
    assert statement.account_structure == 3


def test_a_statement_without_new_balance_keeps_the_old_one():
    (statement,) = read((SAMPLES / "good/empty_statement.cod").read_bytes())
    assert statement.new_balance == statement.old_balance == 0
    assert statement.new_balance_date == statement.old_balance_date == date(2026, 1, 1)
    assert not statement.new_balance_record


def test_str_input_and_detection():
    data = (SAMPLES / "good/two_statements.cod").read_bytes()
    assert read(decode(data)) == two_statements()
    assert looks_like_coda(data)
    assert not looks_like_coda(b"<?xml version='1.0'?>")


def test_transaction_code_parts():
    code = regie_coda.TransactionCode.parse("10050000")
    assert (code.type, code.family, code.operation, code.category, str(code)) == ("1", "00", "50", "000", "10050000")


def test_a_path_or_a_binary_file_reads_like_its_bytes(tmp_path):
    sample = SAMPLES / "good/two_statements_utf8_lf.cod"
    assert read(sample) == two_statements()
    with sample.open("rb") as file:
        assert read(file) == two_statements()
    assert read(io.BytesIO(sample.read_bytes())) == two_statements()
    assert read(bytearray(sample.read_bytes())) == two_statements()


class Endless(io.RawIOBase):
    """A stream that never ends: a reader that wanted the whole file first would never return."""

    def readable(self):
        return True

    def readinto(self, buffer):
        buffer[:] = b"ab\n" * (len(buffer) // 3) + b"\n" * (len(buffer) % 3)
        return len(buffer)


def test_a_file_is_read_a_line_at_a_time():
    with pytest.raises(regie_coda.RecordLengthError) as caught:
        read(io.BufferedReader(Endless()))
    assert caught.value.line == 1


def test_a_utf8_file_with_a_windows_1252_line_is_refused():
    lines = (SAMPLES / "good/two_statements_utf8_lf.cod").read_bytes().split(b"\n")
    lines[16] = lines[16].decode().encode("cp1252")
    with pytest.raises(regie_coda.EncodingError, match="mêle") as caught:
        read(b"\n".join(lines))
    assert caught.value.line == 17


@pytest.mark.parametrize("source", [None, 42, ["0000"], date(2026, 1, 1)])
def test_other_inputs_raise_the_package_error(source):
    with pytest.raises(regie_coda.CodaError, match="bytes, chemin ou fichier"):
        read(source)


def test_an_unknown_encoding_is_refused():
    with pytest.raises(regie_coda.EncodingError, match="inconnu"):
        read(b"0", encoding="no-such-codec")


def test_movements_have_slots_not_a_dict():
    movement = read(SAMPLES / "good/two_statements.cod")[0].movements[0]
    assert not hasattr(movement, "__dict__")
    assert hash(movement) == hash(two_statements()[0].movements[0])


def test_text_with_a_bom_reads_like_bytes_with_one():
    text = (SAMPLES / "good/two_statements_utf8_lf.cod").read_bytes().decode("utf-8")
    assert read("\ufeff" + text) == read(text) == read(codecs.BOM_UTF8 + text.encode("utf-8")) == two_statements()


def test_a_utf8_file_with_a_bom_and_decode():
    utf8 = (SAMPLES / "good/two_statements_utf8_lf.cod").read_bytes()
    assert read(codecs.BOM_UTF8 + utf8) == two_statements()
    cp1252 = (SAMPLES / "good/two_statements.cod").read_bytes()
    assert decode(codecs.BOM_UTF8 + utf8) == decode(cp1252).replace("\r\n", "\n") == utf8.decode()
