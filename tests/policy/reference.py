"""DESIGN.md's sharing rules, written out plainly and independently of ``hub.policy``.

The property tests compare ``hub.policy.decide`` with ``allowed`` below for random inputs.
Keep this file simple and literal: it is the specification in code, not an optimisation.
"""

from __future__ import annotations

import datetime as dt

from hub.policy import MaterialFacts, Viewer

CC = {
    "CC0-1.0",
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "CC-BY-NC-ND-4.0",
}
WIDTH = {"own_school": 0, "schools": 1, "regions": 2, "income": 2, "consortium": 3, "public": 4}


def implied(rights: frozenset[str]) -> set[str]:
    # "Each grant names the rights it gives"; to download or adapt one must be able to view.
    return set(rights) | {"view"} if rights else set()


def allowed(p: Viewer, m: MaterialFacts, action: str, now: dt.datetime) -> bool:
    signed_in = p.person_id is not None
    staff_of_owner = p.school_id == m.owner_school_id and p.role in ("teacher", "school_admin")
    published_now = m.state == "published" and m.is_current and not m.retired

    # Drafts are seen by the owner school's teachers and admins, who may do everything.
    if staff_of_owner:
        return published_now if action == "discover" else True
    if action in ("edit", "publish", "manage"):
        return False
    if m.state == "draft":
        return False
    # Only the published version is shared; retired ones leave search but stay reachable to
    # the schools that adopted them.
    if action == "discover" and not published_now:
        return False
    if (
        action != "discover"
        and not (m.is_current and not m.retired)
        and m.version_id not in p.adopted_versions
    ):
        return False
    # teachers_only materials never reach students (nor anonymous visitors, who may be any).
    if m.teachers_only and (p.role == "student" or not signed_in):
        return False
    # Embargo and end of availability.
    if m.available_from is not None and now < m.available_from:
        return False
    if m.available_until is not None and now >= m.available_until:
        return False
    # The owner school always has access (its students too).
    if p.school_id == m.owner_school_id:
        return action in ("discover", "view", "download")
    # Adapting makes a derived material in the adapter's school: teachers and admins only.
    if action == "adapt" and (p.school_id is None or p.role not in ("teacher", "school_admin")):
        return False
    needed = "view" if action in ("discover", "view") else action
    # Patients' consent: own school only means no sharing at all.
    if m.patient_data == "consented" and m.consent_scope in (None, "own_school"):
        return False
    reaches_members = p.role == "consortium_admin" or (p.school_id is not None and p.school_active)
    for g in m.grants:
        if g.expires_at is not None and now >= g.expires_at:
            continue
        if WIDTH[g.kind] > WIDTH[m.ceiling.audience]:
            continue  # above the school's ceiling
        if g.kind == "public":
            if m.licence not in CC:
                continue  # public requires a Creative Commons licence
            if m.patient_data == "consented" and m.consent_scope != "public":
                continue
        elif not m.owner_active:
            continue  # a suspended or withdrawn school's non-public materials are hidden
        rights = implied(g.rights) & implied(m.ceiling.rights)
        if "-ND-" in m.licence:
            rights.discard("adapt")
        if needed not in rights:
            continue
        if g.kind == "public":
            return True
        if not reaches_members:
            continue  # people of non-active schools reach only public content
        if g.kind == "consortium":
            return True
        if g.kind == "regions" and p.region in g.values:
            return True
        if g.kind == "income" and p.income in g.values:
            return True
        if g.kind == "schools" and p.school_id is not None and str(p.school_id) in g.values:
            return True
    return False
