"""Recording each use of a material, and the report of where a school's materials are used."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import MaterialVersion, Person, School, UsageEvent, utcnow

# COUNTER's double-click rule: the same use by the same person within this time counts once.
DOUBLE_CLICK = dt.timedelta(seconds=30)


def record(session: Session, kind: str, version: MaterialVersion, person: Person | None) -> None:
    """Record a download, preview or adoption of ``version`` by ``person`` (or a visitor),
    once per person, material and kind within ``DOUBLE_CLICK``."""
    if person is not None and session.scalar(
        select(UsageEvent.id)
        .where(
            UsageEvent.person_id == person.id,
            UsageEvent.material_id == version.material_id,
            UsageEvent.kind == kind,
            UsageEvent.occurred_at > utcnow() - DOUBLE_CLICK,
        )
        .limit(1)
    ):
        return
    school = session.get(School, person.school_id) if person and person.school_id else None
    session.add(
        UsageEvent(
            kind=kind,
            material_id=version.material_id,
            version_id=version.id,
            owner_school_id=version.material.school_id,
            person_id=person.id if person else None,
            school_id=school.id if school else None,
            country=school.country if school else None,
        )
    )


@dataclass(frozen=True)
class Report:
    """Where a school's materials are used, and what it gives against what it takes."""

    by_country: list[tuple[str, int]]
    by_school: list[tuple[str, int]]
    by_month: list[tuple[str, int]]
    by_kind: dict[str, int]
    given: int  # uses of our materials by other schools (and visitors)
    taken: int  # uses by our people of other schools' materials


def report(session: Session, school: School, months: int = 12) -> Report:
    """The usage report of ``school`` over the last ``months`` months."""
    since = utcnow() - dt.timedelta(days=31 * months)
    ours = session.scalars(
        select(UsageEvent).where(
            UsageEvent.owner_school_id == school.id, UsageEvent.occurred_at >= since
        )
    ).all()
    others = [e for e in ours if e.school_id != school.id]
    taken = session.scalars(
        select(UsageEvent.id).where(
            UsageEvent.school_id == school.id,
            UsageEvent.owner_school_id != school.id,
            UsageEvent.occurred_at >= since,
        )
    ).all()
    names = dict(session.execute(select(School.id, School.name)).all())
    visitors, unknown = _("visitors"), _("Visitors (not signed in)")
    by_country = Counter(e.country or visitors for e in others)
    by_school = Counter(names.get(e.school_id, unknown) if e.school_id else unknown for e in others)
    by_month = Counter(e.occurred_at.strftime("%Y-%m") for e in others)
    return Report(
        by_country=by_country.most_common(),
        by_school=by_school.most_common(15),
        by_month=sorted(by_month.items()),
        by_kind=dict(Counter(e.kind for e in others)),
        given=len(others),
        taken=len(taken),
    )
