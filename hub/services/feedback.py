"""Teacher reviews and error reports: what the schools that use a material say about it, and
errors that reach the school that can fix them.

**Reviews.** A teacher or admin of an active member school rates a material of *another*
school (1-5) and says how they used it: the educational level, the size of the class, the
country (their school's by default), and a short comment. One review per teacher and
material; saving again edits it and records the version they reviewed last. A school does not
review its own materials: reviews are what the rest of the consortium found.

Reviews are shown with the reviewer's school and the country of use, never the reviewer's
name: the hub shows people's names only inside their own school (DESIGN.md; the usage
figures and notices name schools, never people). A review speaks for how a school taught
with the material, which is what another school weighs; and a teacher can say a material
did not work without it becoming a matter between two colleagues.

**Error reports.** Anyone signed in who may view a published version reports an error of a
kind (``ErrorKind``) with a description. It goes to the owner school: the material's maker
while they are active staff of its school, else its admins (``notices.recipients``); a
consent concern goes to the school's admins as well, at once. Nothing is hidden
automatically: the school decides. The owner school's teachers and admins answer it
(``NEXT``): confirmed, fixed in a later version, or declined with a reason; the reporter
hears of each answer, and when it is fixed, the schools that adopted an earlier version hear
that a fixed one is there.

Readers of the material see the reports that are still open or confirmed (and those fixed in
a version newer than the one they read) by kind and status only, so that a confirmed
clinical error warns everyone who teaches with the material. The reporter's identity and
description stay between the reporter and the owner school: a report may quote a patient or
be mistaken, and a student should be able to report an error without being named to the
whole consortium. The owner school's staff see who reported it by school and role, not by
name, as everywhere else in the hub.

Every material is read through the catalogue (the one door): what the person may not view is
``NotFound``, and no notification names a material to someone who may not view it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ..models import (
    STAFF,
    Adoption,
    ErrorKind,
    ErrorReport,
    ErrorReportStatus,
    Material,
    MaterialVersion,
    MembershipStatus,
    Person,
    School,
    TeacherReview,
    VersionState,
    utcnow,
)
from . import audit, geography, notices, notifications
from .catalogue import Catalogue
from .errors import Conflict, InvalidInput, NotFound
from .membership import school_admins
from .vocabularies import LEVELS

#: The longest comment of a review, and description of a report (characters).
COMMENT_LIMIT = 1000
DESCRIPTION_LIMIT = 4000
REASON_LIMIT = 2000
#: The largest class a review may name (a whole year of a large school).
CLASS_SIZE_LIMIT = 5000
#: The most reviews a material page lists (the average counts them all).
REVIEWS_SHOWN = 50

#: The answers the owner school may give to a report in each status. Fixed and declined are
#: final: a school that finds more wrong after a fix is answering a new report.
NEXT: Mapping[ErrorReportStatus, frozenset[ErrorReportStatus]] = {
    ErrorReportStatus.OPEN: frozenset(
        {ErrorReportStatus.CONFIRMED, ErrorReportStatus.FIXED, ErrorReportStatus.DECLINED}
    ),
    ErrorReportStatus.CONFIRMED: frozenset({ErrorReportStatus.FIXED, ErrorReportStatus.DECLINED}),
    ErrorReportStatus.FIXED: frozenset(),
    ErrorReportStatus.DECLINED: frozenset(),
}

# The words of this feature's notifications. Each names the material only for a recipient who
# may view it (``_tell``); ``.unnamed`` is what a reporter is told once it is no longer shared
# with them. The reporter is never named; nor is the kind's label passed as a parameter (the
# words are read later in the recipient's language), so each kind has its own sentence.
notifications.WORDS.update(
    {
        "feedback.reported.clinical_accuracy": _l(
            "A clinical accuracy problem was reported in “%(title)s”: please look at it."
        ),
        "feedback.reported.outdated_guideline": _l(
            "An outdated guideline was reported in “%(title)s”: please look at it."
        ),
        "feedback.reported.broken_file": _l(
            "A broken file was reported in “%(title)s”: please look at it."
        ),
        "feedback.reported.licence_concern": _l(
            "A licence concern was reported about “%(title)s”: please look at it."
        ),
        "feedback.reported.consent_concern": _l(
            "A consent concern was reported about “%(title)s”: please look at it now."
        ),
        "feedback.confirmed": _l("%(school)s confirmed the error you reported in “%(title)s”."),
        "feedback.fixed": _l(
            "%(school)s fixed the error you reported in “%(title)s” in version %(number)s."
        ),
        "feedback.declined": _l(
            "%(school)s declined the error you reported in “%(title)s”; see their reason."
        ),
        "feedback.confirmed.unnamed": _l(
            "The school confirmed an error you reported (the material is no longer shared "
            "with you)."
        ),
        "feedback.fixed.unnamed": _l(
            "The school fixed an error you reported (the material is no longer shared with you)."
        ),
        "feedback.declined.unnamed": _l(
            "The school declined an error you reported (the material is no longer shared with you)."
        ),
        "feedback.fixed_for_adopters": _l(
            "An error in “%(title)s”, which your school adopted, is fixed in version %(number)s."
        ),
    }
)


class FeedbackErrors(InvalidInput):
    """Several fields of a review or report are wrong; ``errors`` maps each to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = dict(errors)


