"""IEEE LOM (with Healthcare LOM) and Dublin Core records: every element the issue lists, from
the metadata table; the downloads go through the catalogue (hidden: 404).

No XML schema of LOM, Healthcare LOM or oai_dc ships in a package we can install, so the
records are checked element by element (parsed with lxml) against the binding's names."""

from __future__ import annotations

import io
import zipfile

from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy.orm import Session

from hub.models import Material, MaterialKind, utcnow
from hub.search import catch_up_now
from hub.services import lom
from hub.services.metadata import FIELDS
from tests.conftest import sign_in
from tests.factories import (
    PUBLIC_ADAPT,
    PUBLIC_VIEW,
    SchoolFactory,
    StudentFactory,
    add_grants,
    make_material,
)
from tests.review.conftest import make_world

NS = {
    "lom": lom.LOM_NS,
    "hx": lom.HX_NS,
    "dcterms": lom.DCTERMS_NS,
    "dc": lom.DC_NS,
    "oai_dc": lom.OAI_DC_NS,
}


def test_every_field_of_the_metadata_table_has_its_place() -> None:
    assert set(lom.PLACES) == {f.name for f in FIELDS}


def rich(session: Session) -> dict[str, Material]:
    """A module of two items, one item an adaptation of another school's material and
    itself translated, with every fact a record carries."""
    north, south = SchoolFactory(name="North"), SchoolFactory(name="South")
    original = make_material(session, south, title="Original case", grants=PUBLIC_ADAPT)
    item = make_material(session, north, title="Severe malaria", language="en", grants=PUBLIC_ADAPT)
    item.adapted_from_version_id = original.versions[0].id
    v = item.versions[0]
    v.summary = "Recognising **severe** malaria."
    v.topics = ["Malaria, Falciparum"]
    v.tags = ["IMCI"]
    v.authors = ["Amina Diallo", "Jean Dupont, MD"]
    v.countries = ["KE"]
    v.regions = ["202"]
    v.who_regions = ["AFR"]
    v.income = ["LIC"]
    v.financing = ["out-of-pocket-dominant"]
    v.setting = ["district-hospital"]
    v.resources = ["low-resource"]
    v.educational_context = ["undergraduate-professional", "patient-caregiver"]
    v.professions = ["medicine", "nursing"]
    v.specialty = "Infectious diseases"
    v.resource_type = "virtual-patient"
    item.available_until = utcnow().replace(year=utcnow().year + 1)
    translation = make_material(
        session, south, title="Paludisme grave", language="fr", grants=PUBLIC_ADAPT
    )
    translation.translation_of_id = item.id
    other = make_material(session, north, title="Second item", grants=PUBLIC_ADAPT)
    module = make_material(
        session,
        north,
        title="Malaria module",
        grants=PUBLIC_ADAPT,
        kind=MaterialKind.MODULE,
        items=[item, other],
    )
    mv = module.versions[0]
    mv.estimated_hours = 2.5
    mv.objectives = ["Recognise severe malaria"]
    hidden = make_material(session, north, title="Canary hidden", grants=[])
    session.commit()
    return {
        "original": original,
        "item": item,
        "translation": translation,
        "module": module,
        "hidden": hidden,
    }


def texts(root: etree._Element, path: str) -> list[str]:
    return [str(e.text) for e in root.xpath(path, namespaces=NS)]


