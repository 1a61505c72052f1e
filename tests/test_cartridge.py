"""IMS Common Cartridge 1.3: a module goes out of the hub as one file (web links, or its files
where the rights and the licence allow) and comes back in as drafts and a draft module; what
the reader may not see never travels; a cartridge that would harm the hub is refused whole."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hub.models import (
    File,
    LtiPlatform,
    Material,
    MaterialKind,
    MaterialVersion,
    MembershipStatus,
    Person,
    School,
    UsageEvent,
    VersionFile,
    VersionState,
)
from hub.services import cartridge
from hub.services.files import record_bytes
from hub.services.sample_files import pdf_document, png_image
from hub.storage import store_for
from tests.conftest import sign_in
from tests.factories import (
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    add_grants,
    make_material,
)

CP = cartridge.CP_NS
NS = {"cp": CP, "lom": cartridge.LOM_RESOURCE_NS, "lomimscc": cartridge.LOM_MANIFEST_NS}
KNOWN_TYPES = {
    "webcontent",
    "imswl_xmlv1p3",
    "imsbasiclti_xmlv1p3",
    "imsdt_xmlv1p3",
    "imsqti_xmlv1p2/imscc_xmlv1p3/assessment",
    "imsqti_xmlv1p2/imscc_xmlv1p3/question-bank",
    "associatedcontent/imscc_xmlv1p3/learning-application-resource",
}


# A module of the teacher's school ---------------------------------------------------------------


@dataclass
class Course:
    school: School
    teacher: Person
    module: Material
    steps: list[Material]  # in the module's order
    hidden: Material  # in the module, hidden from the school's people


def _with_files(
    app: Flask,
    session: Session,
    school: School,
    title: str,
    blobs: list[tuple[str, bytes, str]],
    **kwargs: object,
) -> Material:
    """A published material of ``school`` whose files are stored in the content store."""
    material = make_material(session, school, title=title, **kwargs)  # type: ignore[arg-type]
    version = material.versions[0]
    version.attachments.clear()
    for position, (name, data, media_type) in enumerate(blobs):
        record = record_bytes(session, store_for(app), school, data, name, media_type)
        session.flush()
        version.attachments.append(VersionFile(file_id=record.id, position=position))
    session.flush()
    return material


def _pdf(title: str) -> tuple[str, bytes, str]:
    return f"{title}.pdf", pdf_document(title, [f"About {title}."]), "application/pdf"


@pytest.fixture()
def course(app: Flask, session: Session) -> Iterator[Course]:
    """A module of four steps; the third belongs to a school that shares nothing."""
    from hub.search import shutdown

    school = SchoolFactory()
    teacher = TeacherFactory(school=school)
    steps = [
        _with_files(app, session, school, "Recognise sepsis", [_pdf("Recognise sepsis")]),
        _with_files(
            app,
            session,
            school,
            "Treat sepsis",
            [_pdf("Treat sepsis"), ("chart.png", png_image(40, 30, seed=3), "image/png")],
        ),
        _with_files(
            app, session, school, "Refer", [_pdf("Refer")], licence="LicenseRef-Consortium"
        ),
    ]
    hidden = _with_files(app, session, SchoolFactory(), "Kept at home zq7", [_pdf("Secret zq7")])
    module = make_material(
        session,
        school,
        title="Sepsis module",
        kind=MaterialKind.MODULE,
        items=[steps[0], steps[1], hidden, steps[2]],
    )
    session.commit()
    yield Course(school, teacher, module, steps, hidden)
    shutdown(app)


@pytest.fixture()
def teacher(client: FlaskClient, course: Course) -> FlaskClient:
    sign_in(client, course.teacher)
    client.get("/")  # the sign-in's message is shown
    return client


def _export(client: FlaskClient, material: Material, choice: str = "files") -> zipfile.ZipFile:
    response = client.get(f"/materials/{material.id}/cartridge.imscc?choice={choice}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def _manifest(archive: zipfile.ZipFile) -> etree._Element:
    return etree.fromstring(archive.read("imsmanifest.xml"))


def _item_titles(manifest: etree._Element) -> list[str]:
    items = manifest.findall(".//cp:organization//cp:item[@identifierref]", NS)
    return [item.findtext("cp:title", namespaces=NS) or "" for item in items]


def _resource_types(manifest: etree._Element) -> list[str]:
    return [r.get("type", "") for r in manifest.findall(".//cp:resource", NS)]


# Export -------------------------------------------------------------------------------------


def test_the_manifest_has_the_structure_of_common_cartridge_1_3(
    teacher: FlaskClient, course: Course
) -> None:
    archive = _export(teacher, course.module)
    manifest = _manifest(archive)
    assert manifest.tag == f"{{{CP}}}manifest"
    assert manifest.findtext("cp:metadata/cp:schema", namespaces=NS) == "IMS Common Cartridge"
    assert manifest.findtext("cp:metadata/cp:schemaversion", namespaces=NS) == "1.3.0"
    title = "cp:metadata/lomimscc:lom/lomimscc:general/lomimscc:title/lomimscc:string"
    assert manifest.findtext(title, namespaces=NS) == "Sepsis module"
    assert len(manifest.findall("cp:organizations/cp:organization", NS)) == 1
    resources = {r.get("identifier"): r for r in manifest.findall(".//cp:resource", NS)}
    names = set(archive.namelist())
    for item in manifest.findall(".//cp:item[@identifierref]", NS):
        assert item.get("identifierref") in resources
    for resource in resources.values():
        assert resource.get("type") in KNOWN_TYPES
        for file in resource.findall("cp:file", NS):
            assert _unquoted(file.get("href", "")) in names
        if resource.get("href"):
            assert _unquoted(resource.get("href", "")) in names
        assert resource.find("cp:metadata/lom:lom/lom:general/lom:title", NS) is not None


def _unquoted(href: str) -> str:
    from urllib.parse import unquote

    return unquote(href)


def test_items_keep_the_module_order_and_titles(teacher: FlaskClient, course: Course) -> None:
    manifest = _manifest(_export(teacher, course.module))
    assert _item_titles(manifest) == ["Recognise sepsis", "Treat sepsis", "Refer"]


def test_files_travel_where_the_reader_may_download_and_the_licence_allows_copies(
    teacher: FlaskClient, course: Course
) -> None:
    archive = _export(teacher, course.module)
    assert _resource_types(_manifest(archive)) == ["webcontent", "webcontent", "imswl_xmlv1p3"]
    step = course.steps[1].published
    assert step is not None
    travelled = {
        hashlib.sha256(archive.read(n)).hexdigest()
        for n in archive.namelist()
        if n.startswith(f"files/m{step.material_id}v1/")
    }
    assert travelled == {f.sha256 for f in step.files}


def test_the_export_page_says_why_an_item_travels_as_a_link(
    teacher: FlaskClient, course: Course
) -> None:
    page = teacher.get(f"/materials/{course.module.id}/cartridge?choice=files").get_data(
        as_text=True
    )
    assert "does not let copies leave the hub" in page
    assert "its files" in page


def test_a_reader_who_may_not_download_gets_web_links(
    client: FlaskClient, session: Session, course: Course
) -> None:
    add_grants(session, course.module, [("consortium", [], "view")])
    for step in course.steps:
        add_grants(session, step, [("consortium", [], "view")])
    reader = TeacherFactory(school=SchoolFactory())
    session.commit()
    sign_in(client, reader)
    archive = _export(client, course.module)
    assert set(_resource_types(_manifest(archive))) == {"imswl_xmlv1p3"}
    assert not [n for n in archive.namelist() if n.startswith("files/")]
    page = client.get(f"/materials/{course.module.id}/cartridge").get_data(as_text=True)
    assert "not download its files" in page


def test_links_only_points_each_item_at_its_page_in_the_hub(
    teacher: FlaskClient, course: Course
) -> None:
    archive = _export(teacher, course.module, "links")
    links = sorted(n for n in archive.namelist() if n.startswith("links/"))
    assert len(links) == 3
    first = course.steps[0]
    link = etree.fromstring(archive.read(f"links/m{first.id}v1.xml"))
    assert link.tag == f"{{{cartridge.WEB_LINK_NS}}}webLink"
    url = link.find(f"{{{cartridge.WEB_LINK_NS}}}url")
    assert url is not None and url.get("href") == f"http://hub.test/materials/{first.id}?v=1"


@pytest.mark.parametrize("choice", ["files", "links"])
def test_a_hidden_item_never_appears_in_an_export(
    teacher: FlaskClient, course: Course, choice: str
) -> None:
    archive = _export(teacher, course.module, choice)
    for name in archive.namelist():
        body = archive.read(name)
        assert b"zq7" not in body, name
        assert f"/materials/{course.hidden.id}".encode() not in body, name
    page = teacher.get(f"/materials/{course.module.id}/cartridge?choice={choice}")
    assert "zq7" not in page.get_data(as_text=True)


def test_a_material_the_reader_may_not_view_has_no_export(
    teacher: FlaskClient, course: Course
) -> None:
    assert teacher.get(f"/materials/{course.hidden.id}/cartridge").status_code == 404
    assert teacher.get(f"/materials/{course.hidden.id}/cartridge.imscc").status_code == 404


def test_a_single_material_exports_as_a_cartridge_of_one_item(
    teacher: FlaskClient, course: Course
) -> None:
    response = teacher.get(f"/materials/{course.steps[0].id}/cartridge.imscc")
    assert 'filename="Recognise sepsis.imscc"' in response.headers["Content-Disposition"]
    manifest = _manifest(zipfile.ZipFile(io.BytesIO(response.get_data())))
    assert _item_titles(manifest) == ["Recognise sepsis"]


def test_module_and_material_pages_offer_the_export(teacher: FlaskClient, course: Course) -> None:
    for material in (course.module, course.steps[0]):
        page = teacher.get(f"/materials/{material.id}").get_data(as_text=True)
        assert f"/materials/{material.id}/cartridge?v=1" in page


def test_a_cartridge_that_carries_files_counts_as_their_download(
    teacher: FlaskClient, session: Session, course: Course
) -> None:
    _export(teacher, course.module, "files")
    session.expire_all()
    downloaded = session.scalars(
        select(UsageEvent.material_id).where(UsageEvent.kind == "download")
    ).all()
    assert sorted(downloaded) == sorted(s.id for s in course.steps[:2])  # not the linked one


# Import ---------------------------------------------------------------------------------------


def _upload(
    client: FlaskClient, data: bytes | None = None, name: str = "course.imscc"
) -> TestResponse:
    """Upload a cartridge (by default the Moodle course) to import: the answer, which leads to
    its preview."""
    return client.post(
        "/cartridges/import",
        data={"cartridge": (io.BytesIO(moodle_course() if data is None else data), name)},
        content_type="multipart/form-data",
    )


def _import(client: FlaskClient, data: bytes, name: str = "course.imscc") -> tuple[int, str]:
    """Upload a cartridge and confirm it: (status, the page the import ends on)."""
    response = _upload(client, data, name)
    if response.status_code != 302:
        return response.status_code, response.get_data(as_text=True)
    preview = response.headers["Location"]
    assert client.get(preview).status_code == 200
    done = client.post(preview)
    return done.status_code, done.headers.get("Location", "") or done.get_data(as_text=True)


def _module_id(location: str) -> int:
    found = re.search(r"/materials/(\d+)/edit", location)
    assert found, location
    return int(found.group(1))


def _imported_items(session: Session, module_id: int) -> list[MaterialVersion]:
    session.expire_all()
    module = session.get(Material, module_id)
    assert module is not None and module.kind is MaterialKind.MODULE
    draft = module.latest
    assert draft.state is VersionState.DRAFT
    return [item.item_version for item in draft.items]


def test_a_module_exported_with_its_files_comes_back_the_same(
    teacher: FlaskClient, session: Session, course: Course
) -> None:
    data = _export(teacher, course.module, "files")
    status, location = _import(teacher, _bytes_of(data))
    assert status == 302
    items = _imported_items(session, _module_id(location))
    assert [v.title for v in items] == ["Recognise sepsis", "Treat sepsis", "Refer"]
    originals = [s.published for s in course.steps]
    for imported, original in zip(items[:2], originals[:2], strict=True):
        assert imported.material_id != original.material_id  # new drafts of the school
        assert imported.state is VersionState.DRAFT
        assert [f.sha256 for f in imported.files] == [f.sha256 for f in original.files]
    # The third travelled as a link to the hub: the module holds the material itself.
    assert items[2].id == originals[2].id


def _bytes_of(archive: zipfile.ZipFile) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as copy:
        for info in archive.infolist():
            copy.writestr(info.filename, archive.read(info))
    return out.getvalue()


def test_a_module_exported_as_links_comes_back_as_the_same_materials(
    teacher: FlaskClient, session: Session, course: Course
) -> None:
    status, location = _import(teacher, _bytes_of(_export(teacher, course.module, "links")))
    assert status == 302
    items = _imported_items(session, _module_id(location))
    assert [v.id for v in items] == [s.published.id for s in course.steps]  # type: ignore[union-attr]


def test_the_metadata_comes_from_the_cartridge_lom(
    teacher: FlaskClient, session: Session, course: Course
) -> None:
    status, location = _import(teacher, _bytes_of(_export(teacher, course.module, "files")))
    module = session.get(Material, _module_id(location))
    assert module is not None
    assert module.latest.title == "Sepsis module"
    first = _imported_items(session, module.id)[0]
    assert first.language == "en"
    assert first.licence == "CC-BY-4.0"
    assert first.resource_type == "lecture"
    assert "A summary." in first.summary


# Hand-made cartridges, as LMSs write them ------------------------------------------------------


def _manifest_xml(resources: str, items: str, head: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>{head}
<manifest identifier="M" xmlns="{CP}"
  xmlns:lomimscc="http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest">
  <metadata><schema>IMS Common Cartridge</schema><schemaversion>1.3.0</schemaversion>
    <lomimscc:lom><lomimscc:general><lomimscc:title><lomimscc:string>Moodle course</lomimscc:string>
    </lomimscc:title></lomimscc:general></lomimscc:lom></metadata>
  <organizations><organization identifier="O" structure="rooted-hierarchy">
    <item identifier="R"><item identifier="S"><title>Week 1</title>{items}</item></item>
  </organization></organizations>
  <resources>{resources}</resources>
</manifest>""".encode()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _item(ref: str, title: str) -> str:
    return f'<item identifier="I{ref}" identifierref="{ref}"><title>{title}</title></item>'


