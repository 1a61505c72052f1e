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
