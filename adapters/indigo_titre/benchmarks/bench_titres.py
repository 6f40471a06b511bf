"""Time building, reading and checking a bordereau of many titles; prints figures, asserts nothing.

python benchmarks/bench_titres.py [N]   (REGIE_PES_SCHEMAS=DIR for other schemas than the shipped ones)
"""

from __future__ import annotations

import sys
import time
from datetime import date
from decimal import Decimal

from regie_indigo_titre import Address, Bordereau, Debtor, Header, Line, Title, TitlesFile, check, read, write


def titles_file(count: int) -> TitlesFile:
    titles = tuple(
        Title(
            number=n,
            object=f"Impayé cantine et garderie janvier 2026, facture F01-26-{n:07d}",
            invoice_number=f"F01-26-{n:07d}",
            debtor=Debtor(
                civility="MME",
                last_name=f"FAMILLE {n}",
                first_name="Marie",
                reference=f"FAM{n:06d}",
                address=Address(street=f"{n % 200 + 1} rue des Écoles", postcode="61000", town="ALENCON"),
            ),
            lines=(
                Line(product_code="CANT", nature="7067", amount=Decimal("42.50"), object="Cantine janvier 2026"),
                Line(product_code="GARD", nature="7067", amount=Decimal("18.00"), object="Garderie janvier 2026"),
            ),
        )
        for n in range(1, count + 1)
    )
    header = Header(
        file_name="PESALR1_BENCH.xml",
        created=date(2026, 2, 5),
        accounting_office="061090",
        siret="21610001600015",
        collectivity_code="020",
        budget_code="00",
    )
    return TitlesFile(header, Bordereau(fiscal_year=2026, number=31, issued=date(2026, 2, 5), titles=titles))


def timed(label: str, action):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = action()
    print(f"{label:<32} {time.perf_counter() - start:6.3f} s")
    return result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    records = titles_file(count)
    print(f"{count} titles, 2 lines each")
    data = timed("build + rules + schema (write)", lambda: write(records))
    print(f"{'file size':<32} {len(data) / 1e6:6.2f} MB")
    back = timed("read", lambda: read(data))
    assert back == records
    report = timed("check (read + rules + schema)", lambda: check(data, expect_count=count))
    assert report.ok, report.problems[:3]


if __name__ == "__main__":
    main()