PDF = pdf_document("Handout", ["Read this."])
WEB_LINK = (
    b'<?xml version="1.0"?><webLink xmlns="http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3">'
    b'<title>WHO guideline</title><url href="https://www.who.int/publications/sepsis"/></webLink>'
)


def moodle_course() -> bytes:
    """A course as an LMS exports it: a file, a web link, a quiz, a forum."""
    resources = """
      <resource identifier="F1" type="webcontent" href="res1/handout%20week%201.pdf">
        <file href="res1/handout%20week%201.pdf"/></resource>
      <resource identifier="W1" type="imswl_xmlv1p3"><file href="W1/weblink.xml"/></resource>
      <resource identifier="Q1" type="imsqti_xmlv1p2/imscc_xmlv1p3/assessment">
        <file href="Q1/assessment.xml"/></resource>
      <resource identifier="D1" type="imsdt_xmlv1p3"><file href="D1/topic.xml"/></resource>"""
    items = "".join(
        _item(ref, title)
        for ref, title in (
            ("F1", "Handout"),
            ("W1", "WHO guideline"),
            ("Q1", "Quiz on sepsis"),
            ("D1", "Forum of week 1"),
        )
    )
    return _zip(
        {
            "imsmanifest.xml": _manifest_xml(resources, items),
            "res1/handout week 1.pdf": PDF,
            "W1/weblink.xml": WEB_LINK,
            "Q1/assessment.xml": b"<questestinterop/>",
            "D1/topic.xml": b"<topic/>",
        }
    )


