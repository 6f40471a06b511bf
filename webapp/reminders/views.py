"""Reminders: the régie's levels, the runs (by balance, by child, by invoice) from the draft to the validation, the
letters, the disputes that set an invoice apart, and the families at the bailiff."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, g, request, url_for

from webapp import db
from webapp.auth.access import (
    chosen_regie, requires, tenant_blueprint, visible_regie, visible_regie_ids, visible_regies,
)
from webapp.forms import attempt, form_status, submit
from webapp.htmx import redirect_to, render
from webapp.families.models import Family
from webapp.invoicing.models import BillingPeriod, Invoice
from webapp.organisations.models import Regie
from webapp.pdf import pdf_response
from webapp.tariffs.models import Activity
from webapp.reminders import bailiff, documents, levels, paying, runs, sending  # noqa: F401 (paying registers its family finder)
from webapp.reminders.forms import ActionForm, BailiffForm, DisputeForm, LevelForm, RunForm
from webapp.reminders.models import (
    FamilyAtBailiff, InvoiceDispute, Reminder, ReminderChannel, ReminderLevel, ReminderRun, ReminderRunStatus,
)

bp = tenant_blueprint("reminders", __name__, "/relances")


@bp.app_template_global()
def reminders_of(family_id: int, regie_id: int | None = None, invoice_id: int | None = None) -> list[Reminder]:
    """The reminders a family's account (or an invoice) page lists."""
    if invoice_id is not None:
        return runs.of_invoice(invoice_id)
    return runs.of_family(family_id, [regie_id] if regie_id is not None else None)


bp.add_app_template_global(sending.jobs_of, "reminder_jobs")  # the run page's progress bars


@bp.app_template_global()
def invoice_dispute(invoice_id: int) -> InvoiceDispute | None:
    return levels.disputed(invoice_id)


@bp.app_template_global()
def family_at_bailiff(family_id: int, regie_id: int) -> FamilyAtBailiff | None:
    return bailiff.at_bailiff(regie_id, family_id)


def _run(reminder_run_id: int) -> ReminderRun:
    return db.first_or_404(sa.select(ReminderRun).where(
        ReminderRun.id == reminder_run_id, ReminderRun.organisation_id == g.org.id,
        ReminderRun.regie_id.in_(visible_regie_ids())))


def _invoice(invoice_id: int) -> Invoice:
    return db.first_or_404(sa.select(Invoice).join(Invoice.batch).join(BillingPeriod).where(
        Invoice.id == invoice_id, BillingPeriod.organisation_id == g.org.id, Invoice.regie_id.in_(visible_regie_ids())))


def _back(run: ReminderRun) -> Any:
    return redirect_to(url_for("reminders.run", reminder_run_id=run.id))


@bp.get("/")
@requires("counter.view")
def index() -> Any:
    regie = chosen_regie()
    return _index(regie, RunForm(), _level_form(regie))


def _level_form(regie: Regie, level: ReminderLevel | None = None) -> LevelForm:
    """The level form, its activities those of the régie (none: the régie's own levels)."""
    form = LevelForm(obj=level)
    form.activity_id.choices = [(0, "Toutes : niveaux de la régie")] + [
        (activity.id, activity.name) for activity in db.session.scalars(
            sa.select(Activity).where(Activity.regie_id == regie.id).order_by(Activity.name))]
    return form


def _index(regie: Regie, form: RunForm, level_form: LevelForm, block: str | None = None) -> Any:
    listed = db.session.scalars(sa.select(ReminderRun).where(ReminderRun.regie_id == regie.id)
                                .order_by(ReminderRun.created_at.desc(), ReminderRun.id.desc())).all()
    failed = form if block == "form" else level_form
    sets = levels.level_sets(regie.id).values()
    return render("reminders/index.html", *([block, form_status(failed)] if block else []), form=form,
                  level_form=level_form, regie=regie, regies=visible_regies(), runs=listed,
                  levels=[level for by_rank in sets for level in by_rank.values()])


@bp.post("/niveaux")
@requires("counter.manage")
def add_level() -> Any:
    regie = chosen_regie()
    form = _level_form(regie)
    if submit(form, lambda data: levels.add_level(regie, data)):
        flash("Niveau de relance ajouté.", "success")
        return redirect_to(url_for("reminders.index", regie=regie.id))
    return _index(regie, RunForm(), form, "level_form")


@bp.route("/niveaux/<int:level_id>", methods=["GET", "POST"])
@requires("counter.manage")
def edit_level(level_id: int) -> Any:
    level = db.first_or_404(sa.select(ReminderLevel).where(
        ReminderLevel.id == level_id, ReminderLevel.organisation_id == g.org.id,
        ReminderLevel.regie_id.in_(visible_regie_ids())))
    form = _level_form(level.regie, level)
    if submit(form, lambda data: levels.update_level(level, data)):
        flash("Niveau de relance enregistré : il vaut pour les prochaines relances.", "success")
        return redirect_to(url_for("reminders.index", regie=level.regie_id))
    return render("reminders/level.html", "form", form_status(form), form=form, level=level)


@bp.post("/nouvelle")
@requires("counter.manage")
def create() -> Any:
    regie = chosen_regie()
    form = RunForm()
    if found := submit(form, lambda data: runs.open_run(regie, data)):
        flash("Brouillon de relances créé : vérifiez les familles.", "success")
        return _back(found)
    return _index(regie, form, _level_form(regie), "form")


