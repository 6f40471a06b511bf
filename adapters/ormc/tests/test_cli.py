import json
import os
import subprocess
import sys

import pytest
from conftest import EXAMPLES, SAMPLES, SCHEMAS

from regie_ormc import schema
from regie_ormc.cli import main


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("example", "golden", "extra"),
    [("ormc_roll.json", "ormc_good.xml", []), ("rolmre_roll.json", "rolmre_good.txt", ["--format", "rolmre"])],
)
def test_examples_build_the_golden_files(tmp_path, example, golden, extra):
    """The examples/ folder, run as a user would: ``python -m regie_ormc build``."""
    out = tmp_path / golden
    env = {**os.environ, schema.ENV_VAR: str(SCHEMAS)}
    done = subprocess.run(
        [sys.executable, "-m", "regie_ormc", "build", str(EXAMPLES / example), "--out", str(out), *extra],
        capture_output=True, text=True, env=env,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (SAMPLES / golden).read_bytes()
    assert json.loads(done.stdout)["out"] == str(out)


@pytest.mark.parametrize("golden", ["ormc_good.xml", "rolmre_good.txt"])
def test_read_then_build_gives_the_same_bytes(capsys, tmp_path, golden):
    code, out, _ = run(capsys, "read", SAMPLES / golden)
    assert code == 0
    (tmp_path / "in.json").write_text(out, encoding="utf-8")
    code, _, err = run(capsys, "build", tmp_path / "in.json", "--out", tmp_path / "again")
    assert code == 0, err
    assert (tmp_path / "again").read_bytes() == (SAMPLES / golden).read_bytes()


def test_check_verbs(capsys):
    code, out, _ = run(capsys, "check", SAMPLES / "ormc_good.xml", "--cle1-collectivity", "20", "--cle1-nature", "12")
    assert code == 0
    assert json.loads(out) == {
        "format": "pes", "pieces": 3, "total": "149.25", "problems": [], "cle1_checked": True, "more": 0, "ok": True,
    }
    code, out, _ = run(capsys, "check", SAMPLES / "ormc_bad_totals.xml")
    assert code == 1 and len(json.loads(out)["problems"]) == 2
    code, out, _ = run(capsys, "check", SAMPLES / "rolmre_bad_total.txt")
    assert code == 1 and json.loads(out)["format"] == "rolmre"


def test_check_counts_the_problems_past_the_bound(capsys, tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"x\n" * 10_000)
    code, out, _ = run(capsys, "check", tmp_path / "bad.txt", "--format", "rolmre")
    report = json.loads(out)
    assert (code, len(report["problems"]), report["more"], report["pieces"]) == (1, 100, 9_900, 10_000)


def test_schema_directory_option(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv(schema.ENV_VAR)
    out = tmp_path / "o.xml"
    code, _, err = run(capsys, "build", EXAMPLES / "ormc_roll.json", "--out", out)
    assert code == 0 and out.exists()  # the schemas shipped inside the package
    out.unlink()
    code, _, err = run(capsys, "build", EXAMPLES / "ormc_roll.json", "--out", out, "--schemas", tmp_path)
    assert code == 1 and "introuvable" in err and not out.exists()
    code, _, _ = run(capsys, "build", EXAMPLES / "ormc_roll.json", "--out", out, "--schemas", SCHEMAS)
    assert code == 0 and out.exists()


def _bad_input(tmp_path, change):
    data = json.loads((EXAMPLES / "ormc_roll.json").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _line(data):
    return data["pieces"][0]["lines"][0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _line(d).update(amount="-3.00"), "article 1, zone MtHT : le montant doit être strictement positif"),
        (lambda d: _line(d).update(amount=0), "article 1, zone MtHT"),
        (lambda d: _line(d)["debit"].pop("mandate_ref"), "pieces[0].lines[0].debit.mandate_ref : zone obligatoire"),
        (lambda d: d["pieces"][0]["debtor"]["address"].update(postcode="6100"), "article 1, zone CP"),
        (lambda d: d["pieces"][0]["debtor"].update(last_name="X" * 39), "article 1, zone Nom : texte trop long"),
        (lambda d: d.pop("cle1_basis"), "cle1_basis non fourni"),
        (lambda d: d["cle1_basis"].update(nature_code="X"), "zone code nature (clé 1)"),
        (lambda d: d["bordereau"].update(date="05/02/2026"), "zone bordereau.date : date AAAA-MM-JJ attendue"),
        (lambda d: d["bordereau"].update(date=20260205), "zone bordereau.date : date AAAA-MM-JJ attendue"),
        (lambda d: d["bordereau"].update(fiscal_year="2026"), "zone bordereau.fiscal_year : nombre entier attendu"),
        (lambda d: d["bordereau"].update(colour="red"), "zone bordereau.colour : zone inconnue"),
        (lambda d: d.update(pieces={}), "zone pieces : liste attendue"),
        (lambda d: d.update(header=[]), "zone header : objet JSON attendu"),
        (lambda d: _line(d)["debit"].update(sequence="FIRST"), "valeur parmi OOFF, FRST, RCUR, FNAL attendue"),
        (lambda d: _line(d).update(amount=True), "montant attendu"),
        (lambda d: _line(d).update(amount="abc"), "montant attendu"),
        (lambda d: d.update(format="indigo"), "format pes ou rolmre attendu"),
        (lambda d: d["pieces"][0].update(cle1="0"), "article 1, zone Cle1 : clé 1 fausse"),
        (lambda d: d["pieces"][0].update(debt_number=0), "zone pieces[0].NumDette"),
        (lambda d: d["pieces"][0].update(cle2="K", period=12), "zone pieces[0].Per"),
    ],
)
def test_bad_input_exits_1_in_french_and_writes_nothing(capsys, tmp_path, change, message):
    out = tmp_path / "out.xml"
    code, stdout, err = run(capsys, "build", _bad_input(tmp_path, change), "--out", out)
    assert code == 1
    assert message in err
    assert stdout == "" and not out.exists()


def test_amounts_given_as_json_numbers_are_decimals(capsys, tmp_path):
    path = _bad_input(tmp_path, lambda d: _line(d).update(amount=42.50) or _line(d)["debit"].update(amount=42.5))
    code, out, err = run(capsys, "build", path, "--out", tmp_path / "o.xml")
    assert code == 0, err
    assert json.loads(out)["total"] == "149.25"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["read", "missing.xml"], "fichier inaccessible"),
        (["read", SAMPLES / "ormc_bad_typbord.xml"], "zone TypBord"),
        (["read", SAMPLES / "rolmre_bad_cle1.txt"], "zone ROLCLE1"),
        (["check", SAMPLES / "ormc_bad_truncated.xml"], "fichier XML illisible"),
    ],
)
def test_read_and_check_errors(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 1 and message in err and out == ""


def test_json_errors(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    code, _, err = run(capsys, "build", bad, "--out", tmp_path / "o")
    assert code == 1 and "JSON illisible" in err
    bad.write_text("[]", encoding="utf-8")
    code, _, err = run(capsys, "build", bad, "--out", tmp_path / "o")
    assert code == 1 and "objet JSON attendu" in err
    bad.write_bytes(b"\xff{}")
    code, _, err = run(capsys, "build", bad, "--out", tmp_path / "o")
    assert code == 1 and "UTF-8" in err
    bad.write_text('{"format": "rolmre"}', encoding="utf-8")
    code, _, err = run(capsys, "build", bad, "--out", tmp_path / "o")
    assert code == 1 and "header" in err


def test_utf8_output(capsys, tmp_path):
    out = tmp_path / "o.xml"
    code, _, _ = run(capsys, "build", EXAMPLES / "ormc_roll.json", "--out", out, "--encoding", "UTF-8")
    assert code == 0 and out.read_bytes().startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_roll_json_must_be_an_object():
    from regie_ormc import jsonio
    from regie_ormc.errors import FieldError

    with pytest.raises(FieldError, match="objet JSON attendu"):
        jsonio.roll_from_json([])
