"""The people of peer review: editors (appointed by consortium admins), reviewers (teachers who
volunteer), a school's vetters, and the reviewers the hub suggests for a submission.

A reviewer's capacity is counted per term, a half-year (January to June, July to December):
every invitation of the term that they did not decline counts, open or done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ..models import (
    STAFF,
    Editor,
    InvitationState,
    MembershipStatus,
    Person,
    Reviewer,
    ReviewInvitation,
    Role,
    School,
    SchoolVetting,
    Submission,
    SubmissionState,
    utcnow,
)
from . import audit, mesh
from .errors import Conflict, InvalidInput, NotFound
from .languages import resolve_languages
from .vocabularies import LEVELS, PROFESSIONS

#: Invitations that take a reviewer's time: asked and not refused, or reviewing.
OPEN_INVITATIONS = (InvitationState.INVITED, InvitationState.ACCEPTED)
#: Invitations that count against a term's capacity (all but those declined or withdrawn).
COUNTED = (*OPEN_INVITATIONS, InvitationState.SUBMITTED)
#: The most reviews a term a reviewer may offer (a typo of 50 would drown them).
MOST_PER_TERM = 12
#: The submissions still on the route (an editor's load).
OPEN_STATES = (
    SubmissionState.VETTING,
    SubmissionState.TRIAGE,
    SubmissionState.RETURNED,
    SubmissionState.IN_REVIEW,
    SubmissionState.REVISION,
)


def term_start(now: dt.datetime) -> dt.datetime:
    """The start of the half-year term that ``now`` falls in (UTC)."""
    return dt.datetime(now.year, 1 if now.month <= 6 else 7, 1, tzinfo=dt.UTC)


def _staff_of_active_school(person: Person | None) -> bool:
    return (
        person is not None
        and person.active
        and person.role in STAFF
        and person.school is not None
        and person.school.status is MembershipStatus.ACTIVE
    )


def _topics(text: str | Iterable[str]) -> list[str]:
    """Topics typed one a line or comma-separated, stored as a version stores them."""
    parts = (
        text.replace(";", "\n").replace(",", "\n").splitlines() if isinstance(text, str) else text
    )
    return list(dict.fromkeys(mesh.stored_form(p) for p in parts if p.strip()))[:40]


def topic_words(stored: Iterable[str]) -> str:
    """Stored topics in words, one a line (what a form shows back)."""
    return "\n".join(mesh.words(t) for t in stored)


def _choices(values: Iterable[str], vocabulary: dict[str, object], field: str) -> list[str]:
    chosen = list(dict.fromkeys(v for v in values if v))
    unknown = [v for v in chosen if v not in vocabulary]
    if unknown:
        raise InvalidInput(_("Choose from the list offered."), field=field)
    return chosen


# Editors -------------------------------------------------------------------------------------


def _require_consortium_admin(person: Person) -> None:
    if person.role is not Role.CONSORTIUM_ADMIN:
        raise Conflict(_("Only consortium admins appoint editors."))


def appoint_editor(
    session: Session, admin: Person, email: str, topics: str, languages: str
) -> Editor:
    """Appoint (or re-appoint, with new topics and languages) the teacher with ``email``."""
    _require_consortium_admin(admin)
    person = session.scalar(select(Person).where(Person.email == email.strip().lower()))
    if not _staff_of_active_school(person):
        raise InvalidInput(
            _("An editor is a teacher of an active member school: no such teacher has this email."),
            field="email",
        )
    assert person is not None
    chosen_languages = resolve_languages(languages)
    chosen_topics = _topics(topics)
    if not chosen_topics and not chosen_languages:
        raise InvalidInput(_("Give the topics or languages the editor takes."), field="topics")
    editor = session.scalar(select(Editor).where(Editor.person_id == person.id))
    if editor is None:
        editor = Editor(person_id=person.id)
        session.add(editor)
    editor.topics, editor.languages = chosen_topics, chosen_languages
    editor.appointed_by_id, editor.appointed_at, editor.ended_at = admin.id, utcnow(), None
    session.flush()
    audit.record(session, admin, "review.editor_appointed", person, school_id=person.school_id)
    return editor


def end_editor(session: Session, admin: Person, editor_id: int) -> Editor:
    """End an editor's appointment; their open submissions go to another editor."""
    _require_consortium_admin(admin)
    editor = session.get(Editor, editor_id)
    if editor is None or editor.ended_at is not None:
        raise NotFound(_("There is no such editor."))
    editor.ended_at = utcnow()
    session.flush()
    audit.record(
        session, admin, "review.editor_ended", editor.person, school_id=editor.person.school_id
    )
    return editor


