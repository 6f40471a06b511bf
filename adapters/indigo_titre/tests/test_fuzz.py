"""Properties: read(write(x)) == x, and the reader and check raise only the documented error."""

from __future__ import annotations

from conftest import SAMPLES
from edit import edited
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import titles_files

from regie_indigo_titre import TitreError, check, read, write
from regie_indigo_titre.records import TitlesFile

GOOD = (SAMPLES / "good_titres_cantine.xml").read_bytes()


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(titles_files(), st.sampled_from(["ISO-8859-1", "UTF-8"]))
def test_read_gives_back_what_was_written(titles: TitlesFile, encoding: str) -> None:
    data = write(titles, encoding=encoding)
    assert read(data) == titles
    report = check(data, expect_count=len(titles.bordereau.titles), expect_total=titles.bordereau.total)
    assert report.ok, report.problems


def _raises_only_titre_error(data: bytes) -> None:
    for operation in (read, check):
        try:
            operation(data)
        except TitreError:
            pass


@settings(max_examples=100)
@given(st.binary(max_size=400))
def test_junk_bytes(data: bytes) -> None:
    _raises_only_titre_error(data)


@settings(max_examples=150)
@given(st.data())
def test_mutated_good_file(data: st.DataObject) -> None:
    blob = bytearray(GOOD)
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(blob) - 1))
        action = data.draw(st.sampled_from(["flip", "delete", "insert"]))
        byte = data.draw(st.integers(0, 255))
        if action == "flip":
            blob[position] = byte
        elif action == "delete":
            del blob[position : position + data.draw(st.integers(1, 40))]
        else:
            blob[position:position] = bytes([byte])
    _raises_only_titre_error(bytes(blob))


_VALUES = st.sampled_from(
    ["", "0", "-1", "1e5", "99999999999999999999", "2026-13-01", "nc", ".", "é", "\u00a0", "NaN", "12.345"]
)


@settings(max_examples=150)
@given(st.data())
def test_mutated_attribute_values(data: st.DataObject) -> None:
    """Swap a random ``V="…"`` for a hostile value: structure stays XML, content goes wrong."""
    text = GOOD.decode("iso-8859-1")
    starts = [i for i in range(len(text)) if text.startswith(' V="', i)]
    start = data.draw(st.sampled_from(starts)) + 4
    end = text.index('"', start)
    mutated = text[:start] + data.draw(_VALUES) + text[end:]
    _raises_only_titre_error(mutated.encode("iso-8859-1", errors="replace"))


@settings(max_examples=150)
@given(st.text(max_size=60), st.sampled_from(["last_name", "first_name", "civility", "reference"]), st.booleans())
def test_write_raises_only_titre_error_on_any_text(value: str, field: str, utf8: bool) -> None:
    try:
        titles = edited(f"bordereau.titles.1.debtor.{field}", value)
        write(titles, encoding="UTF-8" if utf8 else "ISO-8859-1", cut=True)
    except TitreError:
        pass
