"""Families « chez l'huissier »: a régie handed a family's debts to a bailiff, so its own reminders stop chasing the
family there until the agent lifts it. Both steps carry a reason, kept in the audit log."""

from __future__ import annotations

import sqlalchemy as sa

from webapp import db
from webapp.audit.services import actor_id, declare, record, record_creation
from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.organisations.models import Regie
from webapp.reminders.models import FamilyAtBailiff

declare({"family_at_bailiff": "Famille chez l'huissier"}, {"reason": "motif", "lifted": "motif de la levée"})


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Indiquez le motif.", "reason")
    return reason[:2000]


def at_bailiff(regie_id: int, family_id: int) -> FamilyAtBailiff | None:
    return db.session.scalar(sa.select(FamilyAtBailiff).where(FamilyAtBailiff.regie_id == regie_id,
                                                              FamilyAtBailiff.family_id == family_id))


def families_at_bailiff(regie_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(FamilyAtBailiff.family_id).where(FamilyAtBailiff.regie_id == regie_id)))


def send_to_bailiff(regie: Regie, family: Family, reason: str | None) -> FamilyAtBailiff:
    reason = _reason(reason)
    already = DomainError("Cette famille est déjà chez l'huissier pour cette régie.", "reason")
    if at_bailiff(regie.id, family.id) is not None:
        raise already
    found = FamilyAtBailiff(organisation_id=regie.organisation_id, regie_id=regie.id, family_id=family.id,
                            family=family, reason=reason, created_by_id=actor_id())
    try:
        with db.session.begin_nested():  # two agents at once: the unique (régie, family) keeps the first
            db.session.add(found)
    except sa.exc.IntegrityError:
        raise already from None
    record_creation("family_at_bailiff", found, ("reason",), organisation_id=found.organisation_id)
    return found


def lift_bailiff(regie: Regie, family: Family, reason: str | None) -> None:
    """The bailiff's file is closed: the régie's reminders chase the family again."""
    reason = _reason(reason)
    found = at_bailiff(regie.id, family.id)
    if found is None:
        raise DomainError("Cette famille n'est pas chez l'huissier pour cette régie.", "reason")
    record("delete", "family_at_bailiff", found, {"reason": [found.reason, None], "lifted": [None, reason]},
           organisation_id=found.organisation_id)
    db.session.delete(found)
    db.session.flush()
