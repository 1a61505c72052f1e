"""Notifications: kept in the hub until read (the header counts the unread), mailed in the
recipient's language once the change commits, and only ever the recipient's own."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.mail import sent_messages
from hub.services import notifications
from tests.conftest import sign_in
from tests.factories import TeacherFactory


def test_a_notification_is_counted_in_the_header_until_read(
    client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory(name="Awa")
    notifications.notify(session, teacher, "welcome", "/materials/mine", name="Awa")
    session.commit()
    sign_in(client, teacher)
    assert "1 unread" in client.get("/").get_data(as_text=True)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Welcome to the hub, Awa." in page
    client.post("/notifications/read")
    assert "unread" not in client.get("/").get_data(as_text=True)


def test_opening_a_notification_reads_it_and_leads_on(
    client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory()
    notice = notifications.notify(session, teacher, "welcome", "/materials/mine", name="A")
    session.commit()
    sign_in(client, teacher)
    answer = client.post(f"/notifications/{notice.id}")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/materials/mine")
    assert notifications.unread_count(session, teacher) == 0


def test_no_one_opens_anothers_notification(client: FlaskClient, session: Session) -> None:
    notice = notifications.notify(session, TeacherFactory(), "welcome", "/", name="A")
    session.commit()
    sign_in(client, TeacherFactory())
    assert client.post(f"/notifications/{notice.id}").status_code == 404


def test_the_mail_leaves_after_the_commit_in_the_recipients_language(
    app: Flask, session: Session
) -> None:
    teacher = TeacherFactory(interface_language="fr", name="Awa")
    with app.app_context():
        before = len(sent_messages())
        notifications.notify(session, teacher, "welcome", "http://hub.test/", name="Awa")
        assert len(sent_messages()) == before  # not before the commit
        session.commit()
        mail = sent_messages()[-1]
    assert mail["To"] == teacher.email
    assert "Bienvenue" in mail["Subject"]


def test_a_rolled_back_change_mails_nothing(app: Flask, session: Session) -> None:
    teacher = TeacherFactory()
    session.commit()
    with app.app_context():
        before = len(sent_messages())
        notifications.notify(session, teacher, "welcome", "/", name="A")
        session.rollback()
        assert len(sent_messages()) == before


def test_a_kind_without_words_is_refused(session: Session) -> None:
    with pytest.raises(KeyError):
        notifications.notify(session, TeacherFactory(), "no-such-kind", "/")


def test_a_material_no_longer_shared_is_not_named_in_the_list(
    client: FlaskClient, session: Session
) -> None:
    import hub.services.feedback  # noqa: F401 - words its kinds
    from tests.factories import PUBLIC_VIEW, make_material

    material = make_material(session, title="Canary once shared", grants=PUBLIC_VIEW)
    reader = TeacherFactory()
    notifications.notify(
        session,
        reader,
        "feedback.confirmed",
        "/",
        title="Canary once shared",
        school="Makerere",
        material_id=material.id,
    )
    session.commit()
    sign_in(client, reader)
    assert "Canary" in client.get("/notifications").get_data(as_text=True)
    for grant in list(material.grants):
        session.delete(grant)
    session.commit()
    page = client.get("/notifications").get_data(as_text=True)
    assert "Canary" not in page and "no longer shared with you" in page
