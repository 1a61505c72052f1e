"""The REST API, ``/api/v1``: JSON, described by an OpenAPI 3.1 document generated from its
code (flask-smorest with marshmallow schemas), personal access tokens with scopes.

A thin surface like the pages: parse, call the services (the catalogue is the one door to
materials; the policy decides; hidden is 404), render JSON. Errors are problem documents
(``problems.py``), reads carry entity tags, lists are paged by cursors with ``Link`` headers,
and each token (each address, for visitors) is rate-limited.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_smorest import Api
from werkzeug.wrappers import Response

from ..extensions import csrf, limiter
from ..models.base import ID_MAX, ID_MIN
from ..services.errors import ServiceError
from ..web.access import ACCESS_ATTRIBUTE
from ..web.converters import IdConverter
from . import core, docs, feedback, materials, people, search, sharing, workflow
from .problems import API_PREFIX, MEDIA_TYPE, Problem, from_service_error
from .schemas import ProblemSchema

BLUEPRINTS = (search.blp, materials.blp, workflow.blp, sharing.blp, people.blp, feedback.blp)


class HubApi(Api):
    """flask-smorest's Api, with errors that are problem documents.

    Its own error handler would answer every error of the whole site in its JSON; the
    site's handlers stay, and hand the API's requests to ``problems``."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        pass  # see hub/web/errors.py and register_api

    def _register_responses(self) -> None:
        """Document every error response as ``application/problem+json``."""
        super()._register_responses()
        for name, response in self.spec.components.responses_lazy.items():
            if "content" in response and name not in ("OK", "CREATED"):
                content = response["content"].pop("application/json", None)
                if content is not None:
                    response["content"][MEDIA_TYPE] = content


def register_api(app: Flask) -> None:
    """Mount ``/api/v1`` on ``app``: its blueprints, the OpenAPI document and reference page,
    bearer authentication, problem documents, and per-token rate limits."""
    app.config.update(
        API_TITLE="Consortium hub API",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        API_SPEC_OPTIONS={
            "info": {"description": docs.DESCRIPTION},
            "servers": [{"url": "/"}],
            # A token, or none: visitors read what a visitor may read.
            "security": [{"bearer": []}, {}],
        },
    )
    api = HubApi(app)
    app.extensions["hub.api"] = api
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.register_converter(
        IdConverter, lambda _c: {"type": "integer", "minimum": ID_MIN, "maximum": ID_MAX}
    )
    for blueprint in BLUEPRINTS:
        _guard(blueprint)
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)
    csrf.exempt(docs.bp)
    # API access is by bearer token (core.authenticate, before every view), never by role.
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith(("api_", "api_docs.")):
            setattr(view, ACCESS_ATTRIBUTE, "public")
    app.register_error_handler(Problem, Problem.response)


def _guard(blueprint: Any) -> None:
    """Every request of ``blueprint``: exempt from CSRF (no cookie authenticates it),
    authenticated by its bearer token, rate-limited per token, refusals as problems."""
    csrf.exempt(blueprint)
    if getattr(blueprint, "_hub_guarded", False):
        return  # blueprints are module-level: one set of hooks, however many apps
    blueprint._hub_guarded = True
    blueprint.before_request(core.authenticate)
    blueprint.register_error_handler(ServiceError, from_service_error)
    limiter.limit(_rate_limit, key_func=_rate_key, error_message=_too_many)(blueprint)
    blueprint.after_request(_policy_header)


def _rate_limit() -> str:
    """Requests each token (each address, for visitors) may make: HUB_API_RATE_LIMIT."""
    return str(current_app.config["HUB_API_RATE_LIMIT"])


def _rate_key() -> str:
    """Requests are counted per token (per address for visitors). Read from the header: the
    limiter counts before the token is looked up."""
    header = request.headers.get("Authorization", "")
    if header:
        return "token:" + hashlib.sha256(header.strip().encode()).hexdigest()[:24]
    return "address:" + (request.remote_addr or "?")


def _too_many() -> str:
    return _("Too many requests for this token: wait the seconds Retry-After says.")


def _policy_header(response: Response) -> Response:
    """``RateLimit-Policy`` and ``RateLimit`` (the IETF draft's fields), beside the
    X-RateLimit headers Flask-Limiter sends."""
    current = limiter.current_limit
    if current is not None:
        item = current.limit
        response.headers["RateLimit-Policy"] = f"{item.amount};w={item.get_expiry()}"
        reset = max(0, current.reset_at - int(time.time()))
        response.headers["RateLimit"] = (
            f"limit={item.amount}, remaining={current.remaining}, reset={reset}"
        )
    return response


__all__ = ["API_PREFIX", "register_api"]
