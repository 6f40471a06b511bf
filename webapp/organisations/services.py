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

declare({"regie": "Régie", "organisation": "Collectivité"}, {
    "name": "nom", "kind": "type", "country": "pays", "active": "actif", "address_line": "adresse",
    "postcode": "code postal", "city": "commune", "phone": "téléphone", "iban": "IBAN", "bic": "BIC",
    "creditor_id": "ICS", "company_number": "SIRET / BCE", "invoice_prefix": "préfixe des factures",
    "regisseur": "régisseur", "payment_terms": "moyens et lieu de paiement", "regulation": "règlement-redevance",
    "complaints": "réclamations", "transfer_qr": "QR code de virement", "payfip_enabled": "PayFiP activé",
    "payfip_client": "numéro client PayFiP", "payfip_mode": "mode PayFiP",
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
    clean["transfer_qr"], clean["payfip_enabled"] = bool(data.get("transfer_qr")), bool(data.get("payfip_enabled"))
    try:
        clean["payfip_mode"] = PayfipMode(data.get("payfip_mode") or PayfipMode.TEST)
    except ValueError:
        raise DomainError("Choisissez le mode PayFiP : test, activation ou production.", "payfip_mode") from None
    if clean["payfip_client"] and not (clean["payfip_client"].isascii() and clean["payfip_client"].isdigit()
                                       and len(clean["payfip_client"]) == 6):
        raise DomainError("Le numéro client PayFiP a 6 chiffres (il est donné par la DGFiP).", "payfip_client")
    if clean["payfip_enabled"] and not clean["payfip_client"]:
        raise DomainError("Indiquez le numéro client PayFiP pour activer le paiement en ligne.", "payfip_client")
    if clean["payfip_enabled"] and org.country is not Country.FR:
        raise DomainError("PayFiP est le service des collectivités françaises.", "payfip_enabled")
    clean["iban"] = identifiers.iban(clean["iban"])
    clean["bic"] = identifiers.bic(clean["bic"])
    clean["creditor_id"] = identifiers.creditor_id(clean["creditor_id"])
    clean["company_number"] = identifiers.company_number(clean["company_number"], org.country)
    clean["invoice_prefix"] = clean["invoice_prefix"].upper()
    for field, label in (("name", "nom"), ("invoice_prefix", "préfixe de facture")):
        if not clean[field]:
            raise DomainError(f"Le {label} est obligatoire.", field)
        others = sa.select(Regie).where(Regie.organisation_id == org.id, getattr(Regie, field) == clean[field])
        if current is not None:
            others = others.where(Regie.id != current.id)
        _unique(others, f"Une autre régie de la collectivité a déjà ce {label}.", field)
    return clean


def create_regie(org: Organisation, data: dict[str, Any]) -> Regie:
    regie = Regie(organisation_id=org.id, **_clean_regie(org, data))
    db.session.add(regie)
    record_creation("regie", regie, REGIE_FIELDS, organisation_id=org.id)
    return regie


def update_regie(regie: Regie, data: dict[str, Any]) -> Regie:
    changes = apply_changes(regie, _clean_regie(regie.organisation, data, regie))
    if changes:
        record("update", "regie", regie, changes, organisation_id=regie.organisation_id)
    return regie
