"""What every response tells the browser, and the limits that keep one request from taking the server down."""

from __future__ import annotations

import re

import pytest
from wtforms import StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

from webapp.forms import Form
from webapp.pdf import STATIC, html_to_pdf, static_only


def test_every_page_carries_the_security_headers(client, login, make_user, make_org):
    org = make_org()
    for response in (client.get("/connexion"), login(make_user(org)).get(f"/o/{org.id}/familles/")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_hold_nothing_the_policy_would_block(client):
    """No inline script, style or event handler; htmx's own evaluation and injected styles turned off."""
    html = client.get("/connexion").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)|<style|\bstyle=|\bon[a-z]+=|hx-on", html)
    assert '"allowEval": false' in html and '"includeIndicatorStyles": false' in html


def test_a_request_above_the_size_limit_is_refused_in_french(app, login, make_user, make_org):
    org = make_org()
    client = login(make_user(org))
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    try:
        response = client.post_form(f"/o/{org.id}/familles/nouvelle", {"note": "x" * 20_000})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413 and "trop volumineux" in response.get_data(as_text=True)
    assert limit == 20 * 1024 * 1024


@pytest.mark.parametrize("link", ["/etc/passwd", "file:///etc/passwd", "http://127.0.0.1:1/x", "../pdf.py",
                                  "/static/../pdf.py"])
def test_a_document_reads_nothing_but_the_apps_static_files(link):
    assert static_only(link, "") == ""
    assert html_to_pdf(f'<p>x</p><img src="{link}">').startswith(b"%PDF")


def test_a_document_may_use_the_apps_static_files():
    assert static_only("/static/regie.css", "") == str(STATIC / "regie.css")


def _form_classes(cls=Form):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _form_classes(subclass)


def test_every_text_field_has_a_length_limit(app):
    """A 10 MB note must be refused at the form, not stored (twice, by the audit log) and shown."""
    unbounded = []
    for form in set(_form_classes()):
        for name in dir(form):
            field = getattr(form, name, None)
            if isinstance(field, UnboundField) and issubclass(field.field_class, StringField):
                validators = field.kwargs.get("validators") or (field.args[1] if len(field.args) > 1 else [])
                if not any(isinstance(v, Length) and v.max > 0 for v in validators):
                    unbounded.append(f"{form.__module__}.{form.__name__}.{name}")
    assert unbounded == []
