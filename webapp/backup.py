"""The whole database in one file, in its engine's own format so that its own tools read it too: SQLite's online
backup (a database file, consistent even while the app writes), or PostgreSQL's custom archive (pg_dump -Fc).

Used by `flask backup FILE` and `flask restore FILE`.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa

from webapp.errors import DomainError

# How each kind of backup begins: SQLite's file header, pg_dump's custom archive.
SIGNATURES = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}
KIND_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL (pg_dump -Fc)"}


def _kind(url: sa.URL) -> str:
    kind = url.get_backend_name()
    if kind not in SIGNATURES:
        raise DomainError(f"Sauvegarde impossible pour une base {kind} : seulement SQLite et PostgreSQL.")
    return kind


def backup(database_url: str, path: Path) -> None:
    """Write the whole database to `path`; the app may keep running meanwhile."""
    url = sa.make_url(database_url)
    if _kind(url) == "sqlite":
        _copy_sqlite(Path(url.database), path)
    else:
        _postgresql("pg_dump", url, "--format=custom", f"--file={path}")


def restore(database_url: str, path: Path) -> None:
    """Replace everything in the database by the backup at `path`, all or nothing, once it proves to be a
    backup of this kind of database. Stop the web server and the job runner first."""
    url = sa.make_url(database_url)
    kind = _kind(url)
    if not path.is_file():
        raise DomainError(f"« {path} » n'est pas un fichier : rien n'a été restauré.")
    with path.open("rb") as file:
        if file.read(len(SIGNATURES[kind])) != SIGNATURES[kind]:
            raise DomainError(f"« {path} » n'est pas une sauvegarde {KIND_LABELS[kind]} faite par « flask backup » : "
                              "rien n'a été restauré.")
    if kind == "sqlite":
        _copy_sqlite(path, Path(url.database))
    else:
        # One transaction: a failure half-way leaves the database as it was.
        _postgresql("pg_restore", url, "--clean", "--if-exists", "--no-owner", "--single-transaction", str(path))


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's backup API copies page by page under its own locks; the source is opened read-only, so a
    mistyped path is refused instead of becoming an empty database."""
    try:
        with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as origin, \
                closing(sqlite3.connect(target)) as copy:
            origin.backup(copy)
    except sqlite3.Error as error:
        raise DomainError(f"SQLite a refusé la copie de « {source} » vers « {target} » : {error}.") from error


def _postgresql(program: str, url: sa.URL, *arguments: str) -> None:
    """pg_dump or pg_restore on the database: SQLAlchemy's URL less its driver is libpq's; the password goes
    through the environment, not the command line that `ps` shows."""
    dsn = sa.URL.create("postgresql", url.username, None, url.host, url.port, url.database, url.query) \
        .render_as_string(hide_password=False)
    env = {**os.environ, "PGPASSWORD": str(url.password)} if url.password else None
    try:
        done = subprocess.run([program, f"--dbname={dsn}", *arguments], env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise DomainError(f"{program} est introuvable : installez le client PostgreSQL (paquet postgresql-client)."
                          ) from None
    if done.returncode:
        raise DomainError(f"{program} a échoué : {done.stderr.strip()}")
