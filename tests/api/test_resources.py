"""The API's resources, each through the services the pages use: search, materials, drafts
and publishing, sharing within the ceiling, lineage, modules, adoptions, access requests,
schools, the caller's account and usage. Tokens of other schools meet 404s where the site
would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from hub.models import MaterialKind, MembershipStatus, RequestStatus
from hub.search import catch_up_now
from hub.services.sample_files import pdf_document
from tests.api.conftest import Api
from tests.factories import (
    ConsortiumAdminFactory,
    SchoolAdminFactory,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    make_material,
)
from tests.multihost.api_steps import DRAFT


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    return response.get_json()


def test_a_teacher_adapts_uploads_publishes_and_shares_with_a_region_by_token(
    app: Flask, session: Session, api_as: Callable[..., Api]
) -> None:
    """The issue's "done when": find, adapt, upload, publish within the ceiling, share."""
    owner = SchoolFactory(country="KE")
    source = make_material(
        session,
        owner,
        title="Neonatal sepsis in district hospitals",
        grants=[("consortium", [], "view,download,adapt")],
    )
    session.commit()
    catch_up_now(app)
    mine = SchoolFactory(country="UG")
    teacher = TeacherFactory(school=mine)
    api = api_as(teacher)

    found = _ok(api.get("search", query_string={"q": "neonatal sepsis"}))
    assert [c["material_id"] for c in found["items"]] == [source.id]
    assert found["facets"]["school"][0]["label"] == owner.name

    draft = _ok(api.post(f"materials/{source.id}/versions/1/adaptations"), 201)
    assert draft["version"]["state"] == "draft"
    assert draft["school"]["id"] == mine.id
    new_id = draft["id"]

    edited = _ok(
        api.patch(
            f"materials/{new_id}/draft",
            json={
                "revision": draft["version"]["revision"],
                "title": "Neonatal sepsis: Ugandan district edition",
                "regions": ["202"],
            },
        )
    )
    assert edited["version"]["regions"] == ["202"]

    pdf = pdf_document("District edition", ["Local protocol."])
    uploaded = _ok(
        api.post(
            f"materials/{new_id}/draft/files",
            query_string={"filename": "district.pdf"},
            data=pdf,
            headers={"Content-Type": "application/octet-stream"},
        ),
        201,
    )
    assert "district.pdf" in [f["filename"] for f in uploaded["files"]]

    published = _ok(api.post(f"materials/{new_id}/publish"))
    assert published["version"]["state"] == "published"
    shared = _ok(
        api.post(
            f"materials/{new_id}/grants",
            json={"kind": "regions", "values": ["202"], "rights": ["view", "download"]},
        ),
        201,
    )
    assert shared["kind"] == "regions" and "download" in shared["rights"]
    lineage = _ok(api.get(f"materials/{new_id}/lineage"))
    assert lineage["adapted_from"]["material_id"] == source.id

    kenyan = api_as(StudentFactory(school=owner))  # Eastern Africa (202), like Uganda
    seen = _ok(kenyan.get(f"materials/{new_id}"))
    [pdf_file] = [f for f in seen["files"] if f["filename"] == "district.pdf"]
    download = kenyan.get(pdf_file["download_url"])
    assert download.status_code == 200 and download.data == pdf
    swedish = api_as(StudentFactory(school=SchoolFactory(country="SE")))
    assert swedish.get(f"materials/{new_id}").status_code == 404


def test_publishing_says_every_missing_field_and_the_ceiling(
    session: Session, api_as: Callable[..., Api]
) -> None:
    school = SchoolFactory(country="KE")
    api = api_as(TeacherFactory(school=school))
    made = _ok(api.post("materials", json={"title": "Half-done"}), 201)
    refused = api.post(f"materials/{made['id']}/publish")
    assert refused.status_code == 400
    problem = refused.get_json()
    assert {"summary", "language", "level", "resource_type", "files"} <= set(problem["errors"])
    school.ceiling_audience = "regions"
    session.commit()
    too_wide = api.post(
        f"materials/{made['id']}/grants", json={"kind": "consortium", "rights": ["view"]}
    )
    assert too_wide.status_code == 400
    assert too_wide.get_json()["errors"]["kind"]
    assert _ok(api.get(f"materials/{made['id']}"))["version"]["state"] == "draft"


