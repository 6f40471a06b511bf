"""Creating and changing organisations and their régies; identifiers are checked here, not only in forms."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from webapp import db, identifiers
from webapp.audit.services import apply_changes, declare, record, record_creation
from webapp.errors import DomainError
from webapp.organisations.models import Country, Organisation, OrganisationKind, PayfipMode, Regie

ORGANISATION_FIELDS = ("name", "kind", "country", "active")
REGIE_TEXTS = (
    "name", "address_line", "postcode", "city", "phone",
    "iban", "bic", "creditor_id", "company_number", "invoice_prefix",
    "regisseur", "payment_terms", "regulation", "complaints", "payfip_client",
)
REGIE_FIELDS = (*REGIE_TEXTS, "transfer_qr", "payfip_enabled", "payfip_mode")
DEBIT_FIELDS = ("debit_lead_first", "debit_lead_recurrent", "debit_single_file", "sepa_version", "dft_iban")
# Treasury settings (mise en titre): the codes Hélios knows the budget by; checked only when filled in.
TREASURY_CODES = {
    "treasury_office": (r"02[AB][0-9]{3,4}|[0-9]{6,7}", "Le codique du poste comptable a 6 ou 7 chiffres."),
    "treasury_collectivity": (r"[0-9]{3}", "Le code collectivité a 3 chiffres."),
    "treasury_budget": (r"[0-9A-Z][0-9]", "Le code budget a 2 caractères (chiffre ou lettre, puis chiffre)."),
    "treasury_product": (r"[0-9A-Z]{1,4}", "Le code produit a 1 à 4 lettres ou chiffres."),
    "roll_format": (r"PES|ROLMRE", "Choisissez ORMC (PES V2) ou ROLMRE."),
    "debtor_category": (r"[0-9]{2}", "La catégorie du débiteur a 2 chiffres (01 : personne physique)."),
    "debtor_legal_nature": (r"[0-9]{2}", "La nature juridique a 2 chiffres (01 : particulier)."),
    "roll_collectivity": (r"[0-9]{2}", "Le code collectivité du rôle a 2 chiffres."),
    "roll_nature": (r"[0-9]{2}", "Le code nature du rôle a 2 chiffres."),
    "roll_revenue": (r"(?!FF)[A-Z]{2}", "Le code recette a 2 lettres (sauf FF)."),
}
TREASURY_FIELDS = (*TREASURY_CODES, "titles_after_days", "title_signatory", "title_mentions")

declare({"regie": "Régie", "organisation": "Collectivité"}, {
    "name": "nom", "kind": "type", "country": "pays", "active": "actif", "address_line": "adresse",
    "postcode": "code postal", "city": "commune", "phone": "téléphone", "iban": "IBAN", "bic": "BIC",
    "creditor_id": "ICS", "company_number": "SIRET / BCE", "invoice_prefix": "préfixe des factures",
    "regisseur": "régisseur", "payment_terms": "moyens et lieu de paiement", "regulation": "règlement-redevance",
    "complaints": "réclamations", "transfer_qr": "QR code de virement", "payfip_enabled": "PayFiP activé",
    "payfip_client": "numéro client PayFiP", "payfip_mode": "mode PayFiP",
    "debit_lead_first": "délai FIRST", "debit_lead_recurrent": "délai RCUR", "debit_single_file": "un seul fichier",
    "sepa_version": "version pain.008", "dft_iban": "IBAN DFT",
    "treasury_office": "poste comptable", "treasury_collectivity": "code collectivité", "treasury_budget": "code budget",
    "treasury_product": "code produit", "titles_after_days": "délai avant mise en titre",
    "title_signatory": "ordonnateur", "title_mentions": "mentions du titre", "roll_format": "rôle du lot",
    "debtor_category": "catégorie du débiteur", "debtor_legal_nature": "nature juridique du débiteur",
    "roll_collectivity": "code collectivité du rôle", "roll_nature": "code nature du rôle", "roll_revenue": "code recette",
}, {"kind": OrganisationKind, "country": Country, "payfip_mode": PayfipMode})


def _unique(stmt: sa.Select, message: str, field: str) -> None:
    if db.session.scalar(sa.select(stmt.exists())):
        raise DomainError(message, field)


def _clean_organisation(data: dict[str, Any], current: Organisation | None = None) -> dict[str, Any]:
    clean = {
        "name": data["name"].strip(),
        "kind": OrganisationKind(data["kind"]),
        "country": Country(data["country"]),
        "active": bool(data.get("active", True)),
    }
    others = sa.select(Organisation).where(sa.func.lower(Organisation.name) == clean["name"].lower())
    if current is not None:
        others = others.where(Organisation.id != current.id)
    _unique(others, "Une collectivité porte déjà ce nom.", "name")
    return clean


def create_organisation(data: dict[str, Any]) -> Organisation:
    org = Organisation(**_clean_organisation(data))
    db.session.add(org)
    db.session.flush()
    record_creation("organisation", org, ORGANISATION_FIELDS, organisation_id=org.id)
    return org


def update_organisation(org: Organisation, data: dict[str, Any]) -> Organisation:
    changes = apply_changes(org, _clean_organisation(data, org))
    if changes:
        record("update", "organisation", org, changes, organisation_id=org.id)
    return org


def _clean_regie(org: Organisation, data: dict[str, Any], current: Regie | None = None) -> dict[str, Any]:
    clean: dict[str, Any] = {name: (data.get(name) or "").strip() for name in REGIE_TEXTS}
    clean.update(_online_settings(org, data, clean["payfip_client"]))
    clean["iban"] = identifiers.iban(clean["iban"])
    clean["bic"] = identifiers.bic(clean["bic"])
    clean["creditor_id"] = identifiers.creditor_id(clean["creditor_id"])
    clean["company_number"] = identifiers.company_number(clean["company_number"], org.country)
    clean["invoice_prefix"] = clean["invoice_prefix"].upper()
    clean.update(_debit_settings(data))
    for field, label in (("name", "nom"), ("invoice_prefix", "préfixe de facture")):
        if not clean[field]:
            raise DomainError(f"Le {label} est obligatoire.", field)
        others = sa.select(Regie).where(Regie.organisation_id == org.id, getattr(Regie, field) == clean[field])
        if current is not None:
            others = others.where(Regie.id != current.id)
        _unique(others, f"Une autre régie de la collectivité a déjà ce {label}.", field)
    return clean | _clean_treasury(data, current)


def _clean_treasury(data: dict[str, Any], current: Regie | None) -> dict[str, Any]:
    """The treasury settings a form sends; those it does not send keep their value."""
    clean: dict[str, Any] = {}
    for name, (pattern, message) in TREASURY_CODES.items():
        if name in data:
            clean[name] = (data[name] or "").strip().upper()
            if clean[name] and not re.fullmatch(pattern, clean[name]):
                raise DomainError(message, name)
    if "roll_format" in clean:
        clean["roll_format"] = clean["roll_format"].lower()
    for name in ("debtor_category", "debtor_legal_nature"):  # never blank: the files need one
        if name in clean and not clean[name]:
            clean[name] = "01"
    for name, limit in (("title_signatory", 120), ("title_mentions", 2000)):
        if name in data:
            clean[name] = (data[name] or "").strip()[:limit]
    if data.get("titles_after_days") is not None:
        days = data["titles_after_days"]
        if not isinstance(days, int) or not 0 <= days <= 3650:
            raise DomainError("Le délai est un nombre de jours de 0 à 3650.", "titles_after_days")
        clean["titles_after_days"] = days
    return clean


def _online_settings(org: Organisation, data: dict[str, Any], client: str) -> dict[str, Any]:
    """The transfer's QR code and PayFiP: a 6-digit client number, and only for a French régie."""
    clean: dict[str, Any] = {"transfer_qr": bool(data.get("transfer_qr")),
                             "payfip_enabled": bool(data.get("payfip_enabled"))}
    try:
        clean["payfip_mode"] = PayfipMode(data.get("payfip_mode") or PayfipMode.TEST)
    except ValueError:
        raise DomainError("Choisissez le mode PayFiP : test, activation ou production.", "payfip_mode") from None
    if client and not (client.isascii() and client.isdigit() and len(client) == 6):
        raise DomainError("Le numéro client PayFiP a 6 chiffres (il est donné par la DGFiP).", "payfip_client")
    if clean["payfip_enabled"] and not client:
        raise DomainError("Indiquez le numéro client PayFiP pour activer le paiement en ligne.", "payfip_client")
    if clean["payfip_enabled"] and org.country is not Country.FR:
        raise DomainError("PayFiP est le service des collectivités françaises.", "payfip_enabled")
    return clean


