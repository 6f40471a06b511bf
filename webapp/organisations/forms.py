from wtforms import BooleanField, EmailField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from webapp.forms import Form
from webapp.organisations.models import Country, OrganisationKind, PayfipMode


class RegieForm(Form):
    name = StringField("Nom", [InputRequired(), Length(max=120)])
    address_line = StringField("Adresse", [Optional(), Length(max=200)])
    postcode = StringField("Code postal", [Optional(), Length(max=10)])
    city = StringField("Commune", [Optional(), Length(max=80)])
    phone = StringField("Téléphone", [Optional(), Length(max=30)])
    iban = StringField("IBAN du compte créancier", [InputRequired(), Length(max=42)])
    bic = StringField("BIC", [InputRequired(), Length(max=11)])
    creditor_id = StringField("Identifiant créancier SEPA (ICS)", [InputRequired(), Length(max=35)])
    company_number = StringField("SIRET", [InputRequired(), Length(max=20)])
    invoice_prefix = StringField(
        "Préfixe des factures", [InputRequired(), Length(max=10)],
        description="Début du numéro des factures de cette régie, par exemple CANT.",
    )
    regisseur = StringField("Régisseur", [Optional(), Length(max=120)],
                            description="Nom imprimé sur les factures (France).")
    payment_terms = TextAreaField("Moyens de paiement acceptés et lieu de paiement", [Optional(), Length(max=1000)],
                                  description="Vide : la formule par défaut du pays.")
    regulation = StringField("Règlement-redevance", [Optional(), Length(max=200)],
                             description="Référence imprimée sur les factures (Belgique). Vide : la formule par défaut.")
    complaints = TextAreaField("Réclamations", [Optional(), Length(max=1000)],
                               description="Comment introduire une réclamation (Belgique). Vide : la formule par défaut.")
    transfer_qr = BooleanField("QR code de virement sur les factures",
                               description="Toujours imprimé en Belgique ; en France, si la régie accepte les virements.")
    payfip_enabled = BooleanField("Paiement en ligne PayFiP")
    payfip_client = StringField("Numéro client PayFiP", [Optional(), Length(max=6)])
    payfip_mode = SelectField("Mode PayFiP", choices=PayfipMode.choices(), default=PayfipMode.TEST.value)
    debit_lead_first = IntegerField("Délai des premiers prélèvements (jours ouvrés TARGET2)", [Optional(), NumberRange(1, 15)],
                                    default=2, description="Vide : 2, comme la plupart des banques.")
    debit_lead_recurrent = IntegerField("Délai des prélèvements récurrents (jours ouvrés TARGET2)",
                                        [Optional(), NumberRange(1, 15)], default=2)
    debit_single_file = BooleanField("Un seul fichier de prélèvements (FIRST et RCUR ensemble)")
    sepa_version = SelectField("Version du pain.008", choices=[SelectChoice("02", "pain.008.001.02"),
                                                                   SelectChoice("08", "pain.008.001.08")],
                               default="02")
    dft_iban = StringField("IBAN du compte DFT (Trésor public)", [Optional(), Length(max=42)],
                           description="Seulement si la régie prélève par son compte de dépôt de fonds au Trésor.")
    # Treasury (mise en titre)
    treasury_office = StringField("Poste comptable (codique)", [Optional(), Length(max=7)],
                                  description="Codique Hélios du centre des finances publiques, 6 ou 7 chiffres.")
    treasury_collectivity = StringField("Code collectivité", [Optional(), Length(max=3)])
    treasury_budget = StringField("Code budget", [Optional(), Length(max=2)])
    treasury_product = StringField("Code produit local", [Optional(), Length(max=4)],
                                   description="Le CodProdLoc connu d'Hélios pour ces recettes.")
    titles_after_days = IntegerField("Mise en titre après (jours)", [Optional(), NumberRange(0, 3650)], default=60,
                                     description="Jours après l'échéance avant qu'une facture impayée puisse partir au Trésor.")
    debtor_category = StringField("Catégorie du débiteur (CatTiers)", [Optional(), Length(max=2)], default="01",
                                  description="01 : personne physique.")
    debtor_legal_nature = StringField("Nature juridique (NatJur)", [Optional(), Length(max=2)], default="01",
                                      description="01 : particulier.")
    title_signatory = StringField("Ordonnateur (nom, prénom, qualité)", [Optional(), Length(max=120)],
                                  description="Imprimé sur les titres (CGCT, art. L1617-5).")
    title_mentions = TextAreaField("Mentions des titres", [Optional(), Length(max=2000)],
                                   description="Voies et délais de recours ; vide : le texte réglementaire par défaut.")
    # validate_choice off: a régie form without this field (Belgium) sends nothing; the service says what it takes.
    roll_format = SelectField("Rôle d'un lot numéroté", choices=[
        SelectChoice("", "Aucun"), SelectChoice("pes", "ORMC (PES V2)"), SelectChoice("rolmre", "ROLMRE (ancien format)"),
    ], validate_choice=False, description="Si le Trésor recouvre tout le lot.")
    roll_collectivity = StringField("Code collectivité du rôle", [Optional(), Length(max=2)],
                                    description="2 chiffres (ROLCOL, clé 1 de l'ORMC), convenus avec la trésorerie.")
    roll_nature = StringField("Code nature du rôle", [Optional(), Length(max=2)])
    roll_revenue = StringField("Code recette (ROLMRE)", [Optional(), Length(max=2)])


class OrganisationForm(Form):
    name = StringField("Nom", [InputRequired(), Length(max=120)])
    kind = SelectField("Type", choices=OrganisationKind.choices())
    country = SelectField("Pays", choices=Country.choices())
    active = BooleanField("Active", default=True)


class NewOrganisationForm(OrganisationForm):
    """A new organisation comes with the invitation of its first administrator, who chooses their own password."""

    admin_full_name = StringField("Nom de l'administrateur", [InputRequired(), Length(max=120)])
    admin_email = EmailField("E-mail de l'administrateur", [InputRequired(), Email(message="Adresse e-mail invalide."),
                                                             Length(max=254)])
