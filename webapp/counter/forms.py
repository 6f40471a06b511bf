from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from webapp.counter.school_years import school_year_label, school_year_of
from webapp.counter.models import SLIP_MODES, PaymentMode, WriteOffKind
from webapp.formatting import today
from webapp.forms import Form, FrenchDecimalField
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
    mode = SelectField("Mode de règlement", choices=PaymentMode.choices(), default=PaymentMode.CASH.value)
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
    shown = HiddenField()

    def set_banks(self, country: Country) -> None:
        self.bank.choices = [SelectChoice("", "—"), *(SelectChoice(b, b) for b in BANKS[country]),
                             SelectChoice(OTHER_BANK, "Autre (préciser)")]

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        other = (data.pop("other_bank") or "").strip()
        if data["bank"] == OTHER_BANK:
            data["bank"] = other
        return data


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
