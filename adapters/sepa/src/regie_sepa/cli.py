"""``regie-sepa``: JSON in, JSON out, exit 1 and nothing written on error.

Errors go to stderr in French after ``regie-sepa :`` (``--json-errors``: one
JSON object with its stable ``code``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from collections.abc import Sequence as Seq
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from . import __version__
from .build import build_files
from .checks import notices
from .dates import LeadTime, short_notice
from .errors import SepaError
from .jsonio import batch_from_json, batch_to_json, mandate_from_json
from .reader import read, validate
from .records import Version
from .rejects import read_status_report
from .rules import STATUS_LABELS, expiry_date, lapses_within, next_sequence, status_on


class CliError(Exception):
    """A fault outside the SEPA rules (unreadable file, bad option), already in French."""

    def __init__(self, message: str, code: str = "file.unreadable") -> None:
        super().__init__(message)
        self.code = code


def _load_json(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as e:
        raise CliError(f"fichier illisible : {path} ({e.strerror})") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CliError(f"JSON invalide dans {path} : {e}", "file.json.invalid") from e


@contextlib.contextmanager
def _opened(path: str) -> Iterator[BinaryIO]:
    """The file open for reading: the readers parse it as they read, never holding it whole."""
    try:
        file = open(path, "rb")
    except OSError as e:
        raise CliError(f"fichier illisible : {path} ({e.strerror})") from e
    with file:
        yield file


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"date AAAA-MM-JJ attendue : {text}") from e


def _write_all(directory: Path, files: dict[str, bytes]) -> None:
    """Write every file or none: each goes to a temporary name first."""
    temporary: list[tuple[str, Path]] = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            handle, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
            temporary.append((tmp, directory / name))
            os.fchmod(handle, 0o644)  # mkstemp's 0600 would hide the file from the user who sends it on
            with os.fdopen(handle, "wb") as out:
                out.write(data)
    except OSError as e:
        for tmp, _ in temporary:
            Path(tmp).unlink(missing_ok=True)
        raise CliError(f"écriture impossible dans {directory} ({e.strerror})", "file.unwritable") from e
    for tmp, final in temporary:
        os.replace(tmp, final)


def cmd_build(args: argparse.Namespace) -> Any:
    batch, last_collections = batch_from_json(_load_json(args.input), datetime.now().replace(microsecond=0))
    today = args.today or batch.created_at.date()
    files = build_files(batch, version=Version.parse(args.version), single_file=args.single_file,
                        today=today, lead=LeadTime(args.lead_first, args.lead_recurrent),
                        first_as_rcur=args.rcur_only, last_collections=last_collections)
    _write_all(Path(args.out), files)
    return {"files": [{"name": name, "path": str(Path(args.out) / name), "bytes": len(data)}
                      for name, data in files.items()],
            "message_id": batch.message_id, "transactions": len(batch.transactions),
            "total": f"{sum(tx.amount for tx in batch.transactions):.2f}",
            "avertissements": notices(batch) + short_notice(
                ((tx.end_to_end_id, tx.collection_date) for tx in batch.transactions), today)}


def cmd_read(args: argparse.Namespace) -> Any:
    with _opened(args.file) as file:
        return batch_to_json(read(file))


def cmd_validate(args: argparse.Namespace) -> Any:
    with _opened(args.file) as file:
        return {"valid": True, "version": validate(file).value}


def cmd_rejects(args: argparse.Namespace) -> Any:
    with _opened(args.file) as file:
        report = read_status_report(file)

    def reasons(items: Seq[Any]) -> list[dict[str, Any]]:
        return [{"code": r.code, "proprietary": r.proprietary, "label": r.label,
                 "additional_info": list(r.additional_info)} for r in items]

    return {
        "message_id": report.message_id, "original_message_id": report.original_message_id,
        "original_message_type": report.original_message_type, "group_status": report.group_status,
        "whole_file_rejected": report.whole_file_rejected, "group_reasons": reasons(report.group_reasons),
        "rejects": [{"end_to_end_id": r.end_to_end_id, "payment_info_id": r.payment_info_id, "status": r.status,
                     "reasons": reasons(r.reasons),
                     "amount": None if r.amount is None else f"{r.amount:.2f}",
                     "collection_date": None if r.collection_date is None else r.collection_date.isoformat(),
                     "mandate_reference": r.mandate_reference} for r in report.rejects],
    }


def cmd_mandate_status(args: argparse.Namespace) -> Any:
    data = _load_json(args.mandates)
    items = data.get("mandates") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise CliError("liste de mandats attendue (ou un objet avec la clé « mandates »)", "field.mandates.invalid")
    result = []
    for index, item in enumerate(items):
        mandate = mandate_from_json(item, index)
        status = status_on(mandate, args.on)
        result.append({
            "reference": mandate.reference, "status": status, "label": STATUS_LABELS[status],
            "expires_on": expiry_date(mandate).isoformat(),
            "lapses_soon": lapses_within(mandate, args.on, args.warn_days),
            "next_sequence": next_sequence(mandate, rcur_only=args.rcur_only).name if status == "active" else None,
        })
    return result


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=PROG, description="Prélèvements SEPA : pain.008, pain.002, mandats.")
    top.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    top.add_argument("--json-errors", action="store_true", help="erreur en JSON sur la sortie d'erreur")
    verbs = top.add_subparsers(dest="verb", required=True)
    build = verbs.add_parser("build", help="écrire PRELEV_FIRST.XML / PRELEV_RCUR.XML depuis un lot JSON")
    build.add_argument("input")
    build.add_argument("--out", required=True)
    build.add_argument("--version", choices=["02", "08"], default="02")
    build.add_argument("--single-file", action="store_true", help="un seul fichier PRELEV.XML avec tous les blocs")
    build.add_argument("--today", type=_day, help="jour d'envoi (défaut : date de création du lot)")
    build.add_argument("--lead-first", type=int, default=LeadTime().first, help="délai FIRST/OOFF en jours TARGET2")
    build.add_argument("--lead-recurrent", type=int, default=LeadTime().recurrent, help="délai RCUR/FNAL")
    build.add_argument("--rcur-only", action="store_true", help="banque acceptant RCUR dès le premier prélèvement")
    build.set_defaults(run=cmd_build)
    for name, run, text in (("read", cmd_read, "lire un pain.008 en JSON"),
                            ("validate", cmd_validate, "valider un pain.008 (schéma officiel et totaux)"),
                            ("rejects", cmd_rejects, "lire les rejets d'un compte rendu pain.002")):
        verb = verbs.add_parser(name, help=text)
        verb.add_argument("file")
        verb.set_defaults(run=run)
    status = verbs.add_parser("mandate-status", help="état des mandats à une date")
    status.add_argument("mandates")
    status.add_argument("--on", type=_day, default=date.today())
    status.add_argument("--warn-days", type=int, default=60, help="signaler les mandats caducs sous N jours")
    status.add_argument("--rcur-only", action="store_true")
    status.set_defaults(run=cmd_mandate_status)
    return top


def main(argv: Seq[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        result = args.run(args)
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:
        return _pipe_closed()
    except SepaError as e:
        return _fail(str(e), e.code, args.json_errors, field=e.field, line=e.line, transaction=e.transaction,
                     value=e.value)
    except CliError as e:
        return _fail(str(e), e.code, args.json_errors)
    return 0


PROG = "regie-sepa"


def _fail(message: str, code: str, as_json: bool, **where: object) -> int:
    """Say what went wrong on stderr: ``regie-sepa : message``, or one JSON object."""
    if as_json:
        error = {"code": code, "message": message, **{k: v for k, v in where.items() if v is not None}}
        print(json.dumps({"error": error}, ensure_ascii=False, default=str), file=sys.stderr)
    else:
        print(f"{PROG} : {message}", file=sys.stderr)
    return 1


def _pipe_closed() -> int:
    """The reader went away (``| head``): stop quietly, and keep the exit flush from failing again."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 1
