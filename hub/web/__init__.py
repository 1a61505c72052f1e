"""Web pages: thin views that parse, call a service and render."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import current_user

from .. import db
from ..extensions import login_manager
from ..models import Person, Role
from ..services import geography
from ..services.languages import language_name, picker_options
from ..services.markdown import render as render_markdown


def register_web(app: Flask) -> None:
    """Register blueprints, the sign-in loader, error pages and template helpers."""
    from . import (
        auth,
        consortium_admin,
        files,
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

    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_person(session_id: str) -> Person | None:
        person_id, _, fingerprint = session_id.partition(":")
        if not person_id.isdigit():
            return None
        person = db.session().get(Person, int(person_id))
        # A changed password (or deactivation) ends every existing session.
        if person is None or not person.active or person.credential_fingerprint != fingerprint:
            return None
        return person

    @app.context_processor
    def navigation() -> dict[str, Any]:
        links: list[tuple[str, str]] = [
            ("main.home", "Home"),
            ("search.search", "Search"),
            ("materials.browse", "Browse"),
        ]
        if current_user.is_authenticated:
            links.append(("materials.my_list", "My list"))
            links.append(("membership.directory", "Members"))
            if current_user.role is Role.SCHOOL_ADMIN:
                links.append(("school_admin.profile", "My school"))
                links.append(("school_admin.people_list", "People"))
                links.append(("sharing.school_rules", "Sharing rules"))
                links.append(("requests.report", "Usage"))
            if current_user.role in (Role.TEACHER, Role.SCHOOL_ADMIN):
                links.append(("materials.mine", "Our materials"))
                links.append(("requests.overview", "Requests"))
                links.append(("files.uploads", "Files"))
            if current_user.role is Role.CONSORTIUM_ADMIN:
                links.append(("consortium_admin.schools", "Consortium"))
            links.append(("main.account", "Account"))
        else:
            links.append(("membership.apply", "Apply to join"))
        return {
            "nav_links": links,
            "language_name": language_name,
            "country_name": lambda code: geography.country(code).name,
            "subregion_name": geography.subregion_name,
            "language_options": picker_options,
            "markdown": render_markdown,
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
