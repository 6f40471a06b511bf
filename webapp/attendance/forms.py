"""The forms of an activity's calendar and enrolments."""

from __future__ import annotations

from wtforms import SelectChoice, DateField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.attendance.calendar import WEEKDAYS
from webapp.forms import Form


class ScheduleForm(Form):
    weekdays = SelectMultipleField(
        "Jours d'ouverture", choices=[SelectChoice(str(n), name) for n, name in enumerate(WEEKDAYS, 1)],
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    max_age = IntegerField("Âge maximum (ans)", [Optional(), NumberRange(min=1, max=25)],
                           description="Vide : pas de limite. Vérifié à l'inscription et au pointage.")


class ClosureForm(Form):
    first_day = DateField("Du", [InputRequired()])
    last_day = DateField("Au", [InputRequired()])
    reason = StringField("Motif", [InputRequired(), Length(max=200)],
                         description="Par exemple « Vacances de Noël » ; affiché sur la grille de pointage.")


class EnrolmentForm(Form):
    activity_id = SelectField("Activité", coerce=int)
    first_day = DateField("Du", [InputRequired()])
    last_day = DateField("Au", [Optional()], description="Vide : jusqu'à nouvel ordre.")


class ClassEnrolmentForm(Form):
    first_day = DateField("Du", [InputRequired()])
    last_day = DateField("Au", [Optional()], description="Vide : jusqu'à nouvel ordre.")
