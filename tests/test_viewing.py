"""Viewing without downloading: with 'view' and without 'download', a person reads PDF pages as
images the server renders, sees images at screen size, streams video and audio, and never gets
the original file by any address."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.models import File, Material, Rendition, School, VersionFile
from hub.services import files, renditions, sample_files
from hub.services.store_check import check_store
from hub.storage import store_for
from tests.conftest import sign_in
from tests.factories import SchoolFactory, TeacherFactory, make_material

VIEW_ONLY = [("consortium", [], "view")]
DOWNLOAD = [("consortium", [], "view,download")]


def _with_file(
    session: Session,
    app: Flask,
    data: bytes,
    media_type: str,
    filename: str,
    grants: list[tuple[str, list[str], str]],
    school: School | None = None,
) -> tuple[Material, File]:
    """A published material of another school whose one file holds ``data``."""
    material = make_material(session, school or SchoolFactory(), grants=grants)
    record = files.record_bytes(
        session, store_for(app), material.school, data, filename, media_type
    )
    session.flush()
    version = material.published
    assert version is not None
    version.attachments[:] = [VersionFile(file_id=record.id, position=0)]
    session.commit()
    return material, record


def _base(material: Material, record: File) -> str:
    return f"/materials/{material.id}/v/1/files/{record.id}"


def _pdf(pages: int = 3) -> bytes:
    return sample_files.pdf_document("Dengue triage", ["Warning signs."], pages=pages)


def test_a_view_only_reader_gets_no_original_by_any_address(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    material, record = _with_file(session, app, _pdf(), "application/pdf", "d.pdf", VIEW_ONLY)
    sign_in(client, TeacherFactory())
    for suffix in ("/d.pdf", "/d.pdf?inline=1", "/x.pdf?inline=1&download=0", "/stream"):
        response = client.get(_base(material, record) + suffix)
        assert response.status_code in (403, 404), suffix
        assert not response.get_data().startswith(b"%PDF"), suffix


def test_a_view_only_reader_reads_pdf_pages_as_images(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    material, record = _with_file(session, app, _pdf(3), "application/pdf", "d.pdf", VIEW_ONLY)
    sign_in(client, TeacherFactory())
    page = client.get(_base(material, record) + "/view?page=2")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Page 2 of 3" in html
    assert f"{_base(material, record)}/pages/2.png?width=800" in html
    image = client.get(_base(material, record) + "/pages/2.png?width=800")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert Image.open(io.BytesIO(image.get_data())).width == 800


def test_the_material_page_offers_reading_on_screen_and_no_download_link(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    material, record = _with_file(session, app, _pdf(), "application/pdf", "d.pdf", VIEW_ONLY)
    sign_in(client, TeacherFactory())
    html = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert f"{_base(material, record)}/view" in html
    assert f"{_base(material, record)}/d.pdf" not in html


def test_pages_are_rendered_once_and_kept_in_the_content_store(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    material, record = _with_file(session, app, _pdf(2), "application/pdf", "d.pdf", VIEW_ONLY)
    sign_in(client, TeacherFactory())
    first = client.get(_base(material, record) + "/pages/1.png?width=480").get_data()
    again = client.get(_base(material, record) + "/pages/1.png?width=480").get_data()
    assert first == again
    count = select(func.count()).select_from(Rendition).where(Rendition.width == 480)
    assert session.scalar(count) == 1
    report = check_store(session, store_for(app), verify=False)
    assert report.orphan_blobs == []  # a rendered page is a recorded blob


@pytest.mark.parametrize("suffix", ["/pages/4.png", "/pages/1.png?width=333", "/view?page=9"])
def test_pages_beyond_the_document_or_at_other_widths_are_not_found(
    app: Flask, client: FlaskClient, session: Session, suffix: str
) -> None:
    material, record = _with_file(session, app, _pdf(3), "application/pdf", "d.pdf", VIEW_ONLY)
    sign_in(client, TeacherFactory())
    assert client.get(_base(material, record) + suffix).status_code == 404


def test_images_are_shown_at_screen_size_not_as_the_original(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    data = sample_files.png_image(2400, 1200, label="X-ray")
    material, record = _with_file(session, app, data, "image/png", "xray.png", VIEW_ONLY)
    sign_in(client, TeacherFactory())
    shown = client.get(_base(material, record) + "/pages/1.png?width=1600")
    assert shown.status_code == 200
    assert Image.open(io.BytesIO(shown.get_data())).width == 1600
    assert shown.get_data() != data
    assert client.get(_base(material, record) + "/xray.png?inline=1").status_code == 403


def test_video_is_streamed_with_ranges_to_a_view_only_reader(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    data = sample_files.lecture_video()
    material, record = _with_file(session, app, data, "video/mp4", "talk.mp4", VIEW_ONLY)
    sign_in(client, TeacherFactory())
    part = client.get(_base(material, record) + "/stream", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.get_data() == data[:100]
    html = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert f'<video controls preload="metadata" src="{_base(material, record)}/stream"' in html


def test_a_package_has_no_preview_and_says_why(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    data = sample_files.docx_document("Ward round", ["Checklist."])
    kind = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    material, record = _with_file(session, app, data, kind, "round.docx", VIEW_ONLY)
    sign_in(client, TeacherFactory())
    html = client.get(_base(material, record) + "/view").get_data(as_text=True)
    if renditions.office_converter() is None:
        assert "no preview" in html
        assert client.get(_base(material, record) + "/pages/1.png").status_code == 404
    assert client.get(_base(material, record) + "/round.docx").status_code == 403


def test_with_the_download_right_the_original_is_served(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    data = _pdf()
    material, record = _with_file(session, app, data, "application/pdf", "d.pdf", DOWNLOAD)
    sign_in(client, TeacherFactory())
    response = client.get(_base(material, record) + "/d.pdf")
    assert response.status_code == 200 and response.get_data() == data
    assert "attachment" in response.headers["Content-Disposition"]


def test_a_reader_who_may_not_view_gets_not_found_for_pages_too(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    material, record = _with_file(session, app, _pdf(), "application/pdf", "d.pdf", [])
    sign_in(client, TeacherFactory())
    for suffix in ("/view", "/pages/1.png", "/d.pdf"):
        assert client.get(_base(material, record) + suffix).status_code == 404


def test_office_documents_are_read_as_pages_where_a_converter_is_installed(
    app: Flask,
    client: FlaskClient,
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A stand-in for LibreOffice's command line: it writes <outdir>/<name>.pdf as soffice does.
    converted = tmp_path / "converted.pdf"
    converted.write_bytes(_pdf(2))
    program = tmp_path / "soffice"
    program.write_text(
        "#!/bin/sh\n"
        'while [ "$1" != "--outdir" ]; do shift; done\n'
        'out="$2"; src="$3"; base=$(basename "$src"); name="${base%.*}"\n'
        f'cp "{converted}" "$out/$name.pdf"\n'
    )
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    data = sample_files.docx_document("Ward round", ["Checklist."])
    kind = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    material, record = _with_file(session, app, data, kind, "round.docx", VIEW_ONLY)
    sign_in(client, TeacherFactory())
    html = client.get(_base(material, record) + "/view").get_data(as_text=True)
    assert "Page 1 of 2" in html
    image = client.get(_base(material, record) + "/pages/2.png?width=480")
    assert image.status_code == 200 and image.mimetype == "image/png"
    conversions = select(func.count()).select_from(Rendition).where(Rendition.page == 0)
    assert session.scalar(conversions) == 1  # converted once, then read from the store