# Reviews ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewForm:
    """A review as typed (text, as a form sends it)."""

    rating: str = ""
    level: str = ""
    class_size: str = ""
    country: str = ""
    comment: str = ""


@dataclass(frozen=True)
class Reviews:
    """What a material page shows of its reviews."""

    count: int
    average: float | None
    shown: list[TeacherReview]


def why_not_review(person: Person | None, version: MaterialVersion) -> str | None:
    """Why ``person`` may not review ``version`` (which they may view), in words; None if
    they may."""
    if person is None or person.role not in STAFF or person.school is None:
        return _(
            "Teachers of member schools review materials; anyone signed in may report an error."
        )
    if person.school.status is not MembershipStatus.ACTIVE:
        return _("Only teachers of active member schools review materials.")
    if person.school_id == version.material.school_id:
        return _("Reviews come from the schools that use a material, not from its own school.")
    if version.state is VersionState.DRAFT:
        return _("A draft is not reviewed: review a published version.")
    return None


def reviewable(
    session: Session, person: Person, material_id: int, number: int | None
) -> MaterialVersion:
    """The version ``person`` would review: ``NotFound`` if they may not view it, ``Conflict``
    saying why if they may view it but not review it."""
    version = Catalogue.of(session, person).version(material_id, number, "view")
    refusal = why_not_review(person, version)
    if refusal is not None:
        raise Conflict(refusal)
    return version


def review_of(session: Session, person: Person, material_id: int) -> TeacherReview | None:
    """The person's own review of a material, if they wrote one."""
    return session.scalar(
        select(TeacherReview).where(
            TeacherReview.material_id == material_id, TeacherReview.person_id == person.id
        )
    )


def save_review(
    session: Session, person: Person, material_id: int, number: int | None, form: ReviewForm
) -> TeacherReview:
    """Write (or edit) the person's review of a version they may view and review. Every
    wrong field is said at once; nothing is written then."""
    version = reviewable(session, person, material_id, number)
    rating, level, class_size, country, comment = _checked_review(form)
    assert person.school_id is not None  # why_not_review: staff of a school
    review = review_of(session, person, material_id)
    if review is None:
        review = TeacherReview(material_id=material_id, person_id=person.id)
        session.add(review)
    review.school_id = person.school_id
    review.number = version.number
    review.rating = rating
    review.level = level
    review.class_size = class_size
    review.country = country
    review.comment = comment
    review.updated_at = utcnow()
    session.flush()
    audit.record(
        session, person, "review.saved", review, material=material_id, version=version.number
    )
    return review


def _checked_review(form: ReviewForm) -> tuple[int, str, int, str, str]:
    errors: dict[str, str] = {}
    rating = _whole_number(form.rating, 1, 5)
    if rating is None:
        errors["rating"] = _("Choose a rating from 1 to 5.")
    level = form.level.strip()
    if level not in LEVELS:
        errors["level"] = _("Choose the level you taught it at.")
    class_size = _whole_number(form.class_size, 1, CLASS_SIZE_LIMIT)
    if class_size is None:
        errors["class_size"] = _(
            "Say how many learners were in the class: a whole number from 1 to %(most)s.",
            most=CLASS_SIZE_LIMIT,
        )
    country = form.country.strip().upper()
    try:
        geography.country(country)
    except InvalidInput as exc:
        errors["country"] = exc.message
    comment = form.comment.strip()
    wrong = _text_wrong(comment, COMMENT_LIMIT)
    if wrong is not None:
        errors["comment"] = wrong or _("Say in a sentence or two how it worked with your learners.")
    if errors:
        raise FeedbackErrors(errors)
    assert rating is not None and class_size is not None
    return rating, level, class_size, country, comment


