"""Errors of the API as problem documents (RFC 9457, ``application/problem+json``).

Every 4xx and 5xx under ``/api/v1`` is one: ``type``, ``title`` (the status's standing
words), ``status``, ``detail`` (what to change, in the reader's language) and, for invalid
input, ``errors`` with every field's messages at once. The site's error handlers
(``hub/web/errors.py``) hand requests of the API to :func:`http_problem`, so routing errors
(404, 405), oversized bodies (413) and unexpected ones (500) are problems too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

from ..services.errors import ServiceError

API_PREFIX = "/api/v1"
MEDIA_TYPE = "application/problem+json"
#: Where the kinds of problem are described (the reference page's section).
TYPE_BASE = API_PREFIX + "/docs#problem-"


def is_api_request() -> bool:
    """Whether the current request is one of the API's."""
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


class Problem(Exception):
    """Raised anywhere in the API to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        errors: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = str(detail)
        self.kind = kind
        self.errors = dict(errors) if errors else None
        self.headers = dict(headers or {})

    def response(self) -> Response:
        """The problem document answering it."""
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.kind if self.kind else "about:blank",
            "title": HTTP_STATUS_CODES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = {k: _messages(v) for k, v in self.errors.items()}
        response = current_app.response_class(
            json.dumps(body, ensure_ascii=False), status=self.status, mimetype=MEDIA_TYPE
        )
        response.headers.update(self.headers)
        return response


def _messages(value: Any) -> Any:
    """A field's messages as a list of texts (nested fields keep their structure)."""
    if isinstance(value, Mapping):
        return {str(k): _messages(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [m if isinstance(m, dict) else str(m) for m in value]
    return [str(value)]


def from_service_error(exc: ServiceError) -> Response:
    """A refusal of a service: its status and message; every field's message when it names
    several (``errors``), else the one field it names."""
    errors = getattr(exc, "errors", None)
    if not errors and exc.field:
        errors = {exc.field: exc.message}
    kind = "invalid" if errors else None
    return Problem(exc.status, exc.message, kind=kind, errors=errors).response()


def http_problem(exc: HTTPException, detail: str) -> Response:
    """An HTTP error of the API (``detail``: the site's words for it). Validation errors of
    the request's parameters and body (webargs's ``messages``) are listed by field."""
    status = exc.code or 500
    if status == 429 and exc.description:
        detail = str(exc.description)  # the API's limit says so in its own words
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    headers = dict(data.get("headers") or {})
    if status == 405 and exc.get_headers():
        headers.update({k: v for k, v in exc.get_headers() if k == "Allow"})
    if not messages:
        return Problem(status, detail, headers=headers).response()
    errors: dict[str, Any] = {}
    for location, found in messages.items():
        if isinstance(found, Mapping):
            errors.update(found)
        else:  # the body as a whole (not JSON at all)
            errors["body" if location == "json" else location] = found
    detail = _invalid_detail(errors)
    return Problem(status, detail, kind="invalid", errors=errors, headers=headers).response()


def _invalid_detail(errors: Mapping[str, Any]) -> str:
    return _(
        "The request is not valid: see errors for what to change in %(fields)s.",
        fields=", ".join(sorted(errors)),
    )
