"""``regie-self-import``: the consumption file to JSON and back.

    regie-self-import read FILE                    rows as JSON on stdout
    regie-self-import write INPUT.json [--out FILE]  the file (Windows-1252, CRLF)

``-`` reads standard input. On any problem: the messages in French on stderr
after ``regie-self-import :`` (the first 100, then how many more;
``--json-errors``: one JSON object with the stable ``code`` of each), exit
status 1, nothing on stdout and no file written.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from . import __version__, jsonio, reader, writer
from .errors import InvalidFile, LineError, SelfImportError


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        status = int(args.run(args))
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        return _pipe_closed()
    except InvalidFile as e:
        if args.json_errors:
            return _fail(str(e), e.code, True, errors=[_where(one) for one in e.errors], more=e.more)
        for message in e.messages:
            print(f"{PROG} : {message}", file=sys.stderr)
        return 1
    except SelfImportError as e:
        return _fail(str(e), e.code, args.json_errors)


PROG = "regie-self-import"


def _where(error: LineError) -> dict[str, object]:
    return {"code": error.code, "message": str(error), "line": error.line, "column": error.column,
            "field": error.field}


def _fail(message: str, code: str, as_json: bool, **where: object) -> int:
    """Say what went wrong on stderr: ``regie-self-import : message``, or one JSON object."""
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


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog=PROG, description="Fichier de consommations du self (TSV) : lecture et écriture."
    )
    main.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    main.add_argument("--json-errors", action="store_true", help="erreur en JSON sur la sortie d'erreur")
    verbs = main.add_subparsers(dest="verb", required=True)
    read = verbs.add_parser("read", help="lire un fichier et afficher ses lignes en JSON")
    read.add_argument("file", help="le fichier exporté par le self (ou - pour l'entrée standard)")
    read.set_defaults(run=_read)
    write = verbs.add_parser("write", help="écrire un fichier à partir de lignes en JSON")
    write.add_argument("input", help='JSON {"rows": [...]} comme le produit read (ou -)')
    write.add_argument("--out", help="fichier à écrire (sinon la sortie standard)")
    write.set_defaults(run=_write)
    return main


def _read(args: argparse.Namespace) -> int:
    with _opened(args.file) as file:
        rows = reader.read(file)
        file.seek(0)
        encoding = reader.encoding_of(file)
        file.seek(0)
        output = {"encoding": encoding, "sha256": reader.content_hash(file), "rows": jsonio.rows_to_json(rows)}
    json.dump(output, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _write(args: argparse.Namespace) -> int:
    rows = jsonio.rows_from_json(jsonio.loads(_input(args.input)))
    data = writer.write(rows)
    if args.out:
        try:
            Path(args.out).write_bytes(data)
            os.chmod(args.out, 0o644)  # readable by whoever sends it on, whatever the umask
        except OSError as e:
            raise SelfImportError(f"Impossible d'écrire « {args.out} » : {e.strerror}.", code="file.unwritable") from e
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


@contextlib.contextmanager
def _opened(name: str) -> Iterator[BinaryIO]:
    """The file (standard input copied to a temporary file) open to be read in chunks, more than once."""
    if name == "-":
        with tempfile.TemporaryFile() as copy:
            shutil.copyfileobj(sys.stdin.buffer, copy)
            copy.seek(0)
            yield copy
        return
    try:
        file = open(name, "rb")
    except OSError as e:
        raise SelfImportError(f"Impossible de lire « {name} » : {e.strerror}.", code="file.unreadable") from e
    with file:
        yield file


def _input(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as e:
        raise SelfImportError(f"Impossible de lire « {name} » : {e.strerror}.", code="file.unreadable") from e
