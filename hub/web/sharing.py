"""Sharing: a teacher's grants on a material, and a school admin's ceiling and defaults."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import db
from ..models import STAFF, Material, Role, School
from ..services import ceilings, geography, sharing, vocabularies
from ..services.errors import InvalidInput, NotFound
from ..services.schools import active_schools
from .access import requires
from .actions import Refused, perform
from .reader import catalogue, signed_in

bp = Blueprint("sharing", __name__)
#: The grant kinds whose form has a picker of values (named "values_<kind>").
GRANT_PICKERS = ("income", "regions", "schools")


def _material(material_id: int) -> Material:
    """The material whose sharing the signed-in person manages (404 for anyone else)."""
    try:
        return catalogue().version(material_id, None, "manage").material
    except NotFound:
        abort(404)


def _date(name: str) -> dt.datetime | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.datetime.fromisoformat(raw).replace(tzinfo=dt.UTC)
    except ValueError:
        raise InvalidInput(
            _("'%(value)s' is not a date (YYYY-MM-DD).", value=raw), field=name
        ) from None


def _back(material_id: int) -> Response:
    return redirect(url_for("materials.show", material_id=material_id) + "#sharing")


def grant_choices(material: Material) -> dict[str, Any]:
    """What the pickers of the grant form offer: the other active member schools and the
    UN M49 regions, by name."""
    return {
        "partner_schools": active_schools(db.session(), excluding=material.school_id),
        "subregions": sorted(
            ((code, geography.subregion_display_name(code)) for code in geography.subregions()),
            key=lambda kv: kv[1],
        ),
    }


@bp.route("/materials/<id:material_id>/grants", methods=["POST"])
@requires(*STAFF)
def add_grant(material_id: int) -> Response | tuple[str, int]:
    """Add a grant; a refused one shows the form again with what was chosen and why (400)."""
    material = _material(material_id)
    kind = request.form.get("kind", "")
    # Only the picker that "With" names counts: the others may hold leftovers of an
    # earlier choice (they all show without JavaScript).
    values = request.form.getlist("values_" + kind) if kind in GRANT_PICKERS else []
    try:
        perform(
            lambda: sharing.add_grant(
                db.session(),
                signed_in(),
                material,
                kind,
                values,
                request.form.getlist("rights"),
                _date("expires_at"),
            ),
            _("The grant is added."),
            flash_refusal=False,
        )
    except Refused as exc:
        if exc.status == 404:
            abort(404)
        return render_template(
            "sharing/grant.html",
            material=material,
            version=material.published or material.latest,
            grant_form={
                "kind": kind,
                "values": values,
                "rights": request.form.getlist("rights"),
                "expires_at": request.form.get("expires_at", ""),
            },
            grant_error={"message": exc.message, "field": exc.field},
            v=vocabularies,
            **grant_choices(material),
        ), exc.status
    return _back(material_id)


@bp.route("/materials/<id:material_id>/grants/<id:grant_id>/remove", methods=["POST"])
@requires(*STAFF)
def remove_grant(material_id: int, grant_id: int) -> Response:
    material = _material(material_id)
    with contextlib.suppress(Refused):  # the refusal is flashed
        perform(
            lambda: sharing.remove_grant(db.session(), signed_in(), material, grant_id),
            _("The grant is withdrawn."),
        )
    return _back(material_id)


@bp.route("/materials/<id:material_id>/availability", methods=["POST"])
@requires(*STAFF)
def availability(material_id: int) -> Response:
    material = _material(material_id)
    try:
        perform(
            lambda: sharing.set_availability(
                db.session(),
                signed_in(),
                material,
                teachers_only=request.form.get("teachers_only") == "1",
                available_from=_date("available_from"),
                available_until=_date("available_until"),
            ),
            _("Availability is saved."),
        )
    except Refused:
        pass
    except InvalidInput as exc:
        flash(exc.message, "error")
    return _back(material_id)


@bp.route("/school/sharing", methods=["GET", "POST"])
@requires(Role.SCHOOL_ADMIN)
def school_rules() -> str | Response | tuple[str, int]:
    """The ceiling and defaults; a change is shown with its effect before it is saved."""
    s = db.session()
    school = s.get(School, current_user.school_id)
    assert school is not None
    status = 200
    proposal: dict[str, object] | None = None
    impact = None
    if request.method == "POST":
        audience = request.form.get("ceiling_audience", "")
        rights = request.form.getlist("ceiling_rights")
        default_audience = request.form.get("default_audience", "")
        default_rights = request.form.getlist("default_rights")
        proposal = {
            "ceiling_audience": audience,
            "ceiling_rights": rights,
            "default_audience": default_audience,
            "default_rights": default_rights,
        }
        try:
            ceilings.check_rules(audience, rights, default_audience, default_rights)
        except InvalidInput as exc:
            flash(exc.message, "error")
            status = 400
        else:
            impact = ceilings.impact(s, school, audience, rights)
            if request.form.get("confirm") == "1":
                perform(
                    lambda: ceilings.set_sharing_rules(
                        s, signed_in(), audience, rights, default_audience, default_rights
                    ),
                    _("The sharing rules are saved.") + " " + " ".join(impact.lines()),
                )
                return redirect(url_for("sharing.school_rules"))
    return render_template(
        "sharing/school.html",
        school=school,
        proposal=proposal,
        impact=impact,
        summary=ceilings.summary(school),
        audiences=ceilings.AUDIENCES,
        defaults=ceilings.DEFAULT_AUDIENCES,
        rights=ceilings.RIGHT_WORDS,
    ), status
