"""Whatever the bytes, ``read`` returns valid rows or raises ``InvalidFile``, and nothing else.

The mutations aim at what goes wrong with real files: a tab lost or added, a
line end changed, a digit or a separator typed in the wrong place, a byte the
encoding cannot decode, a byte order mark, a lone carriage return.
"""

from __future__ import annotations

from hypothesis import given, reject, settings
from hypothesis import strategies as st
from strategies import rows

from regie_self_import import InvalidFile, LineError, Row, decode, read, write
from regie_self_import.jsonio import rows_from_json

NASTY = [b"\t", b"\r", b"\n", b"\r\n", b" ", b"+", b"-", b",", b".", b"0", b"9", b"e", b"99999", b"\x00", b"\xa0"]
NASTY += [b"\xef\xbb\xbf", b"\x81", b"\xe9", b"\xc3", b"\xd9\xa3"]  # BOM, undefined in cp1252, é, UTF-8 lead, Arabic 3


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    try:
        data = bytearray(write(draw(st.lists(rows(), min_size=1, max_size=5))))
    except InvalidFile:  # the rare identifiers that would read back as UTF-8 (see test_writer)
        reject()
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(NASTY) | st.binary(min_size=1, max_size=3))
        if action == "insert":
            data[at:at] = piece
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 4))]
        else:
            data[at : at + len(piece)] = piece
    return bytes(data)


def check_read(data: bytes) -> None:
    try:
        result = read(data)
    except InvalidFile as e:
        assert e.errors
        for error in e.errors:
            assert isinstance(error, LineError)
            assert error.line is not None and error.line >= 1
            assert str(error).startswith(f"Ligne {error.line}")
        return
    # No line is lost: every line that is not blank gave one row, in order.
    text, _ = decode(data)
    lines = [number for number, line in enumerate(text.split("\n"), start=1) if line.strip()]
    assert [r.line for r in result] == lines
    assert all(isinstance(r, Row) for r in result)


@settings(max_examples=500)
@given(mutated())
def test_mutated_files_raise_only_the_documented_error(data):
    check_read(data)


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_junk_raises_only_the_documented_error(data):
    check_read(data)


@settings(max_examples=300)
@given(st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_junk_text_raises_only_the_documented_error(data):
    check_read(data)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.decimals() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
ROW_KEYS = st.sampled_from(["pupil_id", "start", "end", "meals", "unit_price", "line"])
ROW_VALUES = (
    st.sampled_from(["2026-01-05", "20260105", "0001234567", "3.45", "3,456", "", -1, 0, 4, 10**6]) | JSON_VALUES
)


@settings(max_examples=300)
@given(st.lists(st.dictionaries(ROW_KEYS, ROW_VALUES, min_size=3) | JSON_VALUES, max_size=4))
def test_any_json_rows_give_rows_or_the_documented_error(items):
    try:
        rows = rows_from_json({"rows": items})
    except InvalidFile as e:
        assert e.errors
        assert all(isinstance(error, LineError) for error in e.errors)
    else:
        assert len(rows) == len(items)
