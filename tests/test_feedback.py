"""Teacher reviews and error reports: teachers of other schools rate what they taught with;
anyone who may view a material reports an error that reaches the school that can fix it, and
readers are warned of what is open or confirmed, without learning who reported it."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.mail import sent_messages
from hub.models import (
    Adoption,
    ErrorKind,
    ErrorReport,
    ErrorReportStatus,
    Material,
    MaterialVersion,
    MembershipStatus,
    Notification,
    Person,
    School,
    TeacherReview,
)
from hub.services import feedback
from tests.conftest import sign_in
from tests.factories import (
    SchoolAdminFactory,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    make_material,
    make_review,
    publish_new_version,
)

REVIEW = {
    "rating": "4",
    "level": "clinical",
    "class_size": "120",
    "country": "BR",
    "comment": "Worked well in our obstetrics rotation.",
    "v": "1",
}


@dataclass
class Owner:
    """A school that owns a material shared with the consortium, its maker and its admin."""

    school: School
    maker: Person
    admin: Person
    material: Material


@pytest.fixture()
def owner(session: Session) -> Owner:
    school = SchoolFactory(name="Makerere Medical School", country="UG")
    maker = TeacherFactory(school=school, name="Dr Maker")
    admin = SchoolAdminFactory(school=school, name="Admin Owner")
    material = make_material(
        session, school, title="Postpartum haemorrhage", grants=[("consortium", [], "view")]
    )
    material.created_by_id = maker.id
    session.commit()
    return Owner(school, maker, admin, material)


def _page(client: FlaskClient, material: Material, **args: Any) -> str:
    return client.get(f"/materials/{material.id}", query_string=args).get_data(as_text=True)


def _report(client: FlaskClient, material: Material, kind: str = "outdated_guideline") -> Any:
    return client.post(
        f"/materials/{material.id}/report",
        data={
            "kind": kind,
            "description": "The oxytocin dose follows the 2012 guideline.",
            "v": "1",
        },
    )


def _mails(app: Flask, to: str) -> list[EmailMessage]:
    with app.app_context():
        return [m for m in sent_messages() if m["To"] == to]


def _signed_in(client: FlaskClient, session: Session, person: Person) -> Person:
    """``person``, saved and signed in on ``client``."""
    session.commit()
    sign_in(client, person)
    return person


def _client_of(app: Flask, person: Person) -> FlaskClient:
    """A browser of its own, signed in as ``person``."""
    browser = app.test_client()
    sign_in(browser, person)
    return browser


def _adopt(session: Session, teacher: Person, version: MaterialVersion) -> None:
    """``teacher``'s school adopted ``version``."""
    session.add(
        Adoption(
            version_id=version.id,
            material_id=version.material_id,
            school_id=teacher.school_id,
            person_id=teacher.id,
        )
    )


def _answer(client: FlaskClient, report: ErrorReport, answer: dict[str, str]) -> Any:
    return client.post(f"/reports/{report.id}/answer", data=answer)


def _status(session: Session, report: ErrorReport) -> ErrorReportStatus:
    session.refresh(report)
    return report.status


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _reported(
    session: Session, owner: Owner, reporter: Person, kind: str = "clinical_accuracy"
) -> ErrorReport:
    report = ErrorReport(
        material_id=owner.material.id,
        number=1,
        reporter_id=reporter.id,
        school_id=reporter.school_id,
        kind=ErrorKind(kind),
        description="The dose table is wrong.",
    )
    session.add(report)
    session.commit()
    return report


# Reviews -----------------------------------------------------------------------------------------


def test_a_teacher_of_another_school_reviews_and_the_page_shows_the_school_not_the_name(
    app: Flask, client: FlaskClient, session: Session, owner: Owner
) -> None:
    _signed_in(
        client,
        session,
        TeacherFactory(name="Dr Reviewer", school=SchoolFactory(name="Escola Paulista")),
    )
    answer = client.post(f"/materials/{owner.material.id}/review", data=REVIEW)
    assert answer.status_code == 302
    page = _page(client, owner.material)
    assert "Escola Paulista" in page and "Worked well in our obstetrics rotation." in page
    assert "4.0 of 5, from 1 review" in page
    assert "Dr Reviewer" not in _page(_client_of(app, owner.maker), owner.material)


