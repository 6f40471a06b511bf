import contextlib
import tracemalloc
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from conftest import SAMPLES, example_json
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import articles

from regie_ormc import jsonio, rolmre
from regie_ormc.errors import FieldError, FileFormatError
from regie_ormc.records import RibAccount

GOOD = (SAMPLES / "rolmre_good.txt").read_bytes()
ARTICLES = jsonio.rolmre_from_json(example_json("rolmre_roll.json"))
FIRST = ARTICLES[0]


def test_layout_covers_500_characters_without_gap_or_overlap():
    position = 1
    for zone in rolmre.LAYOUT:
        assert zone.start == position, zone.name
        position += zone.length
    assert position - 1 == rolmre.RECORD_LENGTH


def test_golden_file():
    assert rolmre.write(ARTICLES) == GOOD
    assert rolmre.read(GOOD) == ARTICLES


def test_positions_of_the_published_example():
    # ROLCOL 01, ROLNAT 04, ROLEX 2013, ROLPER 0, ROLDET 0000000900001 -> ROLCLE1 2, ROLCLE2 T.
    record = GOOD.split(b"\n")[0].decode("latin-1")
    assert record[1:3] == "01" and record[3:5] == "04" and record[5:9] == "2013"
    assert record[10:23] == "0000000900001"
    assert (record[23], record[24], record[25]) == ("2", "0", "T")
    assert record[38:50] == "000000001230" and record[86:98] == "000000001230"
    assert record[366] == "5" and record[367:389] == "3000600001123456789018"[:22]
    assert record[464:466] == "E " and record[466:468] == "00" and record[499] == "2"


def test_crlf_and_no_final_newline_are_read():
    assert rolmre.read(GOOD.replace(b"\n", b"\r\n")) == ARTICLES
    assert rolmre.read(GOOD.rstrip(b"\n")) == ARTICLES
    assert rolmre.write(ARTICLES, newline="\r\n") == GOOD.replace(b"\n", b"\r\n")


def test_bytes_path_and_file_read_alike():
    path = SAMPLES / "rolmre_good.txt"
    with path.open("rb") as file:
        assert rolmre.read(GOOD) == rolmre.read(path) == rolmre.read(file) == ARTICLES


def test_chunks_cut_anywhere_read_alike(monkeypatch):
    article = replace(FIRST, name="DUPONT HÉLÈNE")
    data = b"\xef\xbb\xbf" + rolmre.write([article, FIRST], encoding="UTF-8", newline="\r\n")
    monkeypatch.setattr(rolmre, "_CHUNK", 7)  # chunks cut records, CR LF pairs and accented letters
    assert rolmre.read(data, encoding="UTF-8") == [article, FIRST]


@pytest.mark.parametrize("source", ["texte", 12, None])
def test_not_bytes(source):
    with pytest.raises(FileFormatError):
        rolmre.read(source)  # type: ignore[arg-type]


def test_a_text_file_is_refused():
    with (SAMPLES / "rolmre_good.txt").open(encoding="iso-8859-1") as text, pytest.raises(FileFormatError):
        rolmre.read(text)  # type: ignore[arg-type]


def test_utf8_on_request():
    article = replace(FIRST, name="DUPONT HÉLÈNE")
    data = rolmre.write([article], encoding="UTF-8")
    assert rolmre.read(data, encoding="UTF-8") == [article]


@settings(max_examples=60, deadline=None)
@given(st.lists(articles(), min_size=1, max_size=3))
def test_round_trip(items):
    assert rolmre.read(rolmre.write(items)) == items


