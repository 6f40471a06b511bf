"""How much memory and time an export of many rows takes, as CSV and as XLSX, through `webapp.exports`.

    .venv/bin/python benchmarks/exports.py [--rows 50000]

Each format runs in a fresh process: rows made on the fly (the invoice list's columns: text, money, dates) are
written through the same helpers the views use into their temporary file, read back as a download would. Prints, per format,
the output's size, the tracemalloc peak of Python's allocations, the process's peak resident size (the
interpreter, Flask and openpyxl included) and the time. The issue asks for less than 200 MB at 50,000 rows.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace


def _rows(count: int):
    family = SimpleNamespace(label="DUPONT-MARTIN Hélène", number="004213")
    start = date(2026, 1, 1)
    for n in range(count):
        yield SimpleNamespace(number=f"CANT-2026-{n:06d}", family=family, issued_on=start + timedelta(days=n % 300),
                              due_on=start + timedelta(days=n % 300 + 30), fiscal_year=2026,
                              total=Decimal(n % 9000) / 100 + Decimal("0.05"), paid=Decimal("0.00"))


def _measure(fmt: str, count: int) -> None:
    from webapp.exports import Column, Kind, csv_file, xlsx_file

    columns = [Column("Numéro", lambda r: r.number), Column("Famille", lambda r: r.family.label),
               Column("N° famille", lambda r: r.family.number), Column("Date", lambda r: r.issued_on, Kind.DATE),
               Column("Échéance", lambda r: r.due_on, Kind.DATE), Column("Exercice", lambda r: r.fiscal_year, Kind.NUMBER),
               Column("Montant", lambda r: r.total, Kind.MONEY), Column("Payé", lambda r: r.paid, Kind.MONEY)]
    tracemalloc.start()
    began = time.perf_counter()
    size = 0
    with (csv_file(columns, _rows(count)) if fmt == "csv" else xlsx_file(columns, _rows(count), "factures")) as output:
        while chunk := output.read(1 << 16):
            size += len(chunk)
    elapsed = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{fmt:5} rows={count} size_mb={size / 2**20:.1f} peak_mb={peak / 2**20:.1f} rss_mb={rss:.0f} "
          f"seconds={elapsed:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--one", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        _measure(args.one, args.rows)
        return
    for fmt in ("csv", "xlsx"):
        subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--one", fmt], check=True)


if __name__ == "__main__":
    main()
