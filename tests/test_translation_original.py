"""A translation's original is found by search on the draft page, never by its number: only
materials the teacher may see are offered, and what the teacher typed is never lost."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hub.models import Material, Person
from hub.search import catch_up_now
from hub.services import publishing
from tests.conftest import sign_in
from tests.factories import SchoolFactory, TeacherFactory, make_material

pytestmark = pytest.mark.usefixtures("closes_index")


@pytest.fixture()
def scene(app: Flask, session: Session) -> tuple[Person, Material, Material, Material]:
    """A teacher's draft, an original shared with the consortium and a material of another
    school that is not shared with the teacher's school; both originals match "malaria"."""
    teacher = TeacherFactory()
    draft = publishing.create_draft(session, teacher, title="Paludisme pendant la grossesse")
    shared = make_material(
        session, SchoolFactory(name="Makerere"), title="Malaria in pregnancy",
        grants=[("consortium", [], "view")],
    )  # fmt: skip
    hidden = make_material(session, SchoolFactory(), title="Malaria exam answers")
    session.commit()
    catch_up_now(app)
    return teacher, draft, shared, hidden


def _draft_form(draft: Material, **extra: str) -> dict[str, str]:
    version = draft.draft
    assert version is not None
    return {
        "revision": str(version.revision),
        "title": "Paludisme pendant la grossesse",
        "summary": "Ce que j'ai tapé",
        "licence": "CC-BY-4.0",
        "patient_data": "none",
        **extra,
    }


def _post_from_draft_page(
    client: FlaskClient, teacher: Person, draft: Material, path: str, **extra: str
) -> TestResponse:
    """A button of the draft page: the draft's form (what was typed) goes along."""
    sign_in(client, teacher)
    answer = client.post(f"/materials/{draft.id}/{path}", data=_draft_form(draft, **extra))
    assert answer.status_code == 302
    return answer


def _draft_page_finding_malaria(client: FlaskClient, teacher: Person, draft: Material) -> str:
    sign_in(client, teacher)
    return client.get(f"/materials/{draft.id}/edit?original_q=malaria").get_data(as_text=True)


def test_the_draft_page_lists_matching_materials_the_teacher_may_see(
    client: FlaskClient, scene: tuple[Person, Material, Material, Material]
) -> None:
    teacher, draft, shared, _hidden = scene
    page = _draft_page_finding_malaria(client, teacher, draft)
    assert "Malaria in pregnancy" in page and "Makerere · English" in page
    assert f'name="translation_of" value="{shared.id}"' in page


def test_a_material_hidden_from_the_teacher_is_never_offered(
    client: FlaskClient, scene: tuple[Person, Material, Material, Material]
) -> None:
    teacher, draft, _shared, hidden = scene
    page = _draft_page_finding_malaria(client, teacher, draft)
    found = client.get(f"/materials/{draft.id}/originals?q=malaria").get_json()
    assert "Malaria exam answers" not in page
    assert f'value="{hidden.id}"' not in page
    assert [o["title"] for o in found["originals"]] == ["Malaria in pregnancy"]


def test_finding_from_the_draft_page_saves_what_was_typed(
    client: FlaskClient, session: Session, scene: tuple[Person, Material, Material, Material]
) -> None:
    teacher, draft, _shared, _hidden = scene
    answer = _post_from_draft_page(client, teacher, draft, "translation/find", original_q="malaria")
    assert answer.headers["Location"].endswith(
        f"/materials/{draft.id}/edit?original_q=malaria#translation"
    )
    session.expire_all()
    assert draft.draft is not None and draft.draft.summary == "Ce que j'ai tapé"


def test_choosing_the_original_links_it_and_keeps_what_was_typed(
    client: FlaskClient, session: Session, scene: tuple[Person, Material, Material, Material]
) -> None:
    teacher, draft, shared, _hidden = scene
    _post_from_draft_page(client, teacher, draft, "translation", translation_of=str(shared.id))
    session.expire_all()
    assert draft.translation_of_id == shared.id
    assert draft.draft is not None and draft.draft.summary == "Ce que j'ai tapé"
    page = client.get(f"/materials/{draft.id}/edit").get_data(as_text=True)
    assert "It is a translation of" in page and "Malaria in pregnancy" in page


def test_choosing_a_hidden_material_by_hand_is_not_found(
    client: FlaskClient, session: Session, scene: tuple[Person, Material, Material, Material]
) -> None:
    teacher, draft, _shared, hidden = scene
    sign_in(client, teacher)
    answer = client.post(f"/materials/{draft.id}/translation", data={"translation_of": hidden.id})
    assert answer.status_code == 404
    session.expire_all()
    assert draft.translation_of_id is None


def test_the_material_page_asks_for_no_material_number(
    client: FlaskClient, scene: tuple[Person, Material, Material, Material]
) -> None:
    teacher, draft, _shared, _hidden = scene
    sign_in(client, teacher)
    page = client.get(f"/materials/{draft.id}").get_data(as_text=True)
    assert "material number" not in page and "Say which material this translates" in page
    found = client.get(f"/materials/{draft.id}/translation?original_q=malaria")
    assert found.status_code == 200 and "Malaria in pregnancy" in found.get_data(as_text=True)
