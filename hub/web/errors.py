"""Designed error pages; JSON for clients that do not want HTML."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from .. import db
from ..api.problems import Problem, http_problem, is_api_request
from .access import wants_json

log = logging.getLogger("hub.web")

MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please sign in to continue."),
    403: _l("Your role does not give access to this page."),
    404: _l("There is nothing at this address, or it is not shared with you."),
    405: _l("That action is not possible here."),
    413: _l("The upload is larger than the hub accepts."),
    429: _l("Too many attempts. Wait a minute and try again."),
    500: _l("Something went wrong on our side. It has been logged; please try again."),
    503: _l("The hub cannot reach its database just now. Please try again shortly."),
}


#: Seconds a person (or client) is asked to wait after a 503.
RETRY_AFTER_SECONDS = 5


def _render(status: int, message: str) -> tuple[str | Response, int]:
    message = str(message)  # a lazy string becomes text in the interface language
    if is_api_request():  # the API's errors are problem documents (RFC 9457)
        return Problem(status, message).response(), status
    if wants_json():
        return jsonify(error=message, status=status), status
    return render_template("error.html", status=status, message=message), status


def register_error_pages(app: Flask) -> None:
    """Install handlers so that every error a person meets is a designed page."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[str | Response, int]:
        return _render(
            400,
            _(
                "This form has expired or was not sent from the hub. "
                "Go back, reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str | Response, int]:
        status = exc.code or 500
        if status == 413:
            limit = app.config["HUB_MAX_UPLOAD_MB"]
            return _render(
                413,
                _("The upload is larger than the hub accepts (%(limit)s MB at most).", limit=limit),
            )
        message = MESSAGES.get(status) or exc.description or _("Error")
        # A description given with abort(...) says more than the generic message.
        if exc.description and exc.description != type(exc).description and status in (400, 403):
            message = exc.description
        if is_api_request():
            return http_problem(exc, str(message)), status
        return _render(status, message)

    @app.errorhandler(db.DriverError)
    def database_error(exc: db.DriverError) -> Any:
        if not db.connection_dropped(exc):
            return unexpected(exc)
        # The lost connection is discarded with the session; the next one is a new one.
        db.close_request_session()
        if request.method in db.READ_METHODS and not g.get("hub_answered_again"):
            log.warning(
                "database connection lost during %s %s; answering it again",
                request.method,
                request.path,
                exc_info=True,
            )
            return _answer_again()
        log.warning(
            "database connection lost during %s %s", request.method, request.path, exc_info=True
        )
        if request.method in db.READ_METHODS:
            message = MESSAGES[503]
        elif db.request_committed():
            message = _(
                "The database was briefly unavailable after your change was saved. "
                "Open the page again to see it."
            )
        else:
            message = _(
                "The database was briefly unavailable. Nothing was saved; please try again."
            )
        body, status = _render(503, message)
        return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[str | Response, int]:
        log.exception("Unhandled error on %s %s", request.method, request.path)
        try:
            db.session().rollback()
        except Exception:  # noqa: BLE001 - the page must render even if the DB is gone
            log.exception("rollback after error failed")
        return _render(500, MESSAGES[500])


def _answer_again() -> Any:
    """Run the request's view once more, on a new session (GET and HEAD only: they change
    nothing, so answering twice is safe). What the lost session loaded is forgotten: the
    signed-in person is loaded anew. Hooks that run before views touch no database, so only
    the view runs again; its answer is finished by the request as usual."""
    g.hub_answered_again = True
    g.pop("_login_user", None)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        return app.dispatch_request()
    except Exception as exc:  # noqa: BLE001 - handled as any error of the first answer
        return app.handle_user_exception(exc)
