"""Users, their passwords, their grants, and the limit on failed logins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from webapp import db
from webapp.audit.services import apply_changes, record, record_creation
from webapp.auth.models import LoginAttempt, Membership, Role, User
from webapp.db import utcnow
from webapp.errors import DomainError
from webapp.organisations.models import Organisation, Regie

_hasher = PasswordHasher()
USER_FIELDS = ("email", "full_name", "is_operator", "active")
MIN_PASSWORD_LENGTH = 10


class LoginRefused(DomainError):
    pass


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.", "password"
        )
    return _hasher.hash(password)


def _clean_user(data: dict[str, Any], current: User | None = None) -> dict[str, Any]:
    clean = {
        "email": data["email"].strip().lower(),
        "full_name": data["full_name"].strip(),
        "is_operator": bool(data.get("is_operator", False)),
        "active": bool(data.get("active", True)),
    }
    others = sa.select(User).where(User.email == clean["email"])
    if current is not None:
        others = others.where(User.id != current.id)
    if db.session.scalar(sa.select(others.exists())):
        raise DomainError("Un utilisateur a déjà cette adresse e-mail.", "email")
    return clean


def create_user(data: dict[str, Any], organisation_id: int | None = None) -> User:
    user = User(password_hash=_check_password(data["password"]), **_clean_user(data))
    db.session.add(user)
    record_creation("user", user, USER_FIELDS, organisation_id=organisation_id)
    return user


def update_user(user: User, data: dict[str, Any], organisation_id: int | None = None) -> User:
    fields = _clean_user(data, user)
    changes = apply_changes(user, fields)
    if data.get("password"):
        user.password_hash = _check_password(data["password"])
        changes["password"] = ["…", "(changé)"]  # never the hash itself
    if changes:
        record("update", "user", user, changes, organisation_id=organisation_id)
    return user


def grant(user: User, org: Organisation, role: Role, regies: list[Regie] | None = None) -> Membership:
    """Give or change the user's role in the organisation, optionally limited to some of its régies."""
    if any(r.organisation_id != org.id for r in regies or []):
        raise DomainError("Une régie choisie n'appartient pas à cette collectivité.", "regies")
    membership = user.membership_in(org.id)
    before = None if membership is None else [membership.role.value, sorted(r.id for r in membership.regies)]
    if membership is None:
        membership = Membership(user=user, organisation=org, role=role)
        db.session.add(membership)
    membership.role = role
    membership.regies = list(regies or [])
    after = [role.value, sorted(r.id for r in membership.regies)]
    if before != after:
        changes = {"role": [before and before[0], after[0]], "regies": [before and before[1], after[1]]}
        record("update" if before else "create", "membership", user, changes, organisation_id=org.id)
    return membership


def revoke(membership: Membership) -> None:
    record(
        "update", "membership", membership.user,
        {"role": [membership.role.value, None]}, organisation_id=membership.organisation_id,
    )
    db.session.delete(membership)


def authenticate(email: str, password: str, ip: str, *, max_failures: int, max_failures_per_ip: int,
                 window: timedelta) -> User | None:
    """The user whose password matches, or None; every try is kept, and too many recent failures
    for the e-mail or the address refuse the login before the password is even checked."""
    email = email.strip().lower()
    since = utcnow() - window
    failures = sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.at >= since, LoginAttempt.success.is_(False)
    )
    if (db.session.scalar(failures.where(LoginAttempt.email == email)) >= max_failures
            or db.session.scalar(failures.where(LoginAttempt.ip == ip)) >= max_failures_per_ip):
        minutes = int(window.total_seconds() // 60)
        raise LoginRefused(
            f"Trop de tentatives de connexion échouées. Réessayez dans {minutes} minutes "
            "ou demandez à votre administrateur de vérifier votre compte."
        )
    user = db.session.scalar(sa.select(User).where(User.email == email))
    ok = user is not None and user.active and _verify(user, password)
    db.session.add(LoginAttempt(email=email, ip=ip, success=ok))
    if not ok:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def _verify(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
