"""The counter: take payments, accounts and statements, refunds, cancellations, write-offs, the cash
journal, deposit slips and the régie's state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, g, request, url_for
from sqlalchemy.orm import selectinload

from webapp import db
from webapp.auth.access import can, chosen_regie, requires, tenant_blueprint, visible_regie, visible_regie_ids, visible_regies
from webapp.counter import (
    closings, documents, journal, ledger, payment_search, queries, references, reports, services, slips,
)
from webapp.counter.amounts import ZERO
from webapp.counter.school_years import school_year_label, school_year_of
from webapp.counter.forms import (
    CancelForm,
    CloseYearForm,
    ClosingForm,
    PaymentForm,
    PaymentLines,
    RefundForm,
    ReopenForm,
    SlipForm,
    WriteOffForm,
)
from webapp.counter.models import (
    Account,
    Allocation,
    DepositSlip,
    Payment,
    PaymentMode,
    SlipItem,
)
from webapp.errors import DomainError
from webapp.exports import Column, Kind, export_response
from webapp.families.models import Family
from webapp.formatting import today
from webapp.forms import attempt, form_status, french_decimal, plausible_date, refuse, submit
from webapp.guards import query_date, query_year
from webapp.htmx import redirect_to, render
from webapp.submissions import books_once
from webapp.invoicing.models import Batch, BillingPeriod, Invoice
from webapp.organisations.models import Regie
from webapp.pdf import pdf_response

bp = tenant_blueprint("counter", __name__, "/caisse")


bp.add_app_template_global(school_year_label)
bp.add_app_template_global(queries.invoice_settlement)  # the invoice's page shows what settled it


@bp.app_template_global()
def family_accounts(family: Family) -> list[Account]:
    """The family's page shows its accounts at the régies the user sees."""
    return queries.family_accounts(family.id, visible_regie_ids())


def _family(family_id: int) -> Family:
    return db.get_or_404(Family, family_id, organisation_id=g.org.id)


def _payment(payment_id: int) -> Payment:
    return db.first_or_404(sa.select(Payment).where(
        Payment.id == payment_id, Payment.organisation_id == g.org.id, Payment.regie_id.in_(visible_regie_ids()))
        .options(selectinload(Payment.allocations).selectinload(Allocation.invoice)))


def _slip(slip_id: int) -> DepositSlip:
    return db.first_or_404(
        sa.select(DepositSlip).where(DepositSlip.id == slip_id, DepositSlip.organisation_id == g.org.id,
                                     DepositSlip.regie_id.in_(visible_regie_ids()))
        .options(selectinload(DepositSlip.items).selectinload(SlipItem.payment).selectinload(Payment.family)))


def _invoice(invoice_id: int) -> Invoice:
    return db.first_or_404(sa.select(Invoice).join(Batch).join(BillingPeriod).where(
        Invoice.id == invoice_id, BillingPeriod.organisation_id == g.org.id, Invoice.regie_id.in_(visible_regie_ids())))


# Taking a payment -------------------------------------------------------------------------------------


@bp.get("/")
@requires("counter.view")
def index() -> Any:
    query = request.args.get("q", "")
    regies = visible_regies()
    chosen = request.args.get("regie", type=int)
    regie_ids = [chosen] if chosen in {r.id for r in regies} else [r.id for r in regies]
    rows = queries.search_to_pay(g.org.id, regie_ids, query)
    return render("counter/index.html", "results", rows=rows, q=query, regies=regies, chosen=chosen,
                  regie_names={r.id: r.name for r in regies}, grouped=references.find(regie_ids, query))


def _first(clicked: int | None, reference: str | None, regie: Regie, family: Family) -> tuple[int, ...]:
    """The invoices the amount settles first: the one clicked in the search, or those of the reference typed."""
    if clicked:
        return (clicked,)
    if not reference:
        return ()
    grouped = references.of_family(regie.id, family.id, reference)
    if grouped is None:
        raise DomainError(f"Aucune relance ni aucun échéancier en cours de cette famille à cette régie ne porte la "
                          f"référence « {reference} » : recherchez-la de nouveau.")
    return grouped.invoice_ids


