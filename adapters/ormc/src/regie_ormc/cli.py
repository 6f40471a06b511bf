"""``regie-ormc``: build, read and check treasury rolls with JSON in and out.

    regie-ormc build INPUT.json --out FILE [--format pes|rolmre]
    regie-ormc read FILE
    regie-ormc check FILE

Errors go to stderr in French after ``regie-ormc :`` (``--json-errors``: one
JSON object with its stable ``code``) with exit status 1, and no file is
written.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from . import __version__, check, jsonio, keys, reader, rolmre, writer
from .errors import OrmcError


def _build(args: argparse.Namespace) -> int:
    data = jsonio.loads(Path(args.input).read_text(encoding="utf-8-sig"))
    if not isinstance(data, dict):
        raise OrmcError("objet JSON attendu à la racine", field="racine")
    chosen = args.format or data.get("format") or "pes"
    if chosen not in ("pes", "rolmre"):
        raise OrmcError("format pes ou rolmre attendu", field="format", value=chosen)
    if chosen == "rolmre":
        records = jsonio.articles_from_json(data) if "articles" in data else jsonio.rolmre_from_json(data)
        output = rolmre.write(records, encoding=args.encoding)
        summary: dict[str, Any] = {"format": "rolmre", "pieces": len(records)}
    else:
        roll = jsonio.roll_from_json(data)
        basis = jsonio.cle1_basis_from_json(data)
        output = writer.write(roll, schema_dir=args.schemas, encoding=args.encoding, cle1_basis=basis)
        summary = {"format": "pes", "pieces": len(roll.pieces), "total": f"{roll.total:f}"}
    Path(args.out).write_bytes(output)
    os.chmod(args.out, 0o644)  # readable by whoever sends it on, whatever the umask
    summary["out"] = str(args.out)
    _print(summary)
    return 0


def _read(args: argparse.Namespace) -> int:
    with _opened(args.file, args.format) as (file, chosen):
        if chosen == "rolmre":
            articles = rolmre.read(file, encoding=args.encoding, expect_count=args.expect_count,
                                   expect_total=args.expect_total)
            _print({"format": "rolmre", "articles": jsonio.to_json(articles)})
        else:
            _print({"format": "pes", **jsonio.to_json(reader.read(file))})
    return 0


@contextlib.contextmanager
def _opened(path: str, chosen: str | None) -> Iterator[tuple[BinaryIO, str]]:
    """The file open at its start, and its format: the one asked for, or the one its head shows.

    The readers then read the file as they go, never whole.
    """
    with open(path, "rb") as file:
        if chosen is None:
            chosen = check.detect(file.read(_HEAD))
            file.seek(0)
        yield file, chosen


_HEAD = 4096  # bytes: more than the first ROLMRE record, even in UTF-8 with accents


def _check(args: argparse.Namespace) -> int:
    with _opened(args.file, args.format) as (file, chosen):
        if chosen == "rolmre":
            report = check.check_rolmre(file, encoding=args.encoding, expect_count=args.expect_count,
                                        expect_total=args.expect_total)
        else:
            basis = None
            if args.cle1_collectivity is not None or args.cle1_nature is not None:
                basis = keys.Cle1Basis(args.cle1_collectivity or "", args.cle1_nature or "")
            report = check.check_pes(file, schema_dir=args.schemas, cle1_basis=basis)
    _print({**jsonio.to_json(report), "ok": report.ok})
    return 0 if report.ok else 1


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as e:
        raise argparse.ArgumentTypeError(f"montant invalide : {text!r} (ex. 1234.50)") from e
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"montant invalide : {text!r} (ex. 1234.50)")
    return value


def _print(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog=PROG, description="Rôles pour le Trésor : PES V2 ORMC et ROLMRE.")
    main.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    main.add_argument("--json-errors", action="store_true", help="erreur en JSON sur la sortie d'erreur")
    verbs = main.add_subparsers(dest="verb", required=True)

    def common(p: argparse.ArgumentParser, *, pes: bool) -> None:
        p.add_argument("--format", choices=("pes", "rolmre"), help="pes (défaut à l'écriture) ou rolmre")
        p.add_argument("--encoding", choices=writer.ENCODINGS, default="ISO-8859-1")
        if pes:
            p.add_argument("--schemas", help="dossier des schémas PES V2 (sinon $REGIE_PES_SCHEMAS, sinon ceux du paquet)")

    def expectations(p: argparse.ArgumentParser) -> None:
        p.add_argument("--expect-count", type=int, help="ROLMRE : nombre d'articles de la liste imprimée")
        p.add_argument("--expect-total", type=_amount, help="ROLMRE : total de la liste imprimée (ex. 1234.50)")

    build = verbs.add_parser("build", help="écrire un rôle depuis un JSON")
    build.add_argument("input")
    build.add_argument("--out", required=True)
    common(build, pes=True)
    build.set_defaults(run=_build)
    read = verbs.add_parser("read", help="lire un rôle en JSON")
    read.add_argument("file")
    common(read, pes=False)
    expectations(read)
    read.set_defaults(run=_read)
    chk = verbs.add_parser("check", help="contrôler un rôle : articles, total, clés, schéma")
    chk.add_argument("file")
    chk.add_argument("--cle1-collectivity", help="code collectivité de la clé 1 (à convenir avec la trésorerie)")
    chk.add_argument("--cle1-nature", help="code nature de la clé 1 (à convenir avec la trésorerie)")
    common(chk, pes=True)
    expectations(chk)
    chk.set_defaults(run=_check)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        status = int(args.run(args))
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        return _pipe_closed()
    except OrmcError as e:
        return _fail(str(e), e.code, args.json_errors, field=e.field, line=e.line, piece=e.piece, value=e.value)
    except OSError as e:
        return _fail(f"fichier inaccessible : {e.filename} ({e.strerror})", "file.unreadable", args.json_errors)
    except UnicodeDecodeError as e:
        return _fail(f"JSON à enregistrer en UTF-8 ({e.reason})", "file.encoding.invalid", args.json_errors)


PROG = "regie-ormc"


def _fail(message: str, code: str, as_json: bool, **where: object) -> int:
    """Say what went wrong on stderr: ``regie-ormc : message``, or one JSON object."""
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
