from datetime import date

import pytest

from regie_sepa.errors import FieldError
from regie_sepa.records import Party, Sequence, Version
from regie_sepa.schema import _element
from regie_sepa.treasury import dft_end_to_end_id, dft_message_id, dft_parties


@pytest.mark.parametrize(("text", "expected"), [("FIRST", Sequence.FIRST), ("FRST", Sequence.FIRST),
                                                ("RCUR", Sequence.RCUR), ("OOFF", Sequence.OOFF)])
def test_sequence_parse(text, expected):
    assert Sequence.parse(text) is expected


@pytest.mark.parametrize(("text", "expected"), [("02", Version.V02), ("pain.008.001.08", Version.V08)])
def test_version_parse(text, expected):
    assert Version.parse(text) is expected


@pytest.mark.parametrize(("parse", "text"), [(Sequence.parse, "ALL"), (Version.parse, "03")])
def test_parse_refuses(parse, text):
    with pytest.raises(ValueError):
        parse(text)


def test_dft_identifiers():
    assert dft_message_id("TGDFT027", date(2026, 1, 1), 999) == "TGDFT027-DFT-SDD-26001-999"
    assert dft_end_to_end_id("027000", 0) == "1D02700000"
    for call in (lambda: dft_message_id("TGDFT027", date(2026, 1, 1), 0),
                 lambda: dft_message_id("TG//DFT", date(2026, 1, 1), 1),
                 lambda: dft_end_to_end_id("27000", 1), lambda: dft_end_to_end_id("02700A", 1),
                 lambda: dft_end_to_end_id("027000", -1)):
        with pytest.raises(FieldError):
            call()


def test_dft_parties():
    commune = Party("Commune de Marville", "21270001700016")
    creditor, ultimate = dft_parties("Tresorerie", "FR7610071270000000100012368", "BDFEFRPPCCT", "FR72ZZZ123456",
                                     commune)
    assert (creditor.name, creditor.iban, ultimate) == ("Tresorerie", "FR7610071270000000100012368", commune)


def test_schema_message_without_element():
    assert _element("Element '{urn:x}Nm': too long") == "Nm"
    assert _element("something else") is None