def _first_shown(clicked: int | None, reference: str | None, regie: Regie, family: Family) -> tuple[int, ...]:
    """As `_first`, for a form or its lines being shown: an unknown reference is refused when booking."""
    try:
        return _first(clicked, reference, regie, family)
    except DomainError:
        return ()


@bp.route("/familles/<int:family_id>/regies/<int:regie_id>/reglement", methods=["GET", "POST"])
@requires("counter.take")
@books_once
def pay(family_id: int, regie_id: int) -> Any:
    """From the search, `facture` names the clicked invoice, `reference` a reminder's (or a plan's) reference: the
    form proposes to settle that first."""
    family, regie = _family(family_id), visible_regie(regie_id)
    view = queries.account_view(regie.id, family.id)
    form = PaymentForm()
    form.set_banks(g.org.country)
    if request.method == "GET":
        clicked = next((i for i in view.invoices if i.id == request.args.get("facture", type=int)), None)
        form.first.data = clicked.id if clicked else None
        form.reference.data = request.args.get("reference", "")[:60]
        form.shown.data = view.stamp
    first = _first_shown(form.first.data, form.reference.data, regie, family)
    if request.method == "GET":
        chosen = [i for i in view.invoices if i.id in first]
        form.amount.data = sum((i.outstanding for i in chosen), ZERO) if chosen else view.payable or None
    lines = PaymentLines(view.invoices, request.form, form.amount.data, first)
    payment = submit(form, lambda data: services.record_payment(
        regie, family, {**data, "first": _first(data["first"], data["reference"], regie, family)}, lines.shares()))
    if payment:
        flash("Règlement enregistré.", "success")
        return redirect_to(url_for("counter.payment", payment_id=payment.id))
    if request.method == "POST" and form.shown.data != (now := queries.account_view(regie.id, family.id)).stamp:
        # The form shows the account as it is now, its lines following the amount again.
        view, form.shown.data = now, now.stamp
        form.first.data = form.first.data if form.first.data in {i.id for i in now.invoices} else None
        lines = PaymentLines(view.invoices, {}, form.amount.data, first)
    return render("counter/pay.html", "form", form_status(form), form=form, family=family, regie=regie, view=view,
                  lines=lines)


def _typed_amount() -> Decimal:
    """The amount being typed, for a preview: zero until it reads as one."""
    try:
        return french_decimal(request.args.get("amount", ""), "amount") or Decimal("0.00")
    except DomainError:
        return Decimal("0.00")


@bp.get("/familles/<int:family_id>/regies/<int:regie_id>/lignes")
@requires("counter.take")
def payment_lines(family_id: int, regie_id: int) -> Any:
    """The invoice lines following the amount being typed, unless the agent split it by hand."""
    family, regie = _family(family_id), visible_regie(regie_id)
    view = queries.account_view(regie.id, family.id)
    first = _first_shown(request.args.get("first", type=int), request.args.get("reference"), regie, family)
    lines = PaymentLines(view.invoices, request.args, _typed_amount(), first)
    return render("counter/_payment_lines.html", family=family, regie_id=regie.id, lines=lines)


@bp.get("/familles/<int:family_id>/regies/<int:regie_id>/apercu")
@requires("counter.take")
def preview(family_id: int, regie_id: int) -> Any:
    """The balance before and after the amount being typed."""
    view = queries.account_view(visible_regie(regie_id).id, _family(family_id).id)
    return render("counter/_balance.html", view=view, amount=_typed_amount())


@bp.get("/reglements/<int:payment_id>")
@requires("counter.view")
def payment(payment_id: int) -> Any:
    payment = _payment(payment_id)
    view = queries.account_view(payment.regie_id, payment.family_id)
    return render("counter/payment.html", payment=payment, view=view)


@bp.get("/reglements/<int:payment_id>/recu.pdf")
@requires("counter.view")
def receipt(payment_id: int) -> Any:
    payment = _payment(payment_id)
    if payment.receipt_number is None:
        abort(404)
    return pdf_response(documents.receipt(payment), f"{payment.receipt_number}.pdf")


