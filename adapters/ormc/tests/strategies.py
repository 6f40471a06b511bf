"""Hypothesis strategies for valid rolls and ROLMRE articles."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from regie_ormc import keys
from regie_ormc.records import (
    Address,
    BankAccount,
    Bordereau,
    Debit,
    Debtor,
    Header,
    Line,
    Piece,
    RibAccount,
    Roll,
    RolmreArticle,
)

BASIS = keys.Cle1Basis("20", "12")
IBANS = ["FR7630006000011234567890189", "FR1420041010050500013M02606", "DE89370400440532013000"]
LATIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '-ÉÈÇÂÔéèàçôù"
SEPA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/?:()., -+'"


def words(size: int, alphabet: str = LATIN) -> st.SearchStrategy[str]:
    """Text the PES schema takes: trimmed, not only zeros, not a lone dot."""
    return st.text(alphabet, min_size=2, max_size=size).filter(
        lambda s: s == s.strip() and s.strip("0") != "" and len(s.strip()) > 1
    )


def amounts(top: int = 10**7) -> st.SearchStrategy[Decimal]:
    return st.integers(1, top).map(lambda cents: Decimal(cents).scaleb(-2))


dates = st.dates(date(2000, 1, 1), date(2099, 12, 31))
optional = st.none
postcodes = st.from_regex(r"[0-9]{5}", fullmatch=True)


def codes(regex: str) -> st.SearchStrategy[str]:
    """Codes the schema's ``V_BaseAlphanum`` takes: not only zeros."""
    return st.from_regex(regex, fullmatch=True).filter(lambda s: s.strip("0") != "")


@st.composite
def debtors(draw: st.DrawFn) -> Debtor:
    resident = draw(st.booleans())
    return Debtor(
        last_name=draw(words(38)),
        first_name=draw(words(38)),
        civility=draw(st.sampled_from(["MME", "M", "M."])),
        reference=draw(optional() | words(30)),
        name_complement=draw(optional() | words(38)),
        address=Address(
            street=draw(words(38)),
            postcode=draw(postcodes),
            town=draw(words(38)),
            extra=draw(optional() | words(38)),
            locality=draw(optional() | words(38)),
            resident=resident,
            country_code=draw(st.sampled_from([None, "100"]) if resident else st.sampled_from(["134", "109"])),
        ),
        bank_account=BankAccount(
            iban=draw(st.sampled_from(IBANS)),
            holder=draw(words(32)),
            bic=draw(st.sampled_from([None, "BNPAFRPP", "PSSTFRPPLIL"])),
        ),
    )


@st.composite
def pieces(draw: st.DrawFn, number: int, year: int) -> Piece:
    period = draw(st.integers(0, 9))
    debt = draw(st.integers(1, 10**13 - 1))
    debit_data = draw(
        st.none()
        | st.fixed_dictionaries(
            {
                "date": dates,
                "sequence": st.sampled_from(["OOFF", "FRST", "RCUR", "FNAL"]),
                "mandate_date": dates,
                "mandate_ref": st.text(SEPA, min_size=1, max_size=35),
                "label": st.none() | st.text(SEPA, min_size=1, max_size=140),
                "periodicity": st.sampled_from(["02", "07"]),
                "former_mandate_ref": st.none() | st.text(SEPA, min_size=1, max_size=35),
                "former_iban": st.none() | st.sampled_from(IBANS),
                "different_holder": st.none() | st.booleans(),
            }
        )
    )
    debit_data = debit_data and {k: (v.strip() or "X") if isinstance(v, str) and k != "former_iban" else v
                                 for k, v in debit_data.items()}
    lines = []
    for n in range(1, draw(st.integers(1, 3)) + 1):
        amount = draw(amounts())
        lines.append(
            Line(
                number=n,
                product_code=draw(codes(r"[0-9A-Za-z]{1,4}")),
                amount=amount,
                object=draw(optional() | words(160)),
                nature=draw(st.sampled_from(["588", "7067"])),
                debit=None if debit_data is None else Debit(amount=amount, **debit_data),
            )
        )
    return Piece(
        number=number,
        debt_number=debt,
        period=period,
        cle1=keys.ormc_cle1(BASIS, year, period, debt),
        cle2=keys.ormc_cle2(year, period, debt),
        debtor=draw(debtors()),
        lines=tuple(lines),
        object=draw(optional() | words(160)),
        invoice_number=draw(optional() | codes(r"[A-Z0-9][A-Z0-9\-/_+]{0,19}")),
        edition=draw(st.sampled_from([None, "03", "06"])),
    )


@st.composite
def rolls(draw: st.DrawFn) -> Roll:
    year = draw(st.integers(2015, 2099))
    day = draw(dates)
    numbers = draw(st.lists(st.integers(1, 10**8 - 1), min_size=1, max_size=4, unique=True))
    return Roll(
        header=Header(
            file_name=draw(words(100)),
            sender=draw(words(32)),
            application=draw(words(38)),
            date=day,
            post_id=draw(codes(r"02[AB][0-9]{3,4}|[0-9]{6,7}")),
            siret="21610001600015",
            collectivity_code=draw(codes(r"[0-9]{3}")),
            budget_code=draw(st.from_regex(r"[0-9A-Z][0-9]", fullmatch=True)),
            post_label=draw(optional() | words(38)),
            collectivity_label=draw(optional() | words(38)),
        ),
        bordereau=Bordereau(
            fiscal_year=year,
            number=draw(st.integers(1, 10**7 - 1)),
            date=day,
            object=draw(optional() | words(160)),
            collection_date=draw(st.none() | st.dates(day, date(2099, 12, 31))),
        ),
        pieces=tuple(draw(pieces(n, year)) for n in numbers),
    )


def _padded(size: int) -> st.SearchStrategy[str]:
    return st.text(LATIN, max_size=size).map(str.rstrip)


@st.composite
def articles(draw: st.DrawFn) -> RolmreArticle:
    debit = draw(st.booleans())
    return RolmreArticle(
        collectivity_code=draw(st.from_regex(r"[0-9]{2}", fullmatch=True)),
        nature_code=draw(st.from_regex(r"[0-9]{2}", fullmatch=True)),
        fiscal_year=draw(st.integers(1000, 9999)),
        period=draw(st.integers(0, 9)),
        debt_number=draw(st.integers(1, 10**13 - 1)),
        revenue_code=draw(st.from_regex(r"[A-Z]{2}", fullmatch=True).filter(lambda s: s != "FF")),
        issue_date=draw(dates),
        roll_number=draw(st.integers(1, 99)),
        amount=draw(amounts()),
        name=draw(_padded(32)),
        movement=draw(st.sampled_from("1234")),
        sanitation=draw(st.just(Decimal("0.00")) | amounts()),
        water_vat=draw(st.just(Decimal("0.00")) | amounts()),
        sanitation_vat=draw(st.just(Decimal("0.00")) | amounts()),
        non_increasable=draw(st.just(Decimal("0.00")) | amounts()),
        name_continued=draw(_padded(32)),
        street=draw(_padded(32)),
        postcode=draw(postcodes),
        town=draw(_padded(27)),
        object1=draw(_padded(32)),
        direct_debit=debit,
        account=RibAccount("30006", "00001", "12345678901", "89", draw(_padded(24).filter(bool)))
        if debit or draw(st.booleans())
        else None,
        client_number=draw(_padded(20)),
        debt_prefix=draw(st.sampled_from(["00", "12", "AB"])),
        revenue_type=draw(st.sampled_from(["0", "1", "2", ""])),
    )
