"""The demo consortium's peer review history: editors appointed by topic and language,
teachers of many schools volunteering as reviewers, and submissions at every stage — accepted
(its material shows as peer reviewed, with a signed review), in review (one invitation accepted,
one waiting), returned to the author with a question, waiting for a minor revision, and
declined at triage.

Every step goes through the review services, as a person's would, so every rule of the route
holds: reviewers are never of the author's school, and only published versions shared with the
whole consortium are submitted. Deterministic and idempotent: nothing is added once the demo
schools have a submission. Its notifications stay in the hub (the unread count shows them) and
are mailed to no one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
    STAFF,
    Material,
    MaterialKind,
    MembershipStatus,
    Person,
    School,
    Submission,
)
from . import notifications, review, review_people
from . import review_reviewing as reviewing
from .demo import DEMO_DOMAIN, slug

ADMIN_EMAIL = f"consortium.admin@{DEMO_DOMAIN}"

# Editors: (school, topics one a line, languages). Each takes a third of the demo's topics.
EDITORS: list[tuple[str, str, str]] = [
    (
        "University of Dundee School of Medicine",
        "Malaria\nTuberculosis\nHIV Infections\nCholera\nDengue",
        "en",
    ),
    (
        "Université de Genève, Faculté de médecine",
        "Sepsis\nAsphyxia Neonatorum\nPostpartum Hemorrhage\nMalnutrition\nAsthma",
        "fr, en",
    ),
    (
        "Universidad Nacional de Colombia",
        "Hypertension\nDiabetes Mellitus\nDepression\nWounds and Injuries\n"
        "Antimicrobial Stewardship",
        "es, pt",
    ),
]

# Volunteer reviewers (each school's second teacher): (school, topics, languages, professions,
# levels, reviews a term).
REVIEWERS: list[tuple[str, str, str, tuple[str, ...], tuple[str, ...], str]] = [
    (
        "Universidade Federal de Minas Gerais",
        "Dengue\nSepsis\nHypertension\nTuberculosis",
        "pt, es, en",
        ("medicine",),
        ("clinical", "preclinical"),
        "4",
    ),
    (
        "Makerere University College of Health Sciences",
        "Malaria\nHIV Infections\nTuberculosis\nMalnutrition\nCholera",
        "en",
        ("medicine", "nursing"),
        ("clinical", "postgraduate"),
        "6",
    ),
    (
        "Cairo University Faculty of Medicine",
        "Hypertension\nDiabetes Mellitus\nAsthma\nSepsis",
        "ar, en",
        ("medicine",),
        ("clinical",),
        "4",
    ),
    (
        "Aga Khan University Medical College",
        "Asphyxia Neonatorum\nPostpartum Hemorrhage\nMalnutrition\nMalaria",
        "en, ur",
        ("medicine", "midwifery"),
        ("clinical", "cpd"),
        "5",
    ),
    (
        "Karolinska Institutet",
        "Antimicrobial Stewardship\nSepsis\nDepression\nTuberculosis",
        "en, sv",
        ("medicine", "pharmacy"),
        ("postgraduate", "cpd"),
        "4",
    ),
    (
        "Université Cheikh Anta Diop, Faculté de médecine",
        "Malaria\nCholera\nDengue\nWounds and Injuries",
        "fr, en",
        ("medicine",),
        ("preclinical", "clinical"),
        "4",
    ),
    (
        "Monash University Faculty of Medicine",
        "Wounds and Injuries\nDepression\nDiabetes Mellitus\nHIV Infections",
        "en",
        ("medicine", "allied-health"),
        ("clinical", "postgraduate"),
        "6",
    ),
]

SUMMARY = review.Summary(
    objectives="Recognise the danger signs, start first-line treatment, know when to refer.",
    audience="Final-year medical students and interns on their district-hospital rotation.",
    how_used="Two seminars a year since 2024, then a ward round where students present a case.",
    evaluation="End-of-rotation scores on the topic rose by a fifth; students asked for more.",
)


def _rubric(score: int, recommendation: str, signed: bool) -> reviewing.Rubric:
    """A filled rubric: every criterion near ``score``, with comments a reviewer might write."""
    scores = {c: str(max(1, min(5, score - (i % 3 == 2)))) for i, c in enumerate(review.CRITERIA)}
    return reviewing.Rubric(
        scores=scores,
        comments={
            "clinical_accuracy": "Doses match the current WHO guideline.",
            "adaptability": "Say what a district hospital without a laboratory should do.",
            "accessibility": "Add text descriptions to the two figures.",
        },
        to_author="A clear, usable case; my students could follow it without help.",
        confidential="I know this school's course; nothing to declare otherwise.",
        recommendation=recommendation,
        signed=signed,
    )


@dataclass
class ReviewHistory:
    """What the demo's review history added."""

    editors: int = 0
    reviewers: int = 0
    submissions: int = 0


