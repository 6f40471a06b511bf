"""A money form books once. Each rendering of the form carries a one-time token; the first submission claims it
in the transaction that books, and records where its result is shown; a second submission of the same form
(a double click, two tabs, a browser retrying) waits for the first, then is answered with that result."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, flash, make_response, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import Mapped, mapped_column

from webapp import db
from webapp.db import Base, utcnow
from webapp.htmx import redirect_to

FIELD = "once"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


class Submission(Base):
    __tablename__ = "submissions"

    token: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    # Where the first submission's result is shown: the answer to every later one.
    result_url: Mapped[str] = mapped_column(sa.String(500), default="")


def once_field() -> Markup:
    """The hidden input a money form carries: a new token at each rendering."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{secrets.token_urlsafe(24)}">')


def _location(response: Response) -> str:
    if hx_location := response.headers.get("HX-Location"):
        return json.loads(hx_location)["path"]
    return response.headers.get("Location", "")


def books_once(view: Callable[..., Any]) -> Callable[..., Any]:
    """For a view whose POST books money: the first submission of a token runs it, the others see its result."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if request.method != "POST":
            return view(*args, **kwargs)
        token = request.form.get(FIELD, "")
        if not _TOKEN.fullmatch(token):
            abort(400)  # a form of this app always carries one: the page is stale or forged
        claimed = db.session.scalar(db.insert(Submission).values(
            token=token, user_id=current_user.id, at=utcnow(), result_url="").on_conflict_do_nothing()
            .returning(Submission.token))
        if claimed is None:  # another submission of the same form has committed meanwhile
            first = db.session.get(Submission, token)
            if first is None or first.user_id != current_user.id:
                abort(400)
            flash("Ce formulaire avait déjà été envoyé : voici ce qu'il a enregistré.", "info")
            return redirect_to(first.result_url or url_for("home"))
        response = make_response(view(*args, **kwargs))
        if response.status_code < 400:
            db.session.execute(sa.update(Submission).where(Submission.token == token)
                               .values(result_url=_location(response)[:500]))
        return response

    return wrapped


def purge(older_than: timedelta) -> int:
    return db.session.execute(sa.delete(Submission).where(Submission.at < utcnow() - older_than)).rowcount
