"""The sharing rules: who may do what with a material, in two forms that must agree.

``decide(viewer, material, action)`` answers for one person and one material, with reasons in
words. ``access_tokens(material)`` and ``viewer_tokens(viewer)`` are the same rules as sets of
tokens: the search index stores a material's tokens, a search filters by the person's, and a
material is found exactly when ``decide(viewer, material, "discover")`` allows it.

The rules read plain facts (``Viewer``, ``MaterialFacts``), never the database, so that they
are fast, easy to test for all inputs, and the same on every surface. DESIGN.md ("Licensing and
sharing rules", "Patient data") is the specification.

Reasons are lazy strings (``flask_babel.lazy_gettext``): ``decide`` only builds them, and they
become words in the reader's interface language when shown (``Decision.reason``), so deciding
stays fast and a cached decision speaks every language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_babel.speaklater import LazyString

from ..i18n import join_words, short_date

Action = Literal["discover", "view", "download", "adapt", "edit", "publish", "manage"]
ACTIONS: tuple[Action, ...] = ("discover", "view", "download", "adapt", "edit", "publish", "manage")
READ_ACTIONS = ("discover", "view", "download", "adapt")
RIGHTS = ("view", "download", "adapt")

CREATIVE_COMMONS = {
    "CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-ND-4.0",
    "CC-BY-NC-ND-4.0",
}  # fmt: skip
LICENCES = (*sorted(CREATIVE_COMMONS), "LicenseRef-Consortium")
INCOME_WORDS = {
    "HIC": _l("high-income"),
    "UMC": _l("upper-middle-income"),
    "LMC": _l("lower-middle-income"),
    "LIC": _l("low-income"),
}
RIGHT_WORDS = {"view": _l("view"), "download": _l("download"), "adapt": _l("adapt")}
GRANT_KIND_WORDS = {
    "public": _l("public"),
    "consortium": _l("consortium"),
    "regions": _l("regions"),
    "income": _l("income"),
    "schools": _l("schools"),
}

# A reason: plain text, or a lazy string that is translated when it is shown.
Reason: TypeAlias = str | LazyString

# How wide each kind of grant reaches; a school's ceiling is one of these levels.
AUDIENCE_LEVEL = {
    "own_school": 0,
    "schools": 1,
    "regions": 2,
    "income": 2,
    "consortium": 3,
    "public": 4,
}


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a person (with their school's standing) or an anonymous visitor."""

    person_id: int | None = None
    school_id: int | None = None
    role: str | None = None  # student / teacher / school_admin / consortium_admin
    school_active: bool = False
    region: str | None = None
    income: str | None = None
    # Versions the viewer's school adopted; None: not read (a viewer that only discovers,
    # as search does: finding a material never depends on adoptions).
    adopted_versions: frozenset[int] | None = frozenset()

    @property
    def anonymous(self) -> bool:
        return self.person_id is None

    @property
    def is_student(self) -> bool:
        return self.role == "student"

    @property
    def is_staff(self) -> bool:
        """Anyone signed in who is not a student (teachers_only materials reach them)."""
        return not self.anonymous and not self.is_student

    @property
    def member_reach(self) -> bool:
        """Whether other schools' non-public grants can admit this viewer."""
        return self.role == "consortium_admin" or (
            self.school_id is not None and self.school_active
        )


ANONYMOUS = Viewer()


@dataclass(frozen=True)
class Grant:
    """An audience grant: ``kind`` with its ``values`` and the rights it gives."""

    kind: str  # public / consortium / regions / income / schools
    values: frozenset[str] = frozenset()
    rights: frozenset[str] = frozenset({"view"})
    expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class Ceiling:
    """The widest audience and the rights any material of a school may have."""

    audience: str = "public"
    rights: frozenset[str] = frozenset(RIGHTS)


NO_CEILING = Ceiling()


@dataclass(frozen=True)
class MaterialFacts:
    """What the rules need to know about one version of a material."""

    material_id: int
    version_id: int
    owner_school_id: int
    owner_active: bool
    state: str  # draft / published / superseded
    is_current: bool  # the version others see (the latest published one)
    retired: bool = False
    teachers_only: bool = False
    available_from: dt.datetime | None = None
    available_until: dt.datetime | None = None
    licence: str = "CC-BY-4.0"
    patient_data: str = "none"  # none / de-identified / consented
    consent_scope: str | None = None  # own_school / consortium / public
    grants: tuple[Grant, ...] = ()
    ceiling: Ceiling = NO_CEILING


