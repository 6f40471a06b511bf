"""The documents of a plan: its schedule, given to the family when the plan is agreed, and the « notification de
retard » when an instalment is late (what was due by now, what was received, what remains to pay at once)."""

from __future__ import annotations

from flask import render_template

from webapp.formatting import today
from webapp.organisations.models import Country
from webapp.pdf import html_to_pdf
from webapp.plans.models import PaymentPlan
from webapp.plans.services import progress


def _render(template: str, plan: PaymentPlan) -> bytes:
    return html_to_pdf(render_template(template, plan=plan, progress=progress(plan), regie=plan.regie,
                                       today=today(), belgian=plan.regie.organisation.country is Country.BE))


def schedule_pdf(plan: PaymentPlan) -> bytes:
    return _render("plans/pdf/schedule.html", plan)


def late_letter_pdf(plan: PaymentPlan) -> bytes:
    return _render("plans/pdf/late.html", plan)
