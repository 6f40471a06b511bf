import io
import json
import subprocess
import sys

import pytest
from conftest import SAMPLES

from hypothesis import given
from strategies import statements

from regie_coda import read, statement_from_json, statement_to_json
from regie_coda.cli import main

GOOD = SAMPLES / "good/two_statements.cod"


def run(args, capsys):
    out = io.BytesIO()
    code = main(args, stdout=out)
    return code, out.getvalue(), capsys.readouterr().err


def test_read_prints_the_issue_shape(capsys):
    code, out, err = run(["read", str(GOOD)], capsys)
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document == json.loads((SAMPLES / "good/two_statements.json").read_text())
    # The keys of issue 6 come first, in its order; the other fields follow, movements last.
    assert list(document[0])[:8] == [
        "account", "currency", "number", "old_balance", "old_balance_date",
        "new_balance", "new_balance_date", "holder",
    ]
    assert list(document[0])[-1] == "movements"
    assert list(document[0]["movements"][0])[:11] == [
        "sequence", "detail", "amount", "value_date", "entry_date", "transaction_code",
        "structured_communication", "communication", "counterparty_name",
        "counterparty_account", "counterparty_bic",
    ]
    assert document[0]["movements"][0]["structured_communication"] == "240283842818"
    assert document[0]["movements"][1]["amount"] == "-30.12"


@pytest.mark.parametrize("sample", sorted((SAMPLES / "good").glob("*.cod")), ids=lambda p: p.name)
def test_read_then_write_gives_back_the_file_byte_for_byte(tmp_path, capsys, sample):
    code, document, err = run(["read", str(sample)], capsys)
    assert (code, err) == (0, "")
    source = tmp_path / "statements.json"
    source.write_bytes(document)
    options = ["--encoding", "utf-8", "--newline", "lf"] if sample.name.endswith("_utf8_lf.cod") else []
    code, out, err = run(["write", *options, str(source)], capsys)
    assert (code, err) == (0, "")
    assert out == sample.read_bytes()


def test_json_keeps_every_field():
    (statement,) = read((SAMPLES / "good/foreign_iban_4_before_8.cod").read_bytes())
    document = json.loads(json.dumps(statement_to_json(statement)))
    assert document["free_communications"] == [
        {"sequence": 0, "detail": 0, "text": "AUCUN MOUVEMENT", "before_new_balance": True}
    ]
    assert statement_from_json(document) == statement


@given(statements)
def test_json_round_trip(items):
    document = json.loads(json.dumps([statement_to_json(s) for s in items]))
    assert [statement_from_json(d, i) for i, d in enumerate(document, 1)] == items


def test_json_structured_communication_must_agree_with_its_type(tmp_path, capsys):
    document = json.loads((SAMPLES / "good/two_statements.json").read_text())
    document[0]["movements"][0]["communication_type"] = None
    source = tmp_path / "in.json"
    source.write_text(json.dumps(document))
    code, out, err = run(["write", str(source)], capsys)
    assert (code, out) == (1, b"")
    assert "ne correspond pas" in err


def test_write_then_read_gives_the_same_json(tmp_path, capsys):
    source = tmp_path / "in.json"
    source.write_text((SAMPLES / "good/two_statements.json").read_text())
    code, out, err = run(["write", str(source)], capsys)
    assert (code, err) == (0, "")
    target = tmp_path / "out.cod"
    target.write_bytes(out)
    _, again, _ = run(["read", str(target)], capsys)
    assert json.loads(again) == json.loads(source.read_text())


