"""The API's OpenAPI document (``/api/v1/openapi.json``) and its reference page
(``/api/v1/docs``), both from this host: the page is drawn by the server from the document
(a Jinja template), so it needs no script and nothing from another site."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.wrappers import Response

from ..services.markdown import render as render_markdown
from .problems import API_PREFIX

bp = Blueprint("api_docs", __name__, url_prefix=API_PREFIX)

DESCRIPTION = """\
The consortium hub's catalogue for programs. Send a personal access token (made on your
account page) as `Authorization: Bearer <token>`; a token acts exactly as its person, and
needs the `write` scope for anything but reading. Without a token you read what a visitor
may read. Errors are `application/problem+json` documents (RFC 9457); lists are paged by
cursors with `Link: <...>; rel="next"`; reads carry an `ETag` (send `If-None-Match`), and
writes to a material accept `If-Match`. A material you may not see answers 404, exactly as
on the site."""

#: The kinds of problem (``type`` ends in ``#problem-<kind>``), for the reference page.
PROBLEM_KINDS = (
    ("invalid", _l("The request's parameters or body are not valid: errors lists every field.")),
    ("unauthenticated", _l("The request needs a token (Authorization: Bearer <token>).")),
    (
        "invalid-token",
        _l("The token is unknown, expired or revoked, or its person cannot sign in."),
    ),
    ("insufficient-scope", _l("The token may only read; the request needs the write scope.")),
    ("stale", _l("If-Match names an older state of the resource: read it again.")),
    ("no-download", _l("The caller may view the material but not download its files.")),
    ("search", _l("The search cannot be run as written; detail says what to change.")),
)


def spec() -> dict[str, Any]:
    """The OpenAPI document of this app's API."""
    document: dict[str, Any] = current_app.extensions["hub.api"].spec.to_dict()
    return document


@bp.route("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document, generated from the code."""
    return jsonify(spec())


@bp.route("/docs")
def docs() -> str:
    """The reference, drawn from the OpenAPI document."""
    document = spec()
    operations = [
        (path, method.upper(), operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    return render_template(
        "api/docs.html",
        document=document,
        operations=operations,
        schemas=document.get("components", {}).get("schemas", {}),
        problem_kinds=PROBLEM_KINDS,
        inline_markdown=inline_markdown,
    )


def inline_markdown(text: str) -> Markup:
    """One line of the document's Markdown (a summary) as HTML, without its paragraph."""
    html = render_markdown(text).strip()
    if html.startswith("<p>") and html.endswith("</p>"):
        html = html[3:-4]
    return Markup(html)  # noqa: S704 - render_markdown sanitises (nh3)