def _debit_settings(data: dict[str, Any]) -> dict[str, Any]:
    """The direct-debit settings, the bank's defaults where the form gave none."""
    clean: dict[str, Any] = {}
    for field in ("debit_lead_first", "debit_lead_recurrent"):
        value = data.get(field)
        value = 2 if value in (None, "") else value
        if not isinstance(value, int) or not 1 <= value <= 15:
            raise DomainError("Le délai se compte en jours ouvrés, de 1 à 15.", field)
        clean[field] = value
    clean["debit_single_file"] = bool(data.get("debit_single_file"))
    clean["sepa_version"] = data.get("sepa_version") or "02"
    if clean["sepa_version"] not in ("02", "08"):
        raise DomainError("Choisissez la version 02 ou 08 du pain.008.", "sepa_version")
    dft = (data.get("dft_iban") or "").strip()
    clean["dft_iban"] = identifiers.iban(dft, "dft_iban") if dft else ""
    return clean


def create_regie(org: Organisation, data: dict[str, Any]) -> Regie:
    regie = Regie(organisation_id=org.id, **_clean_regie(org, data))
    db.session.add(regie)
    record_creation("regie", regie, REGIE_FIELDS + DEBIT_FIELDS + TREASURY_FIELDS, organisation_id=org.id)
    return regie


def update_regie(regie: Regie, data: dict[str, Any]) -> Regie:
    changes = apply_changes(regie, _clean_regie(regie.organisation, data, regie))
    if changes:
        record("update", "regie", regie, changes, organisation_id=regie.organisation_id)
    return regie
