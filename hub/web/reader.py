"""Who is reading: the signed-in person (or a visitor) and the catalogue as they may see it."""

from __future__ import annotations

from flask_login import current_user

from .. import db
from ..models import Person
from ..services.catalogue import Catalogue


def me() -> Person | None:
    """The signed-in person, or None for a visitor."""
    if not current_user.is_authenticated:
        return None
    return db.session().get(Person, current_user.id)


def signed_in() -> Person:
    """The signed-in person, on a page that only people who are signed in reach."""
    person = me()
    assert person is not None, "this page lets no visitor in (access.requires)"
    return person


def catalogue() -> Catalogue:
    """The catalogue as the signed-in person (or the visitor) may see it."""
    return Catalogue.of(db.session(), me())