def _counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count(Material.id))) or 0,
        session.scalar(select(func.count(File.id))) or 0,
    )


def test_the_preview_lists_what_is_imported_and_what_is_not(
    teacher: FlaskClient, session: Session
) -> None:
    response = _upload(teacher)
    assert response.status_code == 302
    page = teacher.get(response.headers["Location"]).get_data(as_text=True)
    assert "Moodle course" in page
    assert "handout week 1.pdf" in page
    assert "https://www.who.int/publications/sepsis" in page
    not_imported = page.split('id="not-imported"')[1]
    assert "Quiz on sepsis" in not_imported and "quiz or assessment" in not_imported
    assert "Forum of week 1" in not_imported and "discussion" in not_imported


def test_an_lms_course_becomes_drafts_a_module_and_links(
    teacher: FlaskClient, session: Session, course: Course
) -> None:
    status, location = _import(teacher, moodle_course())
    assert status == 302
    module = session.get(Material, _module_id(location))
    assert module is not None
    items = _imported_items(session, module.id)
    assert [v.title for v in items] == ["Handout"]
    assert [f.sha256 for f in items[0].files] == [hashlib.sha256(PDF).hexdigest()]
    assert items[0].material.school_id == course.school.id
    assert "[WHO guideline](<https://www.who.int/publications/sepsis>)" in module.latest.summary


