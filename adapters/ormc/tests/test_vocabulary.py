"""The names, codes and command-line manners the five adapters share; what ROLMRE cannot say itself."""

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

import regie_ormc
from regie_ormc import FieldError, FileFormatError, OrmcError, SchemaError, SchemaMissingError, check, rolmre
from regie_ormc.cli import main

ROLMRE = (SAMPLES / "rolmre_good.txt").read_bytes()
PES = SAMPLES / "ormc_good.xml"


def test_the_common_names_are_exported():
    assert {"OrmcError", "FieldError", "FileFormatError", "SchemaError", "read", "write"} <= set(regie_ormc.__all__)
    assert all(hasattr(regie_ormc, name) for name in regie_ormc.__all__)
    assert issubclass(SchemaMissingError, SchemaError) and issubclass(FieldError, OrmcError)


def test_errors_carry_a_stable_code():
    with pytest.raises(FileFormatError) as caught:
        regie_ormc.read(b"<x/>")
    assert caught.value.code == "file.pes_aller.invalid"
    assert FieldError("négatif", field="ROLEAU").code == "field.roleau.invalid"


def test_a_utf8_bom_is_accepted():
    assert rolmre.read(b"\xef\xbb\xbf" + ROLMRE) == rolmre.read(ROLMRE)
    assert regie_ormc.read(b"\xef\xbb\xbf" + PES.read_bytes()) == regie_ormc.read(PES.read_bytes())
    assert check.detect(b"\xef\xbb\xbf" + ROLMRE) == "rolmre"


def test_rolmre_cut_at_a_record_boundary_is_caught_by_the_announced_count_and_total():
    whole = rolmre.read(ROLMRE)
    count, total = len(whole), sum((a.total for a in whole), Decimal("0.00"))
    cut = ROLMRE[: ROLMRE.index(b"\n") + 1]  # the first record only, line end included
    assert rolmre.read(ROLMRE, expect_count=count, expect_total=total) == whole
    with pytest.raises(FileFormatError, match="1 articles dans le fichier, 2 attendus") as caught:
        rolmre.read(cut, expect_count=count)
    assert caught.value.code == "file.truncated"
    with pytest.raises(FileFormatError, match="fichier tronqué"):
        rolmre.read(cut, expect_total=total)
    report = check.check_rolmre(cut, expect_count=count, expect_total=total)
    assert not report.ok and len(report.problems) == 2


def test_rolmre_cut_is_caught_on_the_command_line(tmp_path, capsys):
    (tmp_path / "cut.txt").write_bytes(ROLMRE[: ROLMRE.index(b"\n") + 1])
    assert main(["check", str(tmp_path / "cut.txt"), "--expect-count", "2"]) == 1
    assert "fichier tronqué" in capsys.readouterr().out
    assert main(["read", str(tmp_path / "cut.txt"), "--expect-count", "2"]) == 1
    assert "2 attendus" in capsys.readouterr().err


@pytest.mark.parametrize("garbage", [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n" * 40, b"", b"x" * 500, b"PK\x03\x04"])
def test_garbage_is_no_format_at_all(tmp_path, capsys, garbage):
    with pytest.raises(FileFormatError) as caught:
        check.detect(garbage)
    assert caught.value.code == "file.format.unknown"
    (tmp_path / "f").write_bytes(garbage)
    for verb in ("read", "check"):
        assert main([verb, str(tmp_path / "f")]) == 1
        out, err = capsys.readouterr()
        assert out == "" and err.startswith("regie-ormc : ni un PES V2 (XML) ni un ROLMRE")


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"regie-ormc {regie_ormc.__version__}\n"


def test_json_errors(tmp_path, capsys):
    (tmp_path / "bad.xml").write_bytes(b"<x/>")
    assert main(["--json-errors", "read", str(tmp_path / "bad.xml")]) == 1
    error = json.loads(capsys.readouterr().err)["error"]
    assert (error["code"], error["field"]) == ("file.pes_aller.invalid", "PES_Aller")
    assert main(["--json-errors", "read", str(tmp_path / "absent.xml")]) == 1
    assert json.loads(capsys.readouterr().err)["error"]["code"] == "file.unreadable"


def test_the_written_file_is_readable_by_all(tmp_path, capsys):
    old = os.umask(0o077)
    try:
        assert main(["build", str(EXAMPLES / "rolmre_roll.json"), "--out", str(tmp_path / "r.txt"),
                     "--format", "rolmre"]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "r.txt").stat().st_mode & 0o777 == 0o644


def test_a_bom_before_the_json_is_accepted(tmp_path, capsys):
    (tmp_path / "in.json").write_bytes(b"\xef\xbb\xbf" + (EXAMPLES / "rolmre_roll.json").read_bytes())
    assert main(["build", str(tmp_path / "in.json"), "--out", str(tmp_path / "r.txt"), "--format", "rolmre"]) == 0


def test_a_closed_pipe_is_no_traceback():
    command = [sys.executable, "-m", "regie_ormc", "read", str(PES)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # as `| head -c1` does once it has its byte
    err = process.stderr.read()
    process.wait()
    process.stderr.close()
    assert err == b""


WRONG_TYPES = {
    "issue date datetime": ("issue_date", datetime(2013, 5, 2, 8, 0)),
    "issue date str": ("issue_date", "2013-05-02"),
    "amount float": ("amount", 12.3),
    "amount None": ("amount", None),
    "name None": ("name", None),
    "roll number str": ("roll_number", "3"),
    "account not a RIB": ("account", "30006000011234567890189"),
}


@pytest.mark.parametrize(("field", "value"), WRONG_TYPES.values(), ids=WRONG_TYPES)
def test_wrong_types_raise_the_package_error(field, value):
    article = replace(rolmre.read(ROLMRE)[0], **{field: value})
    with pytest.raises(FieldError) as caught:
        rolmre.write([article])
    assert (caught.value.field, caught.value.line) == (field, 1)


def test_wrong_types_in_a_roll_name_the_piece_and_the_path(roll):
    piece = roll.pieces[1]
    line = replace(piece.lines[0], debit=replace(piece.lines[0].debit, date="2026-01-05"))
    changed = replace(roll, pieces=(roll.pieces[0], replace(piece, lines=(line,)), *roll.pieces[2:]))
    with pytest.raises(FieldError) as caught:
        regie_ormc.write(changed)
    assert (caught.value.piece, caught.value.field) == (2, "lines[0].debit.date")
    assert caught.value.code == "field.lines_debit_date.invalid"
    with pytest.raises(FieldError):
        regie_ormc.write(replace(roll, bordereau=replace(roll.bordereau, collection_date=datetime(2026, 1, 5))))
