"""The monthly digest: each school admin of an active school hears, in their language, what
their school gave and took in the month that ended, and how that compares with a year before.

The figures are the school dashboard's (``statistics.school_dashboard`` for the twelve months
ending with the digest's month; its last month is the digest's), and what the month adds —
the three most used materials, the countries reached — is counted by the same rule
(``statistics.month_given``). Titles come through the catalogue as the recipient may see
them; counts under 5 are "< 5".

A school whose materials no one used and whose people used nothing still gets a short digest:
an admin who hears every month can trust that silence means the mail is broken, and a quiet
month is itself what a school needs to know (with where to look and what to change).

Sending is idempotent per month and admin: each school's digest is recorded in the audit log
(``digest.sent``, with the month and the admins it reached), and a second run sends only to
admins who have not had it — one added since, or one whose mail failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from babel.dates import format_skeleton
from flask import url_for
from flask_babel import force_locale, format_percent, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..i18n import join_words
from ..mail import person_language, send_mail
from ..models import AuditEvent, MembershipStatus, Person, School, utcnow
from . import audit, statistics
from .catalogue import Catalogue
from .geography import country_display_name
from .membership import school_admins

ACTION = "digest.sent"
#: Materials named in a digest.
TOP_MATERIALS = 3
#: Countries named in a digest (the rest are counted).
COUNTRIES = 10


# Which month -------------------------------------------------------------------------------


def last_month(now: dt.datetime | None = None) -> str:
    """The month that ended last ('YYYY-MM'): the one a digest sent today is about. A month
    still running has no digest: it would be recorded as sent with half the figures, and the
    whole month's would never go."""
    first = (now or utcnow()).replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


def month_words(month: str) -> str:
    """A month as the current interface language writes it ("March 2026", "mars 2026")."""
    year, number = (int(part) for part in month.split("-"))
    return format_skeleton("yMMMM", dt.date(year, number, 1), locale=get_locale() or "en")


def _year_before(month: str) -> str:
    return statistics.months_back(month, 13)[0]


# The figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """One school's month as its digest tells it (the dashboard's figures for that month)."""

    month: str
    given: int  # uses of the school's materials by other schools' people and visitors
    given_last_year: int  # the same month a year before
    taken: int  # uses of other schools' materials by the school's people
    taken_last_year: int
    top: list[statistics.Top]  # the month's most used materials, as the reader may see them
    by_country: dict[str, int]  # where they were used: the using schools' countries

    @property
    def quiet(self) -> bool:
        """Nothing given and nothing taken this month."""
        return self.given == 0 and self.taken == 0


def figures(session: Session, catalogue: Catalogue, school: School, month: str) -> Figures:
    """The digest's figures of ``school`` for ``month``, titled for the reader of
    ``catalogue``: the dashboard's for the year that ends with ``month``, at that month."""
    dashboard = statistics.school_dashboard(session, catalogue, school, end=month)
    used = statistics.month_given(session, catalogue, school, month, most=TOP_MATERIALS)
    return Figures(
        month=month,
        given=dashboard.given.this_year[-1],
        given_last_year=dashboard.given.last_year[-1],
        taken=dashboard.taken.this_year[-1],
        taken_last_year=dashboard.taken.last_year[-1],
        top=used.top,
        by_country=used.by_country,
    )


# The words ----------------------------------------------------------------------------------

#: How a digest says what a school gave and took: when there were uses, and when none.
GIVEN = (
    _l("Given: other schools and visitors used your materials %(count)s times (%(change)s)."),
    _l("Given: no other school and no visitor used your materials (%(change)s)."),
)
TAKEN = (
    _l("Taken: your people used other schools' materials %(count)s times (%(change)s)."),
    _l("Taken: your people used none of other schools' materials (%(change)s)."),
)


def change_words(now: int, before: int, month: str) -> str:
    """How ``now`` compares with ``before`` (in ``month``, a year earlier), in words.

    Two small counts (under 5) are not compared: "< 5" against "< 5" says nothing, and
    "up" or "down" between them would tell what "< 5" hides."""
    when = month_words(month)
    shown = statistics.shown(before)
    small = statistics.SMALL
    if now == before == 0:
        return _("none in %(month)s either", month=when)
    if before == 0:
        return _("none in %(month)s", month=when)
    if now < small and before < small:
        return _("%(before)s in %(month)s", before=shown, month=when)
    if now == before:
        return _("as many as in %(month)s", month=when)
    if now >= small and before >= small:
        percent = format_percent(abs(now - before) / before)
        if now > before:
            return _(
                "up %(percent)s from %(before)s in %(month)s",
                percent=percent,
                before=shown,
                month=when,
            )
        return _(
            "down %(percent)s from %(before)s in %(month)s",
            percent=percent,
            before=shown,
            month=when,
        )
    if now > before:
        return _("up from %(before)s in %(month)s", before=shown, month=when)
    return _("down from %(before)s in %(month)s", before=shown, month=when)


@dataclass(frozen=True)
class Message:
    """One digest mail to one admin, worded in their language."""

    recipient: Person
    language: str
    subject: str
    body: str


