"""``regie-self-import``: the consumption file to JSON and back.

    regie-self-import read FILE                    rows as JSON on stdout
    regie-self-import write INPUT.json [--out FILE]  the file (Windows-1252, CRLF)

``-`` reads standard input. On any problem: the messages in French on stderr
(the first 100, then how many more), exit status 1, nothing on stdout and no
file written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import jsonio, reader, writer
from .errors import InvalidFile, SelfImportError


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except InvalidFile as e:
        for message in e.messages:
            print(message, file=sys.stderr)
        return 1
    except SelfImportError as e:
        print(e, file=sys.stderr)
        return 1


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="regie-self-import", description="Fichier de consommations du self (TSV) : lecture et écriture."
    )
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
    data = _input(args.file)
    rows = reader.read(data)
    output = {
        "encoding": reader.decode(data)[1],
        "sha256": reader.content_hash(data),
        "rows": jsonio.rows_to_json(rows),
    }
    json.dump(output, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _write(args: argparse.Namespace) -> int:
    rows = jsonio.rows_from_json(jsonio.loads(_input(args.input)))
    data = writer.write(rows)
    if args.out:
        try:
            Path(args.out).write_bytes(data)
        except OSError as e:
            raise SelfImportError(f"Impossible d'écrire « {args.out} » : {e.strerror}.") from e
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def _input(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as e:
        raise SelfImportError(f"Impossible de lire « {name} » : {e.strerror}.") from e
