"""Uploads and downloads through the hub, on the local store and on S3 (moto over HTTP)."""

from __future__ import annotations

import hashlib
import io
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from hub.models import File, Person
from hub.services.store_check import check_store
from hub.storage import store_for
from tests.conftest import make_app, sign_in
from tests.factories import StudentFactory, TeacherFactory

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + b"x" * 5000
PNG = (
    bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + b"\0" * 64
)
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\0" * 200
ELF_PROGRAM = b"\x7fELF\x02\x01\x01\x00" + b"\0" * 200


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture()
def files_app(
    backend: str,
    app_config: dict[str, Any],
    connection: Connection,
    request: pytest.FixtureRequest,
) -> Iterator[Flask]:
    """The hub on the local store or on an S3 bucket of the moto server."""
    if backend == "s3":
        endpoint = request.getfixturevalue("moto_server")
        bucket = request.getfixturevalue("s3_bucket")
        app_config["HUB_CONTENT_STORE_URL"] = f"s3://{bucket}/hub"
        app_config["HUB_S3_ENDPOINT_URL"] = endpoint
        app_config["HUB_S3_REGION"] = "us-east-1"
    application = make_app(app_config, connection)
    yield application


@pytest.fixture()
def teacher(files_app: Flask, session: Session) -> Person:
    return TeacherFactory()


@pytest.fixture()
def client(files_app: Flask, teacher: Person) -> FlaskClient:  # type: ignore[override]
    c = files_app.test_client()
    sign_in(c, teacher)
    return c


def _upload(client: FlaskClient, data: bytes, name: str) -> Any:
    return client.post(
        f"/api/files?filename={name}", data=data, headers={"Accept": "application/json"}
    )


def _content(client: FlaskClient, url: str, **headers: str) -> tuple[int, bytes, Any]:
    """Follow a redirect to S3 over real HTTP; local answers come straight from the app."""
    response = client.get(url, headers=headers)
    if response.status_code == 302:
        request = urllib.request.Request(response.headers["Location"], headers=headers)
        with urllib.request.urlopen(request, timeout=10) as remote:
            return remote.status, remote.read(), remote.headers
    return response.status_code, response.data, response.headers


def test_an_upload_comes_back_byte_identical(client: FlaskClient, session: Session) -> None:
    response = _upload(client, PDF, "Cardiology lecture.pdf")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["media_type"] == "application/pdf"
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest() and body["size"] == len(PDF)
    status, data, headers = _content(client, body["url"])
    assert (status, data) == (200, PDF)
    assert "attachment" in headers["Content-Disposition"]
    assert "Cardiology" in headers["Content-Disposition"]


