from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from webapp.forms import Form, FrenchDecimalField
from webapp.tariffs.models import DiscountBasis, PricingMode, Unit


class ActivityForm(Form):
    regie_id = SelectField("Régie", coerce=int)
    name = StringField("Nom", [InputRequired(), Length(max=120)])
    place = StringField("Lieu", [Optional(), Length(max=120)],
                        description="Où l'activité a lieu (une école, un centre) : la facture le dit.")
    unit = SelectField("Unité", choices=Unit.choices())
    accounting_code = StringField("Code comptable", [InputRequired(), Length(max=20)],
                                  description="Imputation des lignes de facture, par exemple 7067.")
    monthly_fee = FrenchDecimalField("Forfait mensuel (€)", [Optional()], places=2,
                                     description="Facturé une fois par mois à chaque enfant venu ; vide si aucun.")
    bill_unjustified_absence = BooleanField("Facturer les absences non justifiées", default=True)
    active = BooleanField("Active", default=True)


class TariffForm(Form):
    label = StringField("Libellé", [InputRequired(), Length(max=120)],
                        description="Imprimé sur la facture, par exemple « Repas QF 0 à 500 ».")
    valid_from = DateField("Valable du", [InputRequired()])
    valid_to = DateField("au", [Optional()])
    qf_min = FrenchDecimalField("QF à partir de", [Optional()], places=2)
    qf_max = FrenchDecimalField("QF inférieur à", [Optional()], places=2)
    category = StringField("Catégorie tarifaire", [Optional(), Length(max=40)],
                           description="Vide : les familles sans catégorie (tarif standard).")
    rank_from = IntegerField("Rang de l'enfant, du", [Optional(), NumberRange(min=1)])
    rank_to = IntegerField("au", [Optional(), NumberRange(min=1)])
    mode = SelectField("Calcul", choices=PricingMode.choices())
    price = FrenchDecimalField("Prix unitaire ou du créneau (€)", [Optional()], places=2)
    slot_minutes = IntegerField("Durée du créneau (min)", [Optional(), NumberRange(min=1)])
    daily_cap = FrenchDecimalField("Plafond par jour (€)", [Optional()], places=2)
    effort_rate = FrenchDecimalField("Taux d'effort", [Optional()], places=5, max_digits=8,
                                     description="Prix = QF × taux, borné par le plancher et le plafond.")
    price_floor = FrenchDecimalField("Prix plancher (€)", [Optional()], places=2)
    price_ceiling = FrenchDecimalField("Prix plafond (€)", [Optional()], places=2)


class RenewTariffForm(Form):
    starts_on = DateField("Nouveau prix à partir du", [InputRequired()])
    price = FrenchDecimalField("Nouveau prix (€)", [Optional()], places=2)
    effort_rate = FrenchDecimalField("Nouveau taux d'effort", [Optional()], places=5, max_digits=8)
    price_floor = FrenchDecimalField("Nouveau plancher (€)", [Optional()], places=2)
    price_ceiling = FrenchDecimalField("Nouveau plafond (€)", [Optional()], places=2)


class DiscountForm(Form):
    label = StringField("Libellé", [InputRequired(), Length(max=120)], description="Imprimé sur la facture.")
    basis = SelectField("S'applique selon", choices=DiscountBasis.choices())
    threshold = IntegerField("À partir de (rang ou nombre d'enfants)", [InputRequired(), NumberRange(min=1)])
    percent = FrenchDecimalField("Pourcentage", [Optional()], places=2, max_digits=5)
    amount_per_unit = FrenchDecimalField("ou montant par unité (€)", [Optional()], places=2)
    valid_from = DateField("Valable du", [InputRequired()])
    valid_to = DateField("au", [Optional()])


class FamilyFeeForm(Form):
    regie_id = SelectField("Régie", coerce=int)
    label = StringField("Libellé", [InputRequired(), Length(max=120)], description="Par exemple « Adhésion annuelle ».")
    amount = FrenchDecimalField("Montant (€)", [InputRequired()], places=2)
    accounting_code = StringField("Code comptable", [InputRequired(), Length(max=20)])
    once_per_year = BooleanField("Une fois par exercice (adhésion annuelle)",
                                 description="Sinon : à chaque lot où la famille a une consommation.")
    valid_from = DateField("Valable du", [InputRequired()])
    valid_to = DateField("au", [Optional()])


class ChildDiscountForm(Form):
    activity_id = SelectField("Activité", coerce=int, description="« Toutes » : toutes les activités.")
    percent = FrenchDecimalField("Pourcentage de réduction", [InputRequired()], places=2, max_digits=5)
    reason = StringField("Raison", [InputRequired(), Length(max=200)], description="Décision, protocole… imprimée sur la facture.")
    valid_from = DateField("Valable du", [InputRequired()])
    valid_to = DateField("au", [Optional()])
