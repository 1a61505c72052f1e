"""Browse, search, the material page and its files agree with ``decide`` both ways.

Nothing appears that ``decide`` denies, and nothing ``decide`` allows is missing. That no page
at all shows a hidden material is the crawler's proof (``test_crawler.py``), which follows every
link and form instead of a list of surfaces.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub import policy
from hub.models import (
    AudienceGrant,
    File,
    GrantKind,
    Material,
    MaterialVersion,
    MembershipStatus,
    Person,
    Role,
    VersionFile,
    VersionState,
    utcnow,
)
from hub.services.sample_files import pdf_document
from hub.storage import store_for
from tests.conftest import sign_in
from tests.factories import ConsortiumAdminFactory, PersonFactory, SchoolFactory


@dataclass
class Probe:
    material: Material
    version: MaterialVersion
    file: File
    title: str


def _consortium(session: Session, app: Flask) -> tuple[list[Person | None], list[Probe]]:
    rng = random.Random(11)
    schools = [
        SchoolFactory(country="KE"),
        SchoolFactory(country="SE"),
        SchoolFactory(country="BR"),
        SchoolFactory(country="IN", status=MembershipStatus.SUSPENDED),
        SchoolFactory(country="VN", status=MembershipStatus.APPLIED),
    ]
    people: list[Person | None] = [None, ConsortiumAdminFactory()]
    for school in schools:
        for role in (Role.STUDENT, Role.TEACHER, Role.SCHOOL_ADMIN):
            people.append(PersonFactory(school=school, role=role))
    store = store_for(app)
    probes = []
    now = utcnow()
    for n in range(18):
        owner = schools[n % len(schools)]
        title = f"LeakProbe-{n:02d}"
        licence = rng.choice(["CC-BY-4.0", "CC-BY-ND-4.0", "LicenseRef-Consortium", "CC0-1.0"])
        material = Material(
            school_id=owner.id,
            teachers_only=rng.random() < 0.2,
            retired_at=now if rng.random() < 0.1 else None,
            available_from=now + dt.timedelta(days=5) if rng.random() < 0.1 else None,
        )
        session.add(material)
        session.flush()
        data = pdf_document(title, [f"Probe number {n}."])
        blob = store.put(io.BytesIO(data), "application/pdf")
        record = File(
            sha256=blob.sha256,
            size=blob.size,
            media_type="application/pdf",
            filename=f"{title}.pdf",
            school_id=owner.id,
        )
        session.add(record)
        session.flush()
        state = rng.choice([VersionState.PUBLISHED] * 5 + [VersionState.DRAFT])
        version = MaterialVersion(
            material_id=material.id,
            number=1,
            title=title,
            summary="Probe.",
            language="en",
            level="clinical",
            resource_type="lecture",
            licence=licence,
            state=state,
            published_at=now if state is VersionState.PUBLISHED else None,
        )
        version.attachments.append(VersionFile(file_id=record.id, position=0))
        session.add(version)
        for _ in range(rng.randrange(0, 3)):
            kind = rng.choice(list(GrantKind))
            values = {
                GrantKind.REGIONS: ["202"],
                GrantKind.INCOME: ["LMC", "LIC"],
                GrantKind.SCHOOLS: [str(schools[2].id)],
            }.get(kind, [])
            session.add(
                AudienceGrant(
                    material_id=material.id,
                    kind=kind,
                    values=values,
                    can_view=True,
                    can_download=rng.random() < 0.5,
                    can_adapt=rng.random() < 0.3,
                )
            )
        session.flush()
        session.refresh(material)
        probes.append(Probe(material, version, record, title))
    return people, probes


def _client(app: Flask, person: Person | None) -> FlaskClient:
    client = app.test_client()
    if person is not None:
        sign_in(client, person)
    return client


@pytest.mark.slow
def test_no_surface_shows_what_decide_denies_nor_hides_what_it_allows(
    app: Flask, session: Session
) -> None:
    people, probes = _consortium(session, app)
    session.commit()
    from hub.search import catch_up_now, index_for, shutdown

    catch_up_now(app)
    mismatches: list[str] = []
    for person in people:
        client = _client(app, person)
        viewer = policy.viewer_for(session, person)
        who = "visitor" if person is None else f"{person.role.value}@{person.school_id}"
        listing = "".join(client.get(f"/browse?page={p}").get_data(as_text=True) for p in (1, 2))
        searched = client.get("/search?q=").get_data(as_text=True)
        results = index_for(app).search(
            "", person_tokens=policy.viewer_tokens(viewer), page_size=50
        )
        visible_ids = {
            str(p.material.id)
            for p in probes
            if policy.decide(viewer, policy.facts_for(session, p.version), "discover")
        }
        if {h.id for h in results.hits} != visible_ids or results.total != len(visible_ids):
            mismatches.append(f"{who}: search hits differ from decide()")
        counted = sum(count for _, count in results.facets["school"])
        if counted != len(visible_ids):
            mismatches.append(f"{who}: school facet counts {counted}, visible {len(visible_ids)}")
        for probe in probes:
            facts = policy.facts_for(session, probe.version)
            can = {a: policy.decide(viewer, facts, a).allowed for a in policy.ACTIONS}
            m, f = probe.material.id, probe.file.id
            if (probe.title in listing) != can["discover"]:
                mismatches.append(f"{who}: browse shows {probe.title}={not can['discover']}")
            if (probe.title in searched) != can["discover"]:
                mismatches.append(f"{who}: search shows {probe.title}={not can['discover']}")
            page = client.get(f"/materials/{m}?v=1")
            if (page.status_code == 200) != can["view"] or page.status_code not in (200, 404):
                mismatches.append(f"{who}: page of {probe.title} -> {page.status_code}")
            compare = client.get(f"/materials/{m}/compare?a=1&b=1")
            if (compare.status_code == 200) != can["view"]:
                mismatches.append(f"{who}: compare of {probe.title} -> {compare.status_code}")
            for read in ("view", "pages/1.png"):
                preview = client.get(f"/materials/{m}/v/1/files/{f}/{read}")
                if (preview.status_code == 200) != can["view"]:
                    mismatches.append(f"{who}: {read} of {probe.title} -> {preview.status_code}")
            inline = client.get(f"/materials/{m}/v/1/files/{f}/x.pdf?inline=1").status_code
            if (inline == 200) != can["download"]:
                mismatches.append(f"{who}: inline original of {probe.title} -> {inline}")
            download = client.get(f"/materials/{m}/v/1/files/{f}/x.pdf")
            expected = 200 if can["download"] else (403 if can["view"] else 404)
            if download.status_code != expected:
                mismatches.append(
                    f"{who}: download of {probe.title} -> "
                    f"{download.status_code}, expected {expected}"
                )
            if person is not None and not can["view"]:
                for action in ("adapt", "adopt"):
                    status = client.post(f"/materials/{m}/v/1/{action}").status_code
                    if status not in (403, 404):
                        mismatches.append(f"{who}: {action} of hidden {probe.title} -> {status}")
                edit = client.get(f"/materials/{m}/edit").status_code
                if edit not in (403, 404):
                    mismatches.append(f"{who}: edit of hidden {probe.title} -> {edit}")
    shutdown(app)
    assert mismatches == []