def test_the_upload_waits_among_the_school_files_until_the_import(
    teacher: FlaskClient, session: Session, course: Course
) -> None:
    response = _upload(teacher)
    file_id = int(response.headers["Location"].rsplit("/", 1)[1])
    session.expire_all()
    kept = session.get(File, file_id)
    assert kept is not None and kept.school_id == course.school.id
    assert teacher.post(f"/cartridges/import/{file_id}").status_code == 302
    session.expire_all()
    assert session.get(File, file_id) is None  # the cartridge itself leaves with the import


def _refused(
    client: FlaskClient, session: Session, data: bytes, words: str, status: int = 400
) -> None:
    before = _counts(session)
    response = _upload(client, data)
    assert response.status_code == status
    assert words in response.get_data(as_text=True)
    assert _counts(session) == before  # nothing written, not even the upload's record


def test_a_path_that_leaves_the_cartridge_refuses_it(
    teacher: FlaskClient, session: Session
) -> None:
    resources = (
        '<resource identifier="F" type="webcontent"><file href="../../etc/passwd"/></resource>'
    )
    data = _zip({"imsmanifest.xml": _manifest_xml(resources, _item("F", "Passwords"))})
    _refused(teacher, session, data, "names a file outside itself")


def test_a_zip_member_that_leaves_the_cartridge_refuses_it(
    teacher: FlaskClient, session: Session
) -> None:
    resources = '<resource identifier="F" type="webcontent"><file href="a.pdf"/></resource>'
    data = _zip(
        {
            "imsmanifest.xml": _manifest_xml(resources, _item("F", "A")),
            "a.pdf": PDF,
            "../evil.txt": b"x",
        }
    )
    _refused(teacher, session, data, "names a file outside itself")


