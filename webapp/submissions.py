"""A money form books once. Each rendering of the form carries a one-time token; the first submission claims it
in the transaction that books, and records where its result is shown; a second submission of the same form
(a double click, two tabs, a browser retrying) waits for the first, then is answered with that result.

The token is signed with its time: claimed tokens are forgotten after KEEP, so a form older than that (a tab left
open, a page restored from the history) is refused rather than booked again."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, make_response, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import Mapped, mapped_column

from webapp import db
from webapp.db import Base, utcnow
from webapp.htmx import redirect_to

FIELD = "once"
# Long enough for a double click, a retried request or an agent's day; the housekeeping forgets older claims.
KEEP = timedelta(days=2)
ISSUED_FOR = timedelta(days=1)


class Submission(Base):
    __tablename__ = "submissions"

    token: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    # Where the first submission's result is shown: the answer to every later one.
    result_url: Mapped[str] = mapped_column(sa.String(500), default="")


def _signer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="regie.once")


def new_token(secret_key: str) -> str:
    return _signer(secret_key).dumps(secrets.token_urlsafe(24))


def once_field() -> Markup:
    """The hidden input a money form carries: a new token at each rendering. Its `hx-history="false"` keeps htmx
    from saving a page holding a money form in its history: going back fetches the page as it is now."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{new_token(current_app.config["SECRET_KEY"])}" '
                  'hx-history="false">')


def _claimable(signed: str) -> str | None:
    """The token a form carries, if this app issued it less than ISSUED_FOR ago."""
    try:
        token = _signer(current_app.config["SECRET_KEY"]).loads(signed, max_age=int(ISSUED_FOR.total_seconds()))
    except BadSignature:
        return None
    return token if isinstance(token, str) and len(token) == 32 else None


def _location(response: Response) -> str:
    if hx_location := response.headers.get("HX-Location"):
        return json.loads(hx_location)["path"]
    return response.headers.get("Location", "")


def books_once(view: Callable[..., Any]) -> Callable[..., Any]:
    """For a view whose POST books money: the first submission of a token runs it, the others see its result."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        response = make_response(_once(*args, **kwargs))
        # The browser keeps no copy of a money form or of its answer: back and forward ask the server again.
        response.headers["Cache-Control"] = "no-store"
        return response

    def _once(*args: Any, **kwargs: Any) -> Any:
        if request.method != "POST":
            return view(*args, **kwargs)
        token = _claimable(request.form.get(FIELD, ""))
        if token is None:
            abort(400)  # a form of this app always carries a fresh one: the page is stale or forged
        claimed = db.session.scalar(db.insert(Submission).values(
            token=token, user_id=current_user.id, at=utcnow(), result_url="").on_conflict_do_nothing()
            .returning(Submission.token))
        if claimed is None:  # another submission of the same form has committed meanwhile
            first = db.session.get(Submission, token)
            if first is None or first.user_id != current_user.id:
                abort(400)
            flash("Ce formulaire avait déjà été envoyé : rien n'a été enregistré une seconde fois. Voici ce qu'il "
                  "avait enregistré.", "info")
            return redirect_to(first.result_url or url_for("home"))
        response = make_response(view(*args, **kwargs))
        if response.status_code < 400:
            db.session.execute(sa.update(Submission).where(Submission.token == token)
                               .values(result_url=_location(response)[:500]))
        return response

    return wrapped


def purge() -> int:
    """Claims older than KEEP: their forms can no longer be sent (ISSUED_FOR is shorter)."""
    return db.session.execute(sa.delete(Submission).where(Submission.at < utcnow() - KEEP)).rowcount
