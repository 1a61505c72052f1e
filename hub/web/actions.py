"""Running a service call from a view: commit on success, a clear message on refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash

from .. import db
from ..services.errors import NotFound, ServiceError

T = TypeVar("T")


class Refused(Exception):
    """A service refused the action; ``status`` and ``message`` are for the person."""

    def __init__(self, error: ServiceError) -> None:
        super().__init__(error.message)
        self.status = error.status
        self.message = error.message
        self.field = error.field


def perform(
    action: Callable[[], T], success: str | None = None, *, flash_refusal: bool = True
) -> T:
    """Run ``action`` in the request's transaction and commit it.

    ``NotFound`` becomes a 404 page; any other refusal is rolled back, flashed and raised as
    ``Refused`` so the view can show the page again with the refusal's status. Forms that show
    the message next to the field pass ``flash_refusal=False``.
    """
    try:
        result = db.committed(action)
    except NotFound:
        abort(404)
    except ServiceError as exc:
        if flash_refusal:
            flash(exc.message, "error")
        raise Refused(exc) from exc
    if success:
        flash(success, "success")
    return result


def attempt(action: Callable[[], T], success: str | None = None) -> T | None:
    """Like ``perform``, for buttons that go back to the page: a refusal is flashed, not raised."""
    try:
        return perform(action, success)
    except Refused:
        return None