def test_reviewing_again_edits_the_one_review_and_records_the_version_reviewed(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    _signed_in(client, session, TeacherFactory())
    client.post(f"/materials/{owner.material.id}/review", data=REVIEW)
    publish_new_version(session, owner.material, "Postpartum haemorrhage (2025)")
    session.commit()
    client.post(f"/materials/{owner.material.id}/review", data={**REVIEW, "rating": "2", "v": "2"})
    [review] = session.scalars(select(TeacherReview)).all()
    session.refresh(review)
    assert (review.rating, review.number) == (2, 2)


def test_the_review_form_starts_with_the_reviewers_school_country(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    _signed_in(client, session, TeacherFactory(school=SchoolFactory(country="BR")))
    page = client.get(f"/materials/{owner.material.id}/review").get_data(as_text=True)
    assert '<option value="BR" selected>' in page


def test_a_student_may_not_review(client: FlaskClient, session: Session, owner: Owner) -> None:
    _signed_in(client, session, StudentFactory())
    assert client.post(f"/materials/{owner.material.id}/review", data=REVIEW).status_code == 403
    assert _count(session, TeacherReview) == 0


def test_the_owner_schools_staff_may_not_review_their_own_material(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    sign_in(client, owner.maker)
    answer = client.post(f"/materials/{owner.material.id}/review", data=REVIEW)
    assert answer.status_code == 409
    assert "not from its own school" in answer.get_data(as_text=True)
    assert _count(session, TeacherReview) == 0


def test_a_teacher_of_a_suspended_school_may_not_review(
    client: FlaskClient, session: Session
) -> None:
    material = make_material(session, grants=[("public", [], "view")], licence="CC-BY-4.0")
    _signed_in(
        client, session, TeacherFactory(school=SchoolFactory(status=MembershipStatus.SUSPENDED))
    )
    assert client.post(f"/materials/{material.id}/review", data=REVIEW).status_code == 409


def test_a_review_with_bad_input_is_a_400_naming_each_field_and_writes_nothing(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    _signed_in(client, session, TeacherFactory())
    bad = {
        "rating": "9",
        "level": "kindergarten",
        "class_size": "-3",
        "country": "XX",
        "comment": "",
    }
    answer = client.post(f"/materials/{owner.material.id}/review", data={**bad, "v": "1"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    for message in (
        "Choose a rating from 1 to 5.",
        "Choose the level you taught it at.",
        "a whole number from 1 to",
        "is not an ISO 3166-1 country code",
        "Say in a sentence or two",
    ):
        assert message in page
    assert _count(session, TeacherReview) == 0


def test_a_visitor_reads_the_reviews_of_a_public_material(
    client: FlaskClient, session: Session
) -> None:
    material = make_material(session, grants=[("public", [], "view")], licence="CC-BY-4.0")
    reviewer = TeacherFactory(school=SchoolFactory(name="Aga Khan University"))
    make_review(session, material, reviewer, 5, "Clear and current.")
    session.commit()
    page = _page(client, material)
    assert "Aga Khan University" in page and "Clear and current." in page


# Who may report, and what a hidden material answers ----------------------------------------------


def test_a_student_may_report_an_error(client: FlaskClient, session: Session, owner: Owner) -> None:
    _signed_in(client, session, StudentFactory())
    assert _report(client, owner.material).status_code == 302
    [report] = session.scalars(select(ErrorReport)).all()
    assert (report.kind, report.status, report.number) == (
        ErrorKind.OUTDATED_GUIDELINE,
        ErrorReportStatus.OPEN,
        1,
    )


def test_a_hidden_material_is_404_to_reviews_and_reports(
    client: FlaskClient, session: Session
) -> None:
    hidden = make_material(session, grants=[])  # its own school only
    _signed_in(client, session, TeacherFactory())
    assert client.get(f"/materials/{hidden.id}/review").status_code == 404
    assert client.post(f"/materials/{hidden.id}/review", data=REVIEW).status_code == 404
    assert client.get(f"/materials/{hidden.id}/report").status_code == 404
    assert _report(client, hidden).status_code == 404
    assert _count(session, ErrorReport) == 0 and _count(session, TeacherReview) == 0


def test_a_report_with_bad_input_is_a_400_and_writes_nothing(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    _signed_in(client, session, TeacherFactory())
    answer = client.post(
        f"/materials/{owner.material.id}/report",
        data={"kind": "typo", "description": " ", "v": "1"},
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "Choose what kind of error it is." in page and "Describe the error" in page
    assert _count(session, ErrorReport) == 0 and _count(session, Notification) == 0


# Who hears of a report ---------------------------------------------------------------------------


def test_a_new_report_reaches_the_maker_in_their_language(
    app: Flask, client: FlaskClient, session: Session, owner: Owner
) -> None:
    owner.maker.interface_language = "fr"
    _signed_in(client, session, TeacherFactory())
    _report(client, owner.material)
    [notice] = session.scalars(select(Notification).where(Notification.person_id == owner.maker.id))
    assert notice.kind == "feedback.reported.outdated_guideline"
    assert notice.params["title"] == "Postpartum haemorrhage"
    [mail] = _mails(app, owner.maker.email)
    assert "Postpartum haemorrhage" in mail["Subject"] and "recommandation" in mail["Subject"]
    assert _mails(app, owner.admin.email) == []  # the maker is there: the admins are not asked


def test_a_report_reaches_the_admins_when_the_maker_has_left(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    owner.maker.active = False
    _signed_in(client, session, StudentFactory())
    _report(client, owner.material)
    told = session.scalars(select(Notification.person_id)).all()
    assert told == [owner.admin.id]


def test_a_consent_concern_goes_to_every_admin_of_the_owner_school_at_once(
    app: Flask, client: FlaskClient, session: Session, owner: Owner
) -> None:
    second_admin = SchoolAdminFactory(school=owner.school)
    _signed_in(client, session, TeacherFactory())
    _report(client, owner.material, kind="consent_concern")
    kinds = dict(session.execute(select(Notification.person_id, Notification.kind)).all())
    assert kinds == {
        owner.admin.id: "feedback.reported.consent_concern",
        second_admin.id: "feedback.reported.consent_concern",
        owner.maker.id: "feedback.reported.consent_concern",
    }
    assert "consent concern" in _mails(app, second_admin.email)[0]["Subject"]


def test_a_consent_concern_hides_nothing(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    _signed_in(client, session, TeacherFactory())
    _report(client, owner.material, kind="consent_concern")
    assert client.get(f"/materials/{owner.material.id}").status_code == 200


# What readers and the reporter see ---------------------------------------------------------------


def test_readers_see_the_kind_and_status_but_not_who_reported_nor_what(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    reporter = TeacherFactory(name="Dr Whistle")
    reader = StudentFactory()
    report = _reported(session, owner, reporter)
    report.status = ErrorReportStatus.CONFIRMED
    session.commit()
    sign_in(client, reader)
    page = _page(client, owner.material)
    assert "Clinical accuracy (v1): reported, and Makerere Medical School confirmed it." in page
    assert "Dr Whistle" not in page and "The dose table is wrong." not in page
    assert reporter.school.name not in page
    assert client.get(f"/reports/{report.id}").status_code == 404


def test_a_confirmed_error_warns_readers_near_the_title(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    report = _reported(session, owner, TeacherFactory(), kind="outdated_guideline")
    report.status = ErrorReportStatus.CONFIRMED
    _signed_in(client, session, StudentFactory())
    page = _page(client, owner.material)
    assert "Outdated guideline (v1): Makerere Medical School confirmed a reported error." in page


def test_a_declined_report_no_longer_warns_readers(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    report = _reported(session, owner, TeacherFactory())
    report.status, report.reason = ErrorReportStatus.DECLINED, "The dose is right."
    _signed_in(client, session, StudentFactory())
    assert "Clinical accuracy (v1)" not in _page(client, owner.material)


def test_the_reporter_sees_their_report_its_status_and_the_reason(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    reporter = TeacherFactory()
    report = _reported(session, owner, reporter)
    report.status, report.reason = ErrorReportStatus.DECLINED, "The dose is right for adults."
    session.commit()
    sign_in(client, reporter)
    page = _page(client, owner.material)
    assert "Your reports" in page and "The dose is right for adults." in page
    assert "The dose table is wrong." in client.get(f"/reports/{report.id}").get_data(as_text=True)


def test_the_owner_sees_the_reporters_school_and_role_not_their_name(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    reporter = TeacherFactory(name="Dr Whistle", school=SchoolFactory(name="Muhimbili"))
    report = _reported(session, owner, reporter)
    sign_in(client, owner.maker)
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "Muhimbili (teacher)" in page and "Dr Whistle" not in page


def test_the_schools_reports_page_lists_only_reports_about_its_materials(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    other = make_material(session, title="Neonatal sepsis", grants=[("consortium", [], "view")])
    _reported(session, owner, StudentFactory())
    session.add(
        ErrorReport(
            material_id=other.id,
            number=1,
            reporter_id=StudentFactory().id,
            kind=ErrorKind.BROKEN_FILE,
            description="The PDF does not open.",
        )
    )
    session.commit()
    sign_in(client, owner.admin)
    page = client.get("/school/reports").get_data(as_text=True)
    assert "Postpartum haemorrhage" in page and "Neonatal sepsis" not in page
    assert "1 report waits for an answer." in page


# Answers -----------------------------------------------------------------------------------------


def test_only_the_owner_schools_staff_answer_a_report(
    app: Flask, session: Session, owner: Owner
) -> None:
    reporter = TeacherFactory()
    report = _reported(session, owner, reporter)
    others = [reporter, TeacherFactory(), StudentFactory()]
    session.commit()
    for person in others:
        answer = _answer(_client_of(app, person), report, {"status": "declined", "reason": "x"})
        assert answer.status_code in (403, 404)
    assert _status(session, report) is ErrorReportStatus.OPEN


def test_a_teacher_of_the_owner_school_confirms_and_the_reporter_hears_it(
    app: Flask, client: FlaskClient, session: Session, owner: Owner
) -> None:
    reporter = StudentFactory(interface_language="es")
    report = _reported(session, owner, reporter)
    sign_in(client, owner.maker)
    assert _answer(client, report, {"status": "confirmed"}).status_code == 302
    assert _status(session, report) is ErrorReportStatus.CONFIRMED
    [notice] = session.scalars(select(Notification).where(Notification.person_id == reporter.id))
    assert notice.kind == "feedback.confirmed"
    [mail] = _mails(app, reporter.email)
    assert "confirmó" in mail["Subject"]


def test_a_fixed_or_declined_report_takes_no_other_answer(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    report = _reported(session, owner, TeacherFactory())
    report.status, report.reason = ErrorReportStatus.DECLINED, "Not an error."
    session.commit()
    sign_in(client, owner.admin)
    answer = _answer(client, report, {"status": "confirmed"})
    assert answer.status_code == 409
    assert _status(session, report) is ErrorReportStatus.DECLINED


def test_fixed_names_a_later_published_version(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    report = _reported(session, owner, TeacherFactory())
    sign_in(client, owner.maker)
    answer = _answer(client, report, {"status": "fixed", "fixed_in": "1"})
    assert answer.status_code == 400
    assert "Publish a new version with the fix first" in answer.get_data(as_text=True)
    session.refresh(report)
    assert (report.status, report.fixed_in) == (ErrorReportStatus.OPEN, None)


def test_declining_needs_a_reason(client: FlaskClient, session: Session, owner: Owner) -> None:
    report = _reported(session, owner, TeacherFactory())
    sign_in(client, owner.maker)
    answer = _answer(client, report, {"status": "declined", "reason": ""})
    assert answer.status_code == 400 and "Say why you decline it" in answer.get_data(as_text=True)
    assert _status(session, report) is ErrorReportStatus.OPEN


def test_a_fix_is_told_to_the_schools_that_adopted_an_earlier_version(
    app: Flask, client: FlaskClient, session: Session, owner: Owner
) -> None:
    adopter = TeacherFactory(interface_language="pt")
    moved = TeacherFactory()
    report = _reported(session, owner, StudentFactory())
    first = owner.material.versions[0]
    second = publish_new_version(session, owner.material, "Postpartum haemorrhage (2025)")
    _adopt(session, adopter, first)
    _adopt(session, moved, second)
    session.commit()
    sign_in(client, owner.maker)
    _answer(client, report, {"status": "fixed", "fixed_in": "2"})
    [notice] = session.scalars(select(Notification).where(Notification.person_id == adopter.id))
    assert notice.kind == "feedback.fixed_for_adopters" and notice.params["number"] == 2
    assert "corrigido" in _mails(app, adopter.email)[0]["Subject"]
    assert _mails(app, moved.email) == []  # already on the fixed version


def test_a_fix_is_not_told_to_an_adopter_who_may_no_longer_view_it(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    adopter = TeacherFactory()
    report = _reported(session, owner, StudentFactory())
    _adopt(session, adopter, owner.material.versions[0])
    publish_new_version(session, owner.material, "Postpartum haemorrhage (2025)")
    adopter.school.status = MembershipStatus.SUSPENDED  # no longer reaches other schools' work
    session.commit()
    sign_in(client, owner.maker)
    _answer(client, report, {"status": "fixed", "fixed_in": "2"})
    assert (
        session.scalars(select(Notification).where(Notification.person_id == adopter.id)).all()
        == []
    )


def test_a_reporter_who_may_no_longer_view_the_material_is_told_without_its_title(
    client: FlaskClient, session: Session, owner: Owner
) -> None:
    reporter = TeacherFactory()
    report = _reported(session, owner, reporter)
    owner.material.grants.clear()  # no longer shared
    session.commit()
    sign_in(client, owner.maker)
    _answer(client, report, {"status": "confirmed"})
    [notice] = session.scalars(select(Notification).where(Notification.person_id == reporter.id))
    assert notice.kind == "feedback.confirmed.unnamed" and "title" not in notice.params


def test_every_notification_kind_has_words_with_the_params_it_is_given(app: Flask) -> None:
    params = {"title": "T", "school": "S", "number": 2}
    with app.test_request_context():
        for kind, words in feedback.notifications.WORDS.items():
            if kind.startswith("feedback."):
                assert str(words) % params
