"""Command-line actions: `flask db upgrade`, `flask demo seed`, `flask users create-operator`,
`flask books check`, `flask backup` and `flask restore`.

Each command commits once at its end, like a request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app

from webapp import db, migrations
from webapp.errors import DomainError


@contextmanager
def refusals() -> Iterator[None]:
    """A service's refusal ends the command with its French message and exit code 1, nothing committed."""
    try:
        yield
    except DomainError as error:
        raise click.ClickException(error.message) from error


def register(app: Flask) -> None:
    @app.cli.group("db")
    def db_group() -> None:
        """Schéma de la base (Alembic)."""

    @db_group.command("upgrade")
    def upgrade() -> None:
        """Applique les migrations en attente."""
        migrations.upgrade(current_app.config["DATABASE_URL"])
        click.echo("Base de données à jour.")

    @db_group.command("revision")
    @click.option("-m", "--message", required=True)
    def revision(message: str) -> None:
        """Écrit une migration d'après les modèles (à relire avant de la valider)."""
        from alembic import command

        command.revision(migrations.alembic_config(current_app.config["DATABASE_URL"]),
                         message=message, autogenerate=True)

    @app.cli.group("demo")
    def demo_group() -> None:
        """Données de démonstration."""

    @demo_group.command("seed")
    def seed() -> None:
        """Crée la collectivité de démonstration si elle n'existe pas, et affiche les connexions (en mode
        démonstration seulement : REGIE_DEMO=1, que passe « make run »)."""
        from webapp import demo

        # Its accounts, an operator among them, share a published password: never on a real server.
        if not current_app.config["DEMO"]:
            raise click.ClickException(
                "Les données de démonstration créent des comptes au mot de passe publié, dont un exploitant : elles "
                "ne se créent qu'en mode démonstration (REGIE_DEMO=1, comme le fait « make run »). Pour créer le "
                "véritable exploitant d'un serveur : flask users create-operator.")
        created = demo.seed()
        db.session.commit()
        click.echo("Données de démonstration créées." if created else "Données de démonstration déjà présentes.")
        click.echo("Connexions de démonstration (mot de passe : " + demo.PASSWORD + ") :")
        for email, role in demo.LOGINS:
            click.echo(f"  {email:<32} {role}")

    @app.cli.group("users")
    def users_group() -> None:
        """Comptes utilisateurs."""

    @users_group.command("create-operator")
    @click.option("--email", required=True)
    @click.option("--name", "full_name", required=True)
    @click.password_option()
    def create_operator(email: str, full_name: str, password: str) -> None:
        """Crée un exploitant du serveur, qui gère les collectivités."""
        from webapp.audit.services import acting_as
        from webapp.auth.services import create_user

        with refusals(), acting_as("ligne de commande"):
            create_user({"email": email, "full_name": full_name, "password": password, "is_operator": True})
        db.session.commit()
        click.echo(f"Exploitant {email} créé.")

    @app.cli.group("books")
    def books_group() -> None:
        """Comptes des familles."""

    @books_group.command("check")
    @click.option("--organisation", "organisation_id", type=int, help="Une seule collectivité (toutes sinon).")
    def check(organisation_id: int | None) -> None:
        """Recalcule chaque solde et chaque facture depuis les écritures ; signale tout écart (code de sortie 1)."""
        from webapp.counter.ledger import check_books

        found = check_books(organisation_id)
        for discrepancy in found:
            click.echo(str(discrepancy), err=True)
        if found:
            raise click.ClickException(f"{len(found)} écart(s) entre les soldes enregistrés et les écritures.")
        click.echo("Les soldes et les factures correspondent exactement aux écritures.")

    @app.cli.command("backup")
    @click.argument("file", type=click.Path(path_type=Path))
    def backup_command(file: Path) -> None:
        """Sauvegarde toute la base dans FILE, même pendant que l'application tourne (SQLite : copie en ligne ;
        PostgreSQL : pg_dump -Fc)."""
        from webapp import backup

        with refusals():
            backup.backup(current_app.config["DATABASE_URL"], file)
        click.echo(f"Base sauvegardée dans {file}.")

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(path_type=Path))
    @click.confirmation_option(prompt="Tout le contenu de la base sera remplacé par cette sauvegarde. Continuer ?",
                               help="Restaurer sans demander de confirmation.")
    def restore_command(file: Path) -> None:
        """Remplace toute la base par la sauvegarde FILE (faite par « flask backup » sur le même type de base) ;
        arrêtez d'abord le serveur web et les travaux en arrière-plan."""
        from webapp import backup

        with refusals():
            backup.restore(current_app.config["DATABASE_URL"], file)
        click.echo(f"Base restaurée depuis {file}. Si la sauvegarde précède la version installée : flask db upgrade.")
