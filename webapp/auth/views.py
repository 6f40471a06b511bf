"""Logging in and out, one's own password, invitations; the users of an organisation, managed by its
administrators."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import contains_eager, selectinload
from wtforms import SelectChoice

from webapp import db
from webapp.auth import services
from webapp.auth.access import requires, tenant_blueprint
from webapp.auth.forms import (
    ChangePasswordForm,
    ExistingAccountForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    MemberForm,
    NewAccountForm,
    NewPasswordForm,
)
from webapp.auth.models import Invitation, Membership, Role, User
from webapp.errors import DomainError
from webapp.forms import Form, form_status, submit
from webapp.htmx import redirect_to, render

bp = Blueprint("auth", __name__)
# Kept by a browser the account logged in from: its owner is not held back by failures made elsewhere.
DEVICE_COOKIE = "regie_device"
admin_bp = tenant_blueprint("users", __name__, "/utilisateurs")


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect after login would be a phishing aid."""
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home")


def login_limits() -> services.LoginLimits:
    config = current_app.config
    return services.LoginLimits(
        max_failures=config["LOGIN_MAX_FAILURES"],
        first_delay=timedelta(seconds=config["LOGIN_FIRST_DELAY_SECONDS"]),
        longest_delay=timedelta(minutes=config["LOGIN_LONGEST_DELAY_MINUTES"]),
        max_failures_per_ip=config["LOGIN_MAX_FAILURES_PER_IP"],
        window=timedelta(minutes=config["LOGIN_WINDOW_MINUTES"]))


def _log_in(user: User, remember: bool = False) -> None:
    login_user(user, remember=remember)
    session.pop("csrf_token", None)  # a token seen before the login is not the session's: draw a new one


@bp.route("/connexion", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data, form.password.data, request.remote_addr or "", login_limits(),
                known_device=services.known_device(request.cookies.get(DEVICE_COOKIE), form.email.data))
        except DomainError as error:
            form.add_error(error)
        else:
            if user is None:
                form.form_errors.append("Adresse e-mail ou mot de passe incorrect.")
            else:
                _log_in(user, remember=form.remember.data)
                response = redirect(_safe_next(request.args.get("next")), 303)
                response.set_cookie(DEVICE_COOKIE, services.device_token(user), max_age=services.DEVICE_DAYS * 86400,
                                    secure=True, httponly=True, samesite="Lax")
                return response
    # A refused login is still kept (status 200 commits it): the limit counts it.
    return render("auth/login.html", form=form)


@bp.post("/deconnexion")
@login_required
def logout() -> Any:
    services.end_sessions(current_user)
    logout_user()
    flash("Vous êtes déconnecté, sur ce poste comme sur les autres.", "info")
    return redirect_to(url_for("auth.login"))


@bp.get("/sans-acces")
@login_required
def no_access() -> Any:
    return render("auth/no_access.html")


def _simple_form(form: Form, title: str, crumbs: list[tuple[str, str]], **context: Any) -> Any:
    return render("simple_form.html", "form", form_status(form), form=form, title=title, crumbs=crumbs, **context)


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    form = ChangePasswordForm()
    if submit(form, lambda data: services.change_password(current_user, data["current_password"], data["password"])):
        _log_in(current_user)  # this session goes on with the new token; the others are over
        flash("Mot de passe changé : vos sessions sur les autres postes sont fermées.", "success")
        return redirect_to(url_for("home"))
    return _simple_form(form, "Changer mon mot de passe", [("Accueil", url_for("home"))])


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def forgot_password() -> Any:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.send_reset_link(form.email.data)
        flash("Si cette adresse correspond à un compte actif, un lien pour choisir un nouveau mot de passe vient "
              f"de lui être envoyé ; il reste valable {services.RESET_HOURS} heures.", "info")
        return redirect_to(url_for("auth.login"))
    return _simple_form(form, "Mot de passe oublié", [("Connexion", url_for("auth.login"))])


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    user = services.user_for_reset(token)
    if user is None:
        return render("auth/link_expired.html", status=404, what="Ce lien de réinitialisation")
    form = NewPasswordForm()
    if submit(form, lambda data: services.set_password(user, data["password"])):
        logout_user()
        flash("Mot de passe enregistré : connectez-vous avec lui.", "success")
        return redirect_to(url_for("auth.login"))
    return _simple_form(form, "Choisir un nouveau mot de passe", [("Connexion", url_for("auth.login"))])


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str) -> Any:
    found = services.find_invitation(token)
    if found is None:
        return render("auth/link_expired.html", status=404, what="Cette invitation")
    if current_user.is_authenticated and current_user.email != found.email:
        return render("auth/invitation_elsewhere.html", invitation=found)
    user = db.session.scalar(sa.select(User).where(User.email == found.email))
    if user is None:
        form: Form = NewAccountForm(full_name=found.full_name)
    elif services.owner_must_choose_password(user):
        form = NewPasswordForm()
    else:
        form = ExistingAccountForm()
    if accepted := submit(form, lambda data: services.accept(found, user, data, login_limits())):
        _log_in(accepted)
        flash(f"Bienvenue : vous avez maintenant accès à {found.organisation.name}.", "success")
        return redirect_to(url_for("families.index", org_id=found.organisation_id))
    return render("auth/invitation.html", "form", form_status(form), form=form, invitation=found, user=user)


