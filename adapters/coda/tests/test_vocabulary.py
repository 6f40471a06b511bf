"""The names, codes and command-line manners the five adapters share."""

import json
import subprocess
import sys
from dataclasses import replace
from datetime import datetime

import pytest
from conftest import SAMPLES

import regie_coda
from regie_coda import CodaError, FieldError, FileFormatError, RecordLengthError, ogm, read, write
from regie_coda.cli import main

GOOD = SAMPLES / "good" / "two_statements.cod"


def test_the_common_names_are_exported():
    assert {"CodaError", "FieldError", "FileFormatError"} <= set(regie_coda.__all__)
    assert all(hasattr(regie_coda, name) for name in regie_coda.__all__)
    assert issubclass(RecordLengthError, FileFormatError) and issubclass(FileFormatError, CodaError)


def test_errors_carry_a_stable_code():
    with pytest.raises(FileFormatError) as caught:
        read(b"x" * 10)
    assert caught.value.code == "file.record_length.invalid"
    with pytest.raises(FieldError) as caught:
        ogm.validate("123456789012")
    assert caught.value.code == "field.communication_structuree.invalid"
    assert FieldError("montant négatif", field="montant").code == "field.montant.invalid"


def test_a_utf8_bom_is_accepted():
    assert read(b"\xef\xbb\xbf" + GOOD.read_bytes()) == read(GOOD.read_bytes())


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"regie-coda {regie_coda.__version__}\n"


def test_errors_have_the_command_prefix_or_are_json(tmp_path, capsysbinary):
    (tmp_path / "bad.cod").write_bytes(b"x" * 10)
    assert main(["read", str(tmp_path / "bad.cod")]) == 1
    assert capsysbinary.readouterr().err.decode().startswith("regie-coda : Ligne 1 : ")
    assert main(["--json-errors", "read", str(tmp_path / "bad.cod")]) == 1
    error = json.loads(capsysbinary.readouterr().err)["error"]
    assert (error["code"], error["line"]) == ("file.record_length.invalid", 1)
    assert main(["--json-errors", "read", str(tmp_path / "absent.cod")]) == 1
    assert json.loads(capsysbinary.readouterr().err)["error"]["code"] == "file.unreadable"


def test_a_closed_pipe_is_no_traceback():
    command = [sys.executable, "-m", "regie_coda", "read", str(GOOD)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # as `| head -c1` does once it has its byte
    err = process.stderr.read()
    process.wait()
    process.stderr.close()
    assert err == b""


WRONG_TYPES = {
    "creation date datetime": lambda s: replace(s, creation_date=datetime(2026, 1, 5, 9)),
    "old balance float": lambda s: replace(s, old_balance=1.5),
    "old balance None": lambda s: replace(s, old_balance=None),
    "value date str": lambda s: replace(s, movements=(replace(s.movements[0], value_date="2026-01-05"),
                                                      *s.movements[1:])),
    "communication None": lambda s: replace(s, movements=(replace(s.movements[0], communication=None),
                                                          *s.movements[1:])),
}


@pytest.mark.parametrize("change", WRONG_TYPES.values(), ids=WRONG_TYPES)
def test_wrong_types_raise_the_package_error(change):
    statement = read(GOOD.read_bytes())[0]
    with pytest.raises(FieldError) as caught:
        write([change(statement)])
    assert caught.value.statement == statement.number and caught.value.code.startswith("field.")
