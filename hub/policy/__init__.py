"""The one place that decides access to materials and modules. Every surface asks it.

- ``decide(viewer, facts, action)`` — one person, one version, one action, with reasons;
- ``access_tokens(facts)`` / ``viewer_tokens(viewer)`` — the same rules as a search filter;
- ``viewer_for`` / ``facts_for_versions`` — the facts, read from the database in bulk;
- ``allowed(session, person, version, action)`` — the usual question from a view.

A hidden material answers 404 (``services.errors.NotFound``), never 403, so its existence does
not leak.
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
    viewer_for,
)
from .rules import (
    ACTIONS,
    ANONYMOUS,
    CREATIVE_COMMONS,
    LICENCES,
    NO_CEILING,
    Action,
    Ceiling,
    Decision,
    Grant,
    MaterialFacts,
    Viewer,
    access_tokens,
    decide,
    describe_grant,
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
    "FACT_COLUMNS",
    "GRANT_COLUMNS",
    "LICENCES",
    "NO_CEILING",
    "Action",
    "Ceiling",
    "Decision",
    "Grant",
    "MaterialFacts",
    "Viewer",
    "access_tokens",
    "allowed",
    "decide",
    "describe_grant",
    "effective_grants",
    "facts_for",
    "facts_for_versions",
    "facts_from_columns",
    "grant_facts",
    "grant_from_columns",
    "grant_problems",
    "viewer_for",
    "viewer_tokens",
]
