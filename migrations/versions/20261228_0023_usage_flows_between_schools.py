"""usage flows between schools

``usage_month`` without the material: one row per month, kind, owner school and using school,
read by the school and consortium dashboards. Filled from ``usage_month`` (the same counts).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-28 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The key as services.usage.flow_key writes it; benchmarks/statistics.py derives with it too.
FLOWS_FROM_MONTHS = """
INSERT INTO usage_flow (key, month, kind, owner_school_id, school_id, events, visitors)
SELECT month || '|' || kind || '|' || CAST(owner_school_id AS VARCHAR) || '|'
         || COALESCE(CAST(school_id AS VARCHAR), '-'),
       month, kind, owner_school_id, school_id, SUM(events), SUM(visitors)
FROM usage_month
GROUP BY month, kind, owner_school_id, school_id
"""


def upgrade() -> None:
    op.create_table(
        "usage_flow",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("owner_school_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("visitors", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_school_id"], ["school.id"], name=op.f("fk_usage_flow_owner_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_usage_flow_school_id_school")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_usage_flow")),
    )
    op.execute(FLOWS_FROM_MONTHS)
    with op.batch_alter_table("usage_flow", schema=None) as batch_op:
        batch_op.create_index(
            "ix_usage_flow_given",
            ["owner_school_id", "month", "kind", "school_id", "events", "visitors"],
            unique=False,
        )
        batch_op.create_index(
            "ix_usage_flow_taken",
            ["school_id", "month", "owner_school_id", "kind", "events"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("usage_flow", schema=None) as batch_op:
        batch_op.drop_index("ix_usage_flow_taken")
        batch_op.drop_index("ix_usage_flow_given")
    op.drop_table("usage_flow")
