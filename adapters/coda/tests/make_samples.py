"""Regenerate tests/samples from tests/fixtures.py (run by hand: ``python tests/make_samples.py``).

Good files come from the writer; broken files are good files with one
deliberate fault each, named after the fault.
"""

from __future__ import annotations

import json
from pathlib import Path

from fixtures import foreign_iban, two_statements, version_one

from regie_coda import read, statement_to_json, write

HERE = Path(__file__).parent / "samples"


def lines(data: bytes) -> list[str]:
    return data.decode("cp1252").split("\r\n")[:-1]


def save(path: str, rows: list[str], encoding: str = "cp1252", newline: str = "\r\n") -> None:
    (HERE / path).write_bytes((newline.join(rows) + newline).encode(encoding))


def patch(row: str, start: int, text: str) -> str:
    """Overwrite ``row`` at 1-based ``start``."""
    return row[: start - 1] + text + row[start - 1 + len(text) :]


def main() -> None:
    good = write(two_statements())
    (HERE / "good/two_statements.cod").write_bytes(good)
    save("good/two_statements_utf8_lf.cod", lines(good), "utf-8", "\n")
    (HERE / "good/version1.cod").write_bytes(write([version_one()]))
    rows = lines(write([foreign_iban()]))
    save("good/foreign_iban_4_before_8.cod", [rows[0], rows[1], rows[3], patch(rows[2], 128, "0"), rows[4]])
    empty = [rows[0], rows[1], patch(rows[4], 17, "000001")]
    save("good/empty_statement.cod", empty)
    for name in ("two_statements", "version1"):
        data = (HERE / f"good/{name}.cod").read_bytes()
        document = [statement_to_json(s) for s in read(data)]
        (HERE / f"good/{name}.json").write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")

    rows = lines(good)
    broken = {
        "wrong_length": rows[:3] + [rows[3][:57]] + rows[4:],
        "unknown_type": rows[:3] + ["5" + rows[3][1:]] + rows[4:],
        "bad_date": rows[:2] + [patch(rows[2], 48, "310226")] + rows[3:],
        "bad_amount": rows[:2] + [patch(rows[2], 33, "00000000004A500")] + rows[2 + 1 :],
        "trailer_count": [patch(r, 17, "000099") if r.startswith("9") else r for r in rows],
        "trailer_totals": [patch(r, 38, "000000000000001") if r.startswith("9") else r for r in rows],
        "balance": [patch(r, 43, "000000001512390") if r.startswith("8") and i < 15 else r for i, r in enumerate(rows)],
        "account_mismatch": [patch(r, 5, "BE71096123456769") if r.startswith("8") else r for r in rows],
        "version": [patch(rows[0], 128, "3")] + rows[1:],
        "missing_trailer": rows[:-1],
        "sequence_mismatch": [patch(r, 3, "0009") if r.startswith("22") else r for r in rows],
        "movement_before_balance": [rows[0], rows[2], rows[1]] + rows[3:],
    }
    for name, content in broken.items():
        save(f"bad/{name}.cod", content)


if __name__ == "__main__":
    main()
