from wtforms import BooleanField, SelectChoice, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.auth.models import ROLE_LABELS
from webapp.forms import Form

ROLES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class LoginForm(Form):
    # Only looked up: an address the user form or the command line accepted must always be able to log in.
    email = EmailField("E-mail", [InputRequired(), Length(max=254)])
    password = PasswordField("Mot de passe", [InputRequired()])
    remember = BooleanField("Rester connecté sur ce poste")


class MemberForm(Form):
    full_name = StringField("Nom complet", [InputRequired(), Length(max=120)])
    email = EmailField("E-mail", [InputRequired(), Email(message="Adresse e-mail invalide."), Length(max=254)])
    role = SelectField("Rôle", choices=ROLES)
    regies = SelectMultipleField(
        "Régies accessibles", coerce=int, option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
        description="Aucune case cochée : toutes les régies de la collectivité.",
    )
    active = BooleanField("Compte actif", default=True)
    password = PasswordField(
        "Mot de passe", [Optional(), Length(min=10, message="Au moins 10 caractères.")],
        description="Laissez vide pour ne pas le changer.",
    )
