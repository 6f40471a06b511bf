from __future__ import annotations

import re
from datetime import date
from typing import Any

from wtforms import DateField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from webapp.forms import Form, FrenchDecimalField, plausible_date
from webapp.plans.models import PlanFrequency
from webapp.plans.services import MAX_INSTALMENTS

_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


class DatesField(TextAreaField):
    """Dates as an agent types them, « 15/01/2027 » separated by spaces, commas or lines: a list of dates."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return ", ".join(f"{day:%d/%m/%Y}" for day in self.data or ())

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = []
        for word in re.split(r"[\s,;]+", (valuelist[0] if valuelist else "").strip()):
            if not word:
                continue
            match = _DAY.fullmatch(word)
            try:
                if match is None:
                    raise ValueError
                day = date(int(match[3]), int(match[2]), int(match[1]))
            except ValueError:
                self.data = []
                raise ValueError(f"« {word[:20]} » n'est pas une date : écrivez-la comme 15/01/2027 "
                                 f"({self.label.text}).") from None
            try:
                self.data.append(plausible_date(day, self.label.text))
            except ValueError:
                self.data = []
                raise


class PlanForm(Form):
    """The invoices are the page's checkboxes (`invoice_ids`), read by the view: their refusals name each one."""

    frequency = RadioField("Périodicité", choices=PlanFrequency.choices(), default=PlanFrequency.MONTHLY.value)
    first_due_on = DateField("Première échéance", [Optional()], description="Échéances mensuelles : le même jour "
                             "chaque mois.")
    dates = DatesField("Dates choisies", [Optional(), Length(max=1000)],
                       description="Pour des dates choisies : une date par échéance, par exemple 15/01/2027, "
                                   "15/03/2027.")
    count = IntegerField("Nombre d'échéances", [Optional(), NumberRange(1, MAX_INSTALMENTS)])
    amount = FrenchDecimalField("Ou montant par échéance", [Optional()], places=2, default=None,
                                description="La dernière échéance prend le reste.")


class CancelForm(Form):
    reason = StringField("Motif de l'annulation", [InputRequired("Indiquez le motif."), Length(max=2000)])


class ActionForm(Form):
    """A button: its CSRF token only."""
