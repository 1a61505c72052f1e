"""materials, versions, files, grants, modules, adoptions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 09:08:20.773323
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The indexed columns of each new table, in the order the tables are created.
INDEXES = {
    "material": ("adapted_from_version_id", "school_id", "translation_of_id"),
    "audience_grant": ("material_id",),
    "material_version": ("material_id",),
    "adoption": ("material_id", "school_id", "version_id"),
    "module_item": ("item_version_id", "module_version_id"),
    "version_file": ("file_id", "version_id"),
}


def _choice(name: str, *values: str) -> sa.Enum:
    """A choice stored as text, its values checked (the models' ``enum_column``)."""
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _refers(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    """``column`` of ``table`` holds the id of a row of ``target``."""
    name = op.f(f"fk_{table}_{column}_{target}")
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=name)


def _index(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in INDEXES[table]:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    _material()
    _audience_grant()
    _material_version()
    _material_references()
    _adoption()
    _module_item()
    _version_file()


def _material() -> None:
    op.create_table(
        "material",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _choice("material_kind", "material", "module"), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("translation_of_id", sa.Integer(), nullable=True),
        sa.Column("adapted_from_version_id", sa.Integer(), nullable=True),
        sa.Column("teachers_only", sa.Boolean(), nullable=False),
        sa.Column("available_from", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("available_until", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retired_at", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("popularity", sa.Integer(), nullable=False),
        _refers("material", "created_by_id", "person"),
        _refers("material", "school_id", "school"),
        _refers("material", "translation_of_id", "material"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material")),
    )
    _index("material")


def _audience_grant() -> None:
    grant_kind = _choice("grant_kind", "public", "consortium", "regions", "income", "schools")
    op.create_table(
        "audience_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("kind", grant_kind, nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("can_view", sa.Boolean(), nullable=False),
        sa.Column("can_download", sa.Boolean(), nullable=False),
        sa.Column("can_adapt", sa.Boolean(), nullable=False),
        sa.Column("expires_at", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        _refers("audience_grant", "created_by_id", "person"),
        _refers("audience_grant", "material_id", "material"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audience_grant")),
    )
    _index("audience_grant")


def _material_version() -> None:
    state = _choice("version_state", "draft", "published", "superseded")
    patient_data = _choice("patient_data", "none", "de-identified", "consented")
    consent_scope = _choice("consent_scope", "own_school", "consortium", "public")
    op.create_table(
        "material_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", state, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("other_languages", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("who_regions", sa.JSON(), nullable=False),
        sa.Column("income", sa.JSON(), nullable=False),
        sa.Column("income_fiscal_year", sa.String(length=9), nullable=False),
        sa.Column("financing", sa.JSON(), nullable=False),
        sa.Column("setting", sa.JSON(), nullable=False),
        sa.Column("resources", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("resource_type", sa.String(length=30), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("licence", sa.String(length=40), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("educational_context", sa.JSON(), nullable=False),
        sa.Column("professions", sa.JSON(), nullable=False),
        sa.Column("specialty", sa.String(length=120), nullable=False),
        sa.Column("patient_data", patient_data, nullable=False),
        sa.Column("consent_scope", consent_scope, nullable=True),
        sa.Column("objectives", sa.JSON(), nullable=False),
        sa.Column("estimated_hours", sa.Float(), nullable=True),
        sa.Column("extracted_text", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        _refers("material_version", "created_by_id", "person"),
        _refers("material_version", "material_id", "material"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material_version")),
        sa.UniqueConstraint("material_id", "number", name=op.f("uq_material_version_material_id")),
    )
    _index("material_version")


def _material_references() -> None:
    # A material's original version: the table of versions exists only now.
    with op.batch_alter_table("material", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_material_adapted_from_version_id_material_version"),
            "material_version",
            ["adapted_from_version_id"],
            ["id"],
        )


def _adoption() -> None:
    op.create_table(
        "adoption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("adopted_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        _refers("adoption", "material_id", "material"),
        _refers("adoption", "person_id", "person"),
        _refers("adoption", "school_id", "school"),
        _refers("adoption", "version_id", "material_version"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adoption")),
    )
    _index("adoption")


def _module_item() -> None:
    op.create_table(
        "module_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_version_id", sa.Integer(), nullable=False),
        _refers("module_item", "item_version_id", "material_version"),
        _refers("module_item", "module_version_id", "material_version"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_item")),
    )
    _index("module_item")


def _version_file() -> None:
    op.create_table(
        "version_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _refers("version_file", "file_id", "file"),
        _refers("version_file", "version_id", "material_version"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_version_file")),
    )
    _index("version_file")


def downgrade() -> None:
    with op.batch_alter_table("material", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_material_adapted_from_version_id_material_version"), type_="foreignkey"
        )
    for table, columns in reversed(INDEXES.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(columns):
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
