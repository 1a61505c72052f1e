"""What every API view shares: who is calling (bearer tokens only), running a service call,
the catalogue of the caller, cursors and ``Link`` headers, and entity tags.

Sessions and cookies never authenticate the API: a request without ``Authorization`` is a
visitor's, and may read what a visitor may read. A token acts exactly as its person and never
beyond its scopes: ``read`` for GET and HEAD, ``write`` for everything else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any, TypeVar

import marshmallow as ma
from flask import g, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import db
from ..models import Person
from ..services import tokens
from ..services.catalogue import Catalogue
from .problems import Problem

T = TypeVar("T")

#: Methods a ``read`` token may use; anything else needs ``write``.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REALM = 'Bearer realm="hub"'


def authenticate() -> None:
    """Before every API request: who the bearer token speaks for (None: a visitor), or a
    401/403 problem. The token's use is recorded at most once a minute."""
    g.api_caller = None
    header = request.headers.get("Authorization")
    scope = "read" if request.method in READ_METHODS else "write"
    if header is None:
        if scope == "write":
            raise refusal(
                401,
                _("Changes need a token with the write scope: Authorization: Bearer <token>."),
                "unauthenticated",
            )
        return
    kind, _sep, secret = header.partition(" ")
    if kind.lower() != "bearer" or not secret.strip():
        raise refusal(
            401,
            _("Send the token as Authorization: Bearer <token>."),
            "unauthenticated",
            error="invalid_request",
        )
    try:
        caller = tokens.authenticate(db.session(), secret.strip())
    except tokens.Unauthenticated as exc:
        raise refusal(
            401, exc.message, "invalid-token", error="invalid_token", error_description=exc.reason
        ) from None
    if not caller.allows(scope):
        raise refusal(
            403,
            _("This token may only read. Make a token with the write scope to change things."),
            "insufficient-scope",
            error="insufficient_scope",
            scope=scope,
        )
    g.api_caller = caller
    if tokens.needs_touch(caller.token):
        token_id = caller.token.id
        db.write_after_read(lambda: run(lambda: tokens.touch(db.session(), token_id)))


def refusal(status: int, detail: str, kind: str, **challenge: str) -> Problem:
    """A 401 or 403 problem with its ``WWW-Authenticate`` challenge (RFC 6750)."""
    params = "".join(f', {name}="{value}"' for name, value in challenge.items())
    return Problem(status, detail, kind=kind, headers={"WWW-Authenticate": REALM + params})


def caller() -> Person | None:
    """The person the request's token speaks for (None: a visitor)."""
    found: tokens.Authenticated | None = g.get("api_caller")
    return found.person if found is not None else None


def me() -> Person:
    """The caller, who must have sent a token (a 401 problem otherwise)."""
    person = caller()
    if person is None:
        raise refusal(
            401, _("This needs a token: Authorization: Bearer <token>."), "unauthenticated"
        )
    return person


def catalogue() -> Catalogue:
    """The catalogue as the caller may see it (the one door)."""
    return Catalogue.of(db.session(), caller())


#: Run a service call and commit it; a refusal, rolled back, is answered as a problem.
run = db.committed


# Cursors and Link headers -----------------------------------------------------------------


def encode_cursor(position: Mapping[str, int]) -> str:
    """An opaque cursor for a position in a list."""
    return base64.urlsafe_b64encode(json.dumps(dict(position)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, key: str) -> int:
    """The position a cursor holds (0 without one); a cursor this API did not make is a 400."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)[key]
    except (binascii.Error, ValueError, KeyError, TypeError):
        value = None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10**6:
        raise Problem(
            400,
            _("This cursor was not made by this list: use the next link of its last page."),
            kind="invalid",
            errors={"cursor": [_("Not a cursor of this list.")]},
        )
    return value


def next_link(response: Response, **changed: Any) -> None:
    """Add ``Link: <this address with changed arguments>; rel="next"``."""
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args.update({k: v for k, v in changed.items()})
    url = url_for(request.endpoint or "", **(request.view_args or {}), **args, _external=False)
    link = f'<{url}>; rel="next"'
    existing = response.headers.get("Link")
    response.headers["Link"] = f"{existing}, {link}" if existing else link


# Entity tags -----------------------------------------------------------------------------


def etag_of(representation: Any) -> str:
    """A strong entity tag of a JSON representation (the same one whatever its key order)."""
    canonical = json.dumps(representation, sort_keys=True, default=str).encode()
    return hashlib.sha256(canonical).hexdigest()[:32]


def check_if_match(representation: Any) -> None:
    """Refuse a write (412) whose ``If-Match`` names another state of the resource than its
    current one (someone changed it since the client read it). Without ``If-Match`` the
    write goes on (drafts still check their revision)."""
    if not request.if_match or request.if_match.star_tag:
        return
    if not request.if_match.contains(etag_of(representation)):
        raise Problem(
            412,
            _(
                "It changed since you read it (If-Match names an older state). Read it "
                "again, then send your change against its new ETag."
            ),
            kind="stale",
        )


def conditional(response: Response, representation: Any | None = None) -> Response:
    """Give an answer its ``ETag`` (of ``representation``, else of the body; a write's too,
    for the client's next ``If-Match``), and answer a read's ``If-None-Match`` with 304 when
    the client has it already."""
    if response.status_code not in (200, 201):
        return response
    if representation is not None:
        response.set_etag(etag_of(representation))
    elif not response.headers.get("ETag"):
        response.add_etag()
    if request.method not in ("GET", "HEAD"):
        return response
    # Access can change any moment: clients keep a copy but ask again every time.
    response.headers.setdefault("Cache-Control", "private, no-cache")
    return response.make_conditional(request)


def respond(schema: type[ma.Schema], data: Any, status: int = 200) -> Response:
    """``data`` as ``schema`` documents it; a read gets its ``ETag`` (and 304 when the
    client has it already)."""
    body = schema().dump(data)
    response = jsonify(body)
    response.status_code = status
    return conditional(response, body)
