"""BCP 47 language tags: validation and display names."""

from __future__ import annotations

import functools

import langcodes
from flask_babel import gettext as _

from ..i18n import DEFAULT, current_language, language_display_name
from .errors import InvalidInput


def normalize_language(tag: str) -> str:
    """Return the standard form of BCP 47 ``tag`` or raise ``InvalidInput`` naming it."""
    cleaned = tag.strip()
    if not cleaned:
        raise InvalidInput(_("A language is required."), field="languages")
    try:
        lang = langcodes.Language.get(cleaned, normalize=True)
    except (langcodes.LanguageTagError, ValueError):
        raise InvalidInput(
            _("'%(tag)s' is not a BCP 47 language tag (for example en, fr, pt-BR).", tag=tag),
            field="languages",
        ) from None
    if not lang.is_valid():
        raise InvalidInput(
            _("'%(tag)s' is not a registered language (for example en, fr, pt-BR).", tag=tag),
            field="languages",
        )
    return lang.to_tag()


def normalize_languages(tags: list[str]) -> list[str]:
    """Validate and de-duplicate a list of tags, keeping their order."""
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault(normalize_language(tag), None)
    return list(seen)


@functools.lru_cache(maxsize=4096)
def language_name(tag: str, in_language: str = "en") -> str:
    """The language's name (``"Portuguese (Brazil)"``) in ``in_language``.

    Remembered: langcodes takes ~30 µs a name, and a search page shows dozens."""
    try:
        return str(langcodes.Language.get(tag).display_name(in_language))
    except (langcodes.LanguageTagError, ValueError):
        return tag


def display_name(tag: str) -> str:
    """The language's name in the interface language (in English: as ``language_name``)."""
    english = language_name(tag)
    if current_language().code == DEFAULT:
        return english
    return language_display_name(tag, english)


def resolve_language(text: str) -> str:
    """A BCP 47 tag from a tag (``pt-BR``) or a language's name in any language (``français``)."""
    cleaned = text.strip()
    try:
        return normalize_language(cleaned)
    except InvalidInput:
        pass
    try:
        return str(langcodes.find(cleaned).to_tag())
    except LookupError:
        raise InvalidInput(
            _(
                "'%(text)s' is neither a language tag nor a language name we know "
                "(for example en, pt-BR, Français, Kiswahili).",
                text=text,
            ),
            field="languages",
        ) from None


def resolve_languages(text: str) -> list[str]:
    """Tags from a comma-separated list of tags or names, de-duplicated in order."""
    parts = [p for p in (x.strip() for x in text.replace(";", ",").split(",")) if p]
    return normalize_languages([resolve_language(p) for p in parts])


# Languages of instruction the picker offers first; any other BCP 47 tag or name is accepted.
COMMON_TAGS = (
    "en", "fr", "es", "pt", "pt-BR", "ar", "zh", "ru", "de", "it", "nl", "sv", "no", "da", "fi",
    "pl", "cs", "hu", "ro", "el", "tr", "fa", "ur", "hi", "bn", "ta", "te", "mr", "ne", "si",
    "th", "vi", "id", "ms", "tl", "ja", "ko", "sw", "am", "ha", "yo", "ig", "zu", "xh", "af",
    "so", "rw", "ny", "mg", "he", "uk", "ka", "hy", "kk", "uz", "mn", "km", "lo", "my", "ps",
)  # fmt: skip


def picker_options() -> list[tuple[str, str]]:
    """(tag, label) for the language picker: the name in the interface language and in the
    language itself."""
    english_interface = current_language().code == DEFAULT
    options = []
    for tag in COMMON_TAGS:
        lang = langcodes.Language.get(tag)
        name, own = str(lang.display_name("en")), str(lang.autonym())
        if not english_interface:
            name = language_display_name(tag, name)
        label = name if own.casefold() == name.casefold() else f"{name} — {own}"
        options.append((tag, label))
    return sorted(options, key=lambda o: o[1])
