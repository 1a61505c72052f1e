"""a file's text not yet read: when to read it again

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.models.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("version_file", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("text_retry_at", hub.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("text_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_version_file_text_retry_at"), ["text_retry_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("version_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_version_file_text_retry_at"))
        batch_op.drop_column("text_attempts")
        batch_op.drop_column("text_retry_at")
