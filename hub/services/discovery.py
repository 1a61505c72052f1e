"""Result cards: what search and the home page's shelves show of the materials they found.

The index finds materials; the database, through the policy, has the last word on each
(the index may lag a moment behind a change). A results page reads, for its twenty hits,
only the columns a card shows and the policy reads, in two queries and without ORM
objects: this is on the path of every search, where loading full versions, their
materials, schools and grants cost more than a third of the time the hub adds to the
index's answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy
from ..models import AudienceGrant, Material, MaterialVersion, School, VersionState


@dataclass(frozen=True)
class MaterialCard:
    """The current published version of a material, as a result card shows it.

    Its attributes carry the names of :class:`MaterialVersion`'s, so the templates'
    badges serve both.
    """

    material_id: int
    version_id: int
    number: int
    title: str
    language: str
    other_languages: list[str]
    level: str
    resource_type: str
    regions: list[str]
    setting: list[str]
    resources: list[str]
    licence: str
    school_name: str


_CARD_COLUMNS = (
    MaterialVersion.material_id,
    MaterialVersion.number,
    MaterialVersion.title,
    MaterialVersion.language,
    MaterialVersion.other_languages,
    MaterialVersion.level,
    MaterialVersion.resource_type,
    MaterialVersion.regions,
    MaterialVersion.setting,
    MaterialVersion.resources,
    School.name,
)  # with the licence, which the facts read too


def discoverable_cards(
    session: Session, viewer: policy.Viewer, material_ids: Sequence[int]
) -> list[MaterialCard | None]:
    """The card of each material's current version, or None where the viewer may not
    discover it (or it has no published version), in the order of ``material_ids``."""
    if not material_ids:
        return []
    ids = list(dict.fromkeys(material_ids))
    rows = session.execute(
        select(*policy.FACT_COLUMNS, *_CARD_COLUMNS)
        .join(Material, Material.id == MaterialVersion.material_id)
        .join(School, School.id == Material.school_id)
        .where(
            MaterialVersion.material_id.in_(ids),
            MaterialVersion.state == VersionState.PUBLISHED,
        )
        # Oldest first: the last row of a material is its current version.
        .order_by(MaterialVersion.id)
    ).all()
    current = {row.material_id: row for row in rows}
    grants: dict[int, list[AudienceGrant]] = defaultdict(list)
    for grant in session.scalars(select(AudienceGrant).where(AudienceGrant.material_id.in_(ids))):
        grants[grant.material_id].append(grant)
    width = len(policy.FACT_COLUMNS)
    cards: dict[int, MaterialCard] = {}
    for material_id, row in current.items():
        facts = policy.facts_from_columns(
            row[:width], grants=grants[material_id], current_id=row[0]
        )
        if policy.decide(viewer, facts, "discover"):
            cards[material_id] = MaterialCard(
                material_id=material_id,
                version_id=row[0],
                number=row.number,
                title=row.title,
                language=row.language,
                other_languages=row.other_languages,
                level=row.level,
                resource_type=row.resource_type,
                regions=row.regions,
                setting=row.setting,
                resources=row.resources,
                licence=row.licence,
                school_name=row.name,
            )
    return [cards.get(i) for i in material_ids]
