from datetime import date
from decimal import Decimal

import pytest
from conftest import EXAMPLES, SAMPLES
from golden import FILES, GOLDEN
from hypothesis import given, settings
from hypothesis import strategies as st

from regie_sepa.errors import FileFormatError, SepaError
from regie_sepa.records import Sequence, Version
from regie_sepa.rejects import REASONS, Reason, read_status_report, rejected_transactions
from regie_sepa.writer import split_by_sequence


def test_transaction_rejects_with_french_labels():
    report = read_status_report((EXAMPLES / "pain002_rejects.xml").read_bytes())
    assert (report.original_message_id, report.group_status, report.whole_file_rejected) == (
        "REGIE-2026-12-001-RCUR", "PART", False)
    first, unknown = report.rejects  # the accepted transaction is not a reject
    assert first.end_to_end_id == "F26-11-0000002"
    assert first.reasons[0].code == "AM04"
    assert first.reasons[0].label == "Provision insuffisante"
    assert (first.amount, first.collection_date, first.mandate_reference) == (
        Decimal("18.00"), date(2026, 12, 8), "RUM-000000002")
    assert unknown.reasons[0].label == "ZZ99 Motif propre a la banque"


def test_whole_file_rejected():
    report = read_status_report((SAMPLES / "pain002_group_reject.xml").read_bytes())
    assert report.whole_file_rejected
    assert report.rejects == ()
    assert [r.label for r in report.group_reasons] == ["Format de fichier invalide", "BANK-42"]
    assert report.group_reasons[0].additional_info == ("Schema", "invalide")


def test_bytes_path_and_file_read_alike():
    path = SAMPLES / "pain002_group_reject.xml"
    with path.open("rb") as file:
        assert read_status_report(path.read_bytes()) == read_status_report(path) == read_status_report(file)


def test_block_status_applies_to_its_transactions():
    (reject,) = read_status_report((SAMPLES / "pain002_block_status.xml").read_bytes()).rejects
    assert (reject.end_to_end_id, reject.payment_info_id, reject.status) == ("E1", "M1-001", "RJCT")
    assert reject.reasons == (Reason(None),)
    assert reject.reasons[0].label == "Motif non précisé"


@pytest.mark.parametrize("code", ["AC04", "AM04", "MD01", "MS02", "AC01", "MD06", "RR04"])
def test_known_codes_have_labels(code):
    assert Reason(code).label == REASONS[code]


@pytest.mark.parametrize(("name", "field"), [("broken_pain002_amount.xml", None),
                                             ("broken_pain002_no_original.xml", "OrgnlMsgId")])
def test_broken_reports(name, field):
    with pytest.raises(FileFormatError) as caught:
        read_status_report((SAMPLES / name).read_bytes())
    assert caught.value.field == field
    assert caught.value.line is not None


def test_a_pain008_is_not_a_status_report():
    with pytest.raises(FileFormatError, match="pain.002"):
        read_status_report(FILES[Version.V02].read_bytes())


def test_no_body():
    with pytest.raises(FileFormatError, match="CstmrPmtStsRpt"):
        read_status_report(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"/>')
    with pytest.raises(FileFormatError, match="GrpHdr"):
        read_status_report(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">'
                           b'<CstmrPmtStsRpt/></Document>')


GOOD = (EXAMPLES / "pain002_rejects.xml").read_bytes()


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(GOOD) - 1), st.integers(0, 40), st.binary(max_size=8))
def test_mutations_raise_only_sepa_errors(position, length, insert):
    try:
        read_status_report(GOOD[:position] + insert + GOOD[position + length:])
    except SepaError:
        pass


def test_rejected_transactions_of_a_file():
    rcur = split_by_sequence(GOLDEN)[Sequence.RCUR]
    report = read_status_report((EXAMPLES / "pain002_rejects.xml").read_bytes())
    [(tx, reasons)] = rejected_transactions(report, rcur)
    assert (tx.end_to_end_id, reasons[0].code) == ("F26-11-0000002", "AM04")


def test_whole_file_reject_rejects_every_transaction():
    first = split_by_sequence(GOLDEN)[Sequence.FIRST]
    report = read_status_report((SAMPLES / "pain002_group_reject.xml").read_bytes())
    rejected = rejected_transactions(report, first)
    assert [tx for tx, _ in rejected] == list(first.transactions)
    assert rejected[0][1][0].code == "FF01"


def test_report_of_another_file():
    report = read_status_report((SAMPLES / "pain002_group_reject.xml").read_bytes())
    with pytest.raises(FileFormatError, match="concerne le fichier REGIE-2026-12-001-FRST"):
        rejected_transactions(report, GOLDEN)


def test_huge_values_are_quoted_cut():
    data = (EXAMPLES / "pain002_rejects.xml").read_bytes()
    huge = b"x" * 1_000_000
    with pytest.raises(FileFormatError) as caught:
        read_status_report(data.replace(b"urn:iso:std:iso:20022:tech:xsd:pain.002", b"urn:" + huge, 1))
    assert len(str(caught.value)) < 300
    with pytest.raises(FileFormatError) as caught:
        read_status_report(data.replace(b"<InstdAmt Ccy=\"EUR\">18.00<", b"<InstdAmt Ccy=\"EUR\">" + huge + b"<", 1))
    assert caught.value.value == "x" * 79 + "…"
    report = read_status_report(data.replace(b"REGIE-2026-12-001-RCUR", huge, 1))
    with pytest.raises(FileFormatError) as caught:
        rejected_transactions(report, GOLDEN)
    assert caught.value.value == "x" * 79 + "…"
    assert len(str(caught.value)) < 300
