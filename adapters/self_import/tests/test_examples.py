"""The files in ``examples/`` (shown in the README) read and write as documented."""

from __future__ import annotations

from decimal import Decimal

from conftest import EXAMPLES, SAMPLES

from regie_self_import import read, write
from regie_self_import.jsonio import loads, rows_from_json


def test_the_january_export_reads():
    rows = read((EXAMPLES / "cantine_janvier.tsv").read_bytes())
    assert len(rows) == 5
    assert sum(r.amount for r in rows if r.amount is not None) == Decimal("31.05") + Decimal("4.20")


def test_the_balances_write_to_the_golden_file():
    rows = rows_from_json(loads((EXAMPLES / "soldes.json").read_bytes()))
    assert write(rows) == (SAMPLES / "soldes_written.tsv").read_bytes()