MESH = "lom:classification[lom:purpose/lom:value='discipline']/lom:taxonPath"
IDEA = "lom:classification[lom:purpose/lom:value='idea']/lom:taxonPath"
HX = "hx:healthcareMetadata/hx:healthcareEducation"
#: Elements of the rich item's record (``rich``) and their texts, in order.
ITEM_TEXTS = {
    "lom:general/lom:identifier/lom:catalog": ["URI", "oai"],
    "lom:general/lom:description/lom:string": ["Recognising severe malaria."],
    "lom:general/lom:language": ["en"],
    "lom:general/lom:keyword/lom:string": ["Malaria, Falciparum", "IMCI"],
    "lom:general/lom:coverage/lom:string": ["Kenya", "Sub-Saharan Africa", "WHO African Region"],
    "lom:lifeCycle/lom:version/lom:string": ["1"],
    "lom:lifeCycle/lom:status/lom:value": ["final"],
    "lom:lifeCycle/lom:contribute/lom:role/lom:value": ["author", "author", "publisher"],
    "lom:technical/lom:format": ["application/pdf"],
    "lom:educational/lom:learningResourceType/lom:source": ["HEALTHCARE_LOMv1"],
    "lom:educational/lom:learningResourceType/lom:value": ["virtual patient"],
    "lom:educational/lom:intendedEndUserRole/lom:value": ["learner", "teacher"],
    "lom:educational/lom:context/lom:value": [
        "higher education",
        "undergraduate professional education",
        "patient education",
        "caregiver education",
    ],
    "lom:rights/lom:cost/lom:value": ["no"],
    "lom:rights/lom:copyrightAndOtherRestrictions/lom:value": ["yes"],
    "lom:relation/lom:kind/lom:value": ["hasversion", "isbasedon", "isbasisfor", "ispartof"],
    "lom:classification/lom:purpose/lom:value": ["discipline", "educational level", "idea"],
    f"{MESH}/lom:source/lom:string": ["MeSH"],
    f"{MESH}/lom:taxon/lom:entry/lom:string": ["Malaria, Falciparum"],
    f"{IDEA}/lom:taxon/lom:id": [
        "202",
        "AFR",
        "LIC",
        "out-of-pocket-dominant",
        "district-hospital",
        "low-resource",
    ],
    f"{HX}/hx:targetAudience/hx:profession/lom:string": ["Medicine", "Nursing"],
    f"{HX}/hx:targetAudience/hx:disciplineOrSpecialty/lom:string": ["Infectious diseases"],
    f"{HX}/dcterms:license": ["https://creativecommons.org/licenses/by/4.0/"],
}


def test_a_lom_record_carries_every_listed_element(client: FlaskClient, session: Session) -> None:
    m = rich(session)
    item = m["item"]
    answer = client.get(f"/materials/{item.id}/lom.xml")
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/xml")
    root = etree.fromstring(answer.data)
    assert root.tag == f"{{{lom.LOM_NS}}}lom"
    assert {path: texts(root, path) for path in ITEM_TEXTS} == ITEM_TEXTS
    g = "lom:general"
    assert f"http://hub.test/materials/{item.id}" in texts(root, f"{g}/lom:identifier/lom:entry")
    assert root.xpath(f"{g}/lom:title/lom:string/@language", namespaces=NS) == ["en"]
    life = "lom:lifeCycle"
    cards = texts(root, f"{life}/lom:contribute/lom:entity")
    assert all(
        c.startswith("BEGIN:VCARD\nVERSION:3.0\n") and c.endswith("END:VCARD") for c in cards
    )
    assert "FN:Jean Dupont\\, MD" in cards[1]
    assert "ORG:North" in cards[2]
    assert texts(root, f"{life}/lom:contribute/lom:date/lom:dateTime")[0].endswith("Z")
    assert texts(root, "lom:technical/lom:location") == [f"http://hub.test/materials/{item.id}"]
    assert (
        "https://creativecommons.org/licenses/by/4.0/"
        in texts(root, "lom:rights/lom:description/lom:string")[0]
    )
    targets = texts(root, "lom:relation/lom:resource/lom:identifier/lom:entry")
    assert targets[1] == f"http://hub.test/materials/{m['original'].id}?v=1"
    assert targets[2] == f"http://hub.test/materials/{m['translation'].id}?v=1"
    assert targets[3] == f"http://hub.test/materials/{m['module'].id}?v=1"
    assert len(texts(root, f"{HX}/hx:expirationDate")) == 1
    assert root.xpath(f"{HX}/hx:targetAudience/hx:profession/@id", namespaces=NS) == [
        "medicine",
        "nursing",
    ]


def test_a_module_record_has_its_parts_and_learning_time(
    client: FlaskClient, session: Session
) -> None:
    m = rich(session)
    root = etree.fromstring(client.get(f"/materials/{m['module'].id}/lom.xml").data)
    assert texts(root, "lom:educational/lom:typicalLearningTime/lom:duration") == ["PT2H30M"]
    assert texts(root, "lom:relation/lom:kind/lom:value").count("haspart") == 2
    assert texts(root, "lom:general/lom:aggregationLevel/lom:value") == ["2"]
    objective = "lom:classification[lom:purpose/lom:value='educational objective']"
    assert texts(root, f"{objective}/lom:keyword/lom:string") == ["Recognise severe malaria"]
    # The translation names its original; a version's record names its material.
    root = etree.fromstring(client.get(f"/materials/{m['translation'].id}/v/1/lom.xml").data)
    kinds = texts(root, "lom:relation/lom:kind/lom:value")
    assert kinds[0] == "isversionof" and "isbasedon" in kinds
    descriptions = texts(root, "lom:relation/lom:resource/lom:description/lom:string")
    assert "Translation of (en)" in descriptions


