"""Access requests, both sides."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import db
from ..models import STAFF, Role
from ..services import access_requests
from ..services.catalogue import Catalogue
from ..services.errors import NotFound
from .access import requires
from .actions import attempt
from .reader import catalogue, signed_in

bp = Blueprint("requests", __name__)


@bp.route("/materials/<id:material_id>/request-access", methods=["POST"])
@requires(*STAFF)
def ask(material_id: int) -> Response:
    try:
        material = catalogue().version(material_id, None, "view").material
    except NotFound:
        abort(404)
    attempt(
        lambda: access_requests.request_access(
            db.session(),
            signed_in(),
            material,
            request.form.getlist("rights"),
            request.form.get("message", ""),
        ),
        _("Your request is sent to the owner school's admins."),
    )
    return redirect(url_for("materials.show", material_id=material_id))


@bp.route("/requests")
@requires(*STAFF)
def overview() -> str:
    """Requests our school made, and (for admins) requests for our materials."""
    s = db.session()
    me = signed_in()
    outgoing = access_requests.outgoing(s, me)
    return render_template(
        "requests/overview.html",
        outgoing=outgoing,
        requested=Catalogue.of(s, me).shown_versions(r.material_id for r in outgoing),
        incoming=access_requests.incoming(s, me) if me.role is Role.SCHOOL_ADMIN else [],
        today=dt.date.today().isoformat(),
    )


@bp.route("/requests/<id:request_id>/grant", methods=["POST"])
@requires(Role.SCHOOL_ADMIN)
def grant(request_id: int) -> Response:
    raw = request.form.get("until", "").strip()
    try:
        until = dt.datetime.fromisoformat(raw).replace(tzinfo=dt.UTC) if raw else None
    except ValueError:
        flash(_("'%(value)s' is not a date (YYYY-MM-DD).", value=raw), "error")
        return redirect(url_for("requests.overview"))
    attempt(
        lambda: access_requests.grant_request(
            db.session(), signed_in(), request_id, request.form.getlist("rights"), until
        ),
        _("Granted: the school can use it as you chose."),
    )
    return redirect(url_for("requests.overview"))


@bp.route("/requests/<id:request_id>/decline", methods=["POST"])
@requires(Role.SCHOOL_ADMIN)
def decline(request_id: int) -> Response:
    attempt(
        lambda: access_requests.decline_request(
            db.session(), signed_in(), request_id, request.form.get("reason", "")
        ),
        _("Declined; the school sees your reason."),
    )
    return redirect(url_for("requests.overview"))
