"""peer review: editors, reviewers, submissions, invitations, reviews, questions, decisions

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-06 11:11:40.771461
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.models.base

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _review_editor()
    _review_reviewer()
    _review_school_vetting()
    _review_submission()
    _review_decision()
    _review_event()
    _review_invitation()
    _review()
    _review_message()


def _review_editor() -> None:
    op.create_table(
        "review_editor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("appointed_by_id", sa.Integer(), nullable=True),
        sa.Column("appointed_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointed_by_id"], ["person.id"], name=op.f("fk_review_editor_appointed_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_review_editor_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_editor")),
        sa.UniqueConstraint("person_id", name=op.f("uq_review_editor_person_id")),
    )


def _review_reviewer() -> None:
    op.create_table(
        "review_reviewer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("professions", sa.JSON(), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("reviews_per_term", sa.Integer(), nullable=False),
        sa.Column("paused_at", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_review_reviewer_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_reviewer")),
        sa.UniqueConstraint("person_id", name=op.f("uq_review_reviewer_person_id")),
    )


def _review_school_vetting() -> None:
    op.create_table(
        "review_school_vetting",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("vetter_ids", sa.JSON(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_review_school_vetting_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["person.id"],
            name=op.f("fk_review_school_vetting_updated_by_id_person"),
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_review_school_vetting")),
    )


def _review_submission() -> None:
    op.create_table(
        "review_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "vetting",
                "triage",
                "returned",
                "in_review",
                "revision",
                "accepted",
                "declined",
                "withdrawn",
                name="submission_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("objectives", sa.Text(), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("how_used", sa.Text(), nullable=False),
        sa.Column("evaluation", sa.Text(), nullable=False),
        sa.Column("vetted_version_id", sa.Integer(), nullable=True),
        sa.Column("vetted_by_id", sa.Integer(), nullable=True),
        sa.Column("vetted_at", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state_since", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_review_submission_author_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["editor_id"], ["person.id"], name=op.f("fk_review_submission_editor_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["material_id"], ["material.id"], name=op.f("fk_review_submission_material_id_material")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_review_submission_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["material_version.id"],
            name=op.f("fk_review_submission_version_id_material_version"),
        ),
        sa.ForeignKeyConstraint(
            ["vetted_by_id"], ["person.id"], name=op.f("fk_review_submission_vetted_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["vetted_version_id"],
            ["material_version.id"],
            name=op.f("fk_review_submission_vetted_version_id_material_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_submission")),
    )
    with op.batch_alter_table("review_submission", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_submission_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_review_submission_editor_id"), ["editor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_review_submission_material_id"), ["material_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_review_submission_school_id"), ["school_id"], unique=False
        )
        batch_op.create_index("ix_review_submission_state", ["state"], unique=False)


def _review_decision() -> None:
    op.create_table(
        "review_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "accept",
                "minor",
                "major",
                "decline",
                name="outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("letter", sa.Text(), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviews", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["editor_id"], ["person.id"], name=op.f("fk_review_decision_editor_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["material_id"], ["material.id"], name=op.f("fk_review_decision_material_id_material")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["review_submission.id"],
            name=op.f("fk_review_decision_submission_id_review_submission"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["material_version.id"],
            name=op.f("fk_review_decision_version_id_material_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decision")),
        sa.UniqueConstraint(
            "submission_id", "round", name=op.f("uq_review_decision_submission_id")
        ),
    )
    with op.batch_alter_table("review_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_decision_material_id"), ["material_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_review_decision_submission_id"), ["submission_id"], unique=False
        )


def _review_event() -> None:
    op.create_table(
        "review_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["person.id"], name=op.f("fk_review_event_actor_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["review_submission.id"],
            name=op.f("fk_review_event_submission_id_review_submission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_event")),
    )
    with op.batch_alter_table("review_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_event_submission_id"), ["submission_id"], unique=False
        )


def _review_invitation() -> None:
    op.create_table(
        "review_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "invited",
                "accepted",
                "declined",
                "submitted",
                "withdrawn",
                name="invitation_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("invited_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("responded_at", hub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=False),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["person.id"], name=op.f("fk_review_invitation_invited_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["person.id"], name=op.f("fk_review_invitation_reviewer_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_review_invitation_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["review_submission.id"],
            name=op.f("fk_review_invitation_submission_id_review_submission"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["material_version.id"],
            name=op.f("fk_review_invitation_version_id_material_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_invitation")),
    )
    with op.batch_alter_table("review_invitation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_invitation_reviewer_id"), ["reviewer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_review_invitation_submission_id"), ["submission_id"], unique=False
        )


def _review() -> None:
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("to_author", sa.Text(), nullable=False),
        sa.Column("confidential", sa.Text(), nullable=False),
        sa.Column(
            "recommendation",
            sa.Enum(
                "accept",
                "minor",
                "major",
                "decline",
                name="outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["review_invitation.id"],
            name=op.f("fk_review_invitation_id_review_invitation"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["person.id"], name=op.f("fk_review_reviewer_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_review_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["review_submission.id"],
            name=op.f("fk_review_submission_id_review_submission"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["material_version.id"],
            name=op.f("fk_review_version_id_material_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_review_invitation_id")),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_reviewer_id"), ["reviewer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_school_id"), ["school_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_review_submission_id"), ["submission_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_review_version_id"), ["version_id"], unique=False)


def _review_message() -> None:
    op.create_table(
        "review_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", hub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["review_invitation.id"],
            name=op.f("fk_review_message_invitation_id_review_invitation"),
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["person.id"], name=op.f("fk_review_message_sender_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["review_submission.id"],
            name=op.f("fk_review_message_submission_id_review_submission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_message")),
    )
    with op.batch_alter_table("review_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_message_submission_id"), ["submission_id"], unique=False
        )


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("review_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_message_submission_id"))

    op.drop_table("review_message")
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_version_id"))
        batch_op.drop_index(batch_op.f("ix_review_submission_id"))
        batch_op.drop_index(batch_op.f("ix_review_school_id"))
        batch_op.drop_index(batch_op.f("ix_review_reviewer_id"))

    op.drop_table("review")
    with op.batch_alter_table("review_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_invitation_submission_id"))
        batch_op.drop_index(batch_op.f("ix_review_invitation_reviewer_id"))

    op.drop_table("review_invitation")
    with op.batch_alter_table("review_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_event_submission_id"))

    op.drop_table("review_event")
    with op.batch_alter_table("review_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_decision_submission_id"))
        batch_op.drop_index(batch_op.f("ix_review_decision_material_id"))

    op.drop_table("review_decision")
    with op.batch_alter_table("review_submission", schema=None) as batch_op:
        batch_op.drop_index("ix_review_submission_state")
        batch_op.drop_index(batch_op.f("ix_review_submission_school_id"))
        batch_op.drop_index(batch_op.f("ix_review_submission_material_id"))
        batch_op.drop_index(batch_op.f("ix_review_submission_editor_id"))
        batch_op.drop_index(batch_op.f("ix_review_submission_author_id"))

    op.drop_table("review_submission")
    op.drop_table("review_school_vetting")
    op.drop_table("review_reviewer")
    op.drop_table("review_editor")
    # ### end Alembic commands ###
