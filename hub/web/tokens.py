"""Personal access tokens on the account page, and a school admin's revoking of their
school's tokens (the people console)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import db
from ..models import Role
from ..services import tokens
from .access import requires
from .actions import Refused, perform
from .main import account_page
from .navigation import safe_next
from .reader import signed_in

bp = Blueprint("tokens", __name__)


@bp.route("/account/tokens", methods=["POST"])
@requires()
def create() -> str | tuple[str, int]:
    """Make a token; the page shows its secret this once (never flashed: flashes live in the
    session cookie)."""
    days = request.form.get("expires_in_days", type=int)
    try:
        issued = perform(
            lambda: tokens.create(
                db.session(),
                signed_in(),
                request.form.get("name", ""),
                request.form.getlist("scopes"),
                days,
            ),
            flash_refusal=False,
        )
    except Refused as exc:
        errors = getattr(exc.__cause__, "errors", None) or {"name": exc.message}
        return account_page(token_errors=errors, token_form=request.form), exc.status
    return account_page(new_token=issued.token, new_secret=issued.secret)


@bp.route("/account/tokens/<id:token_id>/revoke", methods=["POST"])
@requires()
def revoke(token_id: int) -> Response:
    """Revoke one of one's own tokens."""
    token = perform(lambda: tokens.revoke(db.session(), signed_in(), token_id))
    flash(_("The token %(name)s is revoked.", name=token.name), "success")
    return redirect(url_for("main.account") + "#tokens")


@bp.route("/school/tokens/<id:token_id>/revoke", methods=["POST"])
@requires(Role.SCHOOL_ADMIN)
def revoke_for_school(token_id: int) -> Response:
    """A school admin revokes a token of one of the school's people."""
    token = perform(lambda: tokens.revoke(db.session(), signed_in(), token_id))
    flash(
        _(
            "The token %(name)s of %(person)s is revoked.",
            name=token.name,
            person=token.person.name,
        ),
        "success",
    )
    back = url_for("school_admin.people_list") + "#tokens"
    return redirect(safe_next(request.form.get("back"), back))
