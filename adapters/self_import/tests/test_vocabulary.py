"""The names, codes and command-line manners the five adapters share."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal

import pytest
from conftest import EXAMPLES, SAMPLES

import regie_self_import
from regie_self_import import FieldError, FileFormatError, InvalidFile, LineError, Row, SelfImportError, read
from regie_self_import.cli import main

GOOD = SAMPLES / "cp1252_crlf.tsv"


def test_the_common_names_are_exported():
    assert {"SelfImportError", "FieldError", "FileFormatError"} <= set(regie_self_import.__all__)
    assert all(hasattr(regie_self_import, name) for name in regie_self_import.__all__)
    assert issubclass(FieldError, LineError) and issubclass(FileFormatError, SelfImportError)


def test_errors_carry_a_stable_code():
    with pytest.raises(InvalidFile) as caught:
        read(b"0001234567\t20260105\t20260109\t+4\t3,456\r\nx\r\n")
    assert caught.value.code == "file.invalid"
    assert [e.code for e in caught.value.errors] == ["field.unit_price.invalid", "file.invalid"]


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"regie-self-import {regie_self_import.__version__}\n"


def test_json_errors(tmp_path, capsysbinary):
    (tmp_path / "bad.tsv").write_bytes(b"0001234567\t20261332\t20260109\t+4\t3,45\r\n")
    assert main(["--json-errors", "read", str(tmp_path / "bad.tsv")]) == 1
    error = json.loads(capsysbinary.readouterr().err)["error"]
    assert error["code"] == "file.invalid"
    assert [(e["code"], e["line"], e["column"]) for e in error["errors"]] == [("field.start.invalid", 1, "B")]
    assert main(["--json-errors", "read", str(tmp_path / "absent.tsv")]) == 1
    assert json.loads(capsysbinary.readouterr().err)["error"]["code"] == "file.unreadable"


def test_the_written_file_is_readable_by_all(tmp_path, capsysbinary):
    old = os.umask(0o077)
    try:
        assert main(["write", str(EXAMPLES / "soldes.json"), "--out", str(tmp_path / "out.tsv")]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "out.tsv").stat().st_mode & 0o777 == 0o644


def test_a_closed_pipe_is_no_traceback():
    command = [sys.executable, "-m", "regie_self_import", "read", str(GOOD)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # as `| head -c1` does once it has its byte
    err = process.stderr.read()
    process.wait()
    process.stderr.close()
    assert err == b""


WRONG_TYPES = {
    "start datetime": dict(start=datetime(2026, 1, 5, 12)),
    "start str": dict(start="2026-01-05"),
    "end None": dict(end=None),
    "price float": dict(unit_price=3.45),
    "meals str": dict(meals="4"),
    "pupil None": dict(pupil_id=None),
    "line float": dict(line=1.5),
}


@pytest.mark.parametrize("changes", WRONG_TYPES.values(), ids=WRONG_TYPES)
def test_wrong_types_raise_the_package_error(changes):
    values = dict(pupil_id="0001234567", start=date(2026, 1, 5), end=date(2026, 1, 9), meals=4,
                  unit_price=Decimal("3.45"), line=1)
    with pytest.raises(LineError) as caught:
        Row(**{**values, **changes})
    assert caught.value.code.startswith("field.")