def test_write_accepts_one_statement_and_minimal_movements(tmp_path, capsys):
    source = tmp_path / "in.json"
    source.write_text(json.dumps({
        "account": "BE68539007547034", "number": 1,
        "old_balance": "0", "old_balance_date": "2026-03-02",
        "new_balance": "12.5", "new_balance_date": "2026-03-03",
        "movements": [{"sequence": 1, "amount": "12.50", "value_date": "2026-03-03",
                       "entry_date": "2026-03-03", "structured_communication": "+++240/2838/42818+++",
                       "transaction_code": "00150000"}],
    }))
    code, out, _ = run(["write", str(source)], capsys)
    assert code == 0
    (statement,) = read(out)
    assert statement.movements[0].structured_communication == "240283842818"
    assert statement.currency == "EUR"


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("not json", "JSON invalide"),
        ("42", "liste d'extraits"),
        ("[]", "aucun extrait"),
        ('[{"account": "BE68"}]', "extrait 1 : number"),
        ('[{"account": 5}]', "texte attendu"),
        ('[{"account": "A", "number": "1"}]', "nombre entier"),
        ('[{"account": "A", "number": 1, "old_balance": 1.5}]', "montant en texte"),
        ('[{"account": "A", "number": 1, "old_balance": "abc"}]', "montant décimal"),
        ('[{"account": "A", "number": 1, "old_balance": "NaN"}]', "montant décimal"),
        ('[{"account": "A", "number": 1, "old_balance": "0", "old_balance_date": "3/3/26"}]', "AAAA-MM-JJ"),
        ('[{"account": "A", "number": 1, "old_balance": "0", "old_balance_date": null, "new_balance": "0",'
         ' "new_balance_date": null, "movements": {}}]', "liste de mouvements"),
        ('[{"account": "A", "number": 1, "old_balance": "0", "old_balance_date": null, "new_balance": "0",'
         ' "new_balance_date": null, "movements": [1]}]', "objet JSON"),
        ('[{"account": "A", "number": 1, "old_balance": "0", "old_balance_date": null, "new_balance": "0",'
         ' "new_balance_date": null, "movements": [{"transaction_code": "1"}]}]', "8 chiffres"),
        ('[{"account": "A", "number": 1, "old_balance": "0", "old_balance_date": null, "new_balance": "0",'
         ' "new_balance_date": null, "movements": [{"structured_communication": "123"}]}]', "97"),
        ('[{"account": "A", "number": 1, "old_balance": "0", "old_balance_date": null, "new_balance": "1",'
         ' "new_balance_date": null}]', "nouveau solde"),
    ],
)
def test_write_errors_exit_1_with_a_french_message_and_no_output(tmp_path, capsys, document, words):
    source = tmp_path / "in.json"
    source.write_text(document)
    code, out, err = run(["write", str(source)], capsys)
    assert (code, out) == (1, b"")
    assert words in err


def test_read_errors_exit_1(capsys):
    code, out, err = run(["read", str(SAMPLES / "bad/trailer_count.cod")], capsys)
    assert (code, out) == (1, b"")
    assert "ligne 15" in err.lower() and "nombre d'enregistrements" in err


def test_missing_file_exits_1(tmp_path, capsys):
    code, out, err = run(["read", str(tmp_path / "absent.cod")], capsys)
    assert (code, out) == (1, b"")
    assert "fichier illisible" in err


@pytest.mark.parametrize(
    ("number", "printed"),
    [("2402838428", "+++240/2838/42818+++"), ("240283842818", "+++240/2838/42818+++"), ("42", "+++000/0000/04242+++"),
     ("+++240/2838/42818+++", "+++240/2838/42818+++")],
)
def test_ogm(capsys, number, printed):
    code, out, _ = run(["ogm", number], capsys)
    assert (code, out.decode()) == (0, printed + "\n")


@pytest.mark.parametrize("number", ["240283842819", "abc", "0"])
def test_ogm_errors(capsys, number):
    code, out, err = run(["ogm", number], capsys)
    assert (code, out) == (1, b"")
    assert "communication structurée" in err


def test_console_script_and_module_read_standard_input():
    data = GOOD.read_bytes()
    result = subprocess.run([sys.executable, "-m", "regie_coda", "read", "-"], input=data, capture_output=True, check=True)
    assert json.loads(result.stdout)[1]["number"] == 13


def test_read_prints_one_line_per_movement_and_leaves_empty_fields_out(capsys):
    code, out, _ = run(["read", str(GOOD)], capsys)
    statements = read(GOOD)
    assert json.loads(out) == [statement_to_json(s) for s in statements]
    lines = out.decode().splitlines()
    assert sum(line.lstrip(",").startswith('{"sequence": ') for line in lines) == sum(len(s.movements) for s in statements)
    first = json.loads(out)[0]["movements"][1]
    assert "r_type" not in first and "communication_type" not in first and first["globalisation_code"] == 1
