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


def test_notifications_made_unmailed_are_kept_but_not_mailed(app: Flask, session: Session) -> None:
    teacher = TeacherFactory()
    with app.app_context():
        before = len(sent_messages())
        with notifications.unmailed(session):
            notifications.notify(session, teacher, "welcome", "/", name="A")
        session.commit()
        assert len(sent_messages()) == before
    assert notifications.unread_count(session, teacher) == 1


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


# Where a notification leads: built in a request, by a command told the hub's address, or by a
# command told nothing (``hub demo``).


def test_in_a_request_a_notification_leads_to_a_full_address(app: Flask) -> None:
    app.config["SERVER_NAME"] = None
    with app.test_request_context("/", base_url="https://hub.example.org"):
        link = notifications.address("review.submission", submission_id=7)
    assert link == "https://hub.example.org/reviews/submissions/7"


def test_a_command_told_the_hubs_address_links_to_it(app: Flask) -> None:
    app.config.update(SERVER_NAME="hub.example.org", PREFERRED_URL_SCHEME="https")
    with app.app_context():
        link = notifications.address("review.submission", submission_id=7)
    assert link == "https://hub.example.org/reviews/submissions/7"


def test_a_command_told_no_address_links_by_path(app: Flask) -> None:
    app.config["SERVER_NAME"] = None
    with app.app_context():
        assert notifications.address("review.submission", submission_id=7) == (
            "/reviews/submissions/7"
        )


def test_a_link_built_by_a_command_keeps_what_the_command_has_not_committed(app: Flask) -> None:
    """``hub demo`` flushes, builds links, and commits at the end: building a link must not end
    its session (a request context's teardown would close it and roll the work back)."""
    from hub import db

    app.config["SERVER_NAME"] = None
    with app.app_context():
        command_session = db.session()
        teacher = TeacherFactory.build()
        command_session.add(teacher)
        command_session.flush()
        notifications.address("notifications.inbox")
        assert db.session() is command_session
        assert command_session.get(type(teacher), teacher.id) is teacher
