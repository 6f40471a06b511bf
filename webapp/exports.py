"""Any list as CSV or XLSX: typed columns and an iterator of rows in, a streamed download out.

One helper for every list, so that every export reads alike: French headers, amounts as numbers (a decimal
comma in the CSV, which French spreadsheets read as a number; a numeric cell with a euro format in XLSX), dates
as dates. Rows are consumed one at a time: the CSV is written into a temporary file chunk by chunk, and the XLSX by
openpyxl's write-only workbook, which streams each row to a temporary file (lxml's incremental writer) instead of
keeping the sheet in memory; the file is then sent in chunks. Fifty thousand rows stay far under 200 MB
(`benchmarks/exports.py` measures it).
"""

from __future__ import annotations

import csv
import enum
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, request
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMATS = ("csv", "xlsx")
CHUNK = 64 * 1024
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class Kind(enum.Enum):
    TEXT = "text"
    MONEY = "money"
    NUMBER = "number"
    DATE = "date"


@dataclass(frozen=True)
class Column:
    """A column of an export: its French header, the kind of its values, and how a row gives its value."""

    header: str
    value: Callable[[Any], Any]
    kind: Kind = Kind.TEXT


def _csv_cell(kind: Kind, value: Any) -> str:
    if value is None:
        return ""
    if kind in (Kind.MONEY, Kind.NUMBER):
        return format(Decimal(value), "f").replace(".", ",")
    if kind is Kind.DATE:
        return value.strftime("%d/%m/%Y")
    return str(value)


def _xlsx_cell(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind in (Kind.MONEY, Kind.NUMBER):
        return Decimal(value)  # written as its exact digits in the sheet's XML
    if kind is Kind.DATE:
        return value if isinstance(value, (date, datetime)) else None
    text = str(value)
    return "'" + text if text[:1] in "=+-@" else text  # never a formula from a family's name


def csv_chunks(columns: list[Column], rows: Iterable[Any]) -> Iterator[str]:
    """The CSV, semicolon-separated with a BOM (what French spreadsheets open as UTF-8), a chunk at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([column.header for column in columns])
    for row in rows:
        writer.writerow([_csv_cell(column.kind, column.value(row)) for column in columns])
        if buffer.tell() > CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(columns: list[Column], rows: Iterable[Any], title: str) -> Any:
    """The workbook written row by row into a temporary file, returned open at its start."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "Export")
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    formats = {Kind.MONEY: "#,##0.00 €", Kind.DATE: "DD/MM/YYYY", Kind.NUMBER: "0.##"}
    for row in rows:
        cells = []
        for column in columns:
            cell = WriteOnlyCell(sheet, _xlsx_cell(column.kind, column.value(row)))
            if column.kind in formats:
                cell.number_format = formats[column.kind]
            cells.append(cell)
        sheet.append(cells)
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return output


def _file_chunks(output: Any) -> Iterator[bytes]:
    with output:
        while chunk := output.read(CHUNK):
            yield chunk


def export_args(fmt: str) -> dict[str, str]:
    """A list page's own query string with the export's format: its export links export what it shows."""
    return {**request.args.to_dict(), "format": fmt}


def csv_file(columns: list[Column], rows: Iterable[Any]) -> Any:
    """The CSV written chunk by chunk into a temporary file, returned open at its start."""
    output = tempfile.TemporaryFile()
    for chunk in csv_chunks(columns, rows):
        output.write(chunk.encode())
    output.seek(0)
    return output


def export_response(fmt: str, filename: str, columns: list[Column], rows: Iterable[Any]) -> Response:
    """The download of `rows` as `fmt` (csv, or xlsx), named `filename` plus the extension. The rows are read
    inside the request, into a temporary file (the database session ends with the request); the response then
    sends the file in chunks."""
    fmt = fmt if fmt in FORMATS else "csv"
    output = xlsx_file(columns, rows, filename) if fmt == "xlsx" else csv_file(columns, rows)
    response = Response(_file_chunks(output), mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
