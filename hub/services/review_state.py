"""Where a material stands in peer review, for badges, the search facet, LOM records and the
material page's public review summary: "peer reviewed: vN (date)", "in review",
"school-vetted", or nothing.

An accepted review belongs to the version that was accepted: a later version still shows
"Reviewed: v3" until it is reviewed itself. The same holds for a school's vetting.

Callers pass materials the viewer may see (read through the catalogue): what is read here
says nothing of any other material.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from ..models import (
    Decision,
    Material,
    MaterialVersion,
    Outcome,
    Submission,
    SubmissionState,
)
from .review import CRITERIA
from .vocabularies import REVIEW_STANDINGS

#: The states in which reviewers are at work on a material.
IN_REVIEW = (SubmissionState.IN_REVIEW, SubmissionState.REVISION)
PEER_REVIEWED, SCHOOL_VETTED = "peer-reviewed", "school-vetted"
assert set(REVIEW_STANDINGS) == {PEER_REVIEWED, SCHOOL_VETTED}


@dataclass(frozen=True)
class ReviewState:
    """A material's standing in peer review. ``kind`` is the one state to name first."""

    reviewed_version: int | None = None  # the number of the latest accepted version
    reviewed_version_id: int | None = None
    reviewed_at: dt.datetime | None = None
    in_review: bool = False
    vetted_version: int | None = None  # the latest version its school vetted
    vetted_version_id: int | None = None
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

    @property
    def standings(self) -> list[str]:
        """The values of the search facet "Review" (``REVIEW_STANDINGS``): a material whose
        earlier version was reviewed is found as peer reviewed, as its badge says."""
        found = []
        if self.reviewed_version is not None:
            found.append(PEER_REVIEWED)
        if self.vetted_version is not None:
            found.append(SCHOOL_VETTED)
        return found

    def badges(self, version_id: int) -> list[tuple[str, str]]:
        """(standing, words) of the badges a card or page of the version ``version_id``
        shows: "Peer reviewed" for the accepted version itself, "Reviewed: v3" for any other
        (a later one, until it is reviewed itself); "School-vetted" likewise."""
        out = []
        if self.reviewed_version is not None:
            words = (
                str(REVIEW_STANDINGS[PEER_REVIEWED])
                if self.reviewed_version_id == version_id
                else _("Reviewed: v%(number)d", number=self.reviewed_version)
            )
            out.append((PEER_REVIEWED, words))
        if self.vetted_version is not None:
            words = (
                str(REVIEW_STANDINGS[SCHOOL_VETTED])
                if self.vetted_version_id == version_id
                else _("School-vetted: v%(number)d", number=self.vetted_version)
            )
            out.append((SCHOOL_VETTED, words))
        return out


NONE = ReviewState()


#: The accepted and the vetted version in ``review_states``: made once, since an alias of a
#: table of 36 columns costs more to build than the rest of the query (a few ms a page).
_ACCEPTED = aliased(MaterialVersion, name="accepted_version")
_VETTED = aliased(MaterialVersion, name="vetted_version")


def review_states(session: Session, material_ids: Iterable[int]) -> dict[int, ReviewState]:
    """The review state of each material (by id; those never submitted are left out), read
    in one query whatever their number. Pass materials the viewer may see."""
    ids = sorted(set(material_ids))
    if not ids:
        return {}
    accepted, vetted = _ACCEPTED, _VETTED
    rows = session.execute(
        select(
            Submission.material_id,
            Submission.state,
            Decision.version_id,
            accepted.number,
            Decision.decided_at,
            Submission.vetted_version_id,
            vetted.number,
            Submission.vetted_at,
        )
        .outerjoin(
            Decision,
            and_(Decision.submission_id == Submission.id, Decision.outcome == Outcome.ACCEPT),
        )
        .outerjoin(accepted, accepted.id == Decision.version_id)
        .outerjoin(vetted, vetted.id == Submission.vetted_version_id)
        .where(
            Submission.material_id.in_(ids),
            or_(
                Submission.state.in_(IN_REVIEW),
                Decision.id.is_not(None),
                Submission.vetted_version_id.is_not(None),
            ),
        )
    ).all()
    states: dict[int, ReviewState] = {}
    for material_id, state, acc_id, acc_number, acc_at, vet_id, vet_number, vet_at in rows:
        found = states.get(material_id, NONE)
        changes: dict[str, Any] = {}
        if state in IN_REVIEW:
            changes["in_review"] = True
        if acc_id is not None and _later(acc_at, found.reviewed_at):
            changes.update(
                reviewed_version=acc_number, reviewed_version_id=acc_id, reviewed_at=acc_at
            )
        if vet_id is not None and vet_at is not None and _later(vet_at, found.vetted_at):
            changes.update(vetted_version=vet_number, vetted_version_id=vet_id, vetted_at=vet_at)
        states[material_id] = dataclasses.replace(found, **changes)
    return states


def _later(when: dt.datetime, than: dt.datetime | None) -> bool:
    return than is None or when > than


def review_state_of(session: Session, material: Material) -> ReviewState:
    """Where ``material`` stands in peer review (see ``ReviewState``)."""
    return review_states(session, [material.id]).get(material.id, NONE)


# The public review summary --------------------------------------------------------------------


#: A criterion is met when its mean score reaches this ("3: adequate" on the 1-5 rubric).
MET_FROM = 3


@dataclass(frozen=True)
class Criterion:
    """One criterion of the rubric in a public summary: its words and the mean score."""

    words: str
    mean: float

    @property
    def met(self) -> bool:
        """Whether the reviewers' mean score reaches ``MET_FROM``."""
        return self.mean >= MET_FROM


@dataclass(frozen=True)
class ReviewSummary:
    """What anyone who may see a material reads of its peer review: the version accepted and
    when, each rubric criterion with the reviewers' mean score (1-5), and the names of the
    reviewers who chose to sign. Never an unsigned name, never a confidential comment."""

    version_number: int
    accepted_at: dt.datetime
    criteria: list[Criterion]
    reviews: int
    signed_by: list[str]


def public_summary(session: Session, material_id: int) -> ReviewSummary | None:
    """The summary of the material's latest accepted review (None if never accepted). Read
    from the decision's letter as the author received it, which keeps unsigned reviewers
    anonymous and holds no confidential comment."""
    row = session.execute(
        select(Decision, MaterialVersion.number)
        .join(MaterialVersion, MaterialVersion.id == Decision.version_id)
        .where(Decision.material_id == material_id, Decision.outcome == Outcome.ACCEPT)
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    decision, number = row
    criteria = []
    for code, words in CRITERIA.items():
        scores = [r["scores"][code] for r in decision.reviews if code in r.get("scores", {})]
        if scores:
            criteria.append(Criterion(str(words), round(sum(scores) / len(scores), 1)))
    return ReviewSummary(
        version_number=number,
        accepted_at=decision.decided_at,
        criteria=criteria,
        reviews=len(decision.reviews),
        signed_by=[r["name"] for r in decision.reviews if r.get("name")],
    )