def editors(session: Session) -> list[Editor]:
    """The editors in office, by name."""
    return list(
        session.scalars(
            select(Editor)
            .join(Person, Editor.person_id == Person.id)
            .where(Editor.ended_at.is_(None))
            .options(joinedload(Editor.person).joinedload(Person.school))
            .order_by(Person.name)
        )
    )


def is_editor(session: Session, person: Person | None) -> bool:
    """Whether ``person`` is an editor in office (of an active school)."""
    if not _staff_of_active_school(person):
        return False
    assert person is not None
    found = session.scalar(
        select(Editor.id).where(Editor.person_id == person.id, Editor.ended_at.is_(None))
    )
    return found is not None


def _match(wanted: Sequence[str], offered: Sequence[str]) -> int:
    offered_keys = {o.casefold() for o in offered}
    return sum(1 for w in wanted if w.casefold() in offered_keys)


def _language_match(languages: Sequence[str], offered: Sequence[str]) -> bool:
    """Whether any language matches, by its base language ("pt-BR" reads "pt")."""
    base = {o.split("-")[0].casefold() for o in offered}
    return any(lang.split("-")[0].casefold() in base for lang in languages)


def choose_editor(
    session: Session, topics: Sequence[str], languages: Sequence[str], school_id: int
) -> Person | None:
    """The editor for a submission: never of the author's school; the best match of topics and
    languages, then the fewest open submissions. None when no editor is in office elsewhere."""
    load = dict(
        session.execute(
            select(Submission.editor_id, func.count(Submission.id))
            .where(Submission.state.in_(OPEN_STATES), Submission.editor_id.is_not(None))
            .group_by(Submission.editor_id)
        ).all()
    )
    candidates = [
        e
        for e in editors(session)
        if _staff_of_active_school(e.person) and e.person.school_id != school_id
    ]
    if not candidates:
        return None
    best = max(
        candidates,
        key=lambda e: (
            _match(topics, e.topics),
            _language_match(languages, e.languages),
            -load.get(e.person_id, 0),
            -e.person_id,
        ),
    )
    return best.person


def may_edit(session: Session, person: Person | None, submission: Submission) -> bool:
    """Whether ``person`` is the submission's assigned editor, still in office."""
    return person is not None and submission.editor_id == person.id and is_editor(session, person)


# Reviewers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expertise:
    """What a reviewer offers, as typed in the form."""

    topics: str = ""
    languages: str = ""
    professions: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    reviews_per_term: str = "2"


def reviewer_of(session: Session, person: Person) -> Reviewer | None:
    """The person's reviewer profile, if they volunteered."""
    return session.scalar(select(Reviewer).where(Reviewer.person_id == person.id))


def volunteer(session: Session, person: Person, expertise: Expertise) -> Reviewer:
    """Volunteer as a reviewer (or change what one offers)."""
    if not _staff_of_active_school(person):
        raise Conflict(_("Teachers of active member schools review for the consortium."))
    try:
        per_term = int(expertise.reviews_per_term.strip())
    except ValueError:
        per_term = 0
    if not 1 <= per_term <= MOST_PER_TERM:
        raise InvalidInput(
            _(
                "Say how many reviews a term you accept: a number from 1 to %(most)d.",
                most=MOST_PER_TERM,
            ),
            field="reviews_per_term",
        )
    topics = _topics(expertise.topics)
    languages = resolve_languages(expertise.languages)
    if not topics:
        raise InvalidInput(_("Give at least one topic you can review."), field="topics")
    if not languages:
        raise InvalidInput(_("Give at least one language you review in."), field="languages")
    reviewer = reviewer_of(session, person)
    if reviewer is None:
        reviewer = Reviewer(person_id=person.id)
        session.add(reviewer)
    reviewer.topics, reviewer.languages = topics, languages
    reviewer.professions = _choices(expertise.professions, PROFESSIONS, "professions")
    reviewer.levels = _choices(expertise.levels, LEVELS, "levels")
    reviewer.reviews_per_term = per_term
    session.flush()
    return reviewer


