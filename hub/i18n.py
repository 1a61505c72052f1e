"""Interface languages: which one a request speaks, and the helpers pages use to speak it.

The hub's own words are translated with Flask-Babel; the catalogues are ``.po`` files under
``hub/translations`` compiled to ``.mo`` at install (``make install``). A person's saved
preference wins, then the language a visitor picked with the switcher (a cookie), then the
browser's ``Accept-Language``, then English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale
from babel.lists import format_list
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import (
    Babel,
    force_locale,
    format_date,
    format_datetime,
    get_locale,
    get_translations,
)
from flask_login import current_user

TRANSLATIONS = Path(__file__).parent / "translations"
COOKIE = "hub_language"


@dataclass(frozen=True)
class InterfaceLanguage:
    """A language the hub's pages are available in."""

    code: str
    name: str  # in the language itself, so that a reader finds their own
    direction: str  # "ltr" or "rtl"


INTERFACE_LANGUAGES: dict[str, InterfaceLanguage] = {
    lang.code: lang
    for lang in (
        InterfaceLanguage("en", "English", "ltr"),
        InterfaceLanguage("fr", "Français", "ltr"),
        InterfaceLanguage("es", "Español", "ltr"),
        InterfaceLanguage("pt", "Português", "ltr"),
        InterfaceLanguage("ar", "العربية", "rtl"),
    )
}
DEFAULT = "en"


def _catalogue() -> Any:
    """The catalogue of the locale being spoken, looked up once per request and locale:
    templates translate a few dozen strings a page (``force_locale``, for mail in the
    recipient's language, switches it)."""
    locale = get_locale()
    remembered = g.get("hub_catalogue")
    if remembered is not None and remembered[0] is locale:
        return remembered[1]
    translations = get_translations()
    g.hub_catalogue = (locale, translations)
    return translations


babel = Babel()


def supported(code: str | None) -> str | None:
    """The interface language for ``code`` ("pt-BR" → "pt"), or None when the hub lacks it."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in INTERFACE_LANGUAGES else None


def select_language() -> str:
    """The interface language of the current request (see the module docstring for the order)."""
    if not has_request_context():
        return DEFAULT  # commands and background work speak English
    if current_user and current_user.is_authenticated:
        chosen = supported(getattr(current_user, "interface_language", None))
        if chosen:
            return chosen
    chosen = supported(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    return request.accept_languages.best_match(list(INTERFACE_LANGUAGES), DEFAULT) or DEFAULT


# One Locale per interface language, parsed once: Flask-Babel keeps what the selector gives,
# and a Locale loads its CLDR data on first use (number formats on every results page).
_LOCALES = {code: Locale.parse(code) for code in INTERFACE_LANGUAGES}


def _selected_locale() -> Locale:
    return _LOCALES[select_language()]


def current_language() -> InterfaceLanguage:
    """The interface language being spoken now (English outside a request)."""
    locale = get_locale()
    return (
        INTERFACE_LANGUAGES.get(str(locale.language) if locale else DEFAULT)
        or (INTERFACE_LANGUAGES[DEFAULT])
    )


#: At most this many words are remembered per app (then they are worded again).
WORDS_REMEMBERED = 50_000


def remembered_words(language: str, key: Hashable, words: Callable[[], Any]) -> str:
    """``str(words())`` in interface language ``language``, worded once per app, language
    and ``key``: the same labels and values come back on every page, and a lazy string is
    translated anew each time it is shown. Worded in ``language`` whatever the request
    speaks, so that one language's words are never remembered for another's."""
    memo = words_memo()
    found = memo.get((language, key))
    if found is None:
        if current_language().code == language:
            found = str(words())
        else:
            with force_locale(language):
                found = str(words())
        if len(memo) >= WORDS_REMEMBERED:
            memo.clear()
        memo[(language, key)] = found
    return found


def words_memo() -> dict[tuple[str, Hashable], str]:
    """The current app's remembered words, by (language, key) (see :func:`remembered_words`):
    for callers that look many up at once."""
    memo: dict[tuple[str, Hashable], str] = current_app.extensions.setdefault("hub.words", {})
    return memo


class WordsByKey:
    """Lazy (translatable) words by key, each worded once per app and interface language
    (see :func:`remembered_words`): labels that every page shows (navigation, facet titles)."""

    def __init__(self, words: dict[str, Any]) -> None:
        self.words = words

    def __getitem__(self, key: str) -> Any:
        return self.words[key]

    def worded(self, language: str, key: str) -> str:
        """The words of ``key`` in interface language ``language``."""
        return remembered_words(language, (id(self), key), lambda: self.words[key])


def join_words(items: list[str]) -> str:
    """'a, b and c' in the interface language."""
    if not items:
        return ""
    return format_list([str(item) for item in items], locale=get_locale() or DEFAULT)


def territory_name(code: str, fallback: str) -> str:
    """A country's or UN M49 region's name in the interface language (``fallback`` if unknown)."""
    locale = get_locale() or Locale.parse(DEFAULT)
    return locale.territories.get(code) or fallback


def language_display_name(tag: str, fallback: str) -> str:
    """A content language's name (BCP 47 tag) in the interface language."""
    locale = get_locale() or Locale.parse(DEFAULT)
    base = tag.replace("_", "-")
    return (
        locale.languages.get(base.replace("-", "_"))
        or locale.languages.get(base.split("-")[0])
        or fallback
    )


def short_date(value: dt.date | dt.datetime | None) -> str:
    """A date for the interface language ("25 nov. 2026"); empty for None."""
    if value is None:
        return ""
    return format_date(value, "medium")


def short_datetime(value: dt.datetime | None) -> str:
    """A date and time (UTC) for the interface language; empty for None."""
    if value is None:
        return ""
    return format_datetime(value, "medium")


def init_app(app: Flask) -> None:
    """Bind Flask-Babel to ``app`` and give templates the language, its direction and helpers."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=_selected_locale)
    # Templates translate a few dozen strings a page: through the catalogue looked up once
    # (_catalogue), not Flask-Babel's context and domain lookups for each.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
    )
    app.jinja_env.filters.update(date=short_date, datetime=short_datetime)

    @app.context_processor
    def interface_language() -> dict[str, Any]:
        return {
            "interface": current_language(),
            "interface_languages": list(INTERFACE_LANGUAGES.values()),
            "join_words": join_words,
        }
