"""The page frame (header, navigation, forms in every page), worked out once.

Every page draws the same frame: about fifteen links that depend on nothing but their
endpoint, the navigation's words, who is signed in, and two forms with a CSRF token. On a
results page these were a fifth of the rendering time (measured with py-spy in a serving
worker): routing each link again, wording each label, signing a new CSRF token for every
page. The header is now drawn once per person, language and page kind (``site_header``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from time import monotonic
from typing import Any

from flask import Flask, current_app, g, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from ..i18n import INTERFACE_LANGUAGES, WordsByKey, current_language
from ..models import Role

#: A signed CSRF token is given again for this long (Flask-WTF accepts one for
#: ``WTF_CSRF_TIME_LIMIT``, an hour by default, from when it was signed).
TOKEN_REUSE_SECONDS = 60


def fixed_url(endpoint: str, **values: str) -> str:
    """``url_for(endpoint, **values)`` for an address that depends on nothing else (no
    request arguments), remembered per application root."""
    return _fixed_url(request.script_root, endpoint, tuple(sorted(values.items())))


@functools.lru_cache(maxsize=1024)
def _fixed_url(_root: str, endpoint: str, values: tuple[tuple[str, str], ...]) -> str:
    # The root is part of the key: the same endpoint has another address under another
    # mount point (SCRIPT_NAME).
    arguments: dict[str, Any] = dict(values)
    return url_for(endpoint, **arguments)


@functools.lru_cache(maxsize=10_000)
def _signed_token(_secret: str, _session_token: str, _minute: int) -> str:
    # Keyed by the session's token and the minute: each is signed once a minute at most.
    return generate_csrf()


def csrf_token() -> str:
    """Flask-WTF's signed CSRF token for this session (what its ``csrf_token()`` gives),
    signed again at most once a minute: the same token is valid for an hour either way."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g:
        return str(g.get(field))
    raw = session.get(field)
    if isinstance(raw, str):
        secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        token = _signed_token(str(secret), raw, int(monotonic() // TOKEN_REUSE_SECONDS))
        setattr(g, field, token)
        return token
    return generate_csrf()  # a new session: Flask-WTF makes its token


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
        "administration": _l("Administration"),
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
    "usage": "requests.report",
    "our_materials": "materials.mine",
    "requests": "requests.overview",
    "files": "files.uploads",
    "consortium": "consortium_admin.schools",
    "account": "main.account",
    "apply": "membership.apply",
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
    if role in (Role.TEACHER, Role.SCHOOL_ADMIN):
        everyday.append("our_materials")
    everyday.append("members")
    if role is Role.TEACHER:
        everyday += ["requests", "files"]
    if role is Role.CONSORTIUM_ADMIN:
        everyday.append("consortium")
    if role is not Role.SCHOOL_ADMIN:
        return Navigation(words(*everyday), [], words("account"))
    menu = words("my_school", "people", "sharing_rules", "usage", "requests", "files")
    return Navigation(
        words(*everyday), menu, words("account"), NAV_LABELS.worded(language, "administration")
    )


@dataclass(frozen=True)
class SignedIn:
    """What the header shows of the signed-in person."""

    name: str
    role: Role
    school_name: str | None


# Stand-ins for what changes from page to page in a remembered header. Drawn unescaped: no
# text a person typed can come out of the template as a tag.
_TOKEN_MARK = Markup("<hub-csrf-token>")
_NEXT_MARK = Markup("<hub-next>")


def site_header() -> Markup:
    """The page header (brand, navigation, who is signed in, sign-out and language forms),
    drawn once per person, language and page kind, with this page's CSRF token and address."""
    who = None
    if current_user.is_authenticated:
        school = current_user.school
        who = SignedIn(current_user.name, current_user.role, school.name if school else None)
    html = _site_header(request.script_root, current_language().code, request.endpoint, who)
    address = request.full_path if request.query_string else request.path
    return Markup(
        html.replace(_TOKEN_MARK, escape(csrf_token())).replace(_NEXT_MARK, escape(address))
    )


@functools.lru_cache(maxsize=4096)
def _site_header(_root: str, language: str, endpoint: str | None, who: SignedIn | None) -> str:
    # Everything the header shows comes from the arguments (the key): the mount point (its
    # links), the language (its words, drawn in that language as the request speaks it),
    # the page (which link is the current one) and the person.
    template = current_app.jinja_env.get_template("_site_header.html")
    return template.render(
        interface=INTERFACE_LANGUAGES[language],
        interface_languages=list(INTERFACE_LANGUAGES.values()),
        nav=navigation_links(language, who.role if who else None),
        this_endpoint=endpoint,
        who=who,
        token_mark=_TOKEN_MARK,
        next_mark=_NEXT_MARK,
    )


def init_app(app: Flask) -> None:
    """Give templates the frame's helpers (``csrf_token`` in place of Flask-WTF's own).

    Call after Flask-WTF's ``CSRFProtect.init_app``: it hands templates its own
    ``csrf_token`` through a context processor, which wins over globals; a processor
    registered later wins over it."""
    app.jinja_env.globals.update(
        csrf_token=csrf_token, fixed_url=fixed_url, site_header=site_header
    )
    app.context_processor(_frame_helpers)


def _frame_helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token}
