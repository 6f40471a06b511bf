from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from webapp.debits.rejects import reason_choices
from webapp.formatting import today
from webapp.forms import Form


class AccountForm(Form):
    holder = StringField("Titulaire du compte", [InputRequired("Indiquez le titulaire."), Length(max=70)],
                         description="Peut être une autre personne que le payeur.")
    iban = StringField("IBAN", [InputRequired("Saisissez l'IBAN."), Length(max=42)])
    bic = StringField("BIC", [Optional(), Length(max=11)], description="Déduit de l'IBAN quand la banque est connue.")
    street = StringField("Adresse", [Optional(), Length(max=70)])
    postcode = StringField("Code postal", [Optional(), Length(max=16)])
    town = StringField("Commune", [Optional(), Length(max=35)])
    country = StringField("Pays", [Optional(), Length(max=2)], default="FR")


class MandateForm(AccountForm):
    signed_on = DateField("Signé le", [InputRequired("Saisissez la date de signature.")], default=today)
    signed_at = StringField("Signé à", [Optional(), Length(max=80)])
    migrated = BooleanField("Mandat repris d'un autre logiciel (il garde sa RUM)")
    reference = StringField("RUM d'origine", [Optional(), Length(max=35)])


class CorrectForm(AccountForm):
    signed_on = DateField("Signé le", [InputRequired("Saisissez la date de signature.")])
    signed_at = StringField("Signé à", [Optional(), Length(max=80)])


class RevokeForm(Form):
    reason = TextAreaField("Raison", [InputRequired("Indiquez la raison."), Length(max=2000)])


class PrepareForm(Form):
    first_date = DateField("Date des premiers prélèvements (FIRST)", [Optional()], description="Vide : la date proposée.")
    recurrent_date = DateField("Date des prélèvements récurrents (RCUR)", [Optional()], description="Vide : la date proposée.")
    reason = StringField("Motif (libellé sur le relevé de la famille)", [Optional(), Length(max=100)])


class ActionForm(Form):
    """A button: the CSRF token (and, for money, the one-time token) only."""


class RollbackForm(Form):
    reason = TextAreaField("Raison", [InputRequired("Indiquez la raison."), Length(max=2000)],
                           description="Fichier rejeté par la banque, jamais transmis…")


class ReportForm(Form):
    file = FileField("Compte rendu de la banque (pain.002)", [FileRequired("Choisissez le fichier.")])


class RejectForm(Form):
    code = SelectField("Motif du rejet", choices=reason_choices)
