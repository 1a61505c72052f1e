"""The page frame: the header's navigation, the same in every page for a person's role.

The header itself is ``templates/_site_header.html``, included by ``base.html``; it asks
:func:`site_navigation` for its links.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..i18n import WordsByKey, current_language
from ..models import STAFF, Role

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
        "platforms": _l("Learning platforms"),
        "statistics": _l("Statistics"),
        "consortium": _l("Consortium"),
        "account": _l("Account"),
        "apply": _l("Apply to join"),
        "administration": _l("Administration"),
        "reviews": _l("Reviews"),
    }
)

# Where each link of the navigation leads.
NAV_ENDPOINTS = {
    "home": "main.home",
    "search": "search.search",
    "browse": "materials.browse",
    "my_list": "materials.my_list",
    "members": "membership.directory",
    "my_school": "school_admin.profile",
    "people": "school_admin.people_list",
    "sharing_rules": "sharing.school_rules",
    "usage": "statistics.school",
    "our_materials": "materials.mine",
    "requests": "requests.overview",
    "files": "files.uploads",
    "platforms": "lti.platforms",
    "statistics": "statistics.consortium",
    "consortium": "consortium_admin.schools",
    "account": "main.account",
    "apply": "membership.apply",
    "reviews": "review.home",
}


@dataclass(frozen=True)
class Navigation:
    """The main navigation, each link (endpoint, label): the everyday links stay in the bar;
    a school admin's links to run the school are grouped in one menu, between them and the
    trailing links (account, or applying to join)."""

    links: list[tuple[str, str]]
    menu: list[tuple[str, str]]
    trailing: list[tuple[str, str]]
    menu_label: str = ""

    @property
    def menu_endpoints(self) -> set[str]:
        """The endpoints of the menu (the menu is marked when the page is one of them)."""
        return {endpoint for endpoint, _label in self.menu}


def navigation_links(language: str, role: Role | None) -> Navigation:
    """The main navigation for a person of ``role`` (``None``: a visitor who is not signed in)."""

    def words(*keys: str) -> list[tuple[str, str]]:
        return [(NAV_ENDPOINTS[key], NAV_LABELS.worded(language, key)) for key in keys]

    everyday = ["home", "search", "browse"]
    if role is None:
        return Navigation(words(*everyday), [], words("apply"))
    everyday.append("my_list")
    if role in STAFF:
        everyday.append("our_materials")
    everyday.append("members")
    if role is Role.TEACHER:
        everyday += ["requests", "files", "reviews"]
    if role is Role.CONSORTIUM_ADMIN:
        everyday += ["consortium", "statistics", "reviews"]
    if role is not Role.SCHOOL_ADMIN:
        return Navigation(words(*everyday), [], words("account"))
    menu = words(
        "my_school", "people", "sharing_rules", "usage", "requests", "files", "platforms", "reviews"
    )
    return Navigation(
        words(*everyday), menu, words("account"), NAV_LABELS.worded(language, "administration")
    )


def site_navigation() -> Navigation:
    """The navigation of the page being drawn, for the signed-in person's role."""
    role = current_user.role if current_user.is_authenticated else None
    return navigation_links(current_language().code, role)


def init_app(app: Flask) -> None:
    """Give templates the header's navigation (``site_navigation()``)."""
    app.jinja_env.globals.update(site_navigation=site_navigation)
