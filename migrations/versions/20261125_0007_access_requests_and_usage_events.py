"""access requests and usage events

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 09:28:42.215649
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The indexed columns of each new table, in the order the tables are created.
INDEXES = {
    "access_request": ("material_id", "school_id"),
    "usage_event": ("kind", "material_id", "occurred_at", "owner_school_id", "school_id"),
}


def _refers(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    """``column`` of ``table`` holds the id of a row of ``target``."""
    name = op.f(f"fk_{table}_{column}_{target}")
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=name)


def _index(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in INDEXES[table]:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "access_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("rights", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "granted",
                "declined",
                "withdrawn",
                name="request_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=True),
        sa.Column("granted_until", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        _refers("access_request", "decided_by_id", "person"),
        _refers("access_request", "grant_id", "audience_grant"),
        _refers("access_request", "material_id", "material"),
        _refers("access_request", "requester_id", "person"),
        _refers("access_request", "school_id", "school"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_request")),
    )
    _index("access_request")

    op.create_table(
        "usage_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("owner_school_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("occurred_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        _refers("usage_event", "material_id", "material"),
        _refers("usage_event", "owner_school_id", "school"),
        _refers("usage_event", "person_id", "person"),
        _refers("usage_event", "school_id", "school"),
        _refers("usage_event", "version_id", "material_version"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_event")),
    )
    _index("usage_event")


def downgrade() -> None:
    for table, columns in reversed(INDEXES.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(columns):
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