def test_hidden_materials_have_no_record(client: FlaskClient, session: Session) -> None:
    m = rich(session)
    assert client.get(f"/materials/{m['hidden'].id}/lom.xml").status_code == 404
    assert client.get(f"/materials/{m['hidden'].id}/v/1/lom.xml").status_code == 404
    assert client.get(f"/materials/{m['item'].id}/v/9/lom.xml").status_code == 404
    # The record names no relation the reader may not see.
    assert b"Canary" not in client.get(f"/materials/{m['item'].id}/lom.xml").data


def test_the_material_page_links_its_record(client: FlaskClient, session: Session) -> None:
    m = rich(session)
    page = client.get(f"/materials/{m['item'].id}").get_data(as_text=True)
    assert f'href="/materials/{m["item"].id}/lom.xml"' in page
    assert "Metadata (LOM)" in page


def test_dublin_core_has_the_same_facts(app: Flask, session: Session) -> None:
    m = rich(session)
    from hub.services.catalogue import Catalogue

    with app.test_request_context():
        catalogue = Catalogue.of(session, None)
        version = catalogue.version(m["item"].id)
        relations = catalogue.relations([version])[version.id]
        root = lom.dublin_core(lom.Record(version, relations, lom.Site("https://hub.example")))
    assert root.tag == f"{{{lom.OAI_DC_NS}}}dc"
    for element in (
        "title",
        "creator",
        "subject",
        "description",
        "publisher",
        "date",
        "type",
        "format",
        "identifier",
        "language",
        "relation",
        "coverage",
        "rights",
    ):
        assert texts(root, f"dc:{element}"), element
    assert texts(root, "dc:creator") == ["Amina Diallo", "Jean Dupont, MD"]
    assert texts(root, "dc:format") == ["application/pdf"]


def test_a_search_downloads_as_a_zip_of_records(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    m = rich(session)
    student = StudentFactory()
    session.commit()
    catch_up_now(app)
    answer = client.get("/search/lom.zip?q=malaria")
    assert answer.status_code == 200, answer.data
    assert answer.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.data)) as archive:
        names = set(archive.namelist())
        records = [etree.fromstring(archive.read(n)) for n in names]
    assert f"material-{m['item'].id}-lom.xml" in names
    assert all(r.tag == f"{{{lom.LOM_NS}}}lom" for r in records)
    assert b"Canary" not in answer.data
    page = client.get("/search?q=malaria").get_data(as_text=True)
    assert "/search/lom.zip?q=malaria" in page
    assert client.get('/search/lom.zip?q="unclosed').status_code == 400
    sign_in(client, student)
    assert client.get("/search/lom.zip?q=malaria").status_code == 200


def _peer_reviewed(session: Session) -> Material:
    """A public material of the review consortium, reviewed and accepted as version 1."""
    world = make_world(session)
    add_grants(session, world.material, PUBLIC_VIEW)
    world.accept()
    session.commit()
    return world.material


def test_a_peer_reviewed_material_carries_an_annotation(
    client: FlaskClient, session: Session
) -> None:
    material = _peer_reviewed(session)
    root = etree.fromstring(client.get(f"/materials/{material.id}/lom.xml").data)
    accepted = utcnow().date().isoformat()
    assert texts(root, "lom:annotation/lom:description/lom:string") == [
        f"Peer reviewed (version 1), accepted on {accepted}"
    ]
    assert texts(root, "lom:annotation/lom:date/lom:dateTime")[0].startswith(accepted)
    [entity] = texts(root, "lom:annotation/lom:entity")
    assert entity.startswith("BEGIN:VCARD") and "ORG:Consortium Hub" in entity
    # LOM's order of categories: relation, annotation, classification.
    names = [etree.QName(e).localname for e in root]
    assert names.index("annotation") < names.index("classification")


def test_a_material_never_reviewed_has_no_annotation(client: FlaskClient, session: Session) -> None:
    item = rich(session)["item"]
    root = etree.fromstring(client.get(f"/materials/{item.id}/lom.xml").data)
    assert root.xpath("lom:annotation", namespaces=NS) == []


def test_a_harvested_record_carries_the_peer_review(client: FlaskClient, session: Session) -> None:
    material = _peer_reviewed(session)
    answer = client.get(
        "/oai",
        query_string={
            "verb": "GetRecord",
            "identifier": f"oai:hub.test:material/{material.id}",
            "metadataPrefix": "lom",
        },
    )
    root = etree.fromstring(answer.data)
    found = root.xpath("//lom:annotation/lom:description/lom:string/text()", namespaces=NS)
    assert [str(text) for text in found] == [
        f"Peer reviewed (version 1), accepted on {utcnow().date().isoformat()}"
    ]