@dataclass(frozen=True)
class Decision:
    """The answer, with the reasons a person can read."""

    allowed: bool
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def reason(self) -> str:
        """The reasons in words, in the interface language."""
        return " ".join(str(r) for r in self.reasons)


def _allow(*reasons: Reason) -> Decision:
    return Decision(True, tuple(reasons))


def _deny(*reasons: Reason) -> Decision:
    return Decision(False, tuple(reasons))


def _later(build: Any, *args: Any) -> LazyString:
    """A reason worded only when it is shown (``build(*args)`` runs then)."""
    return LazyString(build, *args)


# Grants that count ---------------------------------------------------------------------------


def effective_grants(m: MaterialFacts, now: dt.datetime) -> list[tuple[Grant, frozenset[str]]]:
    """The grants that admit anyone right now, each with the rights it really gives.

    Expired grants, grants above the school's ceiling, grants a licence forbids, grants beyond
    the patients' consent, and non-public grants of a school that is not an active member all
    drop out; the ceiling and an ND licence take rights away.
    """
    if m.patient_data == "consented" and m.consent_scope in (None, "own_school"):
        return []
    result = []
    for grant in m.grants:
        if grant.expires_at is not None and grant.expires_at <= now:
            continue
        if AUDIENCE_LEVEL.get(grant.kind, 99) > AUDIENCE_LEVEL.get(m.ceiling.audience, -1):
            continue
        if grant.kind == "public" and (
            m.licence not in CREATIVE_COMMONS
            or (m.patient_data == "consented" and m.consent_scope != "public")
        ):
            continue
        if grant.kind != "public" and not m.owner_active:
            continue
        if grant.kind in ("regions", "income", "schools") and not grant.values:
            continue
        rights = with_view(grant.rights) & with_view(m.ceiling.rights)
        if "-ND-" in m.licence:
            rights.discard("adapt")
        if rights:
            result.append((grant, frozenset(rights)))
    return result


def with_view(rights: frozenset[str] | set[str]) -> set[str]:
    """Downloading or adapting implies viewing: any right includes 'view'."""
    return set(rights) | {"view"} if rights else set()


def _matches(grant: Grant, viewer: Viewer) -> bool:
    if grant.kind == "public":
        return True
    if not viewer.member_reach:
        return False
    if grant.kind == "consortium":
        return True
    if grant.kind == "regions":
        return viewer.region in grant.values
    if grant.kind == "income":
        return viewer.income in grant.values
    if grant.kind == "schools":
        return viewer.school_id is not None and str(viewer.school_id) in grant.values
    return False


def describe_grant(grant: Grant) -> str:
    """A grant in words, in the interface language: 'shared with low-income member schools'."""
    from ..services import geography  # names only; no rule depends on them

    if grant.kind == "public":
        return _("shared with everyone")
    if grant.kind == "consortium":
        return _("shared with every member school of the consortium")
    if grant.kind == "regions":
        names = sorted(geography.subregion_display_name(code) for code in grant.values)
        return _("shared with member schools in %(places)s", places=join_words(names))
    if grant.kind == "income":
        order = list(INCOME_WORDS)
        ranked = sorted(grant.values, key=lambda v: (order.index(v) if v in order else 9, v))
        words = [str(INCOME_WORDS.get(v, v)) for v in ranked]
        return _("shared with %(groups)s member schools", groups=join_words(words))
    return ngettext(
        "shared with %(num)d named partner school",
        "shared with %(num)d named partner schools",
        len(grant.values),
    )


def _viewer_words(grant: Grant, viewer: Viewer) -> str:
    if grant.kind == "income" and viewer.income:
        # The group in words, with the World Bank's code people also know it by.
        words = INCOME_WORDS.get(viewer.income, viewer.income)
        return _("your school is %(group)s", group=f"{words} ({viewer.income})")
    if grant.kind == "regions" and viewer.region:
        from ..services import geography

        return _(
            "your school is in %(region)s",
            region=geography.subregion_display_name(viewer.region),
        )
    if grant.kind == "schools":
        return _("your school is one of them")
    if grant.kind == "consortium":
        return _("your school is an active member")
    return _("anyone may see it")


def _grant_reason(grant: Grant, viewer: Viewer) -> str:
    return _(
        "It is %(how_shared)s; %(why_you)s.",
        how_shared=describe_grant(grant),
        why_you=_viewer_words(grant, viewer),
    )


