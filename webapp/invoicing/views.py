"""Billing periods, their batches and invoices."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, g, request, url_for
from sqlalchemy.orm import contains_eager, selectinload

from webapp.organisations.mentions import mention
from webapp import db
from webapp.auth.access import requires, tenant_blueprint, visible_regie_ids
from webapp.forms import attempt, form_status, refuse, submit
from webapp.htmx import redirect_to, render
from webapp.submissions import books_once
from webapp.families.models import Family
from webapp.imports.services import undone_since
from webapp.invoicing import compute as computing
from webapp.exports import Column, Kind, export_response
from webapp.invoicing import cancellation, corrections, documents, jobs, listing, services, summary
from webapp.invoicing.forms import ManualLineForm, PeriodEditForm, PeriodForm, ReasonForm, ThresholdForm
from webapp.invoicing.models import (
    Batch, BillingPeriod, Invoice, InvoiceKind, InvoiceLine, InvoiceNotice, InvoiceStatus, not_cancelled,
)
from webapp.jobs.models import Job
from webapp.pdf import file_name, pdf_response
from webapp.tariffs.models import Activity

bp = tenant_blueprint("invoicing", __name__, "/facturation")
bp.add_app_template_global(mention)
bp.add_app_template_global(documents.debited_automatically)  # the invoice's PDF and e-mail, also made by jobs
bp.add_app_template_global(cancellation.blockers, "cancel_blockers")
bp.add_app_template_global(listing.status_of)  # the invoice's page says why it cannot be


def _batch(batch_id: int) -> Batch:
    return db.first_or_404(sa.select(Batch).join(BillingPeriod).where(
        Batch.id == batch_id, BillingPeriod.organisation_id == g.org.id, Batch.regie_id.in_(visible_regie_ids())))


@bp.get("/")
@requires("billing.view")
def index() -> Any:
    periods = db.session.scalars(
        sa.select(BillingPeriod).where(BillingPeriod.organisation_id == g.org.id)
        .options(selectinload(BillingPeriod.batches)).order_by(BillingPeriod.start_date.desc(), BillingPeriod.id.desc())
    ).all()
    return render("invoicing/index.html", periods=periods,
                  visible=visible_regie_ids())


@bp.route("/periodes/nouvelle", methods=["GET", "POST"])
@requires("billing.run")
def create_period() -> Any:
    regies = [r for r in g.org.regies if r.id in visible_regie_ids()]
    activities = db.session.scalars(sa.select(Activity).where(Activity.regie_id.in_([r.id for r in regies]))
                                    .order_by(Activity.name)).all()
    form = PeriodForm()
    form.set_choices(regies, activities)

    def create(data: dict[str, Any]) -> BillingPeriod:
        return services.create_period(g.org, data, [r for r in regies if r.id in data["regies"]],
                                      [a for a in activities if a.id in data["activities"]])

    if period := submit(form, create):
        flash(f"Période « {period.label} » créée : calculez ses lots.", "success")
        return redirect_to(url_for("invoicing.index"))
    return render("invoicing/period_form.html", "form", form_status(form), form=form)


def _held_note(held: list[Invoice], shown: int = 5) -> str:
    """What numbering leaves out, said where it is confirmed and when it is done: how many families wait, and why."""
    if not held:
        return ""
    reasons = " ; ".join(f"{i.family.label} ({i.hold_reason.replace(chr(10), ' · ').rstrip('.')})"
                         for i in held[:shown])
    more = f" ; et {len(held) - shown} autre(s)" if len(held) > shown else ""
    return (f"{len(held)} famille(s) en attente ne seront pas facturées par ce lot "
            f"(à corriger puis recalculer) : {reasons}{more}.")


def _held(batch: Batch) -> list[Invoice]:
    return list(db.session.scalars(
        sa.select(Invoice).join(Invoice.family).where(Invoice.batch_id == batch.id, Invoice.status == InvoiceStatus.HELD)
        .options(selectinload(Invoice.family)).order_by(*documents.FAMILY_ORDER)))


@bp.get("/lots/<int:batch_id>")
@requires("billing.view")
def batch(batch_id: int) -> Any:
    batch = _batch(batch_id)
    invoices = db.session.scalars(
        sa.select(Invoice).join(Invoice.family).where(Invoice.batch_id == batch.id)
        .options(selectinload(Invoice.family).selectinload(Family.guardians))  # the payer's e-mail, per row
        .order_by(*documents.FAMILY_ORDER)
    ).all()
    jobs = db.session.scalars(sa.select(Job).where(Job.batch_id == batch.id).order_by(Job.id.desc()).limit(5)).all()
    notices = {n.invoice_id: n for n in db.session.scalars(
        sa.select(InvoiceNotice).where(InvoiceNotice.invoice_id.in_([i.id for i in invoices])))}
    held = [i for i in invoices if i.status is InvoiceStatus.HELD]
    return render("invoicing/batch.html", batch=batch, invoices=invoices, totals=summary.lot_totals(batch), held=held,
                  held_note=_held_note(held), undone_imports=undone_since(batch),
                  jobs=jobs, notices=notices,
                  notifying=any(j.kind == "notify" and j.active for j in jobs))


def _batch_action(batch_id: int, action: Any, message: str) -> Any:
    batch = _batch(batch_id)
    attempt(lambda: action(batch), message)
    return redirect_to(url_for("invoicing.batch", batch_id=batch_id))


@bp.post("/lots/<int:batch_id>/calcul")
@requires("billing.run")
@books_once
def compute(batch_id: int) -> Any:
    """A small batch is computed at once; a large one in the background, its page showing the progress."""
    if computing.size(_batch(batch_id)) > current_app.config["COMPUTE_INLINE_LIMIT"]:
        return _start(batch_id, "compute", "Calcul lancé en arrière-plan : la page reste utilisable.")
    return _batch_action(batch_id, services.compute_batch, "Lot calculé.")


@bp.post("/lots/<int:batch_id>/numerotation")
@requires("billing.run")
@books_once
def number(batch_id: int) -> Any:
    batch = _batch(batch_id)
    held = _held(batch)
    attempt(lambda: services.number_batch(batch),
            " ".join(filter(None, ["Factures numérotées.", _held_note(held)])))
    return redirect_to(url_for("invoicing.batch", batch_id=batch_id))


@bp.post("/lots/<int:batch_id>/export")
@requires("billing.run")
@books_once
def export(batch_id: int) -> Any:
    return _batch_action(batch_id, services.export_batch, "Lot exporté : ses factures sont désormais définitives.")


def _invoice(invoice_id: int) -> Invoice:
    return db.first_or_404(
        sa.select(Invoice).join(Batch).join(BillingPeriod)
        .where(Invoice.id == invoice_id, BillingPeriod.organisation_id == g.org.id,
               Invoice.regie_id.in_(visible_regie_ids()))
        .options(selectinload(Invoice.lines).selectinload(InvoiceLine.child))
    )


@bp.get("/factures/<int:invoice_id>")
@requires("billing.view")
def invoice(invoice_id: int) -> Any:
    invoice = _invoice(invoice_id)
    by_child: dict[Any, list[InvoiceLine]] = defaultdict(list)
    for line in invoice.lines:
        by_child[line.child].append(line)
    return render("invoicing/invoice.html", invoice=invoice, by_child=by_child)


@bp.get("/factures/<int:invoice_id>.pdf")
@requires("billing.view")
def invoice_pdf(invoice_id: int) -> Any:
    invoice = _invoice(invoice_id)
    pdf = documents.render_invoices([invoice], detailed=request.args.get("detail") == "1")
    return pdf_response(pdf, documents.filename(invoice))


def _start(batch_id: int, kind: str, message: str) -> Any:
    batch = _batch(batch_id)
    attempt(lambda: jobs.start(kind, batch), message)
    return redirect_to(url_for("invoicing.batch", batch_id=batch_id))


@bp.post("/lots/<int:batch_id>/documents/<any(pdf, pdf_detail, zip):kind>")
@requires("billing.view")
def documents_job(batch_id: int, kind: str) -> Any:
    return _start(batch_id, kind, "Préparation lancée : le lien de téléchargement apparaît ci-dessous une fois prêt.")


@bp.post("/lots/<int:batch_id>/envoi")
@requires("billing.run")
@books_once
def notify(batch_id: int) -> Any:
    return _start(batch_id, "notify", "Envoi des factures lancé : la progression s'affiche ci-dessous.")


def _period(period_id: int) -> BillingPeriod:
    """A period of the organisation whose every lot the agent may see."""
    period = db.first_or_404(sa.select(BillingPeriod).where(BillingPeriod.id == period_id,
                                                            BillingPeriod.organisation_id == g.org.id))
    if not {b.regie_id for b in period.batches} <= set(visible_regie_ids()):
        abort(404)
    return period


@bp.route("/periodes/<int:period_id>/modifier", methods=["GET", "POST"])
@requires("billing.run")
def edit_period(period_id: int) -> Any:
    period = _period(period_id)
    regie_ids = [b.regie_id for b in period.batches]
    activities = db.session.scalars(sa.select(Activity).where(Activity.regie_id.in_(regie_ids))
                                    .order_by(Activity.name)).all()
    form = PeriodEditForm(data={**{name: getattr(period, name) for name in services.PERIOD_FIELDS},
                                "activities": [a.id for a in period.activities]})
    form.set_choices([], activities)

    def update(data: dict[str, Any]) -> Any:
        return corrections.update_period(period, data, [a for a in activities if a.id in data["activities"]])

    if (changes := submit(form, update)) is not None:
        flash("Période modifiée." + (" Ses factures calculées ont été supprimées : recalculez ses lots."
                                     if set(changes) & set(corrections.COMPUTED_FROM) else ""), "success")
        return redirect_to(url_for("invoicing.index"))
    return render("invoicing/period_form.html", "form", form_status(form), form=form, period=period)


@bp.post("/periodes/<int:period_id>/suppression")
@requires("billing.run")
def delete_period(period_id: int) -> Any:
    period = _period(period_id)
    label = period.label
    attempt(lambda: corrections.delete_period(period), f"Période « {label} » supprimée.")
    return redirect_to(url_for("invoicing.index"))


@bp.post("/lots/<int:batch_id>/suppression-factures")
@requires("billing.run")
def discard(batch_id: int) -> Any:
    return _batch_action(batch_id, corrections.discard_drafts,
                         "Factures du lot supprimées : les pointages restent à facturer.")


@bp.post("/lots/<int:batch_id>/seuil")
@requires("billing.run")
def threshold(batch_id: int) -> Any:
    batch = _batch(batch_id)
    form = ThresholdForm()
    if not form.validate_on_submit():
        refuse(*_errors(form))
    else:
        attempt(lambda: corrections.apply_threshold(batch, form.threshold.data),
                lambda dropped: f"Seuil appliqué : {dropped} facture(s) retirée(s) du lot, restées à facturer.")
    return redirect_to(url_for("invoicing.batch", batch_id=batch_id))


def _errors(form: Any) -> list[str]:
    """A form without a page of its own says its errors in the flash, each with its field's label."""
    return [f"{form[name].label.text} : {message}" for name, errors in form.errors.items() for message in errors]


