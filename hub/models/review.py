"""Cross-school peer review (issue 23): editors, reviewers, submissions and their route,
invitations, rubric reviews, questions and decisions.

The route itself (which state follows which action, and who acts next) is written once in
``hub.services.review``; these tables only keep what happened. Later features read them:
badges, the search facet and LOM records ask ``services.review.review_state_of``; a reviewer's
credit counts their submitted ``Review`` rows (with ``school_id`` kept as it was when they
reviewed); a certificate of review is one ``Review`` with its ``ReviewInvitation``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Choice, utcnow
from .school import enum_column

if TYPE_CHECKING:
    from .material import Material, MaterialVersion
    from .person import Person


class SubmissionState(Choice):
    """Where a submission stands on the review route (transitions: ``services.review.ROUTE``)."""

    VETTING = "vetting", _l("Waiting for school vetting")  # waiting for the owner school's vetting
    TRIAGE = (
        "triage",
        _l("Waiting for the editor"),
    )  # waiting for the editor: return, decline or send to review
    RETURNED = (
        "returned",
        _l("Returned to the author"),
    )  # back with the author: a question to answer, then resubmit
    IN_REVIEW = (
        "in_review",
        _l("In review"),
    )  # reviewers invited; the editor decides when reviews are in
    REVISION = (
        "revision",
        _l("Revision asked"),
    )  # the editor asked for a revision: a new version, answers
    ACCEPTED = "accepted", _l("Accepted")  # peer reviewed (final)
    DECLINED = "declined", _l("Declined")  # declined by the editor (final)
    WITHDRAWN = "withdrawn", _l("Withdrawn")  # withdrawn by the author (final)


class Outcome(Choice):
    """An editor's decision on a round of review (and a reviewer's recommendation)."""

    ACCEPT = "accept", _l("Accept")
    MINOR = "minor", _l("Minor revision")
    MAJOR = "major", _l("Major revision")
    DECLINE = "decline", _l("Decline")


class InvitationState(Choice):
    """Where one reviewer's invitation stands."""

    INVITED = "invited", _l("Invited")  # waiting for the reviewer to accept or decline
    ACCEPTED = "accepted", _l("Reviewing")  # the reviewer is reviewing
    DECLINED = "declined", _l("Declined")  # the reviewer said no
    SUBMITTED = "submitted", _l("Review submitted")  # the review is in
    WITHDRAWN = (
        "withdrawn",
        _l("Withdrawn"),
    )  # the editor reassigned it (overdue) or the route ended


class Editor(Base):
    """A teacher whom a consortium admin appointed editor for some topics and languages.

    ``topics`` are stored like a version's (MeSH descriptor ids, or free terms); ``languages``
    are BCP 47 tags. ``ended_at`` set: no longer an editor (the row stays for history)."""

    __tablename__ = "review_editor"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    appointed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    appointed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column()

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class Reviewer(Base):
    """A teacher who volunteered to review: their expertise and how many reviews a term
    (half-year) they accept. ``paused_at`` set: not invited until they resume."""

    __tablename__ = "review_reviewer"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    professions: Mapped[list[str]] = mapped_column(JSON, default=list)
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    reviews_per_term: Mapped[int] = mapped_column(Integer, default=2)
    paused_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship()


