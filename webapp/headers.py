"""Response headers that keep the browser on the app's side: only our own scripts and styles run (htmx is
vendored, nothing comes from outside), no page is framed by another site, no type is guessed, and no address
with a token in it leaves in a Referer."""

from __future__ import annotations

from flask import Flask, Response



def content_security_policy(*form_targets: str) -> str:
    """The policy; `form_targets` are the other origins a form of the page may lead to (the browser checks the
    redirect that follows a post too: the online payment page sends the family on to PayFiP)."""
    return "; ".join((
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        " ".join(("form-action 'self'", *form_targets)),
        "frame-ancestors 'none'",
    ))


CONTENT_SECURITY_POLICY = content_security_policy()


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
