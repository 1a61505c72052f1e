"""Deep linking: a teacher on the platform chooses hub materials through the hub's own search;
the hub answers with resource links signed by its key, which the platform verifies with the
hub's published key set. Only teachers choose; only what they may view is sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.models import LtiPlatform, School
from hub.search import catch_up_now
from tests.factories import PUBLIC_DOWNLOAD, SchoolFactory, make_material
from tests.lti.conftest import launch
from tests.lti.platform import DL, INSTRUCTOR, Platform


@pytest.fixture()
def picker(client: FlaskClient, platform: Platform, registered: LtiPlatform) -> Iterator[str]:
    """A teacher's deep-linking launch: the address of the picker it opens."""
    # The platform's admin pasted the hub's key-set address; it fetches it as a client would.
    platform.tool_key_set_url = "http://hub.test/lti/jwks"
    platform.tool_http = lambda url: client.get(url).get_json()
    answer = launch(
        client, platform, deep_linking=True, roles=(INSTRUCTOR,), sub="t-1", email="t1@x.org"
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    yield answer.headers["Location"]


def _add(client: FlaskClient, picker: str, material_id: int) -> None:
    answer = client.post(picker.replace("?", "") + "/add", data={"material": material_id})
    assert answer.status_code == 302


def _finish(client: FlaskClient, picker: str, platform: Platform) -> list[dict[str, object]]:
    """Send the choice; the platform verifies the signed answer the hub's page posts to it."""
    page = client.post(picker + "/done").get_data(as_text=True)
    token = page.split('name="JWT" value="')[1].split('"')[0]
    assert f'action="{platform.url}/deep-link-return"' in page
    import requests

    returned = requests.post(platform.url + "/deep-link-return", data={"JWT": token}, timeout=10)
    assert returned.status_code == 200, returned.text
    body = platform.returned[-1]
    assert (
        body["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    )
    assert body[DL + "data"] == "course-42"
    return list(body[DL + "content_items"])  # type: ignore[arg-type]


def test_the_picker_is_the_hubs_search(
    app: Flask, client: FlaskClient, session: Session, school: School, picker: str
) -> None:
    make_material(session, school, title="Postpartum haemorrhage drill", grants=PUBLIC_DOWNLOAD)
    session.commit()
    catch_up_now(app)
    page = client.get(picker, query_string={"q": "haemorrhage"}).get_data(as_text=True)
    assert "Postpartum" in page and "Add to the course" in page


def test_chosen_materials_come_back_as_signed_resource_links(
    app: Flask,
    client: FlaskClient,
    session: Session,
    school: School,
    platform: Platform,
    picker: str,
) -> None:
    first = make_material(session, school, title="Eclampsia simulation", grants=PUBLIC_DOWNLOAD)
    second = make_material(
        session, SchoolFactory(), title="Breech delivery", grants=PUBLIC_DOWNLOAD
    )
    session.commit()
    _add(client, picker, first.id)
    _add(client, picker, second.id)
    _add(client, picker, first.id)  # twice is once
    items = _finish(client, picker, platform)
    assert [i["title"] for i in items] == ["Eclampsia simulation", "Breech delivery"]
    assert [i["custom"] for i in items] == [
        {"material": str(first.id)},
        {"material": str(second.id)},
    ]
    assert {i["type"] for i in items} == {"ltiResourceLink"}
    assert {i["url"] for i in items} == {"http://hub.test/lti/launch"}


def test_a_removed_choice_is_not_sent(
    client: FlaskClient, session: Session, school: School, platform: Platform, picker: str
) -> None:
    kept = make_material(session, school, title="Kept", grants=PUBLIC_DOWNLOAD)
    dropped = make_material(session, school, title="Dropped", grants=PUBLIC_DOWNLOAD)
    session.commit()
    _add(client, picker, kept.id)
    _add(client, picker, dropped.id)
    client.post(picker + "/remove", data={"material": dropped.id})
    assert [i["title"] for i in _finish(client, picker, platform)] == ["Kept"]


def test_a_material_the_teacher_may_not_view_is_never_sent(
    client: FlaskClient, session: Session, platform: Platform, picker: str
) -> None:
    hidden = make_material(session, SchoolFactory(), title="Canary of another school")
    session.commit()
    _add(client, picker, hidden.id)  # a forged choice
    assert client.get(picker).get_data(as_text=True).count("Canary") == 0
    assert _finish(client, picker, platform) == []


def test_a_learner_may_not_ask_for_deep_linking(
    client: FlaskClient, platform: Platform, registered: LtiPlatform
) -> None:
    answer = launch(client, platform, deep_linking=True)
    assert answer.status_code == 403
    assert "Only teachers" in answer.get_data(as_text=True)


def test_another_person_cannot_use_a_teachers_picker(
    client: FlaskClient, app: Flask, session: Session, picker: str
) -> None:
    other = app.test_client()
    assert other.get(picker).status_code in (302, 401)  # not signed in: sent to sign in
    from tests.conftest import sign_in
    from tests.factories import TeacherFactory

    teacher = TeacherFactory()
    session.commit()
    sign_in(other, teacher)
    assert other.get(picker).status_code == 404
    assert other.post(picker + "/done").status_code == 404
