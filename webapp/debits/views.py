"""Direct debits: mandates, and the run of a numbered lot from preparation to validation, rollback and rejects."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, abort, flash, g, request, url_for
from regie_sepa import SepaError, read
from sqlalchemy.orm import selectinload

from webapp import db
from webapp.auth.access import requires, tenant_blueprint, visible_regie, visible_regie_ids, visible_regies
from webapp.debits import documents, mandates, rejects, rollback, runs
from webapp.debits.forms import (
    ActionForm,
    AccountForm,
    CorrectForm,
    MandateForm,
    PrepareForm,
    RejectForm,
    ReportForm,
    RevokeForm,
    RollbackForm,
)
from webapp.debits.models import DebitFile, DebitRun, DebitRunItem, Mandate, RunStatus
from webapp.families.models import Family
from webapp.forms import attempt, form_status, refuse, submit
from webapp.htmx import redirect_to, render
from webapp.invoicing.models import Batch, BatchStatus, BillingPeriod
from webapp.organisations.models import Regie
from webapp.pdf import pdf_response
from webapp.submissions import books_once

bp = tenant_blueprint("debits", __name__, "/prelevements")
bp.add_app_template_global(mandates.status, "mandate_status")
bp.add_app_template_global(mandates.expiry, "mandate_expiry")


@bp.app_template_global()
def family_mandates(family: Family) -> tuple[list[Mandate], list[Regie]]:
    """The family's page lists its mandates at the régies the user sees, and where a new one may be signed."""
    regies = visible_regies()
    found = db.session.scalars(sa.select(Mandate).where(
        Mandate.family_id == family.id, Mandate.regie_id.in_([r.id for r in regies])).order_by(Mandate.id.desc())).all()
    return list(found), regies


def _mandate(mandate_id: int) -> Mandate:
    return db.first_or_404(sa.select(Mandate).where(
        Mandate.id == mandate_id, Mandate.organisation_id == g.org.id, Mandate.regie_id.in_(visible_regie_ids())))


def _run(run_id: int) -> DebitRun:
    return db.first_or_404(sa.select(DebitRun).where(
        DebitRun.id == run_id, DebitRun.organisation_id == g.org.id, DebitRun.regie_id.in_(visible_regie_ids()))
        .options(selectinload(DebitRun.items).selectinload(DebitRunItem.invoice)))


def _file(file_id: int) -> DebitFile:
    return db.first_or_404(sa.select(DebitFile).join(DebitRun).where(
        DebitFile.id == file_id, DebitRun.organisation_id == g.org.id, DebitRun.regie_id.in_(visible_regie_ids())))


def _lot(batch_id: int) -> Batch:
    return db.first_or_404(sa.select(Batch).join(BillingPeriod).where(
        Batch.id == batch_id, BillingPeriod.organisation_id == g.org.id, Batch.regie_id.in_(visible_regie_ids())))


@bp.get("/")
@requires("debits.view")
def index() -> Any:
    regie_ids = [r.id for r in visible_regies()]
    run_list = db.session.scalars(sa.select(DebitRun).where(
        DebitRun.organisation_id == g.org.id, DebitRun.regie_id.in_(regie_ids)).order_by(DebitRun.id.desc())).all()
    with_run = {r.batch_id for r in run_list if r.status in runs.LIVE}
    lots = [lot for lot in db.session.scalars(sa.select(Batch).join(BillingPeriod).where(
        BillingPeriod.organisation_id == g.org.id, Batch.regie_id.in_(regie_ids), BillingPeriod.fees_only.is_(False),
        Batch.status.in_((BatchStatus.NUMBERED, BatchStatus.EXPORTED))).order_by(Batch.id.desc())) if lot.id not in with_run]
    mandate_list = db.session.scalars(sa.select(Mandate).where(
        Mandate.organisation_id == g.org.id, Mandate.regie_id.in_(regie_ids))
        .order_by(Mandate.regie_id, Mandate.reference).options(selectinload(Mandate.family))).all()
    return render("debits/index.html", runs=run_list, lots=lots, mandates=mandate_list,
                  lapsing=mandates.lapsing(regie_ids), report_form=ReportForm())


# Mandates ---------------------------------------------------------------------------------------------


