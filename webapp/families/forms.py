from wtforms import BooleanField, SelectChoice, DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from webapp.families.models import Civility
from webapp.forms import Form, FrenchDecimalField

# No civility is assumed: the agent picks one.
CIVILITIES = [SelectChoice("", "—"), *(SelectChoice(c.value) for c in Civility)]


class GuardianForm(Form):
    civility = SelectField("Civilité", [InputRequired(message="Choisissez la civilité.")], choices=CIVILITIES)
    last_name = StringField("Nom", [InputRequired(), Length(max=80)])
    first_name = StringField("Prénom", [InputRequired(), Length(max=80)])
    address_line1 = StringField("Adresse", [Optional(), Length(max=120)])
    address_line2 = StringField("Complément d'adresse", [Optional(), Length(max=120)])
    postcode = StringField("Code postal", [Optional(), Length(max=10)])
    city = StringField("Commune", [Optional(), Length(max=80)])
    country = SelectField("Pays", choices=[SelectChoice("FR", "France"), SelectChoice("BE", "Belgique")], default="FR")
    email = EmailField("E-mail", [Optional(), Email(message="Adresse e-mail invalide."), Length(max=254)])
    phone = StringField("Téléphone", [Optional(), Length(max=30)],
                        description="Un numéro d'un autre pays commence par son indicatif (+32…).")
    is_payer = BooleanField("Payeur de la famille")


class FamilyForm(Form):
    number = StringField(
        "Numéro de famille", [Optional(), Length(max=20)],
        description="Laissez vide pour prendre le numéro suivant.",
    )
    direct_debit = BooleanField("Paie par prélèvement")
    quotient = FrenchDecimalField(
        "Quotient familial", [Optional(), NumberRange(min=0, message="Le quotient ne peut pas être négatif.")],
        places=2,
    )
    quotient_valid_from = DateField("Valable du", [Optional()])
    quotient_valid_to = DateField("au", [Optional()])
    tariff_category = SelectField("Catégorie tarifaire", [Optional()], choices=[],
                                  description="Les catégories sont celles des tarifs des activités.")
    note = TextAreaField("Note", [Optional(), Length(max=4000)])

    def set_categories(self, categories: list[str], current: str = "") -> None:
        """The tariffs' categories; a family's category from before the list keeps its place until changed."""
        choices = [SelectChoice("", "Standard"), *(SelectChoice(c) for c in categories)]
        if current and current not in categories:
            choices.append(SelectChoice(current, f"{current} (aucun tarif ne la prévoit)"))
        self.tariff_category.choices = choices


class NewFamilyForm(FamilyForm, GuardianForm):
    """A family is created with its payer, so it is never without one."""

    is_payer = None

    def payer_data(self) -> dict:
        return {name: self._fields[name].data for name in GuardianForm.__dict__ if name in self._fields}


class ChildForm(Form):
    last_name = StringField("Nom", [InputRequired(), Length(max=80)])
    first_name = StringField("Prénom", [InputRequired(), Length(max=80)])
    birth_date = DateField("Date de naissance", [Optional()])
    school = StringField("École", [Optional(), Length(max=120)])
    school_class = StringField("Classe", [Optional(), Length(max=40)])
    canteen_id = StringField("Identifiant cantine (self)", [Optional(), Length(max=10)],
                             description="Tel qu'il figure dans le fichier du self de l'école.")


class SearchForm(Form):
    class Meta:
        csrf = False

    q = StringField("Rechercher", [Length(max=200)])
    archived = BooleanField("Familles archivées")
