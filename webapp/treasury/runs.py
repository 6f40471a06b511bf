"""Opening a « mise en titre » and choosing its families: the numbers the accounting service reserved, the floor,
the object printed on the titles. Until the settlement nothing here moves money."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from webapp import db
from webapp.audit.services import actor_id, declare, record, record_creation
from webapp.counter.amounts import checked_amount
from webapp.errors import DomainError
from webapp.formatting import money, short_date
from webapp.organisations.models import Regie
from webapp.treasury.models import RunStatus, TitleRun

#: The regulatory floor: a debt under it is not sent alone to the treasury.
FLOOR = Decimal("15.00")
RUN_FIELDS = ("reference_date", "fiscal_year", "bordereau_number", "first_title_number", "minimum_amount",
              "after_last_reminder", "object")

declare({"title_run": "Mise en titre", "roll_export": "Rôle"}, {
    "reference_date": "date de référence", "fiscal_year": "exercice", "bordereau_number": "n° de bordereau",
    "first_title_number": "premier n° de titre", "minimum_amount": "seuil", "object": "objet",
    "after_last_reminder": "seulement après le dernier niveau de relance",
    "status": "état", "excluded": "familles décochées", "titles": "titres", "total": "total", "file": "fichier",
    "roll_format": "format", "number": "numéro", "file_name": "fichier", "file_hash": "empreinte",
    "count": "articles", "reason": "motif",
}, {"minimum_amount": money, "total": money, "status": RunStatus})


def default_object(regie: Regie, reference_date: date) -> str:
    return f"Régie {regie.name} – impayés au {short_date(reference_date)}"


def open_run(regie: Regie, data: dict[str, Any]) -> TitleRun:
    """A new run (a draft: its selection follows the books until it is settled)."""
    reference_date = data.get("reference_date")
    if not isinstance(reference_date, date):
        raise DomainError("Indiquez la date de référence (dernier jour du mois facturé).", "reference_date")
    fiscal_year = data.get("fiscal_year") or reference_date.year
    if not 2000 <= fiscal_year <= 2100:
        raise DomainError("Exercice entre 2000 et 2100.", "fiscal_year")
    numbers = {}
    for name, label, limit in (("bordereau_number", "Le numéro de bordereau", 9_999_999),
                               ("first_title_number", "Le premier numéro de titre", 99_999_999)):
        value = data.get(name)
        if not isinstance(value, int) or not 1 <= value <= limit:
            raise DomainError(f"{label} est un entier de 1 à {limit}, réservé par le service comptable.", name)
        numbers[name] = value
    minimum = data.get("minimum_amount")
    minimum = FLOOR if minimum is None else checked_amount(minimum, "minimum_amount", zero=True)
    taken = db.session.scalar(sa.select(TitleRun.id).where(
        TitleRun.regie_id == regie.id, TitleRun.fiscal_year == fiscal_year,
        TitleRun.bordereau_number == numbers["bordereau_number"]))
    if taken is not None:
        raise DomainError(f"Le bordereau n° {numbers['bordereau_number']} de {fiscal_year} existe déjà pour cette "
                          "régie.", "bordereau_number")
    text = (data.get("object") or "").strip() or default_object(regie, reference_date)
    run = TitleRun(organisation_id=regie.organisation_id, regie_id=regie.id, regie=regie,
                   reference_date=reference_date, fiscal_year=fiscal_year, minimum_amount=minimum,
                   after_last_reminder=bool(data.get("after_last_reminder")), object=text[:160], excluded=[], created_by_id=actor_id(), **numbers)
    db.session.add(run)
    db.session.flush()
    record_creation("title_run", run, RUN_FIELDS, organisation_id=regie.organisation_id)
    return run


def refuse_settled(run: TitleRun) -> None:
    if run.status is RunStatus.SETTLED:
        raise DomainError(f"Cette mise en titre a été réglée le {run.settled_at:%d/%m/%Y} : elle ne change plus.")


def choose_families(run: TitleRun, excluded: set[int]) -> TitleRun:
    """The families the agent unticked stay at the régie; any file written before no longer matches and goes."""
    refuse_settled(run)
    before = sorted(run.excluded or ())
    after = sorted(excluded)
    if before == after:
        return run
    run.excluded = after
    drop_file(run)
    record("update", "title_run", run, {"excluded": [before, after]}, organisation_id=run.organisation_id)
    return run


def drop_file(run: TitleRun) -> None:
    """The selection changed: the file (and its control) spoke of another one."""
    run.status = RunStatus.DRAFT
    run.file_data, run.file_hash, run.file_name = None, "", ""
    run.file_count = run.file_total = run.controlled_at = None