@bp.route("/familles/<int:family_id>/regies/<int:regie_id>/mandat", methods=["GET", "POST"])
@requires("debits.mandates")
def new_mandate(family_id: int, regie_id: int) -> Any:
    family, regie = db.get_or_404(Family, family_id, organisation_id=g.org.id), visible_regie(regie_id)
    form = MandateForm()
    if request.method == "GET" and (payer := family.payer) is not None:
        form.holder.data = f"{payer.civility} {payer.first_name} {payer.last_name}"[:70]
        form.street.data, form.postcode.data, form.town.data = payer.address_line1[:70], payer.postcode, payer.city[:35]
        form.signed_at.data = regie.city
    if mandate := submit(form, lambda data: mandates.create_mandate(regie, family, data)):
        flash(f"Mandat {mandate.reference} enregistré.", "success")
        return redirect_to(url_for("debits.mandate", mandate_id=mandate.id))
    return render("debits/new_mandate.html", "form", form_status(form), form=form, family=family, regie=regie)


@bp.get("/mandats/<int:mandate_id>")
@requires("debits.view")
def mandate(mandate_id: int) -> Any:
    m = _mandate(mandate_id)
    return _mandate_page(m, AccountForm(obj=m.account), CorrectForm(obj=_correct_defaults(m)), RevokeForm())


def _correct_defaults(m: Mandate) -> Any:
    class Defaults:
        pass
    values = Defaults()
    for name in ("holder", "iban", "bic", "street", "postcode", "town", "country"):
        setattr(values, name, getattr(m.account, name))
    values.signed_on, values.signed_at = m.signed_on, m.signed_at
    return values


def _mandate_page(m: Mandate, account_form: AccountForm, correct_form: CorrectForm, revoke_form: RevokeForm,
                  status: int = 200) -> Any:
    items = db.session.scalars(sa.select(DebitRunItem).where(DebitRunItem.mandate_id == m.id, DebitRunItem.excluded == "")
                               .order_by(DebitRunItem.id.desc())).all()
    return render("debits/mandate.html", status=status, mandate=m, account_form=account_form,
                  correct_form=correct_form, revoke_form=revoke_form, items=items)


@bp.post("/mandats/<int:mandate_id>/compte")
@requires("debits.mandates")
def change_account(mandate_id: int) -> Any:
    m = _mandate(mandate_id)
    form = AccountForm()
    if submit(form, lambda data: mandates.change_account(m, data)):
        flash("Changement de compte enregistré : le prochain prélèvement le signalera à la banque.", "success")
        return redirect_to(url_for("debits.mandate", mandate_id=m.id))
    return _mandate_page(m, form, CorrectForm(obj=_correct_defaults(m)), RevokeForm(), 422)


@bp.post("/mandats/<int:mandate_id>/correction")
@requires("debits.mandates")
def correct(mandate_id: int) -> Any:
    m = _mandate(mandate_id)
    form = CorrectForm()
    if submit(form, lambda data: mandates.correct_entry(m, data)):
        flash("Saisie corrigée.", "success")
        return redirect_to(url_for("debits.mandate", mandate_id=m.id))
    return _mandate_page(m, AccountForm(obj=m.account), form, RevokeForm(), 422)


@bp.post("/mandats/<int:mandate_id>/revocation")
@requires("debits.mandates")
def revoke(mandate_id: int) -> Any:
    m = _mandate(mandate_id)
    form = RevokeForm()
    if submit(form, lambda data: mandates.revoke(m, data["reason"])):
        flash("Mandat révoqué.", "success")
        return redirect_to(url_for("debits.mandate", mandate_id=m.id))
    return _mandate_page(m, AccountForm(obj=m.account), CorrectForm(obj=_correct_defaults(m)), form, 422)


# The run ----------------------------------------------------------------------------------------------


@bp.route("/lots/<int:batch_id>/preparer", methods=["GET", "POST"])
@requires("debits.run")
def prepare(batch_id: int) -> Any:
    lot = _lot(batch_id)
    if (existing := runs.live_run(lot)) is not None:
        return render("debits/prepare.html", lot=lot, existing=existing)
    proposed = runs.proposed_dates(lot)
    form = PrepareForm()
    if request.method == "GET":
        form.first_date.data, form.recurrent_date.data = proposed.values()
        form.reason.data = f"Factures {lot.period.label}"[:100]
    if run := submit(form, lambda data: runs.prepare_run(lot, data)):
        flash("Prélèvements préparés : vérifiez la liste, puis construisez les fichiers.", "success")
        return redirect_to(url_for("debits.run", run_id=run.id))
    return render("debits/prepare.html", "form", form_status(form), form=form, lot=lot, proposed=proposed)


@bp.get("/<int:run_id>")
@requires("debits.view")
def run(run_id: int) -> Any:
    r = _run(run_id)
    checked = []
    for file in r.files:
        try:
            checked.append((file, read(file.content)))
        except SepaError as e:  # stored as built and read back: only a damaged database gets here
            checked.append((file, str(e)))
    return render("debits/run.html", run=r, totals=runs.totals(r), short_notice=runs.short_notice(r),
                  checked=checked, form=ActionForm(), report_form=ReportForm(), reject_form=RejectForm(),
                  RunStatus=RunStatus)


