"""Web pages: thin views that parse, call a service and render."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from .. import db
from ..extensions import login_manager
from ..i18n import WordsByKey, current_language
from ..models import Person, Role
from ..services import geography
from ..services.ceilings import rights_in_words
from ..services.languages import display_name, picker_options
from ..services.markdown import render as render_markdown
from .value_words import badges_html

# The signed-in person of every request, with the school, which nearly every page reads
# (the policy's viewer, the menus); built once.
_PERSON = (
    select(Person).options(joinedload(Person.school)).where(Person.id == bindparam("person_id"))
)

# The navigation's words (lazy: worded in the interface language when the page is drawn).
NAV_LABELS = WordsByKey(
    {
        "home": _l("Home"),
        "search": _l("Search"),
        "browse": _l("Browse"),
        "my_list": _l("My list"),
        "members": _l("Members"),
        "my_school": _l("My school"),
        "people": _l("People"),
        "sharing_rules": _l("Sharing rules"),
        "usage": _l("Usage"),
        "our_materials": _l("Our materials"),
        "requests": _l("Requests"),
        "files": _l("Files"),
        "consortium": _l("Consortium"),
        "account": _l("Account"),
        "apply": _l("Apply to join"),
    }
)


def register_web(app: Flask) -> None:
    """Register blueprints, the sign-in loader, error pages and template helpers."""
    from . import (
        auth,
        consortium_admin,
        files,
        frame,
        main,
        materials,
        membership,
        requests,
        school_admin,
        search,
        sharing,
    )
    from .errors import register_error_pages

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
    ):
        app.register_blueprint(blueprint)
    register_error_pages(app)
    frame.init_app(app)

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
        person = db.session().scalars(_PERSON, {"person_id": int(person_id)}).one_or_none()
        # A changed password (or deactivation) ends every existing session.
        if person is None or not person.active or person.credential_fingerprint != fingerprint:
            return None
        return person

    @app.context_processor
    def navigation() -> dict[str, Any]:
        language = current_language().code

        def words(key: str) -> str:
            return NAV_LABELS.worded(language, key)

        links: list[tuple[str, str]] = [
            ("main.home", words("home")),
            ("search.search", words("search")),
            ("materials.browse", words("browse")),
        ]
        if current_user.is_authenticated:
            links.append(("materials.my_list", words("my_list")))
            links.append(("membership.directory", words("members")))
            if current_user.role is Role.SCHOOL_ADMIN:
                links.append(("school_admin.profile", words("my_school")))
                links.append(("school_admin.people_list", words("people")))
                links.append(("sharing.school_rules", words("sharing_rules")))
                links.append(("requests.report", words("usage")))
            if current_user.role in (Role.TEACHER, Role.SCHOOL_ADMIN):
                links.append(("materials.mine", words("our_materials")))
                links.append(("requests.overview", words("requests")))
                links.append(("files.uploads", words("files")))
            if current_user.role is Role.CONSORTIUM_ADMIN:
                links.append(("consortium_admin.schools", words("consortium")))
            links.append(("main.account", words("account")))
        else:
            links.append(("membership.apply", words("apply")))
        return {
            "nav_links": links,
            "language_name": display_name,
            "badges_html": badges_html,
            "country_name": geography.country_display_name,
            "subregion_name": geography.subregion_display_name,
            "language_options": picker_options,
            "markdown": render_markdown,
            "rights_in_words": rights_in_words,
        }

    @app.after_request
    def security_headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'self'",
        )
        return response
