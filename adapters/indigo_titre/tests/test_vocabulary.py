"""The names, codes and command-line manners the five adapters share."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest
from conftest import EXAMPLE, SAMPLES

import regie_indigo_titre
from regie_indigo_titre import FieldError, FileFormatError, SchemaError, SchemaMissingError, TitreError, read, write
from regie_indigo_titre.cli import main

GOOD = SAMPLES / "good_titres_cantine_utf8.xml"


def test_the_common_names_are_exported():
    assert {"TitreError", "FieldError", "FileFormatError", "SchemaError"} <= set(regie_indigo_titre.__all__)
    assert all(hasattr(regie_indigo_titre, name) for name in regie_indigo_titre.__all__)
    assert issubclass(SchemaMissingError, SchemaError) and issubclass(FieldError, TitreError)


def test_errors_carry_a_stable_code(example):
    title = example.bordereau.titles[0]
    bad = replace(title, lines=(replace(title.lines[0], amount=Decimal("-1.00")), *title.lines[1:]))
    with pytest.raises(FieldError) as caught:
        write(replace(example, bordereau=replace(example.bordereau, titles=(bad, *example.bordereau.titles[1:]))))
    assert caught.value.code == "field.mtht.invalid"
    with pytest.raises(FileFormatError) as caught:
        read(b"<x/>")
    assert caught.value.code == "file.invalid"


def test_a_utf8_bom_is_accepted():
    assert read(b"\xef\xbb\xbf" + GOOD.read_bytes()) == read(GOOD.read_bytes())


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"regie-indigo-titre {regie_indigo_titre.__version__}\n"


def test_errors_have_the_command_prefix_or_are_json(tmp_path, capsys):
    (tmp_path / "bad.xml").write_bytes(b"<x/>")
    assert main(["read", str(tmp_path / "bad.xml")]) == 1
    assert capsys.readouterr().err.startswith("regie-indigo-titre : ce fichier n'est pas un flux PES_Aller")
    assert main(["--json-errors", "read", str(tmp_path / "bad.xml")]) == 1
    assert json.loads(capsys.readouterr().err)["error"]["code"] == "file.invalid"
    assert main(["--json-errors", "read", str(tmp_path / "absent.xml")]) == 1
    assert json.loads(capsys.readouterr().err)["error"]["code"] == "file.unreadable"


def test_the_written_file_is_readable_by_all(tmp_path, capsys):
    old = os.umask(0o077)
    try:
        assert main(["build", str(EXAMPLE), "--out", str(tmp_path / "titres.xml")]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "titres.xml").stat().st_mode & 0o777 == 0o644


def test_a_closed_pipe_is_no_traceback():
    command = [sys.executable, "-m", "regie_indigo_titre", "read", str(GOOD)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # as `| head -c1` does once it has its byte
    err = process.stderr.read()
    process.wait()
    process.stderr.close()
    assert err == b""


def test_utf8_content_declared_iso_8859_1_is_refused():
    latin1 = (SAMPLES / "good_titres_cantine.xml").read_bytes()
    assert not latin1.isascii()  # the sample has accents, written in ISO-8859-1
    lying = latin1.decode("iso-8859-1").encode("utf-8")
    with pytest.raises(FileFormatError, match="se déclare en ISO-8859-1 mais son contenu est en UTF-8") as caught:
        read(lying)
    assert caught.value.code == "file.encoding.invalid"
    assert read(latin1) == read(GOOD.read_bytes())  # the honest files, in either encoding, still read alike


def test_utf8_content_declared_iso_8859_1_is_refused_from_a_file(tmp_path):
    lying = (SAMPLES / "good_titres_cantine.xml").read_bytes().decode("iso-8859-1").encode("utf-8")
    path = tmp_path / "lying.xml"
    path.write_bytes(lying)
    with pytest.raises(FileFormatError, match="se déclare en ISO-8859-1 mais son contenu est en UTF-8"):
        read(path)

    class Trickle(io.BytesIO):  # a pipe gives a few bytes at a time: an accent cut between two reads
        def read(self, size=-1):
            return super().read(min(size, 3) if size > 0 else 3)

    with pytest.raises(FileFormatError, match="se déclare en ISO-8859-1"):
        read(Trickle(lying))
    assert read(Trickle((SAMPLES / "good_titres_cantine.xml").read_bytes())) == read(GOOD.read_bytes())


def _title(titles, **changes):
    title = titles.bordereau.titles[0]
    return replace(titles, bordereau=replace(titles.bordereau, titles=(replace(title, **changes),
                                                                       *titles.bordereau.titles[1:])))


WRONG_TYPES = {
    "created datetime": lambda t: replace(t, header=replace(t.header, created=datetime(2026, 1, 5, 10, 30))),
    "created str": lambda t: replace(t, header=replace(t.header, created="2026-01-05")),
    "created None": lambda t: replace(t, header=replace(t.header, created=None)),
    "issued datetime": lambda t: replace(t, bordereau=replace(t.bordereau, issued=datetime(2026, 1, 5))),
    "amount float": lambda t: _title(t, lines=(replace(t.bordereau.titles[0].lines[0], amount=12.5),)),
    "amount None": lambda t: _title(t, lines=(replace(t.bordereau.titles[0].lines[0], amount=None),)),
    "civility int": lambda t: _title(t, debtor=replace(t.bordereau.titles[0].debtor, civility=12)),
    "name None": lambda t: _title(t, debtor=replace(t.bordereau.titles[0].debtor, last_name=None)),
}


@pytest.mark.parametrize("change", WRONG_TYPES.values(), ids=WRONG_TYPES)
def test_wrong_types_raise_the_package_error(example, change):
    with pytest.raises(FieldError):
        write(change(example))
