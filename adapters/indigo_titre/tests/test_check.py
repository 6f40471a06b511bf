"""The « contrôle disquette »: counts and totals against the printed list, rules, schema."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import SAMPLES

from regie_indigo_titre import MalformedFile, SchemaMissing, check, schema


def _sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.mark.parametrize("name", ["good_titres_cantine.xml", "good_titres_cantine_utf8.xml"])
def test_good_file_matches_the_printed_list(name: str) -> None:
    report = check(_sample(name), expect_count=3, expect_total=Decimal("168.75"))
    assert report.ok, report.problems
    assert (report.count, report.total) == (3, Decimal("168.75"))


def test_expectations_are_optional() -> None:
    assert check(_sample("good_titres_cantine.xml")).ok


def test_count_and_total_differ_from_the_list() -> None:
    report = check(_sample("good_titres_cantine.xml"), expect_count=4, expect_total=Decimal("170"))
    assert not report.ok
    assert len(report.problems) == 2
    assert "3 dans le fichier, 4 attendus" in report.problems[0]
    assert "168.75 dans le fichier, 170 attendus" in report.problems[1]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("bad_count.xml", "NbrPce annonce 4"),
        ("bad_total.xml", "MtBordHt annonce 170.00"),
        ("bad_postcode.xml", "titre 413, champ CP : code postal sur 5 chiffres"),
        ("bad_schema_postcode.xml", "schéma PES V2"),
    ],
)
def test_defect_is_reported(name: str, words: str) -> None:
    report = check(_sample(name))
    assert not report.ok
    assert any(words in problem for problem in report.problems), report.problems


def test_schema_problem_names_the_title() -> None:
    problems = check(_sample("bad_schema_postcode.xml")).problems
    assert any(p.startswith("titre 413, ligne ") and "champ CP" in p for p in problems), problems


def test_unreadable_file_raises() -> None:
    with pytest.raises(MalformedFile):
        check(_sample("bad_truncated.xml"))


def test_check_needs_the_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(schema.ENV_VAR)
    with pytest.raises(SchemaMissing):
        check(_sample("good_titres_cantine.xml"))