def pause(session: Session, person: Person, paused: bool) -> Reviewer:
    """Pause (no new invitations) or resume reviewing."""
    reviewer = reviewer_of(session, person)
    if reviewer is None:
        raise NotFound(_("You have not volunteered as a reviewer."))
    reviewer.paused_at = utcnow() if paused else None
    session.flush()
    return reviewer


@dataclass(frozen=True)
class Load:
    """A reviewer's work: open invitations now, reviews this term, their last invitation."""

    open: int = 0
    this_term: int = 0
    last: dt.datetime | None = None


def loads(session: Session, person_ids: Iterable[int], now: dt.datetime) -> dict[int, Load]:
    """The load of each reviewer, read in one query."""
    ids = list(person_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            ReviewInvitation.reviewer_id, ReviewInvitation.state, ReviewInvitation.invited_at
        ).where(ReviewInvitation.reviewer_id.in_(ids))
    ).all()
    start = term_start(now)
    result: dict[int, Load] = {}
    for reviewer_id, state, invited_at in rows:
        load = result.get(reviewer_id, Load())
        result[reviewer_id] = Load(
            open=load.open + (state in OPEN_INVITATIONS),
            this_term=load.this_term + (state in COUNTED and invited_at >= start),
            last=max(filter(None, (load.last, invited_at))),
        )
    return result


def reviewers(session: Session) -> list[Reviewer]:
    """Every volunteer, by name."""
    return list(
        session.scalars(
            select(Reviewer)
            .join(Person, Reviewer.person_id == Person.id)
            .options(joinedload(Reviewer.person).joinedload(Person.school))
            .order_by(Person.name)
        )
    )


# Vetting ------------------------------------------------------------------------------------


def vetting_of(session: Session, school_id: int) -> SchoolVetting | None:
    """The school's vetting rule (None: its submissions are not vetted first)."""
    return session.get(SchoolVetting, school_id)


def set_vetting(
    session: Session, admin: Person, required: bool, vetter_ids: Iterable[int]
) -> SchoolVetting:
    """A school admin sets whether the school's submissions are vetted first, and names the
    teachers who vet them besides the school's admins."""
    if admin.role is not Role.SCHOOL_ADMIN or admin.school_id is None:
        raise Conflict(_("A school admin sets how the school's submissions are vetted."))
    chosen = sorted(set(vetter_ids))
    people = session.scalars(select(Person).where(Person.id.in_(chosen))).all() if chosen else []
    if len(people) != len(chosen) or any(
        p.school_id != admin.school_id or p.role not in STAFF for p in people
    ):
        raise InvalidInput(_("Vetters are teachers of your school."), field="vetters")
    rule = vetting_of(session, admin.school_id)
    if rule is None:
        rule = SchoolVetting(school_id=admin.school_id)
        session.add(rule)
    rule.required, rule.vetter_ids = required, chosen
    rule.updated_by_id, rule.updated_at = admin.id, utcnow()
    session.flush()
    audit.record(session, admin, "review.vetting_set", admin.school, required=required)
    return rule


def vetters(session: Session, school_id: int, author_id: int | None = None) -> list[Person]:
    """Who vets the school's submissions: its active admins and the teachers they named (never
    the author of the submission at hand)."""
    rule = vetting_of(session, school_id)
    named = rule.vetter_ids if rule is not None else []
    people = session.scalars(
        select(Person)
        .where(
            Person.school_id == school_id,
            Person.active.is_(True),
            (Person.role == Role.SCHOOL_ADMIN) | Person.id.in_(named or [-1]),
        )
        .order_by(Person.name)
    ).all()
    return [p for p in people if p.id != author_id and p.role in STAFF]


def may_vet(session: Session, person: Person | None, submission: Submission) -> bool:
    """Whether ``person`` vets this submission for its school."""
    return person is not None and any(
        v.id == person.id for v in vetters(session, submission.school_id, submission.author_id)
    )


