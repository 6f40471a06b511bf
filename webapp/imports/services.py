"""Importing a self-service canteen file: preview, import all or nothing, undo while unbilled."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from regie_self_import import InvalidFile, Row, content_hash, decode, read
from regie_self_import.rules import Notice, check_plausible, notices

from webapp import db
from webapp.audit.services import actor_id, declare, record
from webapp.db import utcnow
from webapp.errors import DomainError
from webapp.families.models import Child, Family
from webapp.formatting import date_time
from webapp.imports.models import ConsumptionImport, ImportedConsumption
from webapp.invoicing.models import Batch, BillingPeriod
from webapp.organisations.models import Organisation
from webapp.tariffs.models import Activity

declare({"consumption_import": "Import self"}, {"lignes": "lignes", "repas": "repas", "période": "période",
                                                "activité": "activité"})


@dataclass(frozen=True)
class Preview:
    rows: list[Row]
    children: dict[str, Child]
    unknown: list[str]
    notices: list[Notice]
    content_hash: str
    encoding: str
    earlier: ConsumptionImport | None

    @property
    def meals(self) -> int:
        return sum(row.meals for row in self.rows)

    @property
    def ready(self) -> bool:
        return not self.unknown and self.earlier is None


def _earlier(org: Organisation, digest: str) -> ConsumptionImport | None:
    return db.session.scalar(sa.select(ConsumptionImport).where(
        ConsumptionImport.organisation_id == org.id, ConsumptionImport.content_hash == digest,
        ConsumptionImport.undone_at.is_(None)))


def _describe(imported: ConsumptionImport) -> str:
    who = imported.created_by.full_name if imported.created_by else "le système"
    return f"« {imported.filename} », importé le {date_time(imported.created_at)} par {who}"


def preview(org: Organisation, data: bytes, period: BillingPeriod | None = None) -> Preview:
    """Read the file and match its pupils; raises DomainError with every problem of a bad file, one a line."""
    if not data.strip():
        raise DomainError("Le fichier est vide : déposez l'export du self, une ligne par élève et période.", "file")
    if b"\0" in data:  # a spreadsheet, a PDF, an image or UTF-16 text: never a file of this format
        raise DomainError("Ce fichier n'est pas un fichier texte : depuis le tableur, enregistrez-le en « Texte "
                          "(séparateur : tabulation) », puis déposez-le à nouveau.", "file")
    try:
        rows = read(data)
        check_plausible(rows)
    except InvalidFile as error:
        raise DomainError(str(error), "file") from error
    ids = sorted({row.pupil_id for row in rows})
    children = {c.canteen_id: c for c in db.session.scalars(
        sa.select(Child).join(Family).where(Family.organisation_id == org.id, Child.canteen_id.in_(ids)))}
    digest = content_hash(data)
    span = (period.start_date, period.end_date) if period else None
    return Preview(rows=rows, children=children, unknown=[i for i in ids if i not in children],
                   notices=notices(rows, span), content_hash=digest, encoding=decode(data)[1],
                   earlier=_earlier(org, digest))


def import_file(org: Organisation, period: BillingPeriod, activity: Activity, filename: str,
                data: bytes) -> ConsumptionImport:
    """All or nothing: every pupil known, the file never imported before, the period's batch still open."""
    result = preview(org, data, period)
    if result.earlier is not None:
        raise DomainError(f"Ce fichier a déjà été importé : {_describe(result.earlier)}.", "file")
    if result.unknown:
        raise DomainError("Identifiants inconnus : " + ", ".join(result.unknown)
                          + ". Renseignez-les sur la fiche des enfants, puis importez à nouveau.", "file")
    batch = db.session.scalar(sa.select(Batch).where(Batch.period_id == period.id,
                                                     Batch.regie_id == activity.regie_id))
    if batch is None:
        raise DomainError(f"La période « {period.label} » ne facture pas la régie de « {activity.name} ».", "period_id")
    if not batch.status.open:
        raise DomainError(f"Le lot « {batch} » est déjà numéroté : choisissez une période suivante.", "period_id")
    imported = ConsumptionImport(
        organisation_id=org.id, period_id=period.id, activity_id=activity.id, filename=filename[:200],
        content_hash=result.content_hash, encoding=result.encoding, row_count=len(result.rows), meals=result.meals,
        created_at=utcnow(), created_by_id=actor_id(),
    )
    imported.rows = [
        ImportedConsumption(child_id=result.children[row.pupil_id].id, line=row.line or 0, start_date=row.start,
                            end_date=row.end, meals=row.meals, unit_price=row.unit_price)
        for row in result.rows
    ]
    db.session.add(imported)
    record("import", "consumption_import", imported,
           {"lignes": [None, imported.row_count], "repas": [None, imported.meals],
            "période": [None, period.label], "activité": [None, activity.name]}, organisation_id=org.id)
    return imported


def undo_import(imported: ConsumptionImport) -> ConsumptionImport:
    if imported.undone_at is not None:
        raise DomainError(f"Cet import a déjà été annulé le {date_time(imported.undone_at)}.")
    if any(row.billed_invoice_id for row in imported.rows):
        raise DomainError("Des consommations de cet import sont déjà facturées : il ne s'annule plus. "
                          "Corrigez par un fichier de régularisation (quantités négatives).")
    for row in imported.rows:
        db.session.delete(row)
    imported.undone_at = utcnow()
    imported.undone_by_id = actor_id()
    record("undo", "consumption_import", imported, {"lignes": [imported.row_count, 0]},
           organisation_id=imported.organisation_id)
    return imported


def undone_since(batch: Batch) -> list[ConsumptionImport]:
    """Imports of the batch's period and régie undone after the batch was computed from them: its drafts still bill
    their meals, and numbering will refuse until the batch is computed again."""
    if batch.computed_at is None or batch.status.numbered:
        return []
    return list(db.session.scalars(
        sa.select(ConsumptionImport).join(Activity, Activity.id == ConsumptionImport.activity_id)
        .where(ConsumptionImport.period_id == batch.period_id, Activity.regie_id == batch.regie_id,
               ConsumptionImport.created_at <= batch.computed_at, ConsumptionImport.undone_at > batch.computed_at)
        .order_by(ConsumptionImport.undone_at)))


def preview_folder() -> Path:
    """Where an uploaded file waits between its preview and its confirmation."""
    folder = Path(current_app.config["IMPORT_FOLDER"] or Path(current_app.instance_path) / "imports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def purge_previews(older_than: timedelta) -> int:
    """Files previewed and never confirmed: after a day they are forgotten."""
    limit = time.time() - older_than.total_seconds()
    old = [path for path in preview_folder().glob("*.tsv") if path.stat().st_mtime < limit]
    for path in old:
        path.unlink(missing_ok=True)
    return len(old)


def stored_path(folder: Path, digest: str) -> Path:
    """Where the previewed file waits for its confirmation, named by its hash so nothing is mixed up."""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise DomainError("Fichier inconnu : déposez-le à nouveau.", "file")
    return folder / f"{digest}.tsv"
