"""Recording each use of a material, and the report of where a school's materials are used."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import Any

import counter_robots
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..models import MaterialVersion, Person, School, UsageEvent, UsageFlow, UsageMonth, utcnow

# COUNTER's double-click rule: the same use by the same visitor within this time counts once.
DOUBLE_CLICK = dt.timedelta(seconds=30)

#: What is counted: a material page read, a file read on screen or downloaded, an adoption,
#: an adaptation or translation made of it, a module started, a launch from a course (LTI).
KINDS = ("view", "preview", "download", "adoption", "adaptation", "translation", "module", "launch")


def is_robot(user_agent: str | None) -> bool:
    """Whether ``user_agent`` is a robot or crawler by the COUNTER robots list (shipped by the
    ``counter-robots`` package, which names the list's source and date)."""
    return bool(user_agent) and counter_robots.is_robot(user_agent)


def visitor_digest(secret: str, address: str, user_agent: str, day: dt.date) -> str:
    """A visitor who is not signed in, told apart for one day only: a digest of their address
    and browser with the day and the hub's secret (the address itself is never kept)."""
    raw = f"{secret}|{day.isoformat()}|{address}|{user_agent}".encode()
    return "v" + hashlib.sha256(raw).hexdigest()[:40]


def month_key(
    month: str, kind: str, material_id: int, school_id: int | None, country: str | None
) -> str:
    """The ``usage_month`` row of a use (its parts joined: see ``UsageMonth``)."""
    school = "-" if school_id is None else school_id
    return f"{month}|{kind}|{material_id}|{school}|{country or '-'}"


def flow_key(month: str, kind: str, owner_school_id: int, school_id: int | None) -> str:
    """The ``usage_flow`` row of a use (its parts joined, as ``month_key``)."""
    return f"{month}|{kind}|{owner_school_id}|{'-' if school_id is None else school_id}"


def record(
    session: Session,
    kind: str,
    version: MaterialVersion,
    person: Person | None,
    *,
    visitor: str | None = None,
    user_agent: str | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Record one use of ``version`` by ``person`` (or a visitor, told apart by ``visitor``),
    counted into its month; whether it was counted. Not counted: a robot (by its
    ``user_agent``), and the same use by the same visitor within ``DOUBLE_CLICK``. The first
    use of a material and kind by a visitor in a day counts them as a unique visitor."""
    if is_robot(user_agent):
        return False
    now = now or utcnow()
    who = f"p{person.id}" if person is not None else visitor
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    last = None
    if who is not None:
        since = min(day, now - DOUBLE_CLICK)
        where = {"who": who, "material": version.material_id, "kind": kind}
        last = session.scalar(_LAST_USE, {**where, "since": since, "now": now})
        if last is not None and last > now - DOUBLE_CLICK:
            return False
    school = session.get(School, person.school_id) if person and person.school_id else None
    school_id, country = (school.id, school.country) if school else (None, None)
    owner = version.material.school_id
    session.execute(
        _ADD_EVENT,
        {
            "kind": kind,
            "material_id": version.material_id,
            "version_id": version.id,
            "owner_school_id": owner,
            "person_id": person.id if person else None,
            "school_id": school_id,
            "country": country,
            "occurred_at": now,
            "visitor": who,
        },
    )
    month = now.strftime("%Y-%m")
    counts = {
        "month": month,
        "kind": kind,
        "owner_school_id": owner,
        "school_id": school_id,
        "events": 1,
        "visitors": int(last is None or last < day),  # the visitor's first use today
    }
    sqlite = session.get_bind().dialect.name == "sqlite"
    session.execute(
        _ADD_TO_MONTH[sqlite],
        {
            **counts,
            "key": month_key(month, kind, version.material_id, school_id, country),
            "material_id": version.material_id,
            "country": country,
        },
    )
    session.execute(
        _ADD_TO_FLOW[sqlite], {**counts, "key": flow_key(month, kind, owner, school_id)}
    )
    return True


# The statements of ``record``, built once: a page view runs them on every reading.
_LAST_USE = select(func.max(UsageEvent.occurred_at)).where(
    UsageEvent.visitor == bindparam("who"),
    UsageEvent.material_id == bindparam("material"),
    UsageEvent.kind == bindparam("kind"),
    UsageEvent.occurred_at >= bindparam("since"),
    UsageEvent.occurred_at <= bindparam("now"),  # history may be recorded out of order (demo)
)
_ADD_EVENT = insert(UsageEvent)


def _add_to(table: type[UsageMonth] | type[UsageFlow], upsert: Any) -> Any:
    """INSERT ... ON CONFLICT (key) DO UPDATE adding the new counts (SQLite and PostgreSQL
    write it alike; each has its own construct)."""
    added = upsert(table)
    return added.on_conflict_do_update(
        index_elements=[table.key],
        set_={
            "events": table.events + added.excluded.events,
            "visitors": table.visitors + added.excluded.visitors,
        },
    )


_ADD_TO_MONTH = {
    True: _add_to(UsageMonth, sqlite_insert),
    False: _add_to(UsageMonth, postgresql_insert),
}
_ADD_TO_FLOW = {
    True: _add_to(UsageFlow, sqlite_insert),
    False: _add_to(UsageFlow, postgresql_insert),
}


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
    """The usage report of ``school`` over the last ``months`` months (from ``usage_month``:
    the API's and the school home page's short account; the dashboard has the rest)."""
    since = (utcnow() - dt.timedelta(days=31 * (months - 1))).strftime("%Y-%m")
    rows = session.execute(
        select(
            UsageMonth.month,
            UsageMonth.kind,
            UsageMonth.school_id,
            UsageMonth.country,
            func.sum(UsageMonth.events),
        )
        .where(
            UsageMonth.owner_school_id == school.id,
            UsageMonth.month >= since,
            or_(UsageMonth.school_id.is_(None), UsageMonth.school_id != school.id),
        )
        .group_by(UsageMonth.month, UsageMonth.kind, UsageMonth.school_id, UsageMonth.country)
    ).all()
    taken = session.scalar(
        select(func.coalesce(func.sum(UsageMonth.events), 0)).where(
            UsageMonth.school_id == school.id,
            UsageMonth.owner_school_id != school.id,
            UsageMonth.month >= since,
        )
    )
    names = dict(session.execute(select(School.id, School.name)).all())
    visitors, unknown = _("visitors"), _("Visitors (not signed in)")
    by_country: Counter[str] = Counter()
    by_school: Counter[str] = Counter()
    by_month: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    for month, kind, school_id, country, events in rows:
        by_country[country or visitors] += events
        by_school[names.get(school_id, unknown) if school_id else unknown] += events
        by_month[month] += events
        by_kind[kind] += events
    return Report(
        by_country=by_country.most_common(),
        by_school=by_school.most_common(15),
        by_month=sorted(by_month.items()),
        by_kind=dict(by_kind),
        given=sum(by_kind.values()),
        taken=int(taken or 0),
    )