def test_too_many_files_refuse_the_cartridge(
    app: Flask, teacher: FlaskClient, session: Session
) -> None:
    app.config["CARTRIDGE_LIMITS"] = replace(cartridge.LIMITS, members=5)
    members = {"imsmanifest.xml": _manifest_xml("", "")}
    members.update({f"f{i}.txt": b"text" for i in range(6)})
    _refused(teacher, session, _zip(members), "the hub reads at most 5")


def test_an_xml_entity_refuses_the_cartridge(teacher: FlaskClient, session: Session) -> None:
    laughs = (
        '<!DOCTYPE manifest [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]>'
    )
    data = _zip({"imsmanifest.xml": _manifest_xml("", "<title>&lol3;</title>", head=laughs)})
    _refused(teacher, session, data, "declares a DTD or entities")


def test_an_external_entity_refuses_the_cartridge(teacher: FlaskClient, session: Session) -> None:
    head = '<!DOCTYPE manifest [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    data = _zip({"imsmanifest.xml": _manifest_xml("", "<title>&x;</title>", head=head)})
    _refused(teacher, session, data, "declares a DTD or entities")


def test_an_oversized_cartridge_is_refused(
    app: Flask, teacher: FlaskClient, session: Session
) -> None:
    app.config["CARTRIDGE_LIMITS"] = replace(cartridge.LIMITS, cartridge_bytes=1000)
    _refused(teacher, session, moodle_course(), "larger than the hub accepts", status=413)


