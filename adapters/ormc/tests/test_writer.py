from dataclasses import replace
from datetime import date
from decimal import Decimal

import edit
import pytest
from conftest import SAMPLES, SCHEMAS
from lxml import etree

from regie_ormc import reader, schema, writer
from regie_ormc.errors import FieldError, OrmcError, SchemaMissingError, SchemaError


def test_golden_file(roll):
    assert writer.write(roll) == (SAMPLES / "ormc_good.xml").read_bytes()


def test_default_is_iso_8859_1_and_utf8_on_request(roll):
    roll = edit.address(roll, town="ALENÇON")
    latin = writer.write(roll)
    utf8 = writer.write(roll, encoding="UTF-8")
    assert latin.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    assert "ALENÇON".encode("latin-1") in latin
    assert utf8.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "ALENÇON".encode() in utf8
    assert reader.read(latin) == reader.read(utf8) == roll


def test_constants_and_totals(roll):
    root = etree.fromstring(writer.write(roll))
    assert root.find("Enveloppe/Parametres/TypFic").get("V") == "PESORMC"
    bloc = root.find("PES_RecetteAller/Bordereau/BlocBordereau")
    assert bloc.find("TypBord").get("V") == "06"
    assert bloc.find("NbrPce").get("V") == "3"
    assert bloc.find("MtBordHt").get("V") == "149.25"
    assert {e.get("V") for e in root.iter("TypPce")} == {"15"}
    # Mono-debtor: the piece of two lines repeats its one debtor on each line.
    second = root.findall("PES_RecetteAller/Bordereau/Piece")[1]
    assert [t.find("InfoTiers/Nom").get("V") for t in second.iter("Tiers")] == ["MARTIN", "MARTIN"]


def test_schema_directory_is_a_parameter(roll, monkeypatch):
    monkeypatch.delenv(schema.ENV_VAR)
    assert writer.write(roll, schema_dir=SCHEMAS) == (SAMPLES / "ormc_good.xml").read_bytes()
    assert writer.write(roll) == (SAMPLES / "ormc_good.xml").read_bytes()  # the schemas shipped inside
    with pytest.raises(SchemaMissingError, match="introuvable"):
        writer.write(roll, schema_dir=SCHEMAS / "nowhere")


def test_schema_violation_names_the_piece(roll):
    # "0" passes the rules but not the schema (a text zone cannot be only zeros).
    with pytest.raises(SchemaError, match="pièce n° 1") as raised:
        writer.write(edit.debtor(roll, last_name="0"))
    assert isinstance(raised.value, OrmcError)


BAD = [
    ("negative amount", lambda r: edit.line(r, amount=Decimal("-1.00")), 1, "MtHT"),
    ("zero amount", lambda r: edit.line(r, amount=Decimal("0")), 1, "MtHT"),
    ("three decimals", lambda r: edit.line(r, amount=Decimal("1.005")), 1, "MtHT"),
    ("not a decimal", lambda r: edit.line(r, amount=1.5), 1, "lines[0].amount"),
    ("infinite", lambda r: edit.line(r, amount=Decimal("Infinity")), 1, "MtHT"),
    ("too large", lambda r: edit.line(r, amount=Decimal("1000000000000")), 1, "MtHT"),
    ("zero debit", lambda r: edit.debit(r, amount=Decimal("0.00")), 1, "MtPrel"),
    ("missing mandate", lambda r: edit.debit(r, mandate_ref=""), 1, "RefUniMdt"),
    ("mandate charset", lambda r: edit.debit(r, mandate_ref="FAM_123"), 1, "RefUniMdt"),
    ("accent in label", lambda r: edit.debit(r, label="CANTINE ÉTÉ"), 1, "LibPrel"),
    ("former name charset", lambda r: edit.debit(r, former_creditor_name="MAIRIE@"), 1, "AncienTiersCreancier"),
    ("former ICS", lambda r: edit.debit(r, former_creditor_id="FR-12"), 1, "AncienICS"),
    ("former ICS too long", lambda r: edit.debit(r, former_creditor_id="FR12ZZZ1234567"), 1, "AncienICS"),
    ("bad former IBAN", lambda r: edit.debit(r, former_iban="FR7630006000011234567890188"), 1, "AncienIBAN"),
    ("bank and IBAN", lambda r: edit.debit(r, former_bank=True, former_iban="FR7630006000011234567890189"), 1,
     "AncienIBAN"),
    ("sequence", lambda r: edit.debit(r, sequence="FIRST"), 1, "SequencePres"),
    ("nature", lambda r: edit.debit(r, nature="03"), 1, "NatPrel"),
    ("periodicity", lambda r: edit.debit(r, periodicity="08"), 1, "PerPrel"),
    ("debit without account", lambda r: edit.debtor(r, bank_account=None), 1, "CpteBancaire"),
    ("postcode 4 digits", lambda r: edit.address(r, postcode="6100"), 1, "CP"),
    ("postcode 6 digits", lambda r: edit.address(r, postcode="610000"), 1, "CP"),
    ("name too long", lambda r: edit.debtor(r, last_name="D" * 39), 1, "Nom"),
    ("name with spaces", lambda r: edit.debtor(r, last_name=" DUPONT"), 1, "Nom"),
    ("control char", lambda r: edit.debtor(r, last_name="DU\tPONT"), 1, "Nom"),
    ("person without first name", lambda r: edit.debtor(r, first_name=None), 1, "Prenom"),
    ("person without civility", lambda r: edit.debtor(r, civility=None), 1, "Civilite"),
    ("mademoiselle", lambda r: edit.debtor(r, civility="Mlle"), 1, "Civilite"),
    ("category", lambda r: edit.debtor(r, category="1"), 1, "CatTiers"),
    ("address kind", lambda r: edit.address(r, kind="3"), 1, "TypAdr"),
    ("non-resident without country", lambda r: edit.address(r, resident=False), 1, "CodPays"),
    ("non-resident bad country", lambda r: edit.address(r, resident=False, country_code="ES"), 1, "CodPays"),
    ("resident abroad", lambda r: edit.address(r, country_code="134"), 1, "CodPays"),
    ("lower-case IBAN", lambda r: edit.account(r, iban="fr7630006000011234567890189"), 1, "IBAN"),
    ("IBAN with spaces", lambda r: edit.account(r, iban="FR76 3000 6000 0112 3456 7890 189"), 1, "IBAN"),
    ("IBAN checksum", lambda r: edit.account(r, iban="FR7630006000011234567890188"), 1, "IBAN"),
    ("lower-case BIC", lambda r: edit.account(r, bic="bnpafrpp"), 1, "BIC"),
    ("bad BIC", lambda r: edit.account(r, bic="BNPAFRP"), 1, "BIC"),
    ("holder too long", lambda r: edit.account(r, holder="X" * 33), 1, "TitCpte"),
    ("wrong cle2", lambda r: edit.piece(r, cle2="A"), 1, "Cle2"),
    ("cle1 letter", lambda r: edit.piece(r, cle1="A"), 1, "Cle1"),
    ("edition 01", lambda r: edit.piece(r, edition="01"), 1, "Edition"),
    ("invoice number", lambda r: edit.piece(r, invoice_number="F01*26"), 1, "NumeroFacture"),
    ("object too long", lambda r: edit.piece(r, object="X" * 161), 1, "ObjPce"),
    ("piece number", lambda r: edit.piece(r, number=0), 0, "IdPce"),
    ("bool piece number", lambda r: edit.piece(r, number=True), 1, "number"),
    ("no lines", lambda r: edit.piece(r, lines=()), 1, "LigneDePiece"),
    ("line number", lambda r: edit.line(r, number=10**6), 1, "IdLigne"),
    ("product code", lambda r: edit.line(r, product_code="CANTI"), 1, "CodProdLoc"),
    ("nature", lambda r: edit.line(r, nature="58A"), 1, "Nature"),
    ("debt number too long", lambda r: edit.piece(r, debt_number=10**13), 1, "NumDette"),
    ("period", lambda r: edit.piece(r, period=12), 1, "Per"),
    ("duplicate piece", lambda r: edit.piece(r, 1, number=1), 1, "IdPce"),
    ("not latin-1", lambda r: edit.debtor(r, last_name="CŒUR"), 1, "Nom"),
]


