import contextlib

import pytest
from conftest import SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import rolls

from regie_ormc import reader, writer
from regie_ormc.errors import FileFormatError, OrmcError

GOOD = (SAMPLES / "ormc_good.xml").read_bytes()



def test_bytes_path_and_file_read_alike():
    path = SAMPLES / "ormc_good.xml"
    with path.open("rb") as file:
        assert reader.read(GOOD) == reader.read(path) == reader.read(file)


@pytest.mark.parametrize("source", ["<PES_Aller/>", 12, None])
def test_not_bytes(source):
    with pytest.raises(FileFormatError):
        reader.read(source)  # type: ignore[arg-type]


def test_a_text_file_is_refused():
    with (SAMPLES / "ormc_good.xml").open(encoding="iso-8859-1") as text, pytest.raises(FileFormatError):
        reader.read(text)  # type: ignore[arg-type]

def test_reads_the_golden_file_into_the_example_roll(roll):
    assert reader.read(GOOD) == roll


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rolls(), st.sampled_from(writer.ENCODINGS))
def test_round_trip(roll, encoding):
    assert reader.read(writer.write(roll, encoding=encoding)) == roll


@pytest.mark.parametrize(
    ("name", "piece", "field"),
    [
        ("ormc_bad_typbord.xml", None, "TypBord"),
        ("ormc_bad_amount_comma.xml", 1, "MtHT"),
        ("ormc_bad_date.xml", None, "DteBordEm"),
        ("ormc_bad_missing_nom.xml", 1, "Nom"),
        ("ormc_bad_two_debtors.xml", 2, "Tiers"),
        ("ormc_bad_rib.xml", 1, "IBAN"),
        ("ormc_bad_truncated.xml", None, None),
    ],
)
def test_broken_samples_name_piece_and_field(name, piece, field):
    with pytest.raises(FileFormatError) as raised:
        reader.read((SAMPLES / name).read_bytes())
    assert (raised.value.piece, raised.value.field) == (piece, field)
    assert raised.value.line is not None


def _swap(old: bytes, new: bytes) -> bytes:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_swap(b"<TypFic V=\"PESORMC\"/>", b"<TypFic V=\"PESALR1\"/>"), "TypFic"),
        (_swap(b"<TypPce V=\"15\"/>", b"<TypPce V=\"01\"/>"), "TypPce"),
        (_swap(b"<NatPce V=\"01\"/>", b"<NatPce V=\"02\"/>"), "NatPce"),
        (_swap(b"<IdPce V=\"1\"/>", b"<IdPce V=\"1.5\"/>"), "IdPce"),
        (_swap(b"<IdPce V=\"1\"/>", b"<IdPce/>"), "IdPce"),
        (_swap(b"<Majo V=\"0\"/>", b"<Majo V=\"1\"/>"), "Majo"),
        (_swap(b"<Majo V=\"0\"/>", b"<Majo V=\"oui\"/>"), "Majo"),
        (_swap(b"<MtHT V=\"42.50\"/>", b"<MtHT V=\"42.50\"/><MtTVA V=\"1.00\"/>"), "MtTVA"),
        (_swap(b"<MtHT V=\"42.50\"/>", b"<MtHT V=\"-42.50\"/>"), "MtHT"),
        (_swap(b"<MtHT V=\"42.50\"/>", b"<MtHT V=\"NaN\"/>"), "MtHT"),
        (_swap(b"<SequencePres V=\"03\"/>", b"<SequencePres V=\"05\"/>"), "SequencePres"),
        (_swap(b"<InfoPrelevementSEPA>", b"<InfoPrelevement/><InfoPrelevementSEPA>"), "InfoPrelevement"),
        (_swap(b"<DteStr V=\"2026-02-05\"/>", b"<DteStr V=\"20260205\"/>"), "DteStr"),
        (_swap(b"<DtePrel V=\"2026-02-10\"/>", b""), "DtePrel"),
        (_swap(b"<EnTetePES>", b"<EnTetePES_X>").replace(b"</EnTetePES>", b"</EnTetePES_X>"), "EnTetePES"),
        (_swap(b"</Bordereau>", b"</Bordereau><Bordereau/>"), "Bordereau"),
        (_swap(b"<CodRes V=\"0\"/>", b"<CodRes V=\"0\"/>").replace(b"<Tiers>", b"<Tiers/><Tiers>", 1), "Tiers"),
        (GOOD.replace(b"PES_Aller", b"PES_Retour"), "PES_Aller"),
    ],
)
def test_values_outside_the_model_are_refused(data, field):
    with pytest.raises(FileFormatError) as raised:
        reader.read(data)
    assert raised.value.field == field


def test_a_bordereau_without_pieces_or_a_piece_without_lines():
    start, end = GOOD.index(b"<Piece>"), GOOD.rindex(b"</Piece>") + len(b"</Piece>")
    with pytest.raises(FileFormatError, match="sans article"):
        reader.read(GOOD[:start] + GOOD[end:])
    first_line = GOOD.index(b"<LigneDePiece>")
    first_end = GOOD.index(b"</LigneDePiece>") + len(b"</LigneDePiece>")
    with pytest.raises(FileFormatError, match="sans ligne"):
        reader.read(GOOD[:first_line] + GOOD[first_end:])


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    doc = GOOD.replace(
        b"<n:PES_Aller", f'<!DOCTYPE x [<!ENTITY e SYSTEM "{secret.as_uri()}">]><n:PES_Aller'.encode(), 1
    ).replace(b'<Nom V="DUPONT"/>', b'<Nom V="&e;"/>')
    try:
        roll = reader.read(doc)
    except OrmcError:
        return
    assert "SECRET" not in roll.pieces[0].debtor.last_name


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_junk_raises_only_the_documented_error(data):
    with pytest.raises(FileFormatError):
        reader.read(data)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(GOOD) - 1), st.integers(1, 20), st.binary(max_size=8))
def test_mutations_raise_only_the_documented_error(start, length, insert):
    data = GOOD[:start] + insert + GOOD[start + length:]
    with contextlib.suppress(OrmcError):
        reader.read(data)


def test_an_error_keeps_80_characters_of_a_huge_value():
    data = GOOD.replace(b'<TypBord V="06"/>', b'<TypBord V="' + b"0" * 1_000_000 + b'"/>')
    with pytest.raises(FileFormatError) as raised:
        reader.read(data)
    assert raised.value.field == "TypBord"
    assert raised.value.value == "0" * 79 + "…"
    assert str(raised.value).endswith(" (valeur reçue : '" + "0" * 76 + "...)")