def _cancel(invoices: list[Invoice], back: str) -> Any:
    form = ReasonForm()
    if not form.validate_on_submit():
        refuse(*_errors(form))
    else:
        attempt(lambda: cancellation.cancel_invoices(invoices, form.reason.data,
                                                     keep_payments_as_credit=form.keep_credit.data),
                lambda made: f"{len(made)} avoir(s) émis : {', '.join(c.number for c in made)}. Les pointages "
                             "sont de nouveau à facturer.")
    return redirect_to(back)


@bp.post("/lots/<int:batch_id>/annulation")
@requires("billing.run")
@books_once
def cancel_batch(batch_id: int) -> Any:
    batch = _batch(batch_id)
    invoices = db.session.scalars(sa.select(Invoice).where(
        Invoice.batch_id == batch.id, Invoice.kind == InvoiceKind.INVOICE, Invoice.status == InvoiceStatus.NUMBERED,
        not_cancelled()).order_by(Invoice.id)).all()
    return _cancel(list(invoices), url_for("invoicing.batch", batch_id=batch_id))


@bp.post("/factures/<int:invoice_id>/annulation")
@requires("billing.run")
@books_once
def cancel_invoice(invoice_id: int) -> Any:
    invoice = _invoice(invoice_id)
    return _cancel([invoice], url_for("invoicing.invoice", invoice_id=invoice_id))


