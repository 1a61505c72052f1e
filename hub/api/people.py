"""The caller and their school: their account, their school's materials and adoptions, the
usage of its materials, and the directory of schools."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from .. import db
from ..models import MembershipStatus, Role, School
from ..services import schools, usage
from ..web.membership import school_search
from . import present
from .core import catalogue, decode_cursor, encode_cursor, me, next_link, respond
from .problems import API_PREFIX, Problem
from .schemas import (
    AdoptionList,
    MeOut,
    OwnMaterialList,
    SchoolArgs,
    SchoolList,
    UsageArgs,
    UsageOut,
    counts,
)

blp = Blueprint("api_people", __name__, url_prefix=API_PREFIX, description="People and schools")


@blp.route("/me")
@blp.response(200, MeOut)
def account() -> Response:
    """The caller's own account, and the token they called with."""
    person = me()
    active = schools.is_active_member(person.school)
    return respond(MeOut, present.me(person, g.api_caller.token, active))


@blp.route("/me/materials")
@blp.response(200, OwnMaterialList)
def own_materials() -> Response:
    """Every material of the caller's school, drafts and retired ones too, newest first
    (teachers and school admins; others have none)."""
    person = me()
    found = catalogue().school_materials(person.school_id) if person.school_id else []
    document: dict[str, Any] = {
        "items": [
            {
                "id": m.id,
                "kind": m.kind.value,
                "number": m.latest.number,
                "state": m.latest.state.value,
                "title": m.latest.title,
                "retired": m.retired_at is not None,
                "url": present.material_url(m.id),
            }
            for m in found
            if m.versions
        ]
    }
    return respond(OwnMaterialList, document)


@blp.route("/adoptions")
@blp.response(200, AdoptionList)
def adoptions() -> Response:
    """The caller's school's current adoptions, newest first (teachers and school admins)."""
    person = me()
    found = catalogue().adoptions(person.school_id) if person.school_id else []
    return respond(AdoptionList, {"items": [present.adoption(a) for a in found]})


@blp.route("/usage")
@blp.arguments(UsageArgs, location="query", unknown=ma.RAISE, as_kwargs=True)
@blp.response(200, UsageOut)
def usage_report(months: int) -> Response:
    """Where the caller's school's materials are used, and what it gives against what it
    takes (school admins, as the school's report page)."""
    person = me()
    school = db.session().get(School, person.school_id) if person.school_id else None
    if person.role is not Role.SCHOOL_ADMIN or school is None:
        raise Problem(403, _("Your role does not give access to this page."))
    report = usage.report(db.session(), school, months)
    document = {
        "given": report.given,
        "taken": report.taken,
        "by_country": counts(report.by_country),
        "by_school": counts(report.by_school),
        "by_month": counts(report.by_month),
        "by_kind": report.by_kind,
    }
    return respond(UsageOut, document)


@blp.route("/schools")
@blp.arguments(SchoolArgs, location="query", unknown=ma.RAISE, as_kwargs=True)
@blp.response(200, SchoolList)
def directory(limit: int, cursor: str | None = None, **_filters: Any) -> Response:
    """The consortium's schools, by name, as the directory lists them: active members
    (consortium admins may ask for any `status`)."""
    person = me()
    search = school_search(
        request.args,
        status=MembershipStatus.ACTIVE,
        any_status=person.role is Role.CONSORTIUM_ADMIN,
    )
    page = decode_cursor(cursor, "page") or 1
    found = schools.find_schools(db.session(), search, page=page, per_page=limit)
    following = encode_cursor({"page": page + 1}) if page < found.pages else None
    response = respond(
        SchoolList,
        {
            "items": [present.school(s) for s in found.schools] if found.page == page else [],
            "total": found.total,
            "next_cursor": following,
        },
    )
    if following:
        next_link(response, cursor=following)
    return response