@bp.route("/reglements/<int:payment_id>/annulation", methods=["GET", "POST"])
@requires("counter.manage")
@books_once
def cancel(payment_id: int) -> Any:
    payment = _payment(payment_id)
    form = CancelForm()
    if submit(form, lambda data: services.cancel_payment(payment, data["reason"], data["cancelled_on"])):
        flash("Règlement annulé : les factures qu'il payait sont de nouveau dues.", "success")
        return redirect_to(url_for("counter.payment", payment_id=payment.id))
    return render("counter/cancel.html", "form", form_status(form), form=form, payment=payment)


@bp.route("/familles/<int:family_id>/regies/<int:regie_id>/remboursement", methods=["GET", "POST"])
@requires("counter.manage")
@books_once
def refund(family_id: int, regie_id: int) -> Any:
    family, regie = _family(family_id), visible_regie(regie_id)
    view = queries.account_view(regie.id, family.id)
    form = RefundForm()
    if request.method == "GET":
        form.amount.data = view.credit or None
    if payment := submit(form, lambda data: services.refund(regie, family, data)):
        flash("Remboursement enregistré.", "success")
        return redirect_to(url_for("counter.payment", payment_id=payment.id))
    return render("counter/refund.html", "form", form_status(form), form=form, family=family, regie=regie, view=view)


# Accounts, statements, write-offs -----------------------------------------------------------------------


@bp.get("/familles/<int:family_id>/regies/<int:regie_id>/compte")
@requires("counter.view")
def account(family_id: int, regie_id: int) -> Any:
    family, regie = _family(family_id), visible_regie(regie_id)
    found = ledger.find_account(regie.id, family.id)
    statement = queries.statement(found) if found else None
    return render("counter/account.html", family=family, regie=regie, statement=statement,
                  payments=queries.payments_of(family.id, [regie.id]))


@bp.get("/familles/<int:family_id>/regies/<int:regie_id>/releve.pdf")
@requires("counter.view")
def statement_pdf(family_id: int, regie_id: int) -> Any:
    family, regie = _family(family_id), visible_regie(regie_id)
    found = ledger.find_account(regie.id, family.id)
    if found is None:
        abort(404)
    return pdf_response(documents.statement(queries.statement(found)), f"releve-{family.number}.pdf")


@bp.route("/factures/<int:invoice_id>/non-valeur", methods=["GET", "POST"])
@requires("counter.manage")
@books_once
def write_off(invoice_id: int) -> Any:
    invoice = _invoice(invoice_id)
    form = WriteOffForm()
    if request.method == "GET":
        form.amount.data = invoice.outstanding
    if submit(form, lambda data: services.write_off(invoice, data)):
        flash("Non-valeur enregistrée.", "success")
        return redirect_to(url_for("invoicing.invoice", invoice_id=invoice.id))
    return render("counter/write_off.html", "form", form_status(form), form=form, invoice=invoice)


# Cash journal -------------------------------------------------------------------------------------------


def _day() -> date:
    return query_date("jour", today())


def _journal_page(regie: Regie, day: date, block: str | None = None, status: int = 200, **forms: Any) -> Any:
    return render("counter/journal.html", block, status, journal=journal.day_journal(regie, day), regies=visible_regies(),
                  form=forms.get("form") or ClosingForm(), reopen_form=forms.get("reopen_form") or ReopenForm(),
                  last_closed=closings.last_closed_day(regie.id))


@bp.get("/journal")
@requires("counter.view")
def day_journal() -> Any:
    return _journal_page(chosen_regie(), _day())


@bp.get("/journal.pdf")
@requires("counter.view")
def day_journal_pdf() -> Any:
    found = journal.day_journal(chosen_regie(), _day())
    return pdf_response(documents.day_journal(found), f"journal-{found.regie.invoice_prefix}-{found.day}.pdf")


def _journal_day(day: str) -> date:
    try:
        return plausible_date(date.fromisoformat(day), "Jour")
    except ValueError:
        abort(404)


@bp.post("/regies/<int:regie_id>/journal/<day>/cloture")
@requires("counter.manage")
@books_once
def close_day(regie_id: int, day: str) -> Any:
    regie, when = visible_regie(regie_id), _journal_day(day)
    form = ClosingForm()
    if submit(form, lambda data: closings.close_day(regie, when, data["counted_cash"], data["comment"] or "")):
        flash("Caisse clôturée.", "success")
        return redirect_to(url_for("counter.day_journal", regie=regie.id, jour=when.isoformat()))
    return _journal_page(regie, when, "closing", form_status(form), form=form)


