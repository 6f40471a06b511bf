from __future__ import annotations

from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from webapp.forms import Form, FrenchDecimalField
from webapp.reminders.levels import DEFAULT_EMAIL_TEXT


class LevelForm(Form):
    rank = IntegerField("Niveau", [InputRequired("Saisissez le numéro du niveau."), NumberRange(1, 9)])
    delay_days = IntegerField("Délai (jours)", [InputRequired("Saisissez le délai."), NumberRange(0, 365)],
                              description="Après l'échéance, ou après la relance précédente si coché.")
    after_previous = BooleanField("Compté après la relance précédente", default=True)
    minimum_amount = FrenchDecimalField("Montant minimum dû", [Optional()], places=2, default=None)
    fee = FrenchDecimalField("Frais", [Optional()], places=2, default=None,
                             description="Belgique : le premier rappel est gratuit, les plafonds légaux s'appliquent.")
    letter_text = TextAreaField("Texte du courrier", [Optional(), Length(max=4000)])
    email_text = TextAreaField("Texte de l'e-mail", [Optional(), Length(max=4000)],
                               render_kw={"placeholder": DEFAULT_EMAIL_TEXT},
                               description="Le courrier est joint à l'e-mail. Vide : le texte affiché en grisé.")
    last = BooleanField("Dernier niveau (avant la mise en titre ou la contrainte)")


class RunForm(Form):
    reference_date = DateField("Date arrêtée", [InputRequired("Saisissez la date arrêtée.")],
                               description="Les factures échues à cette date, délais des niveaux compris.")
    threshold = FrenchDecimalField("Seuil", [Optional()], places=2, default=None,
                                   description="Une famille devant moins n'est pas relancée (vide : 0,00 €).")


class DisputeForm(Form):
    reason = StringField("Raison de la contestation", [InputRequired("Indiquez le motif."), Length(max=2000)])


class ActionForm(Form):
    """A button that changes a run or a dispute: its CSRF token only."""
