"""harvest records: OAI datestamps and who could discover each material

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-14 09:00:00

Materials published before this migration get a record dated by their current version's
publication (or their retirement, if later), with their tokens not yet known (NULL): the hub
reads such a record's exposure from its current grants (``services/harvest_log.py``) until its
next change records the real one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.models.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "harvest_record",
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("datestamp", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("tokens", sa.JSON(), nullable=True),
        sa.Column("exposed", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["material_id"], ["material.id"], name=op.f("fk_harvest_record_material_id_material")
        ),
        sa.PrimaryKeyConstraint("material_id", name=op.f("pk_harvest_record")),
    )
    with op.batch_alter_table("harvest_record", schema=None) as batch_op:
        batch_op.create_index(
            "ix_harvest_record_datestamp_material", ["datestamp", "material_id"], unique=False
        )
    # One record per material with a published version (the same rows as
    # harvest_log.record_missing, written here without importing the application).
    op.execute(
        """
        INSERT INTO harvest_record (material_id, datestamp, version_id, tokens, exposed)
        SELECT v.material_id,
               CASE WHEN m.retired_at IS NOT NULL
                         AND m.retired_at > COALESCE(v.published_at, v.created_at)
                    THEN m.retired_at ELSE COALESCE(v.published_at, v.created_at) END,
               v.id, NULL, NULL
        FROM material_version v JOIN material m ON m.id = v.material_id
        WHERE v.state = 'published'
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("harvest_record", schema=None) as batch_op:
        batch_op.drop_index("ix_harvest_record_datestamp_material")
    op.drop_table("harvest_record")
