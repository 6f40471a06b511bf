"""Accounts, their passwords and sessions, what organisations grant them, and the delays after failed logins."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import aliased
from flask import current_app

from webapp import db, mail
from webapp.audit.services import actor_id, declare, record, record_creation
from webapp.auth import passwords
from webapp.auth.models import AttemptOutcome, Invitation, LoginAttempt, Membership, Role, User, new_session_token
from webapp.db import aware, utcnow
from webapp.errors import DomainError
from webapp.formatting import date_time
from webapp.organisations.models import Organisation, Regie

declare({"user": "Utilisateur", "membership": "Droits", "invitation": "Invitation"}, {
    "email": "e-mail", "full_name": "nom complet", "is_operator": "exploitant", "active": "actif",
    "password": "mot de passe", "role": "rôle", "regies": "régies", "connexion": "connexion",
}, {"role": Role})

USER_FIELDS = ("email", "full_name", "is_operator", "active")
INVITATION_DAYS = 7
RESET_HOURS = 24
RESET_INTERVAL = timedelta(minutes=10)
DEVICE_DAYS = 180


class LoginRefused(DomainError):
    pass


def _email(value: str) -> str:
    return value.strip().lower()


def create_user(data: dict[str, Any], organisation_id: int | None = None) -> User:
    """An account whose password its owner chose: the command line, the demo, an accepted invitation."""
    email = _email(data["email"])
    if db.session.scalar(sa.select(sa.select(User).where(User.email == email).exists())):
        raise DomainError("Un utilisateur a déjà cette adresse e-mail.", "email")
    full_name = data["full_name"].strip()
    user = User(email=email, full_name=full_name, is_operator=bool(data.get("is_operator", False)),
                active=bool(data.get("active", True)),
                password_hash=passwords.new_hash(data["password"], (email, full_name)))
    db.session.add(user)
    record_creation("user", user, USER_FIELDS, organisation_id=organisation_id)
    return user


def end_sessions(user: User) -> None:
    """Every session and « remember me » cookie of the user stops working at its next request."""
    user.session_token = new_session_token()


def set_password(user: User, password: str) -> User:
    """The owner's own choice (a reset link, an invitation, their account page): it ends every session."""
    user.password_hash = passwords.new_hash(password, (user.email, user.full_name))
    user.password_chosen_by_owner = True
    end_sessions(user)
    record("update", "user", user, {"password": ["…", "(changé)"]}, organisation_id=None)  # never the hash
    return user


def change_password(user: User, current: str, new: str) -> User:
    if not passwords.verify(user.password_hash, current):
        raise DomainError("Ce n'est pas votre mot de passe actuel.", "current_password")
    return set_password(user, new)


def grant(user: User, org: Organisation, role: Role, regies: list[Regie] | None = None,
          active: bool = True) -> Membership:
    """Give or change the user's role in the organisation, optionally limited to some of its régies."""
    if any(r.organisation_id != org.id for r in regies or []):
        raise DomainError("Une régie choisie n'appartient pas à cette collectivité.", "regies")
    membership = user.membership_in(org.id)
    before = None if membership is None else _grant_state(membership)
    if membership is None:
        membership = Membership(user=user, organisation=org, role=role)
        db.session.add(membership)
    membership.role, membership.regies, membership.active = role, list(regies or []), active
    after = _grant_state(membership)
    if before != after:
        changes = {name: [before and before[name], value] for name, value in after.items()
                   if before is None or before[name] != value}
        record("update" if before else "create", "membership", user, changes, organisation_id=org.id)
    return membership


def _grant_state(membership: Membership) -> dict[str, Any]:
    return {"role": membership.role.value, "regies": sorted(r.id for r in membership.regies),
            "active": membership.active}


def load_user(session_id: str) -> User | None:
    """The user of a session or « remember me » cookie, while its token is the account's current one."""
    ident, _, token = session_id.partition(":")
    user = db.session.get(User, int(ident)) if ident.isascii() and ident.isdigit() else None
    if user is None or not token or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def revoke(membership: Membership) -> None:
    record(
        "update", "membership", membership.user,
        {"role": [membership.role.value, None]}, organisation_id=membership.organisation_id,
    )
    db.session.delete(membership)


