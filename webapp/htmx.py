"""One page or one fragment from the same template, decided here rather than in every view."""

from __future__ import annotations

from typing import Any

import json

from flask import Flask, Response, current_app, redirect, render_template
from htmx_flask import request
from jinja2_fragments import render_block


def render(template: str, block: str | None = None, status: int = 200, **context: Any) -> tuple[str, int]:
    """The whole page for a normal request; only `block` (its root carries the swapped id) for htmx."""
    if block and request.htmx and not request.htmx.boosted:
        current_app.update_template_context(context)
        return render_block(current_app.jinja_env, template, block, **context), status
    return render_template(template, **context), status


def redirect_to(url: str) -> Response:
    """After a successful POST: a 303 for a plain form; for htmx, HX-Location so that the new page
    replaces the whole body instead of landing inside the element that sent the form."""
    if request.htmx and not request.htmx.boosted:
        response = Response(status=200)
        response.headers["HX-Location"] = json.dumps({"path": url, "target": "body"})
        return response
    return redirect(url, 303)


def add_vary_header(response: Response) -> Response:
    response.vary.add("HX-Request")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_vary_header)
