"""Hypothesis strategies for valid records: what ``write`` accepts, ``read`` must give back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from regie_indigo_titre.records import Address, Bordereau, Debtor, Header, Line, Title, TitlesFile

# Latin-1 letters, digits and punctuation; no control characters (refused by the rules).
_ALPHABET = st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_categories=("Cc",))


def text(max_size: int) -> st.SearchStrategy[str]:
    """A PES text: not blank, not only zeros, not « . » or « nc », no leading/trailing space."""
    return (
        st.text(_ALPHABET, min_size=1, max_size=max_size)
        .map(str.strip)
        .filter(lambda s: s and s not in {".", "nc"} and set(s) != {"0"})
    )


def _not_zeros(value: str) -> bool:
    """The schema refuses codes made only of zeros."""
    return set(value) != {"0"}


def digits(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=min_size, max_size=max_size).filter(_not_zeros)


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))

addresses = st.one_of(
    st.builds(
        Address,
        street=text(38),
        postcode=st.text("0123456789", min_size=5, max_size=5),
        town=text(38),
        extra=st.none() | text(38),
        locality=st.none() | text(38),
        country_code=st.sampled_from([None, "100"]),
    ),
    st.builds(
        Address,
        street=text(38),
        postcode=st.just("99999"),
        town=text(38),
        resident=st.just(False),
        country_code=st.sampled_from(["109", "127", "139", "351"]),
    ),
)

people = st.builds(
    Debtor,
    last_name=text(38),
    address=addresses,
    first_name=text(38),
    civility=st.sampled_from(["M", "MME", "M."]),
    name_complement=st.none() | text(38),
    reference=st.none() | text(30),
)
organisations = st.builds(
    Debtor,
    last_name=text(38),
    address=addresses,
    first_name=st.none(),
    civility=st.none(),
    category=st.sampled_from(["20", "23", "50", "60"]),
    legal_nature=st.sampled_from(["03", "06", "09", "11"]),
)

lines = st.builds(
    Line,
    product_code=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=4).filter(_not_zeros),
    nature=digits(1, 12),
    amount=amounts,
    object=st.none() | text(160),
)


@st.composite
def titles_files(draw: st.DrawFn, max_titles: int = 4) -> TitlesFile:
    numbers = draw(st.lists(st.integers(1, 99_999_999), min_size=1, max_size=max_titles, unique=True))
    titles = tuple(
        Title(
            number=number,
            object=draw(text(160)),
            debtor=draw(people | organisations),
            lines=tuple(draw(st.lists(lines, min_size=1, max_size=3))),
            invoice_number=draw(
                st.none() | st.from_regex(r"[A-Z0-9][A-Z0-9/_+-]{0,19}", fullmatch=True).filter(_not_zeros)
            ),
        )
        for number in numbers
    )
    header = Header(
        file_name=draw(text(100)),
        created=draw(dates),
        accounting_office=draw(st.from_regex(r"[1-9][0-9]{5,6}", fullmatch=True)),
        siret="21610001600015",
        collectivity_code=draw(st.from_regex(r"[0-9]{2}[1-9]", fullmatch=True)),
        budget_code=draw(st.from_regex(r"[0-9A-Z][0-9]", fullmatch=True)),
    )
    bordereau = Bordereau(
        fiscal_year=draw(st.integers(2000, 2099)),
        number=draw(st.integers(1, 9_999_999)),
        issued=draw(dates),
        titles=titles,
    )
    return TitlesFile(header=header, bordereau=bordereau)
