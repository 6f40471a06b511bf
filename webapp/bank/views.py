"""Bank statements: upload a CODA or OFX file, preview it, import it in one go (a job for a big file); the
statements imported; the rejected movements and their « Corriger »."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from regie_coda import ogm
from flask import abort, current_app, flash, g, request, url_for

from webapp import db
from webapp.auth.access import can, requires, tenant_blueprint, visible_regie, visible_regie_ids, visible_regies
from webapp.bank import jobs, matching, services
from webapp.bank.forms import ConfirmForm, CorrectForm, DismissForm, UploadForm
from webapp.bank.models import BankMovement, BankStatement, MovementStatus
from webapp.counter import queries
from webapp.counter.forms import PaymentLines
from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.forms import attempt, form_status, refuse, submit
from webapp.guards import query_int
from webapp.htmx import redirect_to, render
from webapp.imports.services import preview_folder, stored_path
from webapp.submissions import books_once

bp = tenant_blueprint("bank", __name__, "/banque")
bp.add_app_template_filter(ogm.format, "ogm")


def _statement(statement_id: int) -> BankStatement:
    return db.first_or_404(sa.select(BankStatement).where(
        BankStatement.id == statement_id, BankStatement.organisation_id == g.org.id,
        BankStatement.regie_id.in_(visible_regie_ids())))


def _movement(movement_id: int) -> BankMovement:
    return db.first_or_404(sa.select(BankMovement).where(
        BankMovement.id == movement_id, BankMovement.organisation_id == g.org.id,
        BankMovement.regie_id.in_(visible_regie_ids())))


@bp.route("/", methods=["GET", "POST"])
@requires("counter.view")
def index() -> Any:
    form = UploadForm()
    form.set_regies(visible_regies())
    if form.validate_on_submit():
        if not can("counter.take"):
            abort(403)
        data = form.file.data.read()
        regie = visible_regie(form.regie_id.data)
        try:
            plan = services.plan(regie, data)
        except DomainError as error:
            form.file.errors = [*form.file.errors, error.message]
        else:
            stored_path(preview_folder(), plan.content_hash).write_bytes(data)
            confirm = ConfirmForm(formdata=None, regie_id=regie.id, content_hash=plan.content_hash,
                                  filename=(form.file.data.filename or "releve")[-200:])
            return render("bank/preview.html", plan=plan, confirm=confirm, regie=regie, statuses=MovementStatus,
                          big=len(plan.rows) >= current_app.config["BANK_JOB_MOVEMENTS"])
    statements = db.session.scalars(sa.select(BankStatement).where(
        BankStatement.organisation_id == g.org.id, BankStatement.regie_id.in_(visible_regie_ids()))
        .order_by(BankStatement.id.desc()).limit(50)).all()
    return render("bank/index.html", "upload", form_status(form), form=form, statements=statements,
                  jobs=jobs.recent(g.org.id, visible_regie_ids()))


@bp.post("/confirmation")
@requires("counter.take")
@books_once
def confirm() -> Any:
    form = ConfirmForm()
    form.set_regies(visible_regies())
    if not form.validate_on_submit():
        refuse("Le formulaire a expiré : déposez le fichier à nouveau.")
        return redirect_to(url_for("bank.index"))
    regie = visible_regie(form.regie_id.data)
    try:
        path = stored_path(preview_folder(), form.content_hash.data)
    except DomainError as error:
        refuse(error.message)
        return redirect_to(url_for("bank.index"))
    if not path.exists():
        refuse("Le fichier déposé n'est plus là : déposez-le à nouveau.")
        return redirect_to(url_for("bank.index"))
    data = path.read_bytes()
    try:
        if services.movement_count(data) >= current_app.config["BANK_JOB_MOVEMENTS"]:
            job = jobs.start(regie, form.filename.data, form.content_hash.data)
            flash("Le relevé est long : il s'importe en arrière-plan, suivez sa progression ci-dessous.", "info")
            return redirect_to(url_for("bank.index", _anchor=f"job-{job.id}"))
        imported = services.import_file(regie, form.filename.data, data)
    except DomainError as error:
        refuse(error.message)
        return redirect_to(url_for("bank.index"))
    flash(jobs.summary(imported), "success")
    db.after_commit(lambda: path.unlink(missing_ok=True))
    if not imported.statements:  # another agent imported the same file meanwhile
        return redirect_to(url_for("bank.index"))
    return redirect_to(url_for("bank.statement", statement_id=imported.statements[0].id))


@bp.get("/releves/<int:statement_id>")
@requires("counter.view")
def statement(statement_id: int) -> Any:
    statement = _statement(statement_id)
    rows = db.session.scalars(sa.select(BankMovement).where(BankMovement.statement_id == statement.id)
                              .order_by(BankMovement.id)).all()
    groups = {status: [m for m in rows if m.status is status] for status in MovementStatus}
    return render("bank/statement.html", statement=statement, groups=groups, statuses=MovementStatus)


@bp.get("/rejets")
@requires("counter.view")
def rejected() -> Any:
    rows = services.rejected(sorted(visible_regie_ids()))
    return render("bank/rejected.html", rows=rows, total=sum((m.amount for m in rows), 0))


@bp.route("/mouvements/<int:movement_id>/corriger", methods=["GET", "POST"])
@requires("counter.take")
@books_once
def correct(movement_id: int) -> Any:
    """Choose the family (`?famille=`), then the invoices and the split as at the counter."""
    movement = _movement(movement_id)
    regie = visible_regie(movement.regie_id)
    chosen = query_int("famille")
    family_id = chosen or movement.family_id
    family = db.session.scalar(sa.select(Family).where(Family.id == family_id, Family.organisation_id == g.org.id))
    if chosen and family is None:
        abort(404)
    form, dismiss_form = CorrectForm(), DismissForm(formdata=None)
    view = lines = None
    if family is not None and movement.status is MovementStatus.REJECTED:
        view = queries.account_view(regie.id, family.id)
        lines = PaymentLines(view.invoices, request.form, movement.amount,
                             (movement.invoice_id,) if movement.invoice_id else ())
        payment = submit(form, lambda data: services.correct(regie, movement, family, lines.shares(),
                                                              data["keep_credit"]))
        if payment:
            flash("Mouvement corrigé : le virement est enregistré.", "success")
            return redirect_to(url_for("counter.payment", payment_id=payment.id))
    families = db.session.scalars(sa.select(Family).where(Family.organisation_id == g.org.id,
                                                          Family.archived_at.is_(None))
                                  .order_by(Family.label, Family.id).limit(2000)).all()
    suggested = matching.suggestions(regie, movement.amount, movement.counterparty_name or movement.communication)
    return render("bank/correct.html", "form", form_status(form), movement=movement, regie=regie, family=family,
                  families=families, suggested=suggested, view=view, lines=lines, form=form,
                  dismiss_form=dismiss_form)


@bp.post("/mouvements/<int:movement_id>/hors-regie")
@requires("counter.take")
@books_once
def dismiss(movement_id: int) -> Any:
    movement = _movement(movement_id)
    regie = visible_regie(movement.regie_id)
    form = DismissForm()
    if not form.validate_on_submit():
        refuse(*(e for errors in form.errors.values() for e in errors))
        return redirect_to(url_for("bank.correct", movement_id=movement.id))
    if attempt(lambda: services.dismiss(regie, movement, form.reason.data), "Mouvement mis de côté : pas pour la "
               "régie."):
        return redirect_to(url_for("bank.rejected"))
    return redirect_to(url_for("bank.correct", movement_id=movement.id))
