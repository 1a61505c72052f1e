"""Materials and modules: drafts, validation, publishing, versions, lineage, adoption, pages."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from hub.models import (
    Adoption,
    GrantKind,
    Material,
    MaterialKind,
    MaterialVersion,
    MembershipStatus,
    Person,
    Role,
    VersionFile,
    VersionState,
)
from hub.services import lineage, modules, publishing
from hub.services.catalogue import Catalogue
from hub.services.errors import Conflict, NotFound
from hub.services.metadata import Metadata, MetadataErrors
from tests.conftest import sign_in
from tests.factories import (
    GOOD,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    good_metadata,
    make_file,
    make_material,
)
from tests.statements import statements_sent


def _draft(session: Session, teacher: Person, data: Metadata = GOOD) -> MaterialVersion:
    material = publishing.create_draft(session, teacher)
    version = material.latest
    publishing.save_draft(session, teacher, version, data, version.revision)
    publishing.attach_files(session, teacher, version, [make_file(session, teacher.school).id])
    return version


def test_a_teacher_drafts_and_publishes_a_material(session: Session) -> None:
    teacher = TeacherFactory()
    version = _draft(session, teacher)
    publishing.publish(session, teacher, version)
    assert version.state is VersionState.PUBLISHED and version.published_at is not None
    assert version.material.published is version


def test_publishing_lists_everything_missing_at_once(session: Session) -> None:
    teacher = TeacherFactory()
    material = publishing.create_draft(session, teacher)
    with pytest.raises(MetadataErrors) as info:
        publishing.publish(session, teacher, material.latest)
    assert set(info.value.errors) >= {
        "title",
        "summary",
        "language",
        "level",
        "resource_type",
        "files",
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("language", "xx-nonsense", "not a registered language"),
        ("level", "kindergarten", "Allowed: preclinical, clinical"),
        ("resource_type", "podcast", "Allowed: lecture"),
        ("licence", "GPL-3.0", "Allowed: CC0-1.0"),
        ("regions", ["999"], "UN M49"),
        ("countries", ["Narnia"], "not a country we know"),
        ("setting", ["spaceship"], "Allowed: primary-care"),
        ("estimated_hours", "lots", "between 0 and 1000"),
    ],
)
def test_unknown_codes_are_refused_with_the_allowed_values(
    session: Session, field: str, value: object, message: str
) -> None:
    teacher = TeacherFactory()
    version = publishing.create_draft(session, teacher).latest
    data = good_metadata(**{field: value})
    with pytest.raises(MetadataErrors) as info:
        publishing.save_draft(session, teacher, version, data, version.revision)
    assert message in info.value.errors[field]


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>Title",
        '<img src=x onerror="alert(1)">',
        "<b>bold</b> title",
    ],
)
def test_markup_in_titles_is_stripped(session: Session, payload: str) -> None:
    teacher = TeacherFactory()
    version = publishing.create_draft(session, teacher).latest
    publishing.save_draft(
        session,
        teacher,
        version,
        good_metadata(title=payload, authors=[payload]),
        1,
    )
    assert "<" not in version.title and "<" not in "".join(version.authors)


def test_a_second_editor_with_a_stale_draft_is_refused(session: Session) -> None:
    teacher, colleague = TeacherFactory(), None
    version = _draft(session, teacher)
    colleague = TeacherFactory(school=teacher.school)
    stale = version.revision
    publishing.save_draft(session, teacher, version, GOOD, stale)
    with pytest.raises(Conflict, match="Nothing was overwritten"):
        publishing.save_draft(session, colleague, version, good_metadata(title="Other"), stale)
    assert version.title == GOOD.title


def test_a_published_version_never_changes(session: Session) -> None:
    teacher = TeacherFactory()
    version = _draft(session, teacher)
    publishing.publish(session, teacher, version)
    with pytest.raises(Conflict, match="never changes"):
        publishing.save_draft(session, teacher, version, GOOD, version.revision)
    draft = publishing.new_version(session, teacher, version.material, "Updated guideline")
    publishing.save_draft(
        session,
        teacher,
        draft,
        good_metadata(title="Neonatal resuscitation 2026"),
        draft.revision,
    )
    publishing.publish(session, teacher, draft)
    assert version.title == "Neonatal resuscitation" and version.state is VersionState.SUPERSEDED
    assert draft.number == 2 and version.material.published is draft


def test_adopters_keep_their_version_until_they_move(session: Session) -> None:
    owner = TeacherFactory()
    version = _draft(session, owner)
    publishing.publish(session, owner, version)
    version.material.grants.append(
        __import__("hub.models", fromlist=["AudienceGrant"]).AudienceGrant(
            kind=GrantKind.CONSORTIUM, can_view=True
        )
    )
    adopter = TeacherFactory()
    lineage.adopt(session, adopter, version)
    v2 = publishing.new_version(session, owner, version.material, "Second edition")
    publishing.publish(session, owner, v2)
    # The adopting school still reaches version 1; everyone else sees version 2.
    assert Catalogue.of(session, adopter).version(version.material_id, 1).id == version.id
    student = StudentFactory(school=adopter.school)
    assert Catalogue.of(session, student).version(version.material_id, 1).id == version.id
    with pytest.raises(NotFound):
        Catalogue.of(session, TeacherFactory()).version(version.material_id, 1)
    moved = lineage.adopt(session, adopter, v2)
    old = session.query(Adoption).filter(Adoption.version_id == version.id).one()
    assert old.ended_at is not None and moved.version_id == v2.id


def test_adapting_keeps_lineage_and_shares_files_by_hash(session: Session) -> None:
    source = make_material(
        session, grants=[("consortium", [], "view,download,adapt")], licence="CC-BY-SA-4.0"
    )
    teacher = TeacherFactory()
    adaptation = lineage.adapt(session, teacher, source.published)
    assert adaptation.school_id == teacher.school_id
    assert adaptation.adapted_from_version_id == source.published.id
    assert [f.sha256 for f in adaptation.latest.files] == [f.sha256 for f in source.published.files]
    assert adaptation.latest.files[0].school_id == teacher.school_id
    # The adaptation is a draft: its own school sees it in the lineage, no one else yet.
    assert Catalogue.of(session, teacher).lineage(source).adaptations == []
    assert adaptation.latest.state.value == "draft"
    # Share alike: the adaptation must keep CC-BY-SA-4.0.
    version = adaptation.latest
    publishing.save_draft(
        session,
        teacher,
        version,
        good_metadata(licence="CC-BY-4.0"),
        version.revision,
    )
    with pytest.raises(MetadataErrors) as info:
        publishing.publish(session, teacher, version)
    assert "share alike" in info.value.errors["licence"]


def test_a_no_derivatives_material_cannot_be_adapted(session: Session) -> None:
    source = make_material(
        session, grants=[("consortium", [], "view,download,adapt")], licence="CC-BY-ND-4.0"
    )
    with pytest.raises(Conflict, match="allows no derivatives"):
        lineage.adapt(session, TeacherFactory(), source.published)


def test_a_hidden_material_cannot_be_adapted_or_even_found(session: Session) -> None:
    source = make_material(session)  # no grants: only its school
    with pytest.raises(NotFound):
        lineage.adapt(session, TeacherFactory(), source.published)


def test_translations_are_linked_both_ways(session: Session) -> None:
    original = make_material(session, grants=[("consortium", [], "view")])
    teacher = TeacherFactory()
    french = make_material(session, teacher.school, title="Paludisme", language="fr")
    lineage.link_translation(session, teacher, french, original.id)
    assert Catalogue.of(session, teacher).lineage(original).translations == [french.published]
    assert Catalogue.of(session, teacher).lineage(french).translations == [original.published]


def test_a_translation_does_not_hint_at_an_original_the_viewer_may_not_see(
    client: FlaskClient, session: Session
) -> None:
    # Shared with member schools only: the teacher may link to it, a visitor may not see it.
    original = make_material(
        session, title="Members-only original", grants=[("consortium", [], "view")]
    )
    teacher = TeacherFactory()
    french = make_material(
        session, teacher.school, title="Paludisme", language="fr", grants=[("public", [], "view")]
    )
    lineage.link_translation(session, teacher, french, original.id)
    session.commit()
    page = client.get(f"/materials/{french.id}").get_data(as_text=True)
    assert "Paludisme" in page
    assert "Lineage" not in page and "Members-only original" not in page


def test_module_items_refuse_a_stale_list(session: Session) -> None:
    teacher = TeacherFactory()
    a = make_material(session, teacher.school, title="A")
    b = make_material(session, teacher.school, title="B")
    module = publishing.create_draft(session, teacher, MaterialKind.MODULE).latest
    modules.set_module_items(session, teacher, module, [a.published.id], [])
    modules.set_module_items(
        session, teacher, module, [a.published.id, b.published.id], [a.published.id]
    )
    with pytest.raises(Conflict, match="changed since you loaded it"):
        modules.set_module_items(session, teacher, module, [b.published.id], [a.published.id])
    assert [i.item_version_id for i in module.items] == [a.published.id, b.published.id]


def test_modules_only_hold_materials_their_teacher_may_see(session: Session) -> None:
    teacher = TeacherFactory()
    hidden = make_material(session)
    module = publishing.create_draft(session, teacher, MaterialKind.MODULE).latest
    with pytest.raises(NotFound):
        modules.set_module_items(session, teacher, module, [hidden.published.id], [])


def test_students_and_other_schools_cannot_edit(session: Session) -> None:
    teacher = TeacherFactory()
    version = _draft(session, teacher)
    with pytest.raises(NotFound):
        publishing.save_draft(session, StudentFactory(school=teacher.school), version, GOOD, 1)
    with pytest.raises(NotFound):
        publishing.save_draft(session, TeacherFactory(), version, GOOD, 1)


# Pages ------------------------------------------------------------------------------------------


def test_a_teacher_publishes_through_the_pages(client: FlaskClient, session: Session) -> None:
    teacher = TeacherFactory()
    make_file(session, teacher.school, "slides.pdf")
    sign_in(client, teacher)
    created = client.post("/materials/new", data={"title": "Sepsis bundle", "kind": "material"})
    assert created.status_code == 302
    edit_url = created.headers["Location"]
    page = client.get(edit_url).get_data(as_text=True)
    assert "Sepsis bundle" in page
    material_id = int(edit_url.rstrip("/").split("/")[-2])
    version = session.get(MaterialVersion, session.get(Material, material_id).latest.id)
    file_id = make_file(session, teacher.school, "bundle.pdf").id
    assert (
        client.post(f"/materials/{material_id}/files", data={"file_id": str(file_id)}).status_code
        == 302
    )
    form = {
        "revision": str(version.revision),
        "title": "Sepsis bundle <script>x</script>",
        "summary": "Hour-1 bundle. <script>alert(1)</script>",
        "language": "en",
        "level": "clinical",
        "resource_type": "slides",
        "licence": "CC-BY-4.0",
        "regions": ["202", "419"],
        "setting": ["district-hospital"],
        "topics": "Sepsis\nShock",
        "then": "publish",
    }
    published = client.post(edit_url, data=form)
    assert published.status_code == 302, published.get_data(as_text=True)[:2000]
    show = client.get(f"/materials/{material_id}").get_data(as_text=True)
    assert "Sepsis bundle" in show and "<script>alert(1)" not in show
    assert "Why can I see this?" in show and "belongs to your school" in show


def test_the_edit_page_shows_every_problem_inline(client: FlaskClient, session: Session) -> None:
    teacher = TeacherFactory()
    sign_in(client, teacher)
    material = publishing.create_draft(session, teacher)
    response = client.post(
        f"/materials/{material.id}/edit",
        data={"revision": "1", "language": "zz-zz-zz", "level": "nope", "then": "save"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "language" in page and "Allowed: preclinical" in page


def test_a_hidden_material_is_404_on_every_page(client: FlaskClient, session: Session) -> None:
    hidden = make_material(session, title="Secret exam bank")
    sign_in(client, TeacherFactory())
    for url in (
        f"/materials/{hidden.id}",
        f"/materials/{hidden.id}?v=1",
        f"/materials/{hidden.id}/compare?a=1&b=1",
        f"/materials/{hidden.id}/v/1/files/{hidden.published.files[0].id}/x.pdf",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/materials/{hidden.id}/v/1/adapt").status_code == 404
    assert client.post(f"/materials/{hidden.id}/v/1/adopt").status_code == 404
    assert client.post(f"/materials/{hidden.id}/edit", data={"revision": "1"}).status_code == 404
    assert "Secret exam bank" not in client.get("/browse").get_data(as_text=True)


def test_browse_shows_what_the_person_may_discover(client: FlaskClient, session: Session) -> None:
    make_material(session, title="Open course", grants=[("public", [], "view")])
    make_material(session, title="Members course", grants=[("consortium", [], "view")])
    lmc = make_material(session, title="For LMC schools", grants=[("income", ["LMC"], "view")])
    anonymous = client.get("/browse").get_data(as_text=True)
    assert "Open course" in anonymous and "Members course" not in anonymous
    kenyan = StudentFactory(school=SchoolFactory(country="KE"))  # LMC
    sign_in(client, kenyan)
    seen = client.get("/browse").get_data(as_text=True)
    assert "Members course" in seen and "For LMC schools" in seen
    client.post("/sign-out")
    sign_in(client, StudentFactory(school=SchoolFactory(country="SE")))  # HIC
    assert "For LMC schools" not in client.get("/browse").get_data(as_text=True)
    assert client.get(f"/materials/{lmc.id}").status_code == 404


@pytest.mark.parametrize(
    ("largest_chunk", "page_size"),
    [(4, 3), (50, 3), (5, 1)],
    ids=["chunks-smaller-than-a-page", "chunks-that-grow", "pages-of-one"],
)
def test_browse_pages_through_the_catalogue_in_chunks_without_gaps_or_repeats(
    client: FlaskClient,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    largest_chunk: int,
    page_size: int,
) -> None:
    import datetime as dt
    import re

    from hub.services import catalogue
    from hub.web import materials as pages

    monkeypatch.setattr(catalogue, "BROWSE_CHUNK", largest_chunk)
    monkeypatch.setattr(pages, "PAGE_SIZE", page_size)
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    expected = []
    for n in range(14):
        public = n % 3 == 0  # two in three are for members only: hidden from visitors
        made = make_material(
            session,
            title=f"Course {n:02d}",
            grants=[("public" if public else "consortium", [], "view")],
        )
        # Several share a publication time: the order falls back to the id.
        made.versions[0].published_at = when + dt.timedelta(days=n // 2)
        if public:
            expected.append(f"Course {n:02d}")
    session.commit()
    expected.sort(key=lambda t: (-(int(t[-2:]) // 2), -int(t[-2:])))
    pages = [expected[start : start + page_size] for start in range(0, len(expected), page_size)]
    for number, titles in enumerate(pages, start=1):
        html = client.get(f"/browse?page={number}").get_data(as_text=True)
        assert re.findall(r">(Course \d\d)<", html) == titles, f"page {number}"
        assert (f"page={number + 1}" in html) == (number < len(pages)), f"next of {number}"


def test_a_suspended_school_sees_only_public_materials(
    client: FlaskClient, session: Session
) -> None:
    make_material(session, title="Open course", grants=[("public", [], "view")])
    make_material(session, title="Members course", grants=[("consortium", [], "view")])
    sign_in(client, StudentFactory(school=SchoolFactory(status=MembershipStatus.SUSPENDED)))
    page = client.get("/browse").get_data(as_text=True)
    assert "Open course" in page and "Members course" not in page


def test_view_only_means_no_download(client: FlaskClient, session: Session) -> None:
    material = make_material(session, grants=[("consortium", [], "view")])
    sign_in(client, StudentFactory())
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert "Download</a>" not in page
    file_id = material.published.files[0].id
    response = client.get(f"/materials/{material.id}/v/1/files/{file_id}/lecture.pdf")
    assert response.status_code == 403
    assert b"does not let others download" in response.data


def test_teachers_only_materials_never_reach_students(
    client: FlaskClient, session: Session
) -> None:
    bank = make_material(
        session, title="Exam bank", teachers_only=True, grants=[("consortium", [], "view,download")]
    )
    student = StudentFactory()
    sign_in(client, student)
    assert client.get(f"/materials/{bank.id}").status_code == 404
    client.post("/sign-out")
    sign_in(client, TeacherFactory())
    assert client.get(f"/materials/{bank.id}").status_code == 200
    assert Role.STUDENT.value == "student"


def test_a_student_follows_progress_through_a_module(client: FlaskClient, session: Session) -> None:
    school = SchoolFactory()
    teacher = TeacherFactory(school=school)
    a = make_material(session, school, title="Step one")
    b = make_material(session, school, title="Step two")
    module = publishing.create_draft(session, teacher, MaterialKind.MODULE).latest
    modules.set_module_items(session, teacher, module, [a.published.id, b.published.id], [])
    module.state = VersionState.PUBLISHED
    session.flush()
    student = StudentFactory(school=school)
    sign_in(client, student)
    page = client.get(f"/materials/{module.material_id}").get_data(as_text=True)
    assert "0 of 2 done" in page and page.index("Step one") < page.index("Step two")
    first = module.items[0].id
    assert (
        client.post(
            f"/materials/{module.material_id}/v/1/items/{first}/done", data={"done": "1"}
        ).status_code
        == 302
    )
    assert "1 of 2 done" in client.get(f"/materials/{module.material_id}").get_data(as_text=True)
    assert client.post(f"/materials/{module.material_id}/v/1/items/99999/done").status_code == 404


def test_publishing_extracts_the_text_of_the_files_for_search(
    client: FlaskClient, session: Session
) -> None:
    from hub.services.sample_files import pdf_document

    teacher = TeacherFactory()
    sign_in(client, teacher)
    material = publishing.create_draft(session, teacher)
    version = material.latest
    publishing.save_draft(session, teacher, version, GOOD, version.revision)
    session.flush()
    pdf = pdf_document("Oxytocin dosing", ["Give ten units intramuscularly."])
    upload = client.post(
        "/api/files?filename=oxytocin.pdf", data=pdf, headers={"Accept": "application/json"}
    )
    assert upload.status_code == 201
    client.post(f"/materials/{material.id}/files", data={"file_id": str(upload.get_json()["id"])})
    published = client.post(f"/materials/{material.id}/publish")
    body = published.get_data(as_text=True)
    assert published.status_code == 302, body[body.find("Please correct") :][:600]
    session.expire_all()
    assert "ten units intramuscularly" in session.get(MaterialVersion, version.id).extracted_text


def _selects_of_page(client: FlaskClient, connection: Connection, address: str) -> list[str]:
    with statements_sent(connection) as sent:
        assert client.get(address).status_code == 200
    return [s for s in sent if s.lstrip().upper().startswith("SELECT")]


def test_listing_pages_do_not_query_per_material(
    client: FlaskClient, session: Session, connection: Connection
) -> None:
    """The number of queries of /browse does not grow with the number of materials shown."""
    sign_in(client, StudentFactory())
    for i in range(3):
        make_material(session, title=f"Few {i}", grants=[("consortium", [], "view")])
    few = len(_selects_of_page(client, connection, "/browse"))
    for i in range(20):
        make_material(session, title=f"Many {i}", grants=[("consortium", [], "view")])
    selects = _selects_of_page(client, connection, "/browse")
    many = len(selects)
    assert many == few, f"{few} queries for 3 materials, {many} for 23: {selects[-8:]}"


def test_a_material_page_does_not_query_per_file(
    client: FlaskClient, session: Session, connection: Connection
) -> None:
    """A version's files (and their records) are read together, however many it has."""
    sign_in(client, StudentFactory())
    one = make_material(session, grants=[("consortium", [], "view")])
    five = make_material(session, grants=[("consortium", [], "view")])
    for position in range(1, 5):
        record = make_file(session, five.school, name=f"part-{position}.pdf")
        five.latest.attachments.append(VersionFile(file_id=record.id, position=position))
    session.commit()
    few = _selects_of_page(client, connection, f"/materials/{one.id}")
    many = _selects_of_page(client, connection, f"/materials/{five.id}")
    assert len(many) == len(few), many


