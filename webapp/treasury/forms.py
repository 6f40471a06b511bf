from __future__ import annotations

from wtforms import BooleanField, DateField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from webapp.forms import Form, FrenchDecimalField


class RunForm(Form):
    reference_date = DateField("Date de référence", [InputRequired("Saisissez la date de référence.")],
                               description="Dernier jour du mois facturé : les périodes finies à cette date.")
    fiscal_year = IntegerField("Exercice des titres", [Optional(), NumberRange(2000, 2100)],
                               description="Vide : l'année de la date de référence.")
    bordereau_number = IntegerField("N° de bordereau", [InputRequired("Saisissez le numéro réservé."),
                                                        NumberRange(1, 9_999_999)],
                                    description="Réservé par le service comptable.")
    first_title_number = IntegerField("Premier n° de titre", [InputRequired("Saisissez le numéro réservé."),
                                                              NumberRange(1, 99_999_999)])
    minimum_amount = FrenchDecimalField("Montant minimum", [Optional()], places=2, default=None,
                                        description="Seuil réglementaire : 15,00 € si vide. Une famille en dessous "
                                                    "reste à la régie.")
    after_last_reminder = BooleanField("Seulement après le dernier niveau de relance",
                                       description="Les factures relancées au dernier niveau dont le délai de "
                                                   "paiement est passé.")
    object = StringField("Objet de la recette", [Optional(), Length(max=160)],
                         description="Imprimé sur le titre ; vide : « Régie <nom> – impayés au <date> ».")


class SettleForm(Form):
    count = IntegerField("Nombre de titres", [InputRequired("Recopiez le nombre de titres."), NumberRange(0, 10**6)])
    total = FrenchDecimalField("Montant total", [InputRequired("Recopiez le total.")], places=2)


class ActionForm(Form):
    """A button that changes a run: its CSRF token only."""
