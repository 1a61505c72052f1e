"""Twelve months of generated but plausible use for the demo consortium, so that every chart
of the usage dashboards shows something on ``make run``.

Each demo school's people use what the catalogue lets them view (the one door), more often
in their own languages, more in teaching terms than in holidays (terms follow the school's
hemisphere), as page views mostly (a module's page is its start), then files read and downloaded and
launches from courses; a teacher of each school adopts two materials of other schools; some
visitors read public materials. Every use goes
through ``usage.record`` (the same counting as the hub's, into ``usage_month``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import STAFF, MaterialVersion, Person, School, VersionState, utcnow
from . import geography, lineage, usage
from .catalogue import Catalogue

#: How busy each month is, January first, in a northern school (a southern one is shifted
#: by six months): two terms, quiet in the long holiday and at the year's end.
NORTHERN_TERMS = (0.7, 1.0, 1.0, 0.9, 0.9, 0.5, 0.2, 0.3, 1.0, 1.0, 1.0, 0.4)
#: Uses a school's people make in a busy month.
USES_PER_MONTH = 14
#: Kinds of use and how often each comes (adoptions only by teachers).
KIND_WEIGHTS = (
    ("view", 50),
    ("preview", 18),
    ("download", 14),
    ("launch", 7),
    ("module", 5),
)
#: Countries south of the equator among the demo's (their academic year starts in March).
SOUTHERN = {"BR", "ZA", "AU", "NZ", "AR", "CL", "PE", "MW", "MZ", "ZM", "ZW", "BW", "NA"}


def load_demo_usage(
    session: Session, schools: Sequence[School], rng: random.Random, now: dt.datetime | None = None
) -> int:
    """Record the demo's twelve months of use by the people of ``schools``; how many uses."""
    now = now or utcnow()
    published = list(
        session.scalars(
            select(MaterialVersion).where(MaterialVersion.state == VersionState.PUBLISHED)
        )
    )
    count = 0
    for school in schools:
        people = list(session.scalars(select(Person).where(Person.school_id == school.id)))
        # What each of them may read, as the catalogue decides (students see less than staff;
        # people of one school and role see the same).
        one_of_each = {p.role: p for p in people}
        by_role = {r: _shelf(session, p, published, school) for r, p in one_of_each.items()}
        shelves = {p.id: by_role[p.role] for p in people}
        people = [p for p in people if shelves[p.id][0]]
        if not people:
            continue
        terms = _terms(school)
        for months_ago in range(12):
            start = _month_start(now, months_ago)
            busy = terms[start.month - 1]
            for _n in range(round(USES_PER_MONTH * busy * rng.uniform(0.6, 1.4))):
                person = rng.choice(people)
                readable, weights = shelves[person.id]
                version = rng.choices(readable, weights)[0]
                kind = _kind(rng, version)
                at = min(now, start + dt.timedelta(seconds=rng.randrange(28 * 86400)))
                count += usage.record(session, kind, version, person, now=at)
        count += _adoptions(session, people, shelves, rng)
        count += _visitors(session, shelves[people[0].id][0], now, rng)
    session.flush()
    return count


def _shelf(
    session: Session, person: Person, published: list[MaterialVersion], school: School
) -> tuple[list[MaterialVersion], list[int]]:
    """What ``person`` may view, weighted towards their school's languages."""
    readable = Catalogue.of(session, person).allowed(published, "view")
    bases = {language.split("-")[0] for language in school.languages}
    return readable, [4 if v.language.split("-")[0] in bases else 1 for v in readable]


def _adoptions(
    session: Session,
    people: list[Person],
    shelves: dict[int, tuple[list[MaterialVersion], list[int]]],
    rng: random.Random,
) -> int:
    """A teacher adopts two materials of other schools (adoptions are real: they are listed
    on the school's page, and counted as uses)."""
    teachers = [p for p in people if p.role in STAFF]
    if not teachers:
        return 0
    teacher = teachers[0]
    others = [v for v in shelves[teacher.id][0] if v.material.school_id != teacher.school_id]
    chosen = rng.sample(others, min(2, len(others)))
    for version in chosen:
        lineage.adopt(session, teacher, version)
    return len(chosen)


def _terms(school: School) -> tuple[float, ...]:
    if school.country in SOUTHERN or geography.country(school.country).subregion_code in ("005",):
        return NORTHERN_TERMS[6:] + NORTHERN_TERMS[:6]
    return NORTHERN_TERMS


def _month_start(now: dt.datetime, months_ago: int) -> dt.datetime:
    year, month = now.year, now.month - months_ago
    while month < 1:
        year, month = year - 1, month + 12
    return now.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


def _kind(rng: random.Random, version: MaterialVersion) -> str:
    kind = rng.choices([k for k, _w in KIND_WEIGHTS], [w for _k, w in KIND_WEIGHTS])[0]
    is_module = version.is_module
    if is_module != (kind == "module") and kind in ("module", "view"):
        return "module" if is_module else "view"
    return kind


def _visitors(
    session: Session, readable: list[MaterialVersion], now: dt.datetime, rng: random.Random
) -> int:
    """A few visitors (not signed in) reading public materials over the year."""
    public = Catalogue.of(session, None).allowed(readable, "view")
    count = 0
    for n in range(min(len(public), 6)):
        at = now - dt.timedelta(days=rng.randrange(360), seconds=rng.randrange(86400))
        count += usage.record(session, "view", rng.choice(public), None, visitor=f"demo{n}", now=at)
    return count