def _text_wrong(text: str, limit: int) -> str | None:
    """What is wrong with a text a person had to write: "" when it is empty (the caller says
    what to write), a message when it is too long, None when it will do."""
    if not text:
        return ""
    if len(text) > limit:
        return _(
            "Keep it under %(most)s characters (it has %(count)s).", most=limit, count=len(text)
        )
    return None


def _whole_number(text: str, least: int, most: int) -> int | None:
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        return None
    number = int(value)
    return number if least <= number <= most else None


def reviews(session: Session, material: Material) -> Reviews:
    """The reviews of a material (one the reader may view: the caller asked the catalogue):
    how many, their average, and the newest ``REVIEWS_SHOWN`` with their schools."""
    count, average = session.execute(
        select(func.count(TeacherReview.id), func.avg(TeacherReview.rating)).where(
            TeacherReview.material_id == material.id
        )
    ).one()
    shown = session.scalars(
        select(TeacherReview)
        .where(TeacherReview.material_id == material.id)
        .order_by(TeacherReview.updated_at.desc(), TeacherReview.id.desc())
        .limit(REVIEWS_SHOWN)
        .options(joinedload(TeacherReview.school))
    ).all()
    return Reviews(
        count=count or 0,
        average=round(float(average), 1) if average is not None else None,
        shown=list(shown),
    )


# Error reports ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """The owner school's answer to a report, as chosen on the page."""

    status: str = ""
    fixed_in: str = ""  # a version number, for "fixed"
    reason: str = ""  # for "declined"


@dataclass
class Reports:
    """What one reader sees of a material's error reports: ``full`` with their descriptions
    (all of them for the owner school's staff, their own for a reporter), ``warnings`` by
    kind and status only (open and confirmed ones, and fixes newer than the version read)."""

    own_staff: bool
    full: list[ErrorReport] = field(default_factory=list)
    warnings: list[ErrorReport] = field(default_factory=list)


def why_not_report(version: MaterialVersion) -> str | None:
    """Why no error may be reported in ``version`` (which the person may view), in words;
    None if one may: errors are reported in what was shared, not in a draft."""
    if version.state is VersionState.DRAFT:
        return _("Report an error in a published version; a draft is still being made.")
    return None


def reportable(
    session: Session, person: Person, material_id: int, number: int | None
) -> MaterialVersion:
    """The version ``person`` would report an error in: ``NotFound`` if they may not view
    it; ``Conflict`` saying why if no error may be reported in it (``why_not_report``)."""
    version = Catalogue.of(session, person).version(material_id, number, "view")
    refusal = why_not_report(version)
    if refusal is not None:
        raise Conflict(refusal)
    return version


def report_error(
    session: Session,
    person: Person,
    material_id: int,
    number: int | None,
    kind: str,
    description: str,
) -> ErrorReport:
    """Report an error in a version the person may view; the owner school hears at once
    (a consent concern reaches its admins too). Nothing is hidden by it."""
    version = reportable(session, person, material_id, number)
    errors: dict[str, str] = {}
    if kind not in ErrorKind.__members__.values():
        errors["kind"] = _("Choose what kind of error it is.")
    text = description.strip()
    wrong = _text_wrong(text, DESCRIPTION_LIMIT)
    if wrong is not None:
        errors["description"] = wrong or _("Describe the error: where it is and what is wrong.")
    if errors:
        raise FeedbackErrors(errors)
    report = ErrorReport(
        material_id=material_id,
        number=version.number,
        reporter_id=person.id,
        school_id=person.school_id,
        kind=ErrorKind(kind),
        description=text,
    )
    session.add(report)
    session.flush()
    audit.record(
        session,
        person,
        "error.reported",
        report,
        school_id=version.material.school_id,
        material=material_id,
        version=version.number,
        kind=kind,
    )
    _tell_owner(session, report, version.material)
    return report


