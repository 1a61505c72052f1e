"""Counting uses by COUNTER's rules, and the figures a school admin shows their dean: give and
take, where in the world, the trend against last year, one material's use, the consortium's
flows. Aggregates only; small counts shown as "< 5"."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.models import Material, Person, School, UsageEvent, UsageFlow, UsageMonth, utcnow
from hub.services import statistics, usage
from hub.services.catalogue import Catalogue
from tests.conftest import sign_in
from tests.factories import (
    SchoolAdminFactory,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    make_material,
)

PUBLIC = [("public", [], "view,download")]
NOW = dt.datetime(2026, 11, 15, 12, 0, tzinfo=dt.UTC)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _use(
    session: Session, material: Material, person: Person | None, at: dt.datetime, **kw: object
) -> bool:
    assert material.published is not None
    return usage.record(
        session, kw.pop("kind", "download"), material.published, person, now=at, **kw
    )  # type: ignore[arg-type]


def _events(session: Session) -> int:
    return session.scalar(select(func.count(UsageEvent.id))) or 0


def _month(session: Session) -> tuple[int, int]:
    row = session.execute(select(func.sum(UsageMonth.events), func.sum(UsageMonth.visitors))).one()
    return int(row[0] or 0), int(row[1] or 0)


# Counting ---------------------------------------------------------------------------------------


def test_a_double_click_counts_once(session: Session) -> None:
    material, reader = make_material(session, grants=PUBLIC), StudentFactory()
    assert _use(session, material, reader, NOW)
    assert not _use(session, material, reader, NOW + dt.timedelta(seconds=29))
    assert _use(session, material, reader, NOW + dt.timedelta(seconds=31))
    assert _events(session) == 2


def test_a_visitor_counts_once_a_day_as_a_unique_visitor(session: Session) -> None:
    material, reader = make_material(session, grants=PUBLIC), StudentFactory()
    _use(session, material, reader, NOW)
    _use(session, material, reader, NOW + dt.timedelta(hours=2))
    _use(session, material, reader, NOW + dt.timedelta(days=1))
    assert _month(session) == (3, 2)  # three uses, a unique visitor on each of two days


def test_visitors_not_signed_in_are_told_apart_by_their_digest(session: Session) -> None:
    material = make_material(session, grants=PUBLIC)
    day = NOW.date()
    one = usage.visitor_digest("secret", "10.0.0.1", FIREFOX, day)
    two = usage.visitor_digest("secret", "10.0.0.2", FIREFOX, day)
    assert _use(session, material, None, NOW, visitor=one)
    assert not _use(session, material, None, NOW + dt.timedelta(seconds=5), visitor=one)
    assert _use(session, material, None, NOW + dt.timedelta(seconds=5), visitor=two)
    assert "10.0.0" not in one and one != usage.visitor_digest(
        "secret", "10.0.0.1", FIREFOX, day + dt.timedelta(days=1)
    )


def test_robots_are_not_counted(session: Session) -> None:
    material = make_material(session, grants=PUBLIC)
    assert not _use(session, material, None, NOW, user_agent=GOOGLEBOT)
    assert _use(session, material, None, NOW, user_agent=FIREFOX)
    assert _events(session) == 1


def test_a_robot_fetching_a_page_is_not_counted(client: FlaskClient, session: Session) -> None:
    material = make_material(session, grants=PUBLIC)
    session.commit()
    client.get(f"/materials/{material.id}", headers={"User-Agent": GOOGLEBOT})
    assert _events(session) == 0
    client.get(f"/materials/{material.id}", headers={"User-Agent": FIREFOX})
    assert _events(session) == 1


def test_only_the_first_range_of_a_file_counts(client: FlaskClient, session: Session) -> None:
    material = make_material(session, grants=PUBLIC)
    reader = TeacherFactory()
    session.commit()
    sign_in(client, reader)
    file_id = material.published.files[0].id  # type: ignore[union-attr]
    path = f"/materials/{material.id}/v/1/files/{file_id}/file"
    client.get(path, headers={"Range": "bytes=0-9"})
    client.get(path, headers={"Range": "bytes=10-19"})
    kinds = list(session.scalars(select(UsageEvent.kind).where(UsageEvent.kind == "download")))
    assert kinds == ["download"]


@given(st.integers(min_value=0, max_value=10_000))
def test_small_counts_are_never_shown_as_they_are(count: int) -> None:
    words = statistics.shown(count)
    if 0 < count < statistics.SMALL:
        assert words == "< 5"
    else:
        assert words == str(count)


# A school's figures -----------------------------------------------------------------------------


def _dashboard(session: Session, school: School, reader: Person) -> statistics.SchoolDashboard:
    return statistics.school_dashboard(session, Catalogue.of(session, reader), school, "2026-11")


def test_give_and_take_and_where_in_the_world(session: Session) -> None:
    ours = SchoolFactory(country="KE")
    material = make_material(session, ours, title="Triage in Nairobi", grants=PUBLIC)
    brazil, india = SchoolFactory(country="BR"), SchoolFactory(country="IN", income_group="LMC")
    for reader in (
        StudentFactory(school=brazil),
        StudentFactory(school=brazil),
        StudentFactory(school=india),
    ):
        _use(session, material, reader, NOW)
    _use(session, material, StudentFactory(school=ours), NOW)  # our own use is not "given"
    _use(session, material, None, NOW, visitor="v1")
    theirs = make_material(session, brazil, grants=PUBLIC)
    _use(session, theirs, TeacherFactory(school=ours), NOW)
    admin = SchoolAdminFactory(school=ours)
    board = _dashboard(session, ours, admin)
    assert (board.given.total, board.taken.total) == (4, 1)
    assert board.by_country == {"BR": 2, "IN": 1}
    assert board.visitors == 1
    assert board.by_income["LMC"] == 1
    assert [(t.title, t.uses) for t in board.top] == [("Triage in Nairobi", 4)]
    assert board.gives_more


def test_the_trend_compares_with_the_same_months_last_year(session: Session) -> None:
    ours = SchoolFactory()
    material = make_material(session, ours, grants=PUBLIC)
    reader = StudentFactory()
    _use(session, material, reader, NOW)
    _use(session, material, reader, NOW - dt.timedelta(days=365))
    _use(session, material, reader, NOW - dt.timedelta(days=366, hours=1))
    board = _dashboard(session, ours, SchoolAdminFactory(school=ours))
    assert (board.given.total, board.given.total_last_year) == (1, 2)
    assert board.given.change == -0.5
    assert len(board.given.this_year) == len(board.given.last_year) == 12


def test_a_material_the_reader_may_not_see_is_never_named(session: Session) -> None:
    other = SchoolFactory()
    hidden = make_material(session, other, title="Canary kept at home")
    reader = StudentFactory(school=other)
    _use(session, hidden, reader, NOW)
    outsider = SchoolAdminFactory()
    board = statistics.school_dashboard(session, Catalogue.of(session, outsider), other, "2026-11")
    assert all("Canary" not in t.title for t in board.top)


def test_the_usage_month_equals_the_events(session: Session) -> None:
    material = make_material(session, grants=PUBLIC)
    for n in range(7):
        _use(session, material, StudentFactory(), NOW + dt.timedelta(minutes=n), kind="view")
    assert _month(session)[0] == _events(session) == 7


def _flows(session: Session, table: type[UsageFlow] | type[UsageMonth]) -> set[tuple[object, ...]]:
    parts = (table.month, table.kind, table.owner_school_id, table.school_id)
    return set(
        session.execute(
            select(*parts, func.sum(table.events), func.sum(table.visitors)).group_by(*parts)
        ).all()
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),  # which reader (3: a visitor not signed in)
            st.integers(0, 1),  # which material
            st.sampled_from(usage.KINDS),
            st.integers(0, 90 * 24 * 60),  # minutes after the first use
        ),
        min_size=1,
        max_size=12,
    )
)
def test_the_flows_between_schools_add_up_to_the_months(
    session: Session, uses: list[tuple[int, int, str, int]]
) -> None:
    """Whatever is recorded, ``usage_flow`` holds exactly ``usage_month`` without the
    material: the dashboards' two sources never disagree."""
    owner = SchoolFactory()
    materials = [make_material(session, owner, grants=PUBLIC) for _ in range(2)]
    readers: list[Person | None] = [
        StudentFactory(),
        TeacherFactory(school=owner),
        StudentFactory(),
    ]
    for who, which, kind, minutes in uses:
        at = NOW + dt.timedelta(minutes=minutes)
        _use(session, materials[which], readers[who] if who < 3 else None, at, kind=kind,
             visitor=None if who < 3 else "visitor-digest")  # fmt: skip
    assert _flows(session, UsageFlow) == _flows(session, UsageMonth)


