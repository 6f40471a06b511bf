from wtforms import BooleanField, DateField, IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.forms import Form, FrenchDecimalField


def _checkboxes(label: str, description: str = "") -> SelectMultipleField:
    return SelectMultipleField(label, coerce=int, option_widget=CheckboxInput(),
                               widget=ListWidget(prefix_label=False), description=description)


class PeriodForm(Form):
    label = StringField("Libellé", [InputRequired(), Length(max=120)], description="Par exemple « Mars 2026 ».")
    start_date = DateField("Du", [InputRequired()])
    end_date = DateField("Au", [InputRequired()])
    invoice_date = DateField("Date des factures", [InputRequired()])
    due_date = DateField("Échéance", [InputRequired()])
    debit_date = DateField("Date de prélèvement", [Optional()])
    regularisation_from = DateField("Régulariser depuis le", [Optional()],
                                    description="Les pointages non facturés ou modifiés depuis cette date entrent aussi dans le lot.")
    fiscal_year = IntegerField("Exercice", [Optional(), NumberRange(min=2000, max=2100)],
                               description="Vide : l'année de fin de période (décembre facturé en janvier reste sur décembre).")
    regies = _checkboxes("Régies")
    activities = _checkboxes("Activités", "Aucune case cochée : toutes les activités des régies choisies.")

    def set_choices(self, regies: list, activities: list) -> None:
        if self.regies is not None:
            self.regies.choices = [SelectChoice(r.id, r.name) for r in regies]
        self.activities.choices = [SelectChoice(a.id, f"{a.name} ({a.regie.name})") for a in activities]


class PeriodEditForm(PeriodForm):
    """The period's own fields; its régies stay those of its lots."""

    regies = None


class ReasonForm(Form):
    reason = TextAreaField("Motif", [InputRequired(), Length(max=500)],
                           description="Par exemple « repas du 12 compté à tort » : il figure sur l'avoir.")
    keep_credit = BooleanField("Garder le règlement en avoir sur le compte de la famille")


class ThresholdForm(Form):
    threshold = FrenchDecimalField("Seuil", [Optional()], places=2, max_digits=12,
                                   description="Les factures d'un montant inférieur sortent du lot (vide : aucun seuil).")


class ManualLineForm(Form):
    family_id = SelectField("Famille", coerce=int)
    activity_id = SelectField("Activité", coerce=int)
    label = StringField("Libellé", [InputRequired(), Length(max=200)])
    quantity = FrenchDecimalField("Quantité", [InputRequired()], places=2, max_digits=8)
    unit_price = FrenchDecimalField("Prix unitaire", [InputRequired()], places=2, max_digits=10,
                                    description="Négatif pour une correction en faveur de la famille.")

    def set_choices(self, families: list, activities: list) -> None:
        self.family_id.choices = [SelectChoice(f.id, f"{f.label} ({f.number})") for f in families]
        self.activity_id.choices = [SelectChoice(a.id, a.name) for a in activities]
