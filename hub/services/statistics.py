"""What membership is worth, in figures: a school's give and take, where its materials are
used, one material's use, and the flows of the whole consortium.

Everything is read from the roll-ups that ``usage.record`` keeps as it records a use, never
from the events: ``usage_flow`` (a month's uses between two schools) for give and take and
the consortium's flows, ``usage_month`` (the same by material) where a material is named. A
dashboard reads hundreds or thousands of rows, not millions. Only aggregates are
shown — schools and countries, never people — and a count under ``SMALL`` is shown as
"< 5" (:func:`shown`), so that no one's use can be picked out of a small figure. Titles of
materials come through the catalogue (the one door) for the person who asks.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, func, literal_column, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from ..models import Material, MaterialVersion, School, UsageFlow, UsageMonth, utcnow
from .catalogue import Catalogue
from .review_credit import reviews_given_in_months

#: Counts below this are shown as "< 5" (aggregates only; no one is picked out).
SMALL = 5
#: Rows of a "top" list.
TOP = 10


def shown(count: int) -> str:
    """A count as a dashboard shows it: "< 5" for 1 to 4, the number otherwise."""
    return f"< {SMALL}" if 0 < count < SMALL else str(count)


def months_back(end: str, count: int) -> list[str]:
    """The ``count`` months ('YYYY-MM') that end with ``end``, oldest first."""
    year, month = (int(part) for part in end.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def this_month(now: dt.datetime | None = None) -> str:
    """The current month, 'YYYY-MM'."""
    return (now or utcnow()).strftime("%Y-%m")


@dataclass(frozen=True)
class Period:
    """Twelve months ending with ``end``, and the twelve before them (for the trend)."""

    end: str

    @property
    def months(self) -> list[str]:
        return months_back(self.end, 12)

    @property
    def last_year(self) -> list[str]:
        return months_back(months_back(self.end, 13)[0], 12)

    @property
    def first(self) -> str:
        return self.last_year[0]


@dataclass(frozen=True)
class Trend:
    """Uses by month this year and the same months a year before, with the totals."""

    months: list[str]
    this_year: list[int]
    last_year: list[int]

    @property
    def total(self) -> int:
        return sum(self.this_year)

    @property
    def total_last_year(self) -> int:
        return sum(self.last_year)

    @property
    def change(self) -> float | None:
        """The change against last year as a fraction (None: nothing last year)."""
        before = self.total_last_year
        return None if before == 0 else (self.total - before) / before


@dataclass(frozen=True)
class Top:
    """A material among a dashboard's most used: its id, title as the reader may see it, uses."""

    material_id: int
    title: str
    uses: int


@dataclass(frozen=True)
class SchoolDashboard:
    """One school's figures over ``period``: what it gives (uses of its materials by other
    schools and visitors) and takes (its people's uses of other schools' materials)."""

    school: School
    period: Period
    given: Trend
    taken: Trend
    given_by_kind: dict[str, int]
    given_by_kind_last_year: dict[str, int]
    taken_by_kind: dict[str, int]
    by_country: dict[str, int]  # where the materials are used (the using school's country)
    by_school: list[tuple[str, int]]
    by_income: dict[str, int]
    by_region: dict[str, int]
    visitors: int  # uses by people of no school (not signed in)
    unique: int  # unique visitors per day, summed
    top: list[Top]
    taken_from: list[tuple[str, int]]  # the schools whose materials ours use most
    reviews_given: Trend | None = None  # peer reviews our people gave; the year as one bucket

    @property
    def gives_more(self) -> bool:
        return self.given.total >= self.taken.total


def _sum(column: InstrumentedAttribute[int]) -> ColumnElement[int]:
    return func.coalesce(func.sum(column), 0)


Rollup = type[UsageFlow] | type[UsageMonth]


def _given(school: School, table: Rollup = UsageFlow) -> tuple[ColumnElement[bool], ...]:
    """The uses a school gives: of its materials, by other schools' people and by visitors."""
    return (
        table.owner_school_id == school.id,
        or_(table.school_id.is_(None), table.school_id != school.id),
    )