BAD = [
    (dict(amount=Decimal("0")), "ROLEAU"),
    (dict(amount=Decimal("-5.00")), "ROLEAU"),
    (dict(amount=Decimal("1.005")), "ROLEAU"),
    (dict(sanitation=Decimal("-1")), "ROLASS"),
    (dict(amount=Decimal("10000000000")), "ROLEAU"),
    (dict(postcode="6100"), "ROLCP"),
    (dict(name="X" * 33), "ROLNOM"),
    (dict(name="DUPONT "), "ROLNOM"),
    (dict(town="A\nB"), "ROLLOC"),
    (dict(revenue_code="FF"), "ROLREC"),
    (dict(revenue_code="ea"), "ROLREC"),
    (dict(movement="5"), "ROLMVT"),
    (dict(revenue_type="3"), "ROLTPR"),
    (dict(debt_prefix="0"), "ROLDEB"),
    (dict(roll_number=100), "ROLROL"),
    (dict(collectivity_code="1"), "ROLCOL"),
    (dict(nature_code="4A"), "clé modulo 11"),
    (dict(debt_number=0), "NumDette"),
    (dict(period=10), "Per"),
    (dict(account=None), "ROLRET"),
    (dict(account=RibAccount("30006", "00001", "12345678901", "88", "DUPONT")), "ROLRCL"),
    (dict(name="CŒUR"), "ROLNOM"),
]


@pytest.mark.parametrize(("changes", "field"), BAD, ids=[b[1] + str(i) for i, b in enumerate(BAD)])
def test_bad_articles_are_refused_naming_record_and_zone(changes, field):
    with pytest.raises(FieldError) as raised:
        rolmre.write([ARTICLES[1], replace(FIRST, **changes)])
    assert (raised.value.line, raised.value.field) == (2, field)


def test_an_empty_roll_is_refused():
    with pytest.raises(FieldError):
        rolmre.write([])


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("rolmre_bad_length.txt", None),
        ("rolmre_bad_cle1.txt", "ROLCLE1"),
        ("rolmre_bad_total.txt", "ROLTOT"),
        ("rolmre_bad_amount.txt", "ROLEAU"),
    ],
)
def test_broken_samples(name, field):
    with pytest.raises(FileFormatError) as raised:
        rolmre.read((SAMPLES / name).read_bytes())
    assert (raised.value.line, raised.value.field) == (1, field)


def _record(position: int, text: str) -> bytes:
    line = GOOD.split(b"\n")[0].decode("latin-1")
    return (line[: position - 1] + text + line[position - 1 + len(text):]).encode("latin-1")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_record(29, "20131302"), "ROLDAT"),
        (_record(367, "7"), "ROLPRE"),
        (_record(500, "3"), "ROLVER"),
        (_record(465, "F"), "ROLMONNAIE"),
        (_record(26, "A"), "ROLCLE2"),
        (_record(27, "FF"), "ROLREC"),
        (_record(271, "ABCDE"), "ROLCP"),
    ],
)
def test_wrong_zones_are_named(data, field):
    with pytest.raises(FileFormatError) as raised:
        rolmre.read(data)
    assert raised.value.field == field


def test_unreadable_and_empty_files():
    with pytest.raises(FileFormatError, match="illisible"):
        rolmre.read(b"\xff" * 500, encoding="UTF-8")
    with pytest.raises(FileFormatError, match="vide"):
        rolmre.read(b"")


def test_a_file_of_garbage_is_refused_at_its_first_record_without_splitting_it_all():
    data = b"x\n" * 2_500_000  # 5 MB
    tracemalloc.start()
    try:
        with pytest.raises(FileFormatError) as raised:
            rolmre.read(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert raised.value.line == 1
    assert peak < 10_000_000  # the decoded text; a list of its lines took 53 MB


def test_noethys_space_in_roltpr_is_read():
    assert rolmre.read(_record(499, " "))[0].revenue_type == ""
    assert rolmre.read(_record(499, " "))[0].issue_date == date(2013, 5, 2)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=1200))
def test_junk_raises_only_the_documented_error(data):
    with pytest.raises(FileFormatError):
        rolmre.read(data)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(GOOD) - 1), st.binary(min_size=1, max_size=3))
def test_mutations_raise_only_the_documented_error(start, insert):
    data = GOOD[:start] + insert + GOOD[start + len(insert):]
    with contextlib.suppress(FileFormatError):
        rolmre.read(data)
