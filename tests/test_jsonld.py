"""schema.org ``LearningResource`` JSON-LD on public material pages: read back with ``extruct``
(as a search engine would) and expanded with ``pyld``, checked property by property; pages
that a visitor may not view carry none, and nothing in it is hidden from a visitor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import extruct
import pytest
from flask.testing import FlaskClient
from pyld import jsonld
from sqlalchemy.orm import Session

from hub.models import Material, MaterialKind
from tests.conftest import sign_in
from tests.factories import (
    PUBLIC_DOWNLOAD,
    SchoolFactory,
    TeacherFactory,
    add_grants,
    make_material,
    revise,
)

SCHEMA = "http://schema.org/"


def _public_material(session: Session, **changes: Any) -> Material:
    school = SchoolFactory(name="Université de Dakar", country="SN", website="https://ucad.sn")
    material = make_material(
        session, school, title="Paludisme et grossesse", grants=PUBLIC_DOWNLOAD
    )
    return revise(
        session,
        material,
        **{
            "summary": "Prévenir, **diagnostiquer** et traiter.",
            "language": "fr",
            "other_languages": ["en"],
            "level": "clinical",
            "resource_type": "case",
            "licence": "CC-BY-SA-4.0",
            "authors": ["Awa Diop", "Moussa Sow"],
            "topics": ["D008288", "D015597", "Carnet de santé"],
            "tags": ["PNLP"],
            "educational_context": ["undergraduate-professional"],
            "professions": ["medicine", "midwifery"],
            "published_at": dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC),
            **changes,
        },
    )


def _jsonld(client: FlaskClient, path: str) -> list[dict[str, Any]]:
    response = client.get(path)
    assert response.status_code == 200
    found = extruct.extract(
        response.get_data(as_text=True),
        base_url="http://hub.test" + path,
        syntaxes=["json-ld"],
        uniform=True,
    )
    items: list[dict[str, Any]] = found["json-ld"]
    return items


def test_a_public_page_carries_a_learning_resource_with_every_lrmi_property(
    client: FlaskClient, session: Session
) -> None:
    source = make_material(session, title="Malaria in pregnancy (original)", grants=PUBLIC_DOWNLOAD)
    material = _public_material(session)
    material.adapted_from_version_id = source.versions[0].id
    session.commit()
    [item] = _jsonld(client, f"/materials/{material.id}")
    url = f"http://hub.test/materials/{material.id}?v=1"
    assert item["@context"] == "https://schema.org"
    assert item["@type"] == "LearningResource"
    assert item["@id"] == item["url"] == url
    assert item["name"] == "Paludisme et grossesse"
    assert item["description"] == "Prévenir, diagnostiquer et traiter."
    assert item["inLanguage"] == ["fr", "en"]
    assert item["educationalLevel"] == "Clinical"
    assert item["learningResourceType"] == "Case"
    assert item["audience"] == {
        "@type": "EducationalAudience",
        "educationalRole": "student",
        "audienceType": ["Undergraduate professional education", "Medicine", "Midwifery"],
    }
    assert item["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert item["isBasedOn"] == {
        "@type": "LearningResource",
        "@id": f"http://hub.test/materials/{source.id}?v=1",
        "url": f"http://hub.test/materials/{source.id}?v=1",
        "name": "Malaria in pregnancy (original)",
    }
    assert item["about"] == [
        {
            "@type": "DefinedTerm",
            "@id": "https://id.nlm.nih.gov/mesh/D008288",
            "name": "Malaria",
            "identifier": "D008288",
            "termCode": "D008288",
            "inDefinedTermSet": "https://id.nlm.nih.gov/mesh/",
        },
        {
            "@type": "DefinedTerm",
            "@id": "https://id.nlm.nih.gov/mesh/D015597",
            "name": "Pregnancy Complications, Parasitic",
            "identifier": "D015597",
            "termCode": "D015597",
            "inDefinedTermSet": "https://id.nlm.nih.gov/mesh/",
        },
    ]
    assert item["keywords"] == ["Carnet de santé", "PNLP"]
    assert item["author"] == [
        {"@type": "Person", "name": "Awa Diop"},
        {"@type": "Person", "name": "Moussa Sow"},
    ]
    assert item["publisher"] == {
        "@type": "CollegeOrUniversity",
        "name": "Université de Dakar",
        "url": "https://ucad.sn",
        "address": {"@type": "PostalAddress", "addressCountry": "SN"},
    }
    assert item["dateCreated"] == material.created_at.date().isoformat()
    assert item["datePublished"] == "2026-11-25"
    assert item["version"] == "1"
    assert "teaches" not in item  # a material has no learning objectives


def test_a_module_teaches_its_objectives_and_says_its_time(
    client: FlaskClient, session: Session
) -> None:
    material = _public_material(
        session,
        objectives=["Give IPTp at every antenatal visit", "Treat severe malaria"],
        estimated_hours=2.5,
    )
    material.kind = MaterialKind.MODULE
    material.versions[0].educational_context = ["cpd", "patient-caregiver"]
    session.commit()
    [item] = _jsonld(client, f"/materials/{material.id}")
    assert item["teaches"] == ["Give IPTp at every antenatal visit", "Treat severe malaria"]
    assert item["timeRequired"] == "PT2H30M"
    assert item["learningResourceType"] == "Module"
    assert item["audience"]["educationalRole"] == ["professional", "patient"]


def test_the_json_ld_expands_to_schema_org_terms(client: FlaskClient, session: Session) -> None:
    """Expanded by a JSON-LD processor (schema.org's context stands in as its vocabulary: the
    tests have no network), every property is a schema.org term."""
    material = _public_material(session)
    session.commit()
    [item] = _jsonld(client, f"/materials/{material.id}")

    def loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        assert url.rstrip("/") == "https://schema.org"
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": {"@context": {"@vocab": SCHEMA}},
        }

    [expanded] = jsonld.expand(item, {"documentLoader": loader})
    assert expanded["@type"] == [SCHEMA + "LearningResource"]
    properties = {k for k in expanded if not k.startswith("@")}
    assert properties >= {
        SCHEMA + name
        for name in (
            "name",
            "description",
            "inLanguage",
            "educationalLevel",
            "learningResourceType",
            "audience",
            "license",
            "about",
            "author",
            "publisher",
            "dateCreated",
            "datePublished",
            "version",
            "url",
        )
    }
    [about] = [a for a in expanded[SCHEMA + "about"] if a["@id"].endswith("D008288")]
    assert about[SCHEMA + "identifier"] == [{"@value": "D008288"}]
    [audience] = expanded[SCHEMA + "audience"]
    assert audience["@type"] == [SCHEMA + "EducationalAudience"]
    assert audience[SCHEMA + "educationalRole"] == [{"@value": "student"}]


@pytest.mark.parametrize(
    "grants", [[("consortium", [], "view,download")], []], ids=["consortium", "own school"]
)
def test_a_page_a_visitor_may_not_view_carries_none(
    client: FlaskClient, session: Session, grants: list[tuple[str, list[str], str]]
) -> None:
    school = SchoolFactory()
    material = make_material(session, school, title="Members only", grants=grants)
    teacher = TeacherFactory(school=school)
    session.commit()
    sign_in(client, teacher)
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert "Members only" in page
    assert "application/ld+json" not in page


def test_it_never_names_what_a_visitor_may_not_see(client: FlaskClient, session: Session) -> None:
    """A signed-in teacher sees the original of an adaptation; the page's JSON-LD (for
    visitors) does not name it."""
    school = SchoolFactory()
    source = make_material(session, school, title="Consortium original", grants=[])
    add_grants(session, source, [("consortium", [], "view,adapt")])
    material = _public_material(session)
    material.adapted_from_version_id = source.versions[0].id
    teacher = TeacherFactory(school=school)
    session.commit()
    sign_in(client, teacher)
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert "Consortium original" in page  # the teacher sees the lineage...
    [item] = _jsonld(client, f"/materials/{material.id}")
    assert "isBasedOn" not in item  # ...the data for visitors does not name it
    assert "Consortium original" not in str(item)


def test_the_script_is_data_that_the_csp_does_not_run(
    client: FlaskClient, session: Session
) -> None:
    material = _public_material(session, title="</script><script>alert(1)</script>")
    session.commit()
    response = client.get(f"/materials/{material.id}")
    page = response.get_data(as_text=True)
    assert '<script type="application/ld+json">' in page
    assert "<script>alert(1)" not in page  # tojson escapes < > & in the data
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    [item] = _jsonld(client, f"/materials/{material.id}")
    assert item["name"] == "</script><script>alert(1)</script>"