def school_dashboard(
    session: Session, catalogue: Catalogue, school: School, end: str | None = None
) -> SchoolDashboard:
    """The figures of ``school`` for the twelve months ending with ``end`` (default: this
    month), for the reader of ``catalogue`` (a titles' door).

    Each figure is summed by the database along the covering indexes of ``usage_flow`` (a
    school's months there are a few thousand rows), and the most used materials of
    ``usage_month`` (the one figure that names materials)."""
    period = Period(end or this_month())
    given = _given_over_time(session, school, period)
    places = _given_by_place(session, school, period)
    taken_month, taken_kind = _taken_over_time(session, school, period)
    return SchoolDashboard(
        school=school,
        period=period,
        given=_trend(period, given.by_month),
        taken=_trend(period, taken_month),
        given_by_kind=dict(given.by_kind.most_common()),
        given_by_kind_last_year=dict(given.by_kind_last_year),
        taken_by_kind=dict(taken_kind.most_common()),
        by_country=dict(places.country.most_common()),
        by_school=places.school.most_common(),
        by_income=dict(places.income.most_common()),
        by_region=dict(places.region.most_common()),
        visitors=given.visitors,
        unique=given.unique,
        top=_top(catalogue, _most_used(session, school, period)),
        taken_from=_taken_from(session, school, period, places.names),
        reviews_given=Trend(
            [period.end],
            [reviews_given_in_months(session, school.id, period.months)],
            [reviews_given_in_months(session, school.id, period.last_year)],
        ),
    )


def _span(period: Period) -> tuple[ColumnElement[bool], ...]:
    """The flows of the period's twelve months and of the year before (for trends)."""
    return (UsageFlow.month >= period.first, UsageFlow.month <= period.end)


def _year(period: Period) -> tuple[ColumnElement[bool], ...]:
    """The flows of the period's twelve months."""
    return (UsageFlow.month >= period.months[0], UsageFlow.month <= period.end)


@dataclass
class _GivenOverTime:
    """What a school's materials gave, by month and by kind of use."""

    by_month: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    by_kind_last_year: Counter[str] = field(default_factory=Counter)
    visitors: int = 0
    unique: int = 0


def _given_over_time(session: Session, school: School, period: Period) -> _GivenOverTime:
    visitor = UsageFlow.school_id.is_(None)
    this_year = set(period.months)
    given = _GivenOverTime()
    for month, kind, by_visitors, events, uniques in session.execute(
        select(
            UsageFlow.month,
            UsageFlow.kind,
            visitor,
            _sum(UsageFlow.events),
            _sum(UsageFlow.visitors),
        )
        .where(*_given(school), *_span(period))
        .group_by(UsageFlow.month, UsageFlow.kind, visitor)
    ):
        given.by_month[month] += events
        if month not in this_year:
            given.by_kind_last_year[kind] += events
            continue
        given.by_kind[kind] += events
        given.unique += uniques
        given.visitors += events if by_visitors else 0
    return given


@dataclass
class _GivenByPlace:
    """Where a school's materials were used in the year: by the using school's country,
    name, income group and region; and every school's name by id."""

    names: dict[int, str]
    country: Counter[str] = field(default_factory=Counter)
    school: Counter[str] = field(default_factory=Counter)
    income: Counter[str] = field(default_factory=Counter)
    region: Counter[str] = field(default_factory=Counter)


def _given_by_place(session: Session, school: School, period: Period) -> _GivenByPlace:
    schools = {
        row.id: row
        for row in session.execute(
            select(School.id, School.name, School.country, School.income_group, School.region)
        )
    }
    places = _GivenByPlace(names={i: row.name for i, row in schools.items()})
    for school_id, events in session.execute(
        select(UsageFlow.school_id, _sum(UsageFlow.events))
        .where(*_given(school), *_year(period), UsageFlow.school_id.is_not(None))
        .group_by(UsageFlow.school_id)
    ):
        user = schools[school_id]
        places.country[user.country] += events
        places.school[user.name] += events
        places.income[_value(user.income_group)] += events
        places.region[user.region] += events
    return places


def _most_used(session: Session, school: School, period: Period) -> Counter[int]:
    """The school's most used materials in the year (more than shown: some may be hidden
    from the reader)."""
    return Counter(
        {
            material_id: uses
            for material_id, uses in session.execute(
                select(UsageMonth.material_id, _sum(UsageMonth.events).label("uses"))
                .where(
                    *_given(school, UsageMonth),
                    UsageMonth.month >= period.months[0],
                    UsageMonth.month <= period.end,
                )
                .group_by(UsageMonth.material_id)
                .order_by(literal_column("uses").desc())
                .limit(TOP * 3)
            )
        }
    )