@pytest.mark.parametrize(("case", "change", "piece", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_values_are_refused_naming_piece_and_field(roll, case, change, piece, field):
    with pytest.raises(FieldError) as raised:
        writer.write(change(roll))
    assert raised.value.field == field
    assert raised.value.piece == piece
    assert raised.value.message  # French text for the agent


def test_duplicate_line_and_different_debits_in_one_piece(roll):
    second = roll.pieces[1]
    twice = replace(second, lines=(second.lines[0], replace(second.lines[1], number=1)))
    with pytest.raises(FieldError, match="ligne en double"):
        writer.write(edit.piece(roll, 1, **{"lines": twice.lines}))
    other = replace(second.lines[1], debit=replace(second.lines[1].debit, sequence="RCUR"))
    with pytest.raises(FieldError, match="mêmes données de prélèvement"):
        writer.write(edit.piece(roll, 1, lines=(second.lines[0], other)))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: replace(r, header=replace(r.header, siret="21610001600016")), "IdColl"),
        (lambda r: replace(r, header=replace(r.header, post_id="61090")), "IdPost"),
        (lambda r: replace(r, header=replace(r.header, collectivity_code="20")), "CodCol"),
        (lambda r: replace(r, header=replace(r.header, budget_code="0")), "CodBud"),
        (lambda r: replace(r, header=replace(r.header, file_name="")), "NomFic"),
        (lambda r: replace(r, bordereau=replace(r.bordereau, number=10**7)), "IdBord"),
        (lambda r: replace(r, bordereau=replace(r.bordereau, fiscal_year=26)), "Exer"),
        (lambda r: replace(r, bordereau=replace(r.bordereau, collection_date=date(2026, 2, 4))), "DteAsp"),
        (lambda r: replace(r, pieces=()), "NbrPce"),
    ],
)
def test_bad_header_and_bordereau(roll, change, field):
    with pytest.raises(FieldError) as raised:
        writer.write(change(roll))
    assert raised.value.field == field
    assert raised.value.piece is None


def test_unknown_encoding_is_refused(roll):
    with pytest.raises(FieldError, match="ISO-8859-1 ou UTF-8"):
        writer.write(roll, encoding="cp1252")


def test_error_message_is_french_and_complete(roll):
    with pytest.raises(FieldError) as raised:
        writer.write(edit.address(roll, postcode="6100"))
    assert str(raised.value) == "article 1, zone CP : 5 chiffres attendus (valeur reçue : '6100')"


def test_cle1_is_verified_when_its_basis_is_given(roll):
    from regie_ormc import keys

    assert writer.write(roll, cle1_basis=keys.Cle1Basis("20", "12")) == (SAMPLES / "ormc_good.xml").read_bytes()
    with pytest.raises(FieldError) as raised:
        writer.write(roll, cle1_basis=keys.Cle1Basis("20", "06"))
    assert raised.value.field == "Cle1" and raised.value.piece is not None