def test_new_version_retire_and_availability(session: Session, api_as: Callable[..., Api]) -> None:
    school = SchoolFactory()
    material = make_material(session, school, grants=[("public", [], "view")])
    session.commit()
    api = api_as(TeacherFactory(school=school))
    refused = api.post(f"materials/{material.id}/versions", json={"change_note": ""})
    assert refused.status_code == 422 and "change_note" in refused.get_json()["errors"]
    new = _ok(
        api.post(f"materials/{material.id}/versions", json={"change_note": "New figures"}), 201
    )
    assert new["version"]["number"] == 2 and new["version"]["state"] == "draft"
    versions = _ok(api.get(f"materials/{material.id}/versions"))["items"]
    assert [v["number"] for v in versions] == [1, 2]
    visitor = api_as(None)
    assert [
        v["number"] for v in _ok(visitor.get(f"materials/{material.id}/versions"))["items"]
    ] == [1]
    _ok(
        api.put(
            f"materials/{material.id}/availability",
            json={"teachers_only": True, "available_from": None, "available_until": None},
        )
    )
    assert visitor.get(f"materials/{material.id}").status_code == 404  # teachers only now
    retired = _ok(api.post(f"materials/{material.id}/retire"))
    assert retired["retired"] is True


def test_grants_are_for_the_owner_school_staff(
    session: Session, api_as: Callable[..., Api]
) -> None:
    school = SchoolFactory()
    material = make_material(session, school, grants=[("consortium", [], "view")])
    session.commit()
    own = _ok(api_as(TeacherFactory(school=school)).get(f"materials/{material.id}/grants"))
    [grant] = own["items"]
    assert grant["kind"] == "consortium" and own["audience"]
    outsider = api_as(TeacherFactory())
    assert outsider.get(f"materials/{material.id}/grants").status_code == 409
    owner = api_as(TeacherFactory(school=school))
    assert owner.delete(f"materials/{material.id}/grants/{grant['id']}").status_code == 200
    assert outsider.get(f"materials/{material.id}").status_code == 404


def test_modules_and_their_items(session: Session, api_as: Callable[..., Api]) -> None:
    school = SchoolFactory()
    item = make_material(session, school, title="Item one", grants=[("public", [], "view")])
    hidden = make_material(session, title="Hidden item", grants=[])
    session.commit()
    api = api_as(TeacherFactory(school=school))
    module = _ok(api.post("materials", json={"kind": "module", "title": "Sepsis week"}), 201)
    item_version = item.published.id  # type: ignore[union-attr]
    _ok(
        api.put(
            f"materials/{module['id']}/draft/items",
            json={"items": [item_version], "expected": []},
        )
    )
    stale = api.put(f"materials/{module['id']}/draft/items", json={"items": [], "expected": []})
    assert stale.status_code == 409
    secret = api.put(
        f"materials/{module['id']}/draft/items",
        json={"items": [hidden.versions[0].id], "expected": [item_version]},
    )
    assert secret.status_code == 404
    items = _ok(api.get(f"materials/{module['id']}/versions/1/items"))["items"]
    assert [i["item"]["title"] for i in items] == ["Item one"]
    assert module["kind"] == MaterialKind.MODULE.value


def test_translations_and_adoptions(session: Session, api_as: Callable[..., Api]) -> None:
    school = SchoolFactory()
    original = make_material(session, title="Malaria", grants=[("consortium", [], "view")])
    translation = make_material(session, school, title="Paludisme", language="fr")
    session.commit()
    api = api_as(TeacherFactory(school=school))
    _ok(api.put(f"materials/{translation.id}/translation", json={"original_id": original.id}))
    lineage = _ok(api.get(f"materials/{original.id}/lineage"))
    assert [t["title"] for t in lineage["translations"]] == ["Paludisme"]
    adopted = _ok(api.post(f"materials/{original.id}/versions/1/adoption"), 201)
    assert adopted["material"]["material_id"] == original.id
    listed = _ok(api.get("adoptions"))["items"]
    assert [a["material"]["material_id"] for a in listed] == [original.id]
    student = api_as(StudentFactory(school=school))
    assert student.post(f"materials/{original.id}/versions/1/adoption").status_code == 409


