"""Work that waits until the transaction that asked for it has committed.

A mail about a change (a material adapted by another school) must leave only once the change
is saved: a change that is rolled back — refused half-way, or lost with the connection — sends
nothing. A service queues the work on its session with :func:`call_after_commit`; the work runs
when the session's outermost transaction commits, and is forgotten when the transaction (or the
savepoint it was queued in) rolls back or ends without committing.

The work runs inside SQLAlchemy's ``after_commit`` event, when the session can no longer read:
whatever it needs from the database is read before, when it is queued. A failure is logged and
never turns a saved change into an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

_KEY = "hub.after_commit"

Queued = list[tuple[SessionTransaction, Callable[[], None]]]


def call_after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once ``session``'s transaction has committed; never if it rolls back
    (a savepoint rolled back forgets what was queued inside it)."""
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    queued: Queued = session.info.setdefault(_KEY, [])
    queued.append((transaction, action))


def _inside(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _run(session: Session) -> None:
    for _transaction, action in session.info.pop(_KEY, []):
        try:
            action()
        except Exception:  # noqa: BLE001 - the change is saved; the rest is best effort
            log.exception("work queued for after the commit failed: %r", action)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    queued: Queued | None = session.info.get(_KEY)
    if queued:
        queued[:] = [(t, a) for t, a in queued if not _inside(t, previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without committing (a session closed): nothing runs.
    if transaction.parent is None:
        session.info.pop(_KEY, None)
