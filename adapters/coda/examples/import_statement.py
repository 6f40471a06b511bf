"""What a town-hall tool does with a CODA file: list payments to match, by identity.

Run: ``python examples/import_statement.py FILE.cod`` (defaults to the test sample).
Prints one line per booked movement: identity (shortened), date, amount, and
the structured communication to match against an invoice, or the free text.
Then shows the command line: JSON out of ``read``, CODA out of ``write``, ``ogm``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from regie_coda import CodaError, ogm, read

SAMPLE = Path(__file__).resolve().parent.parent / "tests/samples/good/two_statements.cod"


def main(path: Path) -> int:
    try:
        statements = read(path.read_bytes())
    except CodaError as e:
        print(f"Fichier refusé : {e}", file=sys.stderr)
        return 1
    for statement in statements:
        print(f"Extrait {statement.number} du compte {statement.account} : {statement.old_balance} → {statement.new_balance}")
        for movement in statement.booked_movements():
            reference = movement.structured_communication
            label = ogm.format(reference) if reference else movement.communication[:40]
            print(f"  {statement.movement_id(movement)[:12]} {movement.entry_date} {movement.amount:>10} {label}")
    cli = [sys.executable, "-m", "regie_coda"]
    document = json.loads(subprocess.run([*cli, "read", str(path)], capture_output=True, check=True).stdout)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "statements.json"
        source.write_text(json.dumps(document))
        coda = subprocess.run([*cli, "write", str(source)], capture_output=True, check=True).stdout
    print(f"JSON → CODA : {len(coda.splitlines())} enregistrements")
    print(subprocess.run([*cli, "ogm", "2402838428"], capture_output=True, check=True, text=True).stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE))
