"""Whatever text a caller or a file brings, only the package's own errors come out."""

import contextlib

import edit
import pytest
from conftest import SAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st

from regie_ormc import check, writer
from regie_ormc.errors import OrmcError

GOOD = (SAMPLES / "ormc_good.xml").read_bytes()

FIELDS = [
    lambda r, v: edit.debtor(r, last_name=v),
    lambda r, v: edit.debtor(r, civility=v),
    lambda r, v: edit.address(r, postcode=v),
    lambda r, v: edit.address(r, country_code=v, resident=False),
    lambda r, v: edit.account(r, iban=v),
    lambda r, v: edit.account(r, bic=v),
    lambda r, v: edit.debit(r, mandate_ref=v),
    lambda r, v: edit.debit(r, former_iban=v),
    lambda r, v: edit.debit(r, former_creditor_id=v),
    lambda r, v: edit.line(r, product_code=v),
    lambda r, v: edit.line(r, nature=v),
    lambda r, v: edit.piece(r, invoice_number=v),
    lambda r, v: edit.piece(r, cle1=v),
    lambda r, v: edit.piece(r, edition=v),
]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(FIELDS), st.text(max_size=40), st.sampled_from(writer.ENCODINGS))
def test_writer_raises_only_the_documented_error(roll, change, value, encoding):
    with contextlib.suppress(OrmcError):
        writer.write(change(roll, value), encoding=encoding)


@pytest.mark.parametrize("value", ["\ufffe", "A\ud800", "A\x85B", "\x00"])
def test_characters_xml_cannot_hold_are_refused(roll, value):
    with pytest.raises(OrmcError) as raised:
        writer.write(edit.debtor(roll, last_name=value), encoding="UTF-8")
    assert raised.value.field == "Nom"


@pytest.fixture(scope="module")
def roll():  # module-scoped: Hypothesis forbids function-scoped fixtures in @given tests
    from conftest import EXAMPLES

    from regie_ormc import jsonio

    return jsonio.roll_from_json(jsonio.loads((EXAMPLES / "ormc_roll.json").read_text(encoding="utf-8")))


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(GOOD) - 1), st.integers(0, 12), st.binary(max_size=6))
def test_check_raises_only_the_documented_error(start, length, insert):
    with contextlib.suppress(OrmcError):
        check.check_pes(GOOD[:start] + insert + GOOD[start + length:])
