"""The self-service canteen import: upload, preview, confirm, undo."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, g, url_for
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectChoice, SelectField
from wtforms.validators import Length

from webapp import db
from webapp.auth.access import requires, tenant_blueprint, visible_regie_ids
from webapp.errors import DomainError
from webapp.forms import Form, attempt, form_status
from webapp.htmx import redirect_to, render
from webapp.submissions import books_once
from webapp.imports import services
from webapp.imports.models import ConsumptionImport, ImportedConsumption
from webapp.invoicing.models import Batch, BatchStatus, BillingPeriod
from webapp.tariffs.models import Activity

bp = tenant_blueprint("imports", __name__, "/imports")


class TargetForm(Form):
    period_id = SelectField("Période de facturation", coerce=int)
    activity_id = SelectField("Activité", coerce=int)

    def set_choices(self) -> None:
        self.activity_id.choices = [SelectChoice(a.id, f"{a.name} ({a.regie.name})") for a in _activities()]
        self.period_id.choices = [SelectChoice(p.id, p.label) for p in _open_periods()]


class UploadForm(TargetForm):
    file = FileField("Fichier du self (texte séparé par des tabulations)", [FileRequired("Choisissez le fichier.")])


class ConfirmForm(TargetForm):
    content_hash = HiddenField(validators=[Length(max=64)])  # a SHA-256 in hexadecimal
    filename = HiddenField(validators=[Length(max=200)])  # the column's length


def _activities() -> list[Activity]:
    return list(db.session.scalars(sa.select(Activity).where(
        Activity.regie_id.in_(visible_regie_ids()), Activity.active.is_(True)).order_by(Activity.name)))


def _open_periods() -> list[BillingPeriod]:
    """Periods with at least one batch still open to new consumptions."""
    return list(db.session.scalars(
        sa.select(BillingPeriod).where(BillingPeriod.organisation_id == g.org.id, BillingPeriod.id.in_(
            sa.select(Batch.period_id).where(Batch.status.in_([s for s in BatchStatus if s.open]))))
        .order_by(BillingPeriod.start_date.desc())))


def _target(form: TargetForm) -> tuple[BillingPeriod, Activity]:
    period = next(p for p in _open_periods() if p.id == form.period_id.data)
    activity = next(a for a in _activities() if a.id == form.activity_id.data)
    return period, activity


def _history() -> list[ConsumptionImport]:
    return list(db.session.scalars(sa.select(ConsumptionImport).where(
        ConsumptionImport.organisation_id == g.org.id,
        ConsumptionImport.activity_id.in_([a.id for a in _activities()]))
        .order_by(ConsumptionImport.created_at.desc())))


@bp.route("/", methods=["GET", "POST"])
@requires("attendance.edit")
def index() -> Any:
    form = UploadForm()
    form.set_choices()
    if form.validate_on_submit():
        data = form.file.data.read()
        period, activity = _target(form)
        try:
            preview = services.preview(g.org, data, period)
        except DomainError as error:
            form.file.errors = [*form.file.errors, *error.message.split("\n")]
        else:
            services.stored_path(services.preview_folder(), preview.content_hash).write_bytes(data)
            confirm = ConfirmForm(formdata=None, period_id=period.id, activity_id=activity.id,
                                  content_hash=preview.content_hash, filename=(form.file.data.filename or "self.txt")[-200:])
            confirm.set_choices()
            return render("imports/preview.html", preview=preview, confirm=confirm, period=period, activity=activity)
    imports = _history()
    billed = set(db.session.scalars(sa.select(ImportedConsumption.import_id).where(
        ImportedConsumption.import_id.in_([i.id for i in imports]),
        ImportedConsumption.billed_invoice_id.is_not(None)).distinct()))
    return render("imports/index.html", "upload", form_status(form), form=form, imports=imports, billed=billed)


@bp.post("/confirmation")
@requires("attendance.edit")
@books_once
def confirm() -> Any:
    form = ConfirmForm()
    form.set_choices()
    if form.validate_on_submit():
        period, activity = _target(form)

        def import_previewed() -> ConsumptionImport:
            path = services.stored_path(services.preview_folder(), form.content_hash.data)  # refuses a forged hash
            if not path.exists():
                raise DomainError("Le fichier déposé n'est plus là : déposez-le à nouveau.")
            imported = services.import_file(g.org, period, activity, form.filename.data, path.read_bytes())
            db.after_commit(lambda: path.unlink(missing_ok=True))  # kept if the import does not commit
            return imported

        attempt(import_previewed, lambda imported: f"{imported.row_count} ligne(s), {imported.meals} repas "
                                                   f"importés dans « {period.label} ».")
    return redirect_to(url_for("imports.index"))


@bp.post("/<int:import_id>/annulation")
@requires("attendance.edit")
@books_once
def undo(import_id: int) -> Any:
    imported = db.get_or_404(ConsumptionImport, import_id, organisation_id=g.org.id)
    if imported.activity_id not in {a.id for a in _activities()}:
        abort(404)
    attempt(lambda: services.undo_import(imported), f"Import « {imported.filename} » annulé.")
    return redirect_to(url_for("imports.index"))

