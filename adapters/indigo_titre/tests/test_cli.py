"""The command line: JSON in and out, exit 1 with a French message, nothing written on error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE, EXAMPLES, SAMPLES, SCHEMAS
from edit import edited_dict

from regie_indigo_titre import jsonio, read, schema
from regie_indigo_titre.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("example_file", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_every_example_builds_reads_back_and_checks(example_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "titres.xml"
    status, stdout, err = run(capsys, "build", str(example_file), "--out", str(out))
    assert (status, err) == (0, "")
    summary = json.loads(stdout)
    status, stdout, _ = run(capsys, "read", str(out))
    assert status == 0
    assert json.loads(stdout) == jsonio.to_dict(jsonio.loads(example_file.read_bytes()))
    status, stdout, _ = run(
        capsys, "check", str(out), "--expect-count", str(summary["count"]), "--expect-total", summary["total"]
    )
    assert status == 0 and json.loads(stdout)["ok"] is True


def test_build_summary_and_file(tmp_path: Path, capsys) -> None:
    out = tmp_path / "titres.xml"
    status, stdout, _ = run(capsys, "build", str(EXAMPLE), "--out", str(out), "--encoding", "utf-8")
    assert status == 0
    assert json.loads(stdout) == {"out": str(out), "count": 3, "total": "168.75"}
    assert out.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert [p.name for p in tmp_path.iterdir()] == ["titres.xml"]


def test_build_with_explicit_schema_directory(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv(schema.ENV_VAR)
    out = tmp_path / "titres.xml"
    assert run(capsys, "build", str(EXAMPLE), "--out", str(out), "--schemas", str(SCHEMAS))[0] == 0
    assert run(capsys, "check", str(out))[0] == 0  # the schemas shipped inside
    status, _, err = run(capsys, "check", str(out), "--schemas", str(tmp_path))
    assert status == 1 and "introuvable" in err


def test_build_cut_on_request(tmp_path: Path, capsys) -> None:
    source = tmp_path / "long.json"
    source.write_text(json.dumps(edited_dict("bordereau.titles.0.debtor.last_name", "L" * 45)))
    out = tmp_path / "titres.xml"
    status, _, err = run(capsys, "build", str(source), "--out", str(out))
    assert status == 1 and "trop long" in err and not out.exists()
    assert run(capsys, "build", str(source), "--out", str(out), "--cut")[0] == 0
    assert read(out.read_bytes()).bordereau.titles[0].debtor.last_name == "L" * 38


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        (
            "bordereau.titles.0.lines.0.amount",
            "-1.00",
            "titre 412, champ MtHT : le montant doit être strictement positif",
        ),
        ("bordereau.titles.1.debtor.address.postcode", "6125", "titre 413, champ CP : code postal sur 5 chiffres"),
        ("bordereau.titles.1.debtor.last_name", "N" * 39, "titre 413, champ Nom : texte trop long"),
    ],
)
def test_bad_input_exits_1_and_writes_nothing(tmp_path: Path, capsys, path: str, value: object, words: str) -> None:
    source = tmp_path / "in.json"
    source.write_text(json.dumps(edited_dict(path, value)))
    out = tmp_path / "titres.xml"
    status, stdout, err = run(capsys, "build", str(source), "--out", str(out))
    assert (status, stdout) == (1, "")
    assert err.startswith("regie-indigo-titre : ") and words in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json"]


def test_existing_output_is_kept_on_error(tmp_path: Path, capsys) -> None:
    source = tmp_path / "in.json"
    source.write_text(json.dumps(edited_dict("bordereau.titles.0.lines.0.amount", "0")))
    out = tmp_path / "titres.xml"
    out.write_bytes(b"previous")
    assert run(capsys, "build", str(source), "--out", str(out))[0] == 1
    assert out.read_bytes() == b"previous"


def test_output_directory_missing(tmp_path: Path, capsys) -> None:
    status, _, err = run(capsys, "build", str(EXAMPLE), "--out", str(tmp_path / "no" / "titres.xml"))
    assert status == 1 and "fichier inaccessible" in err


def test_failed_write_leaves_no_temporary_file(tmp_path: Path, capsys, monkeypatch) -> None:
    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device", dst)

    monkeypatch.setattr("regie_indigo_titre.cli.os.replace", broken)
    status, _, err = run(capsys, "build", str(EXAMPLE), "--out", str(tmp_path / "titres.xml"))
    assert status == 1 and "No space left" in err
    assert list(tmp_path.iterdir()) == []


def test_missing_input(tmp_path: Path, capsys) -> None:
    status, _, err = run(capsys, "read", str(tmp_path / "absent.xml"))
    assert status == 1 and "fichier inaccessible" in err


def test_read_broken_file(capsys) -> None:
    status, stdout, err = run(capsys, "read", str(SAMPLES / "bad_amount_comma.xml"))
    assert (status, stdout) == (1, "")
    assert "titre 413" in err and "MtHT" in err


def test_check_reports_and_exits_1(capsys) -> None:
    status, stdout, _ = run(
        capsys, "check", str(SAMPLES / "good_titres_cantine.xml"), "--expect-count", "2", "--expect-total", "168.75"
    )
    report = json.loads(stdout)
    assert status == 1
    assert report["ok"] is False and report["count"] == 3 and report["total"] == "168.75"
    assert report["fiscal_year"] == 2026 and report["bordereau"] == 31
    assert report["problems"] == ["nombre de titres différent de la liste : 3 dans le fichier, 2 attendus"]
    assert report["more"] == 0


def test_check_counts_the_problems_past_the_bound(capsys, tmp_path: Path) -> None:
    data = (SAMPLES / "bad_count.xml").read_bytes()
    start = data.index(b"<Piece>")
    end = data.index(b"</Piece>", start) + len(b"</Piece>")
    (tmp_path / "many.xml").write_bytes(data[:start] + data[start:end] * 200 + data[end:])
    status, stdout, _ = run(capsys, "check", str(tmp_path / "many.xml"))
    report = json.loads(stdout)
    assert status == 1
    # 199 title numbers repeated, NbrPce and MtBordHt: 201 problems.
    assert (len(report["problems"]), report["more"]) == (100, 101)


@pytest.mark.parametrize("total", ["12,50", "NaN"])
def test_check_refuses_a_bad_expected_total(capsys, total: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["check", str(SAMPLES / "good_titres_cantine.xml"), "--expect-total", total])
    assert caught.value.code == 2
    assert "montant invalide" in capsys.readouterr().err


def test_python_dash_m(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "regie_indigo_titre", "check", str(SAMPLES / "good_titres_cantine.xml")],
        capture_output=True,
        text=True,
        check=False,
        env={"REGIE_PES_SCHEMAS": str(SCHEMAS), "PATH": ""},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True
