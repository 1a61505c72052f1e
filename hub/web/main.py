"""Home, account, the school's and the consortium's overview pages, and the health check."""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import Blueprint, abort, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import db, i18n, policy
from ..models import (
    STAFF,
    MaterialVersion,
    ModuleItem,
    Person,
    RequestStatus,
    Role,
    utcnow,
)
from ..services import access_requests, feeds, modules, review_credit, tokens, usage
from ..services.catalogue import Catalogue
from ..services.schools import active_schools, is_active_member
from .access import public, requires
from .membership import INCOME_LABELS, region_income_chart
from .navigation import safe_next
from .reader import me
from .search import found_cards
from .value_words import review_standings

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def home() -> str:
    """The home page: what matters to each role, and the hub and its members for visitors."""
    s = db.session()
    members = active_schools(s)
    context: dict[str, Any] = {
        "members": members,
        "member_countries": len({m.country for m in members}),
        "member_regions": len({m.region for m in members}),
        "chart": region_income_chart(members),
        "income_labels": INCOME_LABELS,
    }
    person = me()
    viewer = policy.viewer_for(s, person, adoptions=False)  # for the shelves' searches
    if person is None or person.school is None:
        context["public_materials"] = found_cards(viewer, size=SHELF)
        context["reviews"] = review_standings(context["public_materials"])
        return render_template("home.html", **context)
    school = person.school
    catalogue = Catalogue.of(s, person)
    school_modules = catalogue.school_modules(school.id)
    # Each shelf shows what the ones above it do not.
    modules_shown = {v.material_id for v in school_modules}
    in_my_languages = [
        card
        for card in found_cards(viewer, filters={"languages": school.languages}, size=2 * SHELF)
        if card.material_id not in modules_shown
    ][:SHELF]
    context.update(
        school=school,
        continuing=_continuing(catalogue, person),
        school_modules=school_modules,
        in_my_languages=in_my_languages,
        my_list=catalogue.bookmarked(person)[:SHELF],
    )
    if person.role in STAFF:
        # Teachers look around their region for what to adopt.
        shown = modules_shown | {card.material_id for card in in_my_languages}
        nearby = found_cards(viewer, filters={"regions": [school.region]}, size=2 * SHELF)
        context["from_my_region"] = [c for c in nearby if c.material_id not in shown][:SHELF]
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
    context["reviews"] = review_standings(*(context.get(shelf, []) for shelf in SHELVES))
    return render_template("home.html", **context)


# Cards on each shelf of the home page.
SHELF = 6
#: The shelves of a member's home page (their cards carry badges).
SHELVES = ("school_modules", "in_my_languages", "my_list", "from_my_region")


class Continuing(NamedTuple):
    """A module the person started: how far they are, and the item they last opened in it."""

    module: MaterialVersion
    done: int
    total: int
    item: ModuleItem | None  # None: they ticked items but opened none from the module


def _continuing(catalogue: Catalogue, person: Person) -> list[Continuing]:
    """Modules the person started and has not finished, the one they were in last first."""
    started = catalogue.started_modules(person)
    last = catalogue.last_opened(person, started)
    out = []
    for version in started:
        shown = {item.id for item in catalogue.module_items(version)}
        done = len(modules.items_done(catalogue.session, person, version) & shown)
        if done < len(shown):
            out.append(Continuing(version, done, len(shown), last.get(version.id)))
    return out[:5]


@bp.route("/account")
@requires()
def account() -> str:
    return account_page()


def account_page(**extra: Any) -> str:
    """The account page; ``extra`` for the template (a new token's secret, form errors)."""
    return render_template(
        "account.html",
        person=current_user,
        school_is_member=is_active_member(current_user.school),
        follow_browser=FOLLOW_BROWSER,
        feed_address=feeds.current_address(db.session(), current_user),
        tokens=tokens.tokens_of(db.session(), current_user),
        given_reviews=review_credit.given_reviews(db.session(), current_user),
        expiry_days=tokens.EXPIRY_DAYS,
        scope_labels=tokens.SCOPE_LABELS,
        now=utcnow(),
        **extra,
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
    person = me()
    if person is not None:
        person.interface_language = code
        db.session().commit()
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
    except db.DatabaseError as exc:
        return {"status": "error", "database": type(exc).__name__}, 503
    return {"status": "ok", "database": "ok"}, 200