@bp.post("/regies/<int:regie_id>/journal/<day>/reouverture")
@requires("counter.manage")
@books_once
def reopen_day(regie_id: int, day: str) -> Any:
    regie, when = visible_regie(regie_id), _journal_day(day)
    form = ReopenForm()
    if submit(form, lambda data: closings.reopen_day(regie, when, data["reason"])):
        flash(f"Journée du {when:%d/%m/%Y} rouverte : elle accepte de nouveau des règlements ; clôturez-la à "
              "nouveau une fois corrigée.", "success")
        return redirect_to(url_for("counter.day_journal", regie=regie.id, jour=when.isoformat()))
    return _journal_page(regie, when, "closing", form_status(form), reopen_form=form)


# Deposit slips ------------------------------------------------------------------------------------------


@bp.get("/bordereaux")
@requires("counter.view")
def slip_list() -> Any:
    regies = visible_regies()
    found = db.session.scalars(
        sa.select(DepositSlip).where(DepositSlip.organisation_id == g.org.id,
                                     DepositSlip.regie_id.in_([r.id for r in regies]))
        .options(selectinload(DepositSlip.items).selectinload(SlipItem.payment), selectinload(DepositSlip.regie))
        .order_by(DepositSlip.status.desc(), DepositSlip.id.desc()).limit(200)).all()
    return render("counter/slips.html", slips=found, regies=regies, waiting=slips.waiting_counts([r.id for r in regies]),
                  form=SlipForm())


@bp.post("/regies/<int:regie_id>/bordereaux")
@requires("counter.take")
@books_once
def create_slip(regie_id: int) -> Any:
    regie = visible_regie(regie_id)
    form = SlipForm()
    if slip := submit(form, lambda data: slips.create_slip(regie, PaymentMode(data["mode"]))):
        flash("Bordereau provisoire préparé : vérifiez-le, imprimez-le, puis validez-le.", "success")
        return redirect_to(url_for("counter.slip", slip_id=slip.id))
    refuse(*form.form_errors, *form.mode.errors)
    return redirect_to(url_for("counter.slip_list"))


@bp.get("/bordereaux/<int:slip_id>")
@requires("counter.view")
def slip(slip_id: int) -> Any:
    found = _slip(slip_id)
    waiting = [] if found.final else db.session.scalars(slips.waiting_payments(found.regie_id, found.mode)).all()
    return render("counter/slip.html", slip=found, waiting=waiting)


def _slip_action(slip_id: int, action: Callable[[DepositSlip], Any], message: str, done: str | None = None) -> Any:
    found = _slip(slip_id)
    if not attempt(lambda: action(found), message):
        return redirect_to(url_for("counter.slip", slip_id=slip_id))
    return redirect_to(done or url_for("counter.slip", slip_id=slip_id))


@bp.post("/bordereaux/<int:slip_id>/retrait/<int:payment_id>")
@requires("counter.take")
@books_once
def remove_from_slip(slip_id: int, payment_id: int) -> Any:
    return _slip_action(slip_id, lambda s: slips.remove_payment(s, payment_id), "Règlement retiré du bordereau.")


@bp.post("/bordereaux/<int:slip_id>/ajout")
@requires("counter.take")
@books_once
def add_to_slip(slip_id: int) -> Any:
    return _slip_action(slip_id, slips.add_waiting, "Règlements en attente ajoutés au bordereau.")


@bp.post("/bordereaux/<int:slip_id>/suppression")
@requires("counter.take")
@books_once
def delete_slip(slip_id: int) -> Any:
    return _slip_action(slip_id, slips.delete_slip, "Bordereau provisoire supprimé.", url_for("counter.slip_list"))


@bp.post("/bordereaux/<int:slip_id>/validation")
@requires("counter.manage")
@books_once
def finalize_slip(slip_id: int) -> Any:
    return _slip_action(slip_id, slips.finalize, "Bordereau validé : il est définitif et numéroté.")