# Invitations ---------------------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(org: Organisation, data: dict[str, Any], regies: list[Regie]) -> Invitation:
    """Offer a role to whoever reads the address; the answer is the same whether an account exists or not."""
    if any(r.organisation_id != org.id for r in regies):
        raise DomainError("Une régie choisie n'appartient pas à cette collectivité.", "regies")
    email = _email(data["email"])
    member = db.session.scalar(sa.select(Membership).join(User).where(
        Membership.organisation_id == org.id, User.email == email))
    if member is not None:
        raise DomainError("Cette personne a déjà accès à la collectivité : modifiez ses droits dans la liste.", "email")
    invitation = db.session.scalar(sa.select(Invitation).where(
        Invitation.organisation_id == org.id, Invitation.email == email, Invitation.accepted_at.is_(None)))
    if invitation is None:
        invitation = Invitation(organisation_id=org.id, email=email)
        db.session.add(invitation)
    token = secrets.token_urlsafe(32)
    invitation.full_name = (data.get("full_name") or "").strip()
    invitation.role, invitation.regie_ids = Role(data["role"]), sorted(r.id for r in regies)
    invitation.token_hash, invitation.created_at = _digest(token), utcnow()
    invitation.expires_at = invitation.created_at + timedelta(days=INVITATION_DAYS)
    invitation.created_by_id = actor_id()
    record("create", "invitation", invitation, {"email": [None, email], "role": [None, invitation.role.value],
                                                 "regies": [None, invitation.regie_ids]}, organisation_id=org.id)
    mail.send_after_commit(mail.compose(
        email, f"Invitation à rejoindre {org.name} sur Régie", "auth/invitation_email.txt", invitation=invitation,
        link=mail.link("auth.invitation", token=token), expires=date_time(invitation.expires_at)))
    return invitation


def cancel_invitation(invitation: Invitation) -> None:
    record("delete", "invitation", invitation, {"email": [invitation.email, None]},
           organisation_id=invitation.organisation_id)
    db.session.delete(invitation)


def find_invitation(token: str) -> Invitation | None:
    """The pending invitation the token opens, or None when it was taken, replaced or is too old."""
    return db.session.scalar(sa.select(Invitation).where(
        Invitation.token_hash == _digest(token), Invitation.accepted_at.is_(None), Invitation.expires_at > utcnow()))


def owner_must_choose_password(user: User | None) -> bool:
    """A new account, one that no organisation uses any more, or one whose password an administrator chose
    before invitations existed: the invitee, proven by the mailbox, chooses a password nobody else knows."""
    return user is None or not user.is_operator and (not user.memberships or not user.password_chosen_by_owner)


def accept(invitation: Invitation, user: User | None, data: dict[str, Any], limits: LoginLimits) -> User:
    """`user` is the account of the invitation's address, or None; `data` carries the password (and the name
    of a new account) when `owner_must_choose_password`, else the account's current password, refused while the
    account's logins are delayed. (A wrong one is not counted: the refusal rolls everything back, and whoever
    holds the link reads the mailbox, which resets the password anyway.)"""
    taken = db.session.execute(sa.update(Invitation).where(Invitation.id == invitation.id,
                                                           Invitation.accepted_at.is_(None))
                               .values(accepted_at=utcnow())).rowcount
    if not taken:  # the same link, sent twice at once
        raise DomainError("Cette invitation vient d'être acceptée : connectez-vous.")
    regies = db.session.scalars(sa.select(Regie).where(Regie.id.in_(invitation.regie_ids),
                                                       Regie.organisation_id == invitation.organisation_id)).all()
    if invitation.regie_ids and not regies:  # none left would read as « every régie »
        raise DomainError("Les régies de cette invitation n'existent plus : demandez une nouvelle invitation.")
    if user is None:
        user = create_user({"email": invitation.email, "full_name": data["full_name"], "password": data["password"]},
                           organisation_id=invitation.organisation_id)
    elif owner_must_choose_password(user):
        set_password(user, data["password"])
        user.active = True
    elif wait := _waits([user.email], limits, utcnow()).get(user.email):
        raise _refuse_for(wait)
    elif not passwords.verify(user.password_hash, data["password"]):
        raise DomainError("Mot de passe incorrect : c'est celui de votre compte Régie existant.", "password")
    grant(user, invitation.organisation, invitation.role, list(regies))
    return user


# Password reset ------------------------------------------------------------------------------------------


def _reset_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="regie.password-reset")


def _reset_fingerprint(user: User) -> str:
    """Changes with the password and the sessions: a reset link works once, and not after a newer password."""
    return hashlib.sha256(f"{user.password_hash}:{user.session_token}".encode()).hexdigest()[:20]


def send_reset_link(email: str) -> None:
    """Nothing tells the asker whether the address has an account: the page answers the same either way. One
    link per RESET_INTERVAL at most, so that nobody can flood a mailbox through this page."""
    user = db.session.scalar(sa.select(User).where(User.email == _email(email)).with_for_update())
    if user is None or not user.active:
        return
    now = utcnow()
    if user.reset_sent_at is not None and aware(user.reset_sent_at) > now - RESET_INTERVAL:
        return
    user.reset_sent_at = now
    token = _reset_signer().dumps({"user": user.id, "fingerprint": _reset_fingerprint(user)})
    mail.send_after_commit(mail.compose(
        user.email, "Choisir un nouveau mot de passe Régie", "auth/reset_email.txt", user=user,
        link=mail.link("auth.reset_password", token=token), hours=RESET_HOURS))


