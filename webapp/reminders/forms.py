from __future__ import annotations

from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from webapp.formatting import today
from webapp.forms import Form, FrenchDecimalField
from webapp.reminders.levels import DEFAULT_EMAIL_TEXT
from webapp.reminders.models import RunMode


class LevelForm(Form):
    # The service checks the activity is the régie's: an absent field is the régie's own levels.
    activity_id = SelectField("Activité", coerce=int, choices=[], default=0, validate_choice=False,
                              description="Une activité peut avoir ses propres niveaux : ils relancent les factures "
                                          "de cette seule activité.")
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
    mode = SelectField("Mode", choices=RunMode.choices(), default=RunMode.BALANCE.value,
                       description="Par solde : une relance par famille ; par enfant : ses factures regroupées par "
                                   "enfant ; par facture : une relance par facture.")
    reference_date = DateField("Date arrêtée", [InputRequired("Saisissez la date arrêtée.")],
                               description="Les factures échues à cette date, délais des niveaux compris.")
    reminder_date = DateField("Date des relances", [Optional()], default=today,
                              description="La date des courriers ; le délai de paiement court à partir d'elle.")
    issued_from = DateField("Factures émises à partir du", [Optional()])
    issued_to = DateField("Factures émises jusqu'au", [Optional()], description="Vide : toutes les factures.")
    threshold = FrenchDecimalField("Seuil", [Optional()], places=2, default=None,
                                   description="Une famille devant moins n'est pas relancée (vide : 0,00 €).")


class DisputeForm(Form):
    reason = StringField("Raison de la contestation", [InputRequired("Indiquez le motif."), Length(max=2000)])


class BailiffForm(Form):
    reason = StringField("Motif", [InputRequired("Indiquez le motif."), Length(max=2000)])


class ActionForm(Form):
    """A button that changes a run or a dispute: its CSRF token only."""