def test_the_form_upload_works_without_javascript(client: FlaskClient, session: Session) -> None:
    response = client.post(
        "/files", data={"file": (io.BytesIO(PNG), "scan.png")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    record = session.scalar(select(File).where(File.filename == "scan.png"))
    assert record is not None and record.media_type == "image/png"


def test_identical_content_is_stored_once(
    files_app: Flask, client: FlaskClient, session: Session
) -> None:
    first = _upload(client, PDF, "a.pdf").get_json()
    second = _upload(client, PDF, "b.pdf").get_json()
    assert first["id"] != second["id"] and first["sha256"] == second["sha256"]
    with files_app.app_context():
        blobs = list(store_for(files_app).iter_blobs())
    assert [b.sha256 for b in blobs] == [first["sha256"]]


def test_range_requests_let_a_video_seek(client: FlaskClient, backend: str) -> None:
    body = _upload(client, PDF, "notes.pdf").get_json()
    status, data, headers = _content(client, body["url"], Range="bytes=100-199")
    assert status == 206
    assert data == PDF[100:200]
    assert headers["Content-Range"] == f"bytes 100-199/{len(PDF)}"


def test_local_downloads_answer_conditional_requests(client: FlaskClient, backend: str) -> None:
    if backend != "local":
        pytest.skip("S3 answers conditional requests itself")
    body = _upload(client, PDF, "notes.pdf").get_json()
    first = client.get(body["url"])
    assert first.headers["ETag"].strip('"') == body["sha256"]
    again = client.get(body["url"], headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_s3_downloads_redirect_to_a_short_lived_url(client: FlaskClient, backend: str) -> None:
    if backend != "s3":
        pytest.skip("local downloads are streamed")
    body = _upload(client, PDF, "notes.pdf").get_json()
    response = client.get(body["url"])
    assert response.status_code == 302
    assert "X-Amz-Expires=300" in response.headers["Location"]


def test_inline_only_for_types_that_cannot_run_scripts(client: FlaskClient) -> None:
    pdf = _upload(client, PDF, "a.pdf").get_json()
    _, _, headers = _content(client, pdf["url"] + "?inline=1")
    assert headers["Content-Disposition"].startswith("inline")
    zipped = _upload(client, b"PK\x03\x04" + b"\0" * 100, "scorm.zip").get_json()
    _, _, headers = _content(client, zipped["url"] + "?inline=1")
    assert headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (WINDOWS_PROGRAM, "lecture.pdf", "is a Windows program"),
        (ELF_PROGRAM, "slides.pptx", "is a program"),
        (b"#!/bin/sh\nrm -rf /\n", "setup.sh", "looks like a program"),
        (b"<html><script>alert(1)</script></html>", "page.html", "upload web content as a ZIP"),
        (bytes(range(256)) * 4, "mystery.dat", "could not recognise the type"),
        (b"", "empty.pdf", "is empty"),
    ],
)
def test_refused_uploads_say_why_and_record_nothing(
    client: FlaskClient, session: Session, data: bytes, name: str, message: str
) -> None:
    response = _upload(client, data, name)
    assert response.status_code == 415
    assert message in response.get_json()["error"]
    assert session.scalar(select(func.count()).select_from(File)) == 0


def test_text_and_markdown_are_accepted(client: FlaskClient) -> None:
    assert _upload(client, "# Anémie\n".encode(), "notes.md").get_json()["media_type"] == (
        "text/markdown"
    )
    assert _upload(client, b"plain words", "notes.txt").get_json()["media_type"] == "text/plain"


def test_an_upload_over_the_limit_is_413_with_the_limit_in_words(
    app_config: dict[str, Any], connection: Connection, session: Session
) -> None:
    app_config["HUB_MAX_UPLOAD_MB"] = 1
    application = make_app(app_config, connection)
    client = application.test_client()
    sign_in(client, TeacherFactory())
    response = _upload(client, PDF + b"0" * (1024 * 1024), "big.pdf")
    assert response.status_code == 413
    assert "1 MB" in response.get_json()["error"]
    with application.app_context():
        assert list(store_for(application).iter_blobs()) == []


def test_students_cannot_upload(files_app: Flask, session: Session) -> None:
    client = files_app.test_client()
    sign_in(client, StudentFactory())
    assert _upload(client, PDF, "a.pdf").status_code == 403


def test_another_schools_file_is_404(files_app: Flask, client: FlaskClient) -> None:
    body = _upload(client, PDF, "a.pdf").get_json()
    stranger = files_app.test_client()
    sign_in(stranger, TeacherFactory())
    assert stranger.get(body["url"]).status_code == 404
    assert stranger.get("/files/999999/x.pdf").status_code == 404


def test_the_database_failing_after_the_blob_is_written_loses_nothing(
    files_app: Flask, client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    import hub.services.files as files_service

    def broken_record(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT", {}, Exception("database is gone"))

    monkeypatch.setattr(files_service.audit, "record", broken_record)
    response = _upload(client, PDF, "a.pdf")
    assert response.status_code == 500
    assert session.scalar(select(func.count()).select_from(File)) == 0
    with files_app.app_context():
        report = check_store(session, store_for(files_app))
    assert [b.sha256 for b in report.orphan_blobs] == [hashlib.sha256(PDF).hexdigest()]
    assert not report.missing_blobs


def test_the_store_failing_mid_upload_is_503_and_leaves_nothing(
    app_config: dict[str, Any],
    connection: Connection,
    session: Session,
    s3_bucket: str,
    s3_client: Any,
    moto_server: str,
) -> None:
    from tests.content_store.moto_server import FaultyS3Proxy, s3_leftovers

    proxy = FaultyS3Proxy(moto_server, good_parts=1)
    try:
        app_config.update(
            HUB_CONTENT_STORE_URL=f"s3://{s3_bucket}/hub",
            HUB_S3_ENDPOINT_URL=proxy.url,
            HUB_S3_REGION="us-east-1",
        )
        application = make_app(app_config, connection)
        client = application.test_client()
        sign_in(client, TeacherFactory())
        big = PDF + b"v" * (20 * 1024 * 1024)  # multipart: the proxy fails the second part
        response = _upload(client, big, "big.pdf")
    finally:
        proxy.close()
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert "Nothing was saved" in error
    # Addresses, buckets and upload ids are for the log, not for the person.
    assert "127.0.0.1" not in error and s3_bucket not in error and "hub/tmp" not in error
    assert session.scalar(select(func.count()).select_from(File)) == 0
    assert s3_leftovers(s3_client, s3_bucket, "hub") == []


def test_two_uploads_of_the_same_content_at_once(
    backend: str, app_config: dict[str, Any], request: pytest.FixtureRequest, tmp_path: Any
) -> None:
    """Real concurrency needs real transactions: this app has its own migrated database."""
    from hub import migrate
    from tests import factories

    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    migrate.upgrade(url)
    app_config["HUB_DATABASE_URL"] = url
    if backend == "s3":
        app_config.update(
            HUB_CONTENT_STORE_URL=f"s3://{request.getfixturevalue('s3_bucket')}/hub",
            HUB_S3_ENDPOINT_URL=request.getfixturevalue("moto_server"),
            HUB_S3_REGION="us-east-1",
        )
    application = make_app(app_config)
    own = application.extensions["hub.db"].new_session()
    factories.bind(own)
    teacher = TeacherFactory()
    own.commit()
    data = PDF + b"y" * (3 * 1024 * 1024)
    clients = []
    for _ in range(2):
        c = application.test_client()
        sign_in(c, teacher)
        clients.append(c)
    results: list[int] = []
    threads = [
        threading.Thread(
            target=lambda c=c: results.append(_upload(c, data, "same.pdf").status_code)
        )
        for c in clients
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [201, 201]
    with application.app_context():
        report = check_store(own, store_for(application))
    assert report.clean and report.blobs == 1 and report.records == 2
    factories.bind(None)
    own.close()


def test_nginx_can_serve_the_bytes_through_x_accel_redirect(
    app_config: dict[str, Any], connection: Connection, session: Session
) -> None:
    app_config["HUB_X_ACCEL_REDIRECT"] = "/_blobs/"
    application = make_app(app_config, connection)
    client = application.test_client()
    sign_in(client, TeacherFactory())
    body = _upload(client, PDF, "a.pdf").get_json()
    response = client.get(body["url"])
    sha = body["sha256"]
    assert response.headers["X-Accel-Redirect"] == f"/_blobs/sha256/{sha[:2]}/{sha[2:4]}/{sha}"
    assert response.data == b""
    assert response.headers["Content-Type"] == "application/pdf"
