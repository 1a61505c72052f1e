"""Sharing a material: its audience grants, availability, and who can see it as a result.

Grants are checked against the licence, the patients' consent and the school's ceiling by the
policy module's ``grant_problems``; nothing is saved half-way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy, reasons
from ..models import (
    AudienceGrant,
    GrantKind,
    Material,
    MembershipStatus,
    Person,
    School,
    utcnow,
)
from ..models.base import is_id
from . import audit, geography, vocabularies
from .errors import Conflict, InvalidInput, NotFound


def _require_manage(session: Session, person: Person, material: Material) -> None:
    if not policy.allowed(session, person, material.latest, "manage"):
        if policy.allowed(session, person, material.latest, "view"):
            raise Conflict(_("Only teachers and admins of the school that owns it can share it."))
        raise NotFound(_("There is no such material, or it is not shared with you."))


def grants_of(session: Session, person: Person, material: Material) -> list[AudienceGrant]:
    """The material's audience grants, for the teachers and admins of the school that owns
    it (what its sharing panel shows); refused like a change for anyone else."""
    _require_manage(session, person, material)
    return list(material.grants)


#: What a grant that names nobody is missing, in the words of its picker.
CHOOSE_AT_LEAST_ONE = {
    GrantKind.REGIONS: _l("Choose at least one region to share with."),
    GrantKind.INCOME: _l("Choose at least one income group to share with."),
    GrantKind.SCHOOLS: _l("Choose at least one school to share with."),
}


def _check_values(session: Session, kind: GrantKind, values: Iterable[str]) -> list[str]:
    values = [v.strip() for v in values if v and v.strip()]
    if kind in (GrantKind.PUBLIC, GrantKind.CONSORTIUM):
        return []
    if not values:
        raise InvalidInput(str(CHOOSE_AT_LEAST_ONE[kind]), field="values")
    if kind is GrantKind.REGIONS:
        return vocabularies.check_many(
            geography.subregions(), values, "values", _l("UN M49 region")
        )
    if kind is GrantKind.INCOME:
        return vocabularies.check_many(
            vocabularies.INCOME_GROUPS, values, "values", _l("income group")
        )
    ids = []
    for value in values:
        school = session.get(School, int(value)) if is_id(value) else None
        if school is None:
            raise InvalidInput(
                _("'%(value)s' is not a school of the consortium.", value=value), field="values"
            )
        ids.append(str(school.id))
    return list(dict.fromkeys(ids))


def grant_problems(material: Material, grants: Iterable[policy.Grant]) -> list[str]:
    """Why ``grants`` cannot be given on ``material`` (licence, ceiling, patients' consent),
    in words."""
    version = material.published or material.latest
    problems = policy.grant_problems(
        version.licence,
        list(grants),
        policy.facts.ceiling_of(material.school),
        version.patient_data.value,
        version.consent_scope.value if version.consent_scope else None,
    )
    return [reasons.word(r) for r in problems]


def refuse_forbidden(material: Material, grants: Iterable[policy.Grant], field: str) -> None:
    """Raise ``InvalidInput`` with every reason when the rules forbid ``grants``."""
    problems = grant_problems(material, grants)
    if problems:
        raise InvalidInput(" ".join(problems), field=field)


def give_grant(
    session: Session,
    person: Person,
    material: Material,
    kind: GrantKind,
    values: list[str],
    rights: Collection[str],
    expires_at: dt.datetime | None,
    *,
    field: str,
) -> AudienceGrant:
    """Give ``material`` a grant (checked values; it always lets them view), refused with
    ``InvalidInput`` on ``field`` when the licence, consent or ceiling forbid ``rights``."""
    candidate = policy.Grant(kind=kind.value, values=frozenset(values), rights=frozenset(rights))
    refuse_forbidden(material, [candidate], field=field)
    grant = AudienceGrant(
        kind=kind,
        values=values,
        can_view=True,
        can_download="download" in rights,
        can_adapt="adapt" in rights,
        expires_at=expires_at,
        created_by_id=person.id,
    )
    material.grants.append(grant)
    session.flush()
    return grant


def add_grant(
    session: Session,
    person: Person,
    material: Material,
    kind: str,
    values: Iterable[str],
    rights: Iterable[str],
    expires_at: dt.datetime | None = None,
) -> AudienceGrant:
    """Add an audience grant, refused when the licence, consent or ceiling forbid it."""
    _require_manage(session, person, material)
    try:
        grant_kind = GrantKind(kind)
    except ValueError:
        raise InvalidInput(
            _(
                "'%(value)s' is not an audience. Allowed: %(allowed)s.",
                value=kind,
                allowed=", ".join(k.value for k in GrantKind),
            ),
            field="kind",
        ) from None
    chosen = set(rights)
    unknown = chosen - set(policy.RIGHTS)
    if unknown or not chosen:
        raise InvalidInput(
            _("Choose what they may do: view, download and/or adapt."), field="rights"
        )
    if expires_at is not None and expires_at <= utcnow():
        raise InvalidInput(_("The end date must be in the future."), field="expires_at")
    checked = _check_values(session, grant_kind, values)
    grant = give_grant(
        session, person, material, grant_kind, checked, chosen | {"view"}, expires_at, field="kind"
    )
    audit.record(
        session,
        person,
        "material.grant_added",
        material,
        kind=grant_kind.value,
        values=checked,
        rights=sorted(chosen),
    )
    return grant


def remove_grant(session: Session, person: Person, material: Material, grant_id: int) -> None:
    """Withdraw one grant of the material."""
    _require_manage(session, person, material)
    grant = next((g for g in material.grants if g.id == grant_id), None)
    if grant is None:
        raise NotFound(_("There is no such grant."))
    material.grants.remove(grant)
    audit.record(
        session,
        person,
        "material.grant_removed",
        material,
        kind=grant.kind.value,
        values=grant.values,
    )


def set_availability(
    session: Session,
    person: Person,
    material: Material,
    *,
    teachers_only: bool,
    available_from: dt.datetime | None,
    available_until: dt.datetime | None,
) -> None:
    """Teachers only (exam banks), embargo and end of availability."""
    _require_manage(session, person, material)
    if available_from and available_until and available_until <= available_from:
        raise InvalidInput(
            _("The end of availability must come after its start."), field="available_until"
        )
    material.teachers_only = teachers_only
    material.available_from = available_from
    material.available_until = available_until
    audit.record(
        session,
        person,
        "material.availability_changed",
        material,
        teachers_only=teachers_only,
        available_from=available_from.isoformat() if available_from else None,
        available_until=available_until.isoformat() if available_until else None,
    )


@dataclass(frozen=True)
class Audience:
    """Who can see a material right now, in numbers a teacher understands."""

    public: bool
    schools: int
    countries: int
    students: bool
    school_names: list[str]

    def sentence(self) -> str:
        """'Anyone on the internet' or '14 schools in 12 countries, students included'."""
        if self.public:
            who = _("Anyone, signed in or not")
        else:
            who = _(
                "%(schools)s in %(countries)s",
                schools=ngettext("%(num)d member school", "%(num)d member schools", self.schools),
                countries=ngettext("%(num)d country", "%(num)d countries", self.countries),
            )
        if self.students:
            return _("%(who)s; students included.", who=who)
        return _("%(who)s; teachers and admins only.", who=who)


def audience(session: Session, material: Material) -> Audience:
    """Who can see the material's published version: every school is asked, as a teacher and
    as a student, through the policy module."""
    version = material.published or material.latest
    facts = policy.facts_for(session, version)
    if version.state.value != "published":
        facts = policy.MaterialFacts(**{**facts.__dict__, "state": "published", "is_current": True})
    schools = session.scalars(select(School).where(School.status == MembershipStatus.ACTIVE)).all()
    reached: list[School] = []
    students = False
    for school in schools:
        if policy.decide(policy.viewer_as(school, "teacher"), facts, "view"):
            reached.append(school)
            if policy.decide(policy.viewer_as(school, "student"), facts, "view"):
                students = True
    public = bool(policy.decide(policy.ANONYMOUS, facts, "view"))
    return Audience(
        public=public,
        schools=len(reached),
        countries=len({s.country for s in reached}),
        students=students,
        school_names=sorted(s.name for s in reached),
    )