def test_access_requests_are_made_listed_granted_and_declined(
    session: Session, api_as: Callable[..., Api]
) -> None:
    owner = SchoolFactory()
    wanted = make_material(session, owner, title="Wanted", grants=[("consortium", [], "view")])
    other = make_material(session, owner, title="Other", grants=[("consortium", [], "view")])
    session.commit()
    asker_school = SchoolFactory()
    asker = api_as(TeacherFactory(school=asker_school))
    made = _ok(
        asker.post(
            "access-requests",
            json={"material_id": wanted.id, "rights": ["download"], "message": "For year 3"},
        ),
        201,
    )
    second = _ok(
        asker.post("access-requests", json={"material_id": other.id, "rights": ["download"]}),
        201,
    )
    again = asker.post("access-requests", json={"material_id": wanted.id, "rights": ["download"]})
    assert again.status_code == 409
    outgoing = _ok(asker.get("access-requests"))["items"]
    assert {r["title"] for r in outgoing} == {"Wanted", "Other"}
    admin = api_as(SchoolAdminFactory(school=owner))
    incoming = _ok(admin.get("access-requests", query_string={"direction": "incoming"}))
    assert len(incoming["items"]) == 2
    granted = _ok(admin.post(f"access-requests/{made['id']}/grant", json={"rights": ["download"]}))
    assert granted["status"] == RequestStatus.GRANTED.value
    assert (
        admin.post(f"access-requests/{second['id']}/decline", json={"reason": ""}).status_code
        == 422
    )
    declined = _ok(
        admin.post(f"access-requests/{second['id']}/decline", json={"reason": "Exam material"})
    )
    assert declined["status"] == "declined" and declined["reason"] == "Exam material"
    stranger = api_as(SchoolAdminFactory())
    assert (
        stranger.post(
            f"access-requests/{made['id']}/grant", json={"rights": ["download"]}
        ).status_code
        == 404
    )
    files = _ok(asker.get(f"materials/{wanted.id}/versions/1/files"))["items"]
    assert files[0]["download_url"]


def test_downloads_need_the_right_and_say_why(session: Session, api_as: Callable[..., Api]) -> None:
    material = make_material(session, title="View only", grants=[("consortium", [], "view")])
    session.commit()
    api = api_as(TeacherFactory())
    [f] = _ok(api.get(f"materials/{material.id}/versions/1/files"))["items"]
    assert f["download_url"] is None and f["view_url"]
    refused = api.get(f"/api/v1/materials/{material.id}/versions/1/files/{f['id']}/content")
    assert refused.status_code == 403 and refused.get_json()["type"].endswith("no-download")


def test_me_schools_own_materials_and_usage(session: Session, api_as: Callable[..., Api]) -> None:
    school = SchoolFactory(name="Makerere College")
    SchoolFactory(name="Applied College", status=MembershipStatus.APPLIED)
    make_material(session, school, title="Our draft", published=False)
    session.commit()
    admin = SchoolAdminFactory(school=school)
    api = api_as(admin)
    me = _ok(api.get("me"))
    assert me["email"] == admin.email and me["school"]["name"] == "Makerere College"
    assert me["token"]["scopes"] == ["read", "write"]
    names = [s["name"] for s in _ok(api.get("schools", query_string={"q": "College"}))["items"]]
    assert names == ["Makerere College"]
    everyone = api_as(ConsortiumAdminFactory())
    all_names = _ok(everyone.get("schools", query_string={"q": "College", "status": "applied"}))
    assert [s["name"] for s in all_names["items"]] == ["Applied College"]
    own = _ok(api.get("me/materials"))["items"]
    assert [m["title"] for m in own] == ["Our draft"] and own[0]["state"] == "draft"
    report = _ok(api.get("usage"))
    assert report["given"] == 0 and report["by_kind"] == {}
    assert api_as(TeacherFactory(school=school)).get("usage").status_code == 403
    assert api_as(None).get("schools").status_code == 401


def test_the_readme_guide_publishes_a_new_material(
    session: Session, api_as: Callable[..., Api]
) -> None:
    """The README's curl guide, step by step: create, describe, upload, publish, share."""
    api = api_as(TeacherFactory(school=SchoolFactory(country="KE")))
    made = _ok(api.post("materials", json={"title": "Neonatal sepsis"}), 201)
    _ok(
        api.patch(
            f"materials/{made['id']}/draft",
            json=DRAFT,
        )
    )
    _ok(
        api.post(
            f"materials/{made['id']}/draft/files?filename=sepsis.pdf",
            data=pdf_document("Sepsis", ["Bundle."]),
            headers={"Content-Type": "application/octet-stream"},
        ),
        201,
    )
    assert _ok(api.post(f"materials/{made['id']}/publish"))["version"]["state"] == "published"
    shared = api.post(
        f"materials/{made['id']}/grants",
        json={"kind": "regions", "values": ["202"], "rights": ["view", "download"]},
    )
    assert _ok(shared, 201)["values"] == ["202"]
