"""How to cite and attribute: each version's stable address, an APA reference (citeproc-py),
a TASL attribution line for Creative Commons licences, and CSL-JSON, BibTeX and RIS downloads
that only reach those who may view the version."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.models import Material
from hub.services import citation
from tests.conftest import sign_in
from tests.factories import (
    PUBLIC_DOWNLOAD,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    make_material,
    publish_new_version,
    revise,
)


def _material(session: Session, licence: str = "CC-BY-4.0", **changes: Any) -> Material:
    school = SchoolFactory(name="Makerere University")
    material = make_material(
        session, school, title="Sepsis & the first hour", grants=PUBLIC_DOWNLOAD, licence=licence
    )
    return revise(
        session,
        material,
        **{
            "authors": ["Grace Nakato", "Peter Okello"],
            "resource_type": "slides",
            "topics": ["D018805", "Bedside checklist"],
            "published_at": dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC),
            **changes,
        },
    )


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _attribution(page: str) -> str:
    found = re.search(r'<textarea id="attribution-text"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "no attribution to copy"
    return found.group(1)


def test_the_page_shows_the_stable_address_a_reference_and_the_downloads(
    client: FlaskClient, session: Session
) -> None:
    material = _material(session)
    session.commit()
    page = _page(client, f"/materials/{material.id}")
    address = f"http://hub.test/materials/{material.id}?v=1"
    assert f'<a href="{address}" class="address">{address}</a>' in page
    assert (
        "Grace Nakato, &amp; Peter Okello. (2026, November 25). "
        "<i>Sepsis &amp; the first hour</i> [Slides]. Makerere University. " + address
    ) in page
    for extension in ("json", "bib", "ris"):
        assert f"/materials/{material.id}/v/1/citation.{extension}" in page


def test_each_version_cites_its_own_address(client: FlaskClient, session: Session) -> None:
    material = _material(session)
    publish_new_version(session, material, "Sepsis, second edition")
    teacher = TeacherFactory(school=material.school)  # the owner school sees older versions
    session.commit()
    assert f"/materials/{material.id}?v=2" in _page(client, f"/materials/{material.id}")
    sign_in(client, teacher)
    older = _page(client, f"/materials/{material.id}?v=1")
    assert f"http://hub.test/materials/{material.id}?v=1</a>" in older


def test_a_cc_licence_gets_a_tasl_attribution_line(client: FlaskClient, session: Session) -> None:
    material = _material(session, licence="CC-BY-NC-SA-4.0")
    session.commit()
    page = _page(client, f"/materials/{material.id}")
    address = f"http://hub.test/materials/{material.id}?v=1"
    assert (
        f'“<a href="{address}">Sepsis &amp; the first hour</a>” by Grace Nakato and Peter '
        'Okello (Makerere University), version 1, is licensed under <a rel="license" '
        'href="https://creativecommons.org/licenses/by-nc-sa/4.0/">CC BY-NC-SA 4.0</a>.'
    ) in page
    assert _attribution(page) == (
        "“Sepsis &amp; the first hour” by Grace Nakato and Peter Okello (Makerere University), "
        f"version 1, {address}, is licensed under CC BY-NC-SA 4.0 "
        "(https://creativecommons.org/licenses/by-nc-sa/4.0/)."
    )


def test_an_adaptation_says_what_it_is_adapted_from(client: FlaskClient, session: Session) -> None:
    source = make_material(session, title="Sepsis (Kampala)", grants=PUBLIC_DOWNLOAD)
    source.versions[0].authors = ["Ruth Achieng"]
    material = _material(session, licence="CC-BY-SA-4.0")
    material.adapted_from_version_id = source.versions[0].id
    session.commit()
    text = _attribution(_page(client, f"/materials/{material.id}"))
    assert text.endswith(
        f"It is adapted from “Sepsis (Kampala)” by Ruth Achieng, "
        f"http://hub.test/materials/{source.id}?v=1."
    )


def test_cc0_gets_a_courtesy_line_and_consortium_terms_none(
    client: FlaskClient, session: Session
) -> None:
    material = _material(session, licence="CC0-1.0")
    session.commit()
    page = _page(client, f"/materials/{material.id}")
    assert "is dedicated to the public domain (CC0 1.0, " in _attribution(page)
    assert "Crediting it is a courtesy, not a condition." in page
    school = SchoolFactory()
    members = make_material(
        session, school, licence="LicenseRef-Consortium", grants=[("consortium", [], "view")]
    )
    teacher = TeacherFactory(school=school)
    session.commit()
    sign_in(client, teacher)
    page = _page(client, f"/materials/{members.id}")
    assert "Cite or attribute" in page and "attribution-text" not in page


def test_the_reference_is_in_the_readers_language_and_escapes_what_it_quotes(
    client: FlaskClient, session: Session
) -> None:
    material = _material(session, title="<b>Bold</b> claims")
    session.commit()
    response = client.get(f"/materials/{material.id}", headers={"Accept-Language": "fr"})
    page = response.get_data(as_text=True)
    assert "(2026, novembre 25). <i>&lt;b&gt;Bold&lt;/b&gt; claims</i>" in page
    assert "<b>Bold</b>" not in page


def test_csl_json_download(client: FlaskClient, session: Session) -> None:
    material = _material(session)
    session.commit()
    response = client.get(f"/materials/{material.id}/v/1/citation.json")
    assert response.mimetype == "application/vnd.citationstyles.csl+json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="hub{material.id}v1.json"'
    )
    [item] = json.loads(response.get_data(as_text=True))
    assert item == {
        "id": f"hub{material.id}v1",
        "type": "webpage",
        "title": "Sepsis & the first hour",
        "author": [{"literal": "Grace Nakato"}, {"literal": "Peter Okello"}],
        "publisher": "Makerere University",
        "issued": {"date-parts": [[2026, 11, 25]]},
        "version": "1",
        "URL": f"http://hub.test/materials/{material.id}?v=1",
        "genre": "Slides",
        "language": "en",
        "abstract": "A summary.",
        "keyword": "Sepsis, Bedside checklist",
        "license": "https://creativecommons.org/licenses/by/4.0/",
    }


def test_bibtex_download(client: FlaskClient, session: Session) -> None:
    material = _material(session, authors=["Grace {Nakato}_1"])
    session.commit()
    response = client.get(f"/materials/{material.id}/v/1/citation.bib")
    assert response.mimetype == "application/x-bibtex"
    text = response.get_data(as_text=True)
    assert text.startswith(f"@misc{{hub{material.id}v1,\n")
    assert text.rstrip().endswith("}")
    fields = dict(re.findall(r"^  (\w+) = \{(.*)\},?$", text, re.M))
    assert fields["title"] == r"{Sepsis \& the first hour}"
    assert fields["author"] == r"{Grace \{Nakato\}\_1}"
    assert fields["year"] == "2026" and fields["month"] == "11"
    assert fields["publisher"] == "Makerere University"
    assert fields["url"] == f"http://hub.test/materials/{material.id}?v=1"
    assert fields["note"] == "Licence: https://creativecommons.org/licenses/by/4.0/"
    assert text.count("{") == text.count("}")


def test_ris_download(client: FlaskClient, session: Session) -> None:
    material = _material(session)
    session.commit()
    response = client.get(f"/materials/{material.id}/v/1/citation.ris")
    assert response.mimetype == "application/x-research-info-systems"
    lines = response.get_data(as_text=True).split("\r\n")
    assert lines[0] == "TY  - ELEC" and lines[-2:] == ["ER  - ", ""]
    tags = [(line[:2], line[6:]) for line in lines if line]
    assert ("TI", "Sepsis & the first hour") in tags
    assert [v for t, v in tags if t == "AU"] == ["Grace Nakato", "Peter Okello"]
    assert ("PY", "2026") in tags and ("DA", "2026/11/25/") in tags
    assert ("UR", f"http://hub.test/materials/{material.id}?v=1") in tags
    assert [v for t, v in tags if t == "KW"] == ["Sepsis", "Bedside checklist"]
    assert all(re.match(r"^[A-Z][A-Z0-9]  - ", line) for line in lines if line)


@pytest.mark.parametrize("extension", ["json", "bib", "ris"])
def test_a_download_of_a_version_one_may_not_view_is_not_found(
    client: FlaskClient, session: Session, extension: str
) -> None:
    school = SchoolFactory()
    material = make_material(session, school, grants=[("schools", [str(school.id)], "view")])
    student = StudentFactory()
    session.commit()
    assert client.get(f"/materials/{material.id}/v/1/citation.{extension}").status_code == 404
    sign_in(client, student)
    assert client.get(f"/materials/{material.id}/v/1/citation.{extension}").status_code == 404
    assert client.get(f"/materials/{material.id}/v/9/citation.{extension}").status_code == 404


def test_the_formats_named_on_the_page_are_the_downloads() -> None:
    assert set(citation.FORMATS) == {"json", "bib", "ris"}
