import random
import tracemalloc
from decimal import Decimal

import pytest
from conftest import SAMPLES

from regie_ormc import check, keys, writer
from regie_ormc.errors import FileFormatError

BASIS = keys.Cle1Basis("20", "12")


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_good_file_passes_with_counts_total_and_both_keys():
    report = check.check_pes(sample("ormc_good.xml"), cle1_basis=BASIS)
    assert report.ok
    assert (report.pieces, report.total, report.cle1_checked) == (3, Decimal("149.25"), True)


def test_cle1_is_not_checked_without_its_basis():
    report = check.check_pes(sample("ormc_good.xml"))
    assert report.ok and not report.cle1_checked


def test_wrong_basis_reports_each_wrong_cle1(roll):
    other = keys.Cle1Basis("20", "06")
    report = check.check_pes(sample("ormc_good.xml"), cle1_basis=other)
    wrong = [p for p in roll.pieces if keys.ormc_cle1(other, 2026, p.period, p.debt_number) != p.cle1]
    assert wrong
    assert [problem.split(",")[0] for problem in report.problems] == [f"article {p.number}" for p in wrong]


def test_a_leading_zero_of_the_collectivity_code_does_not_change_cle1():
    # The key reads the digits from the right: CodCol "020" and a 2-digit "20" give the same Cle1.
    assert check.check_pes(sample("ormc_good.xml"), cle1_basis=keys.Cle1Basis("020", "12")).ok


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ormc_bad_totals.xml", ["zone NbrPce : 4 déclarés, 3 articles comptés",
                                 "zone MtBordHt : 150.00 déclaré, 149.25 calculé"]),
        ("ormc_bad_keys.xml", ["article 1, zone Cle2 : clé 'A' fausse, K attendue"]),
        ("ormc_bad_postcode.xml", ["article 1, zone CP : 5 chiffres attendus (valeur reçue : '6100')"]),
    ],
)
def test_problems_are_listed(name, expected):
    report = check.check_pes(sample(name), cle1_basis=BASIS)
    assert list(report.problems) == expected
    assert not report.ok


def test_schema_errors_and_unreadable_roll_are_reported():
    report = check.check_pes(sample("ormc_bad_amount_comma.xml"))
    assert report.pieces is None
    assert "schéma PES V2 (pièce n° 1 du bordereau)" in report.problems[0]
    assert "MtHT" in report.problems[-1]


def test_missing_declared_total_and_bad_debt_number(roll):
    data = writer.write(roll).replace(b'<MtBordHt V="149.25"/>', b"").replace(
        b'<NumDette V="260000042"/>', b'<NumDette V="12345678901234"/>'
    )
    report = check.check_pes(data)
    assert any("MtBordHt : None déclaré" in p for p in report.problems)
    assert any(p.startswith("article 1 : zone NumDette") for p in report.problems)


def test_a_file_that_is_not_xml_cannot_be_checked():
    with pytest.raises(FileFormatError):
        check.check_pes(sample("ormc_bad_truncated.xml"))


def test_detect():
    assert check.detect(b"  <?xml") == "pes"
    assert check.detect(sample("rolmre_good.txt")) == "rolmre"


def test_rolmre_good_and_bad():
    good = check.check_rolmre(sample("rolmre_good.txt"))
    assert (good.ok, good.pieces, good.total) == (True, 2, Decimal("20.10"))
    bad = check.check_rolmre(sample("rolmre_bad_cle1.txt"))
    assert bad.problems == ("ligne 1, zone ROLCLE1 : valeur '2' attendue (valeur reçue : '3')",)
    assert (bad.pieces, bad.total) == (2, Decimal("7.80"))


# Big or hostile files: the problems kept are bounded, the others counted, memory stays flat


def many_bad_pieces(count: int) -> bytes:
    """The good sample whose first piece, given a wrong Cle2, is repeated ``count`` times."""
    data = sample("ormc_good.xml")
    start, end = data.index(b"<Piece>"), data.index(b"</Piece>") + len(b"</Piece>")
    piece = data[start:end].replace(b'<Cle2 V="K"/>', b'<Cle2 V="A"/>')
    return data[:start] + piece * count + data[end:]


def test_past_the_bound_rolmre_problems_are_counted_not_kept():
    report = check.check_rolmre(b"x\n" * 10_000)
    assert (len(report.problems), report.more) == (check.MAX_PROBLEMS, 9_900)
    assert report.problems[0] == "ligne 1 : enregistrement de 1 caractères au lieu de 500"
    assert report.problems[-1].startswith("ligne 100 : ")
    assert (report.pieces, report.ok) == (10_000, False)


@pytest.mark.parametrize(("bound", "kept"), [(0, 0), (1, 1), (10_000, 10_000)])
def test_the_caller_chooses_the_bound(bound, kept):
    report = check.check_rolmre(b"x\n" * 10_000, max_problems=bound)
    assert (len(report.problems), report.more, report.ok) == (kept, 10_000 - kept, False)


def test_past_the_bound_pes_problems_are_counted_not_kept():
    report = check.check_pes(many_bad_pieces(2_000), cle1_basis=BASIS)
    assert report.problems[:3] == (
        "zone NbrPce : 3 déclarés, 2002 articles comptés",
        "zone MtBordHt : 149.25 déclaré, 85106.75 calculé",
        "article 1, zone Cle2 : clé 'A' fausse, K attendue",
    )
    # 2 declared zones, 2,000 keys and the article number repeated: 2,003 problems.
    assert (len(report.problems), report.more) == (100, 1_903)
    everything = check.check_pes(many_bad_pieces(2_000), cle1_basis=BASIS, max_problems=3_000)
    assert (everything.more, everything.problems[:100]) == (0, report.problems)
    assert everything.problems[-1] == "article 1, zone IdPce : numéro d'article en double dans le rôle"


def test_checking_megabytes_of_garbage_takes_little_memory():
    data = b"x\r\n" * 50_000 + random.Random(0).randbytes(5_000_000)  # 70,000 bad records
    pes = many_bad_pieces(2_000)  # 3.7 MB, 2,003 problems
    tracemalloc.start()
    try:
        rolmre_report = check.check_rolmre(data)
        rolmre_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        pes_report = check.check_pes(pes, cle1_basis=BASIS)
        pes_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(rolmre_report.problems) + rolmre_report.more == rolmre_report.pieces > 50_000
    assert len(pes_report.problems) + pes_report.more == 2_003
    # The decoded file is 5.2 MB; 0.1.0 kept a line and a message per record and took 17 MB.
    assert rolmre_peak < 10_000_000
    assert pes_peak < 50_000_000  # lxml's own tree is not counted by tracemalloc


def test_a_huge_value_refused_by_the_schema_is_quoted_cut():
    huge = b'<ObjPce V="' + b"O" * 1_000_000 + b'"/>'
    report = check.check_pes(sample("ormc_good.xml").replace(b'<ObjPce V="FACTURE F01-26-0000042 JANVIER 2026"/>', huge))
    assert "'" + "O" * 79 + "…'" in report.problems[0]
    assert all(len(problem) < 300 for problem in report.problems)  # libxml2 quoted 64 KB of it