def _action(run_id: int, action: Any, done: str) -> Any:
    r = _run(run_id)
    attempt(lambda: action(r), done)
    return redirect_to(url_for("debits.run", run_id=r.id))


@bp.post("/<int:run_id>/fichiers")
@requires("debits.run")
def build(run_id: int) -> Any:
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    return _action(run_id, runs.build, "Fichiers construits et relus : vérifiez-les avant de les télécharger.")


@bp.post("/<int:run_id>/transmis")
@requires("debits.run")
def transmit(run_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    return _action(run_id, runs.transmit, "Fichiers marqués transmis.")


@bp.post("/<int:run_id>/valider")
@requires("debits.run")
@books_once
def validate(run_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    return _action(run_id, runs.validate, "Prélèvements validés : les règlements sont enregistrés.")


@bp.post("/<int:run_id>/annuler")
@requires("debits.run")
def cancel(run_id: int) -> Any:
    r = _run(run_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if attempt(lambda: runs.cancel(r), "Prélèvements annulés : rien n'a été enregistré."):
        return redirect_to(url_for("debits.index"))
    return redirect_to(url_for("debits.run", run_id=run_id))


@bp.get("/fichiers/<int:file_id>")
@requires("debits.view")
def download(file_id: int) -> Any:
    file = _file(file_id)
    return Response(file.content, mimetype="application/xml",
                    headers={"Content-Disposition": f"attachment; filename={file.name}"})


@bp.get("/mandats/<int:mandate_id>/pdf")
@requires("debits.view")
def mandate_pdf(mandate_id: int) -> Any:
    found = _mandate(mandate_id)
    return pdf_response(documents.mandate(found), f"mandat-{found.reference}.pdf")


@bp.get("/<int:run_id>/liste.pdf")
@requires("debits.view")
def run_pdf(run_id: int) -> Any:
    return pdf_response(documents.run_list(_run(run_id)), f"prelevements-{run_id}.pdf")


@bp.get("/fichiers/<int:file_id>/bordereau.pdf")
@requires("debits.view")
def covering_slip(file_id: int) -> Any:
    file = _file(file_id)
    return pdf_response(documents.covering_slip(file), f"bordereau-{file.message_id}.pdf")


@bp.route("/<int:run_id>/annulation", methods=["GET", "POST"])
@requires("debits.run")
@books_once
def roll_back(run_id: int) -> Any:
    """« Annuler les derniers prélèvements »: the preview first, then the confirmation with its reason."""
    r = _run(run_id)
    form = RollbackForm()
    if submit(form, lambda data: rollback.roll_back(r, data["reason"])):
        flash("Prélèvements annulés : les mandats sont revenus à leur état d'avant, les factures sont à nouveau dues.",
              "success")
        return redirect_to(url_for("debits.run", run_id=r.id))
    return render("debits/rollback.html", "form", form_status(form), run=r, form=form, plan=rollback.preview(r))


@bp.post("/<int:run_id>/rejets")
@requires("debits.run")
@books_once
def import_report(run_id: int) -> Any:
    r = _run(run_id)
    form = ReportForm()
    if outcome := submit(form, lambda data: rejects.import_report(g.org.id, {r.regie_id}, data["file"].stream)):
        flash(f"Compte rendu lu : {len(outcome.booked)} rejet(s) enregistré(s)"
              + (f", {len(outcome.already)} déjà connu(s)" if outcome.already else "")
              + (f", inconnu(s) : {', '.join(outcome.unknown)}" if outcome.unknown else "") + ".", "success")
        return redirect_to(url_for("debits.run", run_id=r.id))
    refuse(*form.form_errors, *form.file.errors)
    return redirect_to(url_for("debits.run", run_id=r.id))


@bp.post("/lignes/<int:item_id>/rejet")
@requires("debits.run")
@books_once
def reject(item_id: int) -> Any:
    item = db.first_or_404(sa.select(DebitRunItem).join(DebitRun).where(
        DebitRunItem.id == item_id, DebitRun.organisation_id == g.org.id, DebitRun.regie_id.in_(visible_regie_ids())))
    form = RejectForm()
    if not submit(form, lambda data: rejects.by_hand(item, data)):
        refuse(*form.form_errors, *form.code.errors)
    else:
        flash("Rejet enregistré : la facture est à nouveau due.", "success")
    return redirect_to(url_for("debits.run", run_id=item.run_id))