def _taken_over_time(
    session: Session, school: School, period: Period
) -> tuple[Counter[str], Counter[str]]:
    """What the school's people took from other schools: by month, and by kind in the year."""
    this_year = set(period.months)
    by_month: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    for month, kind, events in session.execute(
        select(UsageFlow.month, UsageFlow.kind, _sum(UsageFlow.events))
        .where(*_taken(school), *_span(period))
        .group_by(UsageFlow.month, UsageFlow.kind)
    ):
        by_month[month] += events
        if month in this_year:
            by_kind[kind] += events
    return by_month, by_kind


def _taken_from(
    session: Session, school: School, period: Period, names: dict[int, str]
) -> list[tuple[str, int]]:
    """The schools the school's people took most from in the year."""
    return [
        (names[owner], events)
        for owner, events in session.execute(
            select(UsageFlow.owner_school_id, _sum(UsageFlow.events).label("uses"))
            .where(*_taken(school), *_year(period))
            .group_by(UsageFlow.owner_school_id)
            .order_by(literal_column("uses").desc())
            .limit(TOP)
        )
    ]


def _taken(school: School) -> tuple[ColumnElement[bool], ...]:
    """The uses a school takes: its people's uses of other schools' materials."""
    return (UsageFlow.school_id == school.id, UsageFlow.owner_school_id != school.id)


def _trend(period: Period, by_month: Counter[str]) -> Trend:
    return Trend(
        period.months,
        [by_month[m] for m in period.months],
        [by_month[m] for m in period.last_year],
    )


def _top(catalogue: Catalogue, uses: Counter[int], most: int = TOP) -> list[Top]:
    """The most used materials, titled as the reader may see them; one they may not view is
    left out (never named)."""
    ranked = uses.most_common()
    versions = catalogue.shown_versions([m for m, _n in ranked[: most * 3]])
    return [Top(m, versions[m].title, n) for m, n in ranked if m in versions][:most]


@dataclass(frozen=True)
class MonthGiven:
    """Where a school's materials were used in one month, counted as its dashboard counts
    them: the most used materials (titled for the reader) and the using schools' countries."""

    month: str
    top: list[Top]
    by_country: dict[str, int]


def month_given(
    session: Session, catalogue: Catalogue, school: School, month: str, most: int = TOP
) -> MonthGiven:
    """The uses of ``school``'s materials by others in ``month`` ('YYYY-MM'), by material
    (the ``most`` used that the reader of ``catalogue`` may view) and by country."""
    user = aliased(School)
    rows = session.execute(
        select(UsageMonth.material_id, user.country, _sum(UsageMonth.events))
        .outerjoin(user, user.id == UsageMonth.school_id)
        .where(*_given(school, UsageMonth), UsageMonth.month == month)
        .group_by(UsageMonth.material_id, user.country)
    ).all()
    material_uses: Counter[int] = Counter()
    country: Counter[str] = Counter()
    for material_id, ctry, events in rows:
        material_uses[material_id] += events
        if ctry is not None:  # visitors have no school, so no country
            country[ctry] += events
    return MonthGiven(month, _top(catalogue, material_uses, most), dict(country.most_common()))


# One material --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Derived:
    """An adaptation or translation of a material (as the reader may see it) and its uses."""

    version: MaterialVersion
    relation: str  # "adaptation" / "translation"
    uses: int


@dataclass(frozen=True)
class MaterialStatistics:
    """One material's use over twelve months: by kind and month, by country and school, and
    what was made of it elsewhere."""

    period: Period
    by_kind: dict[str, Trend]
    by_country: dict[str, int]
    by_school: list[tuple[str, int]]
    derived: list[Derived] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(t.total for t in self.by_kind.values())

    @property
    def all_uses(self) -> Trend:
        """Every kind of use together, month by month, with the year before."""
        months = self.period.months
        trends = list(self.by_kind.values())
        return Trend(
            months,
            [sum(t.this_year[i] for t in trends) for i in range(len(months))],
            [sum(t.last_year[i] for t in trends) for i in range(len(months))],
        )


