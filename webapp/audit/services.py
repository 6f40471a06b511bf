"""The one helper every area calls to write the audit log."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import has_request_context
from flask_login import current_user

from webapp import db
from webapp.audit.models import AuditEntry

# Who acts outside a request (CLI commands, jobs); inside one it is the logged-in user.
_system_actor: contextvars.ContextVar[str] = contextvars.ContextVar("system_actor", default="système")

ENTITY_LABELS = {
    "family": "Famille",
    "guardian": "Responsable",
    "child": "Enfant",
    "regie": "Régie",
    "organisation": "Collectivité",
    "user": "Utilisateur",
    "membership": "Droits",
    "activity": "Activité",
    "tariff": "Tarif",
    "attendance": "Pointage",
    "billing_period": "Période de facturation",
    "batch": "Lot",
    "consumption_import": "Import self",
    "discount": "Réduction",
    "child_discount": "Réduction exceptionnelle",
    "family_fee": "Frais par famille",
    "payment": "Règlement",
    "refund": "Remboursement",
    "write_off": "Non-valeur",
    "deposit_slip": "Bordereau de remise",
    "cash_closing": "Clôture de caisse",
    "school_year": "Année scolaire",
    "account": "Compte famille",
}

FIELD_LABELS = {
    "name": "nom", "kind": "type", "country": "pays", "active": "actif",
    "address_line": "adresse", "address_line1": "adresse", "address_line2": "complément", "postcode": "code postal",
    "city": "commune", "phone": "téléphone", "email": "e-mail", "iban": "IBAN", "bic": "BIC",
    "creditor_id": "ICS", "company_number": "SIRET / BCE", "invoice_prefix": "préfixe des factures",
    "number": "numéro", "direct_debit": "prélèvement", "quotient": "quotient familial",
    "quotient_valid_from": "QF valable du", "quotient_valid_to": "QF valable au",
    "tariff_category": "catégorie tarifaire", "note": "note", "archived_at": "archivé le",
    "is_payer": "payeur", "civility": "civilité", "last_name": "nom", "first_name": "prénom",
    "birth_date": "date de naissance", "school": "école", "school_class": "classe",
    "full_name": "nom complet", "is_operator": "exploitant", "password": "mot de passe",
    "role": "rôle", "regies": "régies", "canteen_id": "identifiant cantine",
    "label": "libellé", "basis": "base", "threshold": "seuil", "percent": "pourcentage",
    "amount_per_unit": "montant par unité", "valid_from": "du", "valid_to": "au", "reason": "raison",
    "amount": "montant", "accounting_code": "code comptable", "activity_id": "activité",
    "mode": "mode", "received_on": "date", "school_year": "année scolaire", "bank": "banque",
    "holder": "titulaire", "cheque_number": "n° de chèque", "comment": "commentaire", "written_on": "date",
    "day": "jour", "expected_cash": "espèces attendues", "counted_cash": "espèces comptées",
    "difference": "écart",
}

ACTION_LABELS = {
    "create": "Création",
    "update": "Modification",
    "archive": "Archivage",
    "unarchive": "Désarchivage",
    "delete": "Suppression",
    "compute": "Calcul",
    "number": "Numérotation",
    "export": "Export",
    "import": "Import",
    "undo": "Annulation",
    "notify": "Envoi par e-mail",
    "cancel": "Annulation",
    "finalize": "Validation définitive",
    "close": "Clôture",
    "apply_credit": "Avoir utilisé",
}


@contextmanager
def acting_as(name: str) -> Iterator[None]:
    token = _system_actor.set(name)
    try:
        yield
    finally:
        _system_actor.reset(token)


def actor_id() -> int | None:
    """The logged-in user acting in this request; None for the system (CLI commands, jobs)."""
    return current_user.id if has_request_context() and current_user.is_authenticated else None


def _json_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _json_value(getattr(obj, name)) for name in fields}


def apply_changes(obj: Any, data: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set the given attributes and return {field: [before, after]} for those that really changed."""
    changes: dict[str, list[Any]] = {}
    for name, new in data.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [_json_value(old), _json_value(new)]
            setattr(obj, name, new)
    return changes


def record(
    action: str,
    entity_type: str,
    obj: Any,
    changes: Mapping[str, list[Any]] | None = None,
    *,
    organisation_id: int | None,
) -> AuditEntry:
    """Append one entry; `changes` maps each field to [before, after] (None for a side that does not exist)."""
    if has_request_context() and current_user.is_authenticated:
        user_id, actor = current_user.id, current_user.full_name
    else:
        user_id, actor = None, _system_actor.get()
    db.session.flush()  # the object needs its id
    entry = AuditEntry(
        organisation_id=organisation_id,
        user_id=user_id,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=getattr(obj, "id", None),
        entity_label=str(obj)[:200],
        changes=dict(changes or {}),
    )
    db.session.add(entry)
    return entry


def record_creation(entity_type: str, obj: Any, fields: Iterable[str], *, organisation_id: int | None) -> AuditEntry:
    created = {name: [None, value] for name, value in snapshot(obj, fields).items() if value not in (None, "")}
    return record("create", entity_type, obj, created, organisation_id=organisation_id)
