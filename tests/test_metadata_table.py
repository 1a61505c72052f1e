"""The metadata field table (hub/services/metadata.py) is the one description of a material's
fields: the search library's facets agree with it, and the edit form, the material page's
"About" list, the compare page and the search page's facets show every field it lists."""

from __future__ import annotations

import dataclasses

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.models import MaterialKind, MaterialVersion, Person
from hub.search import catch_up_now
from hub.services import metadata, publishing
from hub.services.metadata import FACETS, FIELDS, SHOWN_APART, Metadata
from search_index import FACETS as LIBRARY_FACETS
from search_index import IndexedMaterial
from tests.conftest import sign_in
from tests.factories import TeacherFactory, good_metadata, make_file

# A value for every field of the table (codes from each vocabulary).
EVERYTHING = good_metadata(
    other_languages=["en"],
    specialty="Neonatology",
    authors=["A. Diallo"],
    tags=["Programme national"],
    objectives=["Ventilate within the golden minute"],
    estimated_hours="2.5",
    countries=["SN"],
    who_regions=["AFR"],
    income=["LMC"],
    financing=["national-health-insurance"],
    resources=["limited-resource"],
    educational_context=["cpd"],
    professions=["midwifery"],
    patient_data="consented",
    consent_scope="consortium",
)


pytestmark = pytest.mark.usefixtures("closes_index")


def _filled(
    session: Session, kind: MaterialKind = MaterialKind.MATERIAL
) -> tuple[Person, MaterialVersion]:
    """A teacher and their draft with every field filled in."""
    teacher = TeacherFactory()
    version = publishing.create_draft(session, teacher, kind).latest
    publishing.save_draft(session, teacher, version, EVERYTHING, version.revision)
    publishing.attach_files(session, teacher, version, [make_file(session, teacher.school).id])
    return teacher, version


def test_the_library_facets_and_the_table_facets_are_the_same() -> None:
    assert {f.name for f in FACETS} == set(LIBRARY_FACETS)
    assert len(FACETS) == len(LIBRARY_FACETS)


def test_every_field_facet_is_a_facet_and_every_facet_but_school_and_review_has_a_field() -> None:
    named = {f.name for f in FACETS}
    assert {f.facet for f in FIELDS if f.facet} <= named
    # The owner school and the peer review standing are facts of the material, not fields.
    assert {f.name for f in FACETS if not f.fields} == {"school", "review"}


def test_every_library_facet_is_a_document_attribute() -> None:
    attributes = {f.name for f in dataclasses.fields(IndexedMaterial)}
    assert set(LIBRARY_FACETS) <= attributes


def test_every_field_is_a_column_of_a_version() -> None:
    columns = set(MaterialVersion.__table__.columns.keys())
    assert {f.name for f in FIELDS} <= columns


def test_the_example_fills_every_field() -> None:
    assert all(getattr(EVERYTHING, f.name) for f in FIELDS)


def test_a_version_reads_back_as_what_was_saved(session: Session) -> None:
    _teacher, version = _filled(session, MaterialKind.MODULE)
    again = Metadata.of(version)
    assert {f.name: getattr(again, f.name) for f in FIELDS} == {
        f.name: getattr(EVERYTHING, f.name) for f in FIELDS
    }


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(TypeError):
        Metadata(colour="blue")


@pytest.mark.parametrize("kind", [MaterialKind.MATERIAL, MaterialKind.MODULE])
def test_the_edit_form_asks_for_every_field(
    client: FlaskClient, session: Session, kind: MaterialKind
) -> None:
    teacher = TeacherFactory()
    material = publishing.create_draft(session, teacher, kind)
    session.commit()
    sign_in(client, teacher)
    page = client.get(f"/materials/{material.id}/edit").get_data(as_text=True)
    for field in FIELDS:
        asked = kind is MaterialKind.MODULE or not field.modules_only
        assert (f'name="{field.name}"' in page) is asked, field.name
        assert (str(field.asked_as) in page) is asked, field.name


def test_the_about_list_shows_every_field_not_shown_elsewhere(
    client: FlaskClient, session: Session
) -> None:
    teacher, version = _filled(session)
    session.commit()
    sign_in(client, teacher)
    page = client.get(f"/materials/{version.material_id}").get_data(as_text=True)
    about = page[page.index('<dl class="facts">') : page.index("</dl>")]
    for field in FIELDS:
        if field.name in SHOWN_APART:
            continue
        assert f"<dt>{field.label}</dt>" in about, field.name
        assert all(words in about for words in field.in_words(version)), field.name


def test_the_compare_page_has_a_row_for_every_field(client: FlaskClient, session: Session) -> None:
    teacher, version = _filled(session)
    session.commit()
    sign_in(client, teacher)
    page = client.get(f"/materials/{version.material_id}/compare?a=1&b=1").get_data(as_text=True)
    for field in FIELDS:
        assert f'<th scope="row">{field.label}' in page, field.name


def test_the_search_page_shows_every_shown_facet_with_its_words(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    teacher, version = _filled(session)
    publishing.publish(session, teacher, version)
    session.commit()
    catch_up_now(app)
    sign_in(client, teacher)
    page = client.get("/search").get_data(as_text=True)
    for facet in (f for f in FACETS if f.shown):
        assert str(facet.title) in page, facet.name
        for field in facet.fields:
            for words in field.in_words(version):
                assert words in page, (facet.name, words)


def test_a_facet_value_of_several_fields_is_worded_by_the_field_that_knows_it() -> None:
    audience = metadata.FACET_BY_NAME["audience"]
    assert audience.words("midwifery") == "Midwifery"
    assert audience.words("cpd") == "Continuing professional development"
    assert metadata.FACET_BY_NAME["resource_type"].words("module") == "Module"
