"""The command line: JSON out of ``read``, the file out of ``write``, French errors and exit 1."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from conftest import EXAMPLES, SAMPLES

from regie_self_import import InvalidFile
from regie_self_import.cli import main
from regie_self_import.jsonio import rows_from_json


def run(capsysbinary, *argv: str, stdin: bytes | None = None, monkeypatch=None) -> tuple[int, bytes, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    status = main(list(argv))
    out, err = capsysbinary.readouterr()
    lines = err.decode("utf-8").splitlines(keepends=True)
    assert all(line.startswith(PREFIX) for line in lines), lines  # every message names the command
    return status, out, "".join(line.removeprefix(PREFIX) for line in lines)


PREFIX = "regie-self-import : "


def test_read_prints_encoding_hash_and_rows(capsysbinary):
    status, out, err = run(capsysbinary, "read", str(SAMPLES / "cp1252_crlf.tsv"))
    assert (status, err) == (0, "")
    assert json.loads(out) == json.loads((SAMPLES / "cp1252_crlf.json").read_text(encoding="utf-8"))


def test_read_errors_go_to_stderr_one_per_line(capsysbinary):
    status, out, err = run(capsysbinary, "read", str(SAMPLES / "broken_every_column.tsv"))
    assert (status, out) == (1, b"")
    assert err == (SAMPLES / "broken_every_column.txt").read_text(encoding="utf-8")


def test_read_errors_past_the_bound_are_counted(capsysbinary, tmp_path):
    (tmp_path / "bad.tsv").write_bytes(b"x\r\n" * 10_000)
    status, out, err = run(capsysbinary, "read", str(tmp_path / "bad.tsv"))
    assert (status, out) == (1, b"")
    lines = err.splitlines()
    assert len(lines) == 101
    assert lines[0].startswith("Ligne 1 : « x » reçu")
    assert lines[-1] == "… et 9\u00a0900 autres erreurs non affichées."


def test_read_a_missing_file(capsysbinary, tmp_path):
    status, out, err = run(capsysbinary, "read", str(tmp_path / "absent.tsv"))
    assert (status, out) == (1, b"")
    assert err.startswith("Impossible de lire « ")


def test_write_to_stdout_and_to_a_file(capsysbinary, tmp_path):
    status, out, err = run(capsysbinary, "write", str(EXAMPLES / "soldes.json"))
    assert (status, err) == (0, "")
    assert out == (SAMPLES / "soldes_written.tsv").read_bytes()
    status, _, _ = run(capsysbinary, "write", str(EXAMPLES / "soldes.json"), "--out", str(tmp_path / "out.tsv"))
    assert status == 0
    assert (tmp_path / "out.tsv").read_bytes() == out


def test_read_then_write_gives_the_bytes_back(capsysbinary, tmp_path):
    _, out, _ = run(capsysbinary, "read", str(EXAMPLES / "cantine_janvier.tsv"))
    (tmp_path / "rows.json").write_bytes(out)
    _, written, _ = run(capsysbinary, "write", str(tmp_path / "rows.json"))
    assert written == (EXAMPLES / "cantine_janvier.tsv").read_bytes()


def test_standard_input(capsysbinary, monkeypatch):
    data = (EXAMPLES / "cantine_janvier.tsv").read_bytes()
    status, out, _ = run(capsysbinary, "read", "-", stdin=data, monkeypatch=monkeypatch)
    assert status == 0
    status, written, _ = run(capsysbinary, "write", "-", stdin=out, monkeypatch=monkeypatch)
    assert (status, written) == (0, data)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"{", "Ligne 1 : attendu : un texte JSON valide (Expecting property name"),
        (b"\xff\xfe\x00", "Attendu : un texte JSON valide en UTF-8."),
        (b"[" * 100_000, "Attendu : un texte JSON valide en UTF-8."),
        (b'{"rows": [{"meals": 1' + b"0" * 5000 + b"}]}", "Attendu : un texte JSON valide en UTF-8."),
        (b"[]", "Attendu : un objet JSON dont la clé « rows » est la liste des lignes."),
        (b'{"rows": {}}', "Attendu : un objet JSON dont la clé « rows » est la liste des lignes."),
        (b'{"rows": [3]}', "Ligne 1 : « 3 » reçu, attendu : un objet JSON avec les clés"),
        (b'{"rows": [{"pupil_id": "1"}]}', 'Ligne 1 : « {"pupil_id": "1"} » reçu'),
    ],
)
def test_write_refuses_bad_json_and_writes_nothing(capsysbinary, tmp_path, document, message):
    (tmp_path / "in.json").write_bytes(document)
    status, out, err = run(capsysbinary, "write", str(tmp_path / "in.json"), "--out", str(tmp_path / "out.tsv"))
    assert (status, out) == (1, b"")
    assert err.startswith(message)
    assert not (tmp_path / "out.tsv").exists()


def test_write_reports_every_bad_value_by_json_row(capsysbinary, tmp_path):
    rows = [
        {"pupil_id": 1234, "start": "2026-01-05", "end": "2026-01-05", "meals": "4", "unit_price": "3,456"},
        {"pupil_id": "ok", "start": "20260105", "end": "2026-02-30", "meals": 1, "unit_price": True},
        {"pupil_id": "ok", "start": "2026-01-05", "end": "2026-01-04", "meals": 1, "unit_price": 3.5, "line": 9},
        {"pupil_id": "Łukasz", "start": "2026-01-05", "end": "2026-01-05", "meals": 1},
    ]
    (tmp_path / "in.json").write_text(json.dumps({"rows": rows}), encoding="utf-8")
    status, _, err = run(capsysbinary, "write", str(tmp_path / "in.json"))
    assert status == 1
    assert [m.split(" : ")[0] for m in err.splitlines()] == [
        "Ligne 1, colonne A (identifiant élève)",
        "Ligne 1, colonne D (nombre de repas)",
        "Ligne 1, colonne E (prix unitaire)",
        "Ligne 2, colonne B (date de début)",
        "Ligne 2, colonne C (date de fin)",
        "Ligne 2, colonne E (prix unitaire)",
        "Ligne 3, colonne C (date de fin)",
    ]
    assert "« 3,456 » reçu" in err  # the value as written, not as a decimal
    assert '« "4" » reçu' in err  # a JSON string where a number is expected


def test_write_counts_the_bad_rows_past_the_bound(capsysbinary, tmp_path):
    (tmp_path / "in.json").write_text(json.dumps({"rows": [{"pupil_id": 1}] * 10_000}), encoding="utf-8")
    status, _, err = run(capsysbinary, "write", str(tmp_path / "in.json"))
    assert status == 1
    assert err.splitlines()[100:] == ["… et 9\u00a0900 autres erreurs non affichées."]


def test_json_rows_keep_the_bound_the_caller_chooses_and_short_values():
    item = {"pupil_id": "1" * 1_000_000, "start": "2026-01-05", "end": "2026-01-05", "meals": 1}
    with pytest.raises(InvalidFile) as caught:
        rows_from_json({"rows": [item] * 10}, max_problems=3)
    assert (len(caught.value.errors), caught.value.more) == (3, 7)
    assert caught.value.errors[0].value == "1" * 79 + "…"


def test_write_refuses_what_windows_1252_cannot_hold(capsysbinary, tmp_path):
    rows = [{"pupil_id": "Łukasz", "start": "2026-01-05", "end": "2026-01-05", "meals": 1, "unit_price": 2}]
    (tmp_path / "in.json").write_text(json.dumps({"rows": rows}), encoding="utf-8")
    status, out, err = run(capsysbinary, "write", str(tmp_path / "in.json"))
    assert (status, out) == (1, b"")
    assert "Windows-1252" in err


def test_write_to_an_impossible_place(capsysbinary, tmp_path):
    status, _, err = run(capsysbinary, "write", str(EXAMPLES / "soldes.json"), "--out", str(tmp_path / "no" / "x"))
    assert status == 1
    assert err.startswith("Impossible d'écrire « ")


def test_usage_errors_exit_2(capsysbinary):
    with pytest.raises(SystemExit) as caught:
        main(["frobnicate"])
    assert caught.value.code == 2


def test_python_dash_m_runs_the_command():
    done = subprocess.run(
        [sys.executable, "-m", "regie_self_import", "read", str(EXAMPLES / "cantine_janvier.tsv")],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0
    assert len(json.loads(done.stdout)["rows"]) == 5
