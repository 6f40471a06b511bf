"""Reading: what was written comes back, and every broken sample is refused with its place."""

from __future__ import annotations

import pytest
from conftest import SAMPLES

from regie_indigo_titre import FileFormatError, read, write
from regie_indigo_titre.records import TitlesFile


@pytest.mark.parametrize("name", ["good_titres_cantine.xml", "good_titres_cantine_utf8.xml"])
def test_golden_files_read_back_to_the_example(name: str, example: TitlesFile) -> None:
    assert read((SAMPLES / name).read_bytes()) == example


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-8"])
def test_read_what_was_written(example: TitlesFile, encoding: str) -> None:
    assert read(write(example, encoding=encoding)) == example


BROKEN = [
    # (sample, field, title, words of the message)
    ("bad_ormc_bordereau.xml", "TypBord", None, "regie-ormc"),
    ("bad_piece_type.xml", "TypPce", 412, "titre ordinaire"),
    ("bad_missing_name.xml", "Nom", 413, "absent"),
    ("bad_amount_comma.xml", "MtHT", 413, "mal formée"),
    ("bad_two_debtors.xml", "Tiers", 412, "débiteurs différents"),
    ("bad_truncated.xml", None, None, "XML illisible"),
    ("bad_root.xml", None, None, "PES_Aller"),
    ("bad_not_xml.xml", None, None, "XML illisible"),
]


@pytest.mark.parametrize(("name", "field", "title", "words"), BROKEN)
def test_broken_sample_is_refused(name: str, field: str | None, title: int | None, words: str) -> None:
    with pytest.raises(FileFormatError) as caught:
        read((SAMPLES / name).read_bytes())
    assert (caught.value.field, caught.value.title) == (field, title)
    assert words in str(caught.value)


def test_error_names_the_line_of_the_file() -> None:
    with pytest.raises(FileFormatError) as caught:
        read((SAMPLES / "bad_amount_comma.xml").read_bytes())
    assert caught.value.line is not None and caught.value.line > 1
    assert f"ligne {caught.value.line}" in str(caught.value)


def _good() -> str:
    return (SAMPLES / "good_titres_cantine_utf8.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("<Bordereau>", "<Bordereau/><Bordereau>", "Bordereau"),
        ('<CodRes V="0"/>', '<CodRes V="2"/>', "CodRes"),
        ('<Nom V="MARTIN"/>', "<Nom/>", "Nom"),
        ('<DteBordEm V="2026-02-05"/>', '<DteBordEm V="2026-02-30"/>', "DteBordEm"),
        ('<IdBord V="31"/>', '<IdBord V="3 1"/>', "IdBord"),
        ("<EnTetePES>", "<EnTetePESX>", "EnTetePES"),
    ],
)
def test_structural_defects(old: str, new: str, field: str) -> None:
    text = _good().replace(old, new, 1).replace("</EnTetePES>", "</EnTetePESX>" if "X>" in new else "</EnTetePES>")
    with pytest.raises(FileFormatError) as caught:
        read(text.encode("utf-8"))
    assert caught.value.field == field


def test_line_without_debtor_is_refused() -> None:
    text = _good()
    start, end = text.index("<Tiers>"), text.index("</Tiers>") + len("</Tiers>")
    with pytest.raises(FileFormatError, match="exactement un débiteur"):
        read((text[:start] + text[end:]).encode("utf-8"))


def test_title_without_line_is_refused() -> None:
    text = _good()
    piece = text.index("<Piece>", text.index('<IdPce V="413"/>') - 200)
    start = text.index("<LigneDePiece>", piece)
    end = text.index("</LigneDePiece>", start) + len("</LigneDePiece>")
    with pytest.raises(FileFormatError, match="sans ligne"):
        read((text[:start] + text[end:]).encode("utf-8"))


def test_doctype_and_entities_are_refused() -> None:
    doc = (
        _good()
        .replace(
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE n:PES_Aller [<!ENTITY x "EXPANDED">]>',
        )
        .replace('<Nom V="MARTIN"/>', '<Nom V="&x;"/>')
    )
    with pytest.raises(FileFormatError, match="DOCTYPE"):
        read(doc.encode("utf-8"))


def test_text_instead_of_bytes_is_refused() -> None:
    with pytest.raises(FileFormatError, match="binaire"):
        read(_good())  # type: ignore[arg-type]
    with pytest.raises(FileFormatError, match="binaire"):
        read(None)  # type: ignore[arg-type]
    with (SAMPLES / "good_titres_cantine.xml").open(encoding="iso-8859-1") as text:
        with pytest.raises(FileFormatError, match="binaire"):
            read(text)  # type: ignore[arg-type]


def test_bytes_path_and_file_read_alike() -> None:
    path = SAMPLES / "good_titres_cantine.xml"
    with path.open("rb") as file:
        assert read(path.read_bytes()) == read(path) == read(file)


def test_a_path_with_a_doctype_is_refused(tmp_path) -> None:
    path = tmp_path / "doctype.xml"
    path.write_bytes(b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>')
    with pytest.raises(FileFormatError, match="DOCTYPE"):
        read(path)


def test_an_error_keeps_80_characters_of_a_huge_value() -> None:
    data = (SAMPLES / "good_titres_cantine.xml").read_bytes()
    data = data.replace(b'<TypBord V="01"/>', b'<TypBord V="' + b"0" * 1_000_000 + b'"/>')
    with pytest.raises(FileFormatError) as raised:
        read(data)
    assert raised.value.field == "TypBord"
    assert raised.value.value == "0" * 79 + "…"
    assert len(str(raised.value)) < 300  # 0.1.0 quoted the whole value
