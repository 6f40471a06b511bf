"""``regie-coda``: CODA and structured communications from the command line, JSON in and out.

``regie-coda read FILE`` prints the statements as JSON; ``regie-coda write
INPUT.json`` prints CODA bytes on standard output (``-`` reads standard input);
``regie-coda ogm NUMBER`` prints ``+++123/4567/89012+++``: ten digits or fewer
get their check digits, twelve digits are checked. On any error: a French
message on standard error, nothing on standard output, exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from . import ogm
from .errors import CodaError, FieldError
from .jsonio import dump, statement_from_json
from .reader import read
from .writer import write

_NEWLINES = {"crlf": "\r\n", "lf": "\n"}


def main(argv: Sequence[str] | None = None, stdout: BinaryIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="regie-coda", description=__doc__.splitlines()[0])
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
    except CodaError as e:
        print(f"regie-coda : {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"regie-coda : fichier illisible : {e.strerror} ({e.filename})", file=sys.stderr)
        return 1
    if isinstance(payload, bytes):
        out.write(payload)
    else:
        out.writelines(payload)
    out.flush()
    return 0


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
