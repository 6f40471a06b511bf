"""Read a generated file of 100,000 movements with regie-coda and with febelfin-coda.

Run: ``pip install -e 'adapters/coda[bench]' && python adapters/coda/benchmarks/read_100k.py``.
Prints the best of three timings of each parser and checks that both find the
same balances and communications. Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import io
import time
from datetime import date, timedelta
from decimal import Decimal

import coda as febelfin

from regie_coda import Movement, Statement, TransactionCode, ogm, read, write

STATEMENTS, PER_STATEMENT = 20, 5_000


def generate() -> bytes:
    statements, balance = [], Decimal("1000.00")
    day = date(2026, 1, 2)
    for number in range(1, STATEMENTS + 1):
        movements = []
        for sequence in range(1, PER_STATEMENT + 1):
            amount = Decimal(sequence % 997 + 1) / 4 * (1 if sequence % 3 else -1)
            structured = sequence % 2 == 0
            movements.append(
                Movement(
                    sequence=sequence,
                    detail=0,
                    amount=amount,
                    value_date=day,
                    entry_date=day,
                    transaction_code=TransactionCode.parse("00150000" if amount > 0 else "10370000"),
                    communication_type="101" if structured else None,
                    communication=ogm.generate(number * 100_000 + sequence)
                    if structured
                    else f"Facture cantine {number}-{sequence} famille {sequence % 500} repas de janvier et garderie",
                    bank_reference=f"REF{number:04d}{sequence:06d}",
                    counterparty_account="BE71096123456769" if sequence % 4 else "",
                    counterparty_name=f"FAMILLE {sequence % 500}" if sequence % 4 else "",
                    counterparty_bic="GEBABEBB" if sequence % 4 else "",
                )
            )
        new = balance + sum((m.amount for m in movements), Decimal(0))
        statements.append(
            Statement(
                account="BE68539007547034", currency="EUR", number=number, coda_number=number,
                old_balance=balance, old_balance_date=day - timedelta(days=1),
                new_balance=new, new_balance_date=day, movements=tuple(movements),
                holder="COMMUNE", bank_id="539", creation_date=day,
            )
        )
        balance, day = new, day + timedelta(days=1)
    return write(statements)


def best(function, repeat: int = 3) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - start)
    return min(timings), result


def main() -> None:
    data = generate()
    lines = data.count(b"\n")
    ours_time, ours = best(lambda: read(data))
    theirs_time, theirs = best(lambda: febelfin.CODA(io.StringIO(data.decode("cp1252"))).statements)
    movements = sum(len(s.movements) for s in ours)
    same = all(
        (s.old_balance, s.new_balance) == (t.old_balance, t.new_balance)
        and [m.structured_communication or m.communication for m in s.movements] == [m.communication for m in t.moves]
        for s, t in zip(ours, theirs, strict=False)
    ) and len(ours) == len(theirs)
    print(f"file: {len(data) / 1e6:.1f} MB, {lines} records, {len(ours)} statements, {movements} movements")
    print(f"regie-coda    read: {ours_time:.3f} s")
    print(f"febelfin-coda read: {theirs_time:.3f} s  ({theirs_time / ours_time:.1f} x slower)")
    print(f"same balances and communications: {same}")


if __name__ == "__main__":
    main()
