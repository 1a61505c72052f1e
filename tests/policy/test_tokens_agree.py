"""Property: the search filter (tokens) and ``decide(..., "discover")`` agree for all inputs."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.policy import (
    ACTIONS,
    LICENCES,
    Ceiling,
    Grant,
    MaterialFacts,
    Viewer,
    access_tokens,
    decide,
    viewer_tokens,
)
from tests.policy import reference

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
SCHOOLS = [1, 2, 3]
REGIONS = ["202", "419", "154"]
INCOMES = ["HIC", "UMC", "LMC", "LIC"]
ROLES = ["student", "teacher", "school_admin", "consortium_admin"]

# Weighted towards the common case, so that allowed and denied answers are both frequent.
dates = st.sampled_from([None, None, None, NOW - dt.timedelta(days=3), NOW + dt.timedelta(days=3)])
mostly = st.sampled_from
rights = st.frozensets(st.sampled_from(["view", "download", "adapt"]), min_size=1)


@st.composite
def grants(draw: st.DrawFn) -> Grant:
    kind = draw(st.sampled_from(["public", "consortium", "regions", "income", "schools"]))
    pool = {"regions": REGIONS, "income": INCOMES, "schools": [str(s) for s in SCHOOLS]}.get(kind)
    values = draw(st.frozensets(st.sampled_from(pool))) if pool else frozenset()
    return Grant(kind=kind, values=values, rights=draw(rights), expires_at=draw(dates))


@st.composite
def materials(draw: st.DrawFn) -> MaterialFacts:
    patient = draw(mostly(["none", "none", "de-identified", "consented"]))
    return MaterialFacts(
        material_id=1,
        version_id=10,
        owner_school_id=draw(st.sampled_from(SCHOOLS)),
        owner_active=draw(mostly([True, True, False])),
        state=draw(mostly(["published", "published", "published", "draft", "superseded"])),
        is_current=draw(mostly([True, True, True, False])),
        retired=draw(mostly([False, False, False, True])),
        teachers_only=draw(mostly([False, False, True])),
        available_from=draw(dates),
        available_until=draw(dates),
        licence=draw(st.sampled_from(LICENCES)),
        patient_data=patient,
        consent_scope=draw(st.sampled_from([None, "own_school", "consortium", "public"])),
        grants=tuple(draw(st.lists(grants(), max_size=4))),
        ceiling=Ceiling(
            audience=draw(
                mostly(
                    ["public", "public", "own_school", "schools", "regions", "income", "consortium"]
                )
            ),
            rights=draw(rights),
        ),
    )


@st.composite
def viewers(draw: st.DrawFn) -> Viewer:
    if draw(st.booleans()) and draw(st.booleans()):
        return Viewer()
    role = draw(st.sampled_from(ROLES))
    school = None if role == "consortium_admin" else draw(st.sampled_from(SCHOOLS))
    return Viewer(
        person_id=7,
        school_id=school,
        role=role,
        school_active=draw(st.booleans()),
        region=None if school is None else draw(st.sampled_from(REGIONS)),
        income=None if school is None else draw(st.sampled_from(INCOMES)),
        adopted_versions=draw(st.sampled_from([frozenset(), frozenset({10})])),
    )


@pytest.mark.slow
@settings(max_examples=1500, deadline=None)
@given(viewer=viewers(), material=materials())
def test_found_in_search_exactly_when_decide_allows_discover(
    viewer: Viewer, material: MaterialFacts
) -> None:
    found = bool(access_tokens(material, NOW) & viewer_tokens(viewer))
    assert found == decide(viewer, material, "discover", NOW).allowed


@pytest.mark.slow
@settings(max_examples=1500, deadline=None)
@given(viewer=viewers(), material=materials())
def test_decide_agrees_with_the_plain_reference_of_design_md(
    viewer: Viewer, material: MaterialFacts
) -> None:
    for action in ACTIONS:
        expected = reference.allowed(viewer, material, action, NOW)
        assert decide(viewer, material, action, NOW).allowed == expected, action


@settings(max_examples=300, deadline=None)
@given(viewer=viewers(), material=materials())
def test_whoever_may_download_or_adapt_may_view(viewer: Viewer, material: MaterialFacts) -> None:
    for action in ("download", "adapt"):
        if decide(viewer, material, action, NOW):
            assert decide(viewer, material, "view", NOW)


@settings(max_examples=300, deadline=None)
@given(viewer=viewers(), material=materials())
def test_students_never_reach_teachers_only_materials(
    viewer: Viewer, material: MaterialFacts
) -> None:
    if viewer.role == "student" and material.teachers_only:
        for action in ("discover", "view", "download", "adapt"):
            assert not decide(viewer, material, action, NOW)


@settings(max_examples=300, deadline=None)
@given(viewer=viewers(), material=materials())
def test_every_decision_gives_a_reason(viewer: Viewer, material: MaterialFacts) -> None:
    for action in ("discover", "view", "download", "adapt", "edit"):
        assert decide(viewer, material, action, NOW).reasons
