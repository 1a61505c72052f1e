"""Topics are MeSH descriptors (by id) or free terms: the vocabulary, the form, the page, search,
the suggestions, the demo and the migration of topics stored before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from hub import migrate
from hub.search import catch_up_now, index_for
from hub.services import mesh, publishing
from hub.services.metadata import Metadata
from tests import factories
from tests.conftest import sign_in
from tests.factories import StudentFactory, TeacherFactory, good_metadata, make_material

pytestmark = pytest.mark.usefixtures("closes_index")


# The vocabulary ---------------------------------------------------------------------------------


def test_the_vocabulary_holds_the_descriptors_with_their_ids() -> None:
    vocabulary = mesh.vocabulary()
    assert len(vocabulary.descriptors) > 30_000
    assert mesh.descriptor("D008288") == mesh.Topic("D008288", "Malaria")
    assert mesh.descriptor("d008288") == mesh.Topic("D008288", "Malaria")
    assert mesh.descriptor("D000073602") == mesh.Topic("D000073602", "Antimicrobial Stewardship")
    assert mesh.descriptor("D999999") is None
    assert mesh.named("  infant,   NEWBORN ") == mesh.Topic("D007231", "Infant, Newborn")
    assert mesh.Topic("D008288", "Malaria").uri == "https://id.nlm.nih.gov/mesh/D008288"


def test_a_topic_is_read_as_a_descriptor_by_id_or_name_else_a_free_term() -> None:
    assert mesh.read("D003920") == mesh.Topic("D003920", "Diabetes Mellitus")
    assert mesh.read("diabetes mellitus") == mesh.Topic("D003920", "Diabetes Mellitus")
    free = mesh.read("Helping Babies Breathe")
    assert free.free and free.id is None and free.uri is None and free.stored == free.name
    assert mesh.stored_form("malaria") == "D008288"
    assert mesh.words("D008288") == "Malaria"


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("malaria", "Malaria"),
        ("diab mell", "Diabetes Mellitus"),
        ("heart fail", "Heart Failure"),
        ("D008288", "Malaria"),
        ("newborn infant", "Infant, Newborn"),
    ],
)
def test_suggestions_put_the_best_match_first(typed: str, first: str) -> None:
    found = mesh.suggest(typed)
    assert found and found[0].name == first
    assert len(found) <= mesh.SUGGESTIONS


def test_suggestions_need_two_letters_and_prefer_what_the_hub_uses() -> None:
    assert mesh.suggest("m") == []
    assert mesh.suggest("zzzzqq") == []
    plain = [t.name for t in mesh.suggest("mal")]
    malaria_first = [t.name for t in mesh.suggest("mal", preferred=["D008288"])]
    assert plain[0] != "Malaria" and malaria_first[0] == "Malaria"


# Saving, showing, searching ---------------------------------------------------------------------


def test_a_draft_stores_descriptors_by_id_and_keeps_free_terms(session: Session) -> None:
    teacher = TeacherFactory()
    version = publishing.create_draft(session, teacher).latest
    data = good_metadata(topics=["malaria", "D003920", "Our national programme", "Malaria"])
    publishing.save_draft(session, teacher, version, data, version.revision)
    assert version.topics == ["D008288", "D003920", "Our national programme"]
    assert mesh.topics_of(version) == [
        mesh.Topic("D008288", "Malaria"),
        mesh.Topic("D003920", "Diabetes Mellitus"),
        mesh.Topic(None, "Our national programme"),
    ]
    # The form shows names again; sent back unchanged, they are the same descriptors.
    again = Metadata.of(version)
    assert again.topics == ["Malaria", "Diabetes Mellitus", "Our national programme"]


def test_the_form_adds_a_topic_typed_in_the_picker(client: FlaskClient, session: Session) -> None:
    teacher = TeacherFactory()
    version = publishing.create_draft(session, teacher, title="Fevers").latest
    session.commit()
    sign_in(client, teacher)
    page = client.get(f"/materials/{version.material_id}/edit").get_data(as_text=True)
    assert 'data-suggest-url="/topics/suggest"' in page and "topics.js" in page
    form = {f: v for f, v in vars(good_metadata(title="Fevers")).items() if not isinstance(v, list)}
    form.update(
        revision=str(version.revision), topics="Sepsis\nDistrict fevers", topic_new="dengue"
    )
    response = client.post(f"/materials/{version.material_id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(version)
    assert version.topics == ["D018805", "District fevers", "D003715"]
    page = client.get(f"/materials/{version.material_id}/edit").get_data(as_text=True)
    assert "Sepsis\nDistrict fevers\nDengue</textarea>" in page
    assert 'title="MeSH descriptor D018805"' in page and "(free term)" in page


def test_suggestions_are_json_for_staff_only(client: FlaskClient) -> None:
    teacher = TeacherFactory()
    sign_in(client, teacher)
    body = client.get("/topics/suggest?q=tuberculosis").get_json()
    assert body["topics"][0] == {
        "id": "D014376",
        "name": "Tuberculosis",
        "uri": "https://id.nlm.nih.gov/mesh/D014376",
    }
    assert client.get("/topics/suggest?q=").get_json() == {"topics": []}
    client.post("/sign-out")
    student_client = client.application.test_client()
    sign_in(student_client, StudentFactory())
    assert student_client.get("/topics/suggest?q=malaria").status_code == 403


def test_the_page_shows_descriptor_names_with_their_ids_and_marks_free_terms(
    client: FlaskClient, session: Session
) -> None:
    material = make_material(session, title="Fever talk", grants=[("public", [], "view")])
    material.versions[0].topics = ["D008288", "Community radio"]
    session.commit()
    version = material.versions[0]
    page = client.get(f"/materials/{version.material_id}").get_data(as_text=True)
    assert '<abbr title="MeSH descriptor D008288">Malaria</abbr>' in page
    assert 'Community radio <span class="small">(free term)</span>' in page
    assert "D008288</" not in page  # the id is not shown as a name


def test_search_matches_descriptor_names(app: Flask, session: Session) -> None:
    material = make_material(session, title="Wheeze clinic", grants=[("public", [], "view")])
    material.versions[0].topics = ["D001249"]
    session.commit()
    version = material.versions[0]
    catch_up_now(app)
    results = index_for(app).search("asthma", person_tokens={"public"})
    assert str(version.material_id) in [h.id for h in results.hits]
    results = index_for(app).search('topic:"asthma"', person_tokens={"public"})
    assert str(version.material_id) in [h.id for h in results.hits]


def test_the_demo_topics_are_descriptors() -> None:
    from hub.services.demo_materials import RELATED_DESCRIPTOR, TOPICS

    for heading, _titles, _covers in TOPICS:
        assert mesh.named(heading) is not None, heading
        assert mesh.named(RELATED_DESCRIPTOR[heading]) is not None, heading


# The migration of topics stored as names --------------------------------------------------------


def test_the_migration_turns_names_into_descriptor_ids_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    migrate.upgrade(url, revision="0015")
    engine = create_engine(url)
    with Session(engine) as session:
        factories.bind(session)
        try:
            make_material(session)
            session.commit()
        finally:
            factories.bind(None)
    topics = ["malaria", "Infant, Newborn", "Helping Babies Breathe"]
    with engine.begin() as conn:
        conn.execute(text("UPDATE material_version SET topics = :t"), {"t": json.dumps(topics)})
    migrate.upgrade(url, revision="0016")
    assert _topics(engine) == ["D008288", "D007231", "Helping Babies Breathe"]
    command.downgrade(migrate.alembic_config(url), "0015")
    assert _topics(engine) == ["Malaria", "Infant, Newborn", "Helping Babies Breathe"]
    engine.dispose()


def _topics(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        found: list[str] = json.loads(
            conn.execute(text("SELECT topics FROM material_version")).scalar_one()
        )
    return found