def test_a_material_page_reads_the_policys_facts_once(
    client: FlaskClient, session: Session, connection: Connection
) -> None:
    """The facts the policy decides on (grants, the school's ceiling) are read once a page,
    the original of an adaptation's with the rest: counting the view afterwards does not
    read them again."""
    original = make_material(session, title="Original", grants=[("consortium", [], "view")])
    adaptation = make_material(
        session, original.school, title="Adapted", grants=[("consortium", [], "view")]
    )
    adaptation.adapted_from_version_id = original.latest.id
    session.commit()
    sign_in(client, StudentFactory())
    selects = _selects_of_page(client, connection, f"/materials/{adaptation.id}")
    grants = [s for s in selects if "FROM audience_grant" in s]
    assert len(grants) == 2, grants  # the adaptation's, then its original's


XSS_CORPUS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "<iframe src=//evil.example></iframe>",
    "{{ 7*7 }}",
]


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_no_text_field_can_run_script_on_the_material_page(
    client: FlaskClient, session: Session, payload: str
) -> None:
    teacher = TeacherFactory()
    version = publishing.create_draft(session, teacher, MaterialKind.MODULE).latest
    data = good_metadata(
        title=payload,
        summary=payload,
        topics=[payload],
        authors=[payload],
        tags=[payload],
        specialty=payload,
        objectives=[payload],
    )
    publishing.save_draft(session, teacher, version, data, version.revision)
    version.change_note = payload
    session.flush()
    sign_in(client, teacher)
    page = client.get(f"/materials/{version.material_id}").get_data(as_text=True)
    assert active_content(page) == []
    assert "{{ 7*7 }}" not in payload or ">49<" not in page


