"""HTML to PDF (xhtml2pdf), for every document the app prints."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from flask import Response
from pypdf import PdfReader, PdfWriter
from slugify import slugify
from werkzeug.http import dump_options_header
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from webapp.errors import DomainError

STATIC = Path(__file__).resolve().parent / "static"
# Our templates name only the app's own static files; whatever a family's name or an address could slip into a
# document must not make the renderer read the server's files or reach the network.
_POLICY = ResourceAccessPolicy(allow_remote=False, base_dir=STATIC)


def static_only(uri: str, _relative: str) -> str:
    """A document's link to /static/… as the file's path, an image made in memory (a QR code) as itself;
    anything else as nothing."""
    if uri.startswith("data:image/png;base64,"):
        return uri
    path = (STATIC / uri.removeprefix("/static/")).resolve()
    return str(path) if path.is_relative_to(STATIC) and path.is_file() else ""


def html_to_pdf(html: str) -> bytes:
    # The PDF's built-in fonts have no narrow no-break space (Babel's thousands separator) and no minus sign.
    html = html.replace("\u202f", "\xa0").replace("\u2212", "-")
    output = io.BytesIO()
    status = pisa.CreatePDF(html, dest=output, encoding="utf-8", link_callback=static_only, resource_policy=_POLICY)
    if status.err:
        raise DomainError("Le PDF n'a pas pu être produit ; signalez-le à l'exploitant du serveur.")
    return output.getvalue()


def _pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=get_context("spawn"))


def write_merged(chunks: Iterable[str], path: Path, progress: Callable[[int], None] = lambda done: None) -> None:
    """Many documents into one file: chunks of HTML rendered by as many processes as cores and merged page by
    page, so memory stays flat and every core works; `progress` hears how many chunks are done. Give a
    generator: the workers start on the first chunks while the next ones are still being templated."""
    writer = PdfWriter()
    with _pool() as pool:
        for index, pdf in enumerate(pool.map(html_to_pdf, chunks), start=1):
            writer.append(PdfReader(io.BytesIO(pdf)))
            progress(index)
    with path.open("wb") as output:
        writer.write(output)


def write_zip(named: Iterable[tuple[str, str]], path: Path, progress: Callable[[int], None] = lambda done: None) -> None:
    """One PDF per (file name, HTML) in a ZIP, rendered by as many processes as cores; `progress` hears how many
    files are written, every twenty."""
    named = list(named)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, _pool() as pool:
        pdfs = pool.map(html_to_pdf, (html for _, html in named), chunksize=20)
        for index, ((name, _), pdf) in enumerate(zip(named, pdfs, strict=True), start=1):
            archive.writestr(name, pdf)
            if index % 20 == 0 or index == len(named):
                progress(index)


def file_name(*words: str, extension: str = "pdf") -> str:
    """A document's name from what it is, « factures-novembre-2026-restauration.pdf »: lower-case ASCII words
    joined by hyphens, safe in a header, in a ZIP and on any file system, and short enough for `Job.result`."""
    return f"{slugify(' '.join(words), max_length=150, word_boundary=True) or 'document'}.{extension}"


def pdf_response(content: bytes, name: str) -> Response:
    """The PDF shown in the browser, saved under `name` made safe (a family number is typed by a person)."""
    disposition = dump_options_header("inline", {"filename": file_name(name.removesuffix(".pdf"))})
    return Response(content, mimetype="application/pdf", headers={"Content-Disposition": disposition})
