"""Command line: JSON in, JSON out, French messages, nothing written on error.

    regie-indigo-titre build INPUT.json --out FILE [--encoding utf-8] [--cut] [--schemas DIR]
    regie-indigo-titre read FILE
    regie-indigo-titre check FILE [--expect-count N] [--expect-total X] [--schemas DIR]

Exit status 0 when all went well, 1 with the reason on stderr otherwise, after
``regie-indigo-titre :`` (``--json-errors``: one JSON object with its stable
``code``); ``check`` also exits 1 when it found a problem, after printing its
report.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import __version__, jsonio, rules, schema
from .check import check
from .errors import TitreError
from .reader import read
from .writer import write


def main(argv: list[str] | None = None) -> int:
    """Run one verb; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        status = int(args.run(args))
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        return _pipe_closed()
    except TitreError as e:
        return _fail(e.describe(), e.code, args.json_errors, field=e.field, line=e.line, title=e.title, value=e.value)
    except OSError as e:
        message = f"fichier inaccessible : {e.filename or ''} ({e.strerror})"
        return _fail(message, "file.unreadable", args.json_errors)


PROG = "regie-indigo-titre"


def _fail(message: str, code: str, as_json: bool, **where: object) -> int:
    """Say what went wrong on stderr: ``regie-indigo-titre : message``, or one JSON object."""
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


def _build(args: argparse.Namespace) -> int:
    titles = jsonio.loads(Path(args.input).read_bytes())
    data = write(titles, schema_dir=args.schemas, encoding=args.encoding, cut=args.cut)
    _replace(Path(args.out), data)
    bordereau = titles.bordereau
    _print({"out": args.out, "count": len(bordereau.titles), "total": rules.format_amount(bordereau.total)})
    return 0


def _read(args: argparse.Namespace) -> int:
    _print(jsonio.to_dict(read(Path(args.file))))
    return 0


def _check(args: argparse.Namespace) -> int:
    report = check(
        Path(args.file),
        schema_dir=args.schemas,
        expect_count=args.expect_count,
        expect_total=args.expect_total,
    )
    bordereau = report.titles.bordereau
    _print(
        {
            "ok": report.ok,
            "fiscal_year": bordereau.fiscal_year,
            "bordereau": bordereau.number,
            "count": report.count,
            "total": rules.format_amount(report.total),
            "problems": list(report.problems),
            "more": report.more,
        }
    )
    return 0 if report.ok else 1


def _replace(path: Path, data: bytes) -> None:
    """Write through a temporary file then rename: the target is never left half-written."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the file from the user who sends it on
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _print(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as e:
        raise argparse.ArgumentTypeError(f"montant invalide : {text!r} (ex. 1234.50)") from e
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"montant invalide : {text!r} (ex. 1234.50)")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Titres de recettes individuels PES V2 pour le comptable public (successeur d'INDIGO-TITRE).",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--json-errors", action="store_true", help="erreur en JSON sur la sortie d'erreur")
    verbs = parser.add_subparsers(required=True, metavar="VERBE")
    schemas_help = f"dossier des schémas PES V2 de la DGFiP (sinon ${schema.ENV_VAR})"

    build = verbs.add_parser("build", help="écrire le fichier PES à partir d'un JSON")
    build.add_argument("input", help="fichier JSON des titres")
    build.add_argument("--out", required=True, help="fichier PES à écrire")
    build.add_argument("--encoding", default=rules.ENCODINGS[0], help="ISO-8859-1 (défaut) ou UTF-8")
    build.add_argument(
        "--cut", action="store_true", help="couper les noms, adresses et objets trop longs au lieu de refuser"
    )
    build.add_argument("--schemas", help=schemas_help)
    build.set_defaults(run=_build)

    read_verb = verbs.add_parser("read", help="relire un fichier PES en JSON")
    read_verb.add_argument("file")
    read_verb.set_defaults(run=_read)

    check_verb = verbs.add_parser("check", help="contrôle disquette : nombre de titres, total, règles, schéma")
    check_verb.add_argument("file")
    check_verb.add_argument("--expect-count", type=int, help="nombre de titres de la liste imprimée")
    check_verb.add_argument("--expect-total", type=_amount, help="total de la liste imprimée (ex. 1234.50)")
    check_verb.add_argument("--schemas", help=schemas_help)
    check_verb.set_defaults(run=_check)
    return parser