def _day(moment: dt.datetime) -> str:
    # Outside a request (tests of the rules, the command line) there is no reader: ISO date.
    return short_date(moment) if has_request_context() else f"{moment:%Y-%m-%d}"


def _embargoed(until: dt.datetime) -> str:
    return _("It is embargoed until %(date)s.", date=_day(until))


def _ended(until: dt.datetime) -> str:
    return _("It was available until %(date)s.", date=_day(until))


# The decision -----------------------------------------------------------------------------------

ONLY_CURRENT_FOUND = _l("Only the current published version is found in search.")
YOUR_SCHOOL_STAFF = _l("It belongs to your school, and you are one of its teachers or admins.")
ONLY_OWNERS_CHANGE = _l("Only teachers and admins of the school that owns it can change it.")
STUDENTS_DO_NOT_ADAPT = _l("Students do not adapt materials; a teacher can.")
IS_DRAFT = _l("It is a draft; only its school's teachers and admins see drafts.")
NO_LONGER_PUBLISHED = _l("It is no longer published.")
VERSION_NO_LONGER_PUBLISHED = _l("This version is no longer published.")
TEACHERS_ONLY = _l("It is for teachers only (for example an exam bank).")
YOUR_SCHOOL = _l("It belongs to your school.")
ADAPTING_NEEDS_STAFF = _l(
    "Adapting makes a new material in your school; only teachers and admins of a school can adapt."
)
NOT_LET = {
    "download": _l("You may see it, but its school does not let others download it."),
    "adapt": _l("You may see it, but its school does not let others adapt it."),
}
SCHOOL_NOT_ACTIVE = _l(
    "Your school is not an active member of the consortium just now, so you see "
    "only public materials of other schools."
)
NOT_PUBLIC = _l("It is not public; sign in to see what your school may use.")
NOT_SHARED = _l("It is not shared with your school.")


def _in_window(m: MaterialFacts, now: dt.datetime) -> LazyString | None:
    if m.available_from is not None and now < m.available_from:
        return _later(_embargoed, m.available_from)
    if m.available_until is not None and now >= m.available_until:
        return _later(_ended, m.available_until)
    return None


class ViewerWithoutAdoptions(ValueError):
    """A viewer read with ``adoptions=False`` was asked about more than discovering (a
    mistake in the caller: which versions its school adopted decides those actions)."""

    def __init__(self, action: str) -> None:
        super().__init__(f"this viewer was read without its adoptions: it cannot {action}")


def decide(
    viewer: Viewer, m: MaterialFacts, action: Action, now: dt.datetime | None = None
) -> Decision:
    """May ``viewer`` do ``action`` with this version of a material? With the reasons why."""
    now = now or dt.datetime.now(dt.UTC)
    if action not in ACTIONS:
        return _deny(_l("'%(action)s' is not something the hub lets anyone do.", action=action))
    own = viewer.school_id is not None and viewer.school_id == m.owner_school_id
    if own and viewer.role in ("teacher", "school_admin"):
        if action == "discover" and not (m.is_current and m.state == "published" and not m.retired):
            return _deny(ONLY_CURRENT_FOUND)
        return _allow(YOUR_SCHOOL_STAFF)
    if action in ("edit", "publish", "manage"):
        return _deny(ONLY_OWNERS_CHANGE)
    if viewer.is_student and action == "adapt":
        return _deny(STUDENTS_DO_NOT_ADAPT)
    if m.state == "draft":
        return _deny(IS_DRAFT)
    if action != "discover" and viewer.adopted_versions is None:
        raise ViewerWithoutAdoptions(action)
    adopted = viewer.adopted_versions is not None and m.version_id in viewer.adopted_versions
    if action == "discover":
        if not m.is_current or m.state != "published" or m.retired:
            return _deny(NO_LONGER_PUBLISHED)
    elif not adopted and (not m.is_current or m.retired):
        return _deny(VERSION_NO_LONGER_PUBLISHED)
    if m.teachers_only and not viewer.is_staff:
        return _deny(TEACHERS_ONLY)
    window = _in_window(m, now)
    if window is not None:
        return _deny(window)
    if own:
        if action in ("discover", "view", "download"):
            return _allow(YOUR_SCHOOL)
        return _deny(STUDENTS_DO_NOT_ADAPT)
    if action == "adapt" and (viewer.school_id is None or not viewer.is_staff):
        return _deny(ADAPTING_NEEDS_STAFF)
    needed = "view" if action in ("discover", "view") else action
    matched = False
    for grant, rights in effective_grants(m, now):
        if not _matches(grant, viewer):
            continue
        matched = True
        if needed in rights:
            return _allow(_later(_grant_reason, grant, viewer))
    if matched:
        return _deny(NOT_LET[needed])
    if not viewer.anonymous and not viewer.member_reach and viewer.role != "consortium_admin":
        return _deny(SCHOOL_NOT_ACTIVE)
    if viewer.anonymous:
        return _deny(NOT_PUBLIC)
    return _deny(NOT_SHARED)