def _tell_owner(session: Session, report: ErrorReport, material: Material) -> None:
    """The maker (or the admins) hear of a new report; a consent concern goes to every admin
    of the school as well. The reporter is not told of their own report."""
    url = notifications.address("feedback.report_page", report_id=report.id)
    told = {report.reporter_id}
    if report.kind is ErrorKind.CONSENT_CONCERN:
        for admin in school_admins(session, material.school):
            if admin.id not in told:
                told.add(admin.id)
                _tell(session, admin, "feedback.reported.consent_concern", url, material.id)
    for person in notices.recipients(session, material):
        if person.id not in told:
            told.add(person.id)
            _tell(session, person, f"feedback.reported.{report.kind.value}", url, material.id)


def report_of(session: Session, person: Person, report_id: int) -> ErrorReport:
    """A report for its reporter or the owner school's staff, while they may view the
    material; ``NotFound`` for anyone else."""
    report = session.get(ErrorReport, report_id)
    if report is None or not (report.reporter_id == person.id or _manages(session, person, report)):
        raise NotFound(_("There is no such report."))
    Catalogue.of(session, person).version(report.material_id, None, "view")
    return report


def _manages(session: Session, person: Person, report: ErrorReport) -> bool:
    return Catalogue.of(session, person).manages(report.material)


def answer(session: Session, person: Person, report_id: int, given: Answer) -> ErrorReport:
    """The owner school's answer to a report (``NEXT`` says which): confirmed, fixed in a
    later published version, or declined with a reason. The reporter hears of it; a fix is
    told to the schools that adopted an earlier version."""
    report = session.get(ErrorReport, report_id)
    if report is None or not _manages(session, person, report):
        raise NotFound(_("There is no such report."))
    status = next((s for s in ErrorReportStatus if s.value == given.status.strip()), None)
    if status is None or status is ErrorReportStatus.OPEN:
        raise FeedbackErrors({"status": _("Choose an answer: confirmed, fixed or declined.")})
    if status not in NEXT[report.status]:
        raise Conflict(
            _(
                "This report is %(status)s already: it cannot become %(next)s.",
                status=report.status.label,
                next=status.label,
            )
        )
    if status is ErrorReportStatus.FIXED:
        report.fixed_in = _fixing_version(report, given.fixed_in)
    if status is ErrorReportStatus.DECLINED:
        reason = given.reason.strip()
        wrong = _text_wrong(reason, REASON_LIMIT)
        if wrong is not None:
            raise FeedbackErrors(
                {"reason": wrong or _("Say why you decline it; the reporter reads it.")}
            )
        report.reason = reason
    report.status = status
    report.answered_by_id = person.id
    report.answered_at = utcnow()
    audit.record(
        session,
        person,
        "error.answered",
        report,
        school_id=report.material.school_id,
        status=status.value,
        fixed_in=report.fixed_in,
    )
    _tell_reporter(session, report)
    if status is ErrorReportStatus.FIXED:
        _tell_adopters(session, report)
    return report


def _fixing_version(report: ErrorReport, typed: str) -> int:
    """The version that fixes ``report``: a published (or since superseded) version of the
    material newer than the one reported."""
    numbers = fix_versions(report)
    number = _whole_number(typed, 1, 2**31 - 1)
    if number is None or number not in numbers:
        if not numbers:
            message = _(
                "Publish a new version with the fix first: the report is about version "
                "%(number)s, the latest published one.",
                number=report.number,
            )
        else:
            message = _(
                "Choose the version that fixes it: %(numbers)s.",
                numbers=", ".join(f"v{n}" for n in numbers),
            )
        raise FeedbackErrors({"fixed_in": message})
    return number


def fix_versions(report: ErrorReport) -> list[int]:
    """The versions that may be named as fixing ``report``: published ones (or superseded
    since) newer than the version it was reported in."""
    return [
        v.number
        for v in report.material.versions
        if v.number > report.number and v.state is not VersionState.DRAFT
    ]


def _tell_reporter(session: Session, report: ErrorReport) -> None:
    if report.answered_by_id == report.reporter_id:
        return  # a teacher answering their own report knows
    material = report.material
    _tell(
        session,
        report.reporter,
        f"feedback.{report.status.value}",
        notifications.address("feedback.report_page", report_id=report.id),
        material.id,
        school=material.school.name,
        number=report.fixed_in,
    )


