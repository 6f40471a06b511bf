"""Time reading (and writing, and hashing) a consumption file of 100,000 lines, and one of garbage.

    python adapters/self_import/benchmarks/bench_read.py [LINES]

Prints figures (best of 5 runs); asserts nothing about time. The target for
reading 100,000 lines is 0.5 s.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from regie_self_import import InvalidFile, Row, content_hash, read, write


def rows(count: int) -> list[Row]:
    """Realistic rows: weekly periods, some corrections, some lines without a price, a few accented ids."""
    first = date(2026, 1, 5)
    return [
        Row(
            f"É{n % 2000:09d}" if n % 1000 == 0 else f"{n % 2000:010d}",
            first + timedelta(weeks=n % 40),
            first + timedelta(weeks=n % 40, days=4),
            -1 if n % 17 == 0 else 1 + n % 5,
            None if n % 11 == 0 else Decimal(250 + n % 300).scaleb(-2),
        )
        for n in range(count)
    ]


def best(action: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def refused(data: bytes) -> None:
    """Read a file that has only bad lines: the problems past the bound are counted, not kept."""
    try:
        read(data)
    except InvalidFile as e:
        assert e.total == 5 * data.count(b"\n")
        return
    raise AssertionError("garbage read as rows")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    given = rows(count)
    data = write(given)
    assert read(data) == given  # a wrong benchmark is worse than a slow one
    lf = data.replace(b"\r\n", b"\n")
    utf8 = b"\xef\xbb\xbf" + data.decode("cp1252").encode("utf-8")
    garbage = b"\tx\tx\tx\tx\r\n" * count  # five refused values a line
    print(f"{count} lines, {len(data) / 1e6:.1f} MB, Python {sys.version.split()[0]}")
    for label, seconds in [
        ("read (Windows-1252, CRLF)", best(lambda: read(data))),
        ("read (UTF-8 with BOM)", best(lambda: read(utf8))),
        ("read (LF)", best(lambda: read(lf))),
        ("write", best(lambda: write(given))),
        ("content_hash", best(lambda: content_hash(data))),
        ("read (5 refused values/line)", best(lambda: refused(garbage), runs=3)),
    ]:
        print(f"{label:28} {seconds:7.3f} s  {count / seconds:>12,.0f} lines/s")


if __name__ == "__main__":
    main()