# The token form -----------------------------------------------------------------------------------


def access_tokens(m: MaterialFacts, now: dt.datetime | None = None) -> frozenset[str]:
    """The tokens the search index stores for this version (see ``viewer_tokens``)."""
    now = now or dt.datetime.now(dt.UTC)
    if not m.is_current or m.state != "published" or m.retired:
        return frozenset()
    tokens = {f"own-staff:{m.owner_school_id}"}
    if _in_window(m, now) is not None:
        return frozenset(tokens)
    suffix = ":staff" if m.teachers_only else ""
    if not m.teachers_only:
        tokens.add(f"own:{m.owner_school_id}")
    for grant, _rights in effective_grants(m, now):
        if grant.kind == "public":
            tokens.add("public" + suffix)
        elif grant.kind == "consortium":
            tokens.add("consortium" + suffix)
        else:
            prefix = {"regions": "region", "income": "income", "schools": "school"}[grant.kind]
            tokens.update(f"{prefix}:{value}{suffix}" for value in grant.values)
    return frozenset(tokens)


def viewer_tokens(viewer: Viewer) -> frozenset[str]:
    """The tokens a search by ``viewer`` filters on."""
    base: set[str] = {"public"}
    if viewer.school_id is not None:
        base.add(f"own:{viewer.school_id}")
    if viewer.member_reach:
        base.add("consortium")
        if viewer.school_id is not None:
            base.add(f"school:{viewer.school_id}")
            if viewer.region:
                base.add(f"region:{viewer.region}")
            if viewer.income:
                base.add(f"income:{viewer.income}")
    tokens = set(base)
    if viewer.is_staff:
        tokens.update(f"{t}:staff" for t in base if not t.startswith("own:"))
        if viewer.school_id is not None and viewer.role in ("teacher", "school_admin"):
            tokens.add(f"own-staff:{viewer.school_id}")
    return frozenset(tokens)


def grant_problems(
    licence: str,
    grants: Iterable[Grant],
    ceiling: Ceiling,
    patient_data: str = "none",
    consent_scope: str | None = None,
) -> list[str]:
    """Why a set of grants cannot be saved (licence, ceiling and consent rules), in words."""
    problems = []
    for grant in grants:
        kind = str(GRANT_KIND_WORDS.get(grant.kind, grant.kind))
        if grant.kind == "public" and licence not in CREATIVE_COMMONS:
            problems.append(
                _(
                    "A public grant needs a Creative Commons licence; %(licence)s is not.",
                    licence=licence,
                )
            )
        if "adapt" in grant.rights and "-ND-" in licence:
            problems.append(
                _(
                    "%(licence)s allows no derivatives, so no grant may give 'adapt'.",
                    licence=licence,
                )
            )
        if AUDIENCE_LEVEL.get(grant.kind, 99) > AUDIENCE_LEVEL.get(ceiling.audience, -1):
            problems.append(_("Your school's ceiling does not allow %(kind)s grants.", kind=kind))
        extra = set(grant.rights) - set(ceiling.rights)
        if extra:
            words = [str(RIGHT_WORDS.get(r, r)) for r in sorted(extra)]
            problems.append(
                _("Your school's ceiling does not allow %(rights)s.", rights=join_words(words))
            )
        if patient_data == "consented":
            if consent_scope in (None, "own_school"):
                problems.append(_("The patients consented to use in your school only."))
            elif consent_scope == "consortium" and grant.kind == "public":
                problems.append(_("The patients consented to use in the consortium, not publicly."))
        if grant.kind in ("regions", "income", "schools") and not grant.values:
            problems.append(_("A %(kind)s grant must name at least one.", kind=kind))
    return list(dict.fromkeys(problems))
