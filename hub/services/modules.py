"""Modules: their items in order, and each person's progress and place in them."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy
from ..models import (
    ItemProgress,
    MaterialVersion,
    ModuleItem,
    Person,
    PlaceInModule,
    utcnow,
)
from .catalogue import hidden, require
from .errors import Conflict, InvalidInput, NotFound
from .publishing import check_draft

MAX_ITEMS = 200


def set_module_items(
    session: Session,
    person: Person,
    module_version: MaterialVersion,
    item_version_ids: list[int],
    expected: list[int],
) -> None:
    """Replace a module draft's items in order; ``expected`` is the list the editor started from.

    A stale list (someone changed the module meanwhile) is refused rather than overwritten.
    """
    require(session, person, module_version, "edit")
    if not module_version.is_module:
        raise InvalidInput(_("Only modules have items."))
    check_draft(module_version)
    current = [i.item_version_id for i in module_version.items]
    if current != expected:
        raise Conflict(_("The module changed since you loaded it; reload to see the current list."))
    if len(item_version_ids) > MAX_ITEMS:
        raise InvalidInput(_("A module holds at most %(num)d items.", num=MAX_ITEMS), field="items")
    if len(set(item_version_ids)) != len(item_version_ids):
        raise InvalidInput(_("A material appears twice in the module."), field="items")
    for version_id in item_version_ids:
        item = session.get(MaterialVersion, version_id)
        if item is None or not policy.allowed(session, person, item, "view"):
            raise hidden()
        if item.is_module:
            raise InvalidInput(_("A module cannot contain another module."), field="items")
    module_version.items = [
        ModuleItem(item_version_id=v, position=i) for i, v in enumerate(item_version_ids)
    ]
    module_version.revision += 1
    module_version.updated_at = utcnow()


def set_item_done(
    session: Session, person: Person, module_version: MaterialVersion, item_id: int, done: bool
) -> None:
    """Record (or clear) that the person finished one item of a module they can see."""
    require(session, person, module_version, "view")
    item = next((i for i in module_version.items if i.id == item_id), None)
    if item is None:
        raise NotFound(_("There is no such item in this module."))
    existing = session.scalar(
        select(ItemProgress).where(
            ItemProgress.person_id == person.id, ItemProgress.module_item_id == item_id
        )
    )
    if done and existing is None:
        session.add(ItemProgress(person_id=person.id, module_item_id=item_id))
    elif not done and existing is not None:
        session.delete(existing)


# Reopening the same item within this time moves nothing: no write on every reload.
PLACE_KEPT = dt.timedelta(minutes=1)


def remember_place(
    session: Session, person: Person, module_version: MaterialVersion, item: ModuleItem
) -> None:
    """Remember that the person opened ``item`` from the module version: their place in it,
    where "Continue where you left off" leads."""
    place = session.scalar(
        select(PlaceInModule).where(
            PlaceInModule.person_id == person.id,
            PlaceInModule.module_version_id == module_version.id,
        )
    )
    now = utcnow()
    if place is None:
        session.add(
            PlaceInModule(
                person_id=person.id, module_version_id=module_version.id, module_item_id=item.id
            )
        )
    elif place.module_item_id != item.id or place.opened_at < now - PLACE_KEPT:
        place.module_item_id = item.id
        place.opened_at = now


def items_done(
    session: Session, person: Person | None, module_version: MaterialVersion
) -> set[int]:
    """Ids of the module version's items the person has finished (none for a version of
    any other kind, without asking the database)."""
    if person is None or not module_version.is_module or not module_version.items:
        return set()
    return set(
        session.scalars(
            select(ItemProgress.module_item_id).where(
                ItemProgress.person_id == person.id,
                ItemProgress.module_item_id.in_([i.id for i in module_version.items]),
            )
        )
    )
