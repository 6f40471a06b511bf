"""Hypothesis strategies: any row the writer accepts, and the files it writes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from regie_self_import.records import MAX_ID_LENGTH, MAX_MEALS, Row

# Every character Windows-1252 can write, minus the ones an identifier cannot hold.
CP1252 = sorted({bytes([b]).decode("cp1252", "ignore") for b in range(256)} - {""})
ID_CHARS = [c for c in CP1252 if c.isprintable()]

pupil_ids = st.text(st.sampled_from(ID_CHARS), min_size=1, max_size=MAX_ID_LENGTH).filter(lambda s: s == s.strip())
prices = st.none() | st.integers(0, 99_999_999).map(lambda cents: Decimal(cents).scaleb(-2))


@st.composite
def rows(draw: st.DrawFn) -> Row:
    start = draw(st.dates(date(1, 1, 1), date.max))
    end = start + timedelta(days=draw(st.integers(0, min(400, (date.max - start).days))))
    return Row(draw(pupil_ids), start, end, draw(st.integers(-MAX_MEALS, MAX_MEALS)), draw(prices))
