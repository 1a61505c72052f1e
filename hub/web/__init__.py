"""Web pages: thin views that parse, call a service and render."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import db, reasons
from ..extensions import login_manager
from ..models import STAFF, Person
from ..services import accounts, geography, mesh
from ..services.ceilings import rights_in_words
from ..services.files import kind_in_words, size_in_words
from ..services.languages import display_name, picker_options
from ..services.markdown import render as render_markdown
from ..services.vocabularies import licence_url
from .embedding import frame_ancestors, frame_origins
from .value_words import badges, facet_values_in_words, value_words


def register_web(app: Flask) -> None:
    """Register blueprints, the sign-in loader, error pages and template helpers."""
    from . import embedding, frame
    from .errors import register_error_pages

    _blueprints(app)
    register_error_pages(app)
    frame.init_app(app)
    _sign_in()
    _template_helpers(app)
    app.after_request(_security_headers)
    app.session_interface = embedding.FramedSessionInterface()
    # Pages in a learning platform's frame are drawn without the site's header and footer.
    app.context_processor(lambda: {"embedded": embedding.embedded()})


def _blueprints(app: Flask) -> None:
    """Every part of the site, with the ``<id:...>`` converter their rules use."""
    from . import (
        auth,
        cartridge,
        citing,
        consortium_admin,
        feedback,
        feeds,
        files,
        lti,
        main,
        materials,
        membership,
        notifications,
        oai,
        requests,
        review,
        school_admin,
        search,
        sharing,
        statistics,
        tokens,
    )
    from .converters import IdConverter

    # Before the blueprints: their rules look ``<id:...>`` up as they are added.
    app.url_map.converters["id"] = IdConverter
    for blueprint in (
        main.bp,
        auth.bp,
        membership.bp,
        school_admin.bp,
        consortium_admin.bp,
        files.bp,
        materials.bp,
        sharing.bp,
        requests.bp,
        search.bp,
        tokens.bp,
        citing.bp,
        feeds.bp,
        oai.bp,
        lti.bp,
        cartridge.bp,
        statistics.bp,
        notifications.bp,
        review.bp,
        feedback.bp,
    ):
        app.register_blueprint(blueprint)


def _template_helpers(app: Flask) -> None:
    """Template helpers that depend on nothing per request: globals, not a context processor
    run for every page."""
    from . import notifications

    app.jinja_env.globals.update(
        language_name=display_name,
        version_badges=badges,
        value_words=value_words,
        facet_values_in_words=facet_values_in_words,
        country_name=geography.country_display_name,
        subregion_name=geography.subregion_display_name,
        language_options=picker_options,
        markdown=render_markdown,
        rights_in_words=rights_in_words,
        kind_in_words=kind_in_words,
        size_in_words=size_in_words,
        STAFF=STAFF,
        topics_of=mesh.topics_of,
        read_topics=mesh.read_all,
        licence_url=licence_url,
    )
    app.jinja_env.filters.update(reason=reasons.words)
    app.jinja_env.globals.update(unread_notifications=notifications.unread)


def _sign_in() -> None:
    """Flask-Login: where to sign in, how, and the person a session names."""
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.localize_callback = str  # flash() stores text, not a lazy string
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_person(session_id: str) -> Person | None:
        person_id, _, fingerprint = session_id.partition(":")
        if not person_id.isdigit():
            return None
        person = accounts.signed_in_person(db.session(), int(person_id))
        # A changed password (or deactivation) ends every existing session.
        if person is None or not person.active or person.credential_fingerprint != fingerprint:
            return None
        return person


def _security_headers(response: Any) -> Any:
    """What every answer tells the browser: no sniffing, no framing but by the hub itself
    (and, after an LTI launch, by the platform that launched), and the
    Content-Security-Policy (scripts and styles from the hub's own files only)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not frame_origins():  # X-Frame-Options cannot name another origin: CSP does
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        f"frame-ancestors {frame_ancestors()}",
    )
    return response
