"""The names, codes and command-line manners the five adapters share."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest
from conftest import EXAMPLES, SAMPLES

import regie_sepa
from regie_sepa import FieldError, FileFormatError, SchemaError, SepaError, read
from regie_sepa.cli import main

GOLDEN = SAMPLES / "golden_02.xml"


def test_the_common_names_are_exported():
    assert {"SepaError", "FieldError", "FileFormatError", "SchemaError"} <= set(regie_sepa.__all__)
    assert all(hasattr(regie_sepa, name) for name in regie_sepa.__all__)
    assert issubclass(FieldError, SepaError) and issubclass(SchemaError, SepaError)


def test_errors_carry_a_stable_code(batch):
    bad = replace(batch, transactions=(replace(batch.transactions[0], amount=Decimal("0.001")),
                                       *batch.transactions[1:]))
    with pytest.raises(FieldError) as caught:
        regie_sepa.write(bad)
    assert caught.value.code == "field.amount.invalid"
    with pytest.raises(FileFormatError) as caught:
        read(b"<x/>")
    assert caught.value.code == "file.invalid"


def test_a_utf8_bom_is_accepted():
    assert read(b"\xef\xbb\xbf" + GOLDEN.read_bytes()) == read(GOLDEN.read_bytes())


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"regie-sepa {regie_sepa.__version__}\n"


def test_errors_have_the_command_prefix_or_are_json(tmp_path, capsys):
    (tmp_path / "bad.xml").write_bytes(b"<x/>")
    assert main(["read", str(tmp_path / "bad.xml")]) == 1
    assert capsys.readouterr().err.startswith("regie-sepa : ligne 1 : ")
    assert main(["--json-errors", "read", str(tmp_path / "bad.xml")]) == 1
    error = json.loads(capsys.readouterr().err)["error"]
    assert (error["code"], error["line"]) == ("file.invalid", 1)
    assert main(["--json-errors", "read", str(tmp_path / "absent.xml")]) == 1
    assert json.loads(capsys.readouterr().err)["error"]["code"] == "file.unreadable"


def test_written_files_are_readable_by_all_and_a_bom_before_the_json_is_accepted(tmp_path, capsys):
    (tmp_path / "in.json").write_bytes(b"\xef\xbb\xbf" + (EXAMPLES / "batch.json").read_bytes())
    old = os.umask(0o077)
    try:
        assert main(["build", str(tmp_path / "in.json"), "--out", str(tmp_path / "out")]) == 0
    finally:
        os.umask(old)
    written = list((tmp_path / "out").iterdir())
    assert written and all(path.stat().st_mode & 0o777 == 0o644 for path in written)


def test_a_closed_pipe_is_no_traceback():
    command = [sys.executable, "-m", "regie_sepa", "read", str(GOLDEN)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # as `| head -c1` does once it has its byte
    err = process.stderr.read()
    process.wait()
    process.stderr.close()
    assert err == b""


def _first(batch, **changes):
    return replace(batch, transactions=(replace(batch.transactions[0], **changes), *batch.transactions[1:]))


WRONG_TYPES = {
    "collection date datetime": (lambda b: _first(b, collection_date=datetime(2026, 11, 30, 9)), "collection_date"),
    "collection date str": (lambda b: _first(b, collection_date="2026-11-30"), "collection_date"),
    "signed on None": (lambda b: _first(b, mandate=replace(b.transactions[0].mandate, signed_on=None)),
                       "mandate.signed_on"),
    "amount float": (lambda b: _first(b, amount=12.5), "amount"),
    "debtor name None": (lambda b: _first(b, debtor=replace(b.transactions[0].debtor, name=None)), "debtor.name"),
    "creditor iban int": (lambda b: replace(b, creditor=replace(b.creditor, iban=12)), "creditor.iban"),
}


@pytest.mark.parametrize(("change", "field"), WRONG_TYPES.values(), ids=WRONG_TYPES)
def test_wrong_types_raise_the_package_error(batch, change, field):
    for run in (regie_sepa.write, lambda b: regie_sepa.build_files(b, today=b.created_at.date())):
        with pytest.raises(FieldError) as caught:
            run(change(batch))
        assert caught.value.field.endswith(field)
