"""Time an ORMC of 5,000 pieces (each with a SEPA debit): build + rules + schema, then read and check.

    python adapters/ormc/benchmarks/bench_ormc.py [PIECES]   (REGIE_PES_SCHEMAS=DIR for other schemas than the shipped ones)

Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from regie_ormc import check, keys, reader, rolmre, schema, writer
from regie_ormc.records import (
    Address,
    BankAccount,
    Bordereau,
    Debit,
    Debtor,
    Header,
    Line,
    Piece,
    RibAccount,
    Roll,
    RolmreArticle,
)

BASIS = keys.Cle1Basis("20", "12")
YEAR, PERIOD = 2026, 1


def piece(n: int) -> Piece:
    debt = 260000000 + n
    amount = Decimal(1000 + n % 9000).scaleb(-2)
    return Piece(
        number=n,
        debt_number=debt,
        period=PERIOD,
        cle1=keys.ormc_cle1(BASIS, YEAR, PERIOD, debt),
        cle2=keys.ormc_cle2(YEAR, PERIOD, debt),
        object=f"FACTURE F01-26-{n:07d} JANVIER 2026",
        invoice_number=f"F01-26-{n:07d}",
        debtor=Debtor(
            civility="MME",
            last_name=f"FAMILLE {n}",
            first_name="MARIE",
            reference=f"FAM{n:06d}",
            address=Address(street=f"{n % 200 + 1} RUE DES ECOLES", postcode="61000", town="ALENCON"),
            bank_account=BankAccount(iban="FR7630006000011234567890189", holder="TITULAIRE"),
        ),
        lines=(
            Line(
                number=1,
                product_code="CANT",
                amount=amount,
                object="CANTINE JANVIER 2026",
                debit=Debit(
                    date=date(2026, 2, 10),
                    amount=amount,
                    sequence="RCUR",
                    mandate_date=date(2024, 9, 1),
                    mandate_ref=f"FAM{n:06d}-001",
                    label="CANTINE JANVIER 2026",
                ),
            ),
        ),
    )


def timed(label: str, action):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = action()
    print(f"{label:<44}{time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    default = Path(__file__).resolve().parents[3].parent / "shared" / "schemas" / "pes_v2"
    schemas = os.environ.get(schema.ENV_VAR) or str(default)
    roll = Roll(
        header=Header("ORMC_BENCH.xml", "REGIE", "Regie bench", date(2026, 2, 5), "061090", "21610001600015",
                      "020", "00"),
        bordereau=Bordereau(YEAR, 12, date(2026, 2, 5), "CANTINE JANVIER 2026"),
        pieces=tuple(piece(n) for n in range(1, count + 1)),
    )
    timed("schema compile (once per process)", lambda: schema.load(schemas))
    data = timed(f"ORMC build + rules + schema, {count} pieces", lambda: writer.write(roll, schema_dir=schemas))
    print(f"{'file size':<44}{len(data) / 1e6:8.2f} MB")
    back = timed("read", lambda: reader.read(data))
    assert back == roll
    report = timed("check (schema, totals, keys, rules)", lambda: check.check_pes(data, schema_dir=schemas,
                                                                                  cle1_basis=BASIS))
    assert report.ok, report.problems[:3]
    article = RolmreArticle("01", "04", 2013, 0, 1, "EA", date(2013, 5, 2), 3, Decimal("12.30"), "DUPONT MARIE",
                            postcode="61000", direct_debit=True,
                            account=RibAccount("30006", "00001", "12345678901", "89", "DUPONT MARIE"))
    articles = [replace(article, debt_number=n) for n in range(1, count + 1)]
    text = timed(f"ROLMRE write, {count} records", lambda: rolmre.write(articles))
    timed("ROLMRE read", lambda: rolmre.read(text))


if __name__ == "__main__":
    main()
