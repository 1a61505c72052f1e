"""A small consortium for peer review: schools in four regions, an author, an editor and
volunteer reviewers, and a material of the author's school shared with the consortium."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hub.models import Material, Person, School
from hub.services import review, review_people
from hub.services import review_reviewing as reviewing
from tests.factories import (
    ConsortiumAdminFactory,
    SchoolAdminFactory,
    SchoolFactory,
    TeacherFactory,
    make_material,
    revise,
)

MALARIA, PREGNANCY = "D008288", "D011247"
SUMMARY = review.Summary(
    objectives="Recognise severe malaria in pregnancy.",
    audience="Final-year students.",
    how_used="Two seminars a year since 2024.",
    evaluation="Students' scores rose by a third.",
)


def rubric(
    score: str = "4",
    recommendation: str = "minor",
    signed: bool = False,
    confidential: str = "Between us: the dosing table is outdated.",
) -> reviewing.Rubric:
    """A filled rubric, every criterion scored ``score``."""
    return reviewing.Rubric(
        scores={c: score for c in review.CRITERIA},
        comments={c: f"About {c}." for c in review.CRITERIA},
        to_author="A clear and useful case.",
        confidential=confidential,
        recommendation=recommendation,
        signed=signed,
    )


@dataclass
class World:
    """The people and the material of a review."""

    session: Session
    home: School
    author: Person
    school_admin: Person
    admin: Person
    editor: Person
    reviewers: list[Person]
    material: Material
    schools: list[School] = field(default_factory=list)

    def volunteer(self, person: Person, per_term: str = "3", topics: str = MALARIA) -> None:
        review_people.volunteer(
            self.session,
            person,
            review_people.Expertise(topics=topics, languages="en", reviews_per_term=per_term),
        )

    def submit(self) -> int:
        """The author submits the material; its id."""
        return review.submit(self.session, self.author, self.material.id, SUMMARY).id

    def to_review(self, count: int = 2) -> int:
        """Submitted, and the editor invited ``count`` reviewers who accepted; its id."""
        submission_id = self.submit()
        invitations = reviewing.invite(
            self.session,
            self.editor,
            submission_id,
            [r.id for r in self.reviewers[:count]],
        )
        for invitation in invitations:
            reviewing.respond(self.session, invitation.reviewer, invitation.id, True)
        return submission_id

    def reviewed(self, signed: bool = False) -> int:
        """Submitted, and reviewed by two reviewers (the first signing if ``signed``); its id."""
        submission_id = self.to_review()
        submission = review.get_submission(self.session, submission_id)
        for n, invitation in enumerate(submission.invitations):
            reviewing.submit_review(
                self.session, invitation.reviewer, invitation.id, rubric(signed=signed and n == 0)
            )
        return submission_id

    def accept(self, scores: tuple[str, ...] = ("4", "5"), signed: tuple[bool, ...] = ()) -> int:
        """Reviewed by ``len(scores)`` reviewers (each scoring every criterion as given, the
        n-th signing if ``signed[n]``) and accepted by the editor; the submission's id."""
        submission_id = self.to_review(len(scores))
        invitations = review.get_submission(self.session, submission_id).invitations
        for n, (invitation, score) in enumerate(zip(invitations, scores, strict=True)):
            signs = n < len(signed) and signed[n]
            reviewing.submit_review(
                self.session,
                invitation.reviewer,
                invitation.id,
                rubric(score, recommendation="accept", signed=signs),
            )
        review.decide(self.session, self.editor, submission_id, "accept", "Accepted.")
        return submission_id


def make_world(session: Session) -> World:
    """Four schools in four regions; an editor in France, reviewers in Brazil, India and
    Kenya's neighbour Nigeria, the author in Kenya."""
    home = SchoolFactory(country="KE")
    others = [SchoolFactory(country=c) for c in ("FR", "BR", "IN", "NG")]
    author = TeacherFactory(school=home, name="Amina Author")
    material = make_material(
        session, home, title="Malaria in pregnancy", grants=[("consortium", [], "view")]
    )
    revise(session, material, topics=[MALARIA, PREGNANCY])
    admin = ConsortiumAdminFactory()
    editor = TeacherFactory(school=others[0], name="Eve Editor")
    review_people.appoint_editor(session, admin, editor.email, MALARIA, "en")
    reviewers = [
        TeacherFactory(school=others[1], name="Rui Reviewer"),
        TeacherFactory(school=others[2], name="Ravi Reviewer"),
        TeacherFactory(school=others[3], name="Ngozi Reviewer"),
    ]
    world = World(
        session,
        home,
        author,
        SchoolAdminFactory(school=home),
        admin,
        editor,
        reviewers,
        material,
        [home, *others],
    )
    for person in reviewers:
        world.volunteer(person)
    session.flush()
    return world


@pytest.fixture()
def world(session: Session) -> World:
    """The consortium of a review (outside any application context: page tests make requests,
    each with its own)."""
    return make_world(session)


@pytest.fixture()
def in_app(app: Flask) -> Iterator[None]:
    """An application context, for service tests whose notifications link to pages."""
    with app.app_context():
        yield
