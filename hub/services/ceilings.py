"""A school's sharing ceiling and defaults, set by its admins, with their effect shown first."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy
from ..i18n import join_words
from ..models import Material, MembershipStatus, Person, Role, School, VersionState
from ..models.material import MaterialVersion
from . import audit
from .errors import InvalidInput, NotFound

AUDIENCES = {
    "own_school": _l("our school only"),
    "schools": _l("named partner schools"),
    "regions": _l("schools in chosen regions"),
    "income": _l("schools of chosen income groups"),
    "consortium": _l("every member school"),
    "public": _l("everyone, including the public"),
}
DEFAULT_AUDIENCES = {
    "own_school": _l("our school only"),
    "region": _l("member schools in our region"),
    "income": _l("member schools of our income group"),
    "consortium": _l("every member school"),
    "public": _l("everyone, including the public"),
}
DEFAULT_LEVEL = {
    "own_school": "own_school",
    "region": "regions",
    "income": "income",
    "consortium": "consortium",
    "public": "public",
}
RIGHT_WORDS = {"view": _l("view online"), "download": _l("download"), "adapt": _l("adapt")}


def rights_in_words(rights: Iterable[str]) -> str:
    """Rights as a reader says them: 'view online, download and adapt'."""
    chosen = set(rights)
    return join_words([str(RIGHT_WORDS[r]) for r in RIGHT_WORDS if r in chosen])


@dataclass(frozen=True)
class Impact:
    """What a new ceiling would change for the school's published materials."""

    materials: int
    no_longer_public: int
    fewer_schools: int
    fewer_rights: int

    def lines(self) -> list[str]:
        """The changes in words (empty when nothing changes)."""
        out = []
        if self.no_longer_public:
            out.append(
                ngettext(
                    "%(num)d material will no longer be visible to the public.",
                    "%(num)d materials will no longer be visible to the public.",
                    self.no_longer_public,
                )
            )
        if self.fewer_schools:
            out.append(
                ngettext(
                    "%(num)d material will reach fewer member schools.",
                    "%(num)d materials will reach fewer member schools.",
                    self.fewer_schools,
                )
            )
        if self.fewer_rights:
            out.append(
                ngettext(
                    "%(num)d material will give other schools fewer rights (download or adapt).",
                    "%(num)d materials will give other schools fewer rights (download or adapt).",
                    self.fewer_rights,
                )
            )
        return out


def summary(school: School) -> str:
    """The ceiling and defaults in plain words."""
    rights = join_words(
        [str(RIGHT_WORDS[r]) for r in policy.RIGHTS if r in school.ceiling_rights]
    ) or _("nothing")
    default_rights = join_words(
        [str(RIGHT_WORDS[r]) for r in policy.RIGHTS if r in school.default_rights]
    ) or _("nothing")
    return _(
        "Materials of %(school)s may be shared at most with %(audience)s, who may "
        "%(rights)s. A new material starts shared with %(default_audience)s "
        "(%(default_rights)s).",
        school=school.name,
        audience=AUDIENCES.get(school.ceiling_audience, school.ceiling_audience),
        rights=rights,
        default_audience=DEFAULT_AUDIENCES.get(school.default_audience, school.default_audience),
        default_rights=default_rights,
    )


def _known(value: str, allowed: Mapping[str, Any], refusal: Any, field: str) -> None:
    """Refuse ``value`` on ``field`` unless ``allowed`` holds it; ``refusal`` (lazy words)
    names the value and what is allowed."""
    if value not in allowed:
        words = str(refusal) % {"value": value, "allowed": ", ".join(allowed)}
        raise InvalidInput(words, field=field)