def test_a_zip_bomb_is_refused(app: Flask, teacher: FlaskClient, session: Session) -> None:
    resources = '<resource identifier="F" type="webcontent"><file href="bomb.txt"/></resource>'
    data = _zip(
        {
            "imsmanifest.xml": _manifest_xml(resources, _item("F", "Bomb")),
            "bomb.txt": b"0" * (8 * 1024 * 1024),
        }
    )
    _refused(teacher, session, data, "possible zip bomb")


def test_a_file_that_is_not_a_cartridge_is_refused(teacher: FlaskClient, session: Session) -> None:
    _refused(teacher, session, PDF, "not a zip file")
    _refused(teacher, session, _zip({"readme.txt": b"hello"}), "no imsmanifest.xml")


def test_a_cartridge_with_nothing_to_import_is_refused(
    teacher: FlaskClient, session: Session
) -> None:
    resources = '<resource identifier="Q" type="imsqti_xmlv1p2/imscc_xmlv1p3/assessment"/>'
    data = _zip({"imsmanifest.xml": _manifest_xml(resources, _item("Q", "Quiz"))})
    _refused(teacher, session, data, "holds nothing the hub can import")


def test_a_student_cannot_import(client: FlaskClient, session: Session, course: Course) -> None:
    student = StudentFactory(school=course.school)
    session.commit()
    sign_in(client, student)
    assert client.get("/cartridges/import").status_code == 403
    response = _upload(client)
    assert response.status_code == 403


def test_a_teacher_of_a_suspended_school_cannot_import(
    client: FlaskClient, session: Session, course: Course
) -> None:
    course.school.status = MembershipStatus.SUSPENDED
    session.commit()
    sign_in(client, course.teacher)
    response = client.get("/cartridges/import")
    assert response.status_code == 403
    assert "active member school" in response.get_data(as_text=True)


def test_the_materials_page_offers_the_import(teacher: FlaskClient) -> None:
    assert "/cartridges/import" in teacher.get("/materials/mine").get_data(as_text=True)


def test_another_schools_upload_cannot_be_imported(
    app: Flask, teacher: FlaskClient, session: Session
) -> None:
    upload = _upload(teacher)
    address = upload.headers["Location"]
    other = TeacherFactory(school=SchoolFactory())
    session.commit()
    stranger = app.test_client()
    sign_in(stranger, other)
    assert stranger.get(address).status_code == 404
    assert stranger.post(address).status_code == 404


def test_a_web_page_comes_in_with_its_files_as_one_zip_package(
    app: Flask, teacher: FlaskClient, session: Session
) -> None:
    page = b"<html><body><h1>Week 1</h1><img src='../web_resources/chart.png'></body></html>"
    chart = png_image(20, 20, seed=1)
    resources = """
      <resource identifier="P" type="webcontent" href="wiki_content/week-1.html">
        <file href="wiki_content/week-1.html"/><dependency identifierref="IMG"/></resource>
      <resource identifier="IMG" type="webcontent" href="web_resources/chart.png">
        <file href="web_resources/chart.png"/></resource>"""
    data = _zip(
        {
            "imsmanifest.xml": _manifest_xml(resources, _item("P", "Week 1 notes")),
            "wiki_content/week-1.html": page,
            "web_resources/chart.png": chart,
        }
    )
    status, location = _import(teacher, data)
    assert status == 302
    (draft,) = _imported_items(session, _module_id(location))
    (package,) = draft.files
    assert package.media_type == "application/zip" and package.filename == "Week 1 notes.zip"
    with store_for(app).open(package.sha256) as blob:
        members = zipfile.ZipFile(io.BytesIO(blob.read()))
    assert members.namelist() == ["wiki_content/week-1.html", "web_resources/chart.png"]
    assert members.read("web_resources/chart.png") == chart


