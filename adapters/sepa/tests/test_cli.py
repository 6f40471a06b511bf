import json
import subprocess
import sys

import pytest
from conftest import EXAMPLES, SAMPLES

from regie_sepa.cli import main
from regie_sepa.reader import read


def run(capsys, *argv: str) -> tuple[int, object, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out) if out else None, err


def test_build_example_writes_one_file_per_sequence(capsys, tmp_path):
    code, result, err = run(capsys, "build", str(EXAMPLES / "batch.json"), "--out", str(tmp_path))
    assert (code, err) == (0, "")
    assert [f["name"] for f in result["files"]] == ["PRELEV_FIRST.XML", "PRELEV_RCUR.XML"]
    assert (result["transactions"], result["total"]) == (3, "123.70")
    assert any("Hélène" in notice for notice in result["avertissements"])
    assert not any("pré-notification" in notice for notice in result["avertissements"])
    first = read((tmp_path / "PRELEV_FIRST.XML").read_bytes())
    assert [tx.end_to_end_id for tx in first.transactions] == ["F26-11-0000001", "F26-11-0000003"]
    assert first.transactions[1].mandate.amendment.new_bank


@pytest.mark.parametrize("version", ["02", "08"])
def test_build_single_file_and_read_back(capsys, tmp_path, version):
    code, result, _ = run(capsys, "build", str(EXAMPLES / "batch.json"), "--out", str(tmp_path),
                          "--single-file", "--version", version)
    assert code == 0 and [f["name"] for f in result["files"]] == ["PRELEV.XML"]
    code, validated, _ = run(capsys, "validate", str(tmp_path / "PRELEV.XML"))
    assert validated == {"valid": True, "version": f"pain.008.001.{version}"}
    code, data, _ = run(capsys, "read", str(tmp_path / "PRELEV.XML"))
    assert data["message_id"] == "REGIE-2026-12-001"
    assert data["transactions"][0]["amount"] == "42.50"
    assert data["transactions"][0]["sequence"] == "FIRST"
    assert data["transactions"][1]["mandate"]["amendment"] == {"new_bank": True}  # FIRST block first


def test_read_output_builds_the_same_file(capsys, tmp_path):
    """`read` prints the shape `build` takes: building it again gives the same bytes."""
    source = SAMPLES / "golden_02.xml"
    run(capsys, "read", str(source))
    main(["read", str(source)])
    data = capsys.readouterr().out
    (tmp_path / "in.json").write_text(data)
    code, _, err = run(capsys, "build", str(tmp_path / "in.json"), "--out", str(tmp_path / "out"),
                       "--single-file", "--today", "2026-11-23")
    assert (code, err) == (0, "")
    assert (tmp_path / "out" / "PRELEV.XML").read_bytes() == source.read_bytes()


def test_short_notice_is_a_warning(capsys, tmp_path):
    code, result, _ = run(capsys, "build", str(EXAMPLES / "batch.json"), "--out", str(tmp_path),
                          "--today", "2026-11-30")
    assert code == 0
    assert sum("pré-notification" in notice for notice in result["avertissements"]) == 3


def test_rcur_only_creditor(capsys, tmp_path):
    code, result, _ = run(capsys, "build", str(EXAMPLES / "batch.json"), "--out", str(tmp_path), "--rcur-only")
    assert [f["name"] for f in result["files"]] == ["PRELEV_RCUR.XML"]


def test_dft_example(capsys, tmp_path):
    code, result, _ = run(capsys, "build", str(EXAMPLES / "dft_batch.json"), "--out", str(tmp_path), "--single-file")
    assert code == 0
    batch = read((tmp_path / "PRELEV.XML").read_bytes())
    assert batch.message_id == "TGDFT027-DFT-SDD-26327-001"
    assert batch.creditor.name == "Tresorerie de Marville"
    assert batch.ultimate_creditor.name == "Commune de Marville"


def test_rejects_example(capsys):
    code, result, _ = run(capsys, "rejects", str(EXAMPLES / "pain002_rejects.xml"))
    assert code == 0
    assert result["rejects"][0]["reasons"][0] == {"code": "AM04", "proprietary": None,
                                                   "label": "Provision insuffisante",
                                                   "additional_info": ["Provision insuffisante"]}
    assert result["rejects"][0]["amount"] == "18.00"


def test_mandate_status_example(capsys):
    code, result, _ = run(capsys, "mandate-status", str(EXAMPLES / "mandates.json"), "--on", "2026-11-23")
    assert code == 0
    assert [(m["reference"], m["status"], m["lapses_soon"], m["next_sequence"]) for m in result] == [
        ("RUM-000000001", "active", False, "FIRST"),
        ("RUM-000000002", "active", False, "RCUR"),
        ("RUM-000000004", "active", True, "RCUR"),
        ("RUM-000000005", "lapsed", False, None),
        ("RUM-000000006", "revoked", False, None),
    ]


def test_mandate_status_accepts_a_list(capsys, tmp_path):
    mandates = json.loads((EXAMPLES / "mandates.json").read_text())["mandates"]
    (tmp_path / "m.json").write_text(json.dumps(mandates[:1]))
    code, result, _ = run(capsys, "mandate-status", str(tmp_path / "m.json"), "--on", "2026-11-23", "--rcur-only")
    assert result[0]["next_sequence"] == "RCUR"