# One material, and the consortium -----------------------------------------------------------------


def test_a_materials_use_by_kind_country_and_what_was_made_of_it(session: Session) -> None:
    ours = SchoolFactory()
    material = make_material(session, ours, grants=[("public", [], "view,download,adapt")])
    elsewhere = SchoolFactory(country="PE")
    teacher = TeacherFactory(school=elsewhere)
    _use(session, material, teacher, NOW, kind="view")
    _use(session, material, teacher, NOW, kind="adoption")
    stats = statistics.material_statistics(
        session, Catalogue.of(session, TeacherFactory(school=ours)), material, "2026-11"
    )
    assert {k: t.total for k, t in stats.by_kind.items()} == {"adoption": 1, "view": 1}
    assert stats.by_country == {"PE": 2}


def test_the_consortium_sees_flows_between_regions_and_who_only_takes(session: Session) -> None:
    kenya, peru, idle = (
        SchoolFactory(country="KE"),
        SchoolFactory(country="PE"),
        SchoolFactory(country="SE"),
    )
    material = make_material(session, kenya, title="Malaria rounds", grants=PUBLIC)
    _use(session, material, TeacherFactory(school=peru), NOW, kind="adoption")
    board = statistics.consortium_dashboard(session, Catalogue.of(session, None), "2026-11")
    assert board.region_flows == {(kenya.region, peru.region): 1}
    assert board.only_give == [kenya.name] and board.only_take == [peru.name]
    assert [t.title for t in board.across_regions] == ["Malaria rounds"]
    assert idle.name not in board.only_give + board.only_take


