"""The treasury: « mise en titre » of unpaid debts, from the selection to the irreversible settlement."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, abort, flash, g, request, url_for

from webapp import db
from webapp.auth.access import chosen_regie, requires, tenant_blueprint, visible_regie_ids, visible_regies
from webapp.errors import DomainError
from webapp.forms import attempt, form_status, refuse, submit
from webapp.htmx import redirect_to, render
from webapp.invoicing.models import Batch, BillingPeriod
from webapp.organisations.models import Regie
from webapp.pdf import pdf_response
from webapp.submissions import books_once
from webapp.treasury import documents, rolls, runs, selection, settle, titles_file
from webapp.treasury.forms import ActionForm, RunForm, SettleForm
from webapp.treasury.models import RollExport, RunStatus, TitledInvoice, TitleRun, TreasuryTitle

bp = tenant_blueprint("treasury", __name__, "/tresor")


@bp.app_template_global()
def invoice_title(invoice_id: int) -> TreasuryTitle | None:
    """The invoice's page names the title that took it over."""
    return db.session.scalar(sa.select(TreasuryTitle).join(TitledInvoice).where(TitledInvoice.invoice_id == invoice_id))


def _run(title_run_id: int) -> TitleRun:
    return db.first_or_404(sa.select(TitleRun).where(
        TitleRun.id == title_run_id, TitleRun.organisation_id == g.org.id, TitleRun.regie_id.in_(visible_regie_ids())))


def _back(run: TitleRun) -> Response:
    return redirect_to(url_for("treasury.run", title_run_id=run.id))


@bp.get("/")
@requires("counter.view")
def index() -> Any:
    regie = chosen_regie()
    return _index(regie, RunForm())


def _index(regie: Regie, form: RunForm) -> Any:
    listed = db.session.scalars(sa.select(TitleRun).where(TitleRun.regie_id == regie.id)
                                .order_by(TitleRun.created_at.desc(), TitleRun.id.desc())).all()
    return render("treasury/index.html", "form", form_status(form), form=form, regie=regie, regies=visible_regies(),
                  runs=listed)


@bp.post("/nouvelle")
@requires("counter.manage")
def create() -> Any:
    regie = chosen_regie()
    form = RunForm()
    if found := submit(form, lambda data: runs.open_run(regie, data)):
        flash("Mise en titre ouverte : vérifiez la sélection.", "success")
        return _back(found)
    return _index(regie, form)


@bp.get("/<int:title_run_id>")
@requires("counter.view")
def run(title_run_id: int) -> Any:
    found = _run(title_run_id)
    chosen = None if found.status is RunStatus.SETTLED else selection.select(found)
    return render("treasury/run.html", run=found, found=chosen, form=ActionForm(), settle_form=SettleForm())


@bp.post("/<int:title_run_id>/familles")
@requires("counter.manage")
def families(title_run_id: int) -> Any:
    found = _run(title_run_id)
    form = ActionForm()
    if form.validate_on_submit():
        shown = {int(v) for v in request.form.getlist("shown") if v.isdigit() and len(v) < 12}
        kept = {int(v) for v in request.form.getlist("family") if v.isdigit() and len(v) < 12}
        excluded = (set(found.excluded or ()) - shown) | (shown - kept)
        attempt(lambda: runs.choose_families(found, excluded), "Sélection enregistrée.")
    return _back(found)


@bp.post("/<int:title_run_id>/fichier")
@requires("counter.manage")
def write_file(title_run_id: int) -> Any:
    found = _run(title_run_id)
    if ActionForm().validate_on_submit():
        attempt(lambda: titles_file.write_file(found),
                lambda r: f"Fichier {r.file_name} produit : {r.file_count} titre(s). Contrôlez-le avant le règlement.")
    return _back(found)