@bp.route("/lots/<int:batch_id>/ligne", methods=["GET", "POST"])
@requires("billing.run")
def manual_line(batch_id: int) -> Any:
    batch = _batch(batch_id)
    families = db.session.scalars(sa.select(Family).where(Family.organisation_id == g.org.id)
                                  .order_by(Family.label, Family.number)).all()
    activities = db.session.scalars(sa.select(Activity).where(Activity.regie_id == batch.regie_id)
                                    .order_by(Activity.name)).all()
    form = ManualLineForm(family_id=request.args.get("famille", type=int))
    form.set_choices(families, activities)

    def add(data: dict[str, Any]) -> Invoice:
        family = next(f for f in families if f.id == data["family_id"])
        return corrections.add_manual_line(batch, family, data)

    if invoice := submit(form, add):
        flash(f"Ligne ajoutée à la facture de {invoice.family.label} : elle sera numérotée avec le lot.", "success")
        return redirect_to(url_for("invoicing.invoice", invoice_id=invoice.id))
    return render("invoicing/manual_line.html", "form", form_status(form), form=form, batch=batch)


@bp.get("/factures/")
@requires("billing.view")
def invoices() -> Any:
    """« Qui doit quoi »: the numbered invoices of the régies the agent sees, filtered, with their totals."""
    filters = listing.parse_filters(request.args, visible_regie_ids())
    periods = db.session.scalars(sa.select(BillingPeriod).where(
        BillingPeriod.organisation_id == g.org.id, BillingPeriod.corrects_id.is_(None))
        .order_by(BillingPeriod.start_date.desc())).all()
    return render("invoicing/invoices.html", "results", filters=filters, periods=periods,
                  statuses=listing.Status, totals=listing.totals(g.org.id, filters),
                  invoices=list(listing.invoices(g.org.id, filters)), shown=listing.SHOWN)