@bp.get("/<int:reminder_run_id>")
@requires("counter.view")
def run(reminder_run_id: int) -> Any:
    found = _run(reminder_run_id)
    draft = runs.select(found) if found.status is ReminderRunStatus.DRAFT else None
    return render("reminders/run.html", run=found, draft=draft, form=ActionForm(),
                  reminders=documents.printable(found) if draft is None else [])


@bp.post("/<int:reminder_run_id>/familles")
@requires("counter.manage")
def families(reminder_run_id: int) -> Any:
    found = _run(reminder_run_id)
    if ActionForm().validate_on_submit():
        shown = {int(v) for v in request.form.getlist("shown") if v.isdigit() and len(v) < 12}
        kept = {int(v) for v in request.form.getlist("kept") if v.isdigit() and len(v) < 12}
        excluded = (set(found.excluded or ()) - shown) | (shown - kept)
        attempt(lambda: runs.choose_families(found, excluded), "Sélection enregistrée.")
    return _back(found)


@bp.post("/<int:reminder_run_id>/validation")
@requires("counter.manage")
def validate(reminder_run_id: int) -> Any:
    found = _run(reminder_run_id)
    if ActionForm().validate_on_submit():
        attempt(lambda: sending.send_when_due(found, runs.validate(found)),
                lambda sent: f"Relances validées : {len(sent)} relance(s).")
    return _back(found)


@bp.post("/<int:reminder_run_id>/suppression")
@requires("counter.manage")
def delete(reminder_run_id: int) -> Any:
    found = _run(reminder_run_id)
    regie_id = found.regie_id
    if ActionForm().validate_on_submit() and attempt(lambda: runs.delete_run(found), "Brouillon supprimé."):
        return redirect_to(url_for("reminders.index", regie=regie_id))
    return _back(found)


def _validated(reminder_run_id: int) -> ReminderRun:
    found = _run(reminder_run_id)
    if found.status is not ReminderRunStatus.VALIDATED:
        abort(404)
    return found


@bp.get("/<int:reminder_run_id>/lettres.pdf")
@requires("counter.view")
def letters(reminder_run_id: int) -> Any:
    found = _validated(reminder_run_id)
    return pdf_response(documents.letters_pdf(found), f"relances-{found.id}.pdf")


@bp.get("/<int:reminder_run_id>/courriers-a-poster.pdf")
@requires("counter.view")
def paper_letters(reminder_run_id: int) -> Any:
    """The letters of the families without an e-mail address, to print and post."""
    found = _validated(reminder_run_id)
    return pdf_response(documents.letters_pdf(found, ReminderChannel.PAPER), f"relances-{found.id}-courrier.pdf")


@bp.post("/<int:reminder_run_id>/lettres.zip")
@requires("counter.view")
def letters_zip(reminder_run_id: int) -> Any:
    """One PDF per reminder, written by the job runner: the page shows its progress, then the file."""
    found = _validated(reminder_run_id)
    if ActionForm().validate_on_submit():
        attempt(lambda: sending.start(found, sending.ZIP_KIND), "ZIP des courriers lancé : la progression "
                "s'affiche ci-dessous.")
    return _back(found)


@bp.post("/<int:reminder_run_id>/envoi")
@requires("counter.manage")
def send(reminder_run_id: int) -> Any:
    found = _validated(reminder_run_id)
    if ActionForm().validate_on_submit():
        attempt(lambda: sending.start(found, sending.KIND), "Envoi des e-mails lancé : la progression s'affiche ci-dessous.")
    return _back(found)


@bp.post("/factures/<int:invoice_id>/contestation")
@requires("counter.manage")
def dispute(invoice_id: int) -> Any:
    invoice = _invoice(invoice_id)
    form = DisputeForm()
    if form.validate_on_submit():
        attempt(lambda: levels.dispute(invoice, form.reason.data or ""),
                "Facture contestée : les relances la laissent de côté.")
    else:
        flash("Indiquez le motif de la contestation.", "error")
    return redirect_to(url_for("invoicing.invoice", invoice_id=invoice.id))


@bp.post("/factures/<int:invoice_id>/contestation/levee")
@requires("counter.manage")
def lift(invoice_id: int) -> Any:
    invoice = _invoice(invoice_id)
    if ActionForm().validate_on_submit():
        attempt(lambda: levels.lift_dispute(invoice), "Contestation levée : la facture revient dans les relances.")
    return redirect_to(url_for("invoicing.invoice", invoice_id=invoice.id))


@bp.post("/familles/<int:family_id>/regies/<int:regie_id>/huissier")
@requires("counter.manage")
def send_to_bailiff(family_id: int, regie_id: int) -> Any:
    return _bailiff(family_id, regie_id, bailiff.send_to_bailiff,
                    "Famille chez l'huissier : les relances de cette régie la laissent de côté.")


@bp.post("/familles/<int:family_id>/regies/<int:regie_id>/huissier/levee")
@requires("counter.manage")
def lift_bailiff(family_id: int, regie_id: int) -> Any:
    return _bailiff(family_id, regie_id, bailiff.lift_bailiff, "Huissier levé : la famille revient dans les relances.")


def _bailiff(family_id: int, regie_id: int, action: Any, done: str) -> Any:
    family, regie = db.get_or_404(Family, family_id, organisation_id=g.org.id), visible_regie(regie_id)
    form = BailiffForm()
    if form.validate_on_submit():
        attempt(lambda: action(regie, family, form.reason.data), done)
    else:
        flash("Indiquez le motif.", "error")
    return redirect_to(url_for("counter.account", family_id=family.id, regie_id=regie.id))
