"""Writing: golden files, schema validation, and every rule refusing bad records with a precise error."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from conftest import SAMPLES
from edit import edited
from lxml import etree

from regie_indigo_titre import (
    FieldError,
    SchemaError,
    SchemaMissingError,
    TextTooLongError,
    TitreError,
    read,
    rules,
    schema,
    write,
)
from regie_indigo_titre.records import TitlesFile


def test_golden_iso_8859_1(example: TitlesFile) -> None:
    assert write(example) == (SAMPLES / "good_titres_cantine.xml").read_bytes()


def test_golden_utf8(example: TitlesFile) -> None:
    assert write(example, encoding="utf-8") == (SAMPLES / "good_titres_cantine_utf8.xml").read_bytes()


def test_default_encoding_is_latin1_with_its_declaration(example: TitlesFile) -> None:
    data = write(example)
    assert data.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n')
    assert "12 rue des Écoles".encode("iso-8859-1") in data


def test_individual_title_constants(example: TitlesFile) -> None:
    root = etree.fromstring(write(example))
    values = {tag: root.find(f".//{tag}").get("V") for tag in ("TypFic", "TypBord", "TypPce", "NbrPce", "MtBordHt")}
    assert values == {"TypFic": "PESALR1", "TypBord": "01", "TypPce": "01", "NbrPce": "3", "MtBordHt": "168.75"}
    # ORMC-only elements never appear in an individual title.
    for tag in ("NumDette", "Per", "Cle1", "Cle2", "DteAsp"):
        assert root.find(f".//{tag}") is None


def test_debtor_repeated_on_every_line_of_a_title(example: TitlesFile) -> None:
    root = etree.fromstring(write(example))
    first = root.find(".//Piece")
    names = [line.find("Tiers/InfoTiers/Nom").get("V") for line in first.findall("LigneDePiece")]
    assert names == ["DUPONT", "DUPONT"]
    assert [line.find(".//IdLigne").get("V") for line in first.findall("LigneDePiece")] == ["1", "2"]


def test_whole_amount_written_with_two_decimals() -> None:
    data = write(edited("bordereau.titles.1.lines.0.amount", "96"))
    assert b'<MtHT V="96.00"/>' in data


BAD = [
    # (JSON path, value, PES field, title number)
    ("bordereau.titles.0.lines.0.amount", "0", "MtHT", 412),
    ("bordereau.titles.0.lines.0.amount", "-4.50", "MtHT", 412),
    ("bordereau.titles.0.lines.0.amount", "4.505", "MtHT", 412),
    ("bordereau.titles.0.lines.0.amount", "1000000000000.00", "MtHT", 412),
    ("bordereau.titles.1.debtor.address.postcode", "6125", "CP", 413),
    ("bordereau.titles.1.debtor.address.postcode", "6125A", "CP", 413),
    ("bordereau.titles.1.debtor.address.country_code", "139", "CodPays", 413),
    ("bordereau.titles.2.debtor.address.postcode", "75001", "CP", 414),
    ("bordereau.titles.2.debtor.address.country_code", "100", "CodPays", 414),
    ("bordereau.titles.1.debtor.civility", "Mademoiselle", "Civilite", 413),
    ("bordereau.titles.1.debtor.civility", "MONSIEUR LE", "Civilite", 413),
    ("bordereau.titles.1.debtor.reference", "F" * 31, "RefTiers", 413),
    ("bordereau.titles.1.debtor.last_name", "", "Nom", 413),
    ("bordereau.titles.1.debtor.last_name", "0000", "Nom", 413),
    ("bordereau.titles.1.debtor.last_name", "nc", "Nom", 413),
    ("bordereau.titles.1.debtor.last_name", "MARTIN\nDUPONT", "Nom", 413),
    ("bordereau.titles.1.debtor.last_name", "X" * 39, "Nom", 413),
    ("bordereau.titles.1.debtor.first_name", "Œdipe", "Prenom", 413),
    ("bordereau.titles.1.debtor.category", "99", "CatTiers", 413),
    ("bordereau.titles.1.debtor.legal_nature", "00", "NatJur", 413),
    ("bordereau.titles.1.debtor.debtor_type", "08", "TypTiers", 413),
    ("bordereau.titles.1.piece_nature", "15", "NatPce", 413),
    ("bordereau.titles.1.invoice_number", "F01/26/Ä", "NumeroFacture", 413),
    ("bordereau.titles.1.number", 0, "IdPce", 0),
    ("bordereau.titles.1.number", 412, "IdPce", 412),
    ("bordereau.titles.1.number", 123456789, "IdPce", 123456789),
    ("bordereau.titles.1.lines", [], "LigneDePiece", 413),
    ("bordereau.titles.1.lines.0.product_code", "CANTI", "CodProdLoc", 413),
    ("bordereau.titles.1.lines.0.nature", "70A6", "Nature", 413),
    ("bordereau.titles.1.object", "O" * 161, "ObjPce", 413),
    ("bordereau.number", 12345678, "IdBord", None),
    ("bordereau.fiscal_year", 26, "Exer", None),
    ("bordereau.titles", [], "NbrPce", None),
    ("header.siret", "21610001400015", "IdColl", None),
    ("header.siret", "216 100 016 00015", "IdColl", None),
    ("header.accounting_office", "61090", "IdPost", None),
    ("header.collectivity_code", "000", "CodCol", None),
    ("header.budget_code", "0A", "CodBud", None),
    ("header.file_name", "F" * 101, "NomFic", None),
]


@pytest.mark.parametrize(("path", "value", "field", "title"), BAD)
def test_bad_value_is_refused_naming_title_and_field(path: str, value: object, field: str, title: int | None) -> None:
    with pytest.raises(FieldError) as caught:
        write(edited(path, value))
    assert (caught.value.field, caught.value.title) == (field, title)
    assert caught.value.message  # French, for the agent


@pytest.mark.parametrize("path", ["bordereau.titles.1.debtor.civility", "bordereau.titles.1.debtor.first_name"])
def test_person_needs_civility_and_first_name(path: str) -> None:
    with pytest.raises(FieldError, match="personne physique"):
        write(edited(path))


def test_organisation_needs_neither_civility_nor_first_name() -> None:
    debtor = {
        "category": "50",
        "legal_nature": "06",
        "last_name": "ASSOCIATION DES PARENTS D'ELEVES",
        "address": {"street": "1 place de la Mairie", "postcode": "61000", "town": "ALENCON"},
    }
    data = write(edited("bordereau.titles.1.debtor", debtor))
    assert read(data).bordereau.titles[1].debtor.civility is None


def test_too_long_text_is_refused_by_default_and_cut_on_request() -> None:
    long_name = "DE LA ROCHEFOUCAULD-MONTMORENCY-LAVAL DE BOURBON"
    titles = edited("bordereau.titles.1.debtor.last_name", long_name)
    with pytest.raises(TextTooLongError, match="trop long"):
        write(titles)
    debtor = read(write(titles, cut=True)).bordereau.titles[1].debtor
    assert debtor.last_name == long_name[:38].rstrip()
    assert len(debtor.last_name) <= 38


def test_cut_never_applies_to_identifiers() -> None:
    with pytest.raises(TextTooLongError):
        write(edited("bordereau.titles.1.debtor.reference", "F" * 31), cut=True)


def test_character_outside_latin1_is_refused_in_latin1_and_kept_in_utf8() -> None:
    titles = edited("bordereau.titles.1.debtor.last_name", "CŒUR")
    with pytest.raises(FieldError, match="ISO-8859-1"):
        write(titles)
    assert read(write(titles, encoding="UTF-8")).bordereau.titles[1].debtor.last_name == "CŒUR"


def test_unknown_encoding_is_refused(example: TitlesFile) -> None:
    with pytest.raises(FieldError, match="encodage"):
        write(example, encoding="cp1252")


def test_amount_with_trailing_zero_decimals_is_accepted() -> None:
    titles = edited("bordereau.titles.1.lines.0.amount", "96.000")
    assert b'<MtHT V="96.00"/>' in write(titles)


def test_the_shipped_schemas_serve_without_a_setting(example: TitlesFile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(schema.ENV_VAR)
    assert read(write(example)) == example
    assert schema.entry_point() == (schema.SHIPPED / schema.ENTRY).resolve()


def test_schema_directory_without_schema(example: TitlesFile, tmp_path) -> None:
    with pytest.raises(SchemaMissingError, match="introuvable"):
        write(example, schema_dir=tmp_path)


def test_unloadable_schema(example: TitlesFile, tmp_path) -> None:
    entry = tmp_path / schema.ENTRY
    entry.parent.mkdir(parents=True)
    entry.write_text("<not-a-schema/>")
    with pytest.raises(SchemaMissingError, match="ne se charge pas"):
        write(example, schema_dir=tmp_path)


def test_schema_catches_what_rules_let_through(example: TitlesFile, monkeypatch: pytest.MonkeyPatch) -> None:
    # The writer fails closed: even if a rule were missing, the schema stops the file.
    bad_line = dataclasses.replace(example.bordereau.titles[1].lines[0], nature="0" * 13)
    title = dataclasses.replace(example.bordereau.titles[1], lines=(bad_line,))
    titles = dataclasses.replace(
        example, bordereau=dataclasses.replace(example.bordereau, titles=(example.bordereau.titles[0], title))
    )
    monkeypatch.setattr(rules, "prepare", lambda titles, **_: titles)
    with pytest.raises(SchemaError) as caught:
        write(titles)
    assert (caught.value.field, caught.value.title) == ("Nature", 413)
    assert caught.value.line is not None


def test_every_error_is_a_value_error() -> None:
    assert issubclass(TitreError, ValueError)
    with pytest.raises(ValueError):
        write(edited("bordereau.titles.0.lines.0.amount", "0"))


def test_bordereau_total_sums_every_line(example: TitlesFile) -> None:
    assert example.bordereau.total == Decimal("168.75")
    assert [t.total for t in example.bordereau.titles] == [Decimal("60.50"), Decimal("96.00"), Decimal("12.25")]


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity")])
def test_amount_that_is_not_a_number(example: TitlesFile, amount: Decimal) -> None:
    line = dataclasses.replace(example.bordereau.titles[0].lines[0], amount=amount)
    title = dataclasses.replace(example.bordereau.titles[0], lines=(line,))
    titles = dataclasses.replace(example, bordereau=dataclasses.replace(example.bordereau, titles=(title,)))
    with pytest.raises(FieldError, match="montant décimal attendu"):
        write(titles)
