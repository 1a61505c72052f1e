"""The sharing rules: who may do what with a material, in two forms that must agree.

``decide(viewer, material, action)`` answers for one person and one material, with reasons in
words. ``access_tokens(material)`` and ``viewer_tokens(viewer)`` are the same rules as sets of
tokens: the search index stores a material's tokens, a search filters by the person's, and a
material is found exactly when ``decide(viewer, material, "discover")`` allows it.

The rules read plain facts (``Viewer``, ``MaterialFacts``), never the database, so that they
are fast, easy to test for all inputs, and the same on every surface. DESIGN.md ("Licensing and
sharing rules", "Patient data") is the specification.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

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
    "HIC": "high-income",
    "UMC": "upper-middle-income",
    "LMC": "lower-middle-income",
    "LIC": "low-income",
}

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
    adopted_versions: frozenset[int] = frozenset()  # versions the viewer's school adopted

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
    reasons: tuple[str, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)


def _allow(*reasons: str) -> Decision:
    return Decision(True, tuple(reasons))


def _deny(*reasons: str) -> Decision:
    return Decision(False, tuple(reasons))


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
    """A grant in words: 'shared with low- and lower-middle-income schools'."""
    from ..services import geography  # names only; no rule depends on them

    if grant.kind == "public":
        return "shared with everyone"
    if grant.kind == "consortium":
        return "shared with every member school of the consortium"
    if grant.kind == "regions":
        names = sorted(geography.subregion_name(code) for code in grant.values)
        return f"shared with member schools in {_join(names)}"
    if grant.kind == "income":
        order = list(INCOME_WORDS)
        ranked = sorted(grant.values, key=lambda v: (order.index(v) if v in order else 9, v))
        words = [INCOME_WORDS.get(v, v) for v in ranked]
        return f"shared with {_join(words)} member schools"
    return f"shared with {len(grant.values)} named partner school" + (
        "s" if len(grant.values) != 1 else ""
    )


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _viewer_words(grant: Grant, viewer: Viewer) -> str:
    if grant.kind == "income" and viewer.income:
        return f"your school is {viewer.income}"
    if grant.kind == "regions" and viewer.region:
        from ..services import geography

        return f"your school is in {geography.subregion_name(viewer.region)}"
    if grant.kind == "schools":
        return "your school is one of them"
    if grant.kind == "consortium":
        return "your school is an active member"
    return "anyone may see it"


# The decision -----------------------------------------------------------------------------------


def _in_window(m: MaterialFacts, now: dt.datetime) -> str | None:
    if m.available_from is not None and now < m.available_from:
        return f"It is embargoed until {m.available_from:%Y-%m-%d}."
    if m.available_until is not None and now >= m.available_until:
        return f"It was available until {m.available_until:%Y-%m-%d}."
    return None


def decide(
    viewer: Viewer, m: MaterialFacts, action: Action, now: dt.datetime | None = None
) -> Decision:
    """May ``viewer`` do ``action`` with this version of a material? With the reasons why."""
    now = now or dt.datetime.now(dt.UTC)
    if action not in ACTIONS:
        return _deny(f"'{action}' is not something the hub lets anyone do.")
    own = viewer.school_id is not None and viewer.school_id == m.owner_school_id
    if own and viewer.role in ("teacher", "school_admin"):
        if action == "discover" and not (m.is_current and m.state == "published" and not m.retired):
            return _deny("Only the current published version is found in search.")
        return _allow("It belongs to your school, and you are one of its teachers or admins.")
    if action in ("edit", "publish", "manage"):
        return _deny("Only teachers and admins of the school that owns it can change it.")
    if viewer.is_student and action == "adapt":
        return _deny("Students do not adapt materials; a teacher can.")
    if m.state == "draft":
        return _deny("It is a draft; only its school's teachers and admins see drafts.")
    adopted = m.version_id in viewer.adopted_versions
    if action == "discover":
        if not m.is_current or m.state != "published" or m.retired:
            return _deny("It is no longer published.")
    elif not adopted and (not m.is_current or m.retired):
        return _deny("This version is no longer published.")
    if m.teachers_only and not viewer.is_staff:
        return _deny("It is for teachers only (for example an exam bank).")
    window = _in_window(m, now)
    if window:
        return _deny(window)
    if own:
        if action in ("discover", "view", "download"):
            return _allow("It belongs to your school.")
        return _deny("Students do not adapt materials; a teacher can.")
    if action == "adapt" and (viewer.school_id is None or not viewer.is_staff):
        return _deny(
            "Adapting makes a new material in your school; only teachers and admins of "
            "a school can adapt."
        )
    needed = "view" if action in ("discover", "view") else action
    matched = False
    for grant, rights in effective_grants(m, now):
        if not _matches(grant, viewer):
            continue
        matched = True
        if needed in rights:
            return _allow(f"It is {describe_grant(grant)}; {_viewer_words(grant, viewer)}.")
    if matched:
        return _deny(f"You may see it, but its school does not let others {action} it.")
    if not viewer.anonymous and not viewer.member_reach and viewer.role != "consortium_admin":
        return _deny(
            "Your school is not an active member of the consortium just now, so you see "
            "only public materials of other schools."
        )
    if viewer.anonymous:
        return _deny("It is not public; sign in to see what your school may use.")
    return _deny("It is not shared with your school.")


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
        if grant.kind == "public" and licence not in CREATIVE_COMMONS:
            problems.append(f"A public grant needs a Creative Commons licence; {licence} is not.")
        if "adapt" in grant.rights and "-ND-" in licence:
            problems.append(f"{licence} allows no derivatives, so no grant may give 'adapt'.")
        if AUDIENCE_LEVEL.get(grant.kind, 99) > AUDIENCE_LEVEL.get(ceiling.audience, -1):
            problems.append(f"Your school's ceiling does not allow {grant.kind} grants.")
        extra = set(grant.rights) - set(ceiling.rights)
        if extra:
            problems.append(f"Your school's ceiling does not allow {', '.join(sorted(extra))}.")
        if patient_data == "consented":
            if consent_scope in (None, "own_school"):
                problems.append("The patients consented to use in your school only.")
            elif consent_scope == "consortium" and grant.kind == "public":
                problems.append("The patients consented to use in the consortium, not publicly.")
        if grant.kind in ("regions", "income", "schools") and not grant.values:
            problems.append(f"A {grant.kind} grant must name at least one.")
    return list(dict.fromkeys(problems))
