"""Factories shared by the tests: a valid creditor, debtors and batches."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from regie_sepa.records import (Address, Amendment, Batch, Creditor, Debtor, MandateInfo, Party, Sequence,
                                Transaction)

# Tests write nothing outside temporary directories: no example database, no cache in the package.
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="regie-sepa-hypothesis-"))
settings.register_profile("regie", database=None)
settings.load_profile("regie")

SAMPLES = Path(__file__).parent / "samples"
EXAMPLES = Path(__file__).parent.parent / "examples"

# Valid IBANs (check digits computed with schwifty.IBAN.generate), with their bank's BIC.
IBANS = {
    "FR7630004000010001234567830": "BNPAFRPP",
    "FR1420041010050500013M02606": "PSSTFRPPXXX",
    "FR7630006000011234567890189": "AGRIFRPP",
    "FR7610071270000000100012368": "BDFEFRPPCCT",
}
CREDITOR = Creditor("Regie periscolaire de Marville", "FR7630001007941234567890185", "BDFEFRPPCCT",
                    "FR72ZZZ123456", Address("Marville", "FR", "Place de la Mairie", "1", "01234"))
TOWN_HALL = Party("Commune de Marville", "73282932000074")


def make_tx(n: int = 1, *, amount: str = "42.50", day: date = date(2026, 12, 8), sequence: Sequence = Sequence.RCUR,
            amendment: Amendment | None = None, bic: str | None = "BNPAFRPP", **changes: object) -> Transaction:
    tx = Transaction(
        end_to_end_id=f"F26-11-{n:07d}",
        amount=Decimal(amount),
        collection_date=day,
        sequence=sequence,
        mandate=MandateInfo(f"RUM-{n:09d}", date(2026, 9, 1), amendment),
        debtor=Debtor("Mme Helene Dupont", "FR7630004000010001234567830", bic),
        remittance=f"Facture F26-11-{n:07d}",
    )
    return replace(tx, **changes)  # type: ignore[arg-type]


def make_batch(*transactions: Transaction, **changes: object) -> Batch:
    batch = Batch("REGIE-2026-12-001", datetime(2026, 11, 23, 9, 0, 0), TOWN_HALL, CREDITOR,
                  transactions or (make_tx(1, sequence=Sequence.FIRST), make_tx(2)))
    return replace(batch, **changes)  # type: ignore[arg-type]


@pytest.fixture
def batch() -> Batch:
    return make_batch()
