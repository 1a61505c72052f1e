"""Home, account, the school's and the consortium's overview pages, and the health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import db, i18n, policy
from ..models import (
    MaterialVersion,
    MembershipStatus,
    Person,
    RequestStatus,
    Role,
    School,
)
from ..services import access_requests, materials, usage
from ..services.catalogue import Catalogue
from ..services.schools import is_active_member
from .access import public, requires
from .membership import INCOME_LABELS, region_income_chart
from .navigation import safe_next
from .search import found_cards

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def home() -> str:
    """The home page: what matters to each role, and the hub and its members for visitors."""
    s = db.session()
    members = s.scalars(
        select(School).where(School.status == MembershipStatus.ACTIVE).order_by(School.name)
    ).all()
    context: dict[str, Any] = {
        "members": members,
        "member_countries": len({m.country for m in members}),
        "member_regions": len({m.region for m in members}),
        "chart": region_income_chart(members),
        "income_labels": INCOME_LABELS,
    }
    person = s.get(Person, current_user.id) if current_user.is_authenticated else None
    viewer = policy.viewer_for(s, person, adoptions=False)  # for the shelves' searches
    if person is None or person.school is None:
        context["public_materials"] = found_cards(viewer, size=6)
        return render_template("home.html", **context)
    school = person.school
    catalogue = Catalogue.of(s, person)
    context.update(
        school=school,
        in_my_languages=found_cards(viewer, filters={"languages": school.languages}),
        from_my_region=found_cards(viewer, filters={"regions": [school.region]}),
        school_modules=catalogue.school_modules(school.id),
        continuing=_continuing(catalogue, person),
    )
    if person.role in (Role.TEACHER, Role.SCHOOL_ADMIN):
        context["adopted_elsewhere"] = catalogue.adopted_elsewhere(school)
        context["requests_waiting"] = (
            [r for r in access_requests.incoming(s, person) if r.status is RequestStatus.PENDING]
            if person.role is Role.SCHOOL_ADMIN
            else []
        )
        context["my_requests"] = access_requests.outgoing(s, person)[:5]
        context["requested"] = catalogue.shown_versions(
            r.material_id for r in context["my_requests"]
        )
    if person.role is Role.SCHOOL_ADMIN:
        context["usage"] = usage.report(s, school)
    return render_template("home.html", **context)


def _continuing(catalogue: Catalogue, person: Person) -> list[tuple[MaterialVersion, int, int]]:
    """Modules the person started and has not finished: (version, done, total)."""
    out = []
    for version in catalogue.started_modules(person):
        done = len(materials.items_done(catalogue.session, person, version))
        if done < len(version.items):
            out.append((version, done, len(version.items)))
    return out[:5]


@bp.route("/account")
@requires()
def account() -> str:
    return render_template(
        "account.html",
        person=current_user,
        school_is_member=is_active_member(current_user.school),
        follow_browser=FOLLOW_BROWSER,
    )


@bp.route("/language", methods=["POST"])
@public
def choose_language() -> WerkzeugResponse:
    """The language switcher: remember the choice (profile and cookie) and go back.

    ``browser`` (offered on the account page) forgets the choice: the browser's languages decide.
    """
    wanted = request.form.get("language")
    code = None if wanted == FOLLOW_BROWSER else i18n.supported(wanted)
    if code is None and wanted != FOLLOW_BROWSER:
        abort(400, description=_("Choose one of the languages in the list."))
    if current_user.is_authenticated:
        s = db.session()
        person = s.get(Person, current_user.id)
        if person is not None:
            person.interface_language = code
            s.commit()
    response = redirect(safe_next(request.form.get("next")))
    if code is None:
        response.delete_cookie(i18n.COOKIE)
    else:
        response.set_cookie(
            i18n.COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response


FOLLOW_BROWSER = "browser"


@bp.route("/healthz")
@public
def healthz() -> tuple[dict[str, str], int]:
    try:
        db.database().ping()
    except SQLAlchemyError as exc:
        return {"status": "error", "database": type(exc).__name__}, 503
    return {"status": "ok", "database": "ok"}, 200
