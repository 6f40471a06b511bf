"""Régies of an organisation (its administrators), and organisations (the server operator)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, g, url_for

from webapp import db
from webapp.auth import services as auth_services
from webapp.auth.access import operator_required, requires, tenant_blueprint
from webapp.auth.models import Role
from webapp.forms import form_status, submit
from webapp.htmx import redirect_to, render
from webapp.organisations import services
from webapp.organisations.forms import NewOrganisationForm, OrganisationForm, RegieForm
from webapp.organisations.models import Organisation, Regie

admin_bp = tenant_blueprint("regies", __name__, "/regies")
operator_bp = Blueprint("operator", __name__, url_prefix="/exploitation")


def _regie_form(**kw: Any) -> RegieForm:
    form = RegieForm(**kw)
    if g.org.country == "BE":
        form.company_number.label.text = "Numéro d'entreprise (BCE)"
    return form


@admin_bp.get("/")
@requires("regies.view")
def index() -> Any:
    return render("organisations/regies.html", regies=g.org.regies)


@admin_bp.route("/nouvelle", methods=["GET", "POST"])
@requires("regies.manage")
def create() -> Any:
    form = _regie_form()
    if regie := submit(form, lambda data: services.create_regie(g.org, data)):
        flash(f"Régie « {regie.name} » créée.", "success")
        return redirect_to(url_for("regies.index"))
    return render("organisations/regie_form.html", "form", form_status(form), form=form, regie=None)


@admin_bp.route("/<int:regie_id>", methods=["GET", "POST"])
@requires("regies.manage")
def edit(regie_id: int) -> Any:
    regie = db.get_or_404(Regie, regie_id, organisation_id=g.org.id)
    form = _regie_form(obj=regie)
    if submit(form, lambda data: services.update_regie(regie, data)):
        flash(f"Régie « {regie.name} » enregistrée.", "success")
        return redirect_to(url_for("regies.index"))
    return render("organisations/regie_form.html", "form", form_status(form), form=form, regie=regie)


@operator_bp.get("/")
@operator_required
def organisations() -> Any:
    every = db.session.scalars(sa.select(Organisation).order_by(Organisation.name))
    return render("organisations/operator.html", organisations=list(every))


def _create_with_admin(data: dict[str, Any]) -> Organisation:
    org = services.create_organisation(data)
    auth_services.invite(org, {"email": data["admin_email"], "full_name": data["admin_full_name"],
                               "role": Role.ADMIN}, [])
    return org


@operator_bp.route("/nouvelle", methods=["GET", "POST"])
@operator_required
def create_organisation() -> Any:
    form = NewOrganisationForm()
    if org := submit(form, _create_with_admin):
        flash(f"Collectivité « {org.name} » créée : son administrateur a reçu une invitation par e-mail.", "success")
        return redirect_to(url_for("operator.organisations"))
    return render("organisations/organisation_form.html", "form", form_status(form), form=form, organisation=None)


@operator_bp.route("/<int:organisation_id>", methods=["GET", "POST"])
@operator_required
def edit_organisation(organisation_id: int) -> Any:
    org = db.get_or_404(Organisation, organisation_id)
    form = OrganisationForm(obj=org)
    if submit(form, lambda data: services.update_organisation(org, data)):
        flash(f"Collectivité « {org.name} » enregistrée.", "success")
        return redirect_to(url_for("operator.organisations"))
    return render("organisations/organisation_form.html", "form", form_status(form), form=form, organisation=org)