@bp.get("/bordereaux/<int:slip_id>.pdf")
@requires("counter.view")
def slip_pdf(slip_id: int) -> Any:
    found = _slip(slip_id)
    return pdf_response(documents.slip(found), f"{found.number or f'bordereau-provisoire-{found.id}'}.pdf")


# The régie's state --------------------------------------------------------------------------------------


@bp.get("/etat")
@requires("counter.view")
def state() -> Any:
    regie = chosen_regie()
    current_year = school_year_of(today())
    year = query_year("annee", current_year)
    form = CloseYearForm()
    return render("counter/state.html", state=reports.regie_state(regie, year), year=year, current_year=current_year,
                  regies=visible_regies(), form=form, can_close=can("counter.manage"))


@bp.post("/regies/<int:regie_id>/cloture-annee")
@requires("counter.manage")
@books_once
def close_year(regie_id: int) -> Any:
    regie = visible_regie(regie_id)
    form = CloseYearForm()
    if closure := submit(form, lambda data: closings.close_school_year(regie, data["school_year"])):
        flash(f"{closure} clôturée : les soldes sont reportés sur l'année suivante.", "success")
    else:
        refuse(*form.form_errors, *form.school_year.errors)
    return redirect_to(url_for("counter.state", regie=regie.id))


@bp.get("/reglements/")
@requires("counter.view")
def payments() -> Any:
    """« Recherche règlement »: by dates, mode, amount, cheque number, payer or slip."""
    criteria = payment_search.parse(request.args, visible_regie_ids())
    found = [] if criteria.empty else list(payment_search.payments(g.org.id, criteria))
    return render("counter/payments.html", "results", criteria=criteria, found=found, modes=PaymentMode,
                  shown=payment_search.SHOWN)


@bp.get("/reglements/export")
@requires("counter.view")
def export_payments() -> Any:
    criteria = payment_search.parse(request.args, visible_regie_ids())
    return export_response(request.args.get("format", "csv"), "reglements", payment_search.COLUMNS,
                           payment_search.payments(g.org.id, criteria, limit=None))


JOURNAL_COLUMNS = [
    Column("Reçu", lambda m: m.payment.receipt_number), Column("Famille", lambda m: m.payment.family.label),
    Column("Opération", lambda m: "Annulation" if m.cancellation else
           "Remboursement" if m.payment.kind.value == "remboursement" else "Règlement"),
    Column("Mode", lambda m: m.payment.mode.label), Column("N° de chèque", lambda m: m.payment.cheque_number),
    Column("Banque", lambda m: m.payment.bank), Column("Montant", lambda m: m.amount, Kind.MONEY),
]
STATE_COLUMNS = [
    Column("Année scolaire", lambda y: y.label), Column("Report d'ouverture", lambda y: y.opening, Kind.MONEY),
    Column("Facturé", lambda y: y.invoiced, Kind.MONEY), Column("Avoirs", lambda y: y.credit_notes, Kind.MONEY),
    Column("Encaissé", lambda y: y.received, Kind.MONEY), Column("Remboursé", lambda y: y.refunded, Kind.MONEY),
    Column("Règlements annulés", lambda y: y.cancelled, Kind.MONEY),
    Column("Non-valeur", lambda y: y.written_off, Kind.MONEY), Column("Mis en titre", lambda y: y.titled, Kind.MONEY),
    Column("Reporté", lambda y: y.carried, Kind.MONEY), Column("Solde", lambda y: y.balance, Kind.MONEY),
]


@bp.get("/journal/export")
@requires("counter.view")
def export_journal() -> Any:
    found = journal.day_journal(chosen_regie(), _day())
    return export_response(request.args.get("format", "csv"),
                           f"journal-{found.regie.invoice_prefix}-{found.day.isoformat()}", JOURNAL_COLUMNS,
                           found.movements)


@bp.get("/etat/export")
@requires("counter.view")
def export_state() -> Any:
    """The régie's state by school year, as its page shows it."""
    regie = chosen_regie()
    return export_response(request.args.get("format", "csv"), f"etat-{regie.invoice_prefix}", STATE_COLUMNS,
                           reports.year_totals(regie))
