"""How long reading 100,000 CODA movements takes, in Python and through ``regie-coda read``.

    .venv/bin/python benchmarks/coda_read.py [--movements 100000]
    PYTHONPATH=/path/to/a/venv/with/pycoda/site-packages .venv/bin/python benchmarks/coda_read.py

Writes a file of generated statements in a temporary folder, then prints one ``name: value`` line each, times
in CPU seconds: ``parse_s`` (best of three ``regie_coda.read(path)``), ``cli_s`` (best of three whole
``regie-coda read`` processes, interpreter start and JSON to /dev/null included), ``peak_mb`` (tracemalloc peak of one ``read(path)``, the file itself on disk)
and, when the parser is importable, ``pycoda_parse_s`` (pycoda 1.1, GPL, its ``Parser().parse(bytes)``) or
``febelfin_parse_s`` (febelfin-coda 0.5). Both install a module named ``coda``: only one is measured per run.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import resource
import shutil
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from regie_coda import Movement, Statement, TransactionCode, ogm, read, write

PER_STATEMENT = 5_000
NEWLINE = b"\n"


def generate(count: int) -> bytes:
    """Statements of 5,000 movements: half structured, half free text, most with a counterparty (2.3)."""
    statements, balance, day = [], Decimal("1000.00"), date(2026, 1, 2)
    for number in range(1, -(-count // PER_STATEMENT) + 1):
        movements = []
        for sequence in range(1, min(PER_STATEMENT, count - (number - 1) * PER_STATEMENT) + 1):
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
                account="BE68539007547034", currency="EUR", number=number % 1000, coda_number=number % 1000,
                old_balance=balance, old_balance_date=day - timedelta(days=1),
                new_balance=new, new_balance_date=day, movements=tuple(movements),
                holder="COMMUNE", bank_id="539", creation_date=day,
            )
        )
        balance, day = new, day + timedelta(days=1)
    return write(statements)


def best(function: Callable[[], object], repeat: int = 3) -> float:
    """Best of ``repeat`` runs, in CPU seconds of this process and its children.

    CPU time, not wall time: on a machine shared with other work the wall time
    of one run varies by a factor of two, the CPU time by a few per cent.
    """
    timings = []
    for _ in range(repeat):
        start = _cpu()
        function()
        timings.append(_cpu() - start)
    return min(timings)


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def command() -> list[str]:
    """The installed ``regie-coda`` beside this interpreter, else ``python -m regie_coda``."""
    script = Path(sys.executable).with_name("regie-coda")
    return [str(script)] if script.exists() else [sys.executable, "-m", "regie_coda"]


def peer(data: bytes) -> tuple[str, Callable[[], object]] | None:
    """The other parser installed as ``coda``, if any, and how to run it on ``data``."""
    try:
        import coda
    except ImportError:
        return None
    try:
        from coda.parser import Parser  # pycoda
    except ImportError:
        return "febelfin_parse_s", lambda: coda.CODA(io.StringIO(data.decode("cp1252"))).statements
    return "pycoda_parse_s", lambda: Parser().parse(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movements", type=int, default=100_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="coda-bench-"))
    try:
        data = generate(args.movements)
        path = folder / "statements.cod"
        path.write_bytes(data)
        print(f"file_mb: {len(data) / 1e6:.1f}")
        print(f"records: {data.count(NEWLINE)}")
        print(f"parse_s: {best(lambda: read(path)):.3f}")
        run = [*command(), "read", str(path)]
        print(f"cli_s: {best(lambda: subprocess.run(run, stdout=subprocess.DEVNULL, check=True)):.3f}")
        tracemalloc.start()
        read(path)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"peak_mb: {peak / 1e6:.1f}")
        other = peer(data)
        if other is not None:
            name, parse = other
            print(f"{name}: {best(parse):.3f}")
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
