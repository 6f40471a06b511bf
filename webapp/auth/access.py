"""What each role may do, and the tenant scope every organisation URL runs in.

Every URL under /o/<org_id>/ loads the organisation through the user's membership: a user without one
gets 404, exactly as if the organisation did not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, g, request
from flask_login import current_user, login_required

from webapp import db
from webapp.auth.models import Membership, Role
from webapp.organisations.models import Organisation, Regie

ALL_ROLES = frozenset(Role)
PERMISSIONS: dict[str, frozenset[Role]] = {
    "families.view": ALL_ROLES,
    "families.edit": frozenset({Role.ADMIN, Role.REGISSEUR, Role.AGENT}),
    "regies.view": ALL_ROLES,
    "regies.manage": frozenset({Role.ADMIN}),
    "users.manage": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    "tariffs.view": ALL_ROLES,
    "tariffs.manage": frozenset({Role.ADMIN, Role.REGISSEUR}),
    "attendance.edit": frozenset({Role.ADMIN, Role.REGISSEUR, Role.AGENT}),
    "billing.view": ALL_ROLES,
    "billing.run": frozenset({Role.ADMIN, Role.REGISSEUR}),
    "counter.view": ALL_ROLES,
    "counter.take": frozenset({Role.ADMIN, Role.REGISSEUR, Role.AGENT}),
    # Undoing money, giving it up or closing the till is the régisseur's responsibility.
    "counter.manage": frozenset({Role.ADMIN, Role.REGISSEUR}),
    "debits.view": ALL_ROLES,
    "debits.mandates": frozenset({Role.ADMIN, Role.REGISSEUR, Role.AGENT}),
    # A debit run books money and sends files to the bank: the régisseur's.
    "debits.run": frozenset({Role.ADMIN, Role.REGISSEUR}),
}


def can(permission: str) -> bool:
    membership: Membership | None = g.get("membership")
    return membership is not None and membership.role in PERMISSIONS[permission]


def visible_regie_ids() -> set[int]:
    """The régies of the current organisation this user was granted (all of them when none is named)."""
    return {regie.id for regie in g.membership.visible_regies()}


def visible_regies() -> list[Regie]:
    """The current organisation's régies this user was granted, in the organisation's order."""
    visible = visible_regie_ids()
    return [regie for regie in g.org.regies if regie.id in visible]


def visible_regie(regie_id: int | None) -> Regie:
    """One of them; another organisation's, or one not granted, is a 404."""
    regie = next((r for r in visible_regies() if r.id == regie_id), None)
    if regie is None:
        abort(404)
    return regie


def chosen_regie() -> Regie:
    """The régie picked in the page's selector (?regie=), else the agent's first."""
    regies = visible_regies()
    if not regies:
        abort(404)
    wanted = request.args.get("regie", type=int)
    return next((r for r in regies if r.id == wanted), regies[0])


def requires(permission: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def operator_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_operator:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def _enter_organisation(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if not current_user.is_authenticated:
        return  # the before_request below sends the visitor to the login page
    org_id = (values or {}).pop("org_id", None)
    membership = db.session.scalar(
        sa.select(Membership)
        .join(Organisation)
        .where(
            Membership.user_id == current_user.id,
            Membership.organisation_id == org_id,
            Membership.active.is_(True),
            Organisation.active.is_(True),
        )
    )
    if membership is None:
        abort(404)
    g.membership = membership
    g.org = membership.organisation


def _add_org_id(endpoint: str, values: dict[str, Any]) -> None:
    if "org" in g and "org_id" not in values:
        values["org_id"] = g.org.id


@login_required
def _require_login() -> None:
    return None


def tenant_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    """A blueprint whose every URL lives under /o/<org_id>/ and runs scoped to that organisation."""
    bp = Blueprint(name, import_name, url_prefix=f"/o/<int:org_id>{url_prefix}")
    bp.url_value_preprocessor(_enter_organisation)
    bp.url_defaults(_add_org_id)
    bp.before_request(_require_login)
    return bp
