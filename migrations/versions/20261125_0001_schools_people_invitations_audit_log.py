"""schools, people, invitations, audit log

Revision ID: 0001
Revises:
Create Date: 2026-11-25 08:39:40.479820
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.models.base

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The indexed columns of each new table, in the order the tables are created.
INDEXES = {
    "school": ("country", "region"),
    "person": ("school_id",),
    "audit_event": ("action", "actor_id", "occurred_at", "school_id"),
    "invitation": ("email", "school_id"),
}


def _choice(name: str, *values: str) -> sa.Enum:
    """A choice stored as text, its values checked (the models' ``enum_column``)."""
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _role() -> sa.Enum:
    return _choice("role", "student", "teacher", "school_admin", "consortium_admin")


def _refers(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    """``column`` of ``table`` holds the id of a row of ``target``."""
    name = op.f(f"fk_{table}_{column}_{target}")
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=name)


def _index(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in INDEXES[table]:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    income_group = _choice("income_group", "HIC", "UMC", "LMC", "LIC")
    status = _choice("membership_status", "applied", "active", "suspended", "withdrawn", "rejected")
    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=3), nullable=False),
        sa.Column("income_group", income_group, nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("status", status, nullable=False),
        sa.Column("created_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school")),
    )
    _index("school")

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("role", _role(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role = 'consortium_admin' OR school_id IS NOT NULL",
            name=op.f("ck_person_school_member_has_school"),
        ),
        _refers("person", "school_id", "school"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("email", name=op.f("uq_person_email")),
    )
    _index("person")

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        _refers("audit_event", "actor_id", "person"),
        _refers("audit_event", "school_id", "school"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    _index("audit_event")

    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("role", _role(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        _refers("invitation", "invited_by_id", "person"),
        _refers("invitation", "school_id", "school"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_invitation_token_digest")),
    )
    _index("invitation")

    _audit_log_append_only()


# The audit log is append-only in the database itself, not only in the ORM.
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
]
_PG_TRIGGER = [
    """CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$""",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
]


def _audit_log_append_only() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": _SQLITE_TRIGGERS, "postgresql": _PG_TRIGGER}.get(dialect, [])
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    for table, columns in reversed(INDEXES.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(columns):
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
