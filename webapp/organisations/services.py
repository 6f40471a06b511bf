"""Creating and changing organisations and their régies; identifiers are checked here, not only in forms."""

from __future__ import annotations

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

declare({"regie": "Régie", "organisation": "Collectivité"}, {
    "name": "nom", "kind": "type", "country": "pays", "active": "actif", "address_line": "adresse",
    "postcode": "code postal", "city": "commune", "phone": "téléphone", "iban": "IBAN", "bic": "BIC",
    "creditor_id": "ICS", "company_number": "SIRET / BCE", "invoice_prefix": "préfixe des factures",
    "regisseur": "régisseur", "payment_terms": "moyens et lieu de paiement", "regulation": "règlement-redevance",
    "complaints": "réclamations", "transfer_qr": "QR code de virement", "payfip_enabled": "PayFiP activé",
    "payfip_client": "numéro client PayFiP", "payfip_mode": "mode PayFiP",
    "debit_lead_first": "délai FIRST", "debit_lead_recurrent": "délai RCUR", "debit_single_file": "un seul fichier",
    "sepa_version": "version pain.008", "dft_iban": "IBAN DFT",
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
    record_creation("regie", regie, REGIE_FIELDS + DEBIT_FIELDS, organisation_id=org.id)
    return regie


def update_regie(regie: Regie, data: dict[str, Any]) -> Regie:
    changes = apply_changes(regie, _clean_regie(regie.organisation, data, regie))
    if changes:
        record("update", "regie", regie, changes, organisation_id=regie.organisation_id)
    return regie
