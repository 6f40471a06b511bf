"""The audit log of an organisation, for its administrators."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import g, request
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Optional

from webapp import db
from webapp.audit.models import AuditEntry
from webapp.audit.services import ACTION_LABELS, ENTITY_LABELS, FIELD_LABELS
from webapp.auth.access import requires, tenant_blueprint
from webapp.formatting import PARIS
from webapp.forms import Form
from webapp.htmx import render

bp = tenant_blueprint("audit", __name__, "/journal")


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    entity_type = SelectField("Objet", choices=[SelectChoice("", "Tous"), *(SelectChoice(k, v) for k, v in ENTITY_LABELS.items())], default="")
    actor = StringField("Auteur")
    text = StringField("Contient")
    start = DateField("Du", [Optional()])
    end = DateField("Au", [Optional()])


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=PARIS)


@bp.get("/")
@requires("audit.view")
def index() -> Any:
    form = AuditFilterForm(request.args)
    form.validate()
    stmt = sa.select(AuditEntry).where(AuditEntry.organisation_id == g.org.id)
    if form.entity_type.data:
        stmt = stmt.where(AuditEntry.entity_type == form.entity_type.data)
    if form.actor.data:
        stmt = stmt.where(AuditEntry.actor.ilike(f"%{form.actor.data.strip()}%"))
    if form.text.data:
        stmt = stmt.where(AuditEntry.entity_label.ilike(f"%{form.text.data.strip()}%"))
    if form.start.data:
        stmt = stmt.where(AuditEntry.at >= _local_midnight(form.start.data))
    if form.end.data:
        stmt = stmt.where(AuditEntry.at < _local_midnight(form.end.data + timedelta(days=1)))
    page = db.paginate(stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()),
                       request.args.get("page", 1, type=int), 50)
    return render("audit/index.html", "entries", form=form, page=page,
                  entity_labels=ENTITY_LABELS, action_labels=ACTION_LABELS, field_labels=FIELD_LABELS)
