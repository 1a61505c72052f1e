"""Designed error pages; JSON for clients that do not want HTML."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from .. import db
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


def _render(status: int, message: str) -> tuple[str | Response, int]:
    message = str(message)  # a lazy string becomes text in the interface language
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
        return _render(status, message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[str | Response, int]:
        log.exception("Unhandled error on %s %s", request.method, request.path)
        try:
            db.session().rollback()
        except Exception:  # noqa: BLE001 - the page must render even if the DB is gone
            log.exception("rollback after error failed")
        return _render(500, MESSAGES[500])
