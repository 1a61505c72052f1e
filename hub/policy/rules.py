"""The sharing rules: who may do what with a material, in two forms that must agree.

``decide(viewer, material, action)`` answers for one person and one material, with its reasons
as codes and parameters (``Reason``). ``access_tokens(material)`` and ``viewer_tokens(viewer)``
are the same rules as sets of tokens: the search index stores a material's tokens, a search
filters by the person's, and a material is found exactly when
``decide(viewer, material, "discover")`` allows it.

The rules read plain facts (``Viewer``, ``MaterialFacts``), never the database, so that they
are fast, easy to test for all inputs, and the same on every surface. DESIGN.md ("Licensing and
sharing rules", "Patient data") is the specification.

The policy knows no request and no language: a reason is a code with parameters, and
``hub/reasons.py`` words it in the reader's interface language where it is shown. So deciding
stays fast, the rules run anywhere (commands, jobs, tests), and a cached decision speaks every
language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..models.person import STAFF

Action = Literal["discover", "view", "download", "adapt", "edit", "publish", "manage"]
ACTIONS: tuple[Action, ...] = ("discover", "view", "download", "adapt", "edit", "publish", "manage")
READ_ACTIONS = ("discover", "view", "download", "adapt")
RIGHTS = ("view", "download", "adapt")

CREATIVE_COMMONS = {
    "CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-ND-4.0",
    "CC-BY-NC-ND-4.0",
}  # fmt: skip
LICENCES = (*sorted(CREATIVE_COMMONS), "LicenseRef-Consortium")
INCOME_GROUPS = ("HIC", "UMC", "LMC", "LIC")  # richest first, as the World Bank lists them

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
        """A visitor who is not signed in (a view-as stand-in has a role and no person)."""
        return self.role is None

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
    owner_name: str = ""  # for the reasons' words only ("granted ... by <school>")


@dataclass(frozen=True)
class Reason:
    """Why a decision went as it did: a code and its parameters, worded where it is shown
    (``hub/reasons.py``). Codes are listed in ``REASON_CODES``."""

    code: str
    params: tuple[tuple[str, Any], ...] = ()

    def param(self, name: str) -> Any:
        """The value of one parameter (``None`` if the reason has none of that name)."""
        return dict(self.params).get(name)


def _reason(code: str, **params: Any) -> Reason:
    return Reason(code, tuple(sorted(params.items())))


# Every code ``decide`` and ``grant_problems`` give, so that the wording can be checked whole.
REASON_CODES = (
    "unknown-action", "only-current-found", "own-staff", "only-owners-change",
    "students-do-not-adapt", "draft", "no-longer-published", "version-no-longer-published",
    "teachers-only", "embargoed", "ended", "own-school", "adapting-needs-staff", "granted",
    "not-let", "licence-no-derivatives", "school-not-active", "not-public", "not-shared",
    "public-needs-cc", "nd-no-adapt", "ceiling-kind", "ceiling-rights", "consent-own-school",
    "consent-not-public", "grant-needs-values", "granted-to-your-school",
)  # fmt: skip


@dataclass(frozen=True)
class Decision:
    """The answer, with the reasons as codes (``hub/reasons.py`` words them)."""

    allowed: bool
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return self.allowed

    def because(self, code: str) -> bool:
        """Whether ``code`` is one of the reasons (pages and services ask, never re-derive)."""
        return any(r.code == code for r in self.reasons)


def _allow(*reasons: Reason) -> Decision:
    return Decision(True, tuple(reasons))


def _deny(*reasons: Reason) -> Decision:
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


# The decision -----------------------------------------------------------------------------------


def _in_window(m: MaterialFacts, now: dt.datetime) -> Reason | None:
    if m.available_from is not None and now < m.available_from:
        return _reason("embargoed", until=m.available_from)
    if m.available_until is not None and now >= m.available_until:
        return _reason("ended", until=m.available_until)
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
        return _deny(_reason("unknown-action", action=action))
    own = viewer.school_id is not None and viewer.school_id == m.owner_school_id
    if own and viewer.role in STAFF:
        if action == "discover" and not (m.is_current and m.state == "published" and not m.retired):
            return _deny(_reason("only-current-found"))
        return _allow(_reason("own-staff"))
    if action in ("edit", "publish", "manage"):
        return _deny(_reason("only-owners-change"))
    if viewer.is_student and action == "adapt":
        return _deny(_reason("students-do-not-adapt"))
    if m.state == "draft":
        return _deny(_reason("draft"))
    if action != "discover" and viewer.adopted_versions is None:
        raise ViewerWithoutAdoptions(action)
    adopted = viewer.adopted_versions is not None and m.version_id in viewer.adopted_versions
    if action == "discover":
        if not m.is_current or m.state != "published" or m.retired:
            return _deny(_reason("no-longer-published"))
    elif not adopted and (not m.is_current or m.retired):
        return _deny(_reason("version-no-longer-published"))
    if m.teachers_only and not viewer.is_staff:
        return _deny(_reason("teachers-only"))
    window = _in_window(m, now)
    if window is not None:
        return _deny(window)
    if own:
        if action in ("discover", "view", "download"):
            return _allow(_reason("own-school"))
        return _deny(_reason("students-do-not-adapt"))
    if action == "adapt" and (viewer.school_id is None or not viewer.is_staff):
        return _deny(_reason("adapting-needs-staff"))
    if action == "adapt" and "-ND-" in m.licence:
        # The licence, not the owner school, forbids it: no grant or request can change that.
        return _deny(_reason("licence-no-derivatives", licence=m.licence))
    needed = "view" if action in ("discover", "view") else action
    matched = False
    admitting: list[tuple[Grant, frozenset[str]]] = []
    for grant, rights in effective_grants(m, now):
        if not _matches(grant, viewer):
            continue
        matched = True
        if needed in rights:
            admitting.append((grant, rights))
    if admitting:
        return _allow(_admitted_by(admitting, viewer, m))
    if matched:
        return _deny(_reason("not-let", right=needed))
    if not viewer.anonymous and not viewer.member_reach and viewer.role != "consortium_admin":
        return _deny(_reason("school-not-active"))
    if viewer.anonymous:
        return _deny(_reason("not-public"))
    return _deny(_reason("not-shared"))


def _admitted_by(
    admitting: list[tuple[Grant, frozenset[str]]], viewer: Viewer, m: MaterialFacts
) -> Reason:
    """Why the grants that admit the viewer do: a grant naming the viewer's school (a
    granted access request, a partner school) is said with its rights and end date, the one
    that gives the most and lasts longest first; else the first grant that admits."""
    named = [(grant, rights) for grant, rights in admitting if grant.kind == "schools"]
    if named:
        grant, rights = max(
            named,
            key=lambda gr: (len(gr[1]), gr[0].expires_at is None, gr[0].expires_at or _EPOCH),
        )
        return _reason(
            "granted-to-your-school",
            rights=tuple(r for r in RIGHTS if r in rights),
            until=grant.expires_at,
            owner=m.owner_name,
        )
    grant = admitting[0][0]
    return _reason("granted", grant=grant, region=viewer.region, income=viewer.income)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


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
        if viewer.school_id is not None and viewer.role in STAFF:
            tokens.add(f"own-staff:{viewer.school_id}")
    return frozenset(tokens)


def grant_problems(
    licence: str,
    grants: Iterable[Grant],
    ceiling: Ceiling,
    patient_data: str = "none",
    consent_scope: str | None = None,
) -> list[Reason]:
    """Why a set of grants cannot be saved (licence, ceiling and consent rules), as reasons."""
    problems = []
    for grant in grants:
        if grant.kind == "public" and licence not in CREATIVE_COMMONS:
            problems.append(_reason("public-needs-cc", licence=licence))
        if "adapt" in grant.rights and "-ND-" in licence:
            problems.append(_reason("nd-no-adapt", licence=licence))
        if AUDIENCE_LEVEL.get(grant.kind, 99) > AUDIENCE_LEVEL.get(ceiling.audience, -1):
            problems.append(_reason("ceiling-kind", kind=grant.kind))
        extra = set(grant.rights) - set(ceiling.rights)
        if extra:
            rights = tuple(r for r in RIGHTS if r in extra)
            problems.append(_reason("ceiling-rights", rights=rights))
        if patient_data == "consented":
            if consent_scope in (None, "own_school"):
                problems.append(_reason("consent-own-school"))
            elif consent_scope == "consortium" and grant.kind == "public":
                problems.append(_reason("consent-not-public"))
        if grant.kind in ("regions", "income", "schools") and not grant.values:
            problems.append(_reason("grant-needs-values", kind=grant.kind))
    return list(dict.fromkeys(problems))
