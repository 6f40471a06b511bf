"""Command-line actions: `flask db upgrade`, `flask demo seed`, `flask users create-operator`,
`flask books check`.

Each command commits once at its end, like a request.
"""

from __future__ import annotations

import click
from flask import Flask, current_app

from webapp import db, migrations


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
        """Crée la collectivité de démonstration si elle n'existe pas, et affiche les connexions."""
        from webapp import demo

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
        from webapp.errors import DomainError

        try:
            with acting_as("ligne de commande"):
                create_user({"email": email, "full_name": full_name, "password": password, "is_operator": True})
        except DomainError as e:
            raise click.ClickException(e.message) from e
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