def edited(tmp_path, change) -> str:
    data = json.loads((EXAMPLES / "batch.json").read_text())
    change(data)
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data))
    return str(path)


def set_tx(key, value, index=0):
    def change(data):
        data["transactions"][index][key] = value
    return change


@pytest.mark.parametrize(("change", "message"), [
    (set_tx("amount", "0"), "transaction F26-11-0000001, champ amount"),
    (set_tx("amount", 12.5), "champ transactions[0].amount : valeur illisible"),
    (set_tx("collection_date", "2026-12-25"), "jour de fermeture TARGET2"),
    (set_tx("collection_date", "2026-11-24"), "trop proche"),
    (set_tx("mandate", {"reference": "RUM-000000009", "signed_on": "2026-11-24"}), "champ mandate.signed_on"),
    (set_tx("collection_date", "2026-13-01"), "champ transactions[0].collection_date"),
    (set_tx("sequence", "ALL"), "champ transactions[0].sequence"),
    (set_tx("debtor", {"name": "X", "iban": "FR7630004000010001234567831"}), "champ debtor.iban : IBAN invalide"),
    (set_tx("mandate", {"reference": "RUM-000000009", "signed_on": "2020-01-02", "last_collection_date": "2023-01-02"}),
     "caduc"),
    (set_tx("mandate", {"reference": "RUM-000000009", "signed_on": "2020-01-02"}), "caduc"),
    (lambda d: d["creditor"].update(creditor_id="FR00ZZZ123456"), "champ creditor.creditor_id"),
    (lambda d: d["creditor"].update(bic="XX"), "champ creditor.bic"),
    (lambda d: d.pop("creditor"), "champ creditor : objet JSON attendu"),
    (lambda d: d["creditor"].pop("iban"), "champ creditor.iban : valeur obligatoire absente"),
    (lambda d: d.update(transactions="x"), "champ transactions"),
    (lambda d: d.update(transactions=[]), "aucune transaction"),
    (lambda d: d.update(message_id="M" * 31), "champ message_id"),
    (lambda d: d["transactions"][0]["debtor"].update(address={"town": "X", "country": "FR", "lines": "abc"}),
     "champ transactions[0].debtor.address.lines"),
])
def test_build_errors_exit_1_and_write_nothing(capsys, tmp_path, change, message):
    out = tmp_path / "out"
    code, result, err = run(capsys, "build", edited(tmp_path, change), "--out", str(out))
    assert (code, result) == (1, None)
    assert err.startswith("regie-sepa : ") and message in err, err
    assert not out.exists()


def test_unwritable_output(capsys, tmp_path):
    (tmp_path / "file").write_text("")
    code, _, err = run(capsys, "build", str(EXAMPLES / "batch.json"), "--out", str(tmp_path / "file" / "x"))
    assert code == 1 and "écriture impossible" in err


@pytest.mark.parametrize("argv", [("read", "/nonexistent.xml"), ("validate", "/nonexistent.xml"),
                                  ("mandate-status", "/nonexistent.json")])
def test_missing_files(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 1 and "fichier illisible" in err


def test_bad_json(capsys, tmp_path):
    (tmp_path / "bad.json").write_text("{")
    code, _, err = run(capsys, "build", str(tmp_path / "bad.json"), "--out", str(tmp_path))
    assert code == 1 and "JSON invalide" in err
    (tmp_path / "m.json").write_text('{"x": 1}')
    code, _, err = run(capsys, "mandate-status", str(tmp_path / "m.json"))
    assert code == 1 and "liste de mandats" in err


def test_validate_names_the_element_and_line(capsys):
    code, result, err = run(capsys, "validate", str(SAMPLES / "broken_schema.xml"))
    assert (code, result) == (1, None)
    assert err.startswith("regie-sepa : ligne 35, champ SeqTp : non conforme au schéma pain.008.001.02")


def test_bad_date_option(capsys):
    with pytest.raises(SystemExit):
        main(["mandate-status", "x.json", "--on", "demain"])
    assert "date AAAA-MM-JJ attendue" in capsys.readouterr().err


def test_python_dash_m():
    done = subprocess.run([sys.executable, "-m", "regie_sepa", "validate", str(SAMPLES / "golden_08.xml")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert json.loads(done.stdout)["version"] == "pain.008.001.08"


def test_initiating_party_as_a_name_and_bad_types(capsys, tmp_path):
    def change(data):
        data["initiating_party"] = "Commune de Marville"
        data["transactions"][0]["remittance"] = 12
    code, _, err = run(capsys, "build", edited(tmp_path, change), "--out", str(tmp_path / "o"))
    assert code == 1 and "champ transactions[0].remittance : valeur illisible" in err
    code, _, _ = run(capsys, "build", edited(tmp_path, lambda d: d.update(initiating_party="Commune")),
                     "--out", str(tmp_path / "o"))
    assert code == 0


def test_partial_write_leaves_nothing(capsys, tmp_path, monkeypatch):
    import regie_sepa.cli as cli
    real = cli.os.fdopen
    calls = []

    def failing(handle, mode):
        calls.append(handle)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(handle, mode)
    monkeypatch.setattr(cli.os, "fdopen", failing)
    code, _, err = run(capsys, "build", str(EXAMPLES / "batch.json"), "--out", str(tmp_path))
    assert code == 1 and "écriture impossible" in err
    assert list(tmp_path.iterdir()) == []
