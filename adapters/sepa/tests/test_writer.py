from dataclasses import replace
from decimal import Decimal

import pytest
from conftest import make_batch, make_tx
from golden import FILES, GOLDEN
from lxml import etree

from regie_sepa import schema, writer
from regie_sepa.errors import FieldError, SchemaError
from regie_sepa.reader import read
from regie_sepa.records import Debtor, Sequence, Version
from regie_sepa.writer import split_by_sequence, write, write_files


@pytest.mark.parametrize("version", list(Version))
def test_golden_files(version):
    assert write(GOLDEN, version) == FILES[version].read_bytes()


def ns(version: Version) -> dict[str, str]:
    return {"p": version.namespace}


@pytest.mark.parametrize(("version", "bic_tag"), [(Version.V02, "BIC"), (Version.V08, "BICFI")])
def test_bic_tag_and_notprovided_per_version(version, bic_tag):
    root = etree.fromstring(write(make_batch(make_tx(1), make_tx(2, bic=None)), version))
    agents = root.findall(".//p:DbtrAgt/p:FinInstnId", ns(version))
    assert agents[0].findtext(f"p:{bic_tag}", namespaces=ns(version)) == "BNPAFRPP"
    assert agents[1].findtext("p:Othr/p:Id", namespaces=ns(version)) == "NOTPROVIDED"


def test_counts_sums_and_blocks():
    root = etree.fromstring(write(GOLDEN))
    p = ns(Version.V02)
    assert root.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=p) == "6"
    assert root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=p) == "235.74"
    blocks = root.findall(".//p:PmtInf", p)
    assert [(b.findtext("p:PmtTpInf/p:SeqTp", namespaces=p), b.findtext("p:ReqdColltnDt", namespaces=p),
             b.findtext("p:NbOfTxs", namespaces=p), b.findtext("p:CtrlSum", namespaces=p)) for b in blocks] == [
        ("FRST", "2026-12-08", "2", "105.70"), ("RCUR", "2026-12-08", "1", "18.00"),
        ("RCUR", "2026-12-10", "1", "7.05"), ("FNAL", "2026-12-08", "1", "99.99"),
        ("OOFF", "2026-12-08", "1", "5.00")]
    assert {b.findtext("p:PmtInfId", namespaces=p) for b in blocks} == {f"REGIE-2026-12-001-00{i}" for i in range(1, 6)}


def test_amendments_are_written():
    root = etree.fromstring(write(GOLDEN))
    p = ns(Version.V02)
    details = root.findall(".//p:AmdmntInfDtls", p)
    assert root.findtext(".//p:AmdmntInd", namespaces=p) == "true"
    assert [d.findtext("p:OrgnlDbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=p) for d in details].count("SMNDA") == 1
    assert [d.findtext("p:OrgnlDbtrAcct/p:Id/p:IBAN", namespaces=p) for d in details].count(
        "FR7630006000011234567890189") == 1


def test_text_is_cleaned_and_cut_identifiers_compacted():
    tx = make_tx(1, amount="12.5", remittance="é" * 200,
                 debtor=Debtor("Mme Hélène Dupont-Œil", "fr76 3000 4000 0100 0123 4567 830", "bnpafrpp"))
    batch = read(write(make_batch(tx)))
    (out,) = batch.transactions
    assert out.debtor == Debtor("Mme Helene Dupont-OEil", "FR7630004000010001234567830", "BNPAFRPP")
    assert out.remittance == "e" * 140
    assert out.amount == Decimal("12.50")


def test_write_files_one_per_sequence():
    files = write_files(GOLDEN)
    assert list(files) == ["PRELEV_FIRST.XML", "PRELEV_RCUR.XML", "PRELEV_FNAL.XML", "PRELEV_OOFF.XML"]
    rcur = read(files["PRELEV_RCUR.XML"])
    assert rcur.message_id == "REGIE-2026-12-001-RCUR"
    assert [tx.end_to_end_id for tx in rcur.transactions] == ["F26-11-0000002", "F26-11-0000004"]


def test_write_files_single():
    files = write_files(GOLDEN, Version.V08, single_file=True)
    assert list(files) == ["PRELEV.XML"]
    assert len(read(files["PRELEV.XML"]).transactions) == 6


def test_split_needs_room_for_the_suffix():
    with pytest.raises(FieldError) as caught:
        split_by_sequence(make_batch(message_id="X" * 31))
    assert caught.value.field == "message_id"
    assert set(split_by_sequence(make_batch(message_id="X" * 30))) == {Sequence.FIRST, Sequence.RCUR}


def test_bad_data_is_refused_before_writing():
    with pytest.raises(FieldError):
        write(make_batch(make_tx(1, amount="0")))


def test_an_invalid_result_is_never_returned(monkeypatch):
    monkeypatch.setattr(writer, "_amount", lambda value: f"{value:.2f}".replace(".", ","))
    with pytest.raises(SchemaError) as caught:
        write(make_batch())
    assert caught.value.field == "CtrlSum"
    assert caught.value.line == 8
    assert "non conforme au schéma pain.008.001.02" in str(caught.value)


@pytest.fixture
def no_schema_cache():
    schema.load_schema.cache_clear()
    yield
    schema.load_schema.cache_clear()


def test_fails_closed_when_the_schema_package_is_missing(monkeypatch, no_schema_cache):
    monkeypatch.setattr(schema, "SCHEMA_PACKAGE", "no-such-package-for-regie-sepa")
    with pytest.raises(SchemaError, match="introuvable"):
        write(make_batch())


def test_fails_closed_when_the_schema_is_unreadable(monkeypatch, no_schema_cache, tmp_path):
    broken = tmp_path / "pain.008.001.02.xsd"
    broken.write_text("<xs:schema")
    monkeypatch.setattr(schema, "schema_path", lambda version: broken)
    with pytest.raises(SchemaError, match="illisible"):
        write(make_batch())


def test_schema_comes_from_the_sepaxml_distribution():
    path = schema.schema_path(Version.V08)
    assert path.name == "pain.008.001.08.xsd"
    assert "sepaxml" in path.parts


def test_single_block_file_keeps_transaction_order():
    batch = make_batch(*(make_tx(n) for n in range(1, 4)))
    assert read(write(batch)) == batch


def test_creditor_without_bic_is_notprovided():
    batch = make_batch(creditor=replace(make_batch().creditor, bic=None))
    assert read(write(batch, Version.V08)).creditor.bic is None
