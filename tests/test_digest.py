"""The monthly digest to school admins and the notice to a teacher whose material another
school adapts or translates: the dashboard's figures, in each reader's language, sent once,
never naming what the reader may not view, and nothing from a change that was rolled back."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.models import AuditEvent, Material, MembershipStatus, Person, School
from hub.services import digest, lineage, statistics, usage
from hub.services.catalogue import Catalogue
from tests.conftest import sign_in
from tests.factories import (
    SchoolAdminFactory,
    SchoolFactory,
    TeacherFactory,
    make_material,
)

MONTH = "2026-03"  # the digest's month (a month that has ended)
YEAR_BEFORE = "2025-03"
MONTH_BEFORE = "2026-02"
SHARED = [("consortium", [], "view,download,adapt")]


def _use(session: Session, material: Material, person: Person, month: str, times: int) -> None:
    """``times`` downloads of ``material`` by ``person`` in ``month``, a minute apart."""
    start = dt.datetime.fromisoformat(f"{month}-10T08:00:00+00:00")
    assert material.published is not None
    for n in range(times):
        at = start + dt.timedelta(minutes=n)
        assert usage.record(session, "download", material.published, person, now=at)


def _invoke(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["digest", "send", *args])


def _sent(app: Flask, to: str | None = None) -> list[EmailMessage]:
    from hub.mail import sent_messages

    with app.app_context():
        return [m for m in sent_messages() if to is None or m["To"] == to]


def _body(message: EmailMessage) -> str:
    return str(message.get_content())


def _digests(session: Session, school: School) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == digest.ACTION, AuditEvent.school_id == school.id)
        )
        or 0
    )


@pytest.fixture()
def giver(session: Session) -> dict[str, Any]:
    """A school whose two materials others used in the month, and whose teacher used
    another school's: seven and two uses from Brazil and Kenya in the month, five a year
    before, three the month before (not the digest's), and six taken."""
    school = SchoolFactory(name="Makerere", country="UG", languages=["en"])
    admin = SchoolAdminFactory(school=school, email="dean@makerere.example.org")
    first = make_material(session, school, title="Malaria in pregnancy", grants=SHARED)
    second = make_material(session, school, title="Neonatal sepsis", grants=SHARED)
    brazil = TeacherFactory(school=SchoolFactory(country="BR"))
    kenya = TeacherFactory(school=SchoolFactory(country="KE"))
    _use(session, first, brazil, MONTH, 7)
    _use(session, second, kenya, MONTH, 2)
    _use(session, first, brazil, YEAR_BEFORE, 5)
    _use(session, first, kenya, MONTH_BEFORE, 3)
    elsewhere = make_material(session, brazil.school, title="Dengue", grants=SHARED)
    _use(session, elsewhere, TeacherFactory(school=school), MONTH, 6)
    session.commit()
    return {"school": school, "admin": admin, "first": first, "second": second}


# The figures ------------------------------------------------------------------------------------


def test_the_digest_tells_the_dashboards_figures_of_its_month(
    app: Flask, session: Session, giver: dict[str, Any]
) -> None:
    school, admin = giver["school"], giver["admin"]
    catalogue = Catalogue.of(session, admin)
    with app.app_context():
        found = digest.figures(session, catalogue, school, MONTH)
        board = statistics.school_dashboard(session, catalogue, school, end=MONTH)
    assert (found.given, found.given_last_year) == (board.given.this_year[-1], 5) == (9, 5)
    assert (found.taken, found.taken_last_year) == (board.taken.this_year[-1], 0) == (6, 0)
    assert [(t.title, t.uses) for t in found.top] == [
        ("Malaria in pregnancy", 7),
        ("Neonatal sepsis", 2),
    ]
    assert found.by_country == {"BR": 7, "KE": 2}  # February's three uses are not March's


def test_the_digest_names_the_months_figures_and_what_changed(
    app: Flask, session: Session, giver: dict[str, Any]
) -> None:
    result = _invoke(app, "--month", MONTH)
    assert result.exit_code == 0, result.output
    [message] = _sent(app, "dean@makerere.example.org")
    body = _body(message)
    assert message["Subject"] == "Makerere in March 2026: your materials were used 9 times"
    assert "used your materials 9 times (up 80% from 5 in March 2025)" in body
    assert "materials 6 times (none in March 2025)" in body
    assert "1. Malaria in pregnancy — 7\n2. Neonatal sepsis — < 5" in body
    assert "Countries reached: Brazil (7) and Kenya (< 5)." in body
    assert "http://hub.test/school/report" in body
    assert "Makerere: sent to 1" in result.output


def test_small_counts_are_shown_as_under_five(app: Flask, session: Session) -> None:
    school = SchoolFactory(name="Gondar")
    SchoolAdminFactory(school=school, email="admin@gondar.example.org")
    material = make_material(session, school, grants=SHARED)
    _use(session, material, TeacherFactory(), MONTH, 3)
    _use(session, material, TeacherFactory(), YEAR_BEFORE, 2)
    session.commit()
    assert _invoke(app, "--month", MONTH).exit_code == 0
    [message] = _sent(app, "admin@gondar.example.org")
    body = _body(message)
    assert message["Subject"].endswith("your materials were used < 5 times")
    # Two small counts are not compared: up or down would tell what "< 5" hides.
    assert "used your materials < 5 times (< 5 in March 2025)" in body
    assert " 3 " not in body and ": 3" not in body and " 2 " not in body


def test_the_change_is_told_in_words(app: Flask) -> None:
    with app.app_context():
        words = [
            digest.change_words(now, before, YEAR_BEFORE)
            for now, before in [(12, 10), (8, 10), (10, 10), (40, 3), (0, 20), (3, 0), (0, 0)]
        ]
    assert words == [
        "up 20% from 10 in March 2025",
        "down 20% from 10 in March 2025",
        "as many as in March 2025",
        "up from < 5 in March 2025",
        "down from 20 in March 2025",
        "none in March 2025",
        "none in March 2025 either",
    ]


def test_a_quiet_month_still_gets_a_short_digest(app: Flask, session: Session) -> None:
    school = SchoolFactory(name="Quiet School")
    SchoolAdminFactory(school=school, email="admin@quiet.example.org")
    session.commit()
    assert _invoke(app, "--month", MONTH).exit_code == 0
    [message] = _sent(app, "admin@quiet.example.org")
    assert message["Subject"] == "Quiet School in March 2026: no use of your materials by others"
    body = _body(message)
    assert "no other school and no visitor used the materials of Quiet School" in body
    assert "Given:" not in body and "http://hub.test/school/report" in body


# Who gets it, in which language ---------------------------------------------------------------


def test_each_admin_reads_it_in_their_own_language(app: Flask, session: Session) -> None:
    dakar = SchoolFactory(name="Dakar", country="SN", languages=["fr", "wo"])
    SchoolAdminFactory(school=dakar, email="chose@dakar.example.org", interface_language="es")
    SchoolAdminFactory(school=dakar, email="school@dakar.example.org")  # the school's French
    nairobi = SchoolFactory(name="Nairobi", languages=["sw", "en"])
    SchoolAdminFactory(school=nairobi, email="admin@nairobi.example.org")  # no Swahili: English
    SchoolAdminFactory(school=nairobi, email="gone@nairobi.example.org", active=False)
    TeacherFactory(school=nairobi, email="teacher@nairobi.example.org")
    SchoolAdminFactory(
        school=SchoolFactory(status=MembershipStatus.SUSPENDED), email="admin@suspended.org"
    )
    session.commit()
    assert _invoke(app, "--month", MONTH).exit_code == 0
    subjects = {m["To"]: m["Subject"] for m in _sent(app)}
    assert subjects["chose@dakar.example.org"].startswith("Dakar en marzo de 2026:")
    assert subjects["school@dakar.example.org"].startswith("Dakar en mars 2026 :")
    assert subjects["admin@nairobi.example.org"].startswith("Nairobi in March 2026:")
    for nobody in ("gone@nairobi", "teacher@nairobi", "admin@suspended"):
        assert not any(to.startswith(nobody) for to in subjects)


def test_titles_come_through_the_readers_catalogue(
    app: Flask, session: Session, giver: dict[str, Any]
) -> None:
    # The figures are titled for a reader: what that reader may not view is left out, never
    # named (a school's admin views all of its own materials; another school's reader not).
    reader = TeacherFactory()
    with app.app_context():
        found = digest.figures(session, Catalogue.of(session, reader), giver["school"], MONTH)
    assert [t.title for t in found.top] == ["Malaria in pregnancy", "Neonatal sepsis"]
    for grant in list(giver["second"].grants):
        session.delete(grant)
    session.flush()
    session.expire_all()
    catalogue = Catalogue.of(session, reader)
    with app.app_context():
        found = digest.figures(session, catalogue, giver["school"], MONTH)
    assert [t.title for t in found.top] == ["Malaria in pregnancy"]


# Once a month -----------------------------------------------------------------------------------


def test_running_twice_mails_each_admin_once(
    app: Flask, session: Session, giver: dict[str, Any]
) -> None:
    assert _invoke(app, "--month", MONTH).exit_code == 0
    SchoolAdminFactory(school=giver["school"], email="new@makerere.example.org")
    session.commit()
    again = _invoke(app, "--month", MONTH)
    assert again.exit_code == 0, again.output
    assert len(_sent(app, "dean@makerere.example.org")) == 1
    assert len(_sent(app, "new@makerere.example.org")) == 1  # added since: has it now
    assert "Makerere: sent to 1, 1 had it already" in again.output
    assert _invoke(app, "--month", MONTH).exit_code == 0
    assert len(_sent(app)) == len({m["To"] for m in _sent(app)})
    assert _digests(session, giver["school"]) == 2


def test_a_dry_run_prints_and_sends_nothing(
    app: Flask, session: Session, giver: dict[str, Any]
) -> None:
    result = _invoke(app, "--month", MONTH, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "To: dean@makerere.example.org (en)" in result.output
    assert "Subject: Makerere in March 2026: your materials were used 9 times" in result.output
    assert "Dry run: nothing was sent" in result.output
    assert _sent(app) == [] and _digests(session, giver["school"]) == 0


def test_a_failed_mail_is_sent_again_on_the_next_run(
    app: Flask, session: Session, giver: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(digest, "send_mail", lambda *_args: False)
    failed = _invoke(app, "--month", MONTH)
    assert failed.exit_code != 0
    assert (
        "check HUB_MAIL_SERVER" in failed.output and "run `hub digest send` again" in failed.output
    )
    monkeypatch.undo()
    assert _invoke(app, "--month", MONTH).exit_code == 0
    assert len(_sent(app, "dean@makerere.example.org")) == 1


@pytest.mark.parametrize(
    ("month", "reason"),
    [("2026-13", "is not a month"), ("March", "is not a month"), ("2999-01", "has not ended")],
)
def test_a_month_that_is_not_one_or_has_not_ended_is_refused(
    app: Flask, month: str, reason: str
) -> None:
    result = _invoke(app, "--month", month)
    assert result.exit_code != 0 and reason in result.output


def test_the_link_needs_the_hubs_address(
    app_config: dict[str, Any], connection: Any, session: Session
) -> None:
    from hub import create_app

    SchoolAdminFactory(school=SchoolFactory(name="Lagos"), email="admin@lagos.example.org")
    session.commit()
    app_config.pop("SERVER_NAME")
    app = create_app(app_config)
    app.extensions["hub.db"].bind_to(connection)
    refused = _invoke(app, "--month", MONTH)
    assert refused.exit_code != 0 and "--base-url https://hub.example.org" in refused.output
    assert _invoke(app, "--month", MONTH, "--base-url", "https://hub.example.org/x").exit_code == 0
    [message] = _sent(app, "admin@lagos.example.org")
    assert "https://hub.example.org/x/school/report" in _body(message)


# The notice of an adaptation or a translation ----------------------------------------------------


def _authored(session: Session, author: Person, **kw: Any) -> Material:
    material = make_material(session, author.school, **kw)
    material.created_by_id = author.id
    session.flush()
    return material


def test_the_author_hears_of_an_adaptation_in_their_language(app: Flask, session: Session) -> None:
    author = TeacherFactory(email="author@dakar.example.org", interface_language="fr")
    source = _authored(session, author, title="Paludisme grave", grants=SHARED)
    adapter = TeacherFactory(school=SchoolFactory(name="Kumasi"))
    with app.app_context():
        lineage.adapt(session, adapter, source.published)  # type: ignore[arg-type]
        assert _sent(app) == []  # nothing before the commit
        session.commit()
    [notice] = _sent(app)
    assert notice["To"] == "author@dakar.example.org"
    assert notice["Subject"] == (
        "Un enseignant de Kumasi a commencé une adaptation de Paludisme grave"
    )
    body = _body(notice)
    # The adaptation is Kumasi's draft: neither its title nor its address, nor who made it.
    assert "(adapted)" not in body and adapter.name not in body
    assert f"http://hub.test/materials/{source.id}\n" in body


def test_a_translation_the_author_may_view_is_named_and_linked(
    app: Flask, session: Session
) -> None:
    author = TeacherFactory(email="author@example.org")
    original = _authored(session, author, title="Severe malaria", grants=SHARED)
    translator = TeacherFactory(school=SchoolFactory(name="Maputo"))
    translation = make_material(
        session, translator.school, title="Malária grave", language="pt", grants=SHARED
    )
    with app.app_context():
        lineage.link_translation(session, translator, translation, original.id)
        session.commit()
        lineage.link_translation(session, translator, translation, original.id)
        session.commit()  # saved again as it was: no second notice
    [notice] = _sent(app)
    assert notice["Subject"] == "Maputo translated Severe malaria"
    body = _body(notice)
    assert (
        "Maputo linked “Malária grave” as a translation of your material “Severe malaria”" in body
    )
    assert f"http://hub.test/materials/{translation.id}\n" in body


def test_no_title_of_a_translation_the_author_may_not_view(app: Flask, session: Session) -> None:
    author = TeacherFactory(email="author@example.org")
    original = _authored(session, author, title="Severe malaria", grants=SHARED)
    translator = TeacherFactory(school=SchoolFactory(name="Maputo"))
    translation = make_material(session, translator.school, title="Secret plans", language="pt")
    with app.app_context():
        lineage.link_translation(session, translator, translation, original.id)
        session.commit()
    [notice] = _sent(app)
    assert notice["Subject"] == "A teacher at Maputo linked a translation of Severe malaria"
    assert "Secret plans" not in _body(notice) and f"/materials/{translation.id}" not in _body(
        notice
    )


def test_no_notice_for_an_adaptation_by_the_same_school(app: Flask, session: Session) -> None:
    author = TeacherFactory()
    source = _authored(session, author, grants=SHARED)
    with app.app_context():
        lineage.adapt(session, TeacherFactory(school=author.school), source.published)  # type: ignore[arg-type]
        session.commit()
    assert _sent(app) == []


def test_the_schools_admins_hear_when_the_author_is_gone(app: Flask, session: Session) -> None:
    author = TeacherFactory(active=False)
    SchoolAdminFactory(school=author.school, email="admin@example.org", interface_language="ar")
    source = _authored(session, author, title="Cholera", grants=SHARED)
    with app.app_context():
        lineage.adapt(session, TeacherFactory(), source.published)  # type: ignore[arg-type]
        session.commit()
    [notice] = _sent(app)
    assert notice["To"] == "admin@example.org" and "Cholera" in notice["Subject"]
    assert notice["Subject"] != "Cholera" and "adaptation" not in notice["Subject"]  # in Arabic


def test_a_rolled_back_adaptation_sends_nothing(app: Flask, session: Session) -> None:
    source = _authored(session, TeacherFactory(), grants=SHARED)
    session.commit()
    with app.app_context():
        lineage.adapt(session, TeacherFactory(), source.published)  # type: ignore[arg-type]
        session.rollback()
        session.commit()
    assert _sent(app) == []


def test_adapting_through_the_page_tells_the_author_after_the_commit(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    author = TeacherFactory(email="author@example.org")
    source = _authored(session, author, title="Snakebite", grants=SHARED)
    adapter = TeacherFactory(school=SchoolFactory(name="Juba"))
    session.commit()
    sign_in(client, adapter)
    answer = client.post(f"/materials/{source.id}/v/1/adapt")
    assert answer.status_code == 302
    [notice] = _sent(app, "author@example.org")
    assert notice["Subject"] == "A teacher at Juba started an adaptation of Snakebite"


def test_work_queued_in_a_savepoint_rolled_back_is_forgotten(session: Session) -> None:
    from hub.services.after_commit import call_after_commit

    done: list[str] = []
    call_after_commit(session, lambda: done.append("kept"))
    savepoint = session.begin_nested()
    call_after_commit(session, lambda: done.append("rolled back"))
    savepoint.rollback()
    assert done == []
    session.commit()
    assert done == ["kept"]
    session.commit()  # runs once
    assert done == ["kept"]
