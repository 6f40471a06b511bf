"""Payment plans: proposed from a family's account, listed per régie with the late instalments first, each with
its schedule, its « notification de retard » (PDF, and e-mail when the family has an address) and its
cancellation."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, g, request, url_for

from webapp import db
from webapp.auth.access import chosen_regie, requires, tenant_blueprint, visible_regie, visible_regie_ids, visible_regies
from webapp.families.models import Family
from webapp.forms import attempt, form_status, submit
from webapp.htmx import redirect_to, render
from webapp.pdf import pdf_response
from webapp.plans import documents, paying, services  # noqa: F401 (paying registers its family finder)
from webapp.plans.forms import ActionForm, CancelForm, PlanForm
from webapp.plans.models import PaymentPlan
from webapp.submissions import books_once

bp = tenant_blueprint("plans", __name__, "/echeanciers")


@bp.app_template_global()
def plans_of(family_id: int, regie_id: int) -> list[PaymentPlan]:
    """The plans a family's account page lists."""
    return services.of_family(family_id, regie_id)


@bp.app_template_global()
def plans_of_invoice(invoice_id: int) -> list[PaymentPlan]:
    """The plans an invoice's page lists."""
    return services.of_invoice(invoice_id)


def _plan(plan_id: int) -> PaymentPlan:
    return db.first_or_404(sa.select(PaymentPlan).where(
        PaymentPlan.id == plan_id, PaymentPlan.organisation_id == g.org.id,
        PaymentPlan.regie_id.in_(visible_regie_ids())))


def _back(plan: PaymentPlan) -> Any:
    return redirect_to(url_for("plans.plan", plan_id=plan.id))


@bp.get("/")
@requires("counter.view")
def index() -> Any:
    regie = chosen_regie()
    listed = services.of_regie(regie.id)
    late = [found for found in listed if found.late]
    return render("plans/index.html", regie=regie, regies=visible_regies(), plans=listed, late=late)


@bp.route("/familles/<int:family_id>/regies/<int:regie_id>/nouveau", methods=["GET", "POST"])
@requires("counter.manage")
@books_once
def new(family_id: int, regie_id: int) -> Any:
    family, regie = db.get_or_404(Family, family_id, organisation_id=g.org.id), visible_regie(regie_id)
    form = PlanForm()
    chosen = [int(v) for v in request.form.getlist("invoice_ids") if v.isdigit() and len(v) < 12]
    if plan := submit(form, lambda data: services.create_plan(regie, family, {**data, "invoice_ids": chosen})):
        flash(f"Échéancier {plan.number} créé : remettez l'échéancier à la famille.", "success")
        return _back(plan)
    return render("plans/new.html", "form", form_status(form), form=form, family=family, regie=regie,
                  invoices=services.candidates(regie.id, family.id), chosen=set(chosen))


@bp.get("/<int:plan_id>")
@requires("counter.view")
def plan(plan_id: int) -> Any:
    found = _plan(plan_id)
    return render("plans/plan.html", plan=found, progress=services.progress(found), form=CancelForm(),
                  action=ActionForm())


@bp.post("/<int:plan_id>/annulation")
@requires("counter.manage")
@books_once
def cancel(plan_id: int) -> Any:
    found = _plan(plan_id)
    form = CancelForm()
    if submit(form, lambda data: services.cancel_plan(found, data["reason"])):
        flash("Échéancier annulé : ses factures reprennent les relances au niveau atteint.", "success")
        return _back(found)
    return render("plans/plan.html", "cancel_form", form_status(form), plan=found,
                  progress=services.progress(found), form=form, action=ActionForm())


@bp.get("/<int:plan_id>/echeancier.pdf")
@requires("counter.view")
def schedule_pdf(plan_id: int) -> Any:
    found = _plan(plan_id)
    return pdf_response(documents.schedule_pdf(found), f"echeancier-{found.number}.pdf")


@bp.get("/<int:plan_id>/retard.pdf")
@requires("counter.view")
def late_pdf(plan_id: int) -> Any:
    found = _plan(plan_id)
    if not services.progress(found).late:
        abort(404)
    return pdf_response(documents.late_letter_pdf(found), f"retard-{found.number}.pdf")


@bp.post("/<int:plan_id>/retard/envoi")
@requires("counter.manage")
@books_once
def notify_late(plan_id: int) -> Any:
    found = _plan(plan_id)
    if ActionForm().validate_on_submit():
        attempt(lambda: services.notify_late(found, documents.late_letter_pdf(found)),
                lambda address: f"Notification de retard envoyée à {address}.")
    return _back(found)
