"""Sharing: a material's audience grants within the school's ceiling and the licence, its
availability, and access requests between schools (make, list, grant, decline)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from .. import db
from ..models import Role
from ..services import access_requests, sharing
from . import present
from .core import catalogue, me, respond, run
from .materials import MATERIAL
from .problems import API_PREFIX
from .schemas import (
    AccessRequestArgs,
    AccessRequestList,
    AccessRequestOut,
    Availability,
    DeclineRequest,
    GrantList,
    GrantOut,
    GrantRequest,
    MaterialOut,
    NewAccessRequest,
    NewGrant,
)
from .workflow import answer, target

blp = Blueprint("api_sharing", __name__, url_prefix=API_PREFIX, description="Sharing")


@blp.route(MATERIAL + "/grants")
@blp.response(200, GrantList)
def grants(material_id: int) -> Response:
    """Who the material is shared with, and with which rights (its owner school's staff)."""
    person = me()
    material = catalogue().version(material_id, None, "view").material
    found = sharing.grants_of(db.session(), person, material)
    return respond(
        GrantList,
        {
            "items": [present.grant(g) for g in found],
            "audience": sharing.audience(db.session(), material).sentence(),
        },
    )


@blp.route(MATERIAL + "/grants", methods=["POST"])
@blp.arguments(NewGrant, as_kwargs=True)
@blp.response(201, GrantOut)
def add_grant(
    kind: str,
    values: list[str],
    rights: list[str],
    expires_at: dt.datetime | None,
    material_id: int,
) -> Response:
    """Share with an audience (`public`, `consortium`, `regions`, `income` or
    `schools` with their `values`) and rights. Beyond the school's ceiling, the licence
    or the patients' consent it is refused, saying why."""
    person, material = me(), target(material_id).material
    grant = run(
        lambda: sharing.add_grant(db.session(), person, material, kind, values, rights, expires_at)
    )
    return respond(GrantOut, present.grant(grant), 201)


@blp.route(MATERIAL + "/grants/<id:grant_id>", methods=["DELETE"])
@blp.response(200, MaterialOut)
def remove_grant(material_id: int, grant_id: int) -> Response:
    """Withdraw one grant."""
    person, material = me(), target(material_id).material
    run(lambda: sharing.remove_grant(db.session(), person, material, grant_id))
    return answer(material_id)


@blp.route(MATERIAL + "/availability", methods=["PUT"])
@blp.arguments(Availability, as_kwargs=True)
@blp.response(200, MaterialOut)
def availability(
    teachers_only: bool,
    available_from: dt.datetime | None,
    available_until: dt.datetime | None,
    material_id: int,
) -> Response:
    """Teachers only (exam banks), an embargo and an end of availability."""
    person, material = me(), target(material_id).material
    run(
        lambda: sharing.set_availability(
            db.session(),
            person,
            material,
            teachers_only=teachers_only,
            available_from=available_from,
            available_until=available_until,
        )
    )
    return answer(material_id)


# Access requests -------------------------------------------------------------------------


@blp.route("/access-requests")
@blp.arguments(AccessRequestArgs, location="query", unknown=ma.RAISE, as_kwargs=True)
@blp.response(200, AccessRequestList)
def requests(direction: str) -> Response:
    """Requests the caller's school made (`outgoing`), or (school admins) those for its
    materials (`incoming`), newest first."""
    person, s = me(), db.session()
    if direction == "incoming":
        found = access_requests.incoming(s, person) if person.role is Role.SCHOOL_ADMIN else []
    else:
        found = access_requests.outgoing(s, person)
    titles = catalogue().requests_titles(found)
    document: dict[str, Any] = {"items": [present.access_request(r, titles) for r in found]}
    return respond(AccessRequestList, document)


@blp.route("/access-requests", methods=["POST"])
@blp.arguments(NewAccessRequest, as_kwargs=True)
@blp.response(201, AccessRequestOut)
def ask(material_id: int, rights: list[str], message: str) -> Response:
    """Ask the owner school for more rights on a material the caller may see."""
    person = me()
    material = catalogue().version(material_id, None, "view").material
    made = run(
        lambda: access_requests.request_access(db.session(), person, material, rights, message)
    )
    return _request_answer(made.id, 201)


@blp.route("/access-requests/<id:request_id>/grant", methods=["POST"])
@blp.arguments(GrantRequest, as_kwargs=True)
@blp.response(200, AccessRequestOut)
def grant_request(rights: list[str], until: dt.datetime | None, request_id: int) -> Response:
    """Grant a request for one of the school's materials (school admins), within the
    ceiling and the licence."""
    person = me()
    run(lambda: access_requests.grant_request(db.session(), person, request_id, rights, until))
    return _request_answer(request_id)


@blp.route("/access-requests/<id:request_id>/decline", methods=["POST"])
@blp.arguments(DeclineRequest, as_kwargs=True)
@blp.response(200, AccessRequestOut)
def decline_request(reason: str, request_id: int) -> Response:
    """Decline a request with a reason the requesting school sees (school admins)."""
    person = me()
    run(lambda: access_requests.decline_request(db.session(), person, request_id, reason))
    return _request_answer(request_id)


def _request_answer(request_id: int, status: int = 200) -> Response:
    found = access_requests.request_of(db.session(), me(), request_id)
    titles = catalogue().requests_titles([found])
    return respond(AccessRequestOut, present.access_request(found, titles), status)
