"""My list: the materials a person keeps for later."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy
from ..models import Bookmark, Material, Person
from .catalogue import hidden


def toggle_bookmark(session: Session, person: Person, material: Material) -> bool:
    """Put a material the person can see on their list, or take it off; True when on it."""
    version = material.published or material.latest
    if not policy.allowed(session, person, version, "view"):
        raise hidden()
    existing = session.scalar(
        select(Bookmark).where(Bookmark.person_id == person.id, Bookmark.material_id == material.id)
    )
    if existing is not None:
        session.delete(existing)
        return False
    session.add(Bookmark(person_id=person.id, material_id=material.id))
    return True


def is_bookmarked(session: Session, person: Person, material: Material) -> bool:
    """Whether the material is on the person's list."""
    return (
        session.scalar(
            select(Bookmark.id).where(
                Bookmark.person_id == person.id, Bookmark.material_id == material.id
            )
        )
        is not None
    )
