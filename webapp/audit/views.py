"""The audit log of an organisation, for its administrators."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import g, request
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from webapp import db
from webapp.audit.models import AuditEntry
from webapp.audit.services import ACTION_LABELS, ENTITY_LABELS, shown_changes
from webapp.auth.access import requires, tenant_blueprint
from webapp.formatting import PARIS
from webapp.forms import Form
from webapp.guards import query_int
from webapp.htmx import render

bp = tenant_blueprint("audit", __name__, "/journal")


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    # Read when the form is made: every area has declared its objects by then.
    entity_type = SelectField("Objet", choices=lambda: [SelectChoice("", "Tous"), *(
        SelectChoice(k, v) for k, v in sorted(ENTITY_LABELS.items(), key=lambda item: item[1]))], default="")
    actor = StringField("Auteur", [Optional(), Length(max=120)])
    text = StringField("Contient", [Optional(), Length(max=200)])
    start = DateField("Du", [Optional()])
    end = DateField("Au", [Optional()])


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=PARIS)


@bp.get("/")
@requires("audit.view")
def index() -> Any:
    form = AuditFilterForm(request.args)
    form.validate()
    # A filter that is not valid (a date in year 9999) filters nothing; its message shows on the form.
    wanted = {name: None if field.errors else field.data for name, field in form._fields.items()}
    stmt = sa.select(AuditEntry).where(AuditEntry.organisation_id == g.org.id)
    if wanted["entity_type"]:
        stmt = stmt.where(AuditEntry.entity_type == wanted["entity_type"])
    if wanted["actor"]:
        stmt = stmt.where(AuditEntry.actor.ilike(f"%{wanted['actor'].strip()}%"))
    if wanted["text"]:
        stmt = stmt.where(AuditEntry.entity_label.ilike(f"%{wanted['text'].strip()}%"))
    if wanted["start"]:
        stmt = stmt.where(AuditEntry.at >= _local_midnight(wanted["start"]))
    if wanted["end"]:
        stmt = stmt.where(AuditEntry.at < _local_midnight(wanted["end"] + timedelta(days=1)))
    page = db.paginate(stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()), query_int("page", 1), 50)
    return render("audit/index.html", "entries", form=form, page=page,
                  entity_labels=ENTITY_LABELS, action_labels=ACTION_LABELS, shown_changes=shown_changes)
