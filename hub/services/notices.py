"""Telling a school that another school built on its material: an adaptation was started, or
a material was linked as a translation of it.

Who hears: the teacher who made the material (``Material.created_by``), while they are an
active teacher or admin of its school — they are the one who cares and can answer questions;
when they are unknown or gone, the school's active admins, so that the news still reaches
someone who speaks for the material.

What they are told never goes beyond what they may see: the new material is named and linked
only when the catalogue lets the recipient view it. A fresh adaptation is a draft of the other
school, which no one outside that school may see: the notice then says that a teacher at that
school started an adaptation, without its title (the draft's title is that school's unpublished
work), and links to the recipient's own material, whose page lists the adaptation once it is
shared with them. The person who did it is never named (people are not shown to other schools);
their school is, as the owner's usage figures already name the schools that use its materials.

The mail is queued until the change commits (``after_commit``): a refused or rolled-back
adaptation sends nothing. It is worded in each recipient's language (``person_language``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from flask import has_app_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..mail import person_language, queue_mail
from ..models import STAFF, Material, Person, School
from .after_commit import call_after_commit
from .catalogue import Catalogue
from .membership import school_admins

log = logging.getLogger(__name__)

Relation = Literal["adaptation", "translation"]


@dataclass(frozen=True)
class Notice:
    """What one recipient is told, read from the database before the commit (the mail is
    worded and sent after it, when the session may no longer read)."""

    email: str
    name: str
    language: str
    relation: Relation
    school: str  # the school that made the new material
    title: str  # the recipient's material, as they see it
    material_id: int  # the recipient's material
    made_title: str | None  # the new material; None when the recipient may not view it
    made_id: int | None

    def words(self) -> tuple[str, str]:
        """Subject and body in the current interface language."""
        names = {"school": self.school, "title": self.title, "made": self.made_title or ""}
        if self.made_title is not None:
            subject, told = _shown_words(self.relation, names)
        else:
            subject, told = _unnamed_words(self.relation, names)
        shown_id = self.made_id if self.made_title is not None else self.material_id
        link = url_for("materials.show", material_id=shown_id, _external=True)
        body = f"{_('Hello %(name)s,', name=self.name)}\n\n{told}\n\n{link}\n"
        return subject, body


def _shown_words(relation: Relation, names: dict[str, str]) -> tuple[str, str]:
    if relation == "adaptation":
        return (
            _("%(school)s adapted %(title)s", **names),
            _("%(school)s adapted your material “%(title)s” into “%(made)s”:", **names),
        )
    return (
        _("%(school)s translated %(title)s", **names),
        _("%(school)s linked “%(made)s” as a translation of your material “%(title)s”:", **names),
    )


def _unnamed_words(relation: Relation, names: dict[str, str]) -> tuple[str, str]:
    if relation == "adaptation":
        return (
            _("A teacher at %(school)s started an adaptation of %(title)s", **names),
            _(
                "A teacher at %(school)s started an adaptation of your material “%(title)s”. "
                "It is not shared with you yet (a new adaptation is a draft of their school); "
                "once it is, your material's page lists it:",
                **names,
            ),
        )
    return (
        _("A teacher at %(school)s linked a translation of %(title)s", **names),
        _(
            "A teacher at %(school)s linked one of their school's materials as a translation "
            "of your material “%(title)s”. It is not shared with you yet; once it is, your "
            "material's page lists it:",
            **names,
        ),
    )


def derived(session: Session, source: Material, made: Material, relation: Relation) -> None:
    """Tell ``source``'s school, after the commit, that ``made`` (a material of another
    school) was derived from it as an adaptation or a translation. Nothing when both
    belong to the same school."""
    if made.school_id == source.school_id:
        return
    notices = []
    for person in recipients(session, source):
        seen = Catalogue.of(session, person).shown_versions([source.id, made.id])
        if source.id not in seen:
            continue  # never name anything to someone who may not view it
        visible = made.id in seen
        notices.append(
            Notice(
                email=person.email,
                name=person.name,
                language=person_language(person),
                relation=relation,
                school=made.school.name,
                title=seen[source.id].title,
                material_id=source.id,
                made_title=seen[made.id].title if visible else None,
                made_id=made.id if visible else None,
            )
        )
    if notices:
        call_after_commit(session, lambda: send(notices))


def recipients(session: Session, material: Material) -> list[Person]:
    """Who hears about what was made of ``material``: its maker while an active teacher or
    admin of its school, else the school's active admins."""
    return staff_or_admins(session, material.created_by, material.school)


def staff_or_admins(session: Session, person: Person | None, school: School) -> list[Person]:
    """``person`` while they are an active teacher or admin of ``school`` (the one who
    acted for it), else the school's active admins (who speak for it when they are gone)."""
    if (
        person is not None
        and person.active
        and person.school_id == school.id
        and person.role in STAFF
    ):
        return [person]
    return school_admins(session, school)


def send(notices: list[Notice]) -> None:
    """Mail each notice in its recipient's language (after the commit)."""
    if not has_app_context():
        # A script committing outside the application (no mail settings): say so, send nothing.
        log.warning("%d notices not sent: no application to send mail with", len(notices))
        return
    for notice in notices:
        with force_locale(notice.language):
            subject, body = notice.words()
            queue_mail(notice.email, subject, body)
