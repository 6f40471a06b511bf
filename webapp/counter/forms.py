from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from webapp.counter.amounts import ZERO, checked_amount
from webapp.counter.school_years import school_year_label, school_year_of
from webapp.counter.models import COUNTER_MODES, SLIP_MODES, PaymentMode, WriteOffKind
from webapp.counter.settlement import following
from webapp.errors import DomainError
from webapp.formatting import decimal_input, today
from webapp.forms import Form, FrenchDecimalField, french_decimal
from webapp.invoicing.models import Invoice
from webapp.organisations.models import Country

BANKS = {
    Country.FR: ("La Banque Postale", "Banque Populaire", "BNP Paribas", "Caisse d'Épargne", "CIC", "Crédit Agricole",
                 "Crédit Mutuel", "Crédit Coopératif", "HSBC", "LCL", "Société Générale", "Boursorama",
                 "Trésor public"),
    Country.BE: ("Belfius", "BNP Paribas Fortis", "ING", "KBC", "CBC", "Argenta", "Crelan", "AXA Banque",
                 "bpost banque", "Beobank"),
}
OTHER_BANK = "autre"


def _amount(label: str = "Montant", missing: str = "Saisissez un montant.") -> FrenchDecimalField:
    return FrenchDecimalField(label, [InputRequired(missing)], places=2)


def _year(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def school_year_choices() -> list[SelectChoice]:
    """The date's school year unless the agent picks one: a June payment typed in September stays in June's."""
    current = school_year_of(today())
    return [SelectChoice("", "D'après la date"),
            *(SelectChoice(year, school_year_label(year)) for year in (current, current - 1, current - 2))]


class PaymentForm(Form):
    mode = SelectField("Mode de règlement", choices=PaymentMode.choices(COUNTER_MODES), default=PaymentMode.CASH.value)
    amount = _amount()
    received_on = DateField("Date", [InputRequired("Saisissez la date.")], default=today)
    school_year = SelectField("Année scolaire", coerce=_year, choices=school_year_choices)
    bank = SelectField("Banque", [Optional()])
    other_bank = StringField("Autre banque", [Optional(), Length(max=80)])
    holder = StringField("Titulaire du compte", [Optional(), Length(max=120)])
    cheque_number = StringField("N° de chèque", [Optional(), Length(max=20)])
    keep_credit = BooleanField("Garder le trop-perçu en avoir sur le compte de la famille")
    comment = TextAreaField("Commentaire", [Optional(), Length(max=2000)])
    # The account as the form showed it (queries.AccountView.stamp): a payment on figures that moved is refused.
    shown = HiddenField(validators=[Optional(), Length(max=64)])
    # The invoice clicked in the search, or the reference of a reminder typed there: the amount settles it (its
    # invoices) before the others.
    first = IntegerField(widget=HiddenInput(), validators=[Optional()])
    reference = HiddenField(validators=[Optional(), Length(max=60)])

    def set_banks(self, country: Country) -> None:
        self.bank.choices = [SelectChoice("", "—"), *(SelectChoice(b, b) for b in BANKS[country]),
                             SelectChoice(OTHER_BANK, "Autre (préciser)")]

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        other = (data.pop("other_bank") or "").strip()
        if data["bank"] == OTHER_BANK:
            data["bank"] = other
        return data


@dataclass(frozen=True)
class Line:
    """An invoice line of the payment form: what its input shows, and what the form itself put there last."""

    invoice: Invoice
    shown: str
    auto: str


class PaymentLines:
    """The invoice lines of the payment form. They follow the amount typed (`settlement.following`) until the
    agent types on one: each line carries what the form put there (`auto-<id>`), and once a line shows something
    else the split is the agent's, as typed. Lines left all empty follow the amount again."""

    def __init__(self, invoices: list[Invoice], values: Mapping[str, str], amount: Decimal | None,
                 first: Sequence[int]):
        typed = {i.id: (values.get(f"share-{i.id}") or "").strip() for i in invoices}
        auto = {i.id: (values.get(f"auto-{i.id}") or "").strip() for i in invoices}
        self.posted = [Line(i, typed[i.id], auto[i.id]) for i in invoices]
        self.by_hand = any(typed.values()) and typed != auto
        if self.by_hand:
            self.lines = [Line(i, typed[i.id], auto[i.id]) for i in invoices]
        else:
            parts = {invoice.id: share for invoice, share in following(invoices, amount or ZERO, first)}
            self.lines = [Line(i, decimal_input(parts.get(i.id)), decimal_input(parts.get(i.id))) for i in invoices]

    def shares(self) -> dict[int, Decimal] | None:
        """For `services.record_payment`: the split typed by hand, or None when the lines follow the amount."""
        for line in self.posted:  # what the form put on a line is an amount, or nothing
            field = f"share-{line.invoice.id}"
            try:
                if line.auto:
                    checked_amount(french_decimal(line.auto, field), field, zero=True)
            except DomainError:
                raise DomainError("Ce formulaire ne vient pas de cette page : rechargez-la.", field) from None
        if not self.by_hand:
            return None
        typed = {line.invoice.id: french_decimal(line.shown, f"share-{line.invoice.id}") for line in self.lines}
        return {invoice_id: amount for invoice_id, amount in typed.items() if amount is not None}


class RefundForm(Form):
    mode = SelectField("Mode", choices=PaymentMode.choices((PaymentMode.TRANSFER, PaymentMode.CHEQUE, PaymentMode.CASH)))
    amount = _amount()
    received_on = DateField("Date du remboursement", [InputRequired("Saisissez la date.")], default=today)
    school_year = SelectField("Année scolaire", coerce=_year, choices=school_year_choices)
    holder = StringField("Bénéficiaire", [Optional(), Length(max=120)])
    reason = TextAreaField("Raison", [InputRequired("Indiquez la raison du remboursement."), Length(max=2000)])
    comment = TextAreaField("Commentaire", [Optional(), Length(max=2000)])


class CancelForm(Form):
    reason = TextAreaField("Raison de l'annulation", [InputRequired("Indiquez la raison de l'annulation."),
                                                      Length(max=2000)],
                           description="Chèque impayé, erreur de saisie, mauvaise famille…")
    cancelled_on = DateField("Date", [InputRequired("Saisissez la date.")], default=today)


class WriteOffForm(Form):
    kind = SelectField("Type", choices=WriteOffKind.choices())
    amount = _amount()
    written_on = DateField("Date de la décision", [InputRequired("Saisissez la date.")], default=today)
    reason = TextAreaField("Motif", [InputRequired("Indiquez le motif."), Length(max=2000)],
                           description="Délibération, jugement, décision du comptable…")


class ClosingForm(Form):
    counted_cash = _amount("Espèces comptées", "Saisissez le montant compté.")
    comment = TextAreaField("Commentaire", [Optional(), Length(max=2000)],
                            description="Obligatoire s'il y a un écart : il reste visible dans le journal.")


class ReopenForm(Form):
    reason = TextAreaField("Raison de la réouverture", [InputRequired("Indiquez la raison de la réouverture."),
                                                        Length(max=2000)],
                           description="Règlement oublié, erreur de saisie… Elle reste visible dans le journal.")


class SlipForm(Form):
    mode = SelectField("Mode", choices=PaymentMode.choices(SLIP_MODES), default=PaymentMode.CHEQUE.value)


def _closable_years() -> list[SelectChoice]:
    previous = school_year_of(today()) - 1
    return [SelectChoice(year, school_year_label(year)) for year in (previous, previous - 1)]


class CloseYearForm(Form):
    school_year = SelectField("Année scolaire à clôturer", coerce=int, choices=_closable_years)
