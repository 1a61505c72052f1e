"""The person's notifications: the list, opening one (which marks it read), marking all read."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from werkzeug.wrappers import Response

from .. import db
from ..models import Person
from ..services import notifications
from . import reader
from .access import requires
from .actions import perform
from .navigation import safe_next

bp = Blueprint("notifications", __name__)


def _me() -> Person:
    person = reader.me()
    assert person is not None  # @requires() let only the signed-in in
    return person


def unread() -> int:
    """The signed-in person's unread notifications (the header's count; 0 for a visitor)."""
    person = reader.me()
    return notifications.unread_count(db.session(), person) if person is not None else 0


@bp.route("/notifications")
@requires()
def inbox() -> str:
    """The person's notifications, newest first, the unread marked."""
    me = _me()
    s = db.session()
    return render_template(
        "notifications.html", notices=notifications.shown(s, me, notifications.recent(s, me))
    )


@bp.route("/notifications/<id:notification_id>", methods=["POST"])
@requires()
def open_notice(notification_id: int) -> Response:
    """Open one notification: it is read now; on to where it leads."""
    me = _me()
    url = perform(lambda: notifications.open_one(db.session(), me, notification_id))
    if url is None:
        abort(404)
    return redirect(safe_next(url, url_for("notifications.inbox")))


@bp.route("/notifications/read", methods=["POST"])
@requires()
def mark_all_read() -> Response:
    """Mark every notification read."""
    me = _me()
    perform(lambda: notifications.mark_read(db.session(), me))
    return redirect(url_for("notifications.inbox"))
