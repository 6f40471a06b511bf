"""HTML to PDF (xhtml2pdf), for every document the app prints."""

from __future__ import annotations

import io

from flask import Response
from xhtml2pdf import pisa

from webapp.errors import DomainError


def html_to_pdf(html: str) -> bytes:
    # The PDF's built-in fonts have no narrow no-break space (Babel's thousands separator).
    html = html.replace("\u202f", "\xa0")
    output = io.BytesIO()
    status = pisa.CreatePDF(html, dest=output, encoding="utf-8")
    if status.err:
        raise DomainError("Le PDF n'a pas pu être produit ; signalez-le à l'exploitant du serveur.")
    return output.getvalue()


def pdf_response(content: bytes, name: str) -> Response:
    return Response(content, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})
