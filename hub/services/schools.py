"""Schools: creation with derived region, and the membership question."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..models import IncomeGroup, MembershipStatus, Person, School
from . import audit, geography
from .errors import InvalidInput
from .languages import normalize_languages


def create_school(
    session: Session,
    *,
    name: str,
    country: str,
    languages: list[str],
    website: str | None = None,
    income_group: str | None = None,
    status: MembershipStatus = MembershipStatus.APPLIED,
    actor: Person | None = None,
) -> School:
    """Add a school; region and (unless given) income group come from its country."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("The school needs a name."), field="name")
    place = geography.country(country)
    income = income_group or place.income_group
    try:
        group = IncomeGroup(income)
    except ValueError:
        raise InvalidInput(
            _("Income group '%(group)s' is not one of HIC, UMC, LMC, LIC.", group=income),
            field="income_group",
        ) from None
    langs = normalize_languages(languages)
    if not langs:
        raise InvalidInput(_("Name at least one language of instruction."), field="languages")
    school = School(
        name=name,
        country=place.iso2,
        region=place.subregion_code,
        income_group=group,
        languages=langs,
        website=(website or "").strip() or None,
        status=status,
    )
    session.add(school)
    session.flush()
    audit.record(session, actor, "school.created", school, status=status.value)
    return school


def change_income_group(session: Session, actor: Person | None, school: School, code: str) -> None:
    """Put ``school`` in the World Bank income group ``code`` (consortium admins decide)."""
    try:
        group = IncomeGroup(code)
    except ValueError:
        raise InvalidInput(_("Choose one of HIC, UMC, LMC, LIC.")) from None
    previous = school.income_group
    school.income_group = group
    audit.record(
        session,
        actor,
        "school.income_group_changed",
        school,
        from_group=previous.value,
        to_group=group.value,
    )


def is_active_member(school: School | None) -> bool:
    """Whether people of ``school`` reach other schools' non-public content.

    The licensing policy module asks this; nothing else should decide it.
    """
    return school is not None and school.status is MembershipStatus.ACTIVE


# A list of schools shows this many to a page.
SCHOOLS_PER_PAGE = 50


@dataclass(frozen=True)
class SchoolSearch:
    """What a list of schools is narrowed to; every part is optional."""

    #: Part of a school's name, or a country: its ISO code (alpha-2 or alpha-3) or part of
    #: its name in English or in the interface language.
    text: str = ""
    status: MembershipStatus | None = None
    region: str = ""  # UN M49 sub-region code
    income: IncomeGroup | None = None
    language: str = ""  # a language of instruction (BCP 47)


@dataclass(frozen=True)
class SchoolPage:
    """One page of the schools a search finds, by name."""

    schools: list[School]
    total: int  # schools found, on every page
    page: int
    pages: int


def find_schools(
    session: Session, search: SchoolSearch, page: int = 1, per_page: int = SCHOOLS_PER_PAGE
) -> SchoolPage:
    """The schools ``search`` finds, by name, page ``page`` (from 1) of ``per_page``."""
    query = select(School).order_by(School.name, School.id)
    text = search.text.strip()
    if text:
        query = query.where(
            or_(
                School.name.icontains(text, autoescape=True),
                School.country.in_(countries_matching(text)),
            )
        )
    if search.status is not None:
        query = query.where(School.status == search.status)
    if search.region:
        query = query.where(School.region == search.region)
    if search.income is not None:
        query = query.where(School.income_group == search.income)
    found = list(session.scalars(query))
    if search.language:  # a JSON list: filtered here, the same on every database
        found = [s for s in found if search.language in s.languages]
    pages = max(1, -(-len(found) // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    return SchoolPage(found[start : start + per_page], len(found), page, pages)


def countries_matching(text: str) -> set[str]:
    """ISO codes of the countries ``text`` names: a code, or part of a name in English or in
    the interface language, in any case."""
    folded = text.strip().casefold()
    if not folded:
        return set()
    return {
        c.iso2
        for c in geography.countries()
        if folded in (c.iso2.casefold(), c.iso3.casefold())
        or folded in c.name.casefold()
        or folded in geography.country_display_name(c.iso2).casefold()
    }


def active_schools(session: Session, *, excluding: int | None = None) -> list[School]:
    """The consortium's active member schools by name (``excluding``: a school's id)."""
    query = select(School).where(School.status == MembershipStatus.ACTIVE).order_by(School.name)
    if excluding is not None:
        query = query.where(School.id != excluding)
    return list(session.scalars(query))


def applications(session: Session) -> list[School]:
    """Schools that applied and wait for a decision, oldest application first."""
    query = select(School).where(School.status == MembershipStatus.APPLIED)
    return list(session.scalars(query.order_by(School.created_at)))


def people_counts(session: Session) -> dict[int | None, int]:
    """How many people each school has (None: people of no school)."""
    rows = session.execute(select(Person.school_id, func.count()).group_by(Person.school_id))
    return {school_id: n for school_id, n in rows}


def people_count(session: Session, school_id: int) -> int:
    """How many people the school has."""
    query = select(func.count()).select_from(Person).where(Person.school_id == school_id)
    return session.scalar(query) or 0
