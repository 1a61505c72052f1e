"""Interface languages: every word marked, every catalogue complete, and the language chosen
from the profile, the switcher or the browser."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from hub.i18n import COOKIE, INTERFACE_LANGUAGES, TRANSLATIONS
from hub.models import Role
from tests import i18n_check
from tests.conftest import csrf_token, sign_in
from tests.factories import StudentFactory, make_material

TRANSLATED = [code for code in INTERFACE_LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
ROOT = Path(__file__).resolve().parent.parent


def _catalogue(code: str) -> Catalog:
    with open(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=code)


def _template() -> Catalog:
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        return read_po(f)


def _ids(message_id: str | tuple[str, ...]) -> tuple[str, ...]:
    return message_id if isinstance(message_id, tuple) else (message_id,)


# Marking and catalogues ------------------------------------------------------------------


def test_every_interface_string_is_marked_for_translation() -> None:
    findings = i18n_check.all_findings()
    assert not findings, "unmarked interface text:\n" + "\n".join(map(str, findings[:50]))


def test_the_catalogue_template_holds_every_marked_string() -> None:
    method_map = [("hub/**.py", "python"), ("hub/templates/**.html", "jinja2")]
    keywords = {
        "_": None,
        "_l": None,
        "gettext": None,
        "lazy_gettext": None,
        "N_": None,
        "ngettext": (1, 2),
        "lazy_ngettext": (1, 2),
        "pgettext": ((1, "c"), 2),
    }
    in_source = {
        _ids(message)[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=keywords
        )
    }
    in_template = {_ids(m.id)[0] for m in _template() if m.id}
    missing = sorted(in_source - in_template)
    assert not missing, f"run `make translations`; messages.pot lacks: {missing[:20]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalogue_translates_every_string(code: str) -> None:
    catalogue = _catalogue(code)
    problems = []
    for message in _template():
        if not message.id:
            continue
        translated = catalogue.get(message.id, message.context)
        if translated is None:
            problems.append(f"missing: {message.id!r}")
            continue
        strings = (
            translated.string if isinstance(translated.string, tuple) else (translated.string,)
        )
        if translated.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {message.id!r}")
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(_ids(message.id))))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) - wanted or (
                not isinstance(message.id, tuple) and set(PLACEHOLDER.findall(text)) != wanted
            ):
                problems.append(f"placeholders differ: {message.id!r} -> {text!r}")
    assert not problems, f"{code}: {len(problems)} problems\n" + "\n".join(problems[:30])


@pytest.mark.parametrize("code", TRANSLATED)
def test_compiled_catalogue_is_current(code: str) -> None:
    po = TRANSLATIONS / code / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, (
        f"{mo} is missing or older than its .po: run `make install` to compile the catalogues"
    )


# Choosing the language -----------------------------------------------------------------


def _translated(app: Flask, code: str, text: str) -> str:
    with app.test_request_context(), force_locale(code):
        return gettext(text)


@pytest.mark.parametrize("code", list(INTERFACE_LANGUAGES))
def test_browser_language_chooses_the_interface(app: Flask, client: FlaskClient, code: str) -> None:
    page = client.get("/", headers={"Accept-Language": f"{code};q=0.9,de;q=0.5"}).get_data(
        as_text=True
    )
    direction = "rtl" if code == "ar" else "ltr"
    assert f'<html lang="{code}" dir="{direction}">' in page
    assert _translated(app, code, "Sign in") in page


def test_a_regional_browser_language_gets_its_base_language(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "pt-BR,pt;q=0.8"}).get_data(as_text=True)
    assert '<html lang="pt" dir="ltr">' in page


def test_an_unknown_browser_language_gets_english(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "sw,de;q=0.5"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page


def test_every_page_offers_the_switcher_with_each_language_in_its_own_words(
    client: FlaskClient,
) -> None:
    for path in ("/", "/search", "/browse", "/sign-in", "/apply", "/no/such/page"):
        page = client.get(path).get_data(as_text=True)
        assert 'action="/language"' in page, path
        for language in INTERFACE_LANGUAGES.values():
            assert f'lang="{language.code}"' in page and language.name in page, path


def test_a_visitor_switching_to_arabic_keeps_it_and_returns_to_the_page(
    client: FlaskClient,
) -> None:
    token = csrf_token(client.get("/search").get_data(as_text=True))
    response = client.post(
        "/language", data={"language": "ar", "next": "/search?q=malaria", "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/search?q=malaria")
    page = client.get("/search", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page


def test_switching_never_redirects_off_the_site(client: FlaskClient) -> None:
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(
        "/language", data={"language": "fr", "next": "//evil.example/", "csrf_token": token}
    )
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


def test_an_unknown_language_is_a_400_in_words(client: FlaskClient) -> None:
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/language", data={"language": "xx", "csrf_token": token})
    assert response.status_code == 400
    assert "Choose one of the languages in the list." in response.get_data(as_text=True)


def test_a_signed_in_persons_choice_is_saved_in_their_profile(
    client: FlaskClient, session: Session
) -> None:
    student = StudentFactory()
    sign_in(client, student)
    token = csrf_token(client.get("/").get_data(as_text=True))
    client.post("/language", data={"language": "es", "csrf_token": token})
    session.refresh(student)
    assert student.interface_language == "es"
    client.delete_cookie(COOKIE)
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="es" dir="ltr">' in page


def test_the_profile_wins_over_the_browser(client: FlaskClient, session: Session) -> None:
    student = StudentFactory(interface_language="pt")
    sign_in(client, student)
    page = client.get("/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="pt" dir="ltr">' in page


def test_dates_follow_the_interface_language(client: FlaskClient, session: Session) -> None:
    material = make_material(session, title="Dengue triage", grants=[("public", [], "view")])
    material.versions[0].published_at = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
    session.commit()
    path = f"/materials/{material.id}"
    english = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    french = client.get(path, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Mar 14, 2026" in english
    assert "14 mars 2026" in french


def test_choosing_the_browser_language_on_the_account_page_forgets_the_choice(
    client: FlaskClient, session: Session
) -> None:
    student = StudentFactory(interface_language="ar")
    sign_in(client, student)
    page = client.get("/account").get_data(as_text=True)
    assert 'value="browser"' in page
    client.post("/language", data={"language": "browser", "csrf_token": csrf_token(page)})
    session.refresh(student)
    assert student.interface_language is None
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in page


def _pages_without_arguments(app: Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments and rule.endpoint != "static"
    )


@pytest.mark.slow
@pytest.mark.parametrize("code", list(INTERFACE_LANGUAGES))
def test_every_page_renders_in_every_language_for_every_role(
    app: Flask, client: FlaskClient, session: Session, code: str
) -> None:
    from tests.factories import ConsortiumAdminFactory, SchoolAdminFactory, TeacherFactory

    teacher = TeacherFactory()
    admin = SchoolAdminFactory(school=teacher.school)
    material = make_material(
        session, teacher.school, title="Snakebite", grants=[("consortium", [], "view,download")]
    )
    session.commit()
    material_pages = [
        f"/materials/{material.id}",
        f"/materials/{material.id}/edit",
        f"/materials/{material.id}/compare?a=1&b=1",
        "/search?q=snakebite&page=2",
        "/search?q=%22unbalanced",
    ]
    failures = []
    for person in (
        None,
        StudentFactory(school=teacher.school),
        teacher,
        admin,
        ConsortiumAdminFactory(),
    ):
        client.delete_cookie("session")
        if person is not None:
            session.commit()
            sign_in(client, person)
        for path in _pages_without_arguments(app) + material_pages:
            response = client.get(path, headers={"Accept-Language": code})
            if response.status_code >= 500:
                failures.append(f"{person and person.role}: {path} -> {response.status_code}")
            elif response.mimetype == "text/html" and response.status_code == 200:
                assert f'<html lang="{code}"' in response.get_data(as_text=True), path
    assert failures == []


# Mail speaks the recipient's language ---------------------------------------------------


def _last_mail(app: Flask) -> Any:
    with app.app_context():
        from hub.mail import sent_messages

        return sent_messages()[-1]


def test_a_password_reset_mail_is_in_the_language_the_person_chose(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    StudentFactory(email="ines@example.org", interface_language="pt")
    session.commit()
    client.post(
        "/forgot-password", data={"email": "ines@example.org"}, headers={"Accept-Language": "en"}
    )
    assert _last_mail(app)["Subject"] == _translated(app, "pt", "Reset your password")


def test_an_invitation_is_written_in_the_inviting_admins_language(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    from tests.factories import SchoolAdminFactory

    admin = SchoolAdminFactory(interface_language="fr")
    session.commit()
    sign_in(client, admin)
    client.post("/school/invitations", data={"email": "new@example.org", "role": "student"})
    mail = _last_mail(app)
    assert mail["To"] == "new@example.org"
    with app.test_request_context(), force_locale("fr"):
        subject = gettext("Join %(school)s on the consortium hub", school=admin.school.name)
        role = str(Role.STUDENT.label)
    assert mail["Subject"] == subject
    assert role in mail.get_content()


def test_every_choice_has_words_for_each_of_its_members(app: Flask) -> None:
    import hub.services.bulk_invite
    import hub.services.membership  # noqa: F401  (their choices register on import)
    from hub.models.base import Choice

    choices = Choice.__subclasses__()
    assert len(choices) >= 10
    with app.test_request_context():
        for choice in choices:
            for member in choice:
                assert member.label.strip(), f"{choice.__name__}.{member.name} has no words"


def test_labels_every_page_shows_are_worded_once_per_language(app: Flask) -> None:
    from flask_babel import force_locale
    from flask_babel import lazy_gettext as _l

    from hub.i18n import WordsByKey

    labels = WordsByKey({"browse": _l("Browse")})
    with app.test_request_context():
        english = labels.worded("en", "browse")
        with force_locale("fr"):
            french = labels.worded("fr", "browse")
        assert labels.worded("en", "browse") == english == "Browse"
        assert french != "Browse" and labels.worded("fr", "browse") == french
