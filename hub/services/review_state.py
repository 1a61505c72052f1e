"""Where a material stands in peer review, for badges, the search facet and LOM records:
"peer reviewed: vN (date)", "in review", "school-vetted", or nothing.

An accepted review belongs to the version that was accepted: a later version still shows
"peer reviewed: v3" (``current`` is False) until it is reviewed itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
    Decision,
    Material,
    MaterialVersion,
    Outcome,
    Submission,
    SubmissionState,
)

#: The states in which reviewers are at work on a material.
IN_REVIEW = (SubmissionState.IN_REVIEW, SubmissionState.REVISION)


@dataclass(frozen=True)
class ReviewState:
    """A material's standing in peer review. ``kind`` is the one badge to show first."""

    reviewed_version: int | None = None  # the number of the latest accepted version
    reviewed_version_id: int | None = None
    reviewed_at: dt.datetime | None = None
    current: bool = False  # the accepted version is the one published now
    in_review: bool = False
    vetted_version: int | None = None  # the latest version its school vetted
    vetted_at: dt.datetime | None = None

    @property
    def kind(self) -> str | None:
        """``peer_reviewed``, ``in_review``, ``school_vetted`` or None."""
        if self.reviewed_version is not None:
            return "peer_reviewed"
        if self.in_review:
            return "in_review"
        if self.vetted_version is not None:
            return "school_vetted"
        return None

    @property
    def words(self) -> str:
        """The state in words ("Peer reviewed: v2 (3 Mar 2027)"), empty for none."""
        from ..i18n import short_date

        if self.reviewed_version is not None:
            return _(
                "Peer reviewed: v%(number)d (%(date)s)",
                number=self.reviewed_version,
                date=short_date(self.reviewed_at),
            )
        if self.in_review:
            return _("In peer review")
        if self.vetted_version is not None:
            return _("School-vetted: v%(number)d", number=self.vetted_version)
        return ""


NONE = ReviewState()


def review_states(session: Session, materials: Iterable[Material]) -> dict[int, ReviewState]:
    """The review state of each material (by id), read in three queries whatever their number.
    Call it with materials the viewer may see (read through the catalogue)."""
    found = {m.id: m for m in materials}
    if not found:
        return {}
    ids = list(found)
    accepted: dict[int, tuple[int, int, dt.datetime]] = {}
    for material_id, version_id, number, at in session.execute(
        select(
            Decision.material_id, Decision.version_id, MaterialVersion.number, Decision.decided_at
        )
        .join(MaterialVersion, Decision.version_id == MaterialVersion.id)
        .where(Decision.material_id.in_(ids), Decision.outcome == Outcome.ACCEPT)
        .order_by(Decision.decided_at)
    ):
        accepted[material_id] = (version_id, number, at)
    reviewing = set(
        session.scalars(
            select(Submission.material_id).where(
                Submission.material_id.in_(ids), Submission.state.in_(IN_REVIEW)
            )
        )
    )
    vetted: dict[int, tuple[int, dt.datetime | None]] = {}
    for material_id, number, when in session.execute(
        select(Submission.material_id, MaterialVersion.number, Submission.vetted_at)
        .join(MaterialVersion, Submission.vetted_version_id == MaterialVersion.id)
        .where(Submission.material_id.in_(ids), Submission.vetted_at.is_not(None))
        .order_by(Submission.vetted_at)
    ):
        vetted[material_id] = (number, when)
    result = {}
    for material_id, material in found.items():
        published = material.published
        acc, vet = accepted.get(material_id), vetted.get(material_id)
        result[material_id] = ReviewState(
            reviewed_version=acc[1] if acc else None,
            reviewed_version_id=acc[0] if acc else None,
            reviewed_at=acc[2] if acc else None,
            current=bool(acc and published is not None and published.id == acc[0]),
            in_review=material_id in reviewing,
            vetted_version=vet[0] if vet else None,
            vetted_at=vet[1] if vet else None,
        )
    return result


def review_state_of(session: Session, material: Material) -> ReviewState:
    """Where ``material`` stands in peer review (see ``ReviewState``)."""
    return review_states(session, [material]).get(material.id, NONE)
