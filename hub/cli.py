"""The ``hub`` command: database, demo data, admins and serving.

Each command exits non-zero with a one-line reason on failure.
"""

from __future__ import annotations

import getpass
import os
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from . import db, migrate
from .models import Role
from .services import accounts
from .services.errors import ServiceError


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.group("db", help="Create or migrate the database.")
def db_group() -> None:
    """Database commands."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create the database or migrate it to the newest schema."""
    url = current_app.config["HUB_DATABASE_URL"]
    try:
        migrate.upgrade(url)
    except OperationalError as exc:
        _fail(f"cannot reach the database at {db.database().engine.url!r}: {exc.orig}")
    click.echo("Database is up to date.")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo consortium (idempotent) and print its sign-ins."""
    from .services import demo

    s = db.session()
    try:
        summary = demo.load_demo(s)
        s.commit()
    except OperationalError as exc:
        s.rollback()
        _fail(f"the database is not ready ({exc.orig}); run `hub db upgrade` first")
    click.echo(summary.describe())


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Consortium admin", show_default=True)
@click.option(
    "--password",
    envvar="HUB_ADMIN_PASSWORD",
    help="Read from HUB_ADMIN_PASSWORD or asked for when not given.",
)
@with_appcontext
def create_admin(email: str, name: str, password: str | None) -> None:
    """Create a consortium admin with EMAIL."""
    if password is None:
        if not sys.stdin.isatty():
            _fail("no password given: pass --password or set HUB_ADMIN_PASSWORD")
        password = getpass.getpass("Password: ")
    s = db.session()
    try:
        person = accounts.create_person(
            s, email=email, name=name, password=password, role=Role.CONSORTIUM_ADMIN, school=None
        )
        s.commit()
    except ServiceError as exc:
        s.rollback()
        _fail(exc.message)
    except SQLAlchemyError as exc:
        s.rollback()
        _fail(f"could not write to the database ({type(exc).__name__}); run `hub db upgrade` first")
    click.echo(f"Consortium admin {person.email} created.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int, threads: int) -> None:
    """Run the hub and print its URL (gunicorn when installed, else Werkzeug)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    url = f"http://{host}:{port}/"
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:
        click.echo(f"The hub is running at {url}  (Ctrl+C stops it)")
        app.run(host=host, port=port, threaded=True, use_reloader=False)
        return

    class _Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", 1)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")

        def load(self) -> Flask:
            return app

    click.echo(f"The hub is running at {url}  (Ctrl+C stops it)")
    _Server().run()


def register_cli(app: Flask) -> None:
    """Add the hub's commands to ``app.cli``."""
    app.cli.add_command(db_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(create_admin)
    app.cli.add_command(serve)


def _create_app() -> Flask:
    from . import create_app
    from .config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def main() -> None:
    """Entry point of the ``hub`` console command."""
    os.environ.setdefault("FLASK_RUN_FROM_CLI", "false")
    cli = FlaskGroup(
        name="hub",
        create_app=_create_app,
        add_default_commands=False,
        add_version_option=False,
        load_dotenv=False,
        help="The consortium hub. Settings come from HUB_* environment variables (see README).",
    )
    cli.main(prog_name="hub")
