"""IdListSelect: rows read on the DB-API cursor equal the rows SQLAlchemy's Core gives.

The suite runs on SQLite and on PostgreSQL, so both dialects' SQL, parameter styles and
value conversions (JSON lists, enums, booleans, UTC timestamps) are checked here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hub.models import AudienceGrant, Material, MaterialVersion, MembershipStatus, School
from hub.models.queries import IdListSelect
from hub.services import discovery
from tests.factories import SchoolFactory, make_material, publish_new_version

STATEMENTS = {"versions": discovery._CURRENT_VERSIONS, "grants": discovery._GRANTS}
# The same statements as Core runs them, with an expanding IN list.
CORE_IDS = bindparam("ids", expanding=True)


def _core_rows(session: Session, name: str, ids: list[int]) -> list[tuple[Any, ...]]:
    statement = STATEMENTS[name].build(CORE_IDS)  # type: ignore[arg-type]  # in_() takes either
    rows = session.connection().execute(statement, {"ids": ids}).all()
    return [tuple(row) for row in rows]


def _catalogue(session: Session) -> list[int]:
    """Materials with every kind of value the card statements read."""
    school = SchoolFactory(ceiling_audience="consortium", ceiling_rights=["view", "download"])
    plain = make_material(session, school, grants=[("public", [], "view")])
    several = make_material(
        session,
        title="Paludisme et grossesse",
        language="fr",
        licence="CC-BY-NC-4.0",
        teachers_only=True,
        grants=[("regions", ["014", "202"], "view,download"), ("income", ["LIC"], "view")],
    )
    several.available_from = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    several.grants[0].expires_at = dt.datetime(2027, 6, 30, 12, 0, tzinfo=dt.UTC)
    version = publish_new_version(session, several, "Paludisme et grossesse, 2e édition", "fr")
    version.other_languages = ["en", "sw"]
    version.regions = ["014"]
    version.setting = ["rural-remote", "primary-care"]
    version.resources = ["low-resource"]
    retired = make_material(session, grants=[("consortium", [], "view")])
    retired.retired_at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    draft = make_material(session, published=False)
    session.flush()
    return [plain.id, several.id, retired.id, draft.id]


def test_rows_equal_cores_for_the_card_statements(session: Session) -> None:
    ids = _catalogue(session)
    for name, query in STATEMENTS.items():
        for chosen in (ids, ids[:1], ids[::-1], [*ids, 987_654]):
            assert query.rows(session.connection(), chosen) == _core_rows(session, name, chosen)


def test_values_come_back_converted(session: Session) -> None:
    ids = _catalogue(session)
    rows = discovery._CURRENT_VERSIONS.rows(session.connection(), ids)
    by_title = {row[16]: row for row in rows}  # the title, after the facts and id, number
    edition = by_title["Paludisme et grossesse, 2e édition"]
    assert edition[1] is not None and edition[1].value == "published"  # an enum member
    assert edition[8] is True  # teachers_only, a boolean also on SQLite
    assert edition[9] == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)  # aware UTC
    assert edition[18] == ["en", "sw"]  # a JSON list


def test_no_ids_reads_nothing(session: Session) -> None:
    assert discovery._GRANTS.rows(session.connection(), []) == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(picks=st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=40))
def test_any_list_of_ids_reads_what_core_reads(session: Session, picks: list[int]) -> None:
    """Lengths that are not powers of two, repeated ids and unknown ids alike."""
    known = session.scalars(select(Material.id).order_by(Material.id)).all()
    if not known:
        known = _catalogue(session)
    ids = [known[p] if p < len(known) else 10_000_000 + p for p in picks]
    for name, query in STATEMENTS.items():
        assert query.rows(session.connection(), ids) == _core_rows(session, name, ids)


def test_a_statement_with_its_own_bound_values(session: Session) -> None:
    """Values bound in the statement itself (an enum here), not only the ids, are sent as
    the dialect wants them."""
    active, suspended = SchoolFactory(), SchoolFactory(status=MembershipStatus.SUSPENDED)
    query = IdListSelect(
        lambda ids: select(School.id, School.status).where(
            School.id.in_(ids), School.status == MembershipStatus.ACTIVE
        )
    )
    assert query.rows(session.connection(), [active.id, suspended.id]) == [
        (active.id, MembershipStatus.ACTIVE)
    ]


def test_grants_and_versions_are_read_by_material(session: Session) -> None:
    ids = _catalogue(session)
    grant_rows = discovery._GRANTS.rows(session.connection(), ids)
    expected = session.scalars(
        select(AudienceGrant.material_id).where(AudienceGrant.material_id.in_(ids))
    ).all()
    assert sorted(row[0] for row in grant_rows) == sorted(expected)
    version_rows = discovery._CURRENT_VERSIONS.rows(session.connection(), ids)
    published = session.scalars(
        select(MaterialVersion.material_id).where(
            MaterialVersion.material_id.in_(ids), MaterialVersion.state == "published"
        )
    ).all()
    assert sorted(row[14] for row in version_rows) == sorted(published)
