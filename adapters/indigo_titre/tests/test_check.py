"""The « contrôle disquette »: counts and totals against the printed list, rules, schema."""

from __future__ import annotations

import tracemalloc
from decimal import Decimal

import pytest
from conftest import SAMPLES

from regie_indigo_titre import FileFormatError, SchemaMissingError, check, schema
from regie_indigo_titre.check import MAX_PROBLEMS


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
    with pytest.raises(FileFormatError):
        check(_sample("bad_truncated.xml"))


def test_check_uses_the_shipped_schema_or_the_one_named(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv(schema.ENV_VAR)
    assert check(_sample("good_titres_cantine.xml")).ok
    monkeypatch.setenv(schema.ENV_VAR, str(tmp_path))
    with pytest.raises(SchemaMissingError):
        check(_sample("good_titres_cantine.xml"))


# Big or hostile files: the problems kept are bounded, the others counted, memory stays flat


def many_bad_titles(count: int) -> bytes:
    """The sample with a 6-digit postcode, its title 413 repeated ``count`` times."""
    data = _sample("bad_schema_postcode.xml")
    start = data.rindex(b"<Piece>", 0, data.index(b'<IdPce V="413"/>'))
    end = data.index(b"</Piece>", start) + len(b"</Piece>")
    return data[:start] + data[start:end] * count + data[end:]


def test_past_the_bound_problems_are_counted_not_kept() -> None:
    report = check(many_bad_titles(1_000))
    everything = check(many_bad_titles(1_000), max_problems=10_000)
    # Each title: its postcode for the schema and for the rules, its number repeated; and NbrPce, MtBordHt.
    assert len(everything.problems) == 3 * 1_000 - 1 + 2
    assert (len(report.problems), report.more) == (MAX_PROBLEMS, len(everything.problems) - MAX_PROBLEMS)
    assert report.problems == everything.problems[:MAX_PROBLEMS]
    assert report.problems[0].startswith("titre 413, ligne 141, champ CP : le fichier ne respecte pas le schéma")
    assert not report.ok and everything.more == 0


def test_counting_only_is_not_ok() -> None:
    report = check(_sample("bad_count.xml"), max_problems=0)
    assert (report.problems, report.more, report.ok) == ((), 1, False)


def test_checking_megabytes_of_bad_titles_takes_little_memory() -> None:
    data = many_bad_titles(3_000)  # 3.6 MB, 9,001 problems
    tracemalloc.start()
    try:
        report = check(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(report.problems) + report.more == 9_001
    assert peak < 50_000_000  # the titles read (lxml's own tree is not counted by tracemalloc)


def test_a_huge_value_refused_by_the_schema_is_quoted_cut() -> None:
    data = _sample("good_titres_cantine.xml")
    start = data.index(b'<ObjPce V="') + len(b'<ObjPce V="')
    report = check(data[:start] + b"O" * 1_000_000 + data[data.index(b'"', start) :])
    assert any("'" + "O" * 79 + "…'" in problem for problem in report.problems), report.problems
    assert all(len(problem) < 300 for problem in report.problems)  # libxml2 quoted 64 KB of it
