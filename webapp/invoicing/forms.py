from wtforms import DateField, IntegerField, SelectChoice, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.forms import Form


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
        self.regies.choices = [SelectChoice(r.id, r.name) for r in regies]
        self.activities.choices = [SelectChoice(a.id, f"{a.name} ({a.regie.name})") for a in activities]