def test_this_month_is_the_default_period(session: Session) -> None:
    assert statistics.Period(statistics.this_month()).end == utcnow().strftime("%Y-%m")
    assert statistics.months_back("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]


# The pages -------------------------------------------------------------------------------------


def _csv_rows(client: FlaskClient, path: str) -> list[list[str]]:
    import csv
    import io

    answer = client.get(path)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_dashboards_csv_totals_equal_the_pages(client: FlaskClient, session: Session) -> None:
    ours = SchoolFactory()
    material = make_material(session, ours, grants=PUBLIC)
    for country in ("BR", "BR", "IN", "PE", "PE", "PE", "PE", "PE", "PE"):
        _use(session, material, StudentFactory(school=SchoolFactory(country=country)), utcnow())
    admin = SchoolAdminFactory(school=ours)
    session.commit()
    sign_in(client, admin)
    page = client.get("/school/report").get_data(as_text=True)
    rows = _csv_rows(client, "/school/report/countries.csv")
    assert rows[0] == ["Country", "Uses"]
    assert ["Brazil", "< 5"] in rows and ["Peru", "6"] in rows
    assert rows[-1] == ["Total", "9"]
    assert 'class="num total">9<' in page


def test_only_the_owner_schools_staff_see_a_materials_statistics(
    client: FlaskClient, session: Session
) -> None:
    material = make_material(session, grants=PUBLIC)
    outsider, own = TeacherFactory(), TeacherFactory(school=material.school)
    session.commit()
    sign_in(client, outsider)
    assert client.get(f"/materials/{material.id}/statistics").status_code == 403
    client.post("/sign-out")
    sign_in(client, own)
    assert client.get(f"/materials/{material.id}/statistics").status_code == 200


def test_a_hidden_materials_statistics_are_not_found(client: FlaskClient, session: Session) -> None:
    hidden = make_material(session, title="Canary")
    session.commit()
    sign_in(client, TeacherFactory())
    assert client.get(f"/materials/{hidden.id}/statistics").status_code == 404


def test_the_consortium_dashboard_is_the_consortium_admins(
    client: FlaskClient, session: Session
) -> None:
    from tests.factories import ConsortiumAdminFactory

    kenya = SchoolFactory(country="KE")
    material = make_material(session, kenya, grants=PUBLIC)
    _use(
        session,
        material,
        TeacherFactory(school=SchoolFactory(country="PE")),
        utcnow(),
        kind="adoption",
    )
    admin = ConsortiumAdminFactory()
    session.commit()
    sign_in(client, TeacherFactory())
    assert client.get("/consortium/statistics").status_code == 403
    client.post("/sign-out")
    sign_in(client, admin)
    page = client.get("/consortium/statistics").get_data(as_text=True)
    assert "Sub-Saharan Africa" in page and "Latin America and the Caribbean" in page
    assert "&lt; 5" in page
