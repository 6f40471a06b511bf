"""Activities and their tariffs, per régie."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, request, url_for
from wtforms import SelectChoice

from webapp import db
from webapp.auth.access import requires, tenant_blueprint, visible_regie_ids, visible_regies
from webapp.forms import form_status, submit
from webapp.htmx import redirect_to, render
from webapp.tariffs import services
from webapp.tariffs.forms import ActivityForm, DiscountForm, FamilyFeeForm, RenewTariffForm, TariffForm
from webapp.tariffs.models import Activity, Discount, FamilyFee, Tariff

bp = tenant_blueprint("tariffs", __name__, "/activites")


def _activity(activity_id: int) -> Activity:
    return db.first_or_404(sa.select(Activity).where(Activity.id == activity_id,
                                                     Activity.regie_id.in_(visible_regie_ids())))


def _tariff(activity: Activity, tariff_id: int) -> Tariff:
    return db.get_or_404(Tariff, tariff_id, activity_id=activity.id)


@bp.get("/")
@requires("tariffs.view")
def index() -> Any:
    activities = db.session.scalars(sa.select(Activity).where(Activity.regie_id.in_(visible_regie_ids()))
                                    .order_by(Activity.regie_id, Activity.name)).all()
    fees = db.session.scalars(sa.select(FamilyFee).where(FamilyFee.regie_id.in_(visible_regie_ids()))
                              .order_by(FamilyFee.valid_from)).all()
    return render("tariffs/index.html", regies=visible_regies(), activities=activities, fees=fees)


def _activity_form(**kw: Any) -> ActivityForm:
    form = ActivityForm(**kw)
    form.regie_id.choices = [SelectChoice(r.id, r.name) for r in visible_regies()]
    return form


@bp.route("/nouvelle", methods=["GET", "POST"])
@requires("tariffs.manage")
def create() -> Any:
    form = _activity_form()

    def create_activity(data: dict[str, Any]) -> Activity:
        regie = next(r for r in visible_regies() if r.id == data["regie_id"])
        return services.create_activity(regie, data)

    if activity := submit(form, create_activity):
        flash(f"Activité « {activity.name} » créée : ajoutez-lui ses tarifs.", "success")
        return redirect_to(url_for("tariffs.detail", activity_id=activity.id))
    return render("tariffs/activity_form.html", "form", form_status(form), form=form, activity=None)


@bp.get("/<int:activity_id>")
@requires("tariffs.view")
def detail(activity_id: int) -> Any:
    activity = _activity(activity_id)
    discounts = db.session.scalars(sa.select(Discount).where(Discount.activity_id == activity.id)
                                   .order_by(Discount.valid_from, Discount.id)).all()
    return render("tariffs/detail.html", activity=activity, discounts=discounts)


@bp.route("/<int:activity_id>/modifier", methods=["GET", "POST"])
@requires("tariffs.manage")
def edit(activity_id: int) -> Any:
    activity = _activity(activity_id)
    form = _activity_form(obj=activity)
    del form.regie_id
    if submit(form, lambda data: services.update_activity(activity, data)):
        flash("Activité enregistrée.", "success")
        return redirect_to(url_for("tariffs.detail", activity_id=activity.id))
    return render("tariffs/activity_form.html", "form", form_status(form), form=form, activity=activity)


@bp.route("/<int:activity_id>/tarifs/nouveau", methods=["GET", "POST"])
@requires("tariffs.manage")
def create_tariff(activity_id: int) -> Any:
    activity = _activity(activity_id)
    form = TariffForm()
    if submit(form, lambda data: services.create_tariff(activity, data)):
        flash("Tarif créé.", "success")
        return redirect_to(url_for("tariffs.detail", activity_id=activity.id))
    return render("tariffs/tariff_form.html", "form", form_status(form), form=form, activity=activity, tariff=None)


@bp.route("/<int:activity_id>/tarifs/<int:tariff_id>", methods=["GET", "POST"])
@requires("tariffs.manage")
def edit_tariff(activity_id: int, tariff_id: int) -> Any:
    activity = _activity(activity_id)
    tariff = _tariff(activity, tariff_id)
    form = TariffForm(obj=tariff)
    if submit(form, lambda data: services.update_tariff(tariff, data)):
        flash("Tarif enregistré.", "success")
        return redirect_to(url_for("tariffs.detail", activity_id=activity.id))
    return render("tariffs/tariff_form.html", "form", form_status(form), form=form, activity=activity, tariff=tariff)


@bp.route("/<int:activity_id>/tarifs/<int:tariff_id>/nouveau-prix", methods=["GET", "POST"])
@requires("tariffs.manage")
def renew_tariff(activity_id: int, tariff_id: int) -> Any:
    activity = _activity(activity_id)
    tariff = _tariff(activity, tariff_id)
    form = RenewTariffForm(price=tariff.price, effort_rate=tariff.effort_rate, price_floor=tariff.price_floor,
                           price_ceiling=tariff.price_ceiling) if request.method == "GET" else RenewTariffForm()

    def renew(data: dict[str, Any]) -> Tariff:
        prices = {k: data[k] for k in ("price", "effort_rate", "price_floor", "price_ceiling") if data[k] is not None}
        return services.renew_tariff(tariff, data["starts_on"], prices)

    if submit(form, renew):
        flash("Nouveau prix enregistré ; l'ancien tarif se termine la veille.", "success")
        return redirect_to(url_for("tariffs.detail", activity_id=activity.id))
    return render("tariffs/renew_form.html", "form", form_status(form), form=form, activity=activity, tariff=tariff)


@bp.route("/<int:activity_id>/reductions/nouvelle", methods=["GET", "POST"])
@requires("tariffs.manage")
def create_discount(activity_id: int) -> Any:
    activity = _activity(activity_id)
    form = DiscountForm()
    if submit(form, lambda data: services.create_discount(activity, data)):
        flash("Réduction créée : elle s'applique aux prochains calculs de lots.", "success")
        return redirect_to(url_for("tariffs.detail", activity_id=activity.id))
    return render("simple_form.html", "form", form_status(form), form=form,
                  title=f"Nouvelle réduction : {activity.name}",
                  crumbs=[("Activités et tarifs", url_for("tariffs.index")),
                          (activity.name, url_for("tariffs.detail", activity_id=activity.id))])


@bp.route("/frais/nouveaux", methods=["GET", "POST"])
@requires("tariffs.manage")
def create_fee() -> Any:
    form = FamilyFeeForm()
    form.regie_id.choices = [SelectChoice(r.id, r.name) for r in visible_regies()]

    def create(data: dict[str, Any]) -> Any:
        return services.create_family_fee(next(r for r in visible_regies() if r.id == data["regie_id"]), data)

    if submit(form, create):
        flash("Frais par famille créés.", "success")
        return redirect_to(url_for("tariffs.index"))
    return render("simple_form.html", "form", form_status(form), form=form, title="Nouveaux frais par famille",
                  crumbs=[("Activités et tarifs", url_for("tariffs.index"))])
