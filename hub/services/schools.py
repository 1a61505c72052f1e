"""Schools: creation with derived region, and the membership question."""

from __future__ import annotations

from flask_babel import gettext as _
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
    audit.record(session, actor, "school.created", school, school_id=school.id, status=status.value)
    return school


def is_active_member(school: School | None) -> bool:
    """Whether people of ``school`` reach other schools' non-public content.

    The licensing policy module asks this; nothing else should decide it.
    """
    return school is not None and school.status is MembershipStatus.ACTIVE