def active_content(html: str) -> list[str]:
    """Script elements, event-handler attributes and javascript: links in ``html``."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Finder(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("script", "iframe", "object", "embed") and not dict(attrs).get(
                "src", ""
            ).startswith("/static/"):
                found.append(tag)
            for name, value in attrs:
                if name.startswith("on"):
                    found.append(f"{tag}[{name}]")
                if name in ("href", "src") and (value or "").strip().lower().startswith(
                    "javascript:"
                ):
                    found.append(f"{tag}[{name}=javascript:]")

    Finder().feed(html)
    return found


def test_markdown_files_are_shown_on_the_page(client: FlaskClient, session: Session) -> None:
    teacher = TeacherFactory()
    sign_in(client, teacher)
    upload = client.post(
        "/api/files?filename=notes.md",
        data=b"# Key points\n\n* **Oxygen** first\n<script>x</script>",
        headers={"Accept": "application/json"},
    )
    assert upload.status_code == 201
    material = publishing.create_draft(session, teacher)
    session.flush()
    client.post(f"/materials/{material.id}/files", data={"file_id": str(upload.get_json()["id"])})
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert "<strong>Oxygen</strong>" in page and "<script>x" not in page


def test_the_active_content_finder_finds_active_content() -> None:
    assert active_content('<img src=x onerror="alert(1)"><a href="javascript:x">y</a>') == [
        "img[onerror]",
        "a[href=javascript:]",
    ]
    assert active_content("<script>alert(1)</script>") == ["script"]
    assert active_content('<script src="/static/upload.js"></script>') == []


def test_my_list_keeps_bookmarks_but_never_shows_what_became_hidden(
    client: FlaskClient, session: Session
) -> None:
    material = make_material(
        session, title="Bookmarked course", grants=[("consortium", [], "view")]
    )
    student = StudentFactory()
    sign_in(client, student)
    assert client.post(f"/materials/{material.id}/bookmark").status_code == 302
    assert "Bookmarked course" in client.get("/my-list").get_data(as_text=True)
    material.grants.clear()  # the owner withdraws the grant
    session.flush()
    assert "Bookmarked course" not in client.get("/my-list").get_data(as_text=True)
    hidden = make_material(session, title="Never shared")
    assert client.post(f"/materials/{hidden.id}/bookmark").status_code == 404


def test_compare_shows_words_not_codes(client: FlaskClient, session: Session) -> None:
    material = make_material(session, grants=[("consortium", [], "view")])
    version = material.published
    assert version is not None
    version.countries, version.income = ["MW"], ["LIC"]
    session.commit()
    sign_in(client, TeacherFactory())
    page = client.get(f"/materials/{material.id}/compare?a=1&b=1").get_data(as_text=True)
    assert "Malawi" in page and "English" in page and "Low income" in page.replace("-", " ")
    assert ">MW<" not in page and ">None<" not in page and ">en<" not in page


def test_attaching_a_file_keeps_what_the_teacher_typed_in_the_draft(
    client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory()
    material = make_material(session, teacher.school, published=False)
    version = material.latest
    upload = make_file(session, teacher.school, "case.pdf")
    session.commit()
    sign_in(client, teacher)
    answer = client.post(
        f"/materials/{material.id}/files",
        data={
            "revision": str(version.revision),
            "title": "Dengue triage",
            "summary": "Typed before attaching a file.",
            "file_id": str(upload.id),
        },
    )
    assert answer.status_code == 302
    session.expire_all()
    assert version.summary == "Typed before attaching a file."
    assert upload.id in {a.file_id for a in version.attachments}
