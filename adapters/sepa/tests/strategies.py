"""Hypothesis strategies for valid, already-clean batches (so read(write(x)) == x)."""

from __future__ import annotations

import string
from datetime import date, datetime, timedelta
from decimal import Decimal

from conftest import IBANS
from hypothesis import strategies as st

from regie_sepa.records import (Address, Amendment, Batch, Creditor, Debtor, MandateInfo, Party, Sequence,
                                Transaction)
from regie_sepa.writer import grouped

SEPA = string.ascii_letters + string.digits + "/-?:().,'+ "


def text(limit: int) -> st.SearchStrategy[str]:
    return st.text(SEPA, min_size=1, max_size=limit).map(lambda s: " ".join(s.split())).filter(bool)


def identifier() -> st.SearchStrategy[str]:
    return st.text(SEPA.replace(" ", ""), min_size=1, max_size=35).filter(
        lambda s: not s.startswith("/") and not s.endswith("/") and "//" not in s)


ibans = st.sampled_from(sorted(IBANS))
bics = st.none() | st.sampled_from(sorted(set(IBANS.values())))
creditor_ids = st.sampled_from(["FR72ZZZ123456", "FR76ZZZ000000", "FR72ABC123456"])
sirets = st.none() | st.sampled_from(["73282932000074", "21270001700016"])
days = st.dates(date(2020, 1, 1), date(2030, 12, 31))
amounts = st.decimals(Decimal("0.01"), Decimal("999999999.99"), places=2)
addresses = st.none() | st.builds(
    Address, town=text(35), country=st.sampled_from(["FR", "BE", "DE"]),
    street=st.none() | text(70), building_number=st.none() | text(16), postcode=st.none() | text(16),
    lines=st.lists(text(70), max_size=2).map(tuple))
parties = st.builds(Party, name=text(70), siret=sirets, address=addresses)


@st.composite
def transactions(draw: st.DrawFn, end_to_end_id: str) -> Transaction:
    iban = draw(ibans)
    reference = draw(identifier())
    collection_date = draw(days)
    amendment = draw(st.none() | st.builds(
        Amendment,
        original_reference=st.none() | identifier().filter(lambda r: r.upper() != reference.upper()),
        original_creditor_id=st.none() | creditor_ids,
        original_creditor_name=st.none() | text(70),
        original_iban=st.none() | ibans.filter(lambda i: i != iban),
        new_bank=st.booleans(),
    ).filter(lambda a: a != Amendment() and not (a.new_bank and a.original_iban)))
    return Transaction(
        end_to_end_id=end_to_end_id,
        amount=draw(amounts),
        collection_date=collection_date,
        sequence=draw(st.sampled_from(Sequence)),
        mandate=MandateInfo(reference, collection_date - timedelta(days=draw(st.integers(0, 2000))), amendment),
        debtor=Debtor(draw(text(70)), iban, draw(bics), draw(addresses)),
        remittance=draw(st.none() | text(140)),
    )


@st.composite
def batches(draw: st.DrawFn) -> Batch:
    ids = draw(st.lists(identifier(), min_size=1, max_size=6, unique=True))
    txs = [draw(transactions(ref)) for ref in ids]
    return Batch(
        message_id=draw(identifier()),
        created_at=draw(st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31))).replace(microsecond=0),
        initiating_party=draw(parties),
        creditor=Creditor(draw(text(70)), draw(ibans), draw(bics), draw(creditor_ids), draw(addresses)),
        transactions=tuple(txs),
        ultimate_creditor=draw(st.none() | parties),
    )


def in_file_order(batch: Batch) -> Batch:
    """The order a file gives back: one block per (sequence, date), in order of first appearance."""
    from dataclasses import replace
    return replace(batch, transactions=tuple(tx for _, txs in grouped(batch.transactions) for tx in txs))