# An organisation's users ----------------------------------------------------------------------------------


def _choose_regies(form: InviteForm | MemberForm) -> None:
    form.regies.choices = [SelectChoice(r.id, r.name) for r in g.org.regies]


def _chosen_regies(data: dict[str, Any]) -> list:
    return [r for r in g.org.regies if r.id in (data["regies"] or [])]


@admin_bp.get("/")
@requires("users.manage")
def index() -> Any:
    memberships = db.session.scalars(
        sa.select(Membership).join(User).where(Membership.organisation_id == g.org.id).order_by(User.full_name)
        .options(contains_eager(Membership.user), selectinload(Membership.regies))  # the rows read both
    ).all()
    invitations = db.session.scalars(sa.select(Invitation).where(
        Invitation.organisation_id == g.org.id, Invitation.accepted_at.is_(None)).order_by(Invitation.email)).all()
    delayed = services.delayed([m.user.email for m in memberships], login_limits())
    return render("auth/users.html", memberships=memberships, invitations=invitations, delayed=delayed)


@admin_bp.route("/nouveau", methods=["GET", "POST"])
@requires("users.manage")
def create() -> Any:
    form = InviteForm()
    _choose_regies(form)
    if invited := submit(form, lambda data: services.invite(g.org, data, _chosen_regies(data))):
        flash(f"Invitation envoyée à {invited.email} : l'accès s'ouvre quand la personne l'accepte "
              f"(lien valable {services.INVITATION_DAYS} jours).", "success")
        return redirect_to(url_for("users.index"))
    return render("auth/invite_form.html", "form", form_status(form), form=form)


def _membership(membership_id: int) -> Membership:
    return db.get_or_404(Membership, membership_id, organisation_id=g.org.id)


def _save_member(membership: Membership, data: dict[str, Any]) -> Membership:
    if membership.user_id == current_user.id and (data["role"] != Role.ADMIN or not data["active"]):
        raise DomainError("Vous ne pouvez pas retirer ni suspendre vos propres droits d'administrateur.", "role")
    return services.grant(membership.user, g.org, Role(data["role"]), _chosen_regies(data), active=data["active"])


@admin_bp.route("/<int:membership_id>", methods=["GET", "POST"])
@requires("users.manage")
def edit(membership_id: int) -> Any:
    membership = _membership(membership_id)
    form = MemberForm(role=membership.role.value, regies=[r.id for r in membership.regies], active=membership.active)
    _choose_regies(form)
    if submit(form, lambda data: _save_member(membership, data)):
        flash(f"Droits de {membership.user.full_name} enregistrés.", "success")
        return redirect_to(url_for("users.index"))
    return render("auth/member_form.html", "form", form_status(form), form=form, membership=membership,
                  delayed=bool(services.delayed([membership.user.email], login_limits())))


@admin_bp.post("/<int:membership_id>/retrait")
@requires("users.manage")
def revoke(membership_id: int) -> Any:
    membership = _membership(membership_id)
    if membership.user_id == current_user.id:
        flash("Vous ne pouvez pas retirer votre propre accès.", "error")
    else:
        name = membership.user.full_name
        services.revoke(membership)
        flash(f"{name} n'a plus accès à la collectivité.", "success")
    return redirect_to(url_for("users.index"))


@admin_bp.post("/<int:membership_id>/deblocage")
@requires("users.manage")
def unlock(membership_id: int) -> Any:
    membership = _membership(membership_id)
    services.unlock(membership.user, g.org.id)
    flash(f"{membership.user.full_name} peut de nouveau se connecter sans attendre.", "success")
    return redirect_to(url_for("users.edit", membership_id=membership.id))


@admin_bp.post("/<int:membership_id>/reinitialisation")
@requires("users.manage")
def send_reset(membership_id: int) -> Any:
    """The person chooses the new password from a link sent to their own address: an account shared with other
    organisations stays theirs alone."""
    membership = _membership(membership_id)
    services.send_reset_link(membership.user.email)
    flash(f"Un lien pour choisir un nouveau mot de passe est envoyé à {membership.user.email}.", "success")
    return redirect_to(url_for("users.edit", membership_id=membership.id))


@admin_bp.post("/invitations/<int:invitation_id>/suppression")
@requires("users.manage")
def cancel_invitation(invitation_id: int) -> Any:
    found = db.get_or_404(Invitation, invitation_id, organisation_id=g.org.id)
    if found.accepted_at is not None:
        abort(404)
    services.cancel_invitation(found)
    flash(f"Invitation de {found.email} annulée.", "success")
    return redirect_to(url_for("users.index"))