class SchoolVetting(Base):
    """A school's rule for its submissions: whether they are vetted first, and by whom besides
    its admins (``vetter_ids``: teachers the admins named). No row: not vetted first."""

    __tablename__ = "review_school_vetting"

    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)
    required: Mapped[bool] = mapped_column(default=False)
    vetter_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Submission(Base):
    """One material submitted for peer review by a teacher of its school, across its rounds.

    ``version_id`` is the version under review now (a revision moves it on); ``round`` counts
    the versions reviewed. ``state_since`` is when the current stage began (the board's time
    in stage). ``vetted_version_id`` is the version the school vetted, if it did."""

    __tablename__ = "review_submission"
    __table_args__ = (Index("ix_review_submission_state", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("material_version.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    state: Mapped[SubmissionState] = mapped_column(enum_column(SubmissionState, "submission_state"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    # The educational summary (after MedEdPORTAL's): plain text the author writes.
    objectives: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(Text, default="")
    how_used: Mapped[str] = mapped_column(Text, default="")
    evaluation: Mapped[str] = mapped_column(Text, default="")
    vetted_version_id: Mapped[int | None] = mapped_column(ForeignKey("material_version.id"))
    vetted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    vetted_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    state_since: Mapped[dt.datetime] = mapped_column(default=utcnow)

    material: Mapped[Material] = relationship()
    version: Mapped[MaterialVersion] = relationship(foreign_keys=[version_id])
    author: Mapped[Person] = relationship(foreign_keys=[author_id])
    editor: Mapped[Person | None] = relationship(foreign_keys=[editor_id])
    events: Mapped[list[SubmissionEvent]] = relationship(
        back_populates="submission", order_by="SubmissionEvent.id"
    )
    invitations: Mapped[list[ReviewInvitation]] = relationship(
        back_populates="submission", order_by="ReviewInvitation.id"
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="submission", order_by="Decision.id"
    )


class SubmissionEvent(Base):
    """One step of a submission's route: who did what, from which state to which, and the
    words that go with it (a question, a reason). Append-only: the route's history."""

    __tablename__ = "review_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("review_submission.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="events")


class ReviewInvitation(Base):
    """One reviewer invited to review one version of a submission, with a due date.

    ``school_id`` is the reviewer's school when invited (never the author's). ``reminded_on``
    is the last day a reminder went, so ``hub review remind`` mails at most once a day."""

    __tablename__ = "review_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("review_submission.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("material_version.id"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    state: Mapped[InvitationState] = mapped_column(
        enum_column(InvitationState, "invitation_state"), default=InvitationState.INVITED
    )
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    invited_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    due_at: Mapped[dt.datetime] = mapped_column()
    responded_at: Mapped[dt.datetime | None] = mapped_column()
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    reminded_on: Mapped[dt.date | None] = mapped_column()

    submission: Mapped[Submission] = relationship(back_populates="invitations")
    reviewer: Mapped[Person] = relationship(foreign_keys=[reviewer_id])
    review: Mapped[Review | None] = relationship(back_populates="invitation")


class Review(Base):
    """A reviewer's filled rubric for one version: a score (1-5) and comments to the author per
    criterion (``services.review.CRITERIA``), general comments to the author, confidential
    comments for the editor only, a recommendation, and whether the reviewer signs it."""

    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("review_invitation.id"), unique=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("review_submission.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("material_version.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    scores: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    comments: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    to_author: Mapped[str] = mapped_column(Text, default="")
    confidential: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[Outcome] = mapped_column(enum_column(Outcome, "outcome"))
    signed: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    invitation: Mapped[ReviewInvitation] = relationship(back_populates="review")
    reviewer: Mapped[Person] = relationship(foreign_keys=[reviewer_id])


class ReviewMessage(Base):
    """A question or answer on a submission. ``invitation_id`` set: the thread between that
    reviewer and the author (the author sees "Reviewer N" unless the reviewer signed); unset:
    the thread between the editor and the author. ``side`` is who wrote it: author, reviewer
    or editor."""

    __tablename__ = "review_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("review_submission.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("review_invitation.id"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    side: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Decision(Base):
    """The assigned editor's decision on one round (one version): the outcome and the letter
    to the author, which collects the reviews (anonymous unless signed, never the
    confidential comments). An ``accept`` is the peer review of ``version_id``."""

    __tablename__ = "review_decision"
    __table_args__ = (UniqueConstraint("submission_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("review_submission.id"), index=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("material_version.id"))
    round: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "outcome"))
    letter: Mapped[str] = mapped_column(Text, default="")
    editor_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # What the letter collected, as shown to the author (kept so the letter never changes).
    reviews: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    submission: Mapped[Submission] = relationship(back_populates="decisions")
    version: Mapped[MaterialVersion] = relationship()