def test_a_cartridge_without_an_outline_brings_every_resource(
    teacher: FlaskClient, session: Session
) -> None:
    manifest = (
        _manifest_xml(
            '<resource identifier="F" type="webcontent" href="a/handout.pdf">'
            '<file href="a/handout.pdf"/></resource>',
            "",
        )
        .replace(b"<organizations>", b"<!-- none --><skipped>")
        .replace(b"</organizations>", b"</skipped>")
    )
    status, location = _import(teacher, _zip({"imsmanifest.xml": manifest, "a/handout.pdf": PDF}))
    assert status == 302
    assert [v.title for v in _imported_items(session, _module_id(location))] == ["handout.pdf"]


def test_a_link_to_a_material_the_importer_may_not_see_stays_a_link(
    app: Flask, teacher: FlaskClient, session: Session, course: Course
) -> None:
    url = f"http://hub.test/materials/{course.hidden.id}?v=1"
    link = WEB_LINK.replace(b"https://www.who.int/publications/sepsis", url.encode())
    resources = '<resource identifier="W" type="imswl_xmlv1p3"><file href="w.xml"/></resource>'
    data = _zip(
        {"imsmanifest.xml": _manifest_xml(resources, _item("W", "Elsewhere")), "w.xml": link}
    )
    status, location = _import(teacher, data)
    assert status == 302
    module = session.get(Material, _module_id(location))
    assert module is not None
    assert _imported_items(session, module.id) == []
    assert url in module.latest.summary


# LTI links --------------------------------------------------------------------------------------


def _register_platform(session: Session, course: Course) -> None:
    session.add(
        LtiPlatform(
            school_id=course.school.id,
            name="Moodle",
            issuer="https://moodle.example.edu",
            client_id="hub",
            login_url="https://moodle.example.edu/mod/lti/auth.php",
            token_url="https://moodle.example.edu/mod/lti/token.php",
            key_set_url="https://moodle.example.edu/mod/lti/certs.php",
            deployment_ids=["1"],
        )
    )
    session.commit()


def test_lti_links_are_offered_only_to_a_school_with_a_platform(
    teacher: FlaskClient, session: Session, course: Course
) -> None:
    page = f"/materials/{course.module.id}/cartridge"
    assert 'value="lti"' not in teacher.get(page).get_data(as_text=True)
    _register_platform(session, course)
    assert 'value="lti"' in teacher.get(page).get_data(as_text=True)


def test_lti_links_launch_each_item_inside_the_course(
    teacher: FlaskClient, session: Session, course: Course
) -> None:
    _register_platform(session, course)
    archive = _export(teacher, course.module, "lti")
    manifest = _manifest(archive)
    assert set(_resource_types(manifest)) == {"imsbasiclti_xmlv1p3"}
    assert _item_titles(manifest) == ["Recognise sepsis", "Treat sepsis", "Refer"]
    blti = {"b": cartridge.BLTI_NS, "m": cartridge.LTICM_NS}
    links = [etree.fromstring(archive.read(n)) for n in archive.namelist() if n.startswith("lti/")]
    assert [link.findtext("b:title", namespaces=blti) for link in links] == [
        "Recognise sepsis",
        "Treat sepsis",
        "Refer",
    ]
    assert {link.findtext("b:launch_url", namespaces=blti) for link in links} == {
        "http://hub.test/lti/launch"
    }
    materials = [link.findtext("b:custom/m:property", namespaces=blti) for link in links]
    assert materials == [str(step.id) for step in course.steps]
    assert not any("zq7" in archive.read(n).decode() for n in archive.namelist())


def test_lti_links_asked_without_a_platform_are_web_links(
    teacher: FlaskClient, course: Course
) -> None:
    assert set(_resource_types(_manifest(_export(teacher, course.module, "lti")))) == {
        "imswl_xmlv1p3"
    }
