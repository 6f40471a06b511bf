"""The bank pages' forms: upload, confirm a previewed file, correct or set aside a rejected movement."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length

from webapp.forms import Form
from webapp.organisations.models import Regie


class RegieForm(Form):
    regie_id = SelectField("Régie (compte bancaire)", coerce=int)

    def set_regies(self, regies: list[Regie]) -> None:
        self.regie_id.choices = [SelectChoice(r.id, f"{r.name} · {r.iban}") for r in regies]


class UploadForm(RegieForm):
    file = FileField("Relevé bancaire (CODA, OFX ou QFX)", [FileRequired("Choisissez le fichier.")])


class ConfirmForm(RegieForm):
    content_hash = HiddenField(validators=[Length(max=64)])  # a SHA-256 in hexadecimal
    filename = HiddenField(validators=[Length(max=200)])


class CorrectForm(Form):
    keep_credit = BooleanField("Garder le trop-perçu en avoir sur le compte de la famille")


class DismissForm(Form):
    reason = StringField("Raison", [InputRequired("Indiquez pourquoi ce mouvement n'est pas pour la régie."),
                                    Length(max=500)])
