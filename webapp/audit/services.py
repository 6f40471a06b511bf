"""The one helper every area calls to write the audit log."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import has_request_context
from flask_login import current_user

from webapp import db
from webapp.audit.models import AuditEntry
from webapp.db import utcnow
from webapp.formatting import audit_value
from webapp.labels import Labelled

# Who acts outside a request (CLI commands, jobs); inside one it is the logged-in user.
_system_actor: contextvars.ContextVar[str] = contextvars.ContextVar("system_actor", default="système")

# How a stored value reads: the enum whose label it is, or a filter of webapp.formatting (money, number…).
Shown = type[Labelled] | Callable[[str], str]

# What each area writes to the log, in French: every area declares its own objects and fields (`declare`).
ENTITY_LABELS: dict[str, str] = {}
# {object: {field: (label, how its value reads)}}; the None object holds fields declared for every object.
_FIELDS: dict[str | None, dict[str, tuple[str, Shown | None]]] = {}

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


def declare(entities: Mapping[str, str], fields: Mapping[str, str], values: Mapping[str, Shown] | None = None) -> None:
    """An area names the objects and the fields it records, and says how the values that are not plain text read
    (`values`: an enum for its labels, `money` for amounts). The names hold for the area's own objects: « mode »
    is a payment mode at the counter and a pricing mode in the tariffs."""
    ENTITY_LABELS.update(entities)
    values = values or {}
    for entity in entities or [None]:
        known = _FIELDS.setdefault(entity, {})
        known.update({name: (fields.get(name, name), values.get(name)) for name in {*fields, *values}})


@dataclass(frozen=True)
class ShownChange:
    label: str
    before: str
    after: str


def shown_changes(entry: AuditEntry) -> list[ShownChange]:
    """The entry's changes in French: each field by its declared label, each value as its area declared it."""
    known = {**_FIELDS.get(None, {}), **_FIELDS.get(entry.entity_type, {})}
    shown = []
    for name, (before, after) in entry.changes.items():
        label, how = known.get(name, (name, None))
        shown.append(ShownChange(label, _shown(before, how), _shown(after, how)))
    return shown


def _shown(value: Any, how: Shown | None) -> str:
    if how is None or value is None or value == "":
        return audit_value(value)
    if isinstance(value, list):
        return ", ".join(_shown(v, how) for v in value) or audit_value(None)
    if isinstance(how, type) and issubclass(how, Labelled):
        try:
            return how(value).label
        except ValueError:  # a value the enum no longer has: shown as it was stored
            return str(value)
    return how(value)


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


def _actor() -> tuple[int | None, str]:
    if has_request_context() and current_user.is_authenticated:
        return current_user.id, current_user.full_name
    return None, _system_actor.get()


def record(
    action: str,
    entity_type: str,
    obj: Any,
    changes: Mapping[str, list[Any]] | None = None,
    *,
    organisation_id: int | None,
) -> AuditEntry:
    """Append one entry; `changes` maps each field to [before, after] (None for a side that does not exist)."""
    user_id, actor = _actor()
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


def record_creations(entity_type: str, created: Iterable[tuple[int, str, Mapping[str, Any]]], *,
                     organisation_id: int | None) -> None:
    """The entries `record_creation` writes, for many objects made in bulk (a bank statement's thousands of
    payments): each (id, label, {field: value}), empty values left out, inserted at once."""
    user_id, actor = _actor()
    rows = [{"organisation_id": organisation_id, "user_id": user_id, "actor": actor, "action": "create",
             "entity_type": entity_type, "entity_id": entity_id, "entity_label": label[:200], "at": utcnow(),
             "changes": {name: [None, _json_value(value)] for name, value in values.items()
                         if value not in (None, "")}}
            for entity_id, label, values in created]
    db.insert_rows(AuditEntry.__table__, rows)


def record_creation(entity_type: str, obj: Any, fields: Iterable[str], *, organisation_id: int | None) -> AuditEntry:
    created = {name: [None, value] for name, value in snapshot(obj, fields).items() if value not in (None, "")}
    return record("create", entity_type, obj, created, organisation_id=organisation_id)