def compose(school: School, recipient: Person, found: Figures, link: str) -> Message:
    """The digest of ``found`` for ``recipient``, in their language (see ``person_language``)."""
    language = person_language(recipient)
    with force_locale(language):
        month = month_words(found.month)
        if found.given:
            subject = _(
                "%(school)s in %(month)s: your materials were used %(count)s times",
                school=school.name,
                month=month,
                count=statistics.shown(found.given),
            )
        else:
            subject = _(
                "%(school)s in %(month)s: no use of your materials by others",
                school=school.name,
                month=month,
            )
        parts = [_("Hello %(name)s,", name=recipient.name)]
        parts += _quiet(school, month) if found.quiet else _figures(school, month, found)
        parts += [
            _("Your school's dashboard shows the whole year, month by month:") + "\n" + link,
            _(
                "You receive this digest once a month as an admin of %(school)s.",
                school=school.name,
            ),
        ]
    return Message(recipient, language, subject, "\n\n".join(parts) + "\n")


def _quiet(school: School, month: str) -> list[str]:
    return [
        _(
            "In %(month)s no other school and no visitor used the materials of %(school)s, "
            "and your people used none of other schools' materials.",
            month=month,
            school=school.name,
        ),
        _(
            "Materials shared with more schools are found more often: your school's sharing "
            "settings say who may find yours."
        ),
    ]


def _figures(school: School, month: str, found: Figures) -> list[str]:
    before = _year_before(found.month)
    given = _flow(GIVEN, found.given, found.given_last_year, before)
    taken = _flow(TAKEN, found.taken, found.taken_last_year, before)
    parts = [
        _("Here is what %(school)s gave and took in %(month)s.", school=school.name, month=month),
        given + "\n" + taken,
    ]
    if found.top:
        lines = [
            f"{n}. {top.title} — {statistics.shown(top.uses)}"
            for n, top in enumerate(found.top, start=1)
        ]
        parts.append(_("Your most used materials this month:") + "\n" + "\n".join(lines))
    if found.by_country:
        parts.append(_("Countries reached: %(countries)s.", countries=_countries(found)))
    return parts


def _flow(words: tuple[LazyString, LazyString], now: int, last_year: int, before: str) -> str:
    """What was given (or taken) in the month, with how it changed since ``before``."""
    some, none = words
    change = change_words(now, last_year, before)
    if now:
        return str(some) % {"count": statistics.shown(now), "change": change}
    return str(none) % {"change": change}


def _countries(found: Figures) -> str:
    named = [
        f"{country_display_name(code)} ({statistics.shown(count)})"
        for code, count in list(found.by_country.items())[:COUNTRIES]
    ]
    more = len(found.by_country) - len(named)
    if more > 0:
        named.append(_("%(count)s more", count=more))
    return join_words(named)


# Sending ------------------------------------------------------------------------------------


def dashboard_link() -> str:
    """The school dashboard's address, as the digest links to it."""
    return url_for("statistics.school", _external=True)


@dataclass
class SchoolDigest:
    """One school's digest for a month: the mails to its admins who have not had it yet."""

    school: School
    month: str
    messages: list[Message]
    already: int  # admins who had it from an earlier run
    sent: list[Message] = field(default_factory=list)
    failed: list[Message] = field(default_factory=list)


def _told() -> Select[School]:
    # The schools a digest goes to: the active ones, by name.
    return select(School).where(School.status == MembershipStatus.ACTIVE).order_by(School.name)


def schools_to_tell(session: Session) -> list[int]:
    """The ids of the schools a digest goes to: the active ones, by name."""
    return list(session.scalars(_told().with_only_columns(School.id)))


def pending(
    session: Session, month: str, link: str | None = None, school_ids: list[int] | None = None
) -> Iterator[SchoolDigest]:
    """For each active school (by name; those of ``school_ids`` when given), the digest of
    ``month`` for each of its active admins who have not had it; nothing is sent (see
    :func:`deliver`)."""
    link = link or dashboard_link()
    query = _told()
    if school_ids is not None:
        query = query.where(School.id.in_(school_ids))
    schools = session.scalars(query).all()
    for school in schools:
        done = recipients(session, school, month)
        admins = sorted(school_admins(session, school), key=lambda a: a.id)
        messages = [
            compose(school, admin, _figures_for(session, admin, school, month), link)
            for admin in admins
            if admin.id not in done
        ]
        already = sum(1 for admin in admins if admin.id in done)
        yield SchoolDigest(school, month, messages, already)


def _figures_for(session: Session, admin: Person, school: School, month: str) -> Figures:
    # Titled through the admin's own catalogue: a digest never names what its reader may
    # not view.
    return figures(session, Catalogue.of(session, admin), school, month)


def recipients(session: Session, school: School, month: str) -> set[int]:
    """The admins of ``school`` who were sent the digest of ``month``."""
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == ACTION,
            AuditEvent.school_id == school.id,
            AuditEvent.details["month"].as_string() == month,
        )
    )
    return {person_id for event in events for person_id in event.details.get("recipients", [])}


def summary(digest: SchoolDigest) -> str:
    """One line for the operator on what became of a school's digest."""
    parts = [f"sent to {len(digest.sent)}"] if digest.sent else []
    if digest.already:
        parts.append(f"{digest.already} had it already")
    if digest.failed:
        parts.append(f"failed for {', '.join(m.recipient.email for m in digest.failed)}")
    return f"{digest.school.name}: {', '.join(parts) or 'no active admin to send it to'}"


def deliver(session: Session, digest: SchoolDigest) -> SchoolDigest:
    """Send ``digest``'s mails and record, in the caller's transaction, who had them (the
    caller commits: a run stopped half-way resumes with the schools it had not reached)."""
    for message in digest.messages:
        sent = send_mail(message.recipient.email, message.subject, message.body)
        (digest.sent if sent else digest.failed).append(message)
    if digest.sent:
        audit.record(
            session,
            None,
            ACTION,
            digest.school,
            month=digest.month,
            recipients=[m.recipient.id for m in digest.sent],
        )
    return digest
