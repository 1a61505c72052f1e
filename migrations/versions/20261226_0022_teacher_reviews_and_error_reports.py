"""teacher reviews and error reports

A teacher's rating of another school's material (one per teacher and material), and errors
reported in a material with the owner school's answer.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-26 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.models.base

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _error_report()
    _teacher_review()


def _error_report() -> None:
    op.create_table(
        "error_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "clinical_accuracy",
                "outdated_guideline",
                "broken_file",
                "licence_concern",
                "consent_concern",
                name="error_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "confirmed",
                "fixed",
                "declined",
                name="error_report_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("fixed_in", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["person.id"], name=op.f("fk_error_report_answered_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["material_id"], ["material.id"], name=op.f("fk_error_report_material_id_material")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["person.id"], name=op.f("fk_error_report_reporter_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_error_report_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_error_report")),
    )
    with op.batch_alter_table("error_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_error_report_material_id"), ["material_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_error_report_reporter_id"), ["reporter_id"], unique=False
        )


def _teacher_review() -> None:
    op.create_table(
        "teacher_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("class_size", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("class_size >= 1", name=op.f("ck_teacher_review_class_size_positive")),
        sa.CheckConstraint(
            "rating BETWEEN 1 AND 5", name=op.f("ck_teacher_review_rating_one_to_five")
        ),
        sa.ForeignKeyConstraint(
            ["material_id"], ["material.id"], name=op.f("fk_teacher_review_material_id_material")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_teacher_review_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_teacher_review_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teacher_review")),
        sa.UniqueConstraint("material_id", "person_id", name=op.f("uq_teacher_review_material_id")),
    )
    with op.batch_alter_table("teacher_review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_teacher_review_material_id"), ["material_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_teacher_review_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("teacher_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teacher_review_person_id"))
        batch_op.drop_index(batch_op.f("ix_teacher_review_material_id"))

    op.drop_table("teacher_review")
    with op.batch_alter_table("error_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_error_report_reporter_id"))
        batch_op.drop_index(batch_op.f("ix_error_report_material_id"))

    op.drop_table("error_report")
    # ### end Alembic commands ###