def material_statistics(
    session: Session, catalogue: Catalogue, material: Material, end: str | None = None
) -> MaterialStatistics:
    """The use of ``material`` (every version) by others than its own school, and of the
    adaptations and translations the reader may see."""
    period = Period(end or this_month())
    user = aliased(School)
    rows = session.execute(
        select(UsageMonth.month, UsageMonth.kind, user.name, user.country, _sum(UsageMonth.events))
        .outerjoin(user, user.id == UsageMonth.school_id)
        .where(
            UsageMonth.material_id == material.id,
            UsageMonth.month >= period.first,
            or_(UsageMonth.school_id.is_(None), UsageMonth.school_id != material.school_id),
        )
        .group_by(UsageMonth.month, UsageMonth.kind, user.name, user.country)
    ).all()
    kinds: defaultdict[str, Counter[str]] = defaultdict(Counter)
    country: Counter[str] = Counter()
    by_school: Counter[str] = Counter()
    this_year = set(period.months)
    for month, kind, name, ctry, events in rows:
        kinds[kind][month] += events
        if month in this_year and name is not None:
            country[ctry] += events
            by_school[name] += events
    lineage = catalogue.lineage(material)
    derived_versions = [("adaptation", v) for v in lineage.adaptations] + [
        ("translation", v) for v in lineage.translations
    ]
    uses = _uses_of(session, period, [v.material_id for _r, v in derived_versions])
    return MaterialStatistics(
        period=period,
        by_kind={k: _trend(period, months) for k, months in sorted(kinds.items())},
        by_country=dict(country.most_common()),
        by_school=by_school.most_common(),
        derived=[Derived(v, r, uses.get(v.material_id, 0)) for r, v in derived_versions],
    )


def _uses_of(session: Session, period: Period, material_ids: Sequence[int]) -> dict[int, int]:
    if not material_ids:
        return {}
    rows = session.execute(
        select(UsageMonth.material_id, _sum(UsageMonth.events))
        .where(UsageMonth.material_id.in_(material_ids), UsageMonth.month >= period.months[0])
        .group_by(UsageMonth.material_id)
    ).all()
    return {m: n for m, n in rows}


# The consortium ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsortiumDashboard:
    """Who shares with whom across the consortium over twelve months."""

    period: Period
    regions: list[str]
    region_flows: dict[tuple[str, str], int]  # (owner region, using region) -> uses
    incomes: list[str]
    income_flows: dict[tuple[str, str], int]
    only_take: list[str]  # schools whose people use others' materials, whose own no one uses
    only_give: list[str]  # schools whose materials others use, who use none of others'
    across_regions: list[Top]  # materials most adopted by schools of other regions


def consortium_dashboard(
    session: Session, catalogue: Catalogue, end: str | None = None
) -> ConsortiumDashboard:
    """The consortium's flows between regions and income groups, the schools that only take
    or only give, and the materials most adopted across regions."""
    period = Period(end or this_month())
    owner, user = aliased(School), aliased(School)
    regions: Counter[tuple[str, str]] = Counter()
    incomes: Counter[tuple[str, str]] = Counter()
    givers: set[int] = set()
    takers: set[int] = set()
    for o_id, o_reg, o_inc, u_id, u_reg, u_inc, events in session.execute(
        select(
            owner.id,
            owner.region,
            owner.income_group,
            user.id,
            user.region,
            user.income_group,
            _sum(UsageFlow.events),
        )
        .join(owner, owner.id == UsageFlow.owner_school_id)
        .join(user, and_(user.id == UsageFlow.school_id, user.id != owner.id))
        .where(UsageFlow.month >= period.months[0], UsageFlow.month <= period.end)
        .group_by(
            owner.id, owner.region, owner.income_group, user.id, user.region, user.income_group
        )
    ):
        regions[(o_reg, u_reg)] += events
        incomes[(_value(o_inc), _value(u_inc))] += events
        givers.add(o_id)
        takers.add(u_id)
    across: Counter[int] = Counter(
        {
            material_id: events
            for material_id, events in session.execute(
                select(UsageMonth.material_id, _sum(UsageMonth.events))
                .join(owner, owner.id == UsageMonth.owner_school_id)
                .join(user, and_(user.id == UsageMonth.school_id, user.region != owner.region))
                .where(
                    UsageMonth.kind == "adoption",
                    UsageMonth.month >= period.months[0],
                    UsageMonth.month <= period.end,
                )
                .group_by(UsageMonth.material_id)
            )
        }
    )
    names = dict(session.execute(select(School.id, School.name)).all())
    return ConsortiumDashboard(
        period=period,
        regions=sorted({r for pair in regions for r in pair}),
        region_flows=dict(regions),
        incomes=sorted({g for pair in incomes for g in pair}),
        income_flows=dict(incomes),
        only_take=sorted(names[i] for i in takers - givers),
        only_give=sorted(names[i] for i in givers - takers),
        across_regions=_top(catalogue, across),
    )


def _value(choice: object) -> str:
    return str(getattr(choice, "value", choice))


def csv_rows(rows: Iterable[tuple[str, int]]) -> list[list[str]]:
    """Rows for a CSV download: the label and the count as the page shows it ("< 5")."""
    return [[label, shown(count)] for label, count in rows]
