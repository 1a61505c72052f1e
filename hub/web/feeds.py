"""Found from outside: Atom feeds (public, per school, per search, and each person's private
feed), the sitemap and robots.txt. Feeds and the sitemap list what ``services.feeds`` reads
through the one door: a visitor's view, or the private feed's person's."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import db
from ..i18n import current_language
from ..models import MaterialVersion
from ..search import card_cache, index
from ..services import feeds
from ..services.errors import NotFound
from .access import public, requires
from .actions import perform
from .citing import version_address
from .main import account_page
from .reader import me
from .search import not_available, query_problem, search_query

bp = Blueprint("feeds", __name__)
ATOM = "application/atom+xml"


def _material_address(material_id: int) -> str:
    return url_for("materials.show", material_id=material_id, _external=True)


def _atom(info: feeds.FeedInfo, entries: list[MaterialVersion]) -> Response:
    document = feeds.atom(info, entries, _material_address, version_address)
    return Response(document, mimetype=ATOM)


def _info(title: str, alternate: str, self_url: str | None, feed_id: str) -> feeds.FeedInfo:
    return feeds.FeedInfo(feed_id, title, alternate, self_url, current_language().code)


@bp.route("/feeds/public.atom")
@public
def public_feed() -> Response:
    """New and updated materials anyone may find."""
    here = url_for("feeds.public_feed", _external=True)
    title = _("New and updated materials — Consortium Hub")
    info = _info(title, url_for("materials.browse", _external=True), here, here)
    return _atom(info, feeds.public_entries(db.session()))


@bp.route("/schools/<id:school_id>/feed.atom")
@public
def school_feed(school_id: int) -> Response:
    """New and updated materials of one school that anyone may find."""
    s = db.session()
    try:
        school = feeds.admitted_school(s, school_id)
    except NotFound:
        abort(404)
    here = url_for("feeds.school_feed", school_id=school_id, _external=True)
    alternate = url_for("search.search", school=str(school_id), sort="newest", _external=True)
    info = _info(_("Materials of %(school)s", school=school.name), alternate, here, here)
    return _atom(info, feeds.public_entries(s, school_id))


@bp.route("/search.atom")
@public
def search_feed() -> Response | tuple[str, int, dict[str, str]]:
    """A search as a feed: the same search as /search (newest first unless a sort is given),
    as a visitor would see it."""
    s = db.session()
    query = dataclasses.replace(
        search_query(request.args), sort=request.args.get("sort") or "newest", page=1
    )
    entries, found = feeds.search_entries(
        s, query, search=index().search, cached=card_cache().at_head(s)
    )
    if found.error is not None:
        return query_problem(found.error), 400, {"Content-Type": "text/plain; charset=utf-8"}
    if found.unavailable:
        return not_available(), 503, {"Content-Type": "text/plain; charset=utf-8"}
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args.pop("page", None)
    here = url_for("feeds.search_feed", _external=True, **args)
    title = _("Search: %(words)s", words=query.text) if query.text else _("Search of the hub")
    return _atom(
        _info(title, url_for("search.search", _external=True, **args), here, here), entries
    )


@bp.route("/feeds/private/<secret>.atom")
@public
def private_feed(secret: str) -> Response:
    """A person's feed of what they may see: its address is its key (a feed reader does
    not sign in), so it is never cached by others, indexed or sent on as a referrer."""
    s = db.session()
    person = feeds.person_for_secret(s, secret)
    if person is None:
        abort(404)
    account = url_for("main.account", _external=True)
    info = _info(
        _("Materials %(name)s may see — Consortium Hub", name=person.name),
        url_for("materials.browse", _external=True),
        None,
        account + "#feed",
    )
    response = _atom(info, feeds.person_entries(s, person))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/account/feed", methods=["POST"])
@requires()
def new_private_feed() -> str:
    """Make a new private feed address (the old one stops working) and show it, once."""
    person = me()
    assert person is not None
    secret = perform(lambda: feeds.new_address(db.session(), person))
    return account_page(new_feed_url=url_for("feeds.private_feed", secret=secret, _external=True))


@bp.route("/account/feed/revoke", methods=["POST"])
@requires()
def revoke_private_feed() -> WerkzeugResponse:
    """Turn the private feed address off."""
    person = me()
    assert person is not None
    perform(
        lambda: feeds.revoke_addresses(db.session(), person),
        _("Your private feed address no longer works."),
    )
    return redirect(url_for("main.account") + "#feed")


@bp.route("/sitemap.xml")
@public
def sitemap() -> Response:
    """Every material page anyone may find, with the day of its current version (streamed)."""
    pieces = feeds.sitemap(db.session(), _material_address)
    return Response(stream_with_context(pieces), mimetype="application/xml")


@bp.route("/robots.txt")
@public
def robots() -> Response:
    """Where crawlers find the sitemap; what they should leave alone."""
    text = render_template("robots.txt", sitemap=url_for("feeds.sitemap", _external=True))
    return Response(text, mimetype="text/plain")
