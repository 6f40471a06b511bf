"""JSON input: every type error names its JSON path; read output feeds build back."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from edit import edited, edited_dict

from regie_indigo_titre import FieldError, jsonio
from regie_indigo_titre.records import TitlesFile


def test_round_trip_through_json(example: TitlesFile) -> None:
    assert jsonio.loads(jsonio.dumps(example)) == example


def test_amounts_are_strings_with_two_decimals(example: TitlesFile) -> None:
    data = jsonio.to_dict(example)
    assert data["bordereau"]["titles"][1]["lines"][0]["amount"] == "96.00"
    assert "extra" not in data["bordereau"]["titles"][1]["debtor"]["address"]


def test_json_numbers_are_read_as_decimals() -> None:
    text = json.dumps(edited_dict("bordereau.titles.1.lines.0.amount", "@@")).replace('"@@"', "96.10")
    titles = jsonio.loads(text)
    assert titles.bordereau.titles[1].lines[0].amount == Decimal("96.10")
    assert edited("bordereau.titles.1.lines.0.amount", 96).bordereau.titles[1].lines[0].amount == Decimal(96)


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        (
            "bordereau.titles.1.debtor.address.postal_code",
            "61000",
            "bordereau.titles[1].debtor.address.postal_code",
            "clé inconnue",
        ),
        ("bordereau.titles.1.lines.0.amount", "96,00", "bordereau.titles[1].lines[0].amount", "montant"),
        ("bordereau.titles.1.lines.0.amount", True, "bordereau.titles[1].lines[0].amount", "montant"),
        ("bordereau.number", "31", "bordereau.number", "entier"),
        ("bordereau.number", True, "bordereau.number", "entier"),
        ("bordereau.issued", "05/02/2026", "bordereau.issued", "AAAA-MM-JJ"),
        ("bordereau.issued", "2026-02-30", "bordereau.issued", "inexistante"),
        ("bordereau.titles", {}, "bordereau.titles", "liste"),
        ("bordereau.titles.1", [], "bordereau.titles[1]", "objet"),
        ("bordereau.titles.1.debtor.last_name", 12, "bordereau.titles[1].debtor.last_name", "texte"),
        ("bordereau.titles.2.debtor.address.resident", "non", "bordereau.titles[2].debtor.address.resident", "booléen"),
    ],
)
def test_type_errors_name_the_json_path(path: str, value: object, field: str, words: str) -> None:
    with pytest.raises(FieldError, match=words) as caught:
        edited(path, value)
    assert caught.value.field == field


def test_missing_key_is_named() -> None:
    with pytest.raises(FieldError, match="absente") as caught:
        edited("bordereau.titles.0.debtor.address.town")
    assert caught.value.field == "bordereau.titles[0].debtor.address.town"


def test_unreadable_json() -> None:
    with pytest.raises(FieldError, match="JSON illisible"):
        jsonio.loads(b"{ not json")
    with pytest.raises(FieldError, match="JSON illisible"):
        jsonio.loads(b'{"a": NaN}')


def test_root_must_be_an_object() -> None:
    with pytest.raises(FieldError, match="objet JSON") as caught:
        jsonio.loads(b"[]")
    assert caught.value.field == "(racine)"


def test_null_means_absent() -> None:
    assert edited("bordereau.titles.0.debtor.address.extra", None).bordereau.titles[0].debtor.address.extra is None
