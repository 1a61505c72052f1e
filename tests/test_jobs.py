"""Jobs (``hub.jobs``): with ``HUB_REDIS_URL`` they wait in Redis for a ``hub worker``, are
tried again when they fail, and end on the consortium admins' dead-letter list after the last
try, where they can be run again or deleted; without Redis they run here, as before.

Tests with Redis talk to a real ``redis-server`` (``tests/redis_server.py``), a database of
their own each; the worker runs in the test's process (``--burst``), on the test's database.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import jobs
from hub.mail import queue_mail, sent_messages
from hub.models import Material, MaterialVersion, Rendition
from hub.search import index_for, shutdown
from hub.services import files, publishing, renditions
from hub.services.sample_files import pdf_document
from hub.storage import store_for
from tests.conftest import make_app, sign_in
from tests.content_store.moto_server import free_port
from tests.factories import (
    GOOD,
    ConsortiumAdminFactory,
    SchoolAdminFactory,
    SchoolFactory,
    TeacherFactory,
)
from tests.test_unread_text import WORD, publish_text_file

TO = "dean@makerere.example.org"


@pytest.fixture()
def redis_app(app_config: dict[str, Any], connection: Any, redis_url: str) -> Any:
    """The test app with jobs in Redis, tried again at once (no wait between tries)."""
    app_config["HUB_REDIS_URL"] = redis_url
    app_config["HUB_JOB_RETRY_INTERVALS"] = "0,0,0"
    application = make_app(app_config, connection)
    yield application
    shutdown(application)


def _queued(app: Flask) -> list[str]:
    """The names of the jobs waiting in the app's queue, in order."""
    return [job.args[0] for job in jobs.queue_for(app).get_jobs()]


def _publish_with_text_file(app: Flask, client: FlaskClient, session: Session) -> Material:
    """A teacher publishes, through the page, a material with a text file holding ``WORD``."""
    _teacher, material = publish_text_file(app, client, session, store_for(app))
    return material


def _publish_with_pdf(app: Flask, session: Session) -> Material:
    """A teacher publishes, through the page, a material with a PDF of one page."""
    teacher = TeacherFactory()
    material = publishing.create_draft(session, teacher)
    draft = material.latest
    publishing.save_draft(session, teacher, draft, GOOD, draft.revision)
    pdf = pdf_document("Oxytocin dosing", ["Give ten units intramuscularly."])
    record = files.record_bytes(
        session, store_for(app), teacher.school, pdf, "oxytocin.pdf", "application/pdf"
    )
    session.flush()
    publishing.attach_files(session, teacher, draft, [record.id])
    session.commit()
    client = app.test_client()
    sign_in(client, teacher)
    assert client.post(f"/materials/{material.id}/publish").status_code == 302
    session.expire_all()
    return material


def _first_page(session: Session, sha256: str) -> Rendition | None:
    """The first page of the file ``sha256`` rendered at the width pages open at, if made."""
    return session.scalar(
        select(Rendition).where(
            Rendition.source_sha256 == sha256,
            Rendition.page == 1,
            Rendition.width == renditions.DEFAULT_WIDTH,
        )
    )


def _text_of(session: Session, material: Material) -> str:
    session.expire_all()
    version = session.get(MaterialVersion, material.published.id)  # type: ignore[union-attr]
    return version.extracted_text or "" if version is not None else ""


def _found(app: Flask, material: Material) -> bool:
    tokens = [f"own-staff:{material.school_id}"]
    return str(material.id) in [
        h.id for h in index_for(app).search(WORD, person_tokens=tokens).hits
    ]


# With Redis -------------------------------------------------------------------------------------


def test_publishing_queues_the_text_extraction_instead_of_reading_in_the_request(
    redis_app: Flask, session: Session
) -> None:
    material = _publish_with_text_file(redis_app, redis_app.test_client(), session)
    assert _queued(redis_app)[:2] == ["extract_text", "render_previews"]
    assert WORD not in _text_of(session, material)


def test_a_worker_extracts_the_text_and_search_finds_it(redis_app: Flask, session: Session) -> None:
    material = _publish_with_text_file(redis_app, redis_app.test_client(), session)
    assert jobs.work(redis_app, burst=True)
    assert WORD in _text_of(session, material)
    assert _found(redis_app, material)
    assert _queued(redis_app) == []


def test_digest_send_queues_a_job_per_school_that_a_worker_mails(
    redis_app: Flask, session: Session
) -> None:
    SchoolAdminFactory(school=SchoolFactory(name="Lagos"), email=TO)
    session.commit()
    result = redis_app.test_cli_runner().invoke(args=["digest", "send"])
    assert result.exit_code == 0, result.output
    queued = _queued(redis_app)
    assert "queued for" in result.output and queued and set(queued) == {"digest"}
    with redis_app.app_context():
        assert sent_messages() == []
    jobs.work(redis_app, burst=True)
    with redis_app.app_context():
        [message] = [m for m in sent_messages() if m["To"] == TO]
    assert message["Subject"].startswith("Lagos in ")
    assert "http://hub.test/school/report" in message.get_content()


def test_a_worker_renders_the_first_page_of_a_published_pdf(
    redis_app: Flask, session: Session
) -> None:
    material = _publish_with_pdf(redis_app, session)
    record = material.published.files[0]  # type: ignore[union-attr]
    assert _first_page(session, record.sha256) is None
    jobs.work(redis_app, burst=True)
    assert _first_page(session, record.sha256) is not None