def user_for_reset(token: str) -> User | None:
    try:
        payload = _reset_signer().loads(token, max_age=RESET_HOURS * 3600)
    except BadSignature:
        return None
    user = db.session.get(User, payload.get("user")) if isinstance(payload, dict) else None
    if user is None or not user.active or payload.get("fingerprint") != _reset_fingerprint(user):
        return None
    return user


# Logging in ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginLimits:
    """After `max_failures` failures since the last success, each further try waits `first_delay`, doubled at
    every failure up to `longest_delay`: an attacker is slowed to a crawl, the real user is never shut out for
    long. The per-address count is a plain window (the real address only behind a configured proxy)."""

    max_failures: int
    first_delay: timedelta
    longest_delay: timedelta
    max_failures_per_ip: int
    window: timedelta


def _waits(emails: list[str], limits: LoginLimits, now: datetime) -> dict[str, timedelta]:
    """How long each address must still wait, for those that must; failures before the last success or unlock,
    or older than a day, no longer count."""
    since = now - timedelta(days=1)
    other = aliased(LoginAttempt)
    last_reset = sa.select(sa.func.max(other.at)).where(
        other.email == LoginAttempt.email,
        other.outcome.in_([AttemptOutcome.SUCCESS, AttemptOutcome.UNLOCK])).scalar_subquery()
    rows = db.session.execute(sa.select(LoginAttempt.email, sa.func.count(), sa.func.max(LoginAttempt.at)).where(
        LoginAttempt.email.in_(emails), LoginAttempt.outcome == AttemptOutcome.FAILURE, LoginAttempt.at > since,
        LoginAttempt.at > sa.func.coalesce(last_reset, since)).group_by(LoginAttempt.email))
    waits = {}
    for email, count, last in rows:
        if count >= limits.max_failures:
            delay = min(limits.first_delay * 2 ** (count - limits.max_failures), limits.longest_delay)
            if (wait := aware(last) + delay - now) > timedelta(0):
                waits[email] = wait
    return waits


def _refuse_for(wait: timedelta) -> LoginRefused:
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    return LoginRefused(f"Trop de tentatives de connexion échouées pour ce compte : réessayez dans {minutes} "
                        "minute(s), ou demandez à l'administrateur de votre collectivité de le débloquer.")


def authenticate(email: str, password: str, ip: str, limits: LoginLimits, *, known_device: bool = False) -> User | None:
    """The user whose password matches, or None. Every try is kept; an unknown address goes through the same
    counts, delays and argon2 work as a real one, so neither the answer nor its time says which exist. Tries on
    one address take turns, so a burst of parallel guesses is counted like a sequence. A browser the account
    logged in from before (`known_device`) skips the account's delay: someone hammering the address from
    elsewhere cannot lock its owner out."""
    email, now = _email(email), utcnow()
    db.serialise(f"login:{email}")
    ip_failures = db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.ip == ip, LoginAttempt.outcome == AttemptOutcome.FAILURE, LoginAttempt.at >= now - limits.window))
    if ip_failures >= limits.max_failures_per_ip:
        raise LoginRefused("Trop de tentatives de connexion échouées depuis ce poste. Réessayez dans "
                           f"{int(limits.window.total_seconds() // 60)} minutes.")
    if not known_device and (wait := _waits([email], limits, now).get(email)):
        raise _refuse_for(wait)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    ok = passwords.verify(user.password_hash if user else None, password) and user.active
    db.session.add(LoginAttempt(email=email, ip=ip, at=now,
                                outcome=AttemptOutcome.SUCCESS if ok else AttemptOutcome.FAILURE))
    if not ok:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.rehash(password)
    return user


def _device_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="regie.device")


def device_token(user: User) -> str:
    """What a browser keeps once the account logged in from it (a long-lived, signed cookie)."""
    return _device_signer().dumps(user.email)


def known_device(token: str | None, email: str) -> bool:
    if not token:
        return False
    try:
        return _device_signer().loads(token, max_age=DEVICE_DAYS * 86400) == _email(email)
    except BadSignature:
        return False


def delayed(emails: list[str], limits: LoginLimits) -> set[str]:
    """The addresses whose next login must wait: an administrator may unlock them."""
    return set(_waits(emails, limits, utcnow()))


def unlock(user: User, organisation_id: int) -> None:
    db.session.add(LoginAttempt(email=user.email, ip="", outcome=AttemptOutcome.UNLOCK))
    record("update", "user", user, {"connexion": ["bloquée", "débloquée"]}, organisation_id=organisation_id)


def purge_attempts(older_than: timedelta) -> int:
    return db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < utcnow() - older_than)).rowcount