def school_staff(session: Session, school_id: int) -> list[Person]:
    """The school's active teachers, who may be named vetters."""
    return list(
        session.scalars(
            select(Person)
            .where(
                Person.school_id == school_id,
                Person.active.is_(True),
                Person.role == Role.TEACHER,
            )
            .order_by(Person.name)
        )
    )


def consortium_admins(session: Session) -> list[Person]:
    """The active consortium admins (who appoint editors and assign them)."""
    return list(
        session.scalars(
            select(Person).where(Person.role == Role.CONSORTIUM_ADMIN, Person.active.is_(True))
        )
    )


# Suggestions ----------------------------------------------------------------------------------

#: What each pick (or invited reviewer) of the same region takes from a candidate's score: a
#: little more than a second matching topic is worth, so regions spread unless expertise
#: differs by much.
SAME_REGION = 2.5
#: How long since their last invitation counts fully toward a reviewer's turn.
RESTED = 180


@dataclass(frozen=True)
class Suggestion:
    """A reviewer the hub suggests, with what their rank rests on."""

    person: Person
    school: School
    score: float
    topics: int  # topics of the material they cover
    language: bool  # they review in the material's language
    load: Load
    capacity: int


def _region(reviewer: Reviewer) -> str:
    school = reviewer.person.school
    return school.region if school is not None else ""


def eligible(
    session: Session, submission: Submission, now: dt.datetime
) -> list[tuple[Reviewer, Load]]:
    """Volunteers who may be invited to the submission's current round: active teachers of other
    active schools than the author's, not paused, not already asked this round, with room left
    in their term."""
    asked = {i.reviewer_id for i in submission.invitations if i.round == submission.round}
    candidates = [
        r
        for r in reviewers(session)
        if r.paused_at is None
        and _staff_of_active_school(r.person)
        and r.person.school_id != submission.school_id
        and r.person_id != submission.author_id
        and r.person_id not in asked
    ]
    found = loads(session, [r.person_id for r in candidates], now)
    return [
        (r, found.get(r.person_id, Load()))
        for r in candidates
        if found.get(r.person_id, Load()).this_term < r.reviews_per_term
    ]


def _score(reviewer: Reviewer, load: Load, submission: Submission, now: dt.datetime) -> float:
    version = submission.version
    topics = _match(version.topics, reviewer.topics)
    score = 4.0 * topics / max(1, len(version.topics))
    score += 2.0 * _language_match(version.all_languages, reviewer.languages)
    score += 0.5 * (version.level in reviewer.levels)
    score += 0.5 * bool(set(version.professions) & set(reviewer.professions))
    score += 1.0 - load.this_term / max(1, reviewer.reviews_per_term)
    rested = RESTED if load.last is None else (now - load.last).days
    return score + min(rested, RESTED) / RESTED


def suggest(
    session: Session, submission: Submission, limit: int = 8, now: dt.datetime | None = None
) -> list[Suggestion]:
    """Reviewers for the submission, best first: expertise (the material's topics they cover),
    language, room in their term, time since their last review; then spread over regions (a
    region already among the picks, or among the reviewers invited, counts against them)."""
    now = now or utcnow()
    pool = [
        (r, load, _score(r, load, submission, now))
        for r, load in eligible(session, submission, now)
    ]
    regions: dict[str, int] = {}
    for invitation in submission.invitations:
        if invitation.state is not InvitationState.DECLINED:
            region = invitation.reviewer.school.region if invitation.reviewer.school else ""
            regions[region] = regions.get(region, 0) + 1
    picked: list[Suggestion] = []
    while pool and len(picked) < limit:
        best = max(
            pool,
            key=lambda c: (c[2] - SAME_REGION * regions.get(_region(c[0]), 0), -c[0].person_id),
        )
        pool.remove(best)
        reviewer, load, score = best
        school = reviewer.person.school
        assert school is not None
        regions[school.region] = regions.get(school.region, 0) + 1
        picked.append(
            Suggestion(
                person=reviewer.person,
                school=school,
                score=round(score, 2),
                topics=_match(submission.version.topics, reviewer.topics),
                language=_language_match(submission.version.all_languages, reviewer.languages),
                load=load,
                capacity=reviewer.reviews_per_term,
            )
        )
    return picked