def load_demo_review(session: Session) -> ReviewHistory:
    """Add the demo's review history unless a demo school already has a submission."""
    history = ReviewHistory()
    admin = _person(session, ADMIN_EMAIL)
    schools = {
        s.name: s
        for s in session.scalars(select(School).where(School.status == MembershipStatus.ACTIVE))
        if s.contact_email and DEMO_DOMAIN in s.contact_email
    }
    if admin is None or not schools:
        return history
    demo_ids = [s.id for s in schools.values()]
    if session.scalar(select(Submission.id).where(Submission.school_id.in_(demo_ids)).limit(1)):
        return history
    with notifications.unmailed(session):
        for name, topics, languages in EDITORS:
            editor = _teacher(session, schools.get(name), 1)
            if editor is not None:
                review_people.appoint_editor(session, admin, editor.email, topics, languages)
                history.editors += 1
        for name, topics, languages, professions, levels, per_term in REVIEWERS:
            volunteer = _teacher(session, schools.get(name), 2)
            if volunteer is not None:
                expertise = review_people.Expertise(
                    topics, languages, professions, levels, per_term
                )
                review_people.volunteer(session, volunteer, expertise)
                history.reviewers += 1
        stories: list[Callable[[Session, Submission], None]] = [
            _accepted,
            _in_review,
            _returned,
            _minor_revision,
            _declined,
        ]
        materials = _submittable(session, demo_ids, len(stories))
        for story, material in zip(stories, materials, strict=False):
            author = _author(session, material)
            if author is None:
                continue
            submission = review.submit(session, author, material.id, SUMMARY)
            story(session, submission)
            history.submissions += 1
    session.flush()
    return history


# The stories: each takes a submission just submitted (waiting for its editor) to its stage.


def _accepted(session: Session, submission: Submission) -> None:
    """Two reviews, the first signed; the editor accepts: the material is peer reviewed."""
    _reviewed(session, submission, [(5, "accept", True), (4, "minor", False)])
    review.decide(
        session,
        _editor(submission),
        submission.id,
        "accept",
        "Thank you for this careful case. Both reviewers found it accurate and ready to use; "
        "please consider their notes on figures for a later version.",
    )


def _in_review(session: Session, submission: Submission) -> None:
    """Two reviewers invited: one accepted and is reviewing, one has not answered yet."""
    invitations = reviewing.invite(
        session, _editor(submission), submission.id, _top(session, submission)
    )
    reviewing.respond(session, invitations[0].reviewer, invitations[0].id, True)


def _returned(session: Session, submission: Submission) -> None:
    """The editor returns it with a question before inviting anyone."""
    review.return_to_author(
        session,
        _editor(submission),
        submission.id,
        "Which guideline does the dosing table follow? Please name it in the summary.",
    )


def _minor_revision(session: Session, submission: Submission) -> None:
    """Two reviews; the editor asks a minor revision, which the author has yet to send."""
    _reviewed(session, submission, [(4, "minor", False), (3, "minor", False)])
    review.decide(
        session,
        _editor(submission),
        submission.id,
        "minor",
        "A useful material. Please answer the reviewers' points on accessibility and on "
        "settings without a laboratory, publish a new version and send it back.",
    )


def _declined(session: Session, submission: Submission) -> None:
    """The editor declines it at triage, with the reason."""
    review.decline(
        session,
        _editor(submission),
        submission.id,
        "It repeats a material already peer reviewed in the consortium; please adapt that one.",
    )


def _reviewed(
    session: Session, submission: Submission, rubrics: Sequence[tuple[int, str, bool]]
) -> list[int]:
    """The editor invites the best suggested reviewers; each accepts and sends a review."""
    chosen = _top(session, submission, len(rubrics))
    invitations = reviewing.invite(session, _editor(submission), submission.id, chosen)
    for invitation, (score, recommendation, signed) in zip(invitations, rubrics, strict=True):
        reviewing.respond(session, invitation.reviewer, invitation.id, True)
        reviewing.submit_review(
            session, invitation.reviewer, invitation.id, _rubric(score, recommendation, signed)
        )
    return chosen


def _top(session: Session, submission: Submission, count: int = 2) -> list[int]:
    """The reviewers the hub suggests first (always of other schools than the author's)."""
    return [s.person.id for s in review_people.suggest(session, submission, limit=count)]


def _editor(submission: Submission) -> Person:
    editor = submission.editor
    assert editor is not None  # the demo appoints editors of three schools first
    return editor


# Who and what ---------------------------------------------------------------------------------


def _person(session: Session, email: str) -> Person | None:
    return session.scalar(select(Person).where(Person.email == email))


def _teacher(session: Session, school: School | None, number: int) -> Person | None:
    """The school's demo teacher ``number`` (the demo loader's addresses)."""
    if school is None:
        return None
    return _person(session, f"teacher{number}.{slug(school.name)}@{DEMO_DOMAIN}")


def _author(session: Session, material: Material) -> Person | None:
    """Who submits: the material's maker if still a teacher of its school, else its first."""
    maker = session.get(Person, material.created_by_id) if material.created_by_id else None
    if (
        maker is not None
        and maker.active
        and maker.role in STAFF
        and maker.school_id == material.school_id
    ):
        return maker
    return _teacher(session, material.school, 1)


def _submittable(session: Session, demo_ids: list[int], count: int) -> list[Material]:
    """``count`` materials of different demo schools that may be submitted: published, shared
    with the whole consortium, not for teachers only, made by the school (no adaptation)."""
    found: list[Material] = []
    used: set[int] = set()
    for material in session.scalars(
        select(Material)
        .where(
            Material.kind == MaterialKind.MATERIAL,
            Material.school_id.in_(demo_ids),
            Material.adapted_from_version_id.is_(None),
            Material.teachers_only.is_(False),
            Material.retired_at.is_(None),
        )
        .order_by(Material.id)
    ):
        published = material.published
        if len(found) == count:
            break
        if material.school_id in used or published is None:
            continue
        if review.shared_with_consortium(session, published):
            found.append(material)
            used.add(material.school_id)
    return found
