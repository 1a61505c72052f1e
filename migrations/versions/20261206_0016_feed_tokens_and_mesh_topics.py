"""feed tokens and MeSH topics

Private feed addresses get their table. Topics become MeSH descriptors where a stored topic is
a descriptor's name (in any case): it is stored as the descriptor's id ("D008288"); topics
that match no descriptor stay as they are, free terms. Downgrading writes the names back.

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-06 08:17:42.144536
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from importlib import resources

import sqlalchemy as sa
from alembic import op

import hub.models.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_versions = sa.table(
    "material_version", sa.column("id", sa.Integer()), sa.column("topics", sa.JSON())
)


def _descriptors() -> dict[str, str]:
    """id -> name of the descriptors the hub ships (read here, as this migration knows them)."""
    text = resources.files("hub").joinpath("data/mesh.csv").read_text(encoding="utf-8")
    lines = (line for line in text.splitlines() if not line.startswith("#"))
    return {row["id"]: row["name"] for row in csv.DictReader(lines)}


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _rewrite(change: Callable[[str], str]) -> None:
    """Every version's topics through ``change`` (one topic at a time), where it changes any."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(_versions.c.id, _versions.c.topics)).all()
    for version_id, topics in rows:
        if not topics:
            continue
        changed = list(dict.fromkeys(change(t) for t in topics))
        if changed != topics:
            bind.execute(
                _versions.update().where(_versions.c.id == version_id).values(topics=changed)
            )


def upgrade() -> None:
    op.create_table(
        "feed_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_feed_token_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_token")),
        sa.UniqueConstraint("digest", name=op.f("uq_feed_token_digest")),
    )
    with op.batch_alter_table("feed_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_token_person_id"), ["person_id"], unique=False)
    by_name = {_key(name): code for code, name in _descriptors().items()}
    _rewrite(lambda topic: by_name.get(_key(topic), topic))


def downgrade() -> None:
    names = _descriptors()
    _rewrite(lambda topic: names.get(topic, topic))
    with op.batch_alter_table("feed_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_token_person_id"))
    op.drop_table("feed_token")
