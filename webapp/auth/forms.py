from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.auth.models import Role
from webapp.auth.passwords import MAX_LENGTH
from webapp.forms import Form



def _email(label: str = "E-mail") -> EmailField:
    return EmailField(label, [InputRequired("Saisissez l'adresse e-mail."), Email(message="Adresse e-mail invalide."),
                              Length(max=254)])


def _password(label: str) -> PasswordField:
    return PasswordField(label, [InputRequired("Saisissez le mot de passe."), Length(max=MAX_LENGTH)])


class LoginForm(Form):
    # Only looked up: an address the command line accepted must always be able to log in.
    email = EmailField("E-mail", [InputRequired(), Length(max=254)])
    password = _password("Mot de passe")
    remember = BooleanField("Rester connecté sur ce poste")


def _confirm() -> PasswordField:
    return PasswordField("Confirmation", [EqualTo("password", "Les deux saisies diffèrent."), Length(max=MAX_LENGTH)],
                         description="Au moins 10 caractères ; une phrase de plusieurs mots est plus sûre.")


class NewPasswordForm(Form):
    password = _password("Nouveau mot de passe")
    confirm = _confirm()


class ChangePasswordForm(Form):
    current_password = _password("Mot de passe actuel")
    password = _password("Nouveau mot de passe")
    confirm = _confirm()


class ForgotPasswordForm(Form):
    email = _email()


class NewAccountForm(Form):
    """Taking an invitation without an account: the invitee names themself and chooses the password."""

    full_name = StringField("Nom complet", [InputRequired("Saisissez votre nom."), Length(max=120)])
    password = _password("Mot de passe")
    confirm = _confirm()


class ExistingAccountForm(Form):
    password = _password("Mot de passe de votre compte")


def _regies() -> SelectMultipleField:
    return SelectMultipleField(
        "Régies accessibles", coerce=int, option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
        description="Aucune case cochée : toutes les régies de la collectivité.")


class InviteForm(Form):
    full_name = StringField("Nom", [Optional(), Length(max=120)], description="Pour l'e-mail d'invitation.")
    email = _email()
    role = SelectField("Rôle", choices=Role.choices())
    regies = _regies()


class MemberForm(Form):
    role = SelectField("Rôle", choices=Role.choices())
    regies = _regies()
    active = BooleanField("Accès actif", default=True,
                          description="Décochez pour suspendre l'accès à la collectivité sans le retirer.")