def check_rules(
    audience: str, rights: list[str], default_audience: str, default_rights: list[str]
) -> None:
    """Refuse unknown audiences or rights, and defaults wider than the ceiling."""
    _known(
        audience,
        AUDIENCES,
        _l("'%(value)s' is not an audience. Allowed: %(allowed)s."),
        "ceiling_audience",
    )
    _known(
        default_audience,
        DEFAULT_AUDIENCES,
        _l("'%(value)s' is not a default audience. Allowed: %(allowed)s."),
        "default_audience",
    )
    for value in (*rights, *default_rights):
        if value not in RIGHT_WORDS:
            raise InvalidInput(
                _("'%(value)s' is not a right (view, download, adapt).", value=value),
                field="ceiling_rights",
            )
    level = policy.rules.AUDIENCE_LEVEL
    if level[DEFAULT_LEVEL[default_audience]] > level[audience]:
        raise InvalidInput(
            _("The default cannot reach wider than the ceiling."), field="default_audience"
        )
    if not set(default_rights) <= set(rights) | {"view"}:
        raise InvalidInput(
            _("The default rights cannot exceed the ceiling's."), field="default_rights"
        )


def impact(session: Session, school: School, audience: str, rights: list[str]) -> Impact:
    """Compare every published material of the school under the current and a new ceiling."""
    versions = session.scalars(
        select(MaterialVersion)
        .join(Material, Material.id == MaterialVersion.material_id)
        .where(
            Material.school_id == school.id,
            MaterialVersion.state == VersionState.PUBLISHED,
            Material.retired_at.is_(None),
        )
    ).all()
    facts = policy.facts_for_versions(session, versions)
    others = session.scalars(
        select(School).where(School.status == MembershipStatus.ACTIVE, School.id != school.id)
    ).all()
    viewers = [policy.viewer_as(s, "teacher") for s in others]
    new = policy.Ceiling(audience=audience, rights=frozenset(rights))
    public = fewer_schools = fewer_rights = 0
    for before in facts.values():
        after = dataclasses.replace(before, ceiling=new)
        if policy.decide(policy.ANONYMOUS, before, "view") and not policy.decide(
            policy.ANONYMOUS, after, "view"
        ):
            public += 1
        reach_before = sum(1 for v in viewers if policy.decide(v, before, "view"))
        reach_after = sum(1 for v in viewers if policy.decide(v, after, "view"))
        if reach_after < reach_before:
            fewer_schools += 1
        for right in ("download", "adapt"):
            if any(
                policy.decide(v, before, right) and not policy.decide(v, after, right)
                for v in viewers
            ):
                fewer_rights += 1
                break
    return Impact(len(facts), public, fewer_schools, fewer_rights)


def set_sharing_rules(
    session: Session,
    admin: Person,
    audience: str,
    rights: list[str],
    default_audience: str,
    default_rights: list[str],
) -> School:
    """Save the school's ceiling and defaults; lowering the ceiling narrows materials at once."""
    if admin.role is not Role.SCHOOL_ADMIN or admin.school_id is None:
        raise NotFound(_("There is nothing here."))
    check_rules(audience, rights, default_audience, default_rights)
    school = session.get(School, admin.school_id)
    assert school is not None
    before = (school.ceiling_audience, list(school.ceiling_rights))
    school.ceiling_audience = audience
    school.ceiling_rights = [r for r in policy.RIGHTS if r in rights]
    school.default_audience = default_audience
    school.default_rights = [r for r in policy.RIGHTS if r in {*default_rights, "view"}]
    audit.record(
        session,
        admin,
        "school.sharing_rules_changed",
        school,
        ceiling_before=before,
        ceiling_after=[audience, school.ceiling_rights],
        default=[default_audience, school.default_rights],
    )
    return school


def default_grant(school: School) -> policy.Grant | None:
    """The grant a new material of ``school`` starts with (None: own school only)."""
    audience = school.default_audience
    if audience == "own_school":
        return None
    values = {
        "region": frozenset({school.region}),
        "income": frozenset({school.income_group.value}),
    }.get(audience, frozenset())
    kind = DEFAULT_LEVEL[audience]
    return policy.Grant(kind=kind, values=values, rights=frozenset(school.default_rights))
