"""Recording attendance; a change to a billed one is flagged for regularisation, never rewritten away."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import sqlalchemy as sa

from webapp import db
from webapp.attendance.checks import reopen
from webapp.attendance.enrolments import check_age
from webapp.attendance.models import Attendance, Presence
from webapp.audit.services import declare, record, snapshot
from webapp.errors import DomainError
from webapp.families.models import Child, Family
from webapp.formatting import number
from webapp.tariffs.models import Activity, Unit

declare({"attendance": "Pointage"}, {
    "presence": "présence", "quantity": "quantité", "arrival": "arrivée", "departure": "départ",
}, {"presence": Presence, "quantity": number})

FIELDS = ("presence", "quantity", "arrival", "departure")
CENT = Decimal("0.01")
# The most one child can take of a unit in one day: one day or one flat rate; two half-days (morning and
# afternoon); two meals (lunch and the afternoon snack, where both are billed); 24 hours. More is a typing error.
MOST_PER_DAY = {Unit.DAY: (Decimal(1), "journée"), Unit.FLAT: (Decimal(1), "forfait"),
                Unit.HALF_DAY: (Decimal(2), "demi-journées"), Unit.MEAL: (Decimal(2), "repas"),
                Unit.SLOT: (Decimal(24), "heures")}


def check_quantity(activity: Activity, quantity: Decimal) -> None:
    most, unit = MOST_PER_DAY[activity.unit]
    if quantity <= 0:
        raise DomainError(f"Quantité : un nombre positif (saisi : {number(quantity)}).", "quantity")
    if quantity > most:
        raise DomainError(f"Quantité : au plus {number(most)} {unit} par jour pour « {activity.name} » "
                          f"(saisi : {number(quantity)}).", "quantity")


def set_attendance(child: Child, activity: Activity, day: date, presence: Presence | None, *,
                   arrival: time | None = None, departure: time | None = None,
                   quantity: Decimal = Decimal(1)) -> Attendance | None:
    """Record what happened that day; None clears it (a billed one becomes a justified absence, so the
    next invoice refunds it)."""
    organisation_id = activity.regie.organisation_id
    if db.session.get(Family, child.family_id).organisation_id != organisation_id:
        raise DomainError("Cet enfant n'appartient pas à la collectivité de l'activité.")
    if activity.unit is Unit.SLOT and presence is Presence.PRESENT and (arrival is None or departure is None):
        raise DomainError(f"« {activity.name} » se facture au temps : indiquez l'arrivée et le départ.", "arrival")
    if arrival and departure and departure <= arrival:
        raise DomainError("Le départ doit suivre l'arrivée.", "departure")
    if presence is not None:
        check_quantity(activity, quantity)
        check_age(child, activity, day)
    attendance = db.session.scalar(sa.select(Attendance).where(
        Attendance.child_id == child.id, Attendance.activity_id == activity.id, Attendance.day == day))
    before = snapshot(attendance, FIELDS) if attendance else None
    if presence is None:
        if attendance is None:
            return None
        if attendance.billed_invoice_id is None:
            record("delete", "attendance", attendance, {k: [v, None] for k, v in before.items()},
                   organisation_id=organisation_id)
            reopen(activity.id, day)
            db.session.delete(attendance)
            return None
        presence, arrival, departure = Presence.JUSTIFIED, None, None
    if attendance is None:
        attendance = Attendance(child_id=child.id, activity_id=activity.id, day=day, child=child, activity=activity)
        db.session.add(attendance)
    # Stored as Numeric(6, 2): the same quantity typed as 1 or 1.00 is no change to audit.
    attendance.presence, attendance.quantity = presence, quantity.quantize(CENT)
    attendance.arrival, attendance.departure = arrival, departure
    after = snapshot(attendance, FIELDS)
    if after != before:
        reopen(activity.id, day)
        if attendance.billed_invoice_id is not None:
            attendance.changed_since_billing = True
        changes = {k: [before[k] if before else None, v] for k, v in after.items() if not before or before[k] != v}
        record("update" if before else "create", "attendance", attendance, changes, organisation_id=organisation_id)
    return attendance
