"""How much memory each adapter's reader takes for a ~50 MB file given as a path, and given as bytes.

    .venv/bin/python benchmarks/adapters_memory.py [--mb 50] [--only sepa_pain008 ...]

Builds one valid file per format in a temporary folder (the packages' samples, their repeated part repeated
up to the size: pieces, transactions, records, lines), then reads each in a fresh process, once from its
path and once from ``path.read_bytes()``, and prints one line per reader and input: ``peak_mb``, the
tracemalloc peak of the reading (the ``read_bytes`` included for bytes), and ``rss_mb``, the process's
peak resident size. tracemalloc sees only Python's allocations: the tree libxml2 builds for an XML
format is in ``rss_mb`` alone. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import resource
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = ROOT / "adapters"
MB = 1 << 20

#: name: (module, function) of each reader measured.
READERS = {
    "coda": ("regie_coda", "read"),
    "indigo_titre": ("regie_indigo_titre", "read"),
    "ormc_pes": ("regie_ormc.reader", "read"),
    "ormc_rolmre": ("regie_ormc.rolmre", "read"),
    "self_import": ("regie_self_import", "read"),
    "sepa_pain008": ("regie_sepa", "read"),
    "sepa_pain002": ("regie_sepa.rejects", "read_status_report"),
}


def repeated(sample: Path, start: str, end: str, size: int) -> bytes:
    """``sample`` with its part from the line holding ``start`` to the line before ``end`` repeated up to ``size``."""
    data = sample.read_bytes()
    first = data.index(start.encode())
    first = data.rindex(b"\n", 0, first) + 1
    last = data.index(end.encode(), first)
    last = data.rindex(b"\n", 0, last) + 1
    part = data[first:last]
    return data[:first] + part * max(1, (size - len(data)) // len(part)) + data[last:]


def coda(size: int) -> bytes:
    sys.path.insert(0, str(Path(__file__).parent))
    from coda_read import generate  # the statements benchmarks/coda_read.py reads

    return generate(size // 325)  # a movement is about 2.5 records of 130 bytes


def sepa_pain008(size: int) -> bytes:
    """The golden batch's transactions again and again, each with its own end-to-end id."""
    from regie_sepa import read, write
    from regie_sepa.records import Version

    golden = read(ADAPTERS / "sepa/tests/samples/golden_02.xml")

    def batch(count: int) -> bytes:
        cycle = itertools.cycle(golden.transactions)
        transactions = tuple(replace(next(cycle), end_to_end_id=f"F26-{n:010d}") for n in range(count))
        return write(replace(golden, transactions=transactions), Version.V02)

    return batch(size * 600 // len(batch(600)))


BUILDERS: dict[str, Callable[[int], bytes]] = {
    "coda": coda,
    "indigo_titre": lambda size: repeated(
        ADAPTERS / "indigo_titre/tests/samples/good_titres_cantine.xml", "<Piece>", "</Bordereau>", size
    ),
    "ormc_pes": lambda size: repeated(ADAPTERS / "ormc/tests/samples/ormc_good.xml", "<Piece>", "</Bordereau>", size),
    "ormc_rolmre": lambda size: (ADAPTERS / "ormc/tests/samples/rolmre_good.txt").read_bytes()
    * (size // 1002),
    "self_import": lambda size: (ADAPTERS / "self_import/tests/samples/cp1252_crlf.tsv").read_bytes()
    * (size // 109),
    "sepa_pain008": sepa_pain008,
    "sepa_pain002": lambda size: repeated(
        ADAPTERS / "sepa/examples/pain002_rejects.xml", "<TxInfAndSts>", "</OrgnlPmtInfAndSts>", size
    ),
}


def measure(name: str, kind: str, path: Path) -> None:
    """Read ``path`` with reader ``name`` in this process and print its figures."""
    module, function = READERS[name]
    reader = getattr(importlib.import_module(module), function)
    tracemalloc.start()
    result = reader(path.read_bytes() if kind == "bytes" else path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    items = len(result) if isinstance(result, list) else type(result).__name__
    print(f"{name} {kind}: peak_mb {peak / MB:.1f} rss_mb {rss:.0f} (read: {items})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50)
    parser.add_argument("--only", nargs="*", choices=list(READERS), default=list(READERS))
    parser.add_argument("--measure", nargs=3, metavar=("READER", "KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        name, kind, path = args.measure
        measure(name, kind, Path(path))
        return
    with tempfile.TemporaryDirectory() as folder:
        for name in args.only:
            path = Path(folder) / name
            path.write_bytes(BUILDERS[name](int(args.mb * MB)))
            print(f"{name}: file_mb {path.stat().st_size / MB:.1f}", flush=True)
            for kind in ("path", "bytes"):
                done = subprocess.run([sys.executable, __file__, "--measure", name, kind, str(path)], check=False)
                if done.returncode:
                    print(f"{name} {kind}: failed", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