@bp.get("/factures/export")
@requires("billing.view")
def export_invoices() -> Any:
    filters = listing.parse_filters(request.args, visible_regie_ids())
    return export_response(request.args.get("format", "csv"), "factures", listing.COLUMNS, listing.rows_for_export(g.org.id, filters))


@bp.get("/lots/<int:batch_id>/recapitulatif.pdf")
@requires("billing.view")
def summary_pdf(batch_id: int) -> Any:
    batch = _batch(batch_id)
    return pdf_response(summary.summary_pdf(batch), file_name("recapitulatif", batch.period.label, batch.regie.name))


LINE_COLUMNS = [
    Column("Facture", lambda line: line.invoice.number or "brouillon"),
    Column("Famille", lambda line: line.invoice.family.label),
    Column("Enfant", lambda line: f"{line.child.last_name.upper()} {line.child.first_name}" if line.child else ""),
    Column("Activité", lambda line: line.activity.name if line.activity else ""),
    Column("Libellé", lambda line: line.label), Column("Imputation", lambda line: line.accounting_code),
    Column("Prix unitaire", lambda line: line.unit_price, Kind.MONEY),
    Column("Quantité", lambda line: line.quantity, Kind.NUMBER), Column("Montant", lambda line: line.amount, Kind.MONEY),
    Column("Ajoutée à la main", lambda line: "oui" if line.manual else ""),
]


@bp.get("/lots/<int:batch_id>/lignes/export")
@requires("billing.view")
def export_lines(batch_id: int) -> Any:
    """Every line of the lot's invoices (held drafts aside), for the finance officer's own checks."""
    batch = _batch(batch_id)
    lines = db.session.scalars(
        sa.select(InvoiceLine).join(InvoiceLine.invoice).join(Invoice.family)
        .where(Invoice.batch_id == batch.id, Invoice.status != InvoiceStatus.HELD)
        .options(contains_eager(InvoiceLine.invoice).contains_eager(Invoice.family),
                 selectinload(InvoiceLine.child), selectinload(InvoiceLine.activity))
        .order_by(*documents.FAMILY_ORDER, InvoiceLine.id).execution_options(yield_per=1000))
    return export_response(request.args.get("format", "csv"), f"lignes-lot-{batch.id}", LINE_COLUMNS, lines)
