"""``regie-coda``: CODA and structured communications from the command line, JSON in and out.

``regie-coda read FILE`` prints the statements as JSON; ``regie-coda write
INPUT.json`` prints CODA bytes on standard output (``-`` reads standard input);
``regie-coda ogm NUMBER`` prints ``+++123/4567/89012+++``: ten digits or fewer
get their check digits, twelve digits are checked. On any error: a French
message on standard error after ``regie-coda :`` (``--json-errors``: one JSON
object with its stable ``code``), nothing on standard output, exit status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from . import __version__, ogm
from .errors import CodaError, FieldError
from .jsonio import dump, statement_from_json
from .reader import read
from .writer import write

_NEWLINES = {"crlf": "\r\n", "lf": "\n"}


def main(argv: Sequence[str] | None = None, stdout: BinaryIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--json-errors", action="store_true", help="erreur en JSON sur la sortie d'erreur")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("read", help="CODA → JSON").add_argument("file")
    writing = commands.add_parser("write", help="JSON → CODA")
    writing.add_argument("--encoding", default="cp1252", help="encodage écrit (windows-1252 par défaut)")
    writing.add_argument("--newline", choices=sorted(_NEWLINES), default="crlf", help="fins de ligne (crlf par défaut)")
    writing.add_argument("file")
    commands.add_parser("ogm", help="communication structurée").add_argument("number")
    args = parser.parse_args(argv)
    out = stdout if stdout is not None else sys.stdout.buffer
    try:
        payload = _run(args.command, args)
        if isinstance(payload, bytes):
            out.write(payload)
        else:
            out.writelines(payload)
        out.flush()
    except BrokenPipeError:
        return _pipe_closed(out)
    except CodaError as e:
        return _fail(str(e), e.code, args.json_errors, field=e.field, line=e.line, value=e.value)
    except OSError as e:
        return _fail(f"fichier illisible : {e.strerror} ({e.filename})", "file.unreadable", args.json_errors)
    return 0


PROG = "regie-coda"


def _fail(message: str, code: str, as_json: bool, **where: object) -> int:
    """Say what went wrong on stderr: ``regie-coda : message``, or one JSON object."""
    if as_json:
        error = {"code": code, "message": message, **{k: v for k, v in where.items() if v is not None}}
        print(json.dumps({"error": error}, ensure_ascii=False, default=str), file=sys.stderr)
    else:
        print(f"{PROG} : {message}", file=sys.stderr)
    return 1


def _pipe_closed(out: BinaryIO) -> int:
    """The reader went away (``| head``): stop quietly, and keep the exit flush from failing again."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
    return 1


def _run(command: str, args: argparse.Namespace) -> bytes | Iterable[bytes]:
    if command == "read":
        statements = read(sys.stdin.buffer if args.file == "-" else Path(args.file))
        return (piece.encode() for piece in dump(statements))
    if command == "write":
        try:
            document = json.loads(_load(args.file))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise FieldError(f"JSON invalide : {e}", field="entrée") from e
        if isinstance(document, dict):
            document = [document]
        if not isinstance(document, list) or not all(isinstance(d, dict) for d in document):
            raise FieldError("une liste d'extraits (objets JSON) est attendue", field="entrée")
        statements = [statement_from_json(d, i) for i, d in enumerate(document, 1)]
        return write(statements, encoding=args.encoding, newline=_NEWLINES[args.newline])
    number = "".join(c for c in args.number if c.isdigit())
    digits = ogm.validate(args.number) if len(number) == 12 else ogm.generate(number or args.number)
    return (ogm.format(digits) + "\n").encode()


def _load(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()
