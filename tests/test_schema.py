"""The migrations produce exactly the models' schema (on whichever database the run uses)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from hub.models import Base
from tests.factories import ConsortiumAdminFactory


def test_migrations_match_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_migrations_reach_head(engine: Engine) -> None:
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    from alembic.script import ScriptDirectory

    from hub.migrate import alembic_config

    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()


@pytest.mark.usefixtures("session")
def test_audit_log_refuses_update_in_the_database(connection: Connection, session) -> None:  # type: ignore[no-untyped-def]
    from hub.services import audit

    admin = ConsortiumAdminFactory()
    audit.record(session, admin, "test.event", admin)
    session.flush()
    nested = connection.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text("UPDATE audit_event SET action = 'rewritten'"))
    nested.rollback()
    nested = connection.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text("DELETE FROM audit_event"))
    nested.rollback()


def test_migration_0023_fills_the_flows_from_the_months(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Uses counted before ``usage_flow`` existed are in it after the upgrade, summed over
    materials (school and material rows are not needed: SQLite checks no foreign keys here)."""
    from sqlalchemy import create_engine

    from hub import migrate

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, revision="0022")
    engine = create_engine(url)
    rows = [  # month, kind, material, owner, school, events, visitors
        ("2026-10", "view", 1, 7, 9, 3, 2),
        ("2026-10", "view", 2, 7, 9, 4, 1),
        ("2026-10", "view", 2, 7, None, 5, 5),
        ("2026-11", "download", 1, 7, 9, 1, 1),
    ]
    with engine.begin() as conn:
        for month, kind, material, owner, school, events, visitors in rows:
            conn.execute(
                text(
                    "INSERT INTO usage_month (key, month, kind, material_id, owner_school_id,"
                    " school_id, country, events, visitors) VALUES (:key, :month, :kind,"
                    " :material, :owner, :school, NULL, :events, :visitors)"
                ),
                {
                    "key": f"{month}|{kind}|{material}|{school}",
                    "month": month,
                    "kind": kind,
                    "material": material,
                    "owner": owner,
                    "school": school,
                    "events": events,
                    "visitors": visitors,
                },  # fmt: skip
            )
    migrate.upgrade(url)
    with engine.connect() as conn:
        flows = conn.execute(
            text("SELECT key, events, visitors FROM usage_flow ORDER BY key")
        ).all()
    engine.dispose()
    assert [tuple(f) for f in flows] == [
        ("2026-10|view|7|-", 5, 5),
        ("2026-10|view|7|9", 7, 3),
        ("2026-11|download|7|9", 1, 1),
    ]
