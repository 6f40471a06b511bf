"""Logging in and out; the users of an organisation, managed by its administrators."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, g, redirect, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from wtforms import SelectChoice

from webapp import db
from webapp.auth import services
from webapp.auth.access import requires, tenant_blueprint
from webapp.auth.forms import LoginForm, MemberForm
from webapp.auth.models import Membership, Role, User
from webapp.errors import DomainError
from webapp.forms import form_status, submit
from webapp.htmx import redirect_to, render

bp = Blueprint("auth", __name__)
admin_bp = tenant_blueprint("users", __name__, "/utilisateurs")


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect after login would be a phishing aid."""
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home")


@bp.route("/connexion", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home"))
    form = LoginForm()
    if form.validate_on_submit():
        config = current_app.config
        try:
            user = services.authenticate(
                form.email.data, form.password.data, request.remote_addr or "",
                max_failures=config["LOGIN_MAX_FAILURES"],
                max_failures_per_ip=config["LOGIN_MAX_FAILURES_PER_IP"],
                window=timedelta(minutes=config["LOGIN_WINDOW_MINUTES"]),
            )
        except DomainError as error:
            form.add_error(error)
        else:
            if user is None:
                form.form_errors.append("Adresse e-mail ou mot de passe incorrect.")
            else:
                login_user(user, remember=form.remember.data)
                return redirect(_safe_next(request.args.get("next")), 303)
    # A refused login is still kept (status 200 commits it): the limit counts it.
    return render("auth/login.html", form=form)


@bp.post("/deconnexion")
@login_required
def logout() -> Any:
    logout_user()
    flash("Vous êtes déconnecté.", "info")
    return redirect_to(url_for("auth.login"))


@bp.get("/sans-acces")
@login_required
def no_access() -> Any:
    return render("auth/no_access.html")


def _member_form(**kw: Any) -> MemberForm:
    form = MemberForm(**kw)
    form.regies.choices = [SelectChoice(r.id, r.name) for r in g.org.regies]
    return form


def _belongs_here_only(user: User) -> bool:
    """An organisation's administrator edits the account itself only when nobody else shares it."""
    return not user.is_operator and all(m.organisation_id == g.org.id for m in user.memberships)


def _save_member(data: dict[str, Any], membership: Membership | None) -> Membership:
    regies = [r for r in g.org.regies if r.id in (data["regies"] or [])]
    if membership is None:
        user = db.session.scalar(sa.select(User).where(User.email == data["email"].strip().lower()))
        if user is None:
            if not data["password"]:
                raise DomainError("Donnez un mot de passe initial au nouvel utilisateur.", "password")
            user = services.create_user(data, organisation_id=g.org.id)
        elif user.membership_in(g.org.id):
            raise DomainError("Cet utilisateur a déjà accès à la collectivité.", "email")
    elif _belongs_here_only(membership.user):
        user = services.update_user(membership.user, {**data, "is_operator": False}, organisation_id=g.org.id)
    else:
        user = membership.user
    return services.grant(user, g.org, Role(data["role"]), regies)


@admin_bp.get("/")
@requires("users.manage")
def index() -> Any:
    memberships = db.session.scalars(
        sa.select(Membership).join(User).where(Membership.organisation_id == g.org.id).order_by(User.full_name)
    )
    return render("auth/users.html", memberships=list(memberships))


@admin_bp.route("/nouveau", methods=["GET", "POST"])
@requires("users.manage")
def create() -> Any:
    form = _member_form()
    if membership := submit(form, lambda data: _save_member(data, None)):
        flash(f"{membership.user.full_name} a maintenant accès à la collectivité.", "success")
        return redirect_to(url_for("users.index"))
    return render("auth/member_form.html", "form", form_status(form), form=form, membership=None)


@admin_bp.route("/<int:membership_id>", methods=["GET", "POST"])
@requires("users.manage")
def edit(membership_id: int) -> Any:
    membership = db.get_or_404(Membership, membership_id, organisation_id=g.org.id)
    form = _member_form(obj=membership.user, role=membership.role.value,
                        regies=[r.id for r in membership.regies])
    if request.method == "POST" and membership.user_id == current_user.id and form.role.data != Role.ADMIN:
        form.role.errors = ["Vous ne pouvez pas retirer vos propres droits d'administrateur."]
    elif submit(form, lambda data: _save_member(data, membership)):
        flash(f"Droits de {membership.user.full_name} enregistrés.", "success")
        return redirect_to(url_for("users.index"))
    return render("auth/member_form.html", "form", form_status(form), form=form, membership=membership,
                  shared=not _belongs_here_only(membership.user))


@admin_bp.post("/<int:membership_id>/retrait")
@requires("users.manage")
def revoke(membership_id: int) -> Any:
    membership = db.get_or_404(Membership, membership_id, organisation_id=g.org.id)
    if membership.user_id == current_user.id:
        flash("Vous ne pouvez pas retirer votre propre accès.", "error")
    else:
        name = membership.user.full_name
        services.revoke(membership)
        flash(f"{name} n'a plus accès à la collectivité.", "success")
    return redirect_to(url_for("users.index"))

