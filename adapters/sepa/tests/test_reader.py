import random
import tracemalloc
from decimal import Decimal

import pytest
from conftest import SAMPLES
from golden import FILES, GOLDEN
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import batches, in_file_order

from regie_sepa.errors import FileFormatError, SchemaError, SepaError
from regie_sepa.reader import read, validate
from regie_sepa.records import Version
from regie_sepa.writer import write


@pytest.mark.parametrize("version", list(Version))
def test_golden_reads_back(version):
    assert read(FILES[version].read_bytes()) == in_file_order(GOLDEN)
    assert validate(FILES[version].read_bytes()) is version


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches(), st.sampled_from(Version))
def test_round_trip(batch, version):
    assert read(write(batch, version)) == in_file_order(batch)


def test_another_tools_layout_ics_per_transaction():
    batch = read((SAMPLES / "other_tool_tx_level_ics.xml").read_bytes())
    assert batch == in_file_order(GOLDEN)


def test_a_sepaxml_file_is_read():
    from datetime import date

    from sepaxml import SepaDD
    config = {"name": "Regie de Marville", "IBAN": "FR7630001007941234567890185", "BIC": "BDFEFRPPCCT",
              "batch": True, "creditor_id": "FR72ZZZ123456", "currency": "EUR"}
    sepa = SepaDD(config, schema="pain.008.001.02", clean=True)
    sepa.add_payment({"name": "Mme Dupont", "IBAN": "FR7630004000010001234567830", "BIC": "BNPAFRPP",
                      "amount": 4250, "type": "RCUR", "collection_date": date(2026, 12, 8),
                      "mandate_id": "RUM-000000001", "mandate_date": date(2026, 9, 1),
                      "description": "Facture F26-11-0000001", "endtoend_id": "F26-11-0000001"})
    batch = read(sepa.export(validate=False))
    (tx,) = batch.transactions
    assert (tx.amount, tx.mandate.reference, tx.debtor.bic) == (Decimal("42.50"), "RUM-000000001", "BNPAFRPP")
    assert batch.creditor.creditor_id == "FR72ZZZ123456"


BROKEN = {
    "broken_ctrlsum.xml": (FileFormatError, "CtrlSum"),
    "broken_nboftxs.xml": (FileFormatError, "NbOfTxs"),
    "broken_schema.xml": (SchemaError, "SeqTp"),
    "broken_not_xml.xml": (FileFormatError, None),
    "broken_pain001.xml": (FileFormatError, None),
    "broken_currency.xml": (FileFormatError, "InstdAmt"),
    "broken_no_seqtp.xml": (FileFormatError, "SeqTp"),
    "broken_two_creditors.xml": (FileFormatError, None),
    "broken_date_zone.xml": (FileFormatError, "ReqdColltnDt"),
    "broken_rpre.xml": (FileFormatError, "SeqTp"),
    "broken_no_mandate_id.xml": (FileFormatError, "MndtId"),
    "broken_no_ics.xml": (FileFormatError, "CdtrSchmeId"),
}


@pytest.mark.parametrize(("name", "expected"), sorted(BROKEN.items()))
def test_broken_samples(name, expected):
    kind, field = expected
    with pytest.raises(kind) as caught:
        read((SAMPLES / name).read_bytes())
    assert caught.value.field == field
    assert caught.value.line is not None


@pytest.mark.parametrize("version", list(Version))
def test_bytes_path_and_file_read_alike(version):
    path = FILES[version]
    with path.open("rb") as file:
        assert read(path.read_bytes()) == read(path) == read(file)
    assert validate(path) is version


@pytest.mark.parametrize("source", ["<Document/>", 12, None, bytearray(b"<Document/>")])
def test_not_bytes(source):
    with pytest.raises(FileFormatError):
        read(source)  # type: ignore[arg-type]


def test_a_text_file_is_refused():
    with FILES[Version.V02].open(encoding="utf-8") as text, pytest.raises(FileFormatError, match="binaire"):
        read(text)  # type: ignore[arg-type]


def test_a_path_to_entities_is_not_expanded(tmp_path):
    path = tmp_path / "entity.xml"
    path.write_bytes(b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>')
    with pytest.raises(FileFormatError):
        read(path)


def test_entities_are_not_expanded():
    data = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>'
    with pytest.raises(FileFormatError):
        read(data)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_junk_raises_only_sepa_errors(data):
    with pytest.raises(SepaError):
        read(data)


GOOD = FILES[Version.V02].read_bytes()


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(GOOD) - 1), st.integers(0, 40), st.binary(max_size=8))
def test_mutations_raise_only_sepa_errors(position, length, insert):
    mutated = GOOD[:position] + insert + GOOD[position + length:]
    try:
        read(mutated)
    except SepaError:
        pass


def test_small_valid_batch(batch):
    assert read(write(batch)) == batch


def test_missing_mandate_block():
    with pytest.raises(FileFormatError) as caught:
        read((SAMPLES / "broken_no_mandate.xml").read_bytes())
    assert (caught.value.field, caught.value.transaction) == ("MndtRltdInf", "F26-11-0000001")


def test_other_tools_amendment_forms():
    """SMNDA under OrgnlDbtrAcct (OCA bank-payment) and a bare AmdmntInd are understood."""
    batch = read((SAMPLES / "other_tool_smnda_in_account.xml").read_bytes())
    by_id = {tx.end_to_end_id: tx for tx in batch.transactions}
    assert by_id["F26-11-0000001"].mandate.amendment is None
    assert by_id["F26-11-0000003"].mandate.amendment.new_bank


# Big or hostile files: the reader stops at the first fault; errors quote at most 80 characters

HUGE = b"x" * 1_000_000


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        (b"<IBAN>FR7630001007941234567890185</IBAN>", b"<IBAN>" + HUGE + b"</IBAN>", SchemaError),
        (b"urn:iso:std:iso:20022:tech:xsd:pain.008.001.08", b"urn:" + HUGE, FileFormatError),
    ],
    ids=["value", "namespace"],
)
def test_a_huge_value_is_quoted_cut(old, new, error):
    with pytest.raises(error) as caught:
        read(FILES[Version.V08].read_bytes().replace(old, new, 1))
    assert "xxx…" in str(caught.value)
    assert len(str(caught.value)) < 300  # libxml2 quoted 64 KB of it; the namespace was quoted whole


def test_megabytes_of_bad_transactions_stop_at_the_first_with_little_memory():
    data = FILES[Version.V08].read_bytes()
    start = data.index(b"<DrctDbtTxInf>")
    end = data.index(b"</DrctDbtTxInf>") + len(b"</DrctDbtTxInf>")
    bad = data[start:end].replace(b"42.50", b"4x.50").replace(b"F26-11-0000001", b"x" * 200)
    garbage = [data[:start] + bad * 5_000 + data[end:], random.Random(0).randbytes(5_000_000)]
    assert all(len(g) >= 5_000_000 for g in garbage)
    tracemalloc.start()
    try:
        for data in garbage:
            with pytest.raises(SepaError) as caught:
                read(data)
            assert len(str(caught.value)) < 300
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000  # 2 MB; lxml's tree and its log of the 15,000 schema errors are not counted
