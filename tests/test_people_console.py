"""The school admin's console: people, roles, invitations, CSV import; never another school's."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.models import Invitation, Person, Role, utcnow
from hub.services import accounts, bulk_invite
from hub.services.errors import InvalidInput
from tests.conftest import sign_in
from tests.factories import PersonFactory, SchoolAdminFactory, SchoolFactory, StudentFactory


@pytest.fixture()
def admin(client: FlaskClient) -> Person:
    person = SchoolAdminFactory(name="Admin Person")
    sign_in(client, person)
    return person


def test_the_people_list_searches_and_filters(client: FlaskClient, admin: Person) -> None:
    PersonFactory(school=admin.school, name="Chipo Banda", role=Role.TEACHER)
    PersonFactory(school=admin.school, name="Erik Lind", role=Role.STUDENT, active=False)
    page = client.get("/school/people?q=chipo").get_data(as_text=True)
    assert "Chipo Banda" in page and "Erik Lind" not in page
    students = client.get("/school/people?role=student").get_data(as_text=True)
    assert "Erik Lind" in students and "Chipo Banda" not in students
    inactive = client.get("/school/people?active=no").get_data(as_text=True)
    assert "Erik Lind" in inactive and "Chipo Banda" not in inactive


def test_an_admin_changes_a_role_and_deactivates_and_reactivates(
    client: FlaskClient, admin: Person, session: Session
) -> None:
    student = StudentFactory(school=admin.school)
    assert (
        client.post(f"/school/people/{student.id}/role", data={"role": "teacher"}).status_code
        == 302
    )
    assert client.post(f"/school/people/{student.id}/deactivate").status_code == 302
    session.expire_all()
    assert (student.role, student.active) == (Role.TEACHER, False)
    assert client.post(f"/school/people/{student.id}/reactivate").status_code == 302
    session.expire_all()
    assert student.active


def test_a_deactivated_person_is_signed_out_at_once(
    app: Flask, client: FlaskClient, admin: Person
) -> None:
    student = StudentFactory(school=admin.school)
    their_browser = app.test_client()
    sign_in(their_browser, student)
    assert their_browser.get("/account").status_code == 200
    client.post(f"/school/people/{student.id}/deactivate")
    assert their_browser.get("/account").status_code == 302


def test_the_last_admin_cannot_step_down_or_deactivate_themselves(
    client: FlaskClient, admin: Person
) -> None:
    demote = client.post(f"/school/people/{admin.id}/role", data={"role": "teacher"})
    assert demote.status_code == 409 and b"only admin" in demote.data
    self_off = client.post(f"/school/people/{admin.id}/deactivate")
    assert self_off.status_code == 409 and b"your own account" in self_off.data


def test_an_unknown_role_is_a_400(client: FlaskClient, admin: Person) -> None:
    student = StudentFactory(school=admin.school)
    response = client.post(f"/school/people/{student.id}/role", data={"role": "consortium_admin"})
    assert response.status_code in (400, 409)
    response = client.post(f"/school/people/{student.id}/role", data={"role": "emperor"})
    assert response.status_code == 400


def test_another_schools_people_and_invitations_are_404_on_every_route(
    client: FlaskClient, admin: Person, session: Session
) -> None:
    stranger = StudentFactory(name="Stranger Danger")
    other_admin = SchoolAdminFactory(school=stranger.school)
    other_invitation = accounts.invite(
        session,
        school=stranger.school,
        email="x@example.org",
        role=Role.STUDENT,
        invited_by=other_admin,
    ).invitation
    session.flush()
    for url, data in [
        (f"/school/people/{stranger.id}/role", {"role": "teacher"}),
        (f"/school/people/{stranger.id}/deactivate", {}),
        (f"/school/people/{stranger.id}/reactivate", {}),
        (f"/school/invitations/{other_invitation.id}/resend", {}),
        (f"/school/invitations/{other_invitation.id}/revoke", {}),
    ]:
        assert client.post(url, data=data).status_code == 404, url
    assert "Stranger Danger" not in client.get("/school/people?q=Stranger").get_data(as_text=True)
    session.expire_all()
    assert stranger.active and stranger.role is Role.STUDENT
    assert other_invitation.revoked_at is None


def test_inviting_one_person_sends_a_link_that_works(
    app: Flask, client: FlaskClient, admin: Person
) -> None:
    response = client.post(
        "/school/invitations",
        data={"email": "new.teacher@example.org", "name": "New Teacher", "role": "teacher"},
    )
    assert response.status_code == 302
    with app.app_context():
        from hub.mail import sent_messages

        body = sent_messages()[-1].get_content()
    link = re.search(r"http://hub\.test(/invitation/\S+)", body)
    assert link
    client.post("/sign-out")
    assert b"New Teacher" in client.get(link.group(1)).data


def test_inviting_a_member_of_another_school_says_so(client: FlaskClient, admin: Person) -> None:
    PersonFactory(email="taken@example.org")
    response = client.post(
        "/school/invitations", data={"email": "taken@example.org", "role": "student"}
    )
    assert response.status_code == 409
    assert b"already has an account with another school" in response.data


def test_resend_replaces_the_link_and_revoke_kills_it(
    client: FlaskClient, admin: Person, session: Session
) -> None:
    issued = accounts.invite(
        session, school=admin.school, email="s@example.org", role=Role.STUDENT, invited_by=admin
    )
    session.flush()
    assert client.post(f"/school/invitations/{issued.invitation.id}/resend").status_code == 302
    session.expire_all()
    assert issued.invitation.revoked_at is not None
    fresh = session.scalar(
        select(Invitation).where(
            Invitation.email == "s@example.org", Invitation.revoked_at.is_(None)
        )
    )
    assert fresh is not None
    assert client.post(f"/school/invitations/{fresh.id}/revoke").status_code == 302
    client.post("/sign-out")
    assert client.get(f"/invitation/{issued.token}").status_code == 400


# CSV ----------------------------------------------------------------------------------------


def _csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def test_the_preview_gives_every_row_a_verdict(session: Session) -> None:
    school = SchoolFactory()
    PersonFactory(school=school, email="member@example.org")
    PersonFactory(email="elsewhere@example.org")
    data = _csv(
        "Email,Name,Role\n"
        "new@example.org,New One,student\n"
        "member@example.org,Member,teacher\n"
        "elsewhere@example.org,Else,teacher\n"
        "not-an-email,Bad,student\n"
        "odd@example.org,Odd,professor\n"
        "NEW@example.org,New Again,student\n"
        "\n"
        "admin@example.org,Ad Min,School Admin\n"
    )
    preview = bulk_invite.preview(session, school, data)
    verdicts = [(r.line, r.verdict) for r in preview.rows]
    V = bulk_invite.Verdict
    assert verdicts == [
        (2, V.NEW),
        (3, V.ALREADY_MEMBER),
        (4, V.OTHER_SCHOOL),
        (5, V.INVALID_EMAIL),
        (6, V.UNKNOWN_ROLE),
        (7, V.DUPLICATE),
        (9, V.NEW),
    ]
    assert [r.role for r in preview.to_invite] == [Role.STUDENT, Role.SCHOOL_ADMIN]


def test_semicolons_and_a_byte_order_mark_are_understood(session: Session) -> None:
    data = "\ufeffemail;name;role\nana@example.org;Ana Silva;teacher\n".encode()
    preview = bulk_invite.preview(session, SchoolFactory(), data)
    assert [(r.email, r.name, r.role) for r in preview.rows] == [
        ("ana@example.org", "Ana Silva", Role.TEACHER)
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"email,name\na@example.org,A\n", "missing: role"),
        (b"a@example.org,A,student\n", "must name the columns"),
        ("email,name,role\nzoë@example.org,Zoë,student\n".encode("latin-1"), "not UTF-8"),
        (b"", "empty"),
    ],
)
def test_unreadable_files_are_refused_with_what_to_do(
    session: Session, data: bytes, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        bulk_invite.preview(session, SchoolFactory(), data)


def test_import_previews_then_invites_all_valid_rows_at_once(
    client: FlaskClient, admin: Person, session: Session
) -> None:
    data = _csv(
        "email,name,role\na@example.org,A,student\nb@example.org,B,teacher\nbroken,C,student\n"
    )
    before = session.scalar(select(func.count()).select_from(Invitation))
    preview = client.post(
        "/school/invitations/import",
        data={"file": (io.BytesIO(data), "people.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Invite 2 people" in html and "invalid email" in html
    assert session.scalar(select(func.count()).select_from(Invitation)) == before
    payload = re.search(r'name="payload" value="([^"]+)"', html)
    assert payload
    done = client.post("/school/invitations/import/confirm", data={"payload": payload.group(1)})
    assert done.status_code == 302
    assert session.scalar(select(func.count()).select_from(Invitation)) == before + 2


def test_a_tampered_preview_is_refused(client: FlaskClient, admin: Person) -> None:
    response = client.post("/school/invitations/import/confirm", data={"payload": "forged"})
    assert response.status_code == 400
    assert b"upload the file again" in response.data


def test_a_bad_file_is_a_400_with_the_reason(client: FlaskClient, admin: Person) -> None:
    response = client.post(
        "/school/invitations/import",
        data={"file": (io.BytesIO(b"\xff\xfe\x00bad"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert b"not UTF-8" in response.data


def test_expired_invitations_can_be_sent_again(session: Session) -> None:
    school = SchoolFactory()
    admin = SchoolAdminFactory(school=school)
    old = accounts.invite(
        session,
        school=school,
        email="late@example.org",
        role=Role.STUDENT,
        invited_by=admin,
        now=utcnow().replace(year=2020),
    )
    session.flush()
    preview = bulk_invite.preview(session, school, b"email,name,role\nlate@example.org,L,student\n")
    assert preview.rows[0].verdict is bulk_invite.Verdict.NEW
    assert old.invitation.accepted_at is None
