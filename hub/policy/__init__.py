"""The one place that decides access to materials and modules. Every surface asks it.

- ``decide(viewer, facts, action)`` — one person, one version, one action, with reasons;
- ``access_tokens(facts)`` / ``viewer_tokens(viewer)`` — the same rules as a search filter;
- ``viewer_for(session, person)`` / ``viewer_as(school, role)`` — the only makers of viewers;
- ``facts_for_versions`` — the facts, read from the database in bulk;
- ``allowed(session, person, version, action)`` — the usual question from a view.

A hidden material answers 404, never 403, so its existence does not leak. The policy knows no
request and no language: reasons are codes, worded by ``hub/reasons.py``. Surfaces read the
catalogue through ``hub/services/catalogue.py``, which asks this module.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import MaterialVersion, Person
from .facts import (
    FACT_COLUMNS,
    GRANT_COLUMNS,
    facts_for,
    facts_for_versions,
    facts_from_columns,
    grant_facts,
    grant_from_columns,
    published_facts,
    viewer_as,
    viewer_for,
)
from .rules import (
    ACTIONS,
    ANONYMOUS,
    CREATIVE_COMMONS,
    INCOME_GROUPS,
    LICENCES,
    NO_CEILING,
    REASON_CODES,
    RIGHTS,
    Action,
    Ceiling,
    Decision,
    Grant,
    MaterialFacts,
    Reason,
    Viewer,
    access_tokens,
    decide,
    effective_grants,
    grant_problems,
    viewer_tokens,
)


def allowed(
    session: Session, person: Person | None, version: MaterialVersion, action: Action
) -> Decision:
    """Whether ``person`` may do ``action`` with ``version`` (reads the facts it needs)."""
    return decide(viewer_for(session, person), facts_for(session, version), action)


__all__ = [
    "ACTIONS",
    "ANONYMOUS",
    "CREATIVE_COMMONS",
    "INCOME_GROUPS",
    "FACT_COLUMNS",
    "GRANT_COLUMNS",
    "LICENCES",
    "NO_CEILING",
    "REASON_CODES",
    "RIGHTS",
    "Action",
    "Ceiling",
    "Decision",
    "Grant",
    "MaterialFacts",
    "Reason",
    "Viewer",
    "access_tokens",
    "allowed",
    "decide",
    "effective_grants",
    "facts_for",
    "facts_for_versions",
    "facts_from_columns",
    "grant_facts",
    "grant_from_columns",
    "published_facts",
    "grant_problems",
    "viewer_as",
    "viewer_for",
    "viewer_tokens",
]