@bp.get("/<int:title_run_id>/fichier")
@requires("counter.view")
def download(title_run_id: int) -> Any:
    found = _run(title_run_id)
    if found.file_data is None:
        abort(404)
    return Response(found.file_data, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{found.file_name}"'})


@bp.post("/<int:title_run_id>/controle")
@requires("counter.manage")
def control(title_run_id: int) -> Any:
    found = _run(title_run_id)
    if ActionForm().validate_on_submit():
        try:
            problems = titles_file.control(found)
        except DomainError as error:
            refuse(error.message)
            return _back(found)
        if problems:
            for problem in problems:
                flash(problem, "error")
            flash("Contrôle du fichier : différences trouvées, le règlement reste bloqué.", "error")
        else:
            flash(f"Contrôle du fichier réussi : {found.file_count} titre(s), même total que la liste.", "success")
    return _back(found)


@bp.post("/<int:title_run_id>/reglement")
@requires("counter.manage")
@books_once
def settlement(title_run_id: int) -> Any:
    found = _run(title_run_id)
    form = SettleForm()
    if submit(form, lambda data: settle.settle(found, data)):
        flash(f"Mise en titre réglée : {found.file_count} titre(s). Les factures se paient désormais au Trésor public.",
              "success")
        return _back(found)
    return render("treasury/run.html", "settle", form_status(form), run=found, form=ActionForm(), settle_form=form,
                  found=selection.select(found) if found.status is not RunStatus.SETTLED else None)


@bp.get("/<int:title_run_id>/liste-imputation")
@requires("counter.view")
def by_account(title_run_id: int) -> Any:
    found = _run(title_run_id)
    return render("treasury/list.html", run=found, title="Liste imputation", heading="Compte",
                  groups=documents.split(documents.sheets(found)))


@bp.get("/<int:title_run_id>/liste-detail")
@requires("counter.view")
def by_activity(title_run_id: int) -> Any:
    found = _run(title_run_id)
    return render("treasury/list.html", run=found, title="Liste détail", heading="Activité",
                  groups=documents.split(documents.sheets(found), by_activity=True))


@bp.get("/<int:title_run_id>/titres.pdf")
@requires("counter.view")
def titles_pdf(title_run_id: int) -> Any:
    found = _run(title_run_id)
    return pdf_response(documents.titles_pdf(found), f"titres-{found.fiscal_year}-{found.bordereau_number}.pdf")


# Rolls of a numbered lot ----------------------------------------------------------------------------------


def _batch(batch_id: int) -> Batch:
    return db.first_or_404(sa.select(Batch).join(BillingPeriod).where(
        Batch.id == batch_id, BillingPeriod.organisation_id == g.org.id, Batch.regie_id.in_(visible_regie_ids())))


def _export(export_id: int) -> RollExport:
    return db.first_or_404(sa.select(RollExport).where(
        RollExport.id == export_id, RollExport.organisation_id == g.org.id,
        RollExport.regie_id.in_(visible_regie_ids())))


def _to_rolls(batch_id: int) -> Response:
    return redirect_to(url_for("treasury.lot_rolls", batch_id=batch_id))


@bp.get("/lots/<int:batch_id>")
@requires("counter.view")
def lot_rolls(batch_id: int) -> Any:
    batch = _batch(batch_id)
    exports = db.session.scalars(sa.select(RollExport).where(RollExport.batch_id == batch.id)
                                 .order_by(RollExport.id.desc())).all()
    return render("treasury/rolls.html", batch=batch, exports=exports, form=ActionForm(), formats=rolls.FORMATS)


@bp.post("/lots/<int:batch_id>/role")
@requires("counter.manage")
def export_roll(batch_id: int) -> Any:
    batch = _batch(batch_id)
    if ActionForm().validate_on_submit():
        attempt(lambda: rolls.export_roll(batch), lambda e: f"{e} écrit et relu : {e.count} article(s).")
    return _to_rolls(batch.id)


@bp.get("/roles/<int:export_id>/fichier")
@requires("counter.view")
def roll_file(export_id: int) -> Any:
    export = _export(export_id)
    return Response(export.file_data, mimetype="application/xml" if export.roll_format == "pes" else "text/plain",
                    headers={"Content-Disposition": f'attachment; filename="{export.file_name}"'})


@bp.post("/roles/<int:export_id>/acquittement")
@requires("counter.manage")
def acknowledge_roll(export_id: int) -> Any:
    export = _export(export_id)
    if ActionForm().validate_on_submit():
        attempt(lambda: rolls.acknowledge(export), "Rôle marqué pris en charge par le Trésor.")
    return _to_rolls(export.batch_id)


@bp.post("/roles/<int:export_id>/suppression")
@requires("counter.manage")
def delete_roll(export_id: int) -> Any:
    export = _export(export_id)
    if ActionForm().validate_on_submit():
        attempt(lambda: rolls.delete(export, request.form.get("reason", "")[:2000]), "Rôle supprimé.")
    return _to_rolls(export.batch_id)