def _unreachable_mail_server(app: Flask) -> None:
    app.config.update(HUB_MAIL_SERVER="127.0.0.1", HUB_MAIL_PORT=free_port())


def test_a_failing_job_is_tried_again_then_kept_as_a_dead_letter(redis_app: Flask) -> None:
    _unreachable_mail_server(redis_app)
    with redis_app.app_context():
        queue_mail(TO, "Your digest", "Hello")
    jobs.work(redis_app, burst=True)
    [letter] = jobs.dead_letters(redis_app)
    assert letter.name == "mail" and letter.arguments == f"{TO!r}, 'Your digest', …"
    assert letter.error == f"hub.jobs.JobFailed: the mail server did not take the message to {TO}"
    with redis_app.app_context():  # each try hands the message on (and the server refuses it)
        assert len(sent_messages()) == 1 + jobs.RETRIES


def _dead_letter_page(app: Flask, session: Session) -> tuple[FlaskClient, str]:
    _unreachable_mail_server(app)
    with app.app_context():
        queue_mail(TO, "Your digest", "Hello")
    jobs.work(app, burst=True)
    client = app.test_client()
    sign_in(client, ConsortiumAdminFactory())
    return client, client.get("/consortium/jobs").get_data(as_text=True)


def test_consortium_admins_see_what_failed_why_and_when(redis_app: Flask, session: Session) -> None:
    _client, page = _dead_letter_page(redis_app, session)
    assert "1 job that failed every try" in page
    assert f"the mail server did not take the message to {TO}" in page
    assert "Run again" in page and "Delete" in page


def test_run_again_from_the_page_runs_the_job_once_more(redis_app: Flask, session: Session) -> None:
    client, _page = _dead_letter_page(redis_app, session)
    [letter] = jobs.dead_letters(redis_app)
    redis_app.config["HUB_MAIL_SERVER"] = None  # the mail server is mended: mail goes to the log
    answer = client.post(f"/consortium/jobs/{letter.id}/retry", follow_redirects=True)
    assert "The job is queued again" in answer.get_data(as_text=True)
    assert _queued(redis_app) == ["mail"]
    jobs.work(redis_app, burst=True)
    with redis_app.app_context():
        assert len(sent_messages()) == 1 + jobs.RETRIES + 1
    assert jobs.dead_letters(redis_app) == []


def test_a_dead_letter_can_be_deleted(redis_app: Flask, session: Session) -> None:
    client, _page = _dead_letter_page(redis_app, session)
    [letter] = jobs.dead_letters(redis_app)
    answer = client.post(f"/consortium/jobs/{letter.id}/delete", follow_redirects=True)
    assert "The job is deleted." in answer.get_data(as_text=True)
    assert jobs.dead_letters(redis_app) == []
    again = client.post(f"/consortium/jobs/{letter.id}/retry", follow_redirects=True)
    assert "no longer on the list" in again.get_data(as_text=True)


def test_a_job_id_that_is_not_one_is_not_found(redis_app: Flask, session: Session) -> None:
    client = redis_app.test_client()
    sign_in(client, ConsortiumAdminFactory())
    assert client.post("/consortium/jobs/..%2Fsecret/retry").status_code == 404
    assert client.post(f"/consortium/jobs/{'a' * 32}/rerun").status_code == 404


@pytest.mark.parametrize("factory", [SchoolAdminFactory, TeacherFactory])
def test_only_consortium_admins_see_the_dead_letters(
    redis_app: Flask, session: Session, factory: Any
) -> None:
    client = redis_app.test_client()
    sign_in(client, factory())
    assert client.get("/consortium/jobs").status_code == 403
    assert client.post(f"/consortium/jobs/{'a' * 32}/delete").status_code == 403


def test_hub_worker_burst_exits_when_the_queue_is_empty(redis_app: Flask) -> None:
    result = redis_app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output


def test_rate_limits_are_counted_in_redis(
    app_config: dict[str, Any], connection: Any, redis_url: str
) -> None:
    from redis import Redis

    app_config.update(HUB_REDIS_URL=redis_url, RATELIMIT_ENABLED=True)
    app = make_app(app_config, connection)
    app.test_client().post("/sign-in", data={"email": "a@b.org", "password": "wrong"})
    assert any(key.startswith(b"LIMITS") for key in Redis.from_url(redis_url).scan_iter())


# Without Redis ----------------------------------------------------------------------------------


def test_without_redis_publishing_reads_the_text_before_the_answer(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    material = _publish_with_text_file(app, client, session)
    assert WORD in _text_of(session, material)
    assert _found(app, material)


def test_without_redis_publishing_renders_the_first_page_of_a_pdf(
    app: Flask, session: Session
) -> None:
    material = _publish_with_pdf(app, session)
    assert _first_page(session, material.published.files[0].sha256) is not None  # type: ignore[union-attr]


def test_without_redis_a_job_runs_here_and_a_failure_is_logged_not_raised(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    _unreachable_mail_server(app)
    with app.app_context():
        ticket = jobs.enqueue("mail", TO, "Your digest", "Hello")
    assert not ticket.queued and isinstance(ticket.error, jobs.JobFailed)
    assert "job mail" in caplog.text


def test_hub_worker_without_redis_says_why_it_cannot_run(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "no HUB_REDIS_URL" in result.output


def test_the_dead_letter_page_says_jobs_run_in_process_without_redis(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sign_in(client, ConsortiumAdminFactory())
    page = client.get("/consortium/jobs").get_data(as_text=True)
    assert "HUB_REDIS_URL is not set" in page
