"""Running the Alembic migrations in ``migrations/`` from code (CLI and tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

# In a built package the migrations ship inside it (setup.py); in a checkout they are beside it.
_PACKAGED = Path(__file__).resolve().parent / "migrations"
_CHECKOUT = Path(__file__).resolve().parent.parent / "migrations"
MIGRATIONS = _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic config for ``url`` (or an open ``connection``) without needing alembic.ini."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(
    url: str | None = None, connection: Connection | None = None, revision: str = "head"
) -> None:
    """Create or migrate the database to ``revision``."""
    command.upgrade(alembic_config(url, connection), revision)