def _tell_adopters(session: Session, report: ErrorReport) -> None:
    """The schools that adopted a version older than the fix hear of it: the teacher who
    adopted it while they are active staff of that school, else that school's admins, each
    only if they may view the material."""
    material = report.material
    adoptions = session.scalars(
        select(Adoption)
        .where(
            Adoption.material_id == material.id,
            Adoption.ended_at.is_(None),
            Adoption.school_id != material.school_id,
        )
        .options(joinedload(Adoption.version))
    ).all()
    url = notifications.address("materials.show", material_id=material.id)
    told: set[int] = set()
    for adoption in adoptions:
        if report.fixed_in is None or adoption.version.number >= report.fixed_in:
            continue  # they already teach with the fixed version
        for person in _adopters(session, adoption):
            if person.id not in told:
                told.add(person.id)
                _tell(
                    session,
                    person,
                    "feedback.fixed_for_adopters",
                    url,
                    material.id,
                    number=report.fixed_in,
                )


def _adopters(session: Session, adoption: Adoption) -> list[Person]:
    school = session.get(School, adoption.school_id)
    if school is None:
        return []
    adopter = session.get(Person, adoption.person_id) if adoption.person_id is not None else None
    return notices.staff_or_admins(session, adopter, school)


def _tell(
    session: Session, person: Person, kind: str, url: str, material_id: int, **params: object
) -> None:
    """Notify ``person`` with the material's title as they see it; if they may not view it,
    the words without it (``<kind>.unnamed``) where there are such, else nothing."""
    seen = Catalogue.of(session, person).shown_versions([material_id])
    if material_id in seen:
        title = seen[material_id].title
        notifications.notify(
            session, person, kind, url, title=title, material_id=material_id, **params
        )
    elif f"{kind}.unnamed" in notifications.WORDS:
        notifications.notify(
            session, person, f"{kind}.unnamed", notifications.address("notifications.inbox")
        )


def reports(session: Session, person: Person | None, version: MaterialVersion) -> Reports:
    """What ``person`` sees of the error reports of ``version``'s material (a version they
    may view: the caller read it through the catalogue)."""
    material = version.material
    found = session.scalars(
        select(ErrorReport)
        .where(ErrorReport.material_id == material.id)
        .order_by(ErrorReport.created_at.desc(), ErrorReport.id.desc())
        .options(joinedload(ErrorReport.school))
    ).all()
    if Catalogue.of(session, person).decide(version, "manage"):
        return Reports(own_staff=True, full=list(found))
    mine = [r for r in found if person is not None and r.reporter_id == person.id]
    warnings = [r for r in found if r not in mine and _warns(r, version.number)]
    return Reports(own_staff=False, full=mine, warnings=warnings)


def _warns(report: ErrorReport, number: int) -> bool:
    """Whether readers of version ``number`` are warned of ``report``: it is open or
    confirmed, or fixed in a later version than the one they read."""
    if report.status in (ErrorReportStatus.OPEN, ErrorReportStatus.CONFIRMED):
        return True
    return report.status is ErrorReportStatus.FIXED and (report.fixed_in or 0) > number


@dataclass(frozen=True)
class SchoolReport:
    """A report about one of the school's materials, with the title its staff see."""

    report: ErrorReport
    title: str


def school_reports(session: Session, person: Person) -> list[SchoolReport]:
    """The reports about the person's school's materials, for its teachers and admins: open
    ones first, then confirmed, then answered; newest first within each. Titles come through
    the catalogue (a material the person may not view is left out)."""
    if person.role not in STAFF or person.school_id is None:
        return []
    found = session.scalars(
        select(ErrorReport)
        .join(Material, Material.id == ErrorReport.material_id)
        .where(Material.school_id == person.school_id)
        .order_by(ErrorReport.created_at.desc(), ErrorReport.id.desc())
        .options(joinedload(ErrorReport.school))
    ).all()
    seen = Catalogue.of(session, person).shown_versions(r.material_id for r in found)
    order = list(ErrorReportStatus)
    listed = [SchoolReport(r, seen[r.material_id].title) for r in found if r.material_id in seen]
    return sorted(listed, key=lambda item: order.index(item.report.status))


def open_count(items: Iterable[SchoolReport]) -> int:
    """How many of the listed reports wait for an answer (open)."""
    return sum(1 for item in items if item.report.status is ErrorReportStatus.OPEN)
