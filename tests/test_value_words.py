"""Metadata values in words are remembered per interface language, never across languages."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, render_template_string

from hub.web.value_words import badges, values_in_words


@dataclass
class _Version:
    language: str = "fr"
    other_languages: list[str] = field(default_factory=lambda: ["en"])
    level: str = "clinical"
    resource_type: str = "lecture"
    regions: list[str] = field(default_factory=lambda: ["202"])
    setting: list[str] = field(default_factory=lambda: ["rural-remote"])
    resources: list[str] = field(default_factory=list)
    licence: str = "CC-BY-4.0"


def _words_in(app: Flask, language: str, facet: str, value: str) -> str:
    with app.test_request_context(headers={"Accept-Language": language}):
        [words] = values_in_words(facet, [value])
        return words


def test_a_value_is_worded_in_each_request_s_language(app: Flask) -> None:
    assert _words_in(app, "fr", "level", "clinical") == "Clinique"
    assert _words_in(app, "en", "level", "clinical") == "Clinical"
    assert _words_in(app, "fr", "level", "clinical") == "Clinique"
    assert _words_in(app, "fr", "language", "en") == "anglais"


def test_badges_name_every_value_with_its_classes(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        shown = badges(_Version())
    assert shown == [
        ("badge", "fr", "French"),
        ("badge", "en", "English"),
        ("badge", "", "Clinical"),
        ("badge", "", "Lecture"),
        ("badge region", "", "Sub-Saharan Africa"),
        ("badge context", "", "Rural and remote"),
        ("badge licence", "", "CC BY 4.0"),
    ]


def test_badge_markup_escapes_what_it_shows(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = render_template_string(
            '{% from "materials/_badges.html" import badges %}{{ badges(version) }}',
            version=_Version(resource_type='<b>"x"</b>', other_languages=[]),
        )
    assert html.startswith('<span class="badges"><span class="badge" lang="fr">French</span>')
    assert '<span class="badge">&lt;b&gt;&#34;x&#34;&lt;/b&gt;</span>' in html


def test_a_licence_badge_shows_its_short_name_never_a_code(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        consortium = badges(_Version(licence="LicenseRef-Consortium"))[-1]
        public_domain = badges(_Version(licence="CC0-1.0"))[-1]
        share_alike = badges(_Version(licence="CC-BY-NC-SA-4.0"))[-1]
    assert consortium == ("badge licence", "", "Conditions du consortium")
    assert public_domain[2] == "CC0 1.0"
    assert share_alike[2] == "CC BY-NC-SA 4.0"
