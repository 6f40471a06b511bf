"""Families: list and live search, detail, create, edit, archive; guardians and children."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app, flash, g, request, url_for
from wtforms import SelectChoice

from webapp import db
from webapp.exports import Column, Kind, export_response
from webapp.auth.access import requires, tenant_blueprint, visible_regie_ids
from webapp.families import services
from webapp.families.forms import ChildForm, FamilyForm, GuardianForm, NewFamilyForm, SearchForm
from webapp.families.models import Child, Family, Guardian
from webapp.forms import form_status, submit
from webapp.guards import query_int
from webapp.htmx import redirect_to, render
from webapp.tariffs import services as tariff_services
from webapp.tariffs.forms import ChildDiscountForm
from webapp.tariffs.models import Activity, ChildDiscount

bp = tenant_blueprint("families", __name__, "/familles")


def _family(family_id: int) -> Family:
    return db.get_or_404(Family, family_id, organisation_id=g.org.id)


def _member(model: type, member_id: int, family: Family) -> Any:
    return db.get_or_404(model, member_id, family_id=family.id)


def _to_family(family: Family) -> Any:
    return redirect_to(url_for("families.detail", family_id=family.id))


@bp.get("/")
@requires("families.view")
def index() -> Any:
    form = SearchForm(request.args)
    form.validate()  # a query longer than any name searches nothing: its message shows above the results
    page = services.search_families(
        g.org, "" if form.q.errors else form.q.data or "", archived=form.archived.data,
        page=query_int("page", 1), per_page=current_app.config["FAMILIES_PER_PAGE"],
    )
    return render("families/index.html", "results", form=form, page=page)


EXPORTED = [
    Column("N° famille", lambda f: f.number), Column("Famille", lambda f: f.label),
    Column("E-mail", lambda f: f.payer.email if f.payer else ""),
    Column("Téléphone", lambda f: f.payer.phone if f.payer else ""),
    Column("Adresse", lambda f: f.payer.address_line1 if f.payer else ""),
    Column("Code postal", lambda f: f.payer.postcode if f.payer else ""),
    Column("Commune", lambda f: f.payer.city if f.payer else ""),
    Column("Quotient familial", lambda f: f.quotient, Kind.NUMBER),
    Column("Catégorie", lambda f: f.tariff_category), Column("Prélèvement", lambda f: "oui" if f.direct_debit else ""),
    Column("Enfants", lambda f: ", ".join(f"{c.first_name} {c.last_name}" for c in f.children)),
]


CHILDREN_EXPORTED = [
    Column("Nom", lambda c: c.last_name), Column("Prénom", lambda c: c.first_name),
    Column("Date de naissance", lambda c: c.birth_date, Kind.DATE), Column("École", lambda c: c.school),
    Column("Classe", lambda c: c.school_class), Column("Identifiant cantine", lambda c: c.canteen_id),
    Column("Famille", lambda c: c.family.label), Column("N° famille", lambda c: c.family.number),
]


def _found_families() -> sa.Select:
    form = SearchForm(request.args)
    form.validate()
    return services.families_found(g.org, "" if form.q.errors else form.q.data or "", archived=form.archived.data)


@bp.get("/export")
@requires("families.view")
def export() -> Any:
    """The families the search finds (all of them, not a page), with their payer and children."""
    return export_response(request.args.get("format", "csv"), "familles", EXPORTED,
                           db.session.scalars(_found_families().execution_options(yield_per=500)))


@bp.get("/enfants/export")
@requires("families.view")
def export_children() -> Any:
    """The children of the families the search finds, not archived, by family then first name."""
    families = _found_families().with_only_columns(Family.id).order_by(None)
    stmt = (sa.select(Child).join(Child.family).where(Child.family_id.in_(families), Child.archived_at.is_(None))
            .order_by(Family.label, Family.number, Child.first_name))
    return export_response(request.args.get("format", "csv"), "enfants", CHILDREN_EXPORTED,
                           db.session.scalars(stmt.execution_options(yield_per=500)))


@bp.route("/nouvelle", methods=["GET", "POST"])
@requires("families.edit")
def create() -> Any:
    form = NewFamilyForm()
    form.set_categories(tariff_services.categories(g.org.id))
    if request.method == "GET":
        form.number.data = services.next_family_number(g.org)
    family = submit(form, lambda data: services.create_family(g.org, data, form.payer_data()))
    if family:
        flash(f"Famille {family.number} créée.", "success")
        return _to_family(family)
    return render("families/new.html", "form", form_status(form), form=form)


@bp.get("/<int:family_id>")
@requires("families.view")
def detail(family_id: int) -> Any:
    family = _family(family_id)
    discounts = db.session.scalars(sa.select(ChildDiscount).where(
        ChildDiscount.child_id.in_([c.id for c in family.children])).order_by(ChildDiscount.valid_from)).all()
    return render("families/detail.html", family=family, discounts=discounts)


@bp.route("/<int:family_id>/modifier", methods=["GET", "POST"])
@requires("families.edit")
def edit(family_id: int) -> Any:
    family = _family(family_id)
    form = FamilyForm(obj=family)
    form.set_categories(tariff_services.categories(g.org.id), family.tariff_category)
    if submit(form, lambda data: services.update_family(family, data)):
        flash("Famille enregistrée.", "success")
        return _to_family(family)
    return render("families/edit.html", "form", form_status(form), form=form, family=family)


@bp.post("/<int:family_id>/archivage")
@requires("families.edit")
def archive(family_id: int) -> Any:
    family = _family(family_id)
    archived = request.form.get("archived") == "1"
    services.set_family_archived(family, archived)
    flash("Famille archivée." if archived else "Famille réactivée.", "success")
    return _to_family(family)


def _member_page(family: Family, form: Any, action: Callable[[dict[str, Any]], Any], done: str, title: str) -> Any:
    """A guardian's or a child's form: saved, back to the family; refused, the form again."""
    if submit(form, action):
        flash(done, "success")
        return _to_family(family)
    return render("families/member_form.html", "form", form_status(form), form=form, family=family, title=title)


@bp.route("/<int:family_id>/responsables/nouveau", methods=["GET", "POST"])
@requires("families.edit")
def add_guardian(family_id: int) -> Any:
    family = _family(family_id)
    return _member_page(family, GuardianForm(), lambda data: services.add_guardian(family, data),
                        "Responsable ajouté.", "Nouveau responsable")


@bp.route("/<int:family_id>/responsables/<int:guardian_id>", methods=["GET", "POST"])
@requires("families.edit")
def edit_guardian(family_id: int, guardian_id: int) -> Any:
    family = _family(family_id)
    guardian = _member(Guardian, guardian_id, family)
    return _member_page(family, GuardianForm(obj=guardian), lambda data: services.update_guardian(guardian, data),
                        "Responsable enregistré.", f"Responsable : {guardian.full_name}")


@bp.route("/<int:family_id>/enfants/nouveau", methods=["GET", "POST"])
@requires("families.edit")
def add_child(family_id: int) -> Any:
    family = _family(family_id)
    form = ChildForm()
    if request.method == "GET" and family.payer:
        form.last_name.data = family.payer.last_name
    return _member_page(family, form, lambda data: services.add_child(family, data), "Enfant ajouté.", "Nouvel enfant")


@bp.route("/<int:family_id>/enfants/<int:child_id>", methods=["GET", "POST"])
@requires("families.edit")
def edit_child(family_id: int, child_id: int) -> Any:
    family = _family(family_id)
    child = _member(Child, child_id, family)
    return _member_page(family, ChildForm(obj=child), lambda data: services.update_child(child, data),
                        "Enfant enregistré.", f"Enfant : {child}")


@bp.post("/<int:family_id>/enfants/<int:child_id>/archivage")
@requires("families.edit")
def archive_child(family_id: int, child_id: int) -> Any:
    family = _family(family_id)
    archived = request.form.get("archived") == "1"
    services.set_child_archived(_member(Child, child_id, family), archived)
    flash("Enfant archivé." if archived else "Enfant réactivé.", "success")
    return _to_family(family)



@bp.route("/<int:family_id>/enfants/<int:child_id>/reductions/nouvelle", methods=["GET", "POST"])
@requires("tariffs.manage")
def add_child_discount(family_id: int, child_id: int) -> Any:
    family = _family(family_id)
    child = _member(Child, child_id, family)
    form = ChildDiscountForm()
    activities = db.session.scalars(sa.select(Activity).where(Activity.regie_id.in_(visible_regie_ids()))
                                    .order_by(Activity.name)).all()
    form.activity_id.choices = [SelectChoice(0, "Toutes"), *(SelectChoice(a.id, a.name) for a in activities)]
    if submit(form, lambda data: tariff_services.create_child_discount(child, g.org.id, data)):
        flash("Réduction exceptionnelle enregistrée.", "success")
        return _to_family(family)
    return render("simple_form.html", "form", form_status(form), form=form,
                  title=f"Réduction exceptionnelle : {child}",
                  crumbs=[("Familles", url_for("families.index")),
                          (str(family), url_for("families.detail", family_id=family.id))])
