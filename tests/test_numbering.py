"""One numbering for every numbered document: its shape, its year, no gap, no number given twice."""

from __future__ import annotations

from stdnum.be import ogm_vcs

from webapp import numbering
from webapp.numbering import NumberKind


def test_each_kind_counts_apart_per_year_in_its_own_shape(make_org, make_regie):
    regie = make_regie(make_org(), invoice_prefix="CANT")
    assert [n.text for n in numbering.take(NumberKind.INVOICE, regie, 2026, 2)] == ["CANT-2026-000001",
                                                                                     "CANT-2026-000002"]
    assert numbering.take(NumberKind.CREDIT_NOTE, regie, 2026)[0].text == "AV-CANT-2026-000001"
    assert numbering.take(NumberKind.RECEIPT, regie, 2026)[0].text == "R-CANT-2026-000001"
    assert numbering.take(NumberKind.SLIP, regie, 2026)[0].text == "B-CANT-2026-00001"
    assert numbering.take(NumberKind.INVOICE, regie, 2027)[0].text == "CANT-2027-000001"
    third = numbering.take(NumberKind.INVOICE, regie, 2026)[0]
    assert (third.sequence, third.text) == (3, "CANT-2026-000003")
    assert set(numbering.FORMATS) == set(NumberKind)


def test_a_belgian_structured_communication_names_the_regie_the_year_and_the_sequence(make_org, make_regie):
    regie = make_regie(make_org("BE"))
    reference = numbering.structured_communication(regie, 2026, 42)
    digits = reference.strip("+").replace("/", "")
    assert ogm_vcs.is_valid(digits) and digits[:10] == f"{regie.id % 1000:03d}2600042"
    assert reference == f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"
