"""``hub demo``: the demo consortium it loads, and that it can run again.

The demo is loaded once for this module on an empty database (it costs seconds), in a
transaction of its own that is rolled back after the module; each test runs in a savepoint of
it, so what one test writes (another ``hub demo``) the next does not see.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from hub.models import MembershipStatus, Person, Role, School
from hub.search import shutdown
from hub.services import geography
from hub.services.demo import DEMO_PASSWORD
from tests.conftest import app_settings, make_app


def _invoke(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture(scope="module")
def demo_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction of its own, rolled back after the module."""
    connection = engine.connect()
    outer = connection.begin()
    yield connection
    outer.rollback()
    connection.close()


@pytest.fixture(scope="module")
def first_run(
    demo_connection: Connection,
    database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Result]:
    """The demo's instance folder (its blobs and index), and the first run's result."""
    instance = tmp_path_factory.mktemp("demo-instance")
    demo_app = make_app(app_settings(instance, database_url), demo_connection)
    try:
        return instance, _invoke(demo_app, "demo")
    finally:
        shutdown(demo_app)


@pytest.fixture()
def connection(demo_connection: Connection, first_run: tuple[Path, Result]) -> Iterator[Connection]:
    """This module's tests run on the demo's connection, each in a savepoint of its own."""
    savepoint = demo_connection.begin_nested()
    yield demo_connection
    if savepoint.is_active:
        savepoint.rollback()


@pytest.fixture()
def app_config(app_config: dict[str, Any], first_run: tuple[Path, Result]) -> dict[str, Any]:
    """The test app reads the demo's blobs and index."""
    return {**app_config, "HUB_INSTANCE_PATH": str(first_run[0])}


def test_demo_covers_regions_income_groups_languages_and_roles(
    session: Session, first_run: tuple[Path, Result]
) -> None:
    _instance, result = first_run
    assert result.exit_code == 0, result.output
    schools = session.scalars(select(School)).all()
    active = [s for s in schools if s.status is MembershipStatus.ACTIVE]
    assert len(active) >= 12
    assert len({s.region for s in active}) >= 6
    assert {s.income_group.value for s in active} == {"HIC", "UMC", "LMC", "LIC"}
    assert len({lang for s in active for lang in s.languages}) >= 5
    assert {s.status for s in schools} == set(MembershipStatus)
    assert set(session.scalars(select(Person.role)).all()) == set(Role)
    for school in schools:
        assert school.region == geography.country(school.country).subregion_code
    assert "schooladmin1" in result.output and DEMO_PASSWORD in result.output


def test_demo_has_materials_in_many_languages_with_lineage_and_modules(
    app: Flask, session: Session
) -> None:
    from hub.models import Material, MaterialKind, MaterialVersion
    from hub.services.store_check import check_store
    from hub.storage import store_for

    materials = session.scalars(select(Material)).all()
    assert len([m for m in materials if m.kind is MaterialKind.MATERIAL]) >= 300
    assert len([m for m in materials if m.kind is MaterialKind.MODULE]) >= 5
    languages = {v.language.split("-")[0] for v in session.scalars(select(MaterialVersion))}
    assert len(languages) >= 6
    assert sum(1 for m in materials if len(m.versions) > 1) >= 20
    assert sum(1 for m in materials if m.translation_of_id) >= 10
    assert sum(1 for m in materials if m.adapted_from_version_id) >= 5
    with app.app_context():
        report = check_store(session, store_for(app), verify=False)
    assert report.clean and report.blobs > 300
    again = _invoke(app, "demo")
    assert "Added" not in again.output
    assert "(suspended: sees only public materials of others)" in again.output


def test_demo_is_idempotent(app: Flask, session: Session) -> None:
    count = session.scalar(select(func.count()).select_from(Person))
    result = _invoke(app, "demo")
    assert result.exit_code == 0
    assert "added now" not in result.output and "people." in result.output
    assert session.scalar(select(func.count()).select_from(Person)) == count


def test_a_demo_school_admin_can_sign_in(app: Flask, session: Session) -> None:
    client = app.test_client()
    response = client.post(
        "/sign-in",
        data={"email": "schooladmin1.ufmg@demo.example.org", "password": DEMO_PASSWORD},
    )
    assert response.status_code == 302
    assert b"Universidade Federal de Minas Gerais" in client.get("/school/").data


def test_demo_holds_a_review_history_at_every_stage(session: Session) -> None:
    from hub.models import InvitationState, Submission, SubmissionState

    submissions = session.scalars(select(Submission)).all()
    assert {s.state for s in submissions} >= {
        SubmissionState.ACCEPTED,
        SubmissionState.IN_REVIEW,
        SubmissionState.RETURNED,
        SubmissionState.REVISION,
        SubmissionState.DECLINED,
    }
    (in_review,) = [s for s in submissions if s.state is SubmissionState.IN_REVIEW]
    assert sorted(i.state.value for i in in_review.invitations) == sorted(
        [InvitationState.ACCEPTED.value, InvitationState.INVITED.value]
    )
    for submission in submissions:
        assert submission.editor is not None
        assert submission.editor.school_id != submission.school_id
        assert all(i.school_id != submission.school_id for i in submission.invitations)


def test_the_demos_accepted_material_shows_as_peer_reviewed_with_a_signed_review(
    session: Session,
) -> None:
    from hub.models import Review, Submission, SubmissionState
    from hub.services.review_state import review_state_of

    accepted = session.scalars(
        select(Submission).where(Submission.state == SubmissionState.ACCEPTED)
    ).first()
    assert accepted is not None
    assert review_state_of(session, accepted.material).kind == "peer_reviewed"
    signed = session.scalars(
        select(Review).where(Review.submission_id == accepted.id, Review.signed.is_(True))
    ).all()
    assert signed


def test_the_demo_has_editors_and_reviewers_of_several_schools(session: Session) -> None:
    from hub.services import review_people

    editors = review_people.editors(session)
    assert len({e.person.school_id for e in editors}) >= 2
    assert all(e.topics and e.languages for e in editors)
    reviewers = review_people.reviewers(session)
    assert len({r.person.school_id for r in reviewers}) >= 3


def test_loading_the_demo_again_adds_no_review_history(app: Flask, session: Session) -> None:
    from hub.models import Editor, Notification, Review, Reviewer, ReviewInvitation, Submission

    tables = (Editor, Reviewer, Submission, ReviewInvitation, Review, Notification)

    def counts() -> list[int | None]:
        return [session.scalar(select(func.count()).select_from(t)) for t in tables]

    before = counts()
    result = _invoke(app, "demo")
    assert result.exit_code == 0, result.output
    assert "peer review history" not in result.output
    assert counts() == before


def test_the_first_load_says_it_added_a_review_history(first_run: tuple[Path, Result]) -> None:
    assert "Added a peer review history: 5 submissions" in first_run[1].output
